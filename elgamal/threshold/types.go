package threshold

import (
	"crypto/ecdh"
	"crypto/ed25519"

	"github.com/urnavote/urna/elgamal"
)

// Identity is a trustee's secret identity: the private halves of its
// PublicIdentity. Store it with WriteSecretFile.
type Identity struct {
	Name         string
	SigningKey   ed25519.PrivateKey
	TransportKey *ecdh.PrivateKey
}

// Public returns the identity to put into a Setup.
func (id *Identity) Public() PublicIdentity {
	return PublicIdentity{
		Name:         id.Name,
		SigningKey:   id.SigningKey.Public().(ed25519.PublicKey),
		TransportKey: id.TransportKey.PublicKey(),
	}
}

// Result is the public outcome of a ceremony, which anyone can compute
// from the setup and the entries with VerifyCeremony.
type Result struct {
	// PublicKey is the election key H = Σ_{i∈Q} C_i,0.
	PublicKey *elgamal.PublicKey
	// VerificationKeys[j-1] is trustee j's VK_j = x_j·G, recomputed from
	// the qualified dealers' commitments.
	VerificationKeys []*elgamal.Element
	// Qualified lists the qualified dealers in ascending order.
	Qualified []uint32
	// Disqualified maps each trustee that is not a qualified dealer to the
	// reason, such as "no commitment entry" or "did not answer the
	// complaint of trustee 3".
	Disqualified map[uint32]string
}

// KeyShare is trustee Index's secret share x_j of the election key, the
// output of a successful ceremony. Store it with WriteSecretFile.
type KeyShare struct {
	Ceremony [32]byte
	Index    uint32
	X        elgamal.Scalar
}
