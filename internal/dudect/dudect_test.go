package dudect

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWelchT(t *testing.T) {
	ns := []float64{1, 2, 3, 4, 11, 12, 13, 14}
	class := []bool{false, false, false, false, true, true, true, true}
	// Means 2.5 and 12.5, variances 5/3 each, n = 4 each.
	want := -10 / math.Sqrt(2*(5.0/3)/4)
	require.InDelta(t, want, WelchT(ns, class, math.Inf(1)), 1e-9)
	require.Equal(t, 0.0, WelchT(ns, class, 4), "one class cropped away")
	same := []bool{false, true, false, true, false, true, false, true}
	require.Less(t, math.Abs(WelchT([]float64{1, 1, 2, 2, 3, 3, 4, 4}, same, math.Inf(1))), 1e-9)
}
