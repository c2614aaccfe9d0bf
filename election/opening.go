package election

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urnavote/urna/elgamal"
)

// OpeningCheck names the check of OpenBallot that an opening failed
// (spec/ballot.md §6.1).
type OpeningCheck string

const (
	// OpeningHash: the opening's hash is not the SHA-256 of the ballot.
	OpeningHash OpeningCheck = "hash"
	// OpeningShape: the opening or the ballot does not have the shape the
	// manifest gives (number of contests, ciphertexts or scalars).
	OpeningShape OpeningCheck = "shape"
	// OpeningRandomness: α ≠ r·G, so the revealed randomness r is not
	// that of the ciphertext.
	OpeningRandomness OpeningCheck = "randomness"
	// OpeningPlaintext: a homomorphic ciphertext's plaintext β − r·H is
	// neither 0 (the identity) nor 1 (G).
	OpeningPlaintext OpeningCheck = "plaintext"
	// OpeningData: a mixnet ciphertext's plaintext β − r·H is not a data
	// element, or its data is not a selection of the contest.
	OpeningData OpeningCheck = "data"
	// OpeningSelection: the recovered selection breaks the contest's
	// rules (spec/ballot.md §3.4), such as more than max selections.
	OpeningSelection OpeningCheck = "selection"
)

// OpeningError says why an opening does not open a ballot: the contest
// and choice where a check failed, which check, and what was found. It
// wraps ErrBallot.
type OpeningError struct {
	// Contest is the contest's ID, or "" when the opening fails as a
	// whole (OpeningHash, or a wrong number of contests).
	Contest string
	// Choice is the index of the failing choice in the contest's layout,
	// or -1 for a mixnet contest's data ciphertext or the contest as a
	// whole.
	Choice  int
	Check   OpeningCheck
	Problem string
}

// Where names the failing place: `contest "council" choice 2`,
// `contest "rank" data ciphertext`, `contest "council"`, or "" for the
// opening as a whole.
func (e *OpeningError) Where() string {
	switch {
	case e.Contest == "":
		return ""
	case e.Choice >= 0:
		return fmt.Sprintf("contest %q choice %d", e.Contest, e.Choice)
	case e.Check == OpeningRandomness || e.Check == OpeningData:
		return fmt.Sprintf("contest %q data ciphertext", e.Contest)
	}
	return fmt.Sprintf("contest %q", e.Contest)
}

func (e *OpeningError) Error() string {
	var b strings.Builder
	b.WriteString("election: open ballot: ")
	b.WriteString(ErrBallot.Error())
	if e.Contest != "" {
		fmt.Fprintf(&b, ": contest %q", e.Contest)
	}
	if e.Choice >= 0 {
		fmt.Fprintf(&b, ": choice %d", e.Choice)
	}
	fmt.Fprintf(&b, ": %s: %s", e.Check, e.Problem)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrBallot) hold.
func (e *OpeningError) Unwrap() error { return ErrBallot }

func openErr(contest string, choice int, check OpeningCheck, format string, args ...any) *OpeningError {
	return &OpeningError{Contest: contest, Choice: choice, Check: check, Problem: fmt.Sprintf(format, args...)}
}

// OpenBallot checks that o opens b and recovers the choices b encrypts,
// without knowing them beforehand: it is how anyone checks a Benaloh
// challenge posted on the bulletin board (spec/ballot.md §6.1). It checks
// that o's hash is b's; then, for every ciphertext (α, β) of b and its
// revealed randomness r, that α = r·G, and it recovers the plaintext
// M = β − r·H: for a homomorphic contest M must be the identity (choice
// not selected) or G (selected); for a mixnet contest M must be a data
// element (elgamal.DecodeData) holding the contest's selection encoding
// (EncodeRanking, or EncodeListChoice for a party list). Finally the
// recovered selection must be valid for the contest (as EncryptBallot
// requires). It returns the choices, with a blank contest left out and a
// non-ranked selection sorted, or an *OpeningError naming the contest,
// the choice and the check that failed.
//
// It does not verify b's proofs or signature (VerifyBallot does). The
// randomness of an opening is public once the opening is posted; the
// multiplications use the constant-time fixed-base tables anyway, which
// are also the fastest.
func OpenBallot(m *Manifest, b *Ballot, o *Opening) (Choices, error) {
	if m == nil || b == nil || o == nil {
		return nil, errors.New("election: open ballot: missing manifest, ballot or opening")
	}
	if !o.Spoils(b) {
		return nil, openErr("", -1, OpeningHash, "the opening is for ballot %s, not for ballot %s", o.TrackingCode(), TrackingCode(b))
	}
	shape, err := openingShape(m)
	if err != nil {
		return nil, fmt.Errorf("election: open ballot: %w", err)
	}
	if len(b.Contests) != len(m.Contests) {
		return nil, openErr("", -1, OpeningShape, "the ballot has %d contests, the manifest %d", len(b.Contests), len(m.Contests))
	}
	if len(o.Randomness) != len(m.Contests) {
		return nil, openErr("", -1, OpeningShape, "the opening has %d contests, the manifest %d", len(o.Randomness), len(m.Contests))
	}
	pk, err := m.ElectionKey()
	if err != nil {
		return nil, fmt.Errorf("election: open ballot: election key: %w", err)
	}
	out := Choices{}
	for i := range m.Contests {
		c := &m.Contests[i]
		rs := o.Randomness[i]
		if len(rs) != shape[i] {
			return nil, openErr(c.ID, -1, OpeningShape, "the opening has %d scalars, want %d", len(rs), shape[i])
		}
		var sel []int
		if isMixnet(c) {
			if b.Contests[i].Data == nil {
				return nil, openErr(c.ID, -1, OpeningShape, "the ballot has no data ciphertext")
			}
			if sel, err = openData(pk, c, b.Contests[i].Data, &rs[0]); err != nil {
				return nil, err
			}
		} else {
			cts := b.Contests[i].Selections
			if len(cts) != len(rs) {
				return nil, openErr(c.ID, -1, OpeningShape, "the ballot has %d ciphertexts, want %d", len(cts), len(rs))
			}
			for j := range cts {
				bit, err := openBit(pk, c, j, &cts[j].C, &rs[j])
				if err != nil {
					return nil, err
				}
				if bit {
					sel = append(sel, j)
				}
			}
		}
		if p := selectionProblem(c, len(c.Choices()), sel); p != "" {
			return nil, openErr(c.ID, -1, OpeningSelection, "the ballot encrypts %s: %s", describeSelection(sel), p)
		}
		if len(sel) > 0 {
			out[c.ID] = sel
		}
	}
	return out, nil
}

// describeSelection writes a recovered selection by choice indices.
func describeSelection(sel []int) string {
	if len(sel) == 0 {
		return "a blank vote"
	}
	s := make([]string, len(sel))
	for k, j := range sel {
		s[k] = fmt.Sprint(j)
	}
	return "choices " + strings.Join(s, ", ")
}

// reveal checks α = r·G and returns the plaintext β − r·H.
func reveal(pk *elgamal.PublicKey, ct *elgamal.Ciphertext, r *elgamal.Scalar) (*elgamal.Element, bool) {
	if new(elgamal.Element).ScalarBaseMult(r).Equal(&ct.Alpha) != 1 {
		return nil, false
	}
	return new(elgamal.Element).Subtract(&ct.Beta, pk.ScalarMult(r)), true
}

// openBit recovers choice j of a homomorphic contest: 0 or 1.
func openBit(pk *elgamal.PublicKey, c *Contest, j int, ct *elgamal.Ciphertext, r *elgamal.Scalar) (bool, error) {
	pt, ok := reveal(pk, ct, r)
	if !ok {
		return false, openErr(c.ID, j, OpeningRandomness, "the revealed randomness does not re-encrypt to the ballot's ciphertext (α ≠ r·G)")
	}
	switch {
	case pt.IsIdentity() == 1:
		return false, nil
	case pt.Equal(elgamal.NewGeneratorElement()) == 1:
		return true, nil
	}
	return false, openErr(c.ID, j, OpeningPlaintext, "the ciphertext encrypts neither 0 nor 1 (β − r·H is neither the identity nor G)")
}

// openData recovers the selection of a mixnet contest from its data
// ciphertext.
func openData(pk *elgamal.PublicKey, c *Contest, ct *elgamal.Ciphertext, r *elgamal.Scalar) ([]int, error) {
	pt, ok := reveal(pk, ct, r)
	if !ok {
		return nil, openErr(c.ID, -1, OpeningRandomness, "the revealed randomness does not re-encrypt to the ballot's data ciphertext (α ≠ r·G)")
	}
	data, err := elgamal.DecodeData(pt)
	if err != nil {
		return nil, openErr(c.ID, -1, OpeningData, "β − r·H is not a data element: %s", strings.TrimPrefix(err.Error(), "elgamal: decode data: "))
	}
	n := len(c.Choices())
	if isMixnetPartyList(c) {
		sel, err := DecodeListChoice(data, n)
		if err != nil {
			return nil, openErr(c.ID, -1, OpeningData, "%s", trimBallotErr(err))
		}
		return sel, nil
	}
	if len(data) != c.Max {
		return nil, openErr(c.ID, -1, OpeningData, "ranking data of %d bytes, want %d (the contest's max)", len(data), c.Max)
	}
	sel, err := DecodeRanking(data, n)
	if err != nil {
		return nil, openErr(c.ID, -1, OpeningData, "%s", trimBallotErr(err))
	}
	if !isRanked(c) && !slices.IsSorted(sel) {
		return nil, openErr(c.ID, -1, OpeningData, "the choices of a non-ranked contest are not in increasing order")
	}
	return sel, nil
}

func trimBallotErr(err error) string { return strings.TrimPrefix(err.Error(), ErrBallot.Error()+": ") }
