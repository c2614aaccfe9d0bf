package threshold

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"strings"

	"filippo.io/age"
)

// LabelCustody is the HKDF info of a trustee's custody key
// (spec/threshold.md §6).
const LabelCustody = "urna/v1/trustee/custody"

// custodyScalar derives the trustee's custody key from its identity's
// Ed25519 seed, so that the identity file's passphrase is the only one a
// trustee needs: the round state and the key share are encrypted to it.
func (id *Identity) custodyScalar() ([]byte, error) {
	return hkdf.Key(sha256.New, id.SigningKey.Seed(), nil, LabelCustody, 32)
}

// CustodyIdentity returns the age X25519 identity that decrypts the
// trustee's round state and key share (spec/threshold.md §6).
func (id *Identity) CustodyIdentity() (*age.X25519Identity, error) {
	k, err := id.custodyScalar()
	if err != nil {
		return nil, err
	}
	defer clear(k)
	s, err := bech32Encode("age-secret-key-", k)
	if err != nil {
		return nil, err
	}
	return age.ParseX25519Identity(strings.ToUpper(s))
}

// CustodyRecipient returns the age recipient that encrypts to the
// trustee's custody key.
func (id *Identity) CustodyRecipient() (age.Recipient, error) {
	ci, err := id.CustodyIdentity()
	if err != nil {
		return nil, err
	}
	return ci.Recipient(), nil
}

// bech32Encode encodes data in Bech32 (BIP 173), as age writes its keys.
func bech32Encode(hrp string, data []byte) (string, error) {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	// Regroup the 8-bit bytes into 5-bit values, padding the last.
	var values []byte
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			values = append(values, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		values = append(values, byte(acc<<(5-bits)&31))
	}
	var expanded []byte
	for _, c := range hrp {
		if c < 33 || c > 126 {
			return "", fmt.Errorf("threshold: bech32: invalid character in %q", hrp)
		}
		expanded = append(expanded, byte(c>>5))
	}
	expanded = append(expanded, 0)
	for _, c := range hrp {
		expanded = append(expanded, byte(c&31))
	}
	pm := bech32Polymod(append(append(expanded, values...), 0, 0, 0, 0, 0, 0)) ^ 1
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range values {
		b.WriteByte(charset[v])
	}
	for i := range 6 {
		b.WriteByte(charset[pm>>(5*(5-i))&31])
	}
	return b.String(), nil
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}
