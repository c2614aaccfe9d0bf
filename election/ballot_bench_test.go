package election

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// benchManifest has one homomorphic 1-of-5 approval contest.
func benchManifest(b *testing.B) *Manifest {
	key, err := elgamal.GenerateKey(seeded(99))
	require.NoError(b, err)
	opts := make([]Option, 5)
	for i := range opts {
		opts[i] = Option{ID: fmt.Sprintf("o%d", i), Label: fmt.Sprintf("Option %d", i)}
	}
	m := &Manifest{
		Version: 1, ID: "bench", Title: "Bench",
		PublicKey: hex.EncodeToString(key.PublicKey().Bytes()),
		Revoting:  RevotingLastCounts,
		Contests:  []Contest{{ID: "c", Title: "C", Kind: Approval, Tally: Homomorphic, Min: 0, Max: 1, Options: opts}},
	}
	require.NoError(b, m.Validate())
	return m
}

func BenchmarkEncryptBallot(b *testing.B) {
	m := benchManifest(b)
	cred := testCred(b, 1)
	r := seeded(2)
	ch := Choices{"c": {3}}
	for b.Loop() {
		if _, _, err := EncryptBallot(m, cred, ch, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatchVerifyBallots parses and verifies batches of 1000 ballots;
// ns/ballot is the cost per ballot.
func BenchmarkBatchVerifyBallots(b *testing.B) {
	const n = 1000
	m := benchManifest(b)
	encs := benchBallots(b, m, n)
	bs := make([]*Ballot, n)
	b.ResetTimer()
	for b.Loop() {
		for i, e := range encs {
			bl, err := ParseBallot(m, e)
			if err != nil {
				b.Fatal(err)
			}
			bs[i] = bl
		}
		if err := BatchVerifyBallots(m, bs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ballot")
}

// BenchmarkBatchVerifyEncodedBallots decodes and verifies batches of 1000
// ballots given as bytes (the board's and the verifier's fast path);
// ns/ballot is the cost per ballot.
func BenchmarkBatchVerifyEncodedBallots(b *testing.B) {
	const n = 1000
	m := benchManifest(b)
	encs := benchBallots(b, m, n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := BatchVerifyEncodedBallots(m, encs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ballot")
}

// benchBallots encrypts n ballots for m, from a fixed seed.
func benchBallots(b *testing.B, m *Manifest, n int) [][]byte {
	encs := make([][]byte, n)
	r := seeded(3)
	for i := range encs {
		cred, err := NewCredential(r)
		require.NoError(b, err)
		bl, _, err := EncryptBallot(m, cred, Choices{"c": {i % 5}}, r)
		require.NoError(b, err)
		encs[i] = bl.Bytes()
	}
	return encs
}
