package mixnet_test

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/zkp"
)

// A mixer shuffles three ballots, proves the shuffle and publishes the
// output with the proof; anyone can check it.
func ExampleShuffle() {
	key, _ := elgamal.GenerateKey(rand.Reader) // in an election: a threshold key
	pk := key.PublicKey()
	var in []elgamal.CiphertextVector
	for _, vote := range []string{"alice", "bob", "carol"} {
		m, _ := elgamal.EncodeData([]byte(vote))
		v, _, _ := pk.EncryptVector([]*elgamal.Element{m}, rand.Reader)
		in = append(in, v)
	}

	// The mixer at position 1 of the chain.
	election := sha256.Sum256([]byte("election manifest and keys"))
	ctx := &zkp.Context{Election: election[:], Prover: 1, Binding: []byte("mixer 1 public key")}
	out, witness, err := mixnet.Shuffle(pk, in, rand.Reader, nil)
	if err != nil {
		panic(err)
	}
	st := &mixnet.Statement{Context: ctx, PublicKey: pk, Input: in, Output: out}
	proof, err := mixnet.Prove(st, witness, rand.Reader, nil)
	if err != nil {
		panic(err)
	}
	witness.Erase()
	published := proof.Bytes()
	fmt.Println("proof size:", len(published), "bytes")

	// A verifier parses the published proof and checks it.
	p, err := mixnet.ParseProof(published, len(in), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("verify:", mixnet.Verify(st, p, nil))

	// The same ballots come out, in an order nobody can link to the input.
	var votes []string
	for _, v := range out {
		d, _ := elgamal.DecodeData(key.Decrypt(&v[0]))
		votes = append(votes, string(d))
	}
	slices.Sort(votes)
	fmt.Println(votes)

	// Under another chain position the proof does not verify.
	ctx2 := *ctx
	ctx2.Prover = 2
	st.Context = &ctx2
	fmt.Println("replayed:", mixnet.Verify(st, p, nil) != nil)
	// Output:
	// proof size: 768 bytes
	// verify: <nil>
	// [alice bob carol]
	// replayed: true
}
