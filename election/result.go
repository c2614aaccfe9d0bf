package election

import (
	"fmt"

	"github.com/urnavote/urna/internal/strictjson"
)

// ResultJSON returns the canonical result: the body of the board's result
// entry (spec/result.md). It is the report's JSON without
// refused_by_board, which is the board's own account and not in its log.
func (r *Report) ResultJSON() []byte {
	c := *r
	c.Refused = nil
	if c.Contests == nil {
		c.Contests = []ContestResult{}
	}
	b, err := c.JSON()
	if err != nil {
		panic(err) // the types always marshal
	}
	return b
}

// ParseResult decodes a result entry body strictly (spec/result.md §3):
// any member order and whitespace, but no duplicate, unknown or missing
// member, counts as non-negative integers in canonical form and the
// structure of §2. A JSON problem is a *JSONError naming the member. The
// board and the verifier also require the body to equal ResultJSON of the
// parsed report, byte for byte.
func ParseResult(b []byte) (*Report, error) { return parseReport(b, false) }

// ParseReport is ParseResult for a count protocol, which may also have
// the member refused_by_board (Report.JSON).
func ParseReport(b []byte) (*Report, error) { return parseReport(b, true) }

func parseReport(b []byte, refused bool) (*Report, error) {
	n, err := strictjson.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	members := []string{"election", "title", "manifest_hash", "revoting", "voters_on_roll", "ballots_received",
		"ballots_accepted", "superseded_by_revotes", "cancelled_by_overrides", "rejected", "contests"}
	if refused {
		members = append(members, "refused_by_board?")
	}
	o := n.Object(members...)
	r := &Report{
		Election:     o.Get("election").Str(),
		Title:        o.Get("title").Str(),
		ManifestHash: o.Get("manifest_hash").Str(),
		Revoting:     RevotingPolicy(o.Get("revoting").Str()),
		Roll:         o.Get("voters_on_roll").Count(),
		Received:     o.Get("ballots_received").Count(),
		Accepted:     o.Get("ballots_accepted").Count(),
		Superseded:   o.Get("superseded_by_revotes").Count(),
		Cancelled:    o.Get("cancelled_by_overrides").Count(),
		Rejected:     rejectCounts(o.Get("rejected"), RejectReasons),
	}
	if rn := o.Get("refused_by_board"); refused && rn.Present() {
		r.Refused = rejectCounts(rn, nil)
	}
	r.Contests = []ContestResult{}
	for _, cn := range o.Get("contests").Elems() {
		r.Contests = append(r.Contests, parseContestResult(cn))
	}
	if err := n.Err(); err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	return r, nil
}

// rejectCounts decodes an array of {reason, count}: with reasons, exactly
// those in that order.
func rejectCounts(n strictjson.Node, reasons []string) []RejectCount {
	out := []RejectCount{}
	elems := n.Elems()
	if reasons != nil && n.Err() == nil && len(elems) != len(reasons) {
		n.Failf("want %d reasons, got %d", len(reasons), len(elems))
	}
	for i, e := range elems {
		o := e.Object("reason", "count")
		rc := RejectCount{Reason: o.Get("reason").Str(), Count: o.Get("count").Count()}
		if reasons != nil && i < len(reasons) && rc.Reason != reasons[i] {
			o.Get("reason").Failf("want %q, got %q", reasons[i], rc.Reason)
		}
		out = append(out, rc)
	}
	return out
}

func parseContestResult(n strictjson.Node) ContestResult {
	members := []string{"id", "title", "kind", "ballots", "blank", "invalid"}
	// Which of options, lists and rankings the kind has; rankings is
	// omitted when empty.
	var kind ContestKind
	if k := n.Get("kind"); k.Present() {
		kind = ContestKind(k.Str())
	}
	switch kind {
	case Referendum, Approval:
		members = append(members, "options")
	case Ranked:
		members = append(members, "options", "rankings?")
	case PartyList:
		members = append(members, "lists")
	default:
		if k := n.Get("kind"); k.Present() {
			k.Failf("unknown contest kind %q", kind)
		}
	}
	o := n.Object(members...)
	cr := ContestResult{
		ID:      o.Get("id").Str(),
		Title:   o.Get("title").Str(),
		Kind:    kind,
		Ballots: o.Get("ballots").Count(),
		Invalid: o.Get("invalid").Count(),
	}
	if bn := o.Get("blank"); !bn.IsNull() {
		v := bn.Count()
		cr.Blank = &v
	}
	nonEmpty := func(n strictjson.Node) []strictjson.Node {
		elems := n.Elems()
		if n.Err() == nil && len(elems) == 0 {
			n.Failf("must be omitted when empty")
		}
		return elems
	}
	if on := o.Get("options"); on.Present() {
		for _, e := range nonEmpty(on) {
			oo := e.Object("id", "label", "votes")
			cr.Options = append(cr.Options, OptionCount{ID: oo.Get("id").Str(), Label: oo.Get("label").Str(), Votes: oo.Get("votes").Count()})
		}
	}
	if ln := o.Get("lists"); ln.Present() {
		for _, e := range nonEmpty(ln) {
			lo := e.Object("letter", "name", "list_votes", "personal_votes", "total", "candidates")
			lc := ListCount{
				Letter: lo.Get("letter").Str(), Name: lo.Get("name").Str(),
				ListVotes: lo.Get("list_votes").Count(), Personal: lo.Get("personal_votes").Count(), Total: lo.Get("total").Count(),
				Candidates: []CandidateCount{},
			}
			for _, ce := range lo.Get("candidates").Elems() {
				co := ce.Object("id", "name", "votes")
				lc.Candidates = append(lc.Candidates, CandidateCount{ID: co.Get("id").Str(), Name: co.Get("name").Str(), Votes: co.Get("votes").Count()})
			}
			cr.Lists = append(cr.Lists, lc)
		}
	}
	if rn := o.Get("rankings"); rn.Present() {
		for _, e := range nonEmpty(rn) {
			ro := e.Object("ranking", "votes")
			rc := RankingCount{Ranking: []string{}}
			for _, id := range ro.Get("ranking").Elems() {
				rc.Ranking = append(rc.Ranking, id.Str())
			}
			rc.Votes = ro.Get("votes").Count()
			cr.Rankings = append(cr.Rankings, rc)
		}
	}
	return cr
}
