package vectors

import (
	"crypto/ed25519"
	"errors"
)

// ErrSignature is the error of an ed25519/verify case whose signature
// crypto/ed25519.Verify rejects.
var ErrSignature = errors.New("vectors: the Ed25519 signature does not verify")

// checkEd25519Verify runs crypto/ed25519.Verify, the verifier of every
// urna signature (spec/notation.md §Ed25519 signatures).
func checkEd25519Verify(c *Case) (map[string]string, error) {
	pub, msg, sig := in(c, "public_key"), in(c, "message"), in(c, "signature")
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("vectors: public_key is not 32 bytes")
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		return nil, ErrSignature
	}
	return nil, nil
}
