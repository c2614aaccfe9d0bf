package zkp_test

import (
	"crypto/rand"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

func ExampleProveSchnorr() {
	// A DKG dealer proves it knows the secret behind its constant-term
	// commitment, bound to its index and the election.
	ctx := &zkp.Context{Election: []byte("election context hash"), Prover: 1}
	x, _ := elgamal.RandomScalar(rand.Reader)
	y := new(elgamal.Element).ScalarBaseMult(x)
	proof, err := zkp.ProveSchnorr(ctx, x, rand.Reader)
	if err != nil {
		panic(err)
	}
	fmt.Println(zkp.VerifySchnorr(ctx, y, proof))

	// The same proof does not verify for another dealer.
	other := &zkp.Context{Election: ctx.Election, Prover: 2}
	fmt.Println(zkp.VerifySchnorr(other, y, proof))
	// Output:
	// <nil>
	// zkp: schnorr proof: proof does not verify: verification equation failed
}
