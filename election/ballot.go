package election

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// BallotSignatureDomain is prefixed to the encoding of a ballot (without
// its signature) to form the message the credential signs.
const BallotSignatureDomain = "urna/v1/election/ballot-signature\x00"

// ErrBallot means a ballot, an opening or a selection is invalid. Errors
// from EncryptBallot, ParseBallot, VerifyBallot and VerifyOpening wrap it
// (proof failures also wrap zkp.ErrInvalidProof).
var ErrBallot = errors.New("invalid ballot")

// Choices is a voter's selection: per contest ID, the selected indices
// into Contest.Choices. For homomorphic and non-ranked mixnet contests the
// order does not matter; for ranked contests it is the ranking, first
// preference first. A missing or empty entry is a blank vote.
type Choices map[string][]int

// Ballot is an encrypted, signed ballot. Its encoding (Bytes) is fixed in
// length by the manifest: it does not depend on the choices.
type Ballot struct {
	Election   [32]byte // the manifest hash
	Credential [32]byte // the voter's public credential (Ed25519 key)
	Contests   []ContestBallot
	Sig        [64]byte // Ed25519 over BallotSignatureDomain ‖ encoding without Sig
}

// ContestBallot is one contest of a ballot. Homomorphic contests fill
// Selections and Range, mixnet contests Data and DataProof.
type ContestBallot struct {
	// Selections holds one ciphertext of 0 or 1 per choice, with its proof.
	Selections []Selection
	// Range proves that the sum of the selections encrypts a number in the
	// contest's proof range (see ProofRange).
	Range *zkp.RangeProof
	// Data encrypts the selection encoded by EncodeRanking (or, for a
	// party-list contest, EncodeListChoice) and elgamal.EncodeData.
	Data *elgamal.Ciphertext
	// DataProof proves knowledge of Data's randomness.
	DataProof *zkp.RandomnessProof
}

// Selection is one choice's ciphertext and its proof that it encrypts 0 or 1.
type Selection struct {
	C     elgamal.Ciphertext
	Proof zkp.ZeroOneProof
}

// Opening reveals the randomness of every ciphertext of a ballot, for the
// Benaloh challenge: a device other than the voting client recovers the
// choices the ballot encrypts with OpenBallot (as the bulletin board and
// verifiers do from the posted opening alone) and checks with
// VerifyOpening that they are the voter's choices. An opened
// ballot is spoiled: it must never be cast, since anyone holding the opening
// can read it. The bulletin board must refuse a ballot for which an
// opening has been published (Spoils, or the ballot's TrackingCode).
type Opening struct {
	Ballot     [32]byte           // SHA-256 of the opened ballot's encoding
	Randomness [][]elgamal.Scalar // per contest, per ciphertext
}

func isMixnet(c *Contest) bool { return string(c.Tally) == "mixnet" }
func isRanked(c *Contest) bool { return string(c.Kind) == "ranked" }

// isMixnetPartyList reports whether c is a party-list contest tallied by a
// mix, whose ballot data is EncodeListChoice rather than EncodeRanking.
func isMixnetPartyList(c *Contest) bool { return isMixnet(c) && c.Kind == PartyList }

// ProofRange returns the range [lo, hi] that a homomorphic contest's range
// proof shows the number of selections to be in. A selection is either
// blank (none) or between Min and Max choices: for Min ≤ 1 that is exactly
// [0, Max]. For Min ≥ 2 the proof is for [Min, Max] and a blank vote cannot
// be proven.
func ProofRange(c *Contest) (lo, hi uint64) {
	if c.Min <= 1 {
		return 0, uint64(c.Max)
	}
	return uint64(c.Min), uint64(c.Max)
}

// contestLayout checks a contest's shape and returns its number of choices.
func contestLayout(i int, c *Contest) (int, error) {
	n := len(c.Choices())
	switch {
	case n == 0:
		return 0, fmt.Errorf("contest %d %q: no choices", i, c.ID)
	case c.Min < 0 || c.Max < c.Min || c.Max < 1 || c.Max > n:
		return 0, fmt.Errorf("contest %d %q: bad bounds min %d, max %d for %d choices", i, c.ID, c.Min, c.Max, n)
	case isMixnetPartyList(c) && (c.Max != 1 || n > MaxMixnetPartyListChoices):
		return 0, fmt.Errorf("contest %d %q: mixnet party-list contest needs max 1 and at most %d choices", i, c.ID, MaxMixnetPartyListChoices)
	case isMixnet(c) && !isMixnetPartyList(c) && (c.Max > elgamal.MaxDataSize || n > 255):
		return 0, fmt.Errorf("contest %d %q: mixnet contest needs max ≤ %d and at most 255 choices", i, c.ID, elgamal.MaxDataSize)
	}
	return n, nil
}

// bindingContext is the proof context of contest i: bound to the election,
// the credential and the contest index.
func bindingContext(h *[32]byte, cred *[32]byte, i int) *zkp.Context {
	b := make([]byte, 36)
	copy(b, cred[:])
	binary.BigEndian.PutUint32(b[32:], uint32(i))
	return &zkp.Context{Election: h[:], Binding: b}
}

// The constant-time boundary (spec/ballot.md §8). Choices is a map of Go
// slices: looking a contest up in it and ranging over its keys for
// unknown contest IDs are input handling, and the map's shape (which
// contests have an entry, empty or not) is not hidden. From each entry's
// slice header on, what is selected and how many are secret:
// checkSelection reads the slice into a buffer of Max entries without a
// length-dependent copy or branch and validates it, and EncryptBallot
// turns it into plaintexts and ciphertexts, with loops whose counts depend
// only on the manifest, constant-time comparisons and selections, and no
// secret-indexed writes. An invalid selection is reported after the same
// fixed work, so only its error (not the timing of a valid one) says what
// is wrong.

// selection is one contest's validated selection in the fixed-length form
// that EncryptBallot works on in constant time.
type selection struct {
	// pad holds Max entries: the selected choice indices (in order for a
	// ranked contest, ascending otherwise), then -1 for each unused entry.
	pad []int
	// n is the number of selected choices (0 for a blank vote).
	n int
}

// list returns the selection as a list of choice indices (nil for a blank
// vote), in variable time.
func (s selection) list() []int {
	if s.n == 0 {
		return nil
	}
	return slices.Clone(s.pad[:s.n])
}

// bits returns, for each of a homomorphic contest's n choices, 1 if it is
// selected and 0 if not, in constant time: every choice is compared with
// every entry of pad.
func (s selection) bits(n int) []uint64 {
	out := make([]uint64, n)
	for j := range out {
		var bit int
		for _, v := range s.pad {
			bit |= ctEq(v, j)
		}
		out[j] = uint64(bit)
	}
	return out
}

// data returns the data a mixnet contest's ballot encrypts, in constant
// time: for a party-list contest, EncodeListChoice's; otherwise
// EncodeRanking's. The padding entries are -1, so that +1 maps them to the
// zeros of both encodings.
func (s selection) data(c *Contest) []byte {
	if isMixnetPartyList(c) {
		// Max is 1 (contestLayout).
		b := make([]byte, ListChoiceSize)
		binary.BigEndian.PutUint16(b, uint16(s.pad[0]+1))
		return b
	}
	b := make([]byte, len(s.pad))
	for k, v := range s.pad {
		b[k] = byte(v + 1)
	}
	return b
}

// ctEq returns 1 if a == b and 0 otherwise, without branching.
func ctEq(a, b int) int {
	x := uint64(a ^ b)
	return int(1 ^ (x|-x)>>63)
}

// ctLess returns 1 if a < b as unsigned numbers and 0 otherwise, without
// branching. A negative a is not less than any non-negative b.
func ctLess(a, b int) int {
	_, borrow := bits.Sub64(uint64(a), uint64(b), 0)
	return int(borrow)
}

// checkSelection validates sel for contest c of n choices (spec/ballot.md
// §3.4) and returns it as a selection, in constant time with respect to
// the contents and the length of a valid sel (see the constant-time
// boundary above): the work depends only on c.Max and n.
func checkSelection(c *Contest, n int, sel []int) (selection, error) {
	// Read sel into Max entries without a length-dependent copy or branch
	// (copy skips an empty sel, and min compiles to a branch): entry k is
	// src[min(k, last)] if k < count and -1 otherwise, where src is sel, or
	// a one-entry stand-in for an empty sel, picked from a two-entry array
	// on the stack (one cache line) by an index, not by a branch.
	count := len(sel)
	both := [2][]int{blankSelection[:], sel}
	src := both[ctLess(0, count)&1]
	last := len(src) - 1
	pad := make([]int, c.Max)
	for k := range pad {
		over := ctLess(last, k)
		v := src[k^(k^last)&-over]
		m := -ctLess(k, count)
		pad[k] = v&m | ^m
	}

	blank := ctEq(count, 0)
	tooMany := ctLess(c.Max, count)
	tooFew := ctLess(count, c.Min)
	ok := blank&ctLess(c.Min, 2) | (1^blank)&(1^tooMany)&(1^tooFew)
	for k, v := range pad {
		present := ctLess(k, count)
		ok &= (1 ^ present) | ctLess(v, n)
		for l := k + 1; l < len(pad); l++ {
			ok &= 1 ^ (present & ctLess(l, count) & ctEq(v, pad[l]))
		}
	}
	if !isRanked(c) {
		ctSort(pad)
	}
	if ok != 1 {
		p := selectionProblem(c, n, sel)
		if p == "" {
			p = "invalid selection" // unreachable: both checks agree
		}
		return selection{}, fmt.Errorf("%w: contest %q: %s", ErrBallot, c.ID, p)
	}
	return selection{pad: pad, n: count}, nil
}

// blankSelection stands in for an empty selection in checkSelection.
var blankSelection = [1]int{-1}

// ctSort sorts s ascending as unsigned numbers (so that -1 sorts last), in
// constant time: a bubble sort of len(s) passes of compare-and-swap.
func ctSort(s []int) {
	for range s {
		for k := 0; k+1 < len(s); k++ {
			a, b := uint64(s[k]), uint64(s[k+1])
			_, swap := bits.Sub64(b, a, 0)
			d := (a ^ b) & -swap
			s[k], s[k+1] = int(a^d), int(b^d)
		}
	}
}

// selectionProblem says what makes sel invalid for contest c of n
// choices (spec/ballot.md §3.4), or "" if it is valid.
func selectionProblem(c *Contest, n int, sel []int) string {
	if len(sel) == 0 {
		if c.Min > 1 {
			return fmt.Sprintf("a blank vote is not possible with min %d", c.Min)
		}
		return ""
	}
	if len(sel) > c.Max {
		return fmt.Sprintf("%d selections, at most %d allowed", len(sel), c.Max)
	}
	if len(sel) < c.Min {
		return fmt.Sprintf("%d selections, at least %d required (or none, for blank)", len(sel), c.Min)
	}
	seen := make([]bool, n)
	for _, j := range sel {
		if j < 0 || j >= n {
			return fmt.Sprintf("unknown choice %d (%d choices)", j, n)
		}
		if seen[j] {
			return fmt.Sprintf("choice %d selected twice", j)
		}
		seen[j] = true
	}
	return ""
}

// checkChoices validates choices against the manifest, each contest's
// selection in constant time (checkSelection).
func checkChoices(m *Manifest, choices Choices) ([]selection, error) {
	known := make(map[string]bool, len(m.Contests))
	out := make([]selection, len(m.Contests))
	for i := range m.Contests {
		c := &m.Contests[i]
		known[c.ID] = true
		n, err := contestLayout(i, c)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBallot, err)
		}
		if out[i], err = checkSelection(c, n, choices[c.ID]); err != nil {
			return nil, err
		}
	}
	for id := range choices {
		if !known[id] {
			return nil, fmt.Errorf("%w: unknown contest %q", ErrBallot, id)
		}
	}
	return out, nil
}

// EncodeRanking encodes a mixnet selection in max bytes: byte k is the
// (k+1)-th selected choice index plus one, then zeros. A blank vote is all
// zeros. It is the data that elgamal.EncodeData puts in the ballot. It
// runs in variable time (its loop and checks depend on sel); EncryptBallot
// computes the same bytes in constant time.
func EncodeRanking(sel []int, max int) ([]byte, error) {
	if max < 0 || max > elgamal.MaxDataSize || len(sel) > max {
		return nil, fmt.Errorf("%w: ranking of %d entries does not fit %d bytes", ErrBallot, len(sel), max)
	}
	b := make([]byte, max)
	for k, j := range sel {
		if j < 0 || j > 254 {
			return nil, fmt.Errorf("%w: choice index %d out of range", ErrBallot, j)
		}
		b[k] = byte(j + 1)
	}
	return b, nil
}

// DecodeRanking is the strict inverse of EncodeRanking for a contest of n
// choices: non-zero entries in 1..n, all distinct, then only zeros.
func DecodeRanking(b []byte, n int) ([]int, error) {
	var out []int
	seen := make(map[byte]bool)
	for k, v := range b {
		if v == 0 {
			for _, w := range b[k:] {
				if w != 0 {
					return nil, fmt.Errorf("%w: ranking has a gap at %d", ErrBallot, k)
				}
			}
			break
		}
		if int(v) > n || seen[v] {
			return nil, fmt.Errorf("%w: ranking entry %d is invalid or repeated", ErrBallot, v)
		}
		seen[v] = true
		out = append(out, int(v)-1)
	}
	return out, nil
}

// ListChoiceSize is the length of the data of a mixnet party-list ballot
// (EncodeListChoice).
const ListChoiceSize = 2

// EncodeListChoice encodes the selection of a mixnet party-list contest of
// n choices in ListChoiceSize bytes, big-endian: 0 for a blank vote, or 1 +
// the index of the one selected choice (a list or a candidate, in
// Contest.Choices order). It is the data that elgamal.EncodeData puts in
// the ballot; its length does not depend on the selection. It runs in
// variable time; EncryptBallot computes the same bytes in constant time.
func EncodeListChoice(sel []int, n int) ([]byte, error) {
	if n < 0 || n > MaxMixnetPartyListChoices {
		return nil, fmt.Errorf("%w: %d choices do not fit %d bytes", ErrBallot, n, ListChoiceSize)
	}
	b := make([]byte, ListChoiceSize)
	switch len(sel) {
	case 0:
	case 1:
		if sel[0] < 0 || sel[0] >= n {
			return nil, fmt.Errorf("%w: choice index %d out of range (%d choices)", ErrBallot, sel[0], n)
		}
		binary.BigEndian.PutUint16(b, uint16(sel[0]+1))
	default:
		return nil, fmt.Errorf("%w: a party-list selection has at most one choice, got %d", ErrBallot, len(sel))
	}
	return b, nil
}

// DecodeListChoice is the strict inverse of EncodeListChoice for a contest
// of n choices: exactly ListChoiceSize bytes holding 0 (blank, an empty
// selection) or 1..n.
func DecodeListChoice(b []byte, n int) ([]int, error) {
	if len(b) != ListChoiceSize {
		return nil, fmt.Errorf("%w: party-list data of %d bytes, want %d", ErrBallot, len(b), ListChoiceSize)
	}
	v := int(binary.BigEndian.Uint16(b))
	switch {
	case v == 0:
		return nil, nil
	case v > n:
		return nil, fmt.Errorf("%w: party-list choice %d out of range (%d choices)", ErrBallot, v, n)
	}
	return []int{v - 1}, nil
}

// EncryptBallot encrypts choices for the manifest's contests, proves them
// valid, and signs the ballot with cred. It refuses an invalid selection
// (unknown contest or choice, repeated choice, more than Max or fewer than
// Min selections) with an error naming the contest; a blank selection
// (empty) is accepted when the contest allows it (Min ≤ 1). It returns the
// ballot and its Opening, which the client keeps secret unless the voter
// challenges the ballot.
//
// It runs in constant time with respect to which choices are selected and
// how many, from the point where it has read each contest's list out of
// choices (see checkSelection); for a valid selection, the work depends
// only on the manifest. Pass every contest, with an empty list for a
// blank vote, so that the map's shape does not say which are blank.
func EncryptBallot(m *Manifest, cred *Credential, choices Choices, rand io.Reader) (*Ballot, *Opening, error) {
	if m == nil || cred == nil || rand == nil {
		return nil, nil, errors.New("election: encrypt ballot: missing manifest, credential or random source")
	}
	sels, err := checkChoices(m, choices)
	if err != nil {
		return nil, nil, fmt.Errorf("election: encrypt ballot: %w", err)
	}
	pk, err := m.ElectionKey()
	if err != nil {
		return nil, nil, fmt.Errorf("election: encrypt ballot: election key: %w", err)
	}
	b := &Ballot{Election: m.Hash(), Credential: cred.public(), Contests: make([]ContestBallot, len(m.Contests))}
	o := &Opening{Randomness: make([][]elgamal.Scalar, len(m.Contests))}
	for i := range m.Contests {
		c := &m.Contests[i]
		ctx := bindingContext(&b.Election, &b.Credential, i)
		cb := &b.Contests[i]
		if isMixnet(c) {
			e, err := elgamal.EncodeData(sels[i].data(c))
			if err != nil {
				return nil, nil, fmt.Errorf("election: encrypt ballot: contest %q: %w", c.ID, err)
			}
			ct, r, err := pk.Encrypt(e, rand)
			if err != nil {
				return nil, nil, fmt.Errorf("election: encrypt ballot: contest %q: %w", c.ID, err)
			}
			p, err := zkp.ProveRandomness(ctx, pk, elgamal.CiphertextVector{*ct}, []*elgamal.Scalar{r}, rand)
			if err != nil {
				return nil, nil, fmt.Errorf("election: encrypt ballot: contest %q: %w", c.ID, err)
			}
			cb.Data, cb.DataProof = ct, p
			o.Randomness[i] = []elgamal.Scalar{*r}
			continue
		}
		n := len(c.Choices())
		bits := sels[i].bits(n)
		cb.Selections = make([]Selection, n)
		o.Randomness[i] = make([]elgamal.Scalar, n)
		sum := elgamal.NewCiphertext()
		var rsum elgamal.Scalar
		for j := range bits {
			ct, r, p, err := zkp.EncryptZeroOne(ctx, pk, bits[j], rand)
			if err != nil {
				return nil, nil, fmt.Errorf("election: encrypt ballot: contest %q: choice %d: %w", c.ID, j, err)
			}
			cb.Selections[j] = Selection{C: *ct, Proof: *p}
			o.Randomness[i][j] = *r
			sum.Add(sum, ct)
			rsum.Add(&rsum, r)
		}
		lo, hi := ProofRange(c)
		rp, err := zkp.ProveRange(ctx, pk, sum, uint64(sels[i].n), &rsum, lo, hi, rand)
		if err != nil {
			return nil, nil, fmt.Errorf("election: encrypt ballot: contest %q: range proof: %w", c.ID, err)
		}
		cb.Range = rp
	}
	b.Sig = cred.sign(b.signedMessage())
	o.Ballot = sha256.Sum256(b.Bytes())
	return b, o, nil
}

func (b *Ballot) signedMessage() []byte {
	enc := b.Bytes()
	return append([]byte(BallotSignatureDomain), enc[:len(enc)-ed25519.SignatureSize]...)
}

// Bytes returns the canonical encoding: Election ‖ Credential ‖ each
// contest in manifest order ‖ Sig. A homomorphic contest is, per choice,
// ciphertext ‖ zero-one proof, then the range proof; a mixnet contest
// (ranked or party-list) is ciphertext ‖ randomness proof (width 1). Sizes are fixed by the manifest.
func (b *Ballot) Bytes() []byte {
	out := make([]byte, 0, 1024)
	out = append(out, b.Election[:]...)
	out = append(out, b.Credential[:]...)
	for i := range b.Contests {
		cb := &b.Contests[i]
		for j := range cb.Selections {
			out = append(out, cb.Selections[j].C.Bytes()...)
			out = append(out, cb.Selections[j].Proof.Bytes()...)
		}
		if cb.Range != nil {
			out = append(out, cb.Range.Bytes()...)
		}
		if cb.Data != nil {
			out = append(out, cb.Data.Bytes()...)
		}
		if cb.DataProof != nil {
			out = append(out, cb.DataProof.Bytes()...)
		}
	}
	return append(out, b.Sig[:]...)
}

// BallotSize returns the length of every ballot's encoding for m.
func BallotSize(m *Manifest) (int, error) {
	size := 32 + 32 + ed25519.SignatureSize
	for i := range m.Contests {
		c := &m.Contests[i]
		n, err := contestLayout(i, c)
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrBallot, err)
		}
		if isMixnet(c) {
			size += elgamal.CiphertextSize + zkp.RandomnessProofSize(1)
			continue
		}
		lo, hi := ProofRange(c)
		size += n*(elgamal.CiphertextSize+zkp.ZeroOneProofSize) + zkp.RangeProofSize(lo, hi)
	}
	return size, nil
}

// ParseBallot decodes a ballot for m strictly: exactly BallotSize(m) bytes,
// canonical encodings throughout. It does not verify the ballot: use
// VerifyBallot or BatchVerifyBallots.
func ParseBallot(m *Manifest, data []byte) (*Ballot, error) {
	b, _, err := parseBallot(m, data)
	return b, err
}

// ballotProofs are the proof statements of a ballot as decoded by
// parseBallot, in manifest order: for each homomorphic contest its
// selections' zero-one statements and its range statement (whose Ctx and C
// batchVerify fills in). They remember the bytes they were decoded from,
// so verifying them hashes those bytes instead of encoding again.
type ballotProofs struct {
	zo []zkp.ZeroOneStatement
	rg []zkp.RangeStatement
}

// parseBallot is ParseBallot, also returning the ballot's proof
// statements.
func parseBallot(m *Manifest, data []byte) (*Ballot, *ballotProofs, error) {
	b, ps, err := parseBallotBody(m, data)
	if err != nil {
		return nil, nil, fmt.Errorf("election: parse ballot: %w", err)
	}
	return b, ps, nil
}

func parseBallotBody(m *Manifest, data []byte) (*Ballot, *ballotProofs, error) {
	size, err := BallotSize(m)
	if err != nil {
		return nil, nil, err
	}
	if len(data) != size {
		return nil, nil, fmt.Errorf("%w: %d bytes, want %d", ErrBallot, len(data), size)
	}
	b := &Ballot{Contests: make([]ContestBallot, len(m.Contests))}
	copy(b.Election[:], data[:32])
	copy(b.Credential[:], data[32:64])
	copy(b.Sig[:], data[len(data)-64:])
	rest := data[64 : len(data)-64]
	take := func(n int) []byte {
		x := rest[:n]
		rest = rest[n:]
		return x
	}
	ps := &ballotProofs{}
	for i := range m.Contests {
		c := &m.Contests[i]
		cb := &b.Contests[i]
		if isMixnet(c) {
			cb.Data = new(elgamal.Ciphertext)
			if _, err := cb.Data.SetCanonicalBytes(take(elgamal.CiphertextSize)); err != nil {
				return nil, nil, fmt.Errorf("%w: contest %q: %w", ErrBallot, c.ID, err)
			}
			if cb.DataProof, err = zkp.ParseRandomnessProof(take(zkp.RandomnessProofSize(1)), 1); err != nil {
				return nil, nil, fmt.Errorf("%w: contest %q: %w", ErrBallot, c.ID, err)
			}
			continue
		}
		n := len(c.Choices())
		cb.Selections = make([]Selection, n)
		for j := range cb.Selections {
			sel := &cb.Selections[j]
			st, err := zkp.DecodeZeroOneStatement(nil, take(elgamal.CiphertextSize+zkp.ZeroOneProofSize), &sel.C, &sel.Proof)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: contest %q: choice %d: %w", ErrBallot, c.ID, j, err)
			}
			ps.zo = append(ps.zo, st)
		}
		lo, hi := ProofRange(c)
		st, err := zkp.DecodeRangeStatement(nil, nil, lo, hi, take(zkp.RangeProofSize(lo, hi)))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: contest %q: %w", ErrBallot, c.ID, err)
		}
		cb.Range = st.Proof
		ps.rg = append(ps.rg, st)
	}
	return b, ps, nil
}

// TrackingCode returns the ballot's tracking code: the whole SHA-256 of
// its encoding in unpadded RFC 4648 base32, 52 characters in 13 groups of
// 4 joined by hyphens (TrackingCodeLen characters in all), such as
// "JWZH-2XSG-AIF7-5VF6-UH2O-TJLS-K6JY-EDLO-2PDQ-2AC2-PBKG-N5Q5-TYFQ"
// (spec/ballot.md §5). It commits to the ballot before the voter
// chooses to audit or cast it: finding two ballots with the same code
// costs about 2^128 work even for a client that controls every random
// choice. The voter looks it up on the bulletin board, the board and the
// verifier key ballots by it, and an opening names the same ballot.
func TrackingCode(b *Ballot) string {
	h := sha256.Sum256(b.Bytes())
	return trackingCode(h)
}

// TrackingCodeOf returns the tracking code of an encoded ballot without
// decoding it: for a ballot's canonical encoding it equals TrackingCode.
func TrackingCodeOf(encoded []byte) string { return trackingCode(sha256.Sum256(encoded)) }

// TrackingCodeLen is the length of a tracking code: 52 base32 characters
// and 12 hyphens.
const TrackingCodeLen = 64

// ShortCodeLen is the length of a short code: 16 base32 characters and 3
// hyphens.
const ShortCodeLen = 19

func trackingCode(h [32]byte) string {
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:])
	out := make([]byte, 0, TrackingCodeLen)
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out = append(out, '-')
		}
		out = append(out, s[i:i+4]...)
	}
	return string(out)
}

// ShortCode returns the first 4 groups of a tracking code (80 bits of the
// hash, such as "JWZH-2XSG-AIF7-5VF6"), a convenience for a person to
// glance at. It is not collision-resistant (a client that controls the
// randomness finds two ballots with the same short code in about 2^40
// work), so it must never identify a ballot: look ballots up, compare and
// key them by the whole tracking code. A code shorter than a short code
// is returned unchanged.
func ShortCode(code string) string {
	if len(code) < ShortCodeLen {
		return code
	}
	return code[:ShortCodeLen]
}

// ParseTrackingCode returns the SHA-256 hash that a tracking code writes.
// It accepts the code in either case, with or without its hyphens.
func ParseTrackingCode(code string) ([32]byte, error) {
	var h [32]byte
	s := strings.ToUpper(strings.ReplaceAll(code, "-", ""))
	if len(s) != 52 {
		return h, fmt.Errorf("election: a tracking code has 52 base32 characters, not %d", len(s))
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("election: %q is not a tracking code", code)
	}
	h = [32]byte(b)
	if strings.ReplaceAll(trackingCode(h), "-", "") != s {
		// The last character carries 4 unused bits, which must be zero.
		return h, fmt.Errorf("election: %q is not a canonical tracking code", code)
	}
	return h, nil
}

// NormalizeTrackingCode returns the canonical form of a tracking code
// given in either case, with or without hyphens.
func NormalizeTrackingCode(code string) (string, error) {
	h, err := ParseTrackingCode(code)
	if err != nil {
		return "", err
	}
	return trackingCode(h), nil
}

// checkShape checks the election, the shape and the signature of b. With
// enc, b's encoding as received, the signature is checked over enc
// instead of a fresh encoding of b.
func checkShape(m *Manifest, h *[32]byte, b *Ballot, enc []byte) error {
	if b == nil {
		return fmt.Errorf("%w: missing ballot", ErrBallot)
	}
	if b.Election != *h {
		return fmt.Errorf("%w: election hash does not match the manifest", ErrBallot)
	}
	if len(b.Contests) != len(m.Contests) {
		return fmt.Errorf("%w: %d contests, want %d", ErrBallot, len(b.Contests), len(m.Contests))
	}
	for i := range m.Contests {
		c := &m.Contests[i]
		cb := &b.Contests[i]
		n, err := contestLayout(i, c)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBallot, err)
		}
		if isMixnet(c) {
			if cb.Data == nil || cb.DataProof == nil || cb.DataProof.Width() != 1 || len(cb.Selections) != 0 || cb.Range != nil {
				return fmt.Errorf("%w: contest %q: shape: want one data ciphertext and its proof", ErrBallot, c.ID)
			}
			continue
		}
		if len(cb.Selections) != n || cb.Range == nil || cb.Data != nil || cb.DataProof != nil {
			return fmt.Errorf("%w: contest %q: shape: want %d selections and a range proof", ErrBallot, c.ID, n)
		}
	}
	msg := b.signedMessage
	if enc != nil {
		msg = func() []byte {
			return append([]byte(BallotSignatureDomain), enc[:len(enc)-ed25519.SignatureSize]...)
		}
	}
	if !ed25519.Verify(b.Credential[:], msg(), b.Sig[:]) {
		return fmt.Errorf("%w: signature: does not verify under the ballot's credential", ErrBallot)
	}
	return nil
}

// VerifyBallot checks a ballot against m: the election hash, the shape of
// every contest, the credential's signature and every proof, bound to the
// ballot's credential. Errors name the contest and the check. It does not
// check that the credential is eligible or unused: that is the board's job.
func VerifyBallot(m *Manifest, b *Ballot) error {
	err := BatchVerifyBallots(m, []*Ballot{b})
	var be *BallotBatchError
	if errors.As(err, &be) {
		return be.Errs[0]
	}
	return err
}

// BallotBatchError names the ballots of a batch that failed, by index,
// each with its reason.
type BallotBatchError struct {
	Failed []int
	Errs   []error
}

func (e *BallotBatchError) Error() string {
	return zkp.DescribeFailures(fmt.Sprintf("election: %d ballots failed verification:", len(e.Failed)), e.Failed, e.Errs)
}

func (e *BallotBatchError) Unwrap() error { return ErrBallot }

// stmtRef maps a batched proof statement back to its ballot and contest.
type stmtRef struct{ ballot, contest, choice int }

// BatchVerifyBallots checks many ballots at once, with the zkp batch
// verifiers (one multi-scalar multiplication per proof type, each proof
// bound to its own ballot's credential). It accepts exactly when every
// ballot would pass VerifyBallot; otherwise it returns a *BallotBatchError
// naming each failing ballot.
func BatchVerifyBallots(m *Manifest, bs []*Ballot) error {
	return batchVerify(m, bs, nil, nil, nil)
}

// BatchVerifyEncodedBallots decodes the ballot encodings encs (in
// parallel) and verifies them like BatchVerifyBallots, checking each
// signature over the bytes as given: the fast path for a bulletin board
// or a verifier that holds ballots as bytes. It returns the decoded
// ballots, nil where decoding failed, and a *BallotBatchError naming every
// ballot that failed to decode or verify; IsDecodingError tells the two
// apart.
func BatchVerifyEncodedBallots(m *Manifest, encs [][]byte) ([]*Ballot, error) {
	if m == nil {
		return nil, errors.New("election: verify ballots: missing manifest")
	}
	bs := make([]*Ballot, len(encs))
	ps := make([]*ballotProofs, len(encs))
	perr := make([]error, len(encs))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(encs))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(encs); i += workers {
				b, p, err := parseBallot(m, encs[i])
				if err != nil {
					perr[i] = &decodingError{err}
					continue
				}
				bs[i], ps[i] = b, p
			}
		}()
	}
	wg.Wait()
	return bs, batchVerify(m, bs, encs, ps, perr)
}

// decodingError marks a ballot of a batch that did not decode.
type decodingError struct{ err error }

func (e *decodingError) Error() string { return e.err.Error() }
func (e *decodingError) Unwrap() error { return e.err }

// IsDecodingError reports whether err, one of a BallotBatchError's Errs,
// says that the ballot did not decode (rather than failed verification).
func IsDecodingError(err error) bool {
	var d *decodingError
	return errors.As(err, &d)
}

// batchVerify verifies the ballots bs for m. With encs (the ballots'
// encodings, for signatures) and ps (their proof statements, from
// parseBallot), it checks the signatures over the bytes as given and the
// proofs against the bytes they were decoded from.
func batchVerify(m *Manifest, bs []*Ballot, encs [][]byte, ps []*ballotProofs, perr []error) error {
	if m == nil {
		return errors.New("election: verify ballots: missing manifest")
	}
	pk, err := m.ElectionKey()
	if err != nil {
		return fmt.Errorf("election: verify ballots: election key: %w", err)
	}
	h := m.Hash()
	errs := make([]error, len(bs))
	copy(errs, perr)

	// Shapes and signatures, in parallel.
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(bs))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(bs); i += workers {
				if errs[i] != nil {
					continue
				}
				var enc []byte
				if encs != nil {
					enc = encs[i]
				}
				errs[i] = checkShape(m, &h, bs[i], enc)
			}
		}()
	}
	wg.Wait()

	var zo []zkp.ZeroOneStatement
	var rg []zkp.RangeStatement
	var rd []zkp.RandomnessStatement
	var zoRef, rgRef, rdRef []stmtRef
	for bi, b := range bs {
		if errs[bi] != nil {
			continue
		}
		// With the statements parseBallot decoded, the proofs' challenges
		// hash the ballot's bytes instead of encoding every element again.
		var bp *ballotProofs
		if ps != nil {
			bp = ps[bi]
		}
		nzo, nrg := 0, 0
		for i := range m.Contests {
			c := &m.Contests[i]
			cb := &b.Contests[i]
			ctx := bindingContext(&h, &b.Credential, i)
			if isMixnet(c) {
				rd = append(rd, zkp.RandomnessStatement{Ctx: ctx, Vector: elgamal.CiphertextVector{*cb.Data}, Proof: cb.DataProof})
				rdRef = append(rdRef, stmtRef{bi, i, 0})
				continue
			}
			sum := elgamal.NewCiphertext()
			for j := range cb.Selections {
				s := &cb.Selections[j]
				st := zkp.ZeroOneStatement{C: &s.C, Proof: &s.Proof}
				if bp != nil {
					st = bp.zo[nzo]
					nzo++
				}
				st.Ctx = ctx
				zo = append(zo, st)
				zoRef = append(zoRef, stmtRef{bi, i, j})
				sum.Add(sum, &s.C)
			}
			lo, hi := ProofRange(c)
			st := zkp.RangeStatement{Min: lo, Max: hi, Proof: cb.Range}
			if bp != nil {
				st = bp.rg[nrg]
				nrg++
			}
			st.Ctx, st.C = ctx, sum
			rg = append(rg, st)
			rgRef = append(rgRef, stmtRef{bi, i, 0})
		}
	}
	fail := func(err error, refs []stmtRef, what func(r stmtRef) string) {
		var be *zkp.BatchError
		if !errors.As(err, &be) {
			for _, r := range refs {
				if errs[r.ballot] == nil {
					errs[r.ballot] = fmt.Errorf("%w: %s: %w", ErrBallot, what(r), err)
				}
			}
			return
		}
		for k, idx := range be.Failed {
			r := refs[idx]
			if errs[r.ballot] == nil {
				errs[r.ballot] = fmt.Errorf("%w: %s: %w", ErrBallot, what(r), be.Errs[k])
			}
		}
	}
	if len(zo) > 0 {
		if err := zkp.BatchVerifyZeroOne(nil, pk, zo); err != nil {
			fail(err, zoRef, func(r stmtRef) string {
				return fmt.Sprintf("contest %q: choice %d: zero-one proof", m.Contests[r.contest].ID, r.choice)
			})
		}
	}
	if len(rg) > 0 {
		if err := zkp.BatchVerifyRange(nil, pk, rg); err != nil {
			fail(err, rgRef, func(r stmtRef) string {
				return fmt.Sprintf("contest %q: range proof", m.Contests[r.contest].ID)
			})
		}
	}
	if len(rd) > 0 {
		if err := zkp.BatchVerifyRandomness(nil, pk, rd); err != nil {
			fail(err, rdRef, func(r stmtRef) string {
				return fmt.Sprintf("contest %q: randomness proof", m.Contests[r.contest].ID)
			})
		}
	}

	be := &BallotBatchError{}
	for i, err := range errs {
		if err != nil {
			be.Failed = append(be.Failed, i)
			be.Errs = append(be.Errs, err)
		}
	}
	if len(be.Failed) > 0 {
		sort.Ints(be.Failed)
		return be
	}
	return nil
}

// Spoils reports whether o opens b, so that b is spoiled and must not be
// cast.
func (o *Opening) Spoils(b *Ballot) bool {
	return b != nil && o.Ballot == sha256.Sum256(b.Bytes())
}

// TrackingCode returns the tracking code of the ballot o opens; the board
// refuses to cast a ballot with this code.
func (o *Opening) TrackingCode() string { return trackingCode(o.Ballot) }

// Bytes returns the encoding: the ballot's SHA-256 ‖ every randomness
// scalar, contest by contest, in ballot order.
func (o *Opening) Bytes() []byte {
	out := append([]byte(nil), o.Ballot[:]...)
	for _, rs := range o.Randomness {
		for j := range rs {
			out = append(out, rs[j].Bytes()...)
		}
	}
	return out
}

// openingShape returns the number of scalars per contest of m's openings.
func openingShape(m *Manifest) ([]int, error) {
	out := make([]int, len(m.Contests))
	for i := range m.Contests {
		c := &m.Contests[i]
		n, err := contestLayout(i, c)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBallot, err)
		}
		if isMixnet(c) {
			n = 1
		}
		out[i] = n
	}
	return out, nil
}

// ParseOpening decodes an opening for m strictly: exact length, canonical
// scalars.
func ParseOpening(m *Manifest, data []byte) (*Opening, error) {
	shape, err := openingShape(m)
	if err != nil {
		return nil, fmt.Errorf("election: parse opening: %w", err)
	}
	want := 32
	for _, n := range shape {
		want += n * elgamal.ScalarSize
	}
	if len(data) != want {
		return nil, fmt.Errorf("election: parse opening: %w: %d bytes, want %d", ErrBallot, len(data), want)
	}
	o := &Opening{Ballot: [32]byte(data[:32]), Randomness: make([][]elgamal.Scalar, len(shape))}
	off := 32
	for i, n := range shape {
		o.Randomness[i] = make([]elgamal.Scalar, n)
		for j := range n {
			if _, err := o.Randomness[i][j].SetCanonicalBytes(data[off : off+elgamal.ScalarSize]); err != nil {
				return nil, fmt.Errorf("election: parse opening: %w: contest %q: scalar %d: %w", ErrBallot, m.Contests[i].ID, j, err)
			}
			off += elgamal.ScalarSize
		}
	}
	return o, nil
}

// VerifyOpening checks, for the Benaloh challenge, that o opens b and that
// b encrypts exactly choices: it recovers the choices with OpenBallot
// (which fails with an *OpeningError for an opening that does not open
// b) and compares them with choices. It does not verify b's proofs (use
// VerifyBallot).
func VerifyOpening(m *Manifest, b *Ballot, o *Opening, choices Choices) error {
	if m == nil || b == nil || o == nil {
		return errors.New("election: verify opening: missing manifest, ballot or opening")
	}
	if !o.Spoils(b) {
		return fmt.Errorf("election: verify opening: %w: the opening is for another ballot", ErrBallot)
	}
	want, err := checkChoices(m, choices)
	if err != nil {
		return fmt.Errorf("election: verify opening: %w", err)
	}
	got, err := OpenBallot(m, b, o)
	if err != nil {
		return err
	}
	for i := range m.Contests {
		c := &m.Contests[i]
		g, w := got[c.ID], want[i].list()
		if slices.Equal(g, w) {
			continue
		}
		if isMixnet(c) {
			return fmt.Errorf("election: verify opening: %w: contest %q: the ballot does not encrypt these choices", ErrBallot, c.ID)
		}
		// The first choice selected in one and not the other.
		for j := range c.Choices() {
			if slices.Contains(g, j) != slices.Contains(w, j) {
				return fmt.Errorf("election: verify opening: %w: contest %q: choice %d: the ballot does not encrypt these choices", ErrBallot, c.ID, j)
			}
		}
	}
	return nil
}
