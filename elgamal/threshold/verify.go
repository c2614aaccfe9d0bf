package threshold

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// ErrTooFewQualified means fewer than t dealers qualified, so the ceremony
// failed. VerifyCeremony wraps it in a *CeremonyError.
var ErrTooFewQualified = errors.New("too few qualified dealers")

// CeremonyError is an error of VerifyCeremony (and of the trustee steps
// that verify entries first): an entry that is not a valid signed entry of
// the ceremony, or a ceremony that failed as a whole.
type CeremonyError struct {
	// Check names what failed, such as "entry" or "qualified set".
	Check string
	// Trustee is the trustee concerned, or 0. For an entry that fails to
	// parse it is the sender the entry claims, if that is a trustee index.
	Trustee uint32
	// Entry is the index of the offending entry in the slice given to
	// VerifyCeremony, or -1 if the error concerns no single entry.
	Entry int
	// Type is the type the offending entry claims, or 0.
	Type EntryType
	// Err is the underlying error.
	Err error
}

func (e *CeremonyError) Error() string {
	var b strings.Builder
	b.WriteString("ceremony: ")
	var where []string
	if e.Trustee != 0 {
		where = append(where, fmt.Sprintf("trustee %d", e.Trustee))
	}
	if e.Entry >= 0 {
		en := fmt.Sprintf("entry %d", e.Entry)
		if e.Type != 0 {
			en = e.Type.String() + " " + en
		}
		if e.Trustee != 0 {
			en = "(" + en + ")"
		}
		where = append(where, en)
	}
	if len(where) > 0 {
		b.WriteString(strings.Join(where, " "))
		b.WriteString(": ")
	}
	b.WriteString(e.Check)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *CeremonyError) Unwrap() error { return e.Err }

// VerifyCeremony is the transcript verifier of spec/threshold.md §3: from
// the setup and the ceremony's entries alone, in any order, it computes the
// qualified set and the Result, the same for every trustee and verifier.
//
// It trusts nothing about entries: each is re-parsed with ParseEntry, so
// an entry of another ceremony, from a sender that is not a trustee, with
// a body of the wrong length or a signature that does not verify makes
// VerifyCeremony fail with a *CeremonyError naming the entry's index (such
// an entry is not attributable to a trustee, so the transcript itself is
// wrong). Byte-identical entries count once, and decryption-shares entries
// are ignored.
//
// A signed entry whose body is malformed (a non-canonical or identity
// commitment, shares not one per other trustee, a complaint accusing no
// trustee or with an unknown reason, a response to no trustee or with a
// non-canonical share) disqualifies its sender as a dealer, whatever its
// type. Equivocation is two distinct commitment entries or two distinct
// shares entries from one sender, or two distinct responses from one
// dealer to one complainer; it disqualifies the sender. Several distinct
// complaints from j against i (different reasons) count as one complaint.
// Complaints against oneself are ignored, as are responses to no
// complaint.
//
// Every Schnorr proof is checked in one batch. Result.Disqualified gives
// every trustee that does not qualify with all its reasons, which do not
// depend on the order of the entries. If fewer than t dealers qualify, the
// error wraps ErrTooFewQualified and the Result is returned too, with
// Qualified and Disqualified but no keys.
func VerifyCeremony(s *Setup, entries []*Entry) (*Result, error) {
	tr, err := dkgAnalyze(s, entries)
	if err != nil {
		return nil, err
	}
	return tr.result()
}

// dkgTranscript is the parsed, deduplicated content of a ceremony's
// entries.
type dkgTranscript struct {
	setup    *Setup
	ceremony [32]byte
	round1   [32]byte
	dealers  []dkgDealerView // indexed by trustee, 1..n
}

// dkgDealerView is what the entries say about one trustee as a dealer.
type dkgDealerView struct {
	commitEntries []*Entry // distinct commitment entries
	commitment    *CommitmentBody
	commitErr     error // the only commitment entry is malformed
	proofErr      error // its Schnorr proof does not verify

	sharesEntries []*Entry // distinct shares entries
	shares        *SharesBody
	sharesErr     error

	malformed []string // malformed complaint and response entries it sent

	complaints    map[uint32]bool          // complainers j ≠ i
	responses     map[uint32]*ResponseBody // the one response to each complainer
	responseCount map[uint32]int           // distinct responses per complainer
}

// commitmentValid reports whether the dealer has exactly one well-formed
// commitment entry with a valid proof.
func (v *dkgDealerView) commitmentValid() bool {
	return len(v.commitEntries) == 1 && v.commitment != nil && v.proofErr == nil
}

// complainers returns the trustees that complained against the dealer, in
// ascending order.
func (v *dkgDealerView) complainers() []uint32 {
	out := make([]uint32, 0, len(v.complaints))
	for j := range v.complaints {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// dkgAnalyze checks every entry against s, deduplicates them, parses the
// bodies in a canonical order (so that every result is independent of the
// order of entries) and batch-verifies the Schnorr proofs.
func dkgAnalyze(s *Setup, entries []*Entry) (*dkgTranscript, error) {
	if err := s.Validate(); err != nil {
		return nil, &CeremonyError{Check: "setup", Entry: -1, Err: err}
	}
	n := s.N()
	tr := &dkgTranscript{setup: s, ceremony: s.Hash(), dealers: make([]dkgDealerView, n+1)}
	type item struct {
		e   *Entry
		enc []byte
	}
	var items []item
	seen := map[string]bool{}
	for k, e := range entries {
		if e == nil {
			return nil, &CeremonyError{Check: "entry", Entry: k, Err: errors.New("missing entry (nil)")}
		}
		enc := e.Bytes()
		pe, err := ParseEntry(s, enc)
		if err != nil {
			ce := &CeremonyError{Check: "entry", Entry: k, Type: e.Type, Err: err}
			if s.Trustee(e.Sender) != nil {
				ce.Trustee = e.Sender
			}
			if e.Type < TypeCommitment || e.Type > TypeDecryptionShares {
				ce.Type = 0
			}
			return nil, ce
		}
		if !seen[string(enc)] {
			seen[string(enc)] = true
			items = append(items, item{pe, enc})
		}
	}
	sort.Slice(items, func(a, b int) bool {
		x, y := items[a].e, items[b].e
		if x.Type != y.Type {
			return x.Type < y.Type
		}
		if x.Sender != y.Sender {
			return x.Sender < y.Sender
		}
		return bytes.Compare(items[a].enc, items[b].enc) < 0
	})

	for i := range tr.dealers {
		tr.dealers[i].complaints = map[uint32]bool{}
		tr.dealers[i].responses = map[uint32]*ResponseBody{}
		tr.dealers[i].responseCount = map[uint32]int{}
	}
	var commitEntries []*Entry
	for _, it := range items {
		e := it.e
		v := &tr.dealers[e.Sender]
		switch e.Type {
		case TypeCommitment:
			commitEntries = append(commitEntries, e)
			v.commitEntries = append(v.commitEntries, e)
		case TypeShares:
			v.sharesEntries = append(v.sharesEntries, e)
		case TypeComplaint:
			c, err := ParseComplaintBody(e.Body, n)
			if err != nil {
				v.malformed = append(v.malformed, "complaint entry: "+err.Error())
				continue
			}
			if c.Accused != e.Sender {
				tr.dealers[c.Accused].complaints[e.Sender] = true
			}
		case TypeResponse:
			r, err := ParseResponseBody(e.Body, n)
			if err != nil {
				v.malformed = append(v.malformed, "response entry: "+err.Error())
				continue
			}
			v.responseCount[r.Complainer]++
			if v.responseCount[r.Complainer] == 1 {
				v.responses[r.Complainer] = r
			} else {
				delete(v.responses, r.Complainer)
			}
		}
	}
	tr.round1 = Round1Hash(s, commitEntries)

	var stmts []zkp.SchnorrStatement
	var provers []uint32
	for i := 1; i <= n; i++ {
		v := &tr.dealers[i]
		if len(v.commitEntries) == 1 {
			v.commitment, v.commitErr = ParseCommitmentBody(v.commitEntries[0].Body, s.Threshold)
			if v.commitErr == nil {
				stmts = append(stmts, zkp.SchnorrStatement{
					Ctx:   dkgProofContext(&tr.ceremony, uint32(i)),
					Y:     &v.commitment.Commitments[0],
					Proof: v.commitment.Proof,
				})
				provers = append(provers, uint32(i))
			}
		}
		if len(v.sharesEntries) == 1 {
			v.shares, v.sharesErr = ParseSharesBody(v.sharesEntries[0].Body, uint32(i), n)
		}
	}
	if err := zkp.BatchVerifySchnorr(nil, stmts); err != nil {
		var be *zkp.BatchError
		if !errors.As(err, &be) {
			return nil, &CeremonyError{Check: "schnorr proofs", Entry: -1, Err: err}
		}
		for k, idx := range be.Failed {
			tr.dealers[provers[idx]].proofErr = be.Errs[k]
		}
	}
	return tr, nil
}

// reasons returns why dealer i does not qualify, in a fixed order; none if
// it qualifies.
func (tr *dkgTranscript) reasons(i uint32) []string {
	v := &tr.dealers[i]
	var r []string
	switch len(v.commitEntries) {
	case 0:
		r = append(r, "no commitment entry")
	case 1:
		if v.commitErr != nil {
			r = append(r, "commitment entry: "+v.commitErr.Error())
		} else if v.proofErr != nil {
			r = append(r, "commitment entry: schnorr proof: "+v.proofErr.Error())
		}
	default:
		r = append(r, fmt.Sprintf("%d different commitment entries (equivocation)", len(v.commitEntries)))
	}
	switch len(v.sharesEntries) {
	case 0:
		r = append(r, "no shares entry")
	case 1:
		if v.sharesErr != nil {
			r = append(r, "shares entry: "+v.sharesErr.Error())
		} else if v.shares.Round1 != tr.round1 {
			r = append(r, fmt.Sprintf("shares entry: round-1 hash %x… is not the transcript's %x… (dealt before seeing every commitment)", v.shares.Round1[:8], tr.round1[:8]))
		}
	default:
		r = append(r, fmt.Sprintf("%d different shares entries (equivocation)", len(v.sharesEntries)))
	}
	r = append(r, v.malformed...)
	var equivocated []uint32
	for j, c := range v.responseCount {
		if c > 1 {
			equivocated = append(equivocated, j)
		}
	}
	sort.Slice(equivocated, func(a, b int) bool { return equivocated[a] < equivocated[b] })
	for _, j := range equivocated {
		r = append(r, fmt.Sprintf("%d different responses to trustee %d (equivocation)", v.responseCount[j], j))
	}
	if v.commitmentValid() {
		for _, j := range v.complainers() {
			resp := v.responses[j]
			switch {
			case v.responseCount[j] > 1:
				// Reported above.
			case resp == nil:
				r = append(r, fmt.Sprintf("did not answer the complaint of trustee %d", j))
			case !dkgFeldman(v.commitment.Commitments, j, &resp.Share):
				r = append(r, fmt.Sprintf("response to trustee %d: the revealed share fails the Feldman check", j))
			}
		}
	}
	return r
}

// result computes the qualified set, the election key and every
// verification key.
func (tr *dkgTranscript) result() (*Result, error) {
	s := tr.setup
	res := &Result{Disqualified: map[uint32]string{}}
	var excluded []string
	for i := uint32(1); int(i) <= s.N(); i++ {
		if r := tr.reasons(i); len(r) > 0 {
			res.Disqualified[i] = joinReasons(r)
			excluded = append(excluded, fmt.Sprintf("trustee %d (%s)", i, res.Disqualified[i]))
		} else {
			res.Qualified = append(res.Qualified, i)
		}
	}
	if len(res.Qualified) < s.Threshold {
		return res, &CeremonyError{Check: "qualified set", Entry: -1, Err: fmt.Errorf("%w: %d of %d dealers qualified, threshold %d; excluded: %s",
			ErrTooFewQualified, len(res.Qualified), s.N(), s.Threshold, strings.Join(excluded, ", "))}
	}
	// Sum the qualified dealers' commitment vectors once; then
	// H = A_0 and VK_j = Σ_k j^k·A_k.
	sum := make([]elgamal.Element, s.Threshold)
	for k := range sum {
		sum[k].Set(elgamal.NewElement())
	}
	for _, i := range res.Qualified {
		c := tr.dealers[i].commitment.Commitments
		for k := range sum {
			sum[k].Add(&sum[k], &c[k])
		}
	}
	pk, err := elgamal.NewPublicKey(&sum[0])
	if err != nil {
		// The qualified dealers' constant terms cancel: impossible without
		// breaking the Schnorr proofs.
		return res, &CeremonyError{Check: "public key", Entry: -1, Err: err}
	}
	res.PublicKey = pk
	res.VerificationKeys = make([]*elgamal.Element, s.N())
	for j := range res.VerificationKeys {
		res.VerificationKeys[j] = dkgEvalCommitments(sum, uint32(j+1))
	}
	return res, nil
}

// dkgEvalCommitments returns Σ_k j^k·c_k by Horner's rule. It runs in
// variable time: commitments are public.
func dkgEvalCommitments(c []elgamal.Element, j uint32) *elgamal.Element {
	acc := new(elgamal.Element).Set(&c[len(c)-1])
	for k := len(c) - 2; k >= 0; k-- {
		dkgSmallMult(acc, j)
		acc.Add(acc, &c[k])
	}
	return acc
}

// dkgSmallMult sets e = j·e by double-and-add, in variable time. For a
// trustee index (at most 64) this is a dozen group operations, several
// times faster than a general scalar multiplication.
func dkgSmallMult(e *elgamal.Element, j uint32) {
	if j == 0 {
		e.Set(elgamal.NewElement())
		return
	}
	p := new(elgamal.Element).Set(e)
	for bit := 30 - bits.LeadingZeros32(j); bit >= 0; bit-- {
		e.Add(e, e)
		if j>>uint(bit)&1 == 1 {
			e.Add(e, p)
		}
	}
}

// dkgFeldman reports whether share·G = Σ_k j^k·c_k: whether share is the
// value at j of the polynomial committed to by c.
func dkgFeldman(c []elgamal.Element, j uint32, share *elgamal.Scalar) bool {
	return new(elgamal.Element).ScalarBaseMult(share).Equal(dkgEvalCommitments(c, j)) == 1
}

func joinReasons(r []string) string { return strings.Join(r, "; ") }
