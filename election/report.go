package election

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urnavote/urna/elgamal"
)

// Report is the count protocol of an election, after the Norwegian
// valgprotokoll: the voters on the roll, what became of the ballots
// received, and the result of every contest.
type Report struct {
	Election     string         `json:"election"`
	Title        string         `json:"title"`
	ManifestHash string         `json:"manifest_hash"` // hex of the manifest hash
	Revoting     RevotingPolicy `json:"revoting"`
	Roll         int            `json:"voters_on_roll"`
	Received     int            `json:"ballots_received"`
	Accepted     int            `json:"ballots_accepted"`
	Superseded   int            `json:"superseded_by_revotes"`
	Cancelled    int            `json:"cancelled_by_overrides"`
	Rejected     []RejectCount  `json:"rejected"` // every reason, in RejectReasons order
	// Refused are the submissions the bulletin board refused when they
	// were posted, by the board's reason (spec/board.md §6): they never
	// reached the board's log. Nil when the count did not come from a
	// board.
	Refused  []RejectCount   `json:"refused_by_board,omitempty"`
	Contests []ContestResult `json:"contests"`
}

// RejectCount is the number of ballots rejected for one reason.
type RejectCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// NewReport assembles the protocol from a cleansing and its count.
func NewReport(c *Cleansed, r *Result) *Report {
	h := c.Manifest.Hash()
	rep := &Report{
		Election:     c.Manifest.ID,
		Title:        c.Manifest.Title,
		ManifestHash: hex.EncodeToString(h[:]),
		Revoting:     c.Manifest.Revoting,
		Roll:         c.Eligible,
		Received:     c.Counts.Received,
		Accepted:     c.Counts.Accepted,
		Superseded:   c.Counts.Superseded,
		Cancelled:    c.Counts.Cancelled,
		Rejected:     make([]RejectCount, 0, len(RejectReasons)),
	}
	for _, reason := range RejectReasons {
		rep.Rejected = append(rep.Rejected, RejectCount{Reason: reason, Count: c.Counts.Rejected[reason]})
	}
	if r != nil {
		rep.Contests = r.Contests
	}
	return rep
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Text returns the report as readable text. Everything appears in a fixed
// order: rejection reasons in RejectReasons order, contests, lists,
// candidates and options in manifest order, rankings by decreasing count.
func (r *Report) Text() string {
	var b strings.Builder
	line := func(label string, n int) { fmt.Fprintf(&b, "  %-32s %8d\n", label, n) }
	fmt.Fprintf(&b, "Count protocol: %s (%s)\n", r.Title, r.Election)
	fmt.Fprintf(&b, "Manifest hash: %s\n", r.ManifestHash)
	fmt.Fprintf(&b, "Re-voting: %s\n\n", r.Revoting)
	b.WriteString("Ballots\n")
	line("voters on the roll", r.Roll)
	line("ballots received", r.Received)
	line("ballots accepted", r.Accepted)
	line("superseded by re-votes", r.Superseded)
	line("cancelled by overrides", r.Cancelled)
	rejected := 0
	for _, rc := range r.Rejected {
		rejected += rc.Count
	}
	line("rejected", rejected)
	for _, rc := range r.Rejected {
		line("  "+rc.Reason, rc.Count)
	}
	if r.Refused != nil {
		refused := 0
		for _, rc := range r.Refused {
			refused += rc.Count
		}
		line("refused by the board", refused)
		for _, rc := range r.Refused {
			line("  "+rc.Reason, rc.Count)
		}
	}
	for _, c := range r.Contests {
		fmt.Fprintf(&b, "\nContest %s: %s (%s)\n", c.ID, c.Title, c.Kind)
		line("ballots", c.Ballots)
		for _, l := range c.Lists {
			label := "list " + l.Letter
			if l.Name != "" {
				label += " " + l.Name
			}
			line(label, l.Total)
			line("  list votes", l.ListVotes)
			line("  personal votes", l.Personal)
			for _, cand := range l.Candidates {
				line("    "+cand.Name, cand.Votes)
			}
		}
		if len(c.Options) > 0 && c.Kind == Ranked {
			b.WriteString("  first preferences\n")
		}
		for _, o := range c.Options {
			line(o.Label, o.Votes)
		}
		if c.Blank != nil {
			line("blank", *c.Blank)
		} else {
			fmt.Fprintf(&b, "  %-32s %8s\n", "blank", "n/a")
		}
		line("invalid", c.Invalid)
		if len(c.Rankings) > 0 {
			b.WriteString("  rankings\n")
			for _, rk := range c.Rankings {
				line("  "+strings.Join(rk.Ranking, " > "), rk.Votes)
			}
		}
	}
	return b.String()
}

// Recount returns the protocol of an election counted from a verified
// board (spec/verify.md V12): the manifest, the number of credentials on
// the roll, the cleansing counts of the board's ballots (nothing
// rejected), the decrypted homomorphic sums (nil when no ballot counts:
// every sum is then 0) and each mixed contest's decrypted ballots. It is
// the result the administrator must publish, byte for byte
// (Report.ResultJSON); the board and the verifier both use it.
func Recount(m *Manifest, eligible int, counts CleanseCounts, sums []*elgamal.Element, mixed map[string][]*elgamal.Element) (*Report, error) {
	if sums == nil {
		sums = make([]*elgamal.Element, len(AggregateLayout(m)))
		for k := range sums {
			sums[k] = elgamal.NewElement() // the sum of no ballot decrypts to 0
		}
	}
	// Count uses only the number of accepted ballots; NewReport the
	// manifest, the roll and the counts.
	cl := &Cleansed{Manifest: m, Eligible: eligible, Ballots: make([]*Ballot, counts.Accepted), Counts: counts}
	res, err := Count(m, cl, sums, mixed)
	if err != nil {
		return nil, err
	}
	return NewReport(cl, res), nil
}
