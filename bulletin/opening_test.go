package bulletin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/scenario"
)

// A junk opening, with the ballot's hash but random scalars, spoils
// nothing: the board refuses it as bad-opening and the ballot can still
// be cast.
func TestJunkOpeningRefused(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 3, Manifest: scenario.Danish(), Seed: 12})
	b := openBoard(t, e, bulletin.NewMemoryStore())
	setUp(t, e, b)
	entry, bal, op, err := e.Ballot(1, election.Choices{"referendum": {1}, "council": {3}})
	require.NoError(t, err)
	junk := &election.Opening{Ballot: op.Ballot, Randomness: make([][]elgamal.Scalar, len(op.Randomness))}
	r := scenario.Rand(6)
	for i := range op.Randomness {
		for range op.Randomness[i] {
			s, err := elgamal.RandomScalar(r)
			require.NoError(t, err)
			junk.Randomness[i] = append(junk.Randomness[i], *s)
		}
	}
	require.True(t, junk.Spoils(bal))

	_, err = b.Submit(context.Background(), bulletin.ChallengeEntry(bal.Bytes(), junk.Bytes()))
	var rej *bulletin.RejectError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, bulletin.ReasonBadOpening, rej.Reason)
	assert.Contains(t, rej.Detail, election.TrackingCode(bal))
	assert.Contains(t, rej.Detail, `contest "`+e.Manifest.Contests[0].ID+`" choice 0: the revealed randomness does not re-encrypt`)
	assert.EqualValues(t, 1, b.RejectionCounts()[bulletin.ReasonBadOpening])

	// Not spoiled: the ballot is cast, and then cannot be challenged.
	post(t, b, entry)
	rejected(t, b, bulletin.ChallengeEntry(bal.Bytes(), op.Bytes()), bulletin.ReasonAlreadyCast)

	// A true opening of another ballot is admitted and spoils it.
	entry2, bal2, op2, err := e.Ballot(2, election.Choices{"referendum": {0}})
	require.NoError(t, err)
	post(t, b, bulletin.ChallengeEntry(bal2.Bytes(), op2.Bytes()))
	rejected(t, b, entry2, bulletin.ReasonChallenged)
}
