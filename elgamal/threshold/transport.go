package threshold

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/urnavote/urna/elgamal"
)

// Share transport (spec/threshold.md §4) is HPKE (RFC 9180) in base mode
// with the suite DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// ChaCha20-Poly1305, used single-shot: one message, sequence number 0,
// empty associated data.
//
// The sender is implemented here rather than with crypto/hpke because the
// ephemeral key must come from the caller's randomness (so that seeded test
// runs are reproducible); crypto/hpke always draws it from the system. The
// receiver shares the same code. Both are checked against the RFC 9180
// test vectors and against crypto/hpke in transport_test.go.

// ErrShareDecrypt means an encrypted share did not decrypt: it was
// tampered with, was sealed for another ceremony, dealer, recipient or key,
// or its encapsulated key is invalid. It is grounds for a complaint with
// reason ReasonDecrypt.
var ErrShareDecrypt = errors.New("share does not decrypt")

const shareInfoDomain = "urna/v1/dkg/share"

// HPKE algorithm identifiers and sizes (RFC 9180 §7).
const (
	hpkeKEMX25519        = 0x0020
	hpkeKDFHKDFSHA256    = 0x0001
	hpkeAEADChaCha20     = 0x0003
	hpkeModeBase         = 0x00
	hpkeNsecret          = 32 // Nsecret of DHKEM(X25519, HKDF-SHA256)
	hpkeNenc             = 32 // Nenc, also Npk and Nsk
	hpkeNh               = sha256.Size
	hpkeNk               = chacha20poly1305.KeySize
	hpkeNn               = chacha20poly1305.NonceSize
	hpkeNt               = chacha20poly1305.Overhead
	hpkeSealedShareCTLen = elgamal.ScalarSize + hpkeNt
)

// The encrypted share layout must match EncryptedShareSize.
var _ [EncryptedShareSize - hpkeNenc - hpkeSealedShareCTLen]struct{}
var _ [hpkeNenc + hpkeSealedShareCTLen - EncryptedShareSize]struct{}

var (
	// suite_id of the KEM: "KEM" ‖ I2OSP(kem_id, 2).
	hpkeKEMSuite = []byte{'K', 'E', 'M', 0x00, 0x20}
	// suite_id of the HPKE ciphersuite:
	// "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2).
	hpkeSuite = []byte{'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x03}
)

// hpkeLabeledExtract is LabeledExtract(salt, label, ikm) of RFC 9180 §4.
func hpkeLabeledExtract(suite []byte, salt []byte, label string, ikm []byte) []byte {
	in := make([]byte, 0, 7+len(suite)+len(label)+len(ikm))
	in = append(in, "HPKE-v1"...)
	in = append(in, suite...)
	in = append(in, label...)
	in = append(in, ikm...)
	prk, err := hkdf.Extract(sha256.New, in, salt)
	if err != nil {
		panic("threshold: HKDF-Extract: " + err.Error()) // unreachable
	}
	return prk
}

// hpkeLabeledExpand is LabeledExpand(prk, label, info, L) of RFC 9180 §4.
func hpkeLabeledExpand(suite []byte, prk []byte, label string, info []byte, length int) []byte {
	in := make([]byte, 0, 2+7+len(suite)+len(label)+len(info))
	in = binary.BigEndian.AppendUint16(in, uint16(length))
	in = append(in, "HPKE-v1"...)
	in = append(in, suite...)
	in = append(in, label...)
	in = append(in, info...)
	out, err := hkdf.Expand(sha256.New, prk, string(in), length)
	if err != nil {
		panic("threshold: HKDF-Expand: " + err.Error()) // unreachable: length ≤ 255·Nh
	}
	return out
}

// hpkeDeriveKeyPair is DeriveKeyPair(ikm) of DHKEM(X25519, HKDF-SHA256),
// RFC 9180 §7.1.3.
func hpkeDeriveKeyPair(ikm []byte) (*ecdh.PrivateKey, error) {
	prk := hpkeLabeledExtract(hpkeKEMSuite, nil, "dkp_prk", ikm)
	sk := hpkeLabeledExpand(hpkeKEMSuite, prk, "sk", nil, hpkeNenc)
	return ecdh.X25519().NewPrivateKey(sk)
}

// hpkeExtractAndExpand is the KEM's ExtractAndExpand(dh, kem_context),
// RFC 9180 §4.1.
func hpkeExtractAndExpand(dh, enc, pkR []byte) []byte {
	kemContext := make([]byte, 0, len(enc)+len(pkR))
	kemContext = append(append(kemContext, enc...), pkR...)
	prk := hpkeLabeledExtract(hpkeKEMSuite, nil, "eae_prk", dh)
	return hpkeLabeledExpand(hpkeKEMSuite, prk, "shared_secret", kemContext, hpkeNsecret)
}

// hpkeEncap is Encap(pkR) with the ephemeral key skE given by the caller
// (RFC 9180 §4.1). It returns the shared secret and enc.
func hpkeEncap(pkR *ecdh.PublicKey, skE *ecdh.PrivateKey) (sharedSecret, enc []byte, err error) {
	dh, err := skE.ECDH(pkR)
	if err != nil {
		// pkR is a low-order point: the DH output is all zero.
		return nil, nil, fmt.Errorf("recipient transport key: %w", err)
	}
	enc = skE.PublicKey().Bytes()
	return hpkeExtractAndExpand(dh, enc, pkR.Bytes()), enc, nil
}

// hpkeDecap is Decap(enc, skR) (RFC 9180 §4.1).
func hpkeDecap(enc []byte, skR *ecdh.PrivateKey) ([]byte, error) {
	pkE, err := ecdh.X25519().NewPublicKey(enc)
	if err != nil {
		return nil, err
	}
	dh, err := skR.ECDH(pkE)
	if err != nil {
		return nil, err
	}
	return hpkeExtractAndExpand(dh, enc, skR.PublicKey().Bytes()), nil
}

// hpkeKeyScheduleBase is KeySchedule(mode_base, shared_secret, info,
// default_psk, default_psk_id) of RFC 9180 §5.1, reduced to what a
// single-shot context needs: the AEAD key and the base nonce, which is the
// nonce of sequence number 0.
func hpkeKeyScheduleBase(sharedSecret, info []byte) (key, baseNonce []byte) {
	pskIDHash := hpkeLabeledExtract(hpkeSuite, nil, "psk_id_hash", nil)
	infoHash := hpkeLabeledExtract(hpkeSuite, nil, "info_hash", info)
	ksc := make([]byte, 0, 1+2*hpkeNh)
	ksc = append(ksc, hpkeModeBase)
	ksc = append(ksc, pskIDHash...)
	ksc = append(ksc, infoHash...)
	secret := hpkeLabeledExtract(hpkeSuite, sharedSecret, "secret", nil)
	key = hpkeLabeledExpand(hpkeSuite, secret, "key", ksc, hpkeNk)
	baseNonce = hpkeLabeledExpand(hpkeSuite, secret, "base_nonce", ksc, hpkeNn)
	return key, baseNonce
}

// hpkeSealBase encrypts one message to pkR in base mode with the ephemeral
// key skE, returning enc ‖ ciphertext.
func hpkeSealBase(pkR *ecdh.PublicKey, skE *ecdh.PrivateKey, info, aad, pt []byte) ([]byte, error) {
	ss, enc, err := hpkeEncap(pkR, skE)
	if err != nil {
		return nil, err
	}
	key, nonce := hpkeKeyScheduleBase(ss, info)
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err // unreachable: the key has the right size
	}
	out := make([]byte, 0, len(enc)+len(pt)+hpkeNt)
	out = append(out, enc...)
	return aead.Seal(out, nonce, pt, aad), nil
}

// hpkeOpenBase decrypts enc ‖ ciphertext, the output of hpkeSealBase. Its
// errors say which step failed; OpenShare wraps them in ErrShareDecrypt.
func hpkeOpenBase(skR *ecdh.PrivateKey, info, aad, sealed []byte) ([]byte, error) {
	if len(sealed) < hpkeNenc+hpkeNt {
		return nil, errors.New("hpke: ciphertext too short")
	}
	ss, err := hpkeDecap(sealed[:hpkeNenc], skR)
	if err != nil {
		return nil, fmt.Errorf("hpke: encapsulated key: %w", err)
	}
	key, nonce := hpkeKeyScheduleBase(ss, info)
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err // unreachable
	}
	pt, err := aead.Open(nil, nonce, sealed[hpkeNenc:], aad)
	if err != nil {
		return nil, errors.New("hpke: message authentication failed")
	}
	return pt, nil
}

// shareInfo returns the HPKE info string of spec/threshold.md §4:
// "urna/v1/dkg/share" ‖ ceremony hash ‖ u32 dealer ‖ u32 recipient.
func shareInfo(ceremony [32]byte, dealer, recipient uint32) []byte {
	b := make([]byte, 0, len(shareInfoDomain)+32+4+4)
	b = append(b, shareInfoDomain...)
	b = append(b, ceremony[:]...)
	b = binary.BigEndian.AppendUint32(b, dealer)
	return binary.BigEndian.AppendUint32(b, recipient)
}

// SealShare encrypts the share s_dealer(recipientIndex) to the recipient's
// X25519 transport key for the ceremony with the given hash
// (spec/threshold.md §4). It reads 32 bytes from rand as the input keying
// material of the ephemeral key pair (DeriveKeyPair, RFC 9180 §7.1.3), so a
// seeded rand gives a reproducible result; pass crypto/rand.Reader outside
// of tests.
func SealShare(rand io.Reader, recipient *ecdh.PublicKey, ceremony [32]byte, dealer, recipientIndex uint32, share *elgamal.Scalar) ([EncryptedShareSize]byte, error) {
	var out [EncryptedShareSize]byte
	if recipient == nil || recipient.Curve() != ecdh.X25519() {
		return out, fmt.Errorf("sealing share for trustee %d: recipient transport key is not an X25519 key", recipientIndex)
	}
	if share == nil {
		return out, fmt.Errorf("sealing share for trustee %d: nil share", recipientIndex)
	}
	var ikm [hpkeNenc]byte
	if _, err := io.ReadFull(rand, ikm[:]); err != nil {
		return out, fmt.Errorf("sealing share for trustee %d: reading randomness: %w", recipientIndex, err)
	}
	skE, err := hpkeDeriveKeyPair(ikm[:])
	clear(ikm[:])
	if err != nil {
		return out, fmt.Errorf("sealing share for trustee %d: %w", recipientIndex, err)
	}
	pt := share.Bytes()
	sealed, err := hpkeSealBase(recipient, skE, shareInfo(ceremony, dealer, recipientIndex), nil, pt)
	clear(pt)
	if err != nil {
		return out, fmt.Errorf("sealing share for trustee %d: %w", recipientIndex, err)
	}
	copy(out[:], sealed)
	return out, nil
}

// OpenShare decrypts the share that dealer sealed for trustee
// recipientIndex in the ceremony with the given hash, using that trustee's
// X25519 transport key. It returns an error wrapping ErrShareDecrypt if the
// share does not authenticate (wrong key, ceremony, dealer or recipient
// index, or tampering), and one wrapping elgamal.ErrNonCanonical if it
// authenticates but is not a canonical scalar. Both are grounds for a
// complaint with reason ReasonDecrypt.
func OpenShare(key *ecdh.PrivateKey, ceremony [32]byte, dealer, recipientIndex uint32, sealed *[EncryptedShareSize]byte) (*elgamal.Scalar, error) {
	if key == nil || key.Curve() != ecdh.X25519() {
		return nil, fmt.Errorf("opening share from dealer %d: transport key is not an X25519 key", dealer)
	}
	if sealed == nil {
		return nil, fmt.Errorf("%w: share from dealer %d to trustee %d: missing", ErrShareDecrypt, dealer, recipientIndex)
	}
	pt, err := hpkeOpenBase(key, shareInfo(ceremony, dealer, recipientIndex), nil, sealed[:])
	if err != nil {
		return nil, fmt.Errorf("%w: share from dealer %d to trustee %d: %v", ErrShareDecrypt, dealer, recipientIndex, err)
	}
	defer clear(pt)
	s, err := new(elgamal.Scalar).SetCanonicalBytes(pt)
	if err != nil {
		return nil, fmt.Errorf("share from dealer %d to trustee %d: %w", dealer, recipientIndex, err)
	}
	return s, nil
}
