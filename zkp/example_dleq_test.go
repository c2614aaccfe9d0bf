package zkp_test

import (
	"crypto/rand"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

func ExampleProveDecryptionShare() {
	// A single trustee holds the whole key here; in a threshold election
	// each trustee proves its own share against its verification key.
	key, _ := elgamal.GenerateKey(rand.Reader)
	pk := key.PublicKey()
	m := elgamal.HashToElement("example", []byte("yes"))
	c, _, _ := pk.Encrypt(m, rand.Reader)

	ctx := &zkp.Context{Election: []byte("election hash"), Prover: 1}
	share, proof, err := zkp.ProveDecryptionShare(ctx, key.Scalar(), c, rand.Reader)
	if err != nil {
		panic(err)
	}

	// The verifier receives the share and the proof's bytes.
	p, err := zkp.ParseDLEQProof(proof.Bytes())
	if err != nil {
		panic(err)
	}
	if err := zkp.VerifyDecryptionShare(ctx, pk.Element(), c, share, p); err != nil {
		fmt.Println(err)
	} else {
		fmt.Println("share valid")
	}
	fmt.Println("β − share is the plaintext:", new(elgamal.Element).Subtract(&c.Beta, share).Equal(m) == 1)

	// The proof is bound to the trustee's index.
	other := &zkp.Context{Election: ctx.Election, Prover: 2}
	fmt.Println(zkp.VerifyDecryptionShare(other, pk.Element(), c, share, p))
	// Output:
	// share valid
	// β − share is the plaintext: true
	// zkp: decryption share: proof does not verify: verification equation failed
}

func ExampleProveRandomness() {
	key, _ := elgamal.GenerateKey(rand.Reader)
	pk := key.PublicKey()
	choices := []*elgamal.Element{
		new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(1)),
		new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(0)),
	}
	ballot, rs, _ := pk.EncryptVector(choices, rand.Reader)

	// The proof is bound to the voter's credential.
	alice := &zkp.Context{Election: []byte("election hash"), Binding: []byte("credential of alice")}
	proof, err := zkp.ProveRandomness(alice, pk, ballot, rs, rand.Reader)
	if err != nil {
		panic(err)
	}
	p, err := zkp.ParseRandomnessProof(proof.Bytes(), len(ballot))
	if err != nil {
		panic(err)
	}
	if err := zkp.VerifyRandomness(alice, pk, ballot, p); err == nil {
		fmt.Println("alice's ballot valid")
	}

	// Mallory copies Alice's ballot, as is or re-randomised, to vote the
	// same way under her own credential: both are rejected.
	mallory := &zkp.Context{Election: alice.Election, Binding: []byte("credential of mallory")}
	fmt.Println("copy:", zkp.VerifyRandomness(mallory, pk, ballot, p))
	rerandomised, _, _ := pk.ReEncryptVector(ballot, rand.Reader)
	fmt.Println("re-randomised copy:", zkp.VerifyRandomness(mallory, pk, rerandomised, p))
	// Output:
	// alice's ballot valid
	// copy: zkp: randomness proof: proof does not verify: verification equation failed
	// re-randomised copy: zkp: randomness proof: proof does not verify: verification equation failed
}
