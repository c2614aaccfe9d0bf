package vectors

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVectors checks every vector file against the library: valid cases
// must pass and reproduce their outputs, invalid ones must fail with their
// error class.
func TestVectors(t *testing.T) {
	cases, err := LoadDir(os.DirFS("."))
	require.NoError(t, err)
	seen := map[string]map[string]int{}
	for path, c := range cases {
		require.NotEmpty(t, c.Comment, path)
		require.NoError(t, Check(c), "%s (%s)", path, c.Comment)
		require.True(t, strings.HasPrefix(path, c.Type+"/"), "%s is filed under its type %s", path, c.Type)
		if seen[c.Type] == nil {
			seen[c.Type] = map[string]int{}
		}
		seen[c.Type][c.Expect]++
	}
	// Every type has vectors, and every proof type has negative ones.
	for _, typ := range Types() {
		require.NotZero(t, seen[typ][Valid], "no valid vectors for %s", typ)
		if strings.HasPrefix(typ, "zkp/") {
			require.NotZero(t, seen[typ][Invalid], "no invalid vectors for %s", typ)
		}
	}
}

// TestCheckDetectsWrongExpectations makes sure Check can fail: flipping
// the expectation or an output of a case must be reported.
func TestCheckDetectsWrongExpectations(t *testing.T) {
	cases, err := LoadDir(os.DirFS("."))
	require.NoError(t, err)
	flipped := 0
	for _, c := range cases {
		d := *c
		if c.Expect == Valid {
			d.Expect, d.Error = Invalid, ErrClassProof
		} else {
			d.Expect, d.Error = Valid, ""
		}
		require.Error(t, Check(&d))
		if c.Expect == Invalid {
			d := *c
			d.Error = "some-other-class"
			require.Error(t, Check(&d))
		}
		for k := range c.Outputs {
			d := *c
			d.Outputs = map[string]string{k: "00"}
			require.Error(t, Check(&d))
			break
		}
		flipped++
	}
	require.NotZero(t, flipped)
}

func TestParseStrict(t *testing.T) {
	_, err := Parse([]byte(`{"type":"x","comment":"c","expect":"valid","inputs":{},"surprise":1}`))
	require.Error(t, err)
	c, err := Parse([]byte(`{"type":"scalar/decode","comment":"c","expect":"valid","inputs":{"encoding":"00"}}`))
	require.NoError(t, err)
	require.Equal(t, "scalar/decode", c.Type)
}

func FuzzParse(f *testing.F) {
	cases, _ := LoadDir(os.DirFS("."))
	for _, c := range cases {
		f.Add(Marshal(c))
		break
	}
	f.Add([]byte(`{"type":"scalar/decode","comment":"c","expect":"valid","inputs":{"encoding":"00"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		d, err := Parse(Marshal(c))
		require.NoError(t, err)
		require.Equal(t, c, d)
	})
}
