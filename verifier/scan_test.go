package verifier

import (
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
