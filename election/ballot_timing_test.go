package election

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/dudect"
)

// timingManifest has one contest of each ballot kind whose path from the
// selection to the plaintexts differs: a homomorphic approval contest
// (5 options, up to 3), a ranked mixnet contest (5 options, up to 3) and a
// mixnet party-list contest (3 lists of 3 candidates).
func timingManifest(tb testing.TB) *Manifest {
	key, err := elgamal.GenerateKey(seeded(98))
	require.NoError(tb, err)
	opts := make([]Option, 5)
	for i := range opts {
		opts[i] = Option{ID: fmt.Sprintf("o%d", i), Label: fmt.Sprintf("Option %d", i)}
	}
	m := &Manifest{
		Version: 1, ID: "timing", Title: "Timing",
		PublicKey: hex.EncodeToString(key.PublicKey().Bytes()),
		Revoting:  RevotingLastCounts,
		Contests: []Contest{
			{ID: "h", Title: "H", Kind: Approval, Tally: Homomorphic, Min: 0, Max: 3, Options: opts},
			{ID: "r", Title: "R", Kind: Ranked, Tally: Mixnet, Min: 0, Max: 3, Options: opts},
			bigPartyList("p", Mixnet, 3, 3),
		},
	}
	require.NoError(tb, m.Validate())
	return m
}

// timingClasses are the pairs of selections that the dudect-style
// benchmarks tell apart, if they can. Every contest is present in both
// (an empty list is a blank vote): the shape of the Choices map is input
// handling, outside the constant-time boundary.
var timingClasses = []struct {
	name string
	a, b Choices
}{
	{"choice0-vs-choice1",
		Choices{"h": {0}, "r": {0}, "p": {0}},
		Choices{"h": {1}, "r": {1}, "p": {1}}},
	{"blank-vs-one",
		Choices{"h": {}, "r": {}, "p": {}},
		Choices{"h": {2}, "r": {2}, "p": {5}}},
	{"one-vs-three",
		Choices{"h": {0}, "r": {0}, "p": {0}},
		Choices{"h": {4, 2, 1}, "r": {4, 2, 1}, "p": {11}}},
}

// BenchmarkSelectionTiming is a dudect-style check (Reparaz, Balasch and
// Verbauwhede, "Dude, is my code constant time?", 2017) of the part of
// EncryptBallot that depends on the choices: from the Choices to the
// plaintexts (the homomorphic bits and count, the mixnet data, before
// elgamal.EncodeData, which elgamal's BenchmarkEncodeDataTiming checks on
// its own: its 128 decodings would drown this part in noise). Each iteration is one sample of a class drawn at random; the
// benchmark reports Welch's t statistic between the two classes, on all
// samples and cropped at the pooled 99th, 90th and 50th percentiles (as
// dudect does, to discount interrupts and the long tail). |t| > 4.5 means
// the timing tells the classes apart. Run with many samples, such as
//
//	go test ./election -run xxx -bench BenchmarkSelectionTiming -benchtime 400000x
func BenchmarkSelectionTiming(b *testing.B) {
	m := timingManifest(b)
	for _, tc := range timingClasses {
		b.Run(tc.name, func(b *testing.B) {
			dudect.Run(b, func(ch Choices) error { _, err := selectionPlaintexts(m, ch); return err }, tc.a, tc.b)
		})
	}
}

// BenchmarkEncryptBallotTiming is BenchmarkSelectionTiming for the whole of
// EncryptBallot, where the scalar multiplications dominate (and drown most
// of a small leak in noise: use BenchmarkSelectionTiming for that).
//
//	go test ./election -run xxx -bench BenchmarkEncryptBallotTiming -benchtime 20000x
func BenchmarkEncryptBallotTiming(b *testing.B) {
	m := timingManifest(b)
	cred := testCred(b, 1)
	r := seeded(5)
	for _, tc := range timingClasses {
		b.Run(tc.name, func(b *testing.B) {
			dudect.Run(b, func(ch Choices) error { _, _, err := EncryptBallot(m, cred, ch, r); return err }, tc.a, tc.b)
		})
	}
}

// selectionPlaintexts is the part of EncryptBallot that depends on the
// choices, up to the plaintexts: checkChoices, then the bits and the count
// of each homomorphic contest and the data of each mixnet contest.
func selectionPlaintexts(m *Manifest, choices Choices) ([]any, error) {
	sels, err := checkChoices(m, choices)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, 2*len(m.Contests))
	for i := range m.Contests {
		c := &m.Contests[i]
		if isMixnet(c) {
			out = append(out, sels[i].data(c))
			continue
		}
		out = append(out, sels[i].bits(len(c.Choices())), uint64(sels[i].n))
	}
	return out, nil
}
