package vectors

import (
	"errors"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/zkp"
)

// Checkers of the mixnet (spec/mixnet.md): the Terelius–Wikström proof of
// shuffle of a list of ciphertext vectors.

func init() {
	checkers["mixnet/shuffle"] = checkShuffle
}

// ciphertextList decodes the named input as a list of vectors of the
// given width, 64 bytes per ciphertext, vector after vector.
func ciphertextList(c *Case, name string, width int) ([]elgamal.CiphertextVector, error) {
	b := in(c, name)
	vs := width * elgamal.CiphertextSize
	if width < 1 || len(b) == 0 || len(b)%vs != 0 {
		return nil, fmt.Errorf("%s: %w: %d bytes is not a list of vectors of %d ciphertexts", name, elgamal.ErrLength, len(b), width)
	}
	list, err := mixnet.ParseList(b, len(b)/vs, width)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return list, nil
}

// checkShuffle verifies a proof of shuffle of input into output, with
// ProofSize(N, width) for the N vectors of the input, and returns the
// generators the verifier derived: h ‖ h_1 ‖ … ‖ h_N.
func checkShuffle(c *Case) (map[string]string, error) {
	pk, err := publicKey(c, "public_key")
	if err != nil {
		return nil, err
	}
	width := int(inUint(c, "width"))
	input, err := ciphertextList(c, "input", width)
	if err != nil {
		return nil, err
	}
	output, err := ciphertextList(c, "output", width)
	if err != nil {
		return nil, err
	}
	p, err := mixnet.ParseProof(in(c, "proof"), len(input), width)
	if err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	ctx := ctxOf(c)
	st := &mixnet.Statement{Context: ctx, PublicKey: pk, Input: input, Output: output}
	if err := mixnet.Verify(st, p, nil); err != nil {
		// A failed check of the proof is a proof error, unless it names a
		// more precise class (a length, say).
		var ve *mixnet.VerifyError
		if errors.As(err, &ve) && Classify(err) == ErrClassOther {
			return nil, fmt.Errorf("%w: %w", zkp.ErrInvalidProof, err)
		}
		return nil, err
	}
	h, hs, err := mixnet.Generators(ctx.Election, len(input))
	if err != nil {
		return nil, err
	}
	gens := h.Bytes()
	for _, g := range hs {
		gens = append(gens, g.Bytes()...)
	}
	return map[string]string{"generators": hx(gens)}, nil
}
