package threshold

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sort"
	"strings"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// A trustee's side of the key generation ceremony (spec/threshold.md §3).
// Every step reads entries and returns entries, so the rounds work the same
// whether the entries travel as files passed by hand or through a bulletin
// board:
//
//	round 1  NewDealer, Dealer.Commit      → commitment entry
//	round 2  Dealer.Deal                   → shares entry
//	round 3  Check                         → complaint entries
//	round 4  Dealer.Respond                → response entries
//	end      Dealer.Finish / Finish        → Result and KeyShare
//
// Between rounds the Dealer is stored with MarshalBinary (it is secret) and
// restored with ParseDealerState. Commit, Check and Respond are
// deterministic: run again on the same state and entries, they return
// byte-identical entries, which count once. Deal is not (share encryption
// is randomised), so it returns the dealer's shares entry unchanged when
// that is already among the entries rather than dealing twice, which would
// be equivocation.

const (
	dealerStateDomain = "urna/v1/dkg/dealer-state\n"
	round1Domain      = "urna/v1/dkg/round1"
	// dkgNonceDomain separates the derivation of the Schnorr proof nonce
	// from every other hash of the dealer's secret coefficients.
	dkgNonceDomain = "urna/v1/dkg/schnorr-nonce"
)

// ErrDealerState means a stored dealer state is malformed or does not
// belong to the ceremony and trustee it is loaded for.
var ErrDealerState = errors.New("invalid dealer state")

// Dealer is trustee Index's secret state as a dealer of the ceremony: its
// polynomial f(z) = a_0 + a_1·z + … + a_{t−1}·z^{t−1}. It must be kept
// secret: anyone who learns it learns this dealer's contribution to the
// election key.
type Dealer struct {
	setup    *Setup
	id       *Identity
	index    uint32
	ceremony [32]byte
	coeffs   []elgamal.Scalar // a_0..a_{t−1}, none zero
}

// dkgIndexOf returns the index of the trustee whose signing key is id's, and
// checks that its transport key matches too.
func dkgIndexOf(s *Setup, id *Identity) (uint32, error) {
	if id == nil || len(id.SigningKey) != ed25519.PrivateKeySize || id.TransportKey == nil {
		return 0, errors.New("threshold: incomplete trustee identity")
	}
	pub := id.SigningKey.Public().(ed25519.PublicKey)
	for k := range s.Trustees {
		t := &s.Trustees[k]
		if !bytes.Equal(t.SigningKey, pub) {
			continue
		}
		if !id.TransportKey.PublicKey().Equal(t.TransportKey) {
			return 0, fmt.Errorf("threshold: identity %q has the signing key of trustee %d (%s) but another transport key", id.Name, k+1, t.Name)
		}
		return uint32(k + 1), nil
	}
	return 0, fmt.Errorf("threshold: identity %q is not a trustee of this ceremony", id.Name)
}

// NewDealer starts trustee id's part in the ceremony s: it finds the
// trustee's index by its signing key and draws the t coefficients of its
// polynomial uniformly from rand, none of them zero (a zero coefficient
// would make an identity commitment). Pass crypto/rand.Reader outside of
// tests.
func NewDealer(s *Setup, id *Identity, rand io.Reader) (*Dealer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	index, err := dkgIndexOf(s, id)
	if err != nil {
		return nil, err
	}
	d := &Dealer{setup: s, id: id, index: index, ceremony: s.Hash(), coeffs: make([]elgamal.Scalar, s.Threshold)}
	for k := range d.coeffs {
		ok := false
		// A zero scalar has probability 2^-252 per draw; several in a row
		// mean that rand is broken.
		for try := 0; try < 4 && !ok; try++ {
			a, err := elgamal.RandomScalar(rand)
			if err != nil {
				return nil, fmt.Errorf("threshold: dealer polynomial: %w", err)
			}
			if a.IsZero() == 0 {
				d.coeffs[k].Set(a)
				ok = true
			}
		}
		if !ok {
			return nil, errors.New("threshold: dealer polynomial: the randomness source returns zero scalars")
		}
	}
	return d, nil
}

// Index returns the dealer's trustee index.
func (d *Dealer) Index() uint32 { return d.index }

// MarshalBinary encodes the dealer's secret state:
//
//	"urna/v1/dkg/dealer-state\n" ‖ ceremony hash (32) ‖ u32 index ‖ a_0 ‖ … ‖ a_{t−1} (32 each)
//
// The caller must store it encrypted (WriteSecretFile).
func (d *Dealer) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, len(dealerStateDomain)+32+4+len(d.coeffs)*elgamal.ScalarSize)
	b = append(b, dealerStateDomain...)
	b = append(b, d.ceremony[:]...)
	b = binary.BigEndian.AppendUint32(b, d.index)
	for k := range d.coeffs {
		b = append(b, d.coeffs[k].Bytes()...)
	}
	return b, nil
}

// ParseDealerState decodes the output of MarshalBinary for trustee id of
// ceremony s. It rejects, wrapping ErrDealerState, a state of another
// ceremony or trustee, a wrong length, and non-canonical or zero
// coefficients.
func ParseDealerState(s *Setup, id *Identity, b []byte) (*Dealer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	index, err := dkgIndexOf(s, id)
	if err != nil {
		return nil, err
	}
	t := s.Threshold
	if want := len(dealerStateDomain) + 32 + 4 + t*elgamal.ScalarSize; len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, want %d for threshold %d", ErrDealerState, len(b), want, t)
	}
	r := &cursor{b: b}
	if string(r.take(len(dealerStateDomain), "domain")) != dealerStateDomain {
		return nil, fmt.Errorf("%w: not a dealer state (bad domain string)", ErrDealerState)
	}
	d := &Dealer{setup: s, id: id, index: index, ceremony: s.Hash(), coeffs: make([]elgamal.Scalar, t)}
	if !bytes.Equal(r.take(32, "ceremony hash"), d.ceremony[:]) {
		return nil, fmt.Errorf("%w: it belongs to another ceremony", ErrDealerState)
	}
	if got := r.u32("index"); got != index {
		return nil, fmt.Errorf("%w: state of trustee %d, but %q is trustee %d", ErrDealerState, got, id.Name, index)
	}
	for k := range d.coeffs {
		if _, err := d.coeffs[k].SetCanonicalBytes(r.take(elgamal.ScalarSize, "coefficient")); err != nil {
			return nil, fmt.Errorf("%w: coefficient a_%d: %v", ErrDealerState, k, err)
		}
		if d.coeffs[k].IsZero() == 1 {
			return nil, fmt.Errorf("%w: coefficient a_%d: %v", ErrDealerState, k, elgamal.ErrZeroScalar)
		}
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDealerState, err) // unreachable: length checked
	}
	return d, nil
}

// eval returns f(x), in constant time.
func (d *Dealer) eval(x uint32) *elgamal.Scalar {
	xs := new(elgamal.Scalar).SetUint64(uint64(x))
	acc := new(elgamal.Scalar).Set(&d.coeffs[len(d.coeffs)-1])
	for k := len(d.coeffs) - 2; k >= 0; k-- {
		acc.MultiplyAdd(acc, xs, &d.coeffs[k])
	}
	return acc
}

// commitments returns C_k = a_k·G.
func (d *Dealer) commitments() []elgamal.Element {
	c := make([]elgamal.Element, len(d.coeffs))
	for k := range d.coeffs {
		c[k].ScalarBaseMult(&d.coeffs[k])
	}
	return c
}

// dkgProofContext is the context of dealer i's Schnorr proof: the ceremony
// hash and the dealer's index (spec/threshold.md §3, round 1).
func dkgProofContext(ceremony *[32]byte, i uint32) *zkp.Context {
	return &zkp.Context{Election: ceremony[:], Prover: i}
}

// dkgSign makes and signs an entry of trustee index.
func dkgSign(id *Identity, ceremony [32]byte, index uint32, t EntryType, body []byte) *Entry {
	e := &Entry{Type: t, Ceremony: ceremony, Sender: index, Body: body}
	e.Sign(id.SigningKey)
	return e
}

// Commit returns the dealer's round-1 commitment entry: C_k = a_k·G for
// k = 0..t−1 and a Schnorr proof of a_0 under the context {ceremony hash,
// dealer index}. The proof's nonce is derived from the secret state (as in
// Ed25519), so Commit always returns the same entry.
func (d *Dealer) Commit() (*Entry, error) {
	body := &CommitmentBody{Commitments: d.commitments()}
	h := sha256.New()
	h.Write([]byte(dkgNonceDomain))
	h.Write(d.ceremony[:])
	h.Write(binary.BigEndian.AppendUint32(nil, d.index))
	for k := range d.coeffs {
		h.Write(d.coeffs[k].Bytes())
	}
	var seed [32]byte
	h.Sum(seed[:0])
	p, err := zkp.ProveSchnorr(dkgProofContext(&d.ceremony, d.index), &d.coeffs[0], mrand.NewChaCha8(seed))
	clear(seed[:])
	if err != nil {
		return nil, fmt.Errorf("threshold: commitment of trustee %d: %w", d.index, err)
	}
	body.Proof = p
	return dkgSign(d.id, d.ceremony, d.index, TypeCommitment, body.Bytes()), nil
}

// Round1Hash returns the round-1 hash of spec/threshold.md §3: SHA-256 of
// "urna/v1/dkg/round1" followed by u32 len(entry) ‖ entry for every
// distinct commitment entry of the ceremony s among entries, ordered by
// sender and, for one sender's distinct entries (equivocation), by their
// encodings. Byte-identical copies count once. Entries of other types or
// ceremonies, or with a sender that is not a trustee, are left out; nothing
// else is checked, so a commitment entry that disqualifies its sender
// (malformed body, invalid proof, equivocation) still counts.
func Round1Hash(s *Setup, entries []*Entry) [32]byte {
	h := s.Hash()
	type item struct {
		sender uint32
		enc    []byte
	}
	var items []item
	seen := map[string]bool{}
	for _, e := range entries {
		if e == nil || e.Type != TypeCommitment || e.Ceremony != h || s.Trustee(e.Sender) == nil {
			continue
		}
		b := e.Bytes()
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		items = append(items, item{e.Sender, b})
	}
	sort.Slice(items, func(a, b int) bool {
		if items[a].sender != items[b].sender {
			return items[a].sender < items[b].sender
		}
		return bytes.Compare(items[a].enc, items[b].enc) < 0
	})
	d := sha256.New()
	d.Write([]byte(round1Domain))
	for _, it := range items {
		d.Write(binary.BigEndian.AppendUint32(nil, uint32(len(it.enc))))
		d.Write(it.enc)
	}
	var out [32]byte
	d.Sum(out[:0])
	return out
}

// checkOwnCommitment checks that the transcript holds exactly this dealer's
// commitment entry, if required, and otherwise that any commitment it holds
// from this dealer's index is this state's.
func (d *Dealer) checkOwnCommitment(tr *dkgTranscript, required bool) error {
	v := &tr.dealers[d.index]
	switch {
	case len(v.commitEntries) == 0 && !required:
		return nil
	case len(v.commitEntries) == 0:
		return fmt.Errorf("threshold: trustee %d: your own commitment entry is not among the entries", d.index)
	case len(v.commitEntries) > 1:
		return fmt.Errorf("threshold: trustee %d: the entries hold %d different commitment entries of yours", d.index, len(v.commitEntries))
	case v.commitment == nil:
		return fmt.Errorf("threshold: trustee %d: your commitment entry is malformed: %w", d.index, v.commitErr)
	case v.proofErr != nil:
		return fmt.Errorf("threshold: trustee %d: the proof in your commitment entry does not verify: %w", d.index, v.proofErr)
	}
	own := d.commitments()
	for k := range own {
		if own[k].Equal(&v.commitment.Commitments[k]) != 1 {
			return fmt.Errorf("threshold: trustee %d: the commitment entry of yours among the entries was not made from this dealer state", d.index)
		}
	}
	return nil
}

// Deal returns the dealer's round-2 shares entry: the round-1 hash of the
// commitment entries among entries, and for every other trustee j the
// share f(j) sealed to j's transport key with randomness from rand. The
// entries must hold this dealer's own commitment; deal only once every
// trustee's commitment has arrived (or the round is closed), because the
// round-1 hash must match the final transcript's. If entries already hold
// this dealer's shares entry, Deal returns a copy of it instead of dealing
// again: a second, different shares entry would be equivocation.
func (d *Dealer) Deal(entries []*Entry, rand io.Reader) (*Entry, error) {
	tr, err := dkgAnalyze(d.setup, entries)
	if err != nil {
		return nil, err
	}
	if err := d.checkOwnCommitment(tr, true); err != nil {
		return nil, err
	}
	if v := &tr.dealers[d.index]; len(v.sharesEntries) == 1 {
		e := v.sharesEntries[0]
		return &Entry{Type: e.Type, Ceremony: e.Ceremony, Sender: e.Sender, Body: append([]byte(nil), e.Body...), Sig: e.Sig}, nil
	} else if len(v.sharesEntries) > 1 {
		return nil, fmt.Errorf("threshold: trustee %d: the entries already hold %d different shares entries of yours", d.index, len(v.sharesEntries))
	}
	body := &SharesBody{Round1: tr.round1}
	for j := uint32(1); int(j) <= d.setup.N(); j++ {
		if j == d.index {
			continue
		}
		share := d.eval(j)
		sealed, err := SealShare(rand, d.setup.Trustee(j).TransportKey, d.ceremony, d.index, j, share)
		if err != nil {
			return nil, fmt.Errorf("threshold: trustee %d: %w", d.index, err)
		}
		body.Shares = append(body.Shares, EncryptedShare{Recipient: j, Sealed: sealed})
	}
	return dkgSign(d.id, d.ceremony, d.index, TypeShares, body.Bytes()), nil
}

// dkgOpen decrypts and Feldman-checks the share dealer i sent to trustee j.
// It returns the share, or the complaint reason and the error.
func dkgOpen(tr *dkgTranscript, id *Identity, i, j uint32) (*elgamal.Scalar, uint8, error) {
	v := &tr.dealers[i]
	var sealed *[EncryptedShareSize]byte
	for k := range v.shares.Shares {
		if v.shares.Shares[k].Recipient == j {
			sealed = &v.shares.Shares[k].Sealed
		}
	}
	if sealed == nil {
		return nil, ReasonDecrypt, fmt.Errorf("no share for trustee %d", j) // unreachable: ParseSharesBody checks
	}
	s, err := OpenShare(id.TransportKey, tr.ceremony, i, j, sealed)
	if err != nil {
		return nil, ReasonDecrypt, err
	}
	if !dkgFeldman(v.commitment.Commitments, j, s) {
		return nil, ReasonFeldman, fmt.Errorf("share from dealer %d to trustee %d fails the Feldman check", i, j)
	}
	return s, 0, nil
}

// Check is round 3 for trustee id: it decrypts the share addressed to it by
// every other dealer that has exactly one well-formed commitment entry with
// a valid proof and exactly one well-formed shares entry, checks it against
// the dealer's commitments (Feldman), and returns a signed complaint entry,
// in ascending order of dealer, for every share that fails (ReasonDecrypt
// if it does not decrypt to a canonical scalar, ReasonFeldman if it fails
// the check). Dealers already disqualified for good are skipped; a shares
// entry whose round-1 hash differs from the entries' is still checked,
// because this trustee may have seen fewer commitments than the final
// transcript will hold. No complaints means every share checked is correct.
func Check(s *Setup, id *Identity, entries []*Entry) ([]*Entry, error) {
	tr, err := dkgAnalyze(s, entries)
	if err != nil {
		return nil, err
	}
	j, err := dkgIndexOf(s, id)
	if err != nil {
		return nil, err
	}
	var out []*Entry
	for i := uint32(1); int(i) <= s.N(); i++ {
		v := &tr.dealers[i]
		if i == j || !v.commitmentValid() || v.shares == nil {
			continue
		}
		if _, reason, err := dkgOpen(tr, id, i, j); err != nil {
			body := &ComplaintBody{Accused: i, Reason: reason}
			out = append(out, dkgSign(id, tr.ceremony, j, TypeComplaint, body.Bytes()))
		}
	}
	return out, nil
}

// Respond is round 4: for every trustee j ≠ this dealer that complained
// against it, a response entry revealing f(j), in ascending order of j.
// It returns none if there are no complaints. If the entries hold a
// commitment entry of this dealer, it must be this state's.
func (d *Dealer) Respond(entries []*Entry) ([]*Entry, error) {
	tr, err := dkgAnalyze(d.setup, entries)
	if err != nil {
		return nil, err
	}
	if err := d.checkOwnCommitment(tr, false); err != nil {
		return nil, err
	}
	var out []*Entry
	for _, j := range tr.dealers[d.index].complainers() {
		body := &ResponseBody{Complainer: j}
		body.Share.Set(d.eval(j))
		out = append(out, dkgSign(d.id, d.ceremony, d.index, TypeResponse, body.Bytes()))
	}
	return out, nil
}

// Finish ends the ceremony for this dealer: it verifies the entries with
// VerifyCeremony and computes the trustee's secret share x_j = Σ_{i∈Q}
// s_i(j), its own share f(j) included, checking x_j·G = VK_j. See Finish.
func (d *Dealer) Finish(entries []*Entry) (*Result, *KeyShare, error) {
	return dkgFinish(d.setup, d.id, d.index, d, entries)
}

// Finish ends the ceremony for trustee id without its dealer state, which
// is enough only if the trustee is not a qualified dealer (it posted
// nothing, or was disqualified); a qualified dealer's own share f_j(j) is
// in its dealer state, so it must call Dealer.Finish.
//
// It verifies the entries with VerifyCeremony, then computes x_j =
// Σ_{i∈Q} s_i(j), taking the share a dealer revealed in a response to j
// where there is one and decrypting the sealed one otherwise, and checks
// x_j·G = VK_j. If a qualified dealer's share to j does not decrypt or
// fails the Feldman check and was not revealed in a response, the trustee
// missed its chance to complain in round 3 and has no share: the error
// names the dealers. In that case, as whenever the ceremony verifies but
// the share cannot be computed, the Result is returned with the error.
func Finish(s *Setup, id *Identity, entries []*Entry) (*Result, *KeyShare, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	j, err := dkgIndexOf(s, id)
	if err != nil {
		return nil, nil, err
	}
	return dkgFinish(s, id, j, nil, entries)
}

func dkgFinish(s *Setup, id *Identity, j uint32, d *Dealer, entries []*Entry) (*Result, *KeyShare, error) {
	tr, err := dkgAnalyze(s, entries)
	if err != nil {
		return nil, nil, err
	}
	res, err := tr.result()
	if err != nil {
		return res, nil, err
	}
	ks := &KeyShare{Ceremony: tr.ceremony, Index: j}
	var lost []any
	for _, i := range res.Qualified {
		v := &tr.dealers[i]
		if i == j {
			if d == nil {
				return res, nil, fmt.Errorf("threshold: trustee %d is a qualified dealer: its own share is in its dealer state (use Dealer.Finish)", j)
			}
			if err := d.checkOwnCommitment(tr, true); err != nil {
				return res, nil, err
			}
			ks.X.Add(&ks.X, d.eval(j))
			continue
		}
		if r := v.responses[j]; r != nil && dkgFeldman(v.commitment.Commitments, j, &r.Share) {
			ks.X.Add(&ks.X, &r.Share)
			continue
		}
		sh, _, err := dkgOpen(tr, id, i, j)
		if err != nil {
			lost = append(lost, fmt.Errorf("dealer %d: %w", i, err))
			continue
		}
		ks.X.Add(&ks.X, sh)
	}
	if len(lost) > 0 {
		format := "threshold: trustee %d has no key share: bad shares from qualified dealers that were never revealed in a response (a complaint in round 3 was needed): " +
			strings.TrimSuffix(strings.Repeat("%w; ", len(lost)), "; ")
		return res, nil, fmt.Errorf(format, append([]any{j}, lost...)...)
	}
	if new(elgamal.Element).ScalarBaseMult(&ks.X).Equal(res.VerificationKeys[j-1]) != 1 {
		return res, nil, fmt.Errorf("threshold: trustee %d: key share does not match verification key VK_%d", j, j) // unreachable: every share was checked
	}
	return res, ks, nil
}
