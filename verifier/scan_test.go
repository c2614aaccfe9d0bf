package verifier

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/election"
)

func TestNameChoice(t *testing.T) {
	m := &election.Manifest{Contests: []election.Contest{
		{ID: "referendum", Kind: election.Referendum, Options: []election.Option{{ID: "yes", Label: "Ja"}, {ID: "no", Label: "Nej"}}},
		{ID: "council", Kind: election.PartyList, Lists: []election.List{{Letter: "A", Name: "Socialdemokratiet"}}},
	}}
	require.Equal(t, `contest "referendum" choice 1 (Nej) zero-one proof`, nameChoice(m, `contest "referendum" choice 1 zero-one proof`))
	require.Equal(t, `contest "council" choice 0 (A Socialdemokratiet)`, nameChoice(m, `contest "council" choice 0`))
	for _, f := range []string{`contest "referendum" choice 9`, `contest "nope" choice 0`, `signature`, `contest "council" range proof`} {
		require.Equal(t, f, nameChoice(m, f))
	}
}

// TestScanBallotFullHash checks that V7 decides "same ballot" on the whole
// SHA-256 of the encoding: entries whose hashes share a long prefix with
// a ballot's (the 80 bits of a short code, and more) are different ballots
// and raise no duplicate or cast-challenged failure; the same ballot does.
func TestScanBallotFullHash(t *testing.T) {
	raw := make([]byte, 200)
	for i := range raw {
		raw[i] = byte(i)
	}
	var cred [32]byte
	copy(cred[:], raw[32:64])
	near := func(h [32]byte, flip int) code { h[flip] ^= 1; return code(h) }
	h := sha256.Sum256(raw)

	newRun := func() *run {
		s := &scanState{fails: map[string]*Failure{}, eligible: map[[32]byte]bool{cred: true},
			tracking: map[code]int64{}, challenged: map[code]int64{}, voted: map[[32]byte]int64{}}
		// Different ballots whose hashes agree with raw's on 31 bytes.
		s.tracking[near(h, 31)] = 1
		s.challenged[near(h, 10)] = 2
		return &run{sc: s, manifest: &election.Manifest{Revoting: election.RevotingLastCounts}}
	}

	// A challenge, then a cast of another ballot sharing the prefix.
	v := newRun()
	v.scanBallot(&ballotItem{index: 5, raw: raw, challenge: true})
	require.Nil(t, v.sc.fails["V7"], "a challenge of a ballot whose hash only shares a prefix with a cast one")
	v = newRun()
	v.scanBallot(&ballotItem{index: 5, raw: raw})
	require.Nil(t, v.sc.fails["V7"], "a ballot whose hash only shares a prefix with a cast or challenged one")

	// The very same ballot is caught.
	v.scanBallot(&ballotItem{index: 6, raw: raw, challenge: true})
	require.NotNil(t, v.sc.fails["V7"])
	require.Contains(t, v.sc.fails["V7"].Problem, "a cast ballot cannot be challenged")
	require.Contains(t, v.sc.fails["V7"].Problem, election.TrackingCodeOf(raw))
}
