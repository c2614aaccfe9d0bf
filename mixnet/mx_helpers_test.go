package mixnet

import (
	"crypto/sha256"
	mrand "math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// mxRand is a deterministic random source for tests.
func mxRand(label string) *mrand.ChaCha8 {
	return mrand.NewChaCha8(sha256.Sum256([]byte("urna/mixnet/shuffle_test/" + label)))
}

// mxContext is the context of a stage in tests.
func mxContext() *zkp.Context {
	e := sha256.Sum256([]byte("election"))
	return &zkp.Context{Election: e[:], Prover: 2, Binding: []byte("mixer-2-identity")}
}

// mxList encrypts n vectors of width w of random plaintexts under pk and
// returns them with their plaintexts.
func mxList(t testing.TB, pk *elgamal.PublicKey, r *mrand.ChaCha8, n, w int) ([]elgamal.CiphertextVector, [][]*elgamal.Element) {
	t.Helper()
	list := make([]elgamal.CiphertextVector, n)
	plain := make([][]*elgamal.Element, n)
	for i := range list {
		ms := make([]*elgamal.Element, w)
		for k := range ms {
			var b [64]byte
			r.Read(b[:])
			ms[k], _ = new(elgamal.Element).SetUniformBytes(b[:])
		}
		v, _, err := pk.EncryptVector(ms, r)
		require.NoError(t, err)
		list[i], plain[i] = v, ms
	}
	return list, plain
}

// mxStage is a shuffled and proven list.
type mxStage struct {
	key   *elgamal.PrivateKey
	st    *Statement
	wit   *Witness
	proof *Proof
	plain [][]*elgamal.Element
}

func mxShuffle(t testing.TB, label string, n, w int) *mxStage {
	t.Helper()
	r := mxRand(label)
	key, err := elgamal.GenerateKey(r)
	require.NoError(t, err)
	in, plain := mxList(t, key.PublicKey(), r, n, w)
	out, wit, err := Shuffle(key.PublicKey(), in, r, nil)
	require.NoError(t, err)
	st := &Statement{Context: mxContext(), PublicKey: key.PublicKey(), Input: in, Output: out}
	proof, err := Prove(st, wit, r, nil)
	require.NoError(t, err)
	return &mxStage{key: key, st: st, wit: wit, proof: proof, plain: plain}
}
