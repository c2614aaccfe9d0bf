package election

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urnavote/urna/elgamal"
)

// Reasons for rejecting a cast ballot, as Cleanse reports them.
const (
	ReasonWrongElection   = "wrong election"
	ReasonDuplicate       = "duplicate"
	ReasonNotEligible     = "not eligible"
	ReasonInvalid         = "invalid"
	ReasonRevoteForbidden = "re-vote forbidden"
)

// RejectReasons lists every rejection reason in the order Cleanse checks
// them, which is also the order reports print them in.
var RejectReasons = []string{ReasonWrongElection, ReasonDuplicate, ReasonNotEligible, ReasonInvalid, ReasonRevoteForbidden}

// Status is what cleansing decided for one cast ballot.
type Status string

const (
	// Accepted: the ballot is counted.
	Accepted Status = "accepted"
	// Superseded: a later ballot of the same credential counts instead
	// (RevotingLastCounts).
	Superseded Status = "superseded"
	// Cancelled: the credential is on the override list, for example
	// because the voter voted on paper in person.
	Cancelled Status = "cancelled"
	// Rejected: the ballot is not counted, for the Reason given.
	Rejected Status = "rejected"
)

// Outcome is the cleansing decision for one cast ballot.
type Outcome struct {
	Index        int      `json:"index"` // position on the board, from 0
	TrackingCode string   `json:"tracking_code"`
	Credential   [32]byte `json:"-"`
	Status       Status   `json:"status"`
	Reason       string   `json:"reason,omitempty"` // one of the Reason constants, for Rejected
	Detail       string   `json:"detail,omitempty"` // the verification error, for ReasonInvalid
}

// CleanseCounts are the totals of a cleansing.
type CleanseCounts struct {
	Received   int            `json:"received"`
	Accepted   int            `json:"accepted"`
	Superseded int            `json:"superseded"`
	Cancelled  int            `json:"cancelled"`
	Rejected   map[string]int `json:"rejected"` // by reason; every reason present, possibly 0
}

// RejectedTotal returns the number of rejected ballots.
func (c *CleanseCounts) RejectedTotal() int {
	n := 0
	for _, v := range c.Rejected {
		n += v
	}
	return n
}

// Cleansed is the outcome of Cleanse: the ballots to count and, for every
// cast ballot, what happened to it.
type Cleansed struct {
	Manifest *Manifest
	// Eligible is the number of public credentials on the list (the
	// voters on the roll).
	Eligible int
	// Ballots are the accepted ballots, in board order.
	Ballots []*Ballot
	// Outcomes has one entry per cast ballot, in board order.
	Outcomes []Outcome
	Counts   CleanseCounts
}

// Cleanse decides, deterministically from public data, which of the cast
// ballots (in board order) are counted. Anyone can recompute it from the
// manifest, the public credential list, the board and the override list.
//
// Every ballot is checked in this order, and the first failure is its
// reason for rejection: the election hash (ReasonWrongElection); an exact
// copy of an earlier ballot on the board, whatever became of that one
// (ReasonDuplicate); a credential not on the eligible list
// (ReasonNotEligible); signature, shape and proofs, by BatchVerifyBallots
// (ReasonInvalid). Of the remaining valid ballots, those whose credential
// is in overrides are Cancelled. Of the rest, per credential, under
// RevotingLastCounts the last ballot is Accepted and earlier ones are
// Superseded; under RevotingForbid the first is Accepted and later ones
// are Rejected with ReasonRevoteForbidden.
func Cleanse(m *Manifest, eligible [][32]byte, cast []*Ballot, overrides [][32]byte) *Cleansed {
	return cleanse(m, eligible, cast, overrides, true)
}

// CleanseVerified is Cleanse for a caller that has already verified the
// signature and proofs of every cast ballot, as the bulletin board does
// when a ballot is posted: it applies every other rule but checks no
// proof. A verifier of a published record uses Cleanse.
func CleanseVerified(m *Manifest, eligible [][32]byte, cast []*Ballot, overrides [][32]byte) *Cleansed {
	return cleanse(m, eligible, cast, overrides, false)
}

func cleanse(m *Manifest, eligible [][32]byte, cast []*Ballot, overrides [][32]byte, verify bool) *Cleansed {
	c := &Cleansed{
		Manifest: m,
		Eligible: len(eligible),
		Outcomes: make([]Outcome, len(cast)),
		Counts:   CleanseCounts{Received: len(cast), Rejected: make(map[string]int, len(RejectReasons))},
	}
	for _, r := range RejectReasons {
		c.Counts.Rejected[r] = 0
	}
	onList := make(map[[32]byte]bool, len(eligible))
	for _, p := range eligible {
		onList[p] = true
	}
	cancel := make(map[[32]byte]bool, len(overrides))
	for _, p := range overrides {
		cancel[p] = true
	}
	h := m.Hash()
	seen := make(map[[32]byte]bool, len(cast))
	reject := func(i int, reason, detail string) {
		c.Outcomes[i].Status, c.Outcomes[i].Reason, c.Outcomes[i].Detail = Rejected, reason, detail
	}

	// Cheap checks first, then one batch verification of the survivors.
	var toVerify []*Ballot
	var verifyIdx []int
	for i, b := range cast {
		o := &c.Outcomes[i]
		o.Index = i
		if b == nil {
			reject(i, ReasonInvalid, "missing ballot")
			continue
		}
		enc := b.Bytes()
		digest := sha256.Sum256(enc)
		o.TrackingCode, o.Credential = trackingCode(digest), b.Credential
		switch {
		case b.Election != h:
			reject(i, ReasonWrongElection, "")
		case seen[digest]:
			reject(i, ReasonDuplicate, "")
		case !onList[b.Credential]:
			reject(i, ReasonNotEligible, "")
		default:
			toVerify = append(toVerify, b)
			verifyIdx = append(verifyIdx, i)
		}
		seen[digest] = true
	}
	valid := make([]bool, len(cast))
	for _, i := range verifyIdx {
		valid[i] = true
	}
	if len(toVerify) > 0 && verify {
		if err := BatchVerifyBallots(m, toVerify); err != nil {
			var be *BallotBatchError
			if errors.As(err, &be) {
				for k, j := range be.Failed {
					valid[verifyIdx[j]] = false
					reject(verifyIdx[j], ReasonInvalid, be.Errs[k].Error())
				}
			} else {
				for _, i := range verifyIdx {
					valid[i] = false
					reject(i, ReasonInvalid, err.Error())
				}
			}
		}
	}

	// Overrides and re-votes.
	counted := make(map[[32]byte]int) // credential → index of the ballot that counts
	for i := range cast {
		if !valid[i] {
			continue
		}
		cred := cast[i].Credential
		if cancel[cred] {
			c.Outcomes[i].Status = Cancelled
			continue
		}
		prev, ok := counted[cred]
		switch {
		case !ok:
			counted[cred] = i
			c.Outcomes[i].Status = Accepted
		case m.Revoting == RevotingLastCounts:
			c.Outcomes[prev].Status = Superseded
			counted[cred] = i
			c.Outcomes[i].Status = Accepted
		default:
			reject(i, ReasonRevoteForbidden, "")
		}
	}

	for i, o := range c.Outcomes {
		switch o.Status {
		case Accepted:
			c.Counts.Accepted++
			c.Ballots = append(c.Ballots, cast[i])
		case Superseded:
			c.Counts.Superseded++
		case Cancelled:
			c.Counts.Cancelled++
		case Rejected:
			c.Counts.Rejected[o.Reason]++
		}
	}
	return c
}

// AggregateEntry names one ciphertext of Aggregate: a choice of a
// homomorphic contest.
type AggregateEntry struct {
	Contest string
	Choice  Choice
}

// AggregateLayout returns what each ciphertext of Aggregate (and so each
// decrypted element given to Count) stands for: contest by contest in
// manifest order, skipping mixnet contests, and within a contest choice by
// choice in Contest.Layout order.
func AggregateLayout(m *Manifest) []AggregateEntry {
	var out []AggregateEntry
	for i := range m.Contests {
		ct := &m.Contests[i]
		if isMixnet(ct) {
			continue
		}
		for _, ch := range ct.Layout() {
			out = append(out, AggregateEntry{Contest: ct.ID, Choice: ch})
		}
	}
	return out
}

// Aggregate adds up the accepted ballots homomorphically: one ciphertext
// per entry of AggregateLayout (contest by contest in manifest order,
// skipping mixnet contests; choice by choice in Layout order), each
// encrypting the number of accepted ballots that selected that choice.
// This is the ciphertext list the trustees decrypt ('urna trustee
// decrypt' and 'combine'). With no accepted ballots every sum is the
// encryption of 0 with randomness 0.
func (c *Cleansed) Aggregate() ([]elgamal.Ciphertext, error) {
	m := c.Manifest
	var out []elgamal.Ciphertext
	for i := range m.Contests {
		ct := &m.Contests[i]
		if isMixnet(ct) {
			continue
		}
		n := len(ct.Layout())
		sums := make([]elgamal.Ciphertext, n)
		for j := range sums {
			sums[j].Set(elgamal.NewCiphertext())
		}
		for bi, b := range c.Ballots {
			if len(b.Contests) != len(m.Contests) || len(b.Contests[i].Selections) != n {
				return nil, fmt.Errorf("election: aggregate: accepted ballot %d does not fit contest %q", bi, ct.ID)
			}
			for j := range sums {
				sums[j].Add(&sums[j], &b.Contests[i].Selections[j].C)
			}
		}
		out = append(out, sums...)
	}
	return out, nil
}

// MixInput returns the accepted ballots' ciphertexts of a mixnet contest,
// in board order, as the input list of a mix (width 1). It returns nil for
// an unknown or homomorphic contest.
func (c *Cleansed) MixInput(contest string) []elgamal.CiphertextVector {
	i := slices.IndexFunc(c.Manifest.Contests, func(ct Contest) bool { return ct.ID == contest })
	if i < 0 || !isMixnet(&c.Manifest.Contests[i]) {
		return nil
	}
	out := make([]elgamal.CiphertextVector, 0, len(c.Ballots))
	for _, b := range c.Ballots {
		if i < len(b.Contests) && b.Contests[i].Data != nil {
			out = append(out, elgamal.CiphertextVector{*new(elgamal.Ciphertext).Set(b.Contests[i].Data)})
		}
	}
	return out
}

// Result is the count of every contest.
type Result struct {
	Contests []ContestResult `json:"contests"`
}

// ContestResult is the count of one contest. Ballots is the number of
// accepted ballots; every one is counted once as blank, invalid or a vote.
type ContestResult struct {
	ID      string        `json:"id"`
	Title   string        `json:"title"`
	Kind    ContestKind   `json:"kind"`
	Ballots int           `json:"ballots"`
	Options []OptionCount `json:"options,omitempty"` // referendum, approval, ranked (first preferences)
	Lists   []ListCount   `json:"lists,omitempty"`   // party-list
	// Blank is the number of accepted ballots with nothing selected; nil
	// when it cannot be known from the homomorphic sums (approval with
	// Max > 1, where the sums count selections, not ballots).
	Blank *int `json:"blank"`
	// Invalid counts mixnet plaintexts that are not a valid selection;
	// always 0 for homomorphic contests, whose proofs guarantee validity.
	Invalid int `json:"invalid"`
	// Rankings counts every distinct valid non-blank ranking of a ranked
	// contest, by decreasing count, then by ranking.
	Rankings []RankingCount `json:"rankings,omitempty"`
}

// OptionCount is the votes for one option. For a ranked contest it is the
// number of first preferences.
type OptionCount struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Votes int    `json:"votes"`
}

// ListCount is the count of a party list (Danish practice): its list
// votes, the personal votes of its candidates, and their sum, the list's
// total.
type ListCount struct {
	Letter     string           `json:"letter"`
	Name       string           `json:"name"`
	ListVotes  int              `json:"list_votes"`
	Personal   int              `json:"personal_votes"`
	Total      int              `json:"total"`
	Candidates []CandidateCount `json:"candidates"`
}

// CandidateCount is a candidate's personal votes.
type CandidateCount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Votes int    `json:"votes"`
}

// RankingCount is how many ballots gave one ranking, by option IDs.
type RankingCount struct {
	Ranking []string `json:"ranking"`
	Votes   int      `json:"votes"`
}

// Count computes the result. decrypted holds the plaintexts of Aggregate,
// in the same order (see AggregateLayout); mixed holds, per mixnet
// contest ID, the decrypted plaintexts of its mixed ballots, one per
// accepted ballot. Homomorphic sums are recovered with a discrete log
// table bounded by the number of accepted ballots; a sum beyond it is an
// error. A mixnet plaintext that does not decode as a ranking of the
// contest's options (wrong length, unknown option, repetition, gap) is
// counted as invalid; so is, for a mixnet party-list contest, one that
// does not decode as EncodeListChoice data (not exactly 2 bytes, or a
// choice beyond the contest's). A mixnet party-list contest is reported
// as a homomorphic one is: per list, its list votes, personal votes and
// total, and per candidate. Ties are reported as equal counts; nothing breaks
// them.
func Count(m *Manifest, c *Cleansed, decrypted []*elgamal.Element, mixed map[string][]*elgamal.Element) (*Result, error) {
	if m == nil || c == nil {
		return nil, errors.New("election: count: missing manifest or cleansing")
	}
	layout := AggregateLayout(m)
	if len(decrypted) != len(layout) {
		return nil, fmt.Errorf("election: count: %d decrypted sums, want %d (one per homomorphic choice)", len(decrypted), len(layout))
	}
	accepted := len(c.Ballots)
	table, err := elgamal.NewDLogTable(uint64(accepted))
	if err != nil {
		return nil, fmt.Errorf("election: count: %w", err)
	}
	res := &Result{}
	pos := 0
	for i := range m.Contests {
		ct := &m.Contests[i]
		cr := ContestResult{ID: ct.ID, Title: ct.Title, Kind: ct.Kind, Ballots: accepted}
		if isMixnet(ct) {
			if err := countMixed(ct, &cr, mixed[ct.ID]); err != nil {
				return nil, fmt.Errorf("election: count: %w", err)
			}
			res.Contests = append(res.Contests, cr)
			continue
		}
		lay := ct.Layout()
		votes := make([]int, len(lay))
		total := 0
		for j := range lay {
			v, err := table.Lookup(decrypted[pos])
			if err != nil {
				return nil, fmt.Errorf("election: count: contest %q: choice %q: %w", ct.ID, lay[j].ID, err)
			}
			votes[j] = int(v)
			total += int(v)
			pos++
		}
		if ct.Max == 1 {
			blank := accepted - total
			if blank < 0 {
				return nil, fmt.Errorf("election: count: contest %q: %d selections from %d ballots of at most one each", ct.ID, total, accepted)
			}
			cr.Blank = &blank
		}
		if ct.Kind == PartyList {
			cr.Lists = partyListCounts(ct, lay, votes)
		} else {
			for j, ch := range lay {
				cr.Options = append(cr.Options, OptionCount{ID: ch.ID, Label: ch.Label, Votes: votes[j]})
			}
		}
		res.Contests = append(res.Contests, cr)
	}
	return res, nil
}

// partyListCounts arranges the votes of a party-list contest, one per
// choice of lay (its Layout), by list: a personal vote also counts for the
// candidate's list.
func partyListCounts(ct *Contest, lay []Choice, votes []int) []ListCount {
	var out []ListCount
	byLetter := map[string]int{}
	for _, l := range ct.Lists {
		byLetter[l.Letter] = len(out)
		out = append(out, ListCount{Letter: l.Letter, Name: l.Name, Candidates: []CandidateCount{}})
	}
	for j, ch := range lay {
		lc := &out[byLetter[ch.List]]
		switch ch.Kind {
		case ListChoice:
			lc.ListVotes += votes[j]
		case CandidateChoice:
			lc.Personal += votes[j]
			lc.Candidates = append(lc.Candidates, CandidateCount{ID: ch.ID, Name: ch.Label, Votes: votes[j]})
		}
		lc.Total += votes[j]
	}
	return out
}

// countMixed counts the decrypted mixnet plaintexts of one contest.
func countMixed(ct *Contest, cr *ContestResult, pts []*elgamal.Element) error {
	if len(pts) != cr.Ballots {
		return fmt.Errorf("contest %q: %d mixed plaintexts, want %d (one per accepted ballot)", ct.ID, len(pts), cr.Ballots)
	}
	lay := ct.Layout()
	if ct.Kind == PartyList {
		countMixedPartyList(ct, cr, lay, pts)
		return nil
	}
	for _, ch := range lay {
		cr.Options = append(cr.Options, OptionCount{ID: ch.ID, Label: ch.Label})
	}
	blank := 0
	rankings := map[string]*RankingCount{}
	for _, pt := range pts {
		sel, ok := decodeMixed(ct, len(lay), pt)
		switch {
		case !ok:
			cr.Invalid++
			continue
		case len(sel) == 0:
			blank++
			continue
		}
		cr.Options[sel[0]].Votes++
		ids := make([]string, len(sel))
		for k, j := range sel {
			ids[k] = lay[j].ID
		}
		key := strings.Join(ids, "\x00")
		if rankings[key] == nil {
			rankings[key] = &RankingCount{Ranking: ids}
		}
		rankings[key].Votes++
	}
	cr.Blank = &blank
	for _, r := range rankings {
		cr.Rankings = append(cr.Rankings, *r)
	}
	slices.SortFunc(cr.Rankings, func(a, b RankingCount) int {
		if a.Votes != b.Votes {
			return b.Votes - a.Votes
		}
		return slices.Compare(a.Ranking, b.Ranking)
	})
	return nil
}

// countMixedPartyList counts the decrypted plaintexts of a mixnet
// party-list contest, each EncodeListChoice data: blank, a list vote, a
// personal vote (which also counts for the candidate's list) or invalid.
func countMixedPartyList(ct *Contest, cr *ContestResult, lay []Choice, pts []*elgamal.Element) {
	votes := make([]int, len(lay))
	blank := 0
	for _, pt := range pts {
		sel, ok := decodeMixed(ct, len(lay), pt)
		switch {
		case !ok:
			cr.Invalid++
		case len(sel) == 0:
			blank++
		default:
			votes[sel[0]]++
		}
	}
	cr.Lists = partyListCounts(ct, lay, votes)
	cr.Blank = &blank
}

// decodeMixed decodes one mixnet plaintext as EncryptBallot encoded it.
func decodeMixed(ct *Contest, n int, pt *elgamal.Element) ([]int, bool) {
	if pt == nil {
		return nil, false
	}
	if ct.Kind == PartyList {
		data, err := elgamal.DecodeData(pt)
		if err != nil {
			return nil, false
		}
		sel, err := DecodeListChoice(data, n)
		return sel, err == nil
	}
	data, err := elgamal.DecodeData(pt)
	if err != nil || len(data) != ct.Max {
		return nil, false
	}
	sel, err := DecodeRanking(data, n)
	if err != nil {
		return nil, false
	}
	if !isRanked(ct) {
		// Order does not matter, but the client sorts: anything else was
		// not made by EncryptBallot.
		if !slices.IsSorted(sel) {
			return nil, false
		}
	}
	return sel, true
}

// PostalExport returns, sorted, the voter IDs of the accepted electronic
// ballots, for cross-checking postal and paper votes (a voter who voted
// electronically must not also have a postal vote counted). It reveals
// nothing of the votes. Credentials the registrar does not know are
// skipped.
func PostalExport(reg *Registrar, c *Cleansed) []string {
	out := make([]string, 0, len(c.Ballots))
	for _, b := range c.Ballots {
		if id, ok := reg.VoterOf(b.Credential[:]); ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
