package election

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// refCheckSelection is the straightforward, variable-time validation and
// normalisation of a selection that checkSelection replaces.
func refCheckSelection(c *Contest, n int, sel []int) ([]int, bool) {
	if selectionProblem(c, n, sel) != "" {
		return nil, false
	}
	if len(sel) == 0 {
		return nil, true
	}
	out := slices.Clone(sel)
	if !isRanked(c) {
		slices.Sort(out)
	}
	return out, true
}

// TestCheckSelectionMatchesReference checks the constant-time selection
// path against the variable-time reference on many random selections,
// valid and not: the same verdict, the same normalised list, the same
// homomorphic bits and the same mixnet data as EncodeRanking and
// EncodeListChoice.
func TestCheckSelectionMatchesReference(t *testing.T) {
	opts := func(n int) []Option {
		o := make([]Option, n)
		for i := range o {
			o[i] = Option{ID: fmt.Sprintf("o%d", i), Label: fmt.Sprintf("Option %d", i)}
		}
		return o
	}
	contests := []Contest{
		{ID: "ref", Kind: Referendum, Tally: Homomorphic, Max: 1, Options: opts(2)},
		{ID: "appr", Kind: Approval, Tally: Homomorphic, Min: 0, Max: 3, Options: opts(5)},
		{ID: "appr2", Kind: Approval, Tally: Homomorphic, Min: 2, Max: 4, Options: opts(6)},
		{ID: "appr-all", Kind: Approval, Tally: Homomorphic, Min: 1, Max: 7, Options: opts(7)},
		{ID: "rank", Kind: Ranked, Tally: Mixnet, Min: 0, Max: 3, Options: opts(5)},
		{ID: "rank2", Kind: Ranked, Tally: Mixnet, Min: 2, Max: 5, Options: opts(9)},
		{ID: "mappr", Kind: Approval, Tally: Mixnet, Min: 1, Max: 4, Options: opts(8)},
		bigPartyList("pl", Mixnet, 3, 3),
	}
	r := mrand.New(mrand.NewPCG(7, 13))
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	for ci := range contests {
		c := &contests[ci]
		n, err := contestLayout(ci, c)
		require.NoError(t, err, c.ID)
		valid := 0
		for range iters {
			sel := make([]int, r.IntN(c.Max+3))
			for k := range sel {
				if r.IntN(20) == 0 {
					sel[k] = r.IntN(n+6) - 3 // sometimes out of range
				} else {
					sel[k] = r.IntN(n)
				}
			}
			want, wantOK := refCheckSelection(c, n, sel)
			got, err := checkSelection(c, n, sel)
			require.Equal(t, wantOK, err == nil, "%s %v: %v", c.ID, sel, err)
			if err != nil {
				require.ErrorIs(t, err, ErrBallot)
				require.NotContains(t, err.Error(), "invalid selection", "%s %v", c.ID, sel)
				continue
			}
			valid++
			require.Equal(t, want, got.list(), "%s %v", c.ID, sel)
			require.Equal(t, len(want), got.n)
			if isMixnet(c) {
				var data []byte
				if isMixnetPartyList(c) {
					data, err = EncodeListChoice(want, n)
				} else {
					data, err = EncodeRanking(want, c.Max)
				}
				require.NoError(t, err)
				require.Equal(t, data, got.data(c), "%s %v", c.ID, sel)
				continue
			}
			bits := make([]uint64, n)
			for _, j := range want {
				bits[j] = 1
			}
			require.Equal(t, bits, got.bits(n), "%s %v", c.ID, sel)
		}
		require.Positive(t, valid, "%s: no valid selection drawn", c.ID)
	}
}

func TestCtHelpers(t *testing.T) {
	vals := []int{-1 << 63, -5, -1, 0, 1, 2, 3, 254, 255, 1 << 40, 1<<63 - 1}
	for _, a := range vals {
		for _, b := range vals {
			require.Equal(t, a == b, ctEq(a, b) == 1, "%d %d", a, b)
			require.Equal(t, uint64(a) < uint64(b), ctLess(a, b) == 1, "%d %d", a, b)
		}
	}
	r := mrand.New(mrand.NewPCG(1, 1))
	for range 1000 {
		s := make([]int, r.IntN(12))
		for k := range s {
			s[k] = r.IntN(10) - 1
		}
		want := slices.Clone(s)
		slices.SortFunc(want, func(a, b int) int {
			switch {
			case uint64(a) < uint64(b):
				return -1
			case uint64(a) > uint64(b):
				return 1
			}
			return 0
		})
		ctSort(s)
		require.Equal(t, want, s)
	}
}
