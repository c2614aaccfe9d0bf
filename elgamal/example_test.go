package elgamal_test

import (
	"crypto/rand"
	"fmt"

	"github.com/urnavote/urna/elgamal"
)

func Example() {
	key, err := elgamal.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	pk := key.PublicKey()

	// Three ballots, each a 0/1 selection, added up under encryption.
	tally := elgamal.NewCiphertext()
	for _, vote := range []uint64{1, 0, 1} {
		c, _, err := pk.EncryptInt(vote, rand.Reader)
		if err != nil {
			panic(err)
		}
		tally.Add(tally, c)
	}

	table, err := elgamal.NewDLogTable(1000)
	if err != nil {
		panic(err)
	}
	n, err := table.Lookup(key.Decrypt(tally))
	if err != nil {
		panic(err)
	}
	fmt.Println("yes votes:", n)
	// Output: yes votes: 2
}

func ExampleEncodeData() {
	key, _ := elgamal.GenerateKey(rand.Reader)
	m, err := elgamal.EncodeData([]byte("write-in: Ada Lovelace"))
	if err != nil {
		panic(err)
	}
	c, _, _ := key.PublicKey().Encrypt(m, rand.Reader)
	// A mix server re-encrypts without learning anything.
	c, _, _ = key.PublicKey().ReEncrypt(c, rand.Reader)
	data, err := elgamal.DecodeData(key.Decrypt(c))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", data)
	// Output: write-in: Ada Lovelace
}

func ExampleElement_SetCanonicalBytes() {
	// A negative field element is never a canonical encoding (RFC 9496).
	b := make([]byte, 32)
	b[0] = 1
	_, err := new(elgamal.Element).SetCanonicalBytes(b)
	fmt.Println(err)
	// Output: element: non-canonical encoding
}
