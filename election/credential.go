package election

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urnavote/urna/elgamal/threshold"
)

// Credential encodings.
const (
	// CredentialPrefix starts the text encoding of a secret credential:
	// "urna-credential/v1 " ‖ base64url(seed), unpadded, then "\n".
	CredentialPrefix = "urna-credential/v1 "
	// RegistrarHeader is the first line of the registrar file: the
	// mapping from voter IDs to public credentials, with no secrets.
	RegistrarHeader = "urna-registrar/v2\n"
	// registrarHeaderV1 started the retired registrar file that held
	// every voter's seed.
	registrarHeaderV1 = "urna-registrar/v1\n"
	// CredentialPublicSize is the length of a public credential: an
	// Ed25519 public key.
	CredentialPublicSize = ed25519.PublicKeySize
	// MaxVoterIDLength bounds a voter ID in bytes.
	MaxVoterIDLength = 256
)

// ErrCredential means a credential, a credential list or a registrar file
// is malformed.
var ErrCredential = errors.New("invalid credential encoding")

// ErrRegistrarV1 means a registrar file is of the retired version 1, which
// kept every voter's secret seed. It is refused rather than read: whoever
// holds it can sign ballots in any voter's name, so it should be
// destroyed, and the election's credentials issued afresh if it was used.
var ErrRegistrarV1 = fmt.Errorf("%w: an urna-registrar/v1 file holds the voters' secret credentials and is no longer accepted; destroy it and issue new credentials with 'urna registrar new'", ErrCredential)

// Credential is a voter's secret signing credential, in the style of
// Belenios: an Ed25519 key whose public half is published on the list of
// eligible credentials, so that anyone can check that every ballot on the
// board was cast by an eligible credential, while only the registrar knows
// which voter holds which credential. Only the voter holds the secret:
// the registrar delivers it once and keeps the public half alone.
type Credential struct {
	priv ed25519.PrivateKey
}

// NewCredential reads a 32-byte seed from rand and derives a credential
// from it. The same reader contents give the same credential.
func NewCredential(rand io.Reader) (*Credential, error) {
	if rand == nil {
		return nil, errors.New("election: new credential: missing random source")
	}
	var seed [ed25519.SeedSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("election: new credential: %w", err)
	}
	return &Credential{priv: ed25519.NewKeyFromSeed(seed[:])}, nil
}

// Public returns the public credential (the Ed25519 public key).
func (c *Credential) Public() ed25519.PublicKey {
	return slices.Clone(c.priv.Public().(ed25519.PublicKey))
}

// public returns the public credential as an array.
func (c *Credential) public() [32]byte {
	return [32]byte(c.priv[ed25519.SeedSize:])
}

// sign signs msg with the credential.
func (c *Credential) sign(msg []byte) [64]byte {
	return [64]byte(ed25519.Sign(c.priv, msg))
}

// Bytes returns the secret text encoding, one line:
// "urna-credential/v1 <base64url seed>\n".
func (c *Credential) Bytes() []byte {
	return []byte(CredentialPrefix + base64.RawURLEncoding.EncodeToString(c.priv.Seed()) + "\n")
}

// ParseCredential decodes the encoding of Bytes strictly: the exact
// prefix, unpadded canonical base64url of 32 bytes and one final newline.
func ParseCredential(b []byte) (*Credential, error) {
	s, ok := strings.CutPrefix(string(b), CredentialPrefix)
	if !ok {
		return nil, fmt.Errorf("election: credential: %w: missing %q prefix", ErrCredential, strings.TrimSpace(CredentialPrefix))
	}
	s, ok = strings.CutSuffix(s, "\n")
	if !ok {
		return nil, fmt.Errorf("election: credential: %w: missing final newline", ErrCredential)
	}
	seed, err := decodeSeed(s)
	if err != nil {
		return nil, fmt.Errorf("election: credential: %w", err)
	}
	return &Credential{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

func decodeSeed(s string) ([]byte, error) {
	if len(s) != base64.RawURLEncoding.EncodedLen(ed25519.SeedSize) {
		return nil, fmt.Errorf("%w: seed is %d characters, want %d", ErrCredential, len(s), base64.RawURLEncoding.EncodedLen(ed25519.SeedSize))
	}
	seed, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: seed is not canonical base64url", ErrCredential)
	}
	return seed, nil
}

// CheckPublicCredential checks that pub is a canonical encoding of an
// Ed25519 point that is not of small order.
func CheckPublicCredential(pub []byte) error {
	if len(pub) != CredentialPublicSize {
		return fmt.Errorf("%w: public credential is %d bytes, want %d", ErrCredential, len(pub), CredentialPublicSize)
	}
	if err := threshold.CheckSigningKey(pub); err != nil {
		return fmt.Errorf("%w: public credential: %v", ErrCredential, err)
	}
	return nil
}

// Registrar holds the registrar's mapping from voter IDs to public
// credentials, and nothing secret: the voters' secret credentials leave
// GenerateCredentials once, for delivery, and are never kept. It
// publishes only the sorted list of public credentials (PublicList), and
// alone can tell which voter a public credential belongs to (VoterOf,
// PublicCredential), for example to cancel e-votes (overrides) or to
// cross-check postal votes. Nothing reachable from a Registrar can sign a
// ballot.
type Registrar struct {
	byVoter map[string][32]byte
	byPub   map[[32]byte]string
}

// CheckVoterID checks that id is a valid voter ID: non-empty, at most
// MaxVoterIDLength bytes of UTF-8 with no spaces and no control
// characters.
func CheckVoterID(id string) error {
	if id == "" {
		return errors.New("empty voter ID")
	}
	if len(id) > MaxVoterIDLength {
		return fmt.Errorf("voter ID longer than %d bytes", MaxVoterIDLength)
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("voter ID %q is not UTF-8", id)
	}
	for _, r := range id {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("voter ID %q contains a space or control character", id)
		}
	}
	return nil
}

// GenerateCredentials creates one credential per voter ID, reading the
// seeds from rand in the order given. It rejects empty, malformed and
// duplicate IDs. It returns the registrar's public mapping and the
// voters' secret credentials, creds[i] belonging to voterIDs[i], for
// delivery to the voters once: the caller hands each credential to its
// voter and keeps none of them (spec/ballot.md §1.3).
func GenerateCredentials(voterIDs []string, rand io.Reader) (reg *Registrar, creds []*Credential, err error) {
	if len(voterIDs) == 0 {
		return nil, nil, errors.New("election: generate credentials: no voters")
	}
	r := newRegistrar(len(voterIDs))
	creds = make([]*Credential, 0, len(voterIDs))
	for i, id := range voterIDs {
		if err := CheckVoterID(id); err != nil {
			return nil, nil, fmt.Errorf("election: generate credentials: voter %d: %w", i, err)
		}
		if _, dup := r.byVoter[id]; dup {
			return nil, nil, fmt.Errorf("election: generate credentials: duplicate voter ID %q", id)
		}
		c, err := NewCredential(rand)
		if err != nil {
			return nil, nil, fmt.Errorf("election: generate credentials: %w", err)
		}
		if err := r.add(id, c.public()); err != nil {
			return nil, nil, fmt.Errorf("election: generate credentials: %w", err)
		}
		creds = append(creds, c)
	}
	return r, creds, nil
}

func newRegistrar(n int) *Registrar {
	return &Registrar{byVoter: make(map[string][32]byte, n), byPub: make(map[[32]byte]string, n)}
}

func (r *Registrar) add(id string, pub [32]byte) error {
	if _, dup := r.byPub[pub]; dup {
		return fmt.Errorf("%w: duplicate public credential", ErrCredential)
	}
	r.byVoter[id] = pub
	r.byPub[pub] = id
	return nil
}

// Len returns the number of voters.
func (r *Registrar) Len() int { return len(r.byVoter) }

// PublicList returns the public credentials in ascending byte order, so the
// list reveals nothing of the roll's order.
func (r *Registrar) PublicList() [][32]byte {
	out := make([][32]byte, 0, len(r.byPub))
	for pub := range r.byPub {
		out = append(out, pub)
	}
	slices.SortFunc(out, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// PublicCredential returns the public credential of a voter.
func (r *Registrar) PublicCredential(voterID string) ([32]byte, bool) {
	pub, ok := r.byVoter[voterID]
	return pub, ok
}

// VoterOf returns the voter holding the public credential pub.
func (r *Registrar) VoterOf(pub []byte) (string, bool) {
	if len(pub) != CredentialPublicSize {
		return "", false
	}
	id, ok := r.byPub[[32]byte(pub)]
	return id, ok
}

// Bytes returns the registrar's mapping as text: RegistrarHeader, then one
// line "<voter ID> <base64url public credential>\n" per voter, in
// ascending byte order of voter ID. It holds no secret credential.
func (r *Registrar) Bytes() []byte {
	ids := make([]string, 0, len(r.byVoter))
	for id := range r.byVoter {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString(RegistrarHeader)
	for _, id := range ids {
		pub := r.byVoter[id]
		b.WriteString(id)
		b.WriteByte(' ')
		b.WriteString(base64.RawURLEncoding.EncodeToString(pub[:]))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// ParseRegistrar decodes the encoding of Registrar.Bytes strictly: exact
// header, at least one voter, valid IDs in strictly ascending order,
// canonical base64url of valid public credentials, distinct credentials,
// every line ending in a newline. It refuses a version 1 registrar file,
// which held the voters' secret seeds, with ErrRegistrarV1.
func ParseRegistrar(b []byte) (*Registrar, error) {
	if strings.HasPrefix(string(b), registrarHeaderV1) {
		return nil, fmt.Errorf("election: registrar: %w", ErrRegistrarV1)
	}
	s, ok := strings.CutPrefix(string(b), RegistrarHeader)
	if !ok {
		return nil, fmt.Errorf("election: registrar: %w: missing %q header", ErrCredential, strings.TrimSpace(RegistrarHeader))
	}
	if s == "" {
		return nil, fmt.Errorf("election: registrar: %w: no voters", ErrCredential)
	}
	if !strings.HasSuffix(s, "\n") {
		return nil, fmt.Errorf("election: registrar: %w: missing final newline", ErrCredential)
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	r := newRegistrar(len(lines))
	prev := ""
	for i, line := range lines {
		id, pubText, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("election: registrar: line %d: %w: want \"<voter ID> <public credential>\"", i+2, ErrCredential)
		}
		if err := CheckVoterID(id); err != nil {
			return nil, fmt.Errorf("election: registrar: line %d: %w: %w", i+2, ErrCredential, err)
		}
		if i > 0 && id <= prev {
			return nil, fmt.Errorf("election: registrar: line %d: %w: voter IDs not strictly ascending", i+2, ErrCredential)
		}
		prev = id
		pub, err := decodePublic(pubText)
		if err != nil {
			return nil, fmt.Errorf("election: registrar: line %d: %w", i+2, err)
		}
		if err := r.add(id, pub); err != nil {
			return nil, fmt.Errorf("election: registrar: line %d: %w", i+2, err)
		}
	}
	return r, nil
}

// decodePublic decodes the canonical unpadded base64url of a valid public
// credential.
func decodePublic(s string) ([32]byte, error) {
	if len(s) != base64.RawURLEncoding.EncodedLen(CredentialPublicSize) {
		return [32]byte{}, fmt.Errorf("%w: public credential is %d characters, want %d", ErrCredential, len(s), base64.RawURLEncoding.EncodedLen(CredentialPublicSize))
	}
	pub, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(pub) != CredentialPublicSize {
		return [32]byte{}, fmt.Errorf("%w: public credential is not canonical base64url", ErrCredential)
	}
	if err := CheckPublicCredential(pub); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(pub), nil
}

// MarshalPublicList encodes a list of public credentials as their
// concatenation, sorted ascending with duplicates removed.
func MarshalPublicList(list [][32]byte) []byte {
	l := slices.Clone(list)
	slices.SortFunc(l, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	l = slices.Compact(l)
	out := make([]byte, 0, len(l)*CredentialPublicSize)
	for _, p := range l {
		out = append(out, p[:]...)
	}
	return out
}

// ParsePublicList decodes a public credential list strictly: a non-zero
// multiple of 32 bytes, each a valid public credential (see
// CheckPublicCredential), in strictly ascending byte order.
func ParsePublicList(b []byte) ([][32]byte, error) {
	if len(b) == 0 || len(b)%CredentialPublicSize != 0 {
		return nil, fmt.Errorf("election: public credential list: %w: %d bytes is not a non-zero multiple of %d", ErrCredential, len(b), CredentialPublicSize)
	}
	out := make([][32]byte, len(b)/CredentialPublicSize)
	for i := range out {
		p := b[i*CredentialPublicSize : (i+1)*CredentialPublicSize]
		if err := CheckPublicCredential(p); err != nil {
			return nil, fmt.Errorf("election: public credential list: entry %d: %w", i, err)
		}
		if i > 0 && bytes.Compare(out[i-1][:], p) >= 0 {
			return nil, fmt.Errorf("election: public credential list: entry %d: %w: not strictly ascending", i, ErrCredential)
		}
		out[i] = [32]byte(p)
	}
	return out, nil
}
