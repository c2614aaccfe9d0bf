package vectors

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// A checker runs one case through the library and returns its outputs in
// hex, or the library's error.
type checker func(c *Case) (map[string]string, error)

var checkers = map[string]checker{
	"ristretto255/decode":          checkDecode,
	"ristretto255/from-uniform":    checkFromUniform,
	"ristretto255/hash-to-element": checkHashToElement,
	"ristretto255/hash-to-scalar":  checkHashToScalar,
	"scalar/decode":                checkScalarDecode,
	"elgamal/encrypt":              checkEncrypt,
	"elgamal/encrypt-int":          checkEncryptInt,
	"elgamal/reencrypt":            checkReEncrypt,
	"elgamal/decrypt":              checkDecrypt,
	"elgamal/ciphertext-decode":    checkCiphertextDecode,
	"elgamal/public-key-decode":    checkPublicKeyDecode,
	"elgamal/data":                 checkData,
	"zkp/schnorr":                  checkSchnorr,
	"zkp/dleq":                     checkDLEQ,
	"zkp/decryption-share":         checkDecryptionShare,
	"zkp/reencryption":             checkReEncryption,
	"zkp/zero-one":                 checkZeroOne,
	"zkp/range":                    checkRange,
	"zkp/randomness":               checkRandomness,
	"ed25519/verify":               checkEd25519Verify,
}

// in returns the decoded hex input name, or panics: a malformed vector
// file is a bug in the file, not a case outcome.
func in(c *Case, name string) []byte {
	s, ok := c.Inputs[name]
	if !ok {
		panic(fmt.Sprintf("vector %s: missing input %q", c.Type, name))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("vector %s: input %q: %v", c.Type, name, err))
	}
	return b
}

func inUint(c *Case, name string) uint64 {
	v, err := strconv.ParseUint(c.Inputs[name], 10, 64)
	if err != nil {
		panic(fmt.Sprintf("vector %s: input %q: %v", c.Type, name, err))
	}
	return v
}

func ctxOf(c *Case) *zkp.Context {
	if c.Context == nil {
		panic(fmt.Sprintf("vector %s: missing context", c.Type))
	}
	e, err1 := hex.DecodeString(c.Context.Election)
	b, err2 := hex.DecodeString(c.Context.Binding)
	if err1 != nil || err2 != nil {
		panic(fmt.Sprintf("vector %s: bad context", c.Type))
	}
	return &zkp.Context{Election: e, Prover: c.Context.Prover, Binding: b}
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func element(c *Case, name string) (*elgamal.Element, error) {
	e, err := new(elgamal.Element).SetCanonicalBytes(in(c, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return e, nil
}

func scalar(c *Case, name string) (*elgamal.Scalar, error) {
	s, err := new(elgamal.Scalar).SetCanonicalBytes(in(c, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

func ciphertext(c *Case, name string) (*elgamal.Ciphertext, error) {
	ct, err := new(elgamal.Ciphertext).SetCanonicalBytes(in(c, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ct, nil
}

func publicKey(c *Case, name string) (*elgamal.PublicKey, error) {
	pk, err := elgamal.ParsePublicKey(in(c, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return pk, nil
}

func checkDecode(c *Case) (map[string]string, error) {
	e, err := element(c, "encoding")
	if err != nil {
		return nil, err
	}
	return map[string]string{"reencoding": hx(e.Bytes())}, nil
}

func checkFromUniform(c *Case) (map[string]string, error) {
	e, err := new(elgamal.Element).SetUniformBytes(in(c, "uniform"))
	if err != nil {
		return nil, err
	}
	return map[string]string{"element": hx(e.Bytes())}, nil
}

func checkHashToElement(c *Case) (map[string]string, error) {
	e := elgamal.HashToElement(c.Inputs["dst"], in(c, "msg"))
	return map[string]string{"element": hx(e.Bytes())}, nil
}

func checkHashToScalar(c *Case) (map[string]string, error) {
	s := elgamal.HashToScalar(c.Inputs["dst"], in(c, "msg"))
	return map[string]string{"scalar": hx(s.Bytes())}, nil
}

func checkScalarDecode(c *Case) (map[string]string, error) {
	s, err := scalar(c, "encoding")
	if err != nil {
		return nil, err
	}
	return map[string]string{"reencoding": hx(s.Bytes())}, nil
}

func checkEncrypt(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	m, err := element(c, "message")
	if err != nil {
		return nil, err
	}
	r, err := scalar(c, "randomness")
	if err != nil {
		return nil, err
	}
	return map[string]string{"ciphertext": hx(pk.EncryptWithNonce(m, r).Bytes())}, nil
}

func checkEncryptInt(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	r, err := scalar(c, "randomness")
	if err != nil {
		return nil, err
	}
	return map[string]string{"ciphertext": hx(pk.EncryptIntWithNonce(inUint(c, "m"), r).Bytes())}, nil
}

func checkReEncrypt(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	ct, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	r, err := scalar(c, "randomness")
	if err != nil {
		return nil, err
	}
	return map[string]string{"ciphertext": hx(pk.ReEncryptWithNonce(ct, r).Bytes())}, nil
}

func checkDecrypt(c *Case) (map[string]string, error) {
	x, err := scalar(c, "private_key")
	if err != nil {
		return nil, err
	}
	k, err := elgamal.NewPrivateKey(x)
	if err != nil {
		return nil, err
	}
	ct, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"public_key": hx(k.PublicKey().Bytes()),
		"message":    hx(k.Decrypt(ct).Bytes()),
	}, nil
}

func checkCiphertextDecode(c *Case) (map[string]string, error) {
	ct, err := ciphertext(c, "encoding")
	if err != nil {
		return nil, err
	}
	return map[string]string{"reencoding": hx(ct.Bytes())}, nil
}

func checkPublicKeyDecode(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "encoding")
	if err != nil {
		return nil, err
	}
	return map[string]string{"reencoding": hx(pk.Bytes())}, nil
}

func checkData(c *Case) (map[string]string, error) {
	e, err := elgamal.EncodeData(in(c, "data"))
	if err != nil {
		return nil, err
	}
	back, err := elgamal.DecodeData(e)
	if err != nil {
		return nil, err
	}
	return map[string]string{"element": hx(e.Bytes()), "decoded": hx(back)}, nil
}

func checkSchnorr(c *Case) (map[string]string, error) {
	y, err := element(c, "Y")
	if err != nil {
		return nil, err
	}
	p, err := zkp.ParseSchnorrProof(in(c, "proof"))
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifySchnorr(ctxOf(c), y, p)
}

// elements decodes the named elements in order, stopping at the first error.
func elements(c *Case, names ...string) ([]*elgamal.Element, error) {
	out := make([]*elgamal.Element, len(names))
	for i, n := range names {
		e, err := element(c, n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func checkDLEQ(c *Case) (map[string]string, error) {
	es, err := elements(c, "G1", "Y1", "G2", "Y2")
	if err != nil {
		return nil, err
	}
	p, err := zkp.ParseDLEQProof(in(c, "proof"))
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyDLEQ(ctxOf(c), es[0], es[1], es[2], es[3], p)
}

func checkDecryptionShare(c *Case) (map[string]string, error) {
	es, err := elements(c, "vk", "share")
	if err != nil {
		return nil, err
	}
	ct, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	p, err := zkp.ParseDLEQProof(in(c, "proof"))
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyDecryptionShare(ctxOf(c), es[0], ct, es[1], p)
}

func checkReEncryption(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	c1, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	c2, err := ciphertext(c, "reencrypted")
	if err != nil {
		return nil, err
	}
	p, err := zkp.ParseDLEQProof(in(c, "proof"))
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyReEncryption(ctxOf(c), pk, c1, c2, p)
}

func checkZeroOne(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	ct, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	p, err := zkp.ParseZeroOneProof(in(c, "proof"))
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyZeroOne(ctxOf(c), pk, ct, p)
}

func checkRange(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	ct, err := ciphertext(c, "ciphertext")
	if err != nil {
		return nil, err
	}
	min, max := inUint(c, "min"), inUint(c, "max")
	p, err := zkp.ParseRangeProof(in(c, "proof"), min, max)
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyRange(ctxOf(c), pk, ct, min, max, p)
}

func checkRandomness(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	width := int(inUint(c, "width"))
	v, err := elgamal.ParseCiphertextVector(in(c, "vector"), width)
	if err != nil {
		return nil, fmt.Errorf("vector: %w", err)
	}
	p, err := zkp.ParseRandomnessProof(in(c, "proof"), width)
	if err != nil {
		return nil, err
	}
	return nil, zkp.VerifyRandomness(ctxOf(c), pk, v, p)
}
