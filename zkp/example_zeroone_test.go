package zkp_test

import (
	"crypto/rand"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// A voter encrypts one selection and proves it is 0 or 1; anyone can check
// the proof without learning the selection.
func ExampleEncryptZeroOne() {
	key, err := elgamal.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	pk := key.PublicKey()
	ctx := &zkp.Context{Election: []byte("election hash"), Binding: []byte("voter credential")}

	c, _, proof, err := zkp.EncryptZeroOne(ctx, pk, 1, rand.Reader)
	if err != nil {
		panic(err)
	}
	fmt.Println("proof bytes:", len(proof.Bytes()))
	fmt.Println("valid:", zkp.VerifyZeroOne(ctx, pk, c, proof) == nil)

	other := &zkp.Context{Election: []byte("election hash"), Binding: []byte("another voter")}
	fmt.Println("valid for another voter:", zkp.VerifyZeroOne(other, pk, c, proof) == nil)

	_, _, _, err = zkp.EncryptZeroOne(ctx, pk, 2, rand.Reader)
	fmt.Println(err)
	// Output:
	// proof bytes: 224
	// valid: true
	// valid for another voter: false
	// zkp: zero-one proof: value out of range: plaintext is not 0 or 1
}

// A voter proves that the sum of the selections of a contest is within the
// contest's limits: here between 1 and 3 selections out of 5.
func ExampleProveRange() {
	key, err := elgamal.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	pk := key.PublicKey()
	ctx := &zkp.Context{Election: []byte("election hash"), Binding: []byte("voter credential")}

	sum := elgamal.NewCiphertext()
	rsum := elgamal.NewScalar()
	for _, m := range []uint64{1, 0, 1, 0, 0} {
		c, r, proof, err := zkp.EncryptZeroOne(ctx, pk, m, rand.Reader)
		if err != nil {
			panic(err)
		}
		if zkp.VerifyZeroOne(ctx, pk, c, proof) != nil {
			panic("invalid selection proof")
		}
		sum.Add(sum, c)
		rsum.Add(rsum, r)
	}

	proof, err := zkp.ProveRange(ctx, pk, sum, 2, rsum, 1, 3, rand.Reader)
	if err != nil {
		panic(err)
	}
	enc := proof.Bytes()
	fmt.Println("proof bytes:", len(enc), zkp.RangeProofSize(1, 3))

	parsed, err := zkp.ParseRangeProof(enc, 1, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println("valid:", zkp.VerifyRange(ctx, pk, sum, 1, 3, parsed) == nil)
	fmt.Println("valid for [3, 5]:", zkp.VerifyRange(ctx, pk, sum, 3, 5, parsed) == nil)
	// Output:
	// proof bytes: 576 576
	// valid: true
	// valid for [3, 5]: false
}
