package bulletin

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// LabelFingerprint is the domain separation of the election fingerprint
// (spec/board.md §9).
const LabelFingerprint = "urna/v1/election/fingerprint\x00"

// FingerprintSize is the size of an election fingerprint in bytes.
const FingerprintSize = 32

// Fingerprint identifies one election: its board key, its genesis entry
// (board, administrator key, ceremony setup) and its manifest with the
// election key (spec/board.md §9). The election authority publishes it
// before voting opens; a verifier checks a record against it.
type Fingerprint [FingerprintSize]byte

// String returns the fingerprint as 64 lowercase hex digits.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// ErrFingerprint is matched by errors from ParseFingerprint.
var ErrFingerprint = errors.New("bulletin: invalid election fingerprint")

// ParseFingerprint reads a fingerprint written as 64 hex digits, in either
// case; spaces, dashes and colons between digits are ignored, so that a
// fingerprint copied in groups reads back.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == ':' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(clean) != 2*FingerprintSize {
		return f, fmt.Errorf("%w: %d hex digits, want %d", ErrFingerprint, len(clean), 2*FingerprintSize)
	}
	if _, err := hex.Decode(f[:], []byte(clean)); err != nil {
		return f, fmt.Errorf("%w: %v", ErrFingerprint, err)
	}
	return f, nil
}

// ElectionFingerprint returns the fingerprint of the election whose board
// has the verifier key boardKey, whose genesis entry has the body genesis
// (administrator key ‖ ceremony setup), whose manifest entry has the body
// manifest (the canonical manifest JSON) and whose ceremony was restarted
// with the setups restarts, in log order (usually none):
//
//	SHA-256(LabelFingerprint ‖ u16 len(vkey) ‖ vkey ‖ SHA-256(genesis) ‖ SHA-256(manifest) ‖ SHA-256(restart_1) ‖ …)
//
// with vkey the canonical text of the board key.
func ElectionFingerprint(boardKey *BoardKey, genesis, manifest []byte, restarts ...[]byte) Fingerprint {
	vkey := boardKey.String()
	h := sha256.New()
	h.Write([]byte(LabelFingerprint))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(vkey))))
	h.Write([]byte(vkey))
	g, m := sha256.Sum256(genesis), sha256.Sum256(manifest)
	h.Write(g[:])
	h.Write(m[:])
	for _, r := range restarts {
		d := sha256.Sum256(r)
		h.Write(d[:])
	}
	return Fingerprint(h.Sum(nil))
}

// BoardKey is a board's public key: the origin it signs checkpoints for
// and its Ed25519 key (spec/board-log.md, "Checkpoints").
type BoardKey struct {
	Name   string
	Public ed25519.PublicKey
	v      note.Verifier
}

// ErrBoardKey is matched by errors from ParseBoardKey.
var ErrBoardKey = errors.New("bulletin: invalid board key")

// ParseBoardKey decodes the signed-note verifier key text of a board
// ("<origin>+<key hash>+<base64(0x01 ‖ Ed25519 key)>"), strictly: the text,
// once trimmed of surrounding white space, must be exactly the canonical
// text of the key it names, with an origin valid for a board.
func ParseBoardKey(text string) (*BoardKey, error) {
	text = strings.TrimSpace(text)
	name, rest, ok := strings.Cut(text, "+")
	if !ok {
		return nil, fmt.Errorf("%w: not <origin>+<hash>+<key>", ErrBoardKey)
	}
	if err := ValidOrigin(name); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBoardKey, err)
	}
	_, k, ok := strings.Cut(rest, "+")
	if !ok {
		return nil, fmt.Errorf("%w: not <origin>+<hash>+<key>", ErrBoardKey)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(k)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 1 {
		return nil, fmt.Errorf("%w: the key is not base64 of 0x01 and a 32-byte Ed25519 key", ErrBoardKey)
	}
	bk := &BoardKey{Name: name, Public: ed25519.PublicKey(raw[1:])}
	if bk.String() != text {
		return nil, fmt.Errorf("%w: not in canonical form (key hash or encoding differs from %q)", ErrBoardKey, bk.String())
	}
	if bk.v, err = note.NewVerifier(text); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBoardKey, err)
	}
	return bk, nil
}

// String returns the canonical verifier key text.
func (k *BoardKey) String() string {
	s, err := BoardVerifierKey(k.Name, k.Public)
	if err != nil {
		return ""
	}
	return s
}

// Verifier returns the signed-note verifier of the key.
func (k *BoardKey) Verifier() note.Verifier { return k.v }

// Equal reports whether k and o are the same key of the same origin.
func (k *BoardKey) Equal(o *BoardKey) bool {
	return k.Name == o.Name && bytes.Equal(k.Public, o.Public)
}

// FingerprintOfEntries returns the election fingerprint from the board key
// and the genesis, manifest and restart administrator entries as posted,
// checking that each is the administrator entry of its kind for this
// board.
func FingerprintOfEntries(boardKey *BoardKey, genesis, manifest []byte, restarts ...[]byte) (Fingerprint, error) {
	type want struct {
		b    []byte
		kind AdminKind
	}
	ws := []want{{genesis, AdminGenesis}, {manifest, AdminManifest}}
	for _, r := range restarts {
		ws = append(ws, want{r, AdminRestart})
	}
	bodies := make([][]byte, len(ws))
	for i, x := range ws {
		a, err := ParseAdminEntry(x.b)
		if err != nil {
			return Fingerprint{}, err
		}
		if a.Kind != x.kind {
			return Fingerprint{}, fmt.Errorf("bulletin: a %s entry, not a %s entry", a.Kind, x.kind)
		}
		if a.Board != BoardID(boardKey.Name) {
			return Fingerprint{}, fmt.Errorf("bulletin: the %s entry is for another board than %q", a.Kind, boardKey.Name)
		}
		bodies[i] = a.Body
	}
	return ElectionFingerprint(boardKey, bodies[0], bodies[1], bodies[2:]...), nil
}
