package threshold

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// Threshold decryption (spec/threshold.md §5). Ciphertext indices in this
// API and its errors are 0-based positions in the caller's slice; the
// spec's c_1..c_m are cts[0]..cts[m-1].

const (
	decListHashDomain = "urna/v1/dkg/ciphertexts"
	// decShareSize is the encoding of one share and its proof.
	decShareSize = elgamal.ElementSize + zkp.DLEQProofSize
	// decHeaderSize is the list hash and the count.
	decHeaderSize = sha256.Size + 4
	// MaxDecryptionShares is the longest ciphertext list one entry can
	// carry: the body length is a u32.
	MaxDecryptionShares = (math.MaxUint32 - decHeaderSize) / decShareSize
)

// Work is split into fixed chunks, independent of the number of cores, so
// that the output of Decrypt for a given random stream does not depend on
// GOMAXPROCS.
const (
	decProveChunk   = 64   // ciphertexts per random seed in Decrypt
	decWorkChunk    = 256  // ciphertexts per task when decoding and combining
	decHashBatch    = 8192 // ciphertexts encoded at once by ListHash
	decSeedSize     = 32
	decMaxReasonLen = 200
)

// decVerifyChunk is the number of ciphertexts whose shares are verified
// in one batch (a variable for tests).
var decVerifyChunk = 1 << 15

// ErrTooFewShares means some ciphertext has fewer than t valid decryption
// shares. Combine returns it as a *CombineError.
var ErrTooFewShares = errors.New("too few valid decryption shares")

// ListHash returns the list hash of spec/threshold.md §5, SHA-256 of
// "urna/v1/dkg/ciphertexts" ‖ u32 m ‖ c_1 ‖ … ‖ c_m, which binds a
// decryption-shares entry to one ciphertext list. Encoding the ciphertexts
// runs on all cores. The list must hold fewer than 2^32 ciphertexts.
func ListHash(cts []elgamal.Ciphertext) [32]byte {
	return decListHash(decEncode(cts))
}

// decEncode returns the concatenated encodings of cts, computed on all
// cores.
func decEncode(cts []elgamal.Ciphertext) []byte {
	buf := make([]byte, len(cts)*elgamal.CiphertextSize)
	_ = decParallel(len(cts), decWorkChunk, func(_, a, b int) error {
		for i := a; i < b; i++ {
			off := i * elgamal.CiphertextSize
			copy(buf[off:], cts[i].Alpha.Bytes())
			copy(buf[off+elgamal.ElementSize:], cts[i].Beta.Bytes())
		}
		return nil
	})
	return buf
}

// decListHash is ListHash of the ciphertexts encoded in enc.
func decListHash(enc []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(decListHashDomain))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(enc)/elgamal.CiphertextSize)))
	h.Write(enc)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// DecryptionSharesBody is the body of a decryption-shares entry: trustee
// j's share D_j,l = x_j·α_l of every ciphertext of a list, each with a
// proof (spec/zkp.md §6.1) that it used the x_j behind VK_j.
type DecryptionSharesBody struct {
	ListHash [32]byte
	Shares   []elgamal.Element
	Proofs   []*zkp.DLEQProof
}

// Bytes encodes the body: list hash (32) ‖ u32 m ‖ for each l: D_l (32) ‖
// proof (96). Shares and Proofs must have the same length, at most
// MaxDecryptionShares, and no proof may be nil.
func (d *DecryptionSharesBody) Bytes() []byte {
	if len(d.Shares) != len(d.Proofs) {
		panic(fmt.Sprintf("threshold: decryption shares body with %d shares and %d proofs", len(d.Shares), len(d.Proofs)))
	}
	b := decBodyHeader(d.ListHash, len(d.Shares))
	_ = decParallel(len(d.Shares), decWorkChunk, func(_, lo, hi int) error {
		for l := lo; l < hi; l++ {
			decPutShare(b, l, &d.Shares[l], d.Proofs[l])
		}
		return nil
	})
	return b
}

// decBodyHeader allocates a body for m shares and writes its header.
func decBodyHeader(listHash [32]byte, m int) []byte {
	b := make([]byte, decHeaderSize+m*decShareSize)
	copy(b, listHash[:])
	binary.BigEndian.PutUint32(b[sha256.Size:], uint32(m))
	return b
}

// decPutShare writes share l and its proof into body b.
func decPutShare(b []byte, l int, share *elgamal.Element, p *zkp.DLEQProof) {
	off := decHeaderSize + l*decShareSize
	copy(b[off:], share.Bytes())
	copy(b[off+elgamal.ElementSize:], p.Bytes())
}

// ParseDecryptionSharesBody decodes a decryption-shares body strictly:
// exactly the length its count gives, canonical encodings, no identity
// share and no identity proof commitment. The error names the index l
// (0-based) and the field that failed. Decoding runs on all cores.
func ParseDecryptionSharesBody(b []byte) (*DecryptionSharesBody, error) {
	if len(b) < decHeaderSize {
		return nil, fmt.Errorf("decryption shares: %w: body of %d bytes, shorter than its %d-byte header", elgamal.ErrLength, len(b), decHeaderSize)
	}
	m := binary.BigEndian.Uint32(b[sha256.Size:])
	// Check the length before allocating anything for m shares.
	if want := uint64(decHeaderSize) + uint64(m)*decShareSize; uint64(len(b)) != want {
		return nil, fmt.Errorf("decryption shares: %w: body of %d bytes, want %d for %d shares", elgamal.ErrLength, len(b), want, m)
	}
	d := &DecryptionSharesBody{Shares: make([]elgamal.Element, m), Proofs: make([]*zkp.DLEQProof, m)}
	copy(d.ListHash[:], b)
	err := decParallel(int(m), decWorkChunk, func(_, lo, hi int) error {
		for l := lo; l < hi; l++ {
			off := decHeaderSize + l*decShareSize
			if _, err := d.Shares[l].SetCanonicalBytesNonIdentity(b[off : off+elgamal.ElementSize]); err != nil {
				return fmt.Errorf("decryption shares: share %d (byte %d): %w", l, off, err)
			}
			p, err := zkp.ParseDLEQProof(b[off+elgamal.ElementSize : off+decShareSize])
			if err != nil {
				return fmt.Errorf("decryption shares: proof %d (byte %d): %w", l, off+elgamal.ElementSize, err)
			}
			d.Proofs[l] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// List is a ciphertext list for the trustees to decrypt, with its list
// hash (spec/threshold.md §5). A trustee decrypts only lists it recomputed
// from a record it verified (spec/verify.md, "Before decrypting"):
// verifier.DecryptionLists returns them, as VerifiedList wraps them. A
// list that came from anywhere else is Unverified, and the name says so.
type List struct {
	cts  []elgamal.Ciphertext
	hash [32]byte
}

// VerifiedList wraps cts, which the caller recomputed from a record it
// verified through V10 and anchored to the election fingerprint, as
// package verifier does. It is the list the election decrypts.
func VerifiedList(cts []elgamal.Ciphertext) *List {
	return &List{cts: cts, hash: ListHash(cts)}
}

// Unverified wraps cts without any evidence that the election decrypts
// them: for lists the trustee made itself, such as rehearsal ciphertexts
// or tests. Never for a list someone else hands over, which could be one
// voter's ballot.
func Unverified(cts []elgamal.Ciphertext) *List {
	return &List{cts: cts, hash: ListHash(cts)}
}

// Ciphertexts returns the list's ciphertexts.
func (l *List) Ciphertexts() []elgamal.Ciphertext { return l.cts }

// Hash returns the list hash.
func (l *List) Hash() [32]byte { return l.hash }

// Decrypt computes trustee k.Index's decryption share D_l = x·α_l of every
// ciphertext with a proof under the context {election: ceremony hash,
// prover: k.Index}, and returns the decryption-shares entry signed with
// signer, the trustee's signing key in s.
//
// The work runs on all cores. Nonces come from rand (crypto/rand.Reader
// outside of tests), which is read only by the calling goroutine: one
// 32-byte seed per chunk of 64 ciphertexts, each expanded with ChaCha8.
// The output for a given random stream does not depend on the number of
// cores. Ciphertexts whose α is the identity are rejected.
func (k *KeyShare) Decrypt(s *Setup, signer ed25519.PrivateKey, l *List, rand io.Reader) (*Entry, error) {
	if k == nil || s == nil || l == nil || rand == nil {
		return nil, errors.New("threshold: decrypt: missing key share, setup, list or random source")
	}
	cts := l.cts
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("threshold: decrypt: %w", err)
	}
	h := s.Hash()
	if subtle.ConstantTimeCompare(k.Ceremony[:], h[:]) != 1 {
		return nil, fmt.Errorf("threshold: decrypt: the key share of trustee %d belongs to another ceremony", k.Index)
	}
	id := s.Trustee(k.Index)
	if id == nil {
		return nil, fmt.Errorf("threshold: decrypt: key share index %d is not a trustee index (1 to %d)", k.Index, s.N())
	}
	if len(signer) != ed25519.PrivateKeySize || !id.SigningKey.Equal(signer.Public()) {
		return nil, fmt.Errorf("threshold: decrypt: signer is not the signing key of trustee %d (%s)", k.Index, id.Name)
	}
	if k.X.IsZero() == 1 {
		return nil, fmt.Errorf("threshold: decrypt: key share of trustee %d: %w", k.Index, elgamal.ErrZeroScalar)
	}
	if err := decCheckCiphertexts(cts); err != nil {
		return nil, fmt.Errorf("threshold: decrypt: %w", err)
	}

	seeds := make([]byte, decSeedSize*((len(cts)+decProveChunk-1)/decProveChunk))
	defer clear(seeds)
	if _, err := io.ReadFull(rand, seeds); err != nil {
		return nil, fmt.Errorf("threshold: decrypt: reading randomness: %w", err)
	}
	// The proofs bind the list hash (spec/threshold.md §5): a share
	// proven for one list is no proof for the same ciphertext in another.
	lh := l.hash
	ctx := &zkp.Context{Election: h[:], Prover: k.Index, Binding: lh[:]}
	body := decBodyHeader(lh, len(cts))
	err := decParallel(len(cts), decProveChunk, func(c, lo, hi int) error {
		var seed [decSeedSize]byte
		copy(seed[:], seeds[c*decSeedSize:])
		rng := mrand.NewChaCha8(seed)
		clear(seed[:])
		for l := lo; l < hi; l++ {
			share, p, err := zkp.ProveDecryptionShare(ctx, &k.X, &cts[l], rng)
			if err != nil {
				return fmt.Errorf("ciphertext %d: %w", l, err)
			}
			decPutShare(body, l, share, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("threshold: decrypt: %w", err)
	}
	e := &Entry{Type: TypeDecryptionShares, Ceremony: h, Sender: k.Index, Body: body}
	e.Sign(signer)
	return e, nil
}

// decCheckCiphertexts rejects lists that no entry can carry and ciphertexts
// with an identity α, for which no decryption-share proof exists.
func decCheckCiphertexts(cts []elgamal.Ciphertext) error {
	if len(cts) > MaxDecryptionShares {
		return fmt.Errorf("%d ciphertexts, at most %d", len(cts), MaxDecryptionShares)
	}
	for l := range cts {
		if cts[l].Alpha.IsIdentity() == 1 {
			return fmt.Errorf("ciphertext %d: alpha: %w", l, elgamal.ErrIdentity)
		}
	}
	return nil
}

// LagrangeAtZero returns the Lagrange coefficients at 0 for the given
// trustee indices, λ_j = Π_{m≠j} m / (m − j) mod ℓ, in the order given.
// It rejects an empty list, index 0 and duplicates.
func LagrangeAtZero(indices []uint32) ([]*elgamal.Scalar, error) {
	if len(indices) == 0 {
		return nil, errors.New("threshold: lagrange coefficients: no indices")
	}
	seen := make(map[uint32]bool, len(indices))
	for _, j := range indices {
		if j == 0 {
			return nil, errors.New("threshold: lagrange coefficients: index 0 names no trustee")
		}
		if seen[j] {
			return nil, fmt.Errorf("threshold: lagrange coefficients: index %d appears twice", j)
		}
		seen[j] = true
	}
	out := make([]*elgamal.Scalar, len(indices))
	for a, j := range indices {
		num := new(elgamal.Scalar).SetUint64(1)
		den := new(elgamal.Scalar).SetUint64(1)
		sj := new(elgamal.Scalar).SetUint64(uint64(j))
		for _, m := range indices {
			if m == j {
				continue
			}
			sm := new(elgamal.Scalar).SetUint64(uint64(m))
			num.Multiply(num, sm)
			// m − j is not 0 mod ℓ: both are distinct and below 2^32.
			den.Multiply(den, new(elgamal.Scalar).Subtract(sm, sj))
		}
		out[a] = num.Multiply(num, new(elgamal.Scalar).Invert(den))
	}
	return out, nil
}

// CombineError reports a ciphertext that cannot be decrypted: it has
// fewer than t valid decryption shares. Combine then returns no
// plaintexts at all.
type CombineError struct {
	// Ciphertext is the first (0-based) ciphertext without t valid shares.
	Ciphertext int
	// Undecryptable counts the ciphertexts without t valid shares,
	// Ciphertext included.
	Undecryptable int
	// Threshold is t.
	Threshold int
	// Valid lists the trustees with a valid share for Ciphertext.
	Valid []uint32
	// Invalid maps trustees whose share for Ciphertext was rejected, or
	// whose whole entry was (malformed, equivocating, wrong count, no share
	// verifying against their verification key), to the reason.
	Invalid map[uint32]string
	// Missing lists the trustees with no usable decryption-shares entry
	// for this ciphertext list (none posted, or only for another list or
	// another ceremony, or with a signature that does not verify).
	Missing []uint32
}

func (e *CombineError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "threshold: cannot decrypt ciphertext %d: %d valid decryption shares, need %d", e.Ciphertext, len(e.Valid), e.Threshold)
	if len(e.Valid) > 0 {
		fmt.Fprintf(&b, "; valid: trustees %s", decJoin(e.Valid))
	}
	if len(e.Invalid) > 0 {
		b.WriteString("; invalid:")
		for i, j := range decSortedKeys(e.Invalid) {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " trustee %d (%s)", j, e.Invalid[j])
		}
	}
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "; missing: trustees %s", decJoin(e.Missing))
	}
	if e.Undecryptable > 1 {
		fmt.Fprintf(&b, " (%d ciphertexts in all cannot be decrypted)", e.Undecryptable)
	}
	return b.String()
}

func (e *CombineError) Unwrap() error { return ErrTooFewShares }

// Exclusion records decryption shares that Combine did not use.
type Exclusion struct {
	Trustee uint32
	// Ciphertext is the (0-based) ciphertext whose share was rejected, or
	// -1 when the trustee's whole entry was excluded or is missing.
	Ciphertext int
	// Misbehaved is true when the trustee signed something wrong: a share
	// that does not verify, a malformed entry or two different entries.
	// It is false when the trustee merely has no usable entry.
	Misbehaved bool
	Reason     string
}

// Combine checks the decryption-shares entries of the trustees for the
// list cts and combines them into the plaintext elements M_l = β_l −
// Σ_{j∈S} λ_j·D_j,l, where S is the t smallest trustee indices with a
// valid share for ciphertext l (spec/threshold.md §5). Recover integers
// with elgamal.DLogTable.
//
// Entries that are not decryption shares, belong to another ceremony,
// have a sender outside 1..n or a signature that does not verify, or
// carry shares for another ciphertext list, are ignored. A trustee whose
// entry for this list is malformed or holds a different number of shares,
// or who signed two different entries for this list (equivocation; byte-
// identical copies count once), is excluded altogether.
//
// Every share's proof is checked against the verification key in r,
// never against anything in the entry, with one batch verification. A
// share whose proof fails is excluded for that ciphertext only: the
// trustee's other shares carry valid proofs and are as good as anyone's,
// so one bad share does not cost a decryption. If any ciphertext is left
// with fewer than t valid shares, Combine returns a *CombineError and no
// plaintexts. CombineWithReport also names every excluded share.
func Combine(s *Setup, r *Result, cts []elgamal.Ciphertext, entries []*Entry) ([]*elgamal.Element, error) {
	ms, _, err := CombineWithReport(s, r, cts, entries)
	return ms, err
}

// CombineWithReport is Combine that also returns what it excluded, by
// trustee then ciphertext, so that a tally can name misbehaving or absent
// trustees even when decryption succeeds. The report is returned with a
// *CombineError too.
func CombineWithReport(s *Setup, r *Result, cts []elgamal.Ciphertext, entries []*Entry) ([]*elgamal.Element, []Exclusion, error) {
	set, err := decCollect(s, r, cts, entries)
	if err != nil {
		return nil, nil, err
	}
	ms, err := set.run(true)
	return ms, set.report(), err
}

// decShareSet holds the checked decryption shares of one ciphertext list.
type decShareSet struct {
	t, n int
	cts  []elgamal.Ciphertext
	// What decCollect framed: the list's encoding, the ceremony hash, the
	// list hash, the verification keys, and the entry body of each trustee
	// in owners (bodies[j-1]), whose shares run verifies chunk by chunk.
	encs   []byte
	h, lh  [32]byte
	vks    []*elgamal.Element
	bodies [][]byte
	owners []uint32
	// invalid[j][l] says why trustee j's share for ciphertext l failed.
	invalid map[uint32]map[int]string
	// excluded says why trustee j's whole entry was rejected.
	excluded map[uint32]string
	// missing says why trustee j has no usable entry.
	missing map[uint32]string
}

// decCollect checks the setup, result and list and picks and frames each
// trustee's entry for the list; run then verifies (and combines) the
// shares chunk by chunk.
func decCollect(s *Setup, r *Result, cts []elgamal.Ciphertext, entries []*Entry) (*decShareSet, error) {
	if s == nil || r == nil {
		return nil, errors.New("threshold: combine: missing setup or result")
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("threshold: combine: %w", err)
	}
	n := s.N()
	if len(r.VerificationKeys) != n {
		return nil, fmt.Errorf("threshold: combine: result has %d verification keys for %d trustees", len(r.VerificationKeys), n)
	}
	for j, vk := range r.VerificationKeys {
		if vk == nil {
			return nil, fmt.Errorf("threshold: combine: result lacks the verification key of trustee %d", j+1)
		}
	}
	if err := decCheckCiphertexts(cts); err != nil {
		return nil, fmt.Errorf("threshold: combine: %w", err)
	}
	h := s.Hash()
	encs := decEncode(cts)
	lh := decListHash(encs)
	set := &decShareSet{
		t: s.Threshold, n: n, cts: cts,
		invalid:  map[uint32]map[int]string{},
		excluded: map[uint32]string{},
		missing:  map[uint32]string{},
	}

	// Pick the candidate bodies: signed entries of this ceremony carrying
	// shares for this list, one set of distinct bodies per trustee.
	cands := make([][][]byte, n)
	// notes[j-1] says why trustee j's entries were ignored; an entry that
	// got further through the checks says more, so its note wins.
	notes := make([]string, n)
	prio := make([]int, n)
	note := func(j uint32, p int, why string) {
		if j >= 1 && int(j) <= n && p > prio[j-1] {
			notes[j-1], prio[j-1] = why, p
		}
	}
	for _, e := range entries {
		switch {
		case e == nil:
			continue
		case e.Type != TypeDecryptionShares:
			note(e.Sender, 1, fmt.Sprintf("its entry is a %s entry, not decryption shares", e.Type))
			continue
		case e.Ceremony != h:
			note(e.Sender, 2, "its entry belongs to another ceremony")
			continue
		}
		id := s.Trustee(e.Sender)
		if id == nil {
			continue
		}
		if !ed25519.Verify(id.SigningKey, signingInput(e.signed()), e.Sig[:]) {
			note(e.Sender, 3, "the signature of its entry does not verify")
			continue
		}
		if len(e.Body) < sha256.Size || [32]byte(e.Body[:sha256.Size]) != lh {
			note(e.Sender, 4, "its entry holds decryption shares for another ciphertext list")
			continue
		}
		j := e.Sender - 1
		if !slices.ContainsFunc(cands[j], func(b []byte) bool { return string(b) == string(e.Body) }) {
			cands[j] = append(cands[j], e.Body)
		}
	}

	// Frame each trustee's entry; the shares are decoded while verified.
	m := len(cts)
	bodies := make([][]byte, n)
	var owners []uint32 // owners[k] is the trustee of items[k*m : (k+1)*m]
	for k := range n {
		j := uint32(k + 1)
		switch len(cands[k]) {
		case 0:
			if notes[k] == "" {
				notes[k] = "no decryption-shares entry"
			}
			set.missing[j] = notes[k]
			continue
		case 1:
		default:
			set.excluded[j] = fmt.Sprintf("equivocation: %d different signed entries for this ciphertext list", len(cands[k]))
			continue
		}
		body := cands[k][0]
		if len(body) < decHeaderSize {
			set.excluded[j] = fmt.Sprintf("malformed entry: body of %d bytes, shorter than its header", len(body))
			continue
		}
		count := binary.BigEndian.Uint32(body[sha256.Size:])
		if want := uint64(decHeaderSize) + uint64(count)*decShareSize; uint64(len(body)) != want {
			set.excluded[j] = fmt.Sprintf("malformed entry: body of %d bytes, want %d for %d shares", len(body), want, count)
			continue
		}
		if uint64(count) != uint64(m) {
			set.excluded[j] = fmt.Sprintf("its entry holds %d shares for a list of %d ciphertexts", count, m)
			continue
		}
		bodies[k] = body
		owners = append(owners, j)
	}

	set.encs, set.h, set.lh, set.vks, set.bodies, set.owners = encs, h, lh, r.VerificationKeys, bodies, owners
	return set, nil
}

// verifyChunk decodes and verifies every owner's shares of ciphertexts
// [lo, hi) in one batch, against the keys of the result, hashing the
// encodings as they are, and returns them decoded (shares[j-1][l-lo], nil
// for trustees without an entry). Failures go to set.invalid. Working in
// chunks keeps the memory of a million-ciphertext list bounded; a chunk
// already gets all of the multi-scalar multiplication's gain.
func (set *decShareSet) verifyChunk(lo, hi int, items []zkp.EncodedDecryptionShare) ([][]elgamal.Element, []zkp.EncodedDecryptionShare, error) {
	cl := hi - lo
	items = items[:0]
	for _, j := range set.owners {
		body := set.bodies[j-1]
		ctx := &zkp.Context{Election: set.h[:], Prover: j, Binding: set.lh[:]}
		vk := set.vks[j-1] // one pointer for all shares of j
		for l := lo; l < hi; l++ {
			off := decHeaderSize + l*decShareSize
			items = append(items, zkp.EncodedDecryptionShare{
				Ctx: ctx, VK: vk,
				Ciphertext: set.encs[l*elgamal.CiphertextSize : (l+1)*elgamal.CiphertextSize],
				Share:      body[off : off+elgamal.ElementSize],
				Proof:      body[off+elgamal.ElementSize : off+decShareSize],
			})
		}
	}
	decoded, err := zkp.BatchVerifyEncodedDecryptionShares(nil, items)
	var be *zkp.BatchError
	switch {
	case err == nil:
	case errors.As(err, &be):
		for i, idx := range be.Failed {
			j, l := set.owners[idx/cl], lo+idx%cl
			if set.invalid[j] == nil {
				set.invalid[j] = map[int]string{}
			}
			set.invalid[j][l] = decShorten(be.Errs[i].Error())
		}
	default:
		return nil, items, fmt.Errorf("threshold: combine: %w", err)
	}
	shares := make([][]elgamal.Element, set.n)
	for k, j := range set.owners {
		sh := make([]elgamal.Element, cl)
		for l := range cl {
			if d := decoded[k*cl+l]; d != nil {
				sh[l].Set(d)
			}
		}
		shares[j-1] = sh
	}
	return shares, items, nil
}

// run verifies every share, chunk by chunk, and with combine also
// combines each chunk as it is verified. It then applies the rule that a
// trustee none of whose shares verifies is excluded as a whole.
func (set *decShareSet) run(combine bool) ([]*elgamal.Element, error) {
	m := len(set.cts)
	var c *decCombiner
	if combine {
		c = set.newCombiner()
	}
	var items []zkp.EncodedDecryptionShare
	for lo := 0; lo < m; lo += decVerifyChunk {
		hi := min(lo+decVerifyChunk, m)
		var shares [][]elgamal.Element
		var err error
		if shares, items, err = set.verifyChunk(lo, hi, items); err != nil {
			return nil, err
		}
		if c != nil {
			if err := c.combine(shares, lo, hi); err != nil {
				return nil, err
			}
		}
	}
	for j, bad := range set.invalid {
		if m > 0 && len(bad) == m {
			set.excluded[j] = fmt.Sprintf("none of its %d shares verifies against its verification key (%s)", m, bad[0])
			delete(set.invalid, j)
		}
	}
	if c == nil {
		return nil, nil
	}
	return c.finish()
}

// decCombiner combines chunks of verified shares: for each ciphertext it
// selects the t smallest trustees with valid shares and computes
// M_l = β_l − Σ λ_j·D_j,l, on all cores.
type decCombiner struct {
	set     *decShareSet
	out     []*elgamal.Element
	subsets map[uint64]*decSubset
	// first is the first ciphertext without t valid shares (-1: none),
	// bad the number of such ciphertexts.
	first, bad int
}

type decSubset struct {
	idx    []int // trustee j-1 for each j ∈ S
	lambda []*elgamal.Scalar
	// small holds the λ as signed integers when they all are, as for
	// S = {1, …, t} where λ_j = ±C(t, j): then Σ λ_j·D_j takes a few
	// dozen additions instead of a 256-bit multi-scalar multiplication.
	small []decSmallInt
	bits  int
}

func (set *decShareSet) newCombiner() *decCombiner {
	return &decCombiner{set: set, out: make([]*elgamal.Element, len(set.cts)), subsets: map[uint64]*decSubset{}, first: -1}
}

// subset returns the Lagrange coefficients of the trustees in mask.
func (c *decCombiner) subset(mask uint64) (*decSubset, error) {
	if sub := c.subsets[mask]; sub != nil {
		return sub, nil
	}
	sub := &decSubset{}
	var js []uint32
	for j := uint32(1); int(j) <= c.set.n; j++ {
		if mask&(1<<(j-1)) != 0 {
			js = append(js, j)
			sub.idx = append(sub.idx, int(j-1))
		}
	}
	lambda, err := LagrangeAtZero(js)
	if err != nil {
		return nil, err // unreachable: js holds t ≥ 1 distinct indices
	}
	sub.lambda = lambda
	sub.small = make([]decSmallInt, len(lambda))
	for a, l := range lambda {
		v, ok := decSmall(l)
		if !ok {
			sub.small = nil
			break
		}
		sub.small[a] = v
		sub.bits = max(sub.bits, bits.Len64(v.mag))
	}
	c.subsets[mask] = sub
	return sub, nil
}

// combine combines ciphertexts [lo, hi), whose shares are shares[j-1][l-lo].
func (c *decCombiner) combine(shares [][]elgamal.Element, lo, hi int) error {
	set := c.set
	// masks[l-lo] is the chosen set S for ciphertext l, bit j-1 for
	// trustee j (n ≤ 64). Usually every ciphertext has the same S.
	masks := make([]uint64, hi-lo)
	for l := lo; l < hi; l++ {
		var mask uint64
		count := 0
		for j := uint32(1); int(j) <= set.n && count < set.t; j++ {
			if _, bad := set.invalid[j][l]; shares[j-1] != nil && !bad {
				mask |= 1 << (j - 1)
				count++
			}
		}
		if count < set.t {
			if c.first < 0 {
				c.first = l
			}
			c.bad++
			continue
		}
		masks[l-lo] = mask
		if _, err := c.subset(mask); err != nil {
			return err
		}
	}
	if c.bad > 0 {
		return nil // no plaintexts will be returned: skip the work
	}
	return decParallel(hi-lo, decWorkChunk, func(_, a, b int) error {
		points := make([]*elgamal.Element, set.t)
		for k := a; k < b; k++ {
			sub := c.subsets[masks[k]]
			for x, i := range sub.idx {
				points[x] = &shares[i][k]
			}
			var sum *elgamal.Element
			if sub.small != nil {
				sum = decSmallCombination(sub.small, sub.bits, points)
			} else {
				sum = new(elgamal.Element).VarTimeMultiScalarMult(sub.lambda, points)
			}
			c.out[lo+k] = sum.Subtract(&set.cts[lo+k].Beta, sum)
		}
		return nil
	})
}

// finish returns the plaintexts, or a *CombineError naming the first
// ciphertext without t valid shares.
func (c *decCombiner) finish() ([]*elgamal.Element, error) {
	if c.bad > 0 {
		e := c.set.combineError(c.first)
		e.Undecryptable = c.bad
		return nil, e
	}
	return c.out, nil
}

// decSmallInt is a scalar that is a signed integer of at most 64 bits.
type decSmallInt struct {
	mag uint64
	neg bool
}

// decSmall returns s as a signed 64-bit magnitude, if it is ±v mod ℓ for
// some v < 2^64.
func decSmall(s *elgamal.Scalar) (decSmallInt, bool) {
	for _, neg := range []bool{false, true} {
		x := s
		if neg {
			x = new(elgamal.Scalar).Negate(s)
		}
		b := x.Bytes() // little endian
		if !slices.ContainsFunc(b[8:], func(c byte) bool { return c != 0 }) {
			return decSmallInt{mag: binary.LittleEndian.Uint64(b), neg: neg}, true
		}
	}
	return decSmallInt{}, false
}

// decSmallCombination returns Σ λ_a·points[a] for small integer λ_a of at
// most nbits bits, by joint double-and-add. It is variable time: public
// data only.
func decSmallCombination(lambda []decSmallInt, nbits int, points []*elgamal.Element) *elgamal.Element {
	acc := elgamal.NewElement()
	for i := nbits - 1; i >= 0; i-- {
		if i < nbits-1 {
			acc.Add(acc, acc)
		}
		for a, v := range lambda {
			if v.mag>>i&1 == 0 {
				continue
			}
			if v.neg {
				acc.Subtract(acc, points[a])
			} else {
				acc.Add(acc, points[a])
			}
		}
	}
	return acc
}

func (set *decShareSet) combineError(l int) *CombineError {
	e := &CombineError{Ciphertext: l, Threshold: set.t, Invalid: map[uint32]string{}}
	for j := uint32(1); int(j) <= set.n; j++ {
		if _, ok := set.missing[j]; ok {
			e.Missing = append(e.Missing, j)
		} else if why, ok := set.excluded[j]; ok {
			e.Invalid[j] = why
		} else if why, ok := set.invalid[j][l]; ok {
			e.Invalid[j] = why
		} else {
			e.Valid = append(e.Valid, j)
		}
	}
	return e
}

// report lists the exclusions by trustee, then ciphertext.
func (set *decShareSet) report() []Exclusion {
	var out []Exclusion
	for j := uint32(1); int(j) <= set.n; j++ {
		if why, ok := set.missing[j]; ok {
			out = append(out, Exclusion{Trustee: j, Ciphertext: -1, Reason: why})
		}
		if why, ok := set.excluded[j]; ok {
			out = append(out, Exclusion{Trustee: j, Ciphertext: -1, Misbehaved: true, Reason: why})
		}
		bad := set.invalid[j]
		ls := make([]int, 0, len(bad))
		for l := range bad {
			ls = append(ls, l)
		}
		sort.Ints(ls)
		for _, l := range ls {
			out = append(out, Exclusion{Trustee: j, Ciphertext: l, Misbehaved: true, Reason: bad[l]})
		}
	}
	return out
}

// decParallel calls f(c, lo, hi) for the chunks c = 0, 1, … of [0, n), of
// the given size, on up to GOMAXPROCS goroutines. It returns the error of
// the lowest failing chunk; once a chunk fails, later chunks are not
// started, but every earlier one runs to completion.
func decParallel(n, chunk int, f func(c, lo, hi int) error) error {
	chunks := (n + chunk - 1) / chunk
	bounds := func(c int) (int, int) { return c * chunk, min((c+1)*chunk, n) }
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for c := range chunks {
			lo, hi := bounds(c)
			if err := f(c, lo, hi); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, chunks)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo, hi := bounds(c)
				if errs[c] = f(c, lo, hi); errs[c] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func decJoin(js []uint32) string {
	s := make([]string, len(js))
	for i, j := range js {
		s[i] = fmt.Sprint(j)
	}
	return strings.Join(s, ", ")
}

func decSortedKeys(m map[uint32]string) []uint32 {
	ks := make([]uint32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// decShorten bounds a reason taken from an error, which for a batch could
// otherwise list many failures.
func decShorten(s string) string {
	if len(s) <= decMaxReasonLen {
		return s
	}
	cut := decMaxReasonLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// VerifyDecryptionEntry checks one decryption-shares entry e against the
// ciphertext list cts: a signed entry of the ceremony s, for this list,
// with a share for every ciphertext, each share's proof verifying against
// the sender's verification key in r. The bulletin board uses it to refuse
// a bad entry when it is posted; Combine makes the same checks.
func VerifyDecryptionEntry(s *Setup, r *Result, cts []elgamal.Ciphertext, e *Entry) error {
	if e == nil {
		return errors.New("threshold: missing decryption-shares entry")
	}
	set, err := decCollect(s, r, cts, []*Entry{e})
	if err != nil {
		return err
	}
	if _, err := set.run(false); err != nil {
		return err
	}
	j := e.Sender
	if why, ok := set.missing[j]; ok {
		return fmt.Errorf("threshold: decryption shares of trustee %d: %s", j, why)
	}
	if why, ok := set.excluded[j]; ok {
		return fmt.Errorf("threshold: decryption shares of trustee %d: %s", j, why)
	}
	if bad := set.invalid[j]; len(bad) > 0 {
		ls := make([]int, 0, len(bad))
		for l := range bad {
			ls = append(ls, l)
		}
		slices.Sort(ls)
		return fmt.Errorf("threshold: decryption shares of trustee %d: %d of %d shares fail, first ciphertext %d: %s", j, len(bad), len(cts), ls[0], bad[ls[0]])
	}
	return nil
}
