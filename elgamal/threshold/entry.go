package threshold

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// EntryType is the type of a ceremony entry (spec/threshold.md §2).
type EntryType uint8

const (
	TypeCommitment       EntryType = 1
	TypeShares           EntryType = 2
	TypeComplaint        EntryType = 3
	TypeResponse         EntryType = 4
	TypeDecryptionShares EntryType = 5
)

func (t EntryType) String() string {
	switch t {
	case TypeCommitment:
		return "commitment"
	case TypeShares:
		return "shares"
	case TypeComplaint:
		return "complaint"
	case TypeResponse:
		return "response"
	case TypeDecryptionShares:
		return "decryption shares"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

const (
	entryMagic     = "urna"
	entryVersion   = 1
	entryDomain    = "urna/v1/dkg/entry"
	entryHeaderLen = 4 + 1 + 1 + 32 + 4 + 4
	// EncryptedShareSize is the length of an HPKE-encrypted share:
	// enc (32) ‖ ciphertext (32 + 16).
	EncryptedShareSize = 80
)

// ErrEntry means an entry is malformed, belongs to another ceremony, or
// its signature does not verify.
var ErrEntry = errors.New("invalid entry")

// Entry is one signed ceremony message.
type Entry struct {
	Type     EntryType
	Ceremony [32]byte
	Sender   uint32
	Body     []byte
	Sig      [ed25519.SignatureSize]byte
}

// signed returns the bytes the signature covers, without the domain.
func (e *Entry) signed() []byte {
	b := make([]byte, 0, entryHeaderLen+len(e.Body))
	b = append(b, entryMagic...)
	b = append(b, entryVersion, byte(e.Type))
	b = append(b, e.Ceremony[:]...)
	b = binary.BigEndian.AppendUint32(b, e.Sender)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Body)))
	return append(b, e.Body...)
}

func signingInput(signed []byte) []byte {
	return append([]byte(entryDomain), signed...)
}

// Sign signs e with the sender's signing key.
func (e *Entry) Sign(key ed25519.PrivateKey) {
	copy(e.Sig[:], ed25519.Sign(key, signingInput(e.signed())))
}

// Bytes returns the entry's encoding, signature last.
func (e *Entry) Bytes() []byte {
	return append(e.signed(), e.Sig[:]...)
}

// EntryLength returns the length of the entry at the start of b, from its
// header, so that files and streams can hold entries back to back.
func EntryLength(b []byte) (int, error) {
	if len(b) < entryHeaderLen {
		return 0, fmt.Errorf("%w: %d bytes is shorter than an entry header", ErrEntry, len(b))
	}
	body := binary.BigEndian.Uint32(b[entryHeaderLen-4 : entryHeaderLen])
	n := uint64(entryHeaderLen) + uint64(body) + ed25519.SignatureSize
	if n > uint64(len(b)) {
		return 0, fmt.Errorf("%w: entry of %d bytes truncated to %d", ErrEntry, n, len(b))
	}
	return int(n), nil
}

// ParseEntry decodes an entry of the ceremony s and checks its header,
// body length and signature. The error names the failed field.
func ParseEntry(s *Setup, b []byte) (*Entry, error) {
	r := &cursor{b: b}
	magic := r.take(4, "magic")
	version := r.u8("version")
	typ := EntryType(r.u8("type"))
	ceremony := r.take(32, "ceremony hash")
	sender := r.u32("sender")
	body := r.take(int(r.u32("body length")), "body")
	sig := r.take(ed25519.SignatureSize, "signature")
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEntry, err)
	}
	if string(magic) != entryMagic {
		return nil, fmt.Errorf("%w: bad magic %q", ErrEntry, magic)
	}
	if version != entryVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrEntry, version, entryVersion)
	}
	if typ < TypeCommitment || typ > TypeDecryptionShares {
		return nil, fmt.Errorf("%w: unknown type %d", ErrEntry, typ)
	}
	h := s.Hash()
	if !bytes.Equal(ceremony, h[:]) {
		return nil, fmt.Errorf("%w: %s entry from trustee %d belongs to another ceremony", ErrEntry, typ, sender)
	}
	t := s.Trustee(sender)
	if t == nil {
		return nil, fmt.Errorf("%w: %s entry: sender %d is not a trustee index (1 to %d)", ErrEntry, typ, sender, s.N())
	}
	e := &Entry{Type: typ, Sender: sender, Body: append([]byte(nil), body...)}
	copy(e.Ceremony[:], ceremony)
	copy(e.Sig[:], sig)
	if want := bodyLength(s, typ); want >= 0 && len(body) != want {
		return nil, fmt.Errorf("%w: %s entry from trustee %d: body of %d bytes, want %d", ErrEntry, typ, sender, len(body), want)
	}
	if !ed25519.Verify(t.SigningKey, signingInput(e.signed()), e.Sig[:]) {
		return nil, fmt.Errorf("%w: %s entry from trustee %d (%s): signature does not verify", ErrEntry, typ, sender, t.Name)
	}
	return e, nil
}

// bodyLength returns the body length of a type, or -1 if it varies.
func bodyLength(s *Setup, t EntryType) int {
	switch t {
	case TypeCommitment:
		return elgamal.ElementSize*s.Threshold + zkp.SchnorrProofSize
	case TypeShares:
		return 32 + (s.N()-1)*(4+EncryptedShareSize)
	case TypeComplaint:
		return 5
	case TypeResponse:
		return 4 + elgamal.ScalarSize
	}
	return -1
}

// Complaint reasons.
const (
	ReasonDecrypt uint8 = 1 // the share could not be decrypted
	ReasonFeldman uint8 = 2 // the share fails the Feldman check
)

// CommitmentBody is a dealer's round-1 message: Feldman commitments to its
// polynomial's coefficients and a proof of knowledge of the constant term.
type CommitmentBody struct {
	Commitments []elgamal.Element // C_k = a_k·G, k = 0..t−1
	Proof       *zkp.SchnorrProof
}

// Bytes encodes the body.
func (c *CommitmentBody) Bytes() []byte {
	var b []byte
	for i := range c.Commitments {
		b = append(b, c.Commitments[i].Bytes()...)
	}
	return append(b, c.Proof.Bytes()...)
}

// ParseCommitmentBody decodes a commitment body for threshold t. Identity
// commitments are rejected.
func ParseCommitmentBody(b []byte, t int) (*CommitmentBody, error) {
	r := &cursor{b: b}
	c := &CommitmentBody{Commitments: make([]elgamal.Element, t)}
	for k := 0; k < t; k++ {
		enc := r.take(elgamal.ElementSize, fmt.Sprintf("C[%d]", k))
		if enc == nil {
			break
		}
		if _, err := c.Commitments[k].SetCanonicalBytesNonIdentity(enc); err != nil {
			return nil, fmt.Errorf("commitment C[%d]: %w", k, err)
		}
	}
	pb := r.take(zkp.SchnorrProofSize, "proof")
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("commitment: %w: %v", elgamal.ErrLength, err)
	}
	p, err := zkp.ParseSchnorrProof(pb)
	if err != nil {
		return nil, fmt.Errorf("commitment proof: %w", err)
	}
	c.Proof = p
	return c, nil
}

// EncryptedShare is one share in a dealer's shares entry.
type EncryptedShare struct {
	Recipient uint32
	Sealed    [EncryptedShareSize]byte
}

// SharesBody is a dealer's round-2 message.
type SharesBody struct {
	Round1 [32]byte // the round-1 hash the dealer saw
	Shares []EncryptedShare
}

// Bytes encodes the body.
func (s *SharesBody) Bytes() []byte {
	b := append([]byte(nil), s.Round1[:]...)
	for _, sh := range s.Shares {
		b = binary.BigEndian.AppendUint32(b, sh.Recipient)
		b = append(b, sh.Sealed[:]...)
	}
	return b
}

// ParseSharesBody decodes the shares body of dealer in a ceremony of n
// trustees: one share for every other trustee, in ascending order.
func ParseSharesBody(b []byte, dealer uint32, n int) (*SharesBody, error) {
	r := &cursor{b: b}
	s := &SharesBody{}
	copy(s.Round1[:], r.take(32, "round-1 hash"))
	want := uint32(1)
	for k := 0; k < n-1 && r.err == nil; k++ {
		if want == dealer {
			want++
		}
		var sh EncryptedShare
		sh.Recipient = r.u32(fmt.Sprintf("recipient %d", k))
		copy(sh.Sealed[:], r.take(EncryptedShareSize, fmt.Sprintf("share %d", k)))
		if r.err == nil && sh.Recipient != want {
			return nil, fmt.Errorf("shares: entry %d is for trustee %d, want %d (one per other trustee, ascending)", k, sh.Recipient, want)
		}
		s.Shares = append(s.Shares, sh)
		want++
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("shares: %w: %v", elgamal.ErrLength, err)
	}
	return s, nil
}

// ComplaintBody accuses a dealer of sending a bad share.
type ComplaintBody struct {
	Accused uint32
	Reason  uint8
}

// Bytes encodes the body.
func (c *ComplaintBody) Bytes() []byte {
	return append(binary.BigEndian.AppendUint32(nil, c.Accused), c.Reason)
}

// ParseComplaintBody decodes a complaint of a ceremony of n trustees.
func ParseComplaintBody(b []byte, n int) (*ComplaintBody, error) {
	r := &cursor{b: b}
	c := &ComplaintBody{Accused: r.u32("accused"), Reason: r.u8("reason")}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("complaint: %w: %v", elgamal.ErrLength, err)
	}
	if c.Accused < 1 || int(c.Accused) > n {
		return nil, fmt.Errorf("complaint: accused %d is not a trustee index (1 to %d)", c.Accused, n)
	}
	if c.Reason != ReasonDecrypt && c.Reason != ReasonFeldman {
		return nil, fmt.Errorf("complaint: unknown reason %d", c.Reason)
	}
	return c, nil
}

// ResponseBody answers a complaint by revealing the disputed share.
type ResponseBody struct {
	Complainer uint32
	Share      elgamal.Scalar
}

// Bytes encodes the body.
func (r *ResponseBody) Bytes() []byte {
	return append(binary.BigEndian.AppendUint32(nil, r.Complainer), r.Share.Bytes()...)
}

// ParseResponseBody decodes a response of a ceremony of n trustees.
func ParseResponseBody(b []byte, n int) (*ResponseBody, error) {
	r := &cursor{b: b}
	resp := &ResponseBody{Complainer: r.u32("complainer")}
	enc := r.take(elgamal.ScalarSize, "share")
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("response: %w: %v", elgamal.ErrLength, err)
	}
	if resp.Complainer < 1 || int(resp.Complainer) > n {
		return nil, fmt.Errorf("response: complainer %d is not a trustee index (1 to %d)", resp.Complainer, n)
	}
	if _, err := resp.Share.SetCanonicalBytes(enc); err != nil {
		return nil, fmt.Errorf("response: share: %w", err)
	}
	return resp, nil
}
