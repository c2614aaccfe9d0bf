package bulletin

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrCheckpoint is wrapped by every checkpoint parsing error.
var ErrCheckpoint = errors.New("bulletin: invalid checkpoint")

// Checkpoint is a verified board checkpoint: the board's signed commitment
// to the tree of the first Tree.N entries.
type Checkpoint struct {
	Origin string
	Tree   tlog.Tree
	// Extensions are the optional extension lines after the root hash,
	// without their newlines.
	Extensions []string
	// Signed is the whole signed note the checkpoint was parsed from or
	// produced as; it is the evidence to publish if the board equivocates.
	Signed []byte
}

// ValidOrigin reports whether origin can be a checkpoint origin line: a
// non-empty UTF-8 string without control characters or leading or trailing
// spaces. The origin is also the name of the board's signed-note key, so
// it must be a valid note key name too: no Unicode white space at all and
// no '+' (golang.org/x/mod/sumdb/note), so that the verifier key
// <origin>+<hash>+<key> splits unambiguously.
func ValidOrigin(origin string) error {
	if origin == "" {
		return fmt.Errorf("%w: empty origin", ErrCheckpoint)
	}
	if !utf8.ValidString(origin) || strings.TrimSpace(origin) != origin {
		return fmt.Errorf("%w: origin %q is not trimmed UTF-8", ErrCheckpoint, origin)
	}
	for _, r := range origin {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: origin %q has a control character", ErrCheckpoint, origin)
		}
		if unicode.IsSpace(r) || r == '+' {
			return fmt.Errorf("%w: origin %q has %q, which a signed-note key name cannot have", ErrCheckpoint, origin, r)
		}
	}
	return nil
}

// FormatCheckpoint returns the checkpoint body (the note text) for tree:
//
//	<origin>\n<tree size, decimal>\n<root hash, standard base64>\n
func FormatCheckpoint(origin string, tree tlog.Tree) ([]byte, error) {
	if err := ValidOrigin(origin); err != nil {
		return nil, err
	}
	if tree.N < 0 {
		return nil, fmt.Errorf("%w: negative tree size", ErrCheckpoint)
	}
	return fmt.Appendf(nil, "%s\n%d\n%s\n", origin, tree.N, base64.StdEncoding.EncodeToString(tree.Hash[:])), nil
}

// Checkpoint signs and returns a checkpoint for the log's current tree.
func (l *Log) Checkpoint(signer note.Signer) ([]byte, error) {
	n, h, err := l.Root()
	if err != nil {
		return nil, err
	}
	text, err := FormatCheckpoint(l.origin, tlog.Tree{N: n, Hash: h})
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(text)}, signer)
}

// ParseCheckpoint opens the signed note b, requires a valid signature by
// verifier (signatures by other keys are ignored), and parses the
// checkpoint body strictly: the origin line must equal origin, the size must
// be canonical decimal, and the root hash canonical base64 of 32 bytes.
// Extension lines, if any, must be non-empty.
func ParseCheckpoint(b []byte, verifier note.Verifier, origin string) (*Checkpoint, error) {
	n, err := note.Open(b, note.VerifierList(verifier))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	verified := false
	for _, s := range n.Sigs {
		if s.Name == verifier.Name() && s.Hash == verifier.KeyHash() {
			verified = true
		}
	}
	if !verified {
		return nil, fmt.Errorf("%w: not signed by %s", ErrCheckpoint, verifier.Name())
	}
	c, err := parseBody(n.Text, origin)
	if err != nil {
		return nil, err
	}
	c.Signed = bytes.Clone(b)
	return c, nil
}

func parseBody(text, origin string) (*Checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("%w: body does not end in a newline", ErrCheckpoint)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("%w: body has %d lines, want at least 3", ErrCheckpoint, len(lines))
	}
	if err := ValidOrigin(lines[0]); err != nil {
		return nil, err
	}
	if lines[0] != origin {
		return nil, fmt.Errorf("%w: origin %q, want %q", ErrCheckpoint, lines[0], origin)
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return nil, err
	}
	hash, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(hash) != tlog.HashSize || base64.StdEncoding.EncodeToString(hash) != lines[2] {
		return nil, fmt.Errorf("%w: malformed root hash %q", ErrCheckpoint, lines[2])
	}
	c := &Checkpoint{Origin: lines[0], Tree: tlog.Tree{N: size}}
	copy(c.Tree.Hash[:], hash)
	for _, ext := range lines[3:] {
		if ext == "" {
			return nil, fmt.Errorf("%w: empty extension line", ErrCheckpoint)
		}
		c.Extensions = append(c.Extensions, ext)
	}
	return c, nil
}

func parseSize(s string) (int64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: malformed tree size %q", ErrCheckpoint, s)
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: malformed tree size %q", ErrCheckpoint, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: tree size %q out of range", ErrCheckpoint, s)
	}
	return n, nil
}

// BoardVerifierKey returns the signed-note verifier key string
// ("<name>+<key hash>+<base64(0x01 ‖ public key)>") of an Ed25519 board key.
func BoardVerifierKey(name string, pub ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(name, pub)
}

// NewBoardVerifier returns the signed-note verifier of an Ed25519 board key.
func NewBoardVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := BoardVerifierKey(name, pub)
	if err != nil {
		return nil, err
	}
	return note.NewVerifier(vkey)
}

// NewBoardSigner returns a signed-note signer for the Ed25519 board key
// priv under name. Its key is the same as that of the signer note.NewSigner
// makes from the equivalent note.GenerateKey private key string, and the
// signer verifies with [NewBoardVerifier](name, priv.Public()).
func NewBoardSigner(name string, priv ed25519.PrivateKey) (note.Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("bulletin: board key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	vkey, err := BoardVerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	// vkey is name+hash+key (names have no '+'; base64 keys may); the
	// private key string is PRIVATE+KEY+name+hash+base64(0x01 ‖ seed).
	keyName, rest, _ := strings.Cut(vkey, "+")
	hash, _, _ := strings.Cut(rest, "+")
	skey := "PRIVATE+KEY+" + keyName + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...))
	return note.NewSigner(skey)
}
