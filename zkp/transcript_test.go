package zkp

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

func challenge(f func(t *Transcript)) *elgamal.Scalar {
	t := NewTranscript("test", testContext())
	f(t)
	return t.Challenge("c")
}

func TestTranscriptDeterministic(t *testing.T) {
	a := challenge(func(t *Transcript) { t.AppendBytes("x", []byte("abc")) })
	b := challenge(func(t *Transcript) { t.AppendBytes("x", []byte("abc")) })
	require.Equal(t, 1, a.Equal(b))
}

// TestTranscriptUnambiguous checks that inputs that concatenate to the same
// bytes, or differ only in name, type or order, give different challenges.
func TestTranscriptUnambiguous(t *testing.T) {
	g := elgamal.NewGeneratorElement()
	variants := []func(t *Transcript){
		func(t *Transcript) { t.AppendBytes("x", []byte("abc")) },
		func(t *Transcript) { t.AppendBytes("x", []byte("ab")); t.AppendBytes("x", []byte("c")) },
		func(t *Transcript) { t.AppendBytes("xa", []byte("bc")) },
		func(t *Transcript) { t.AppendBytes("y", []byte("abc")) },
		func(t *Transcript) { t.AppendBytes("x", []byte("abc")); t.AppendBytes("", nil) },
		func(t *Transcript) { t.AppendUint64("x", 1) },
		func(t *Transcript) { t.AppendBytes("x", []byte{0, 0, 0, 0, 0, 0, 0, 1}) },
		func(t *Transcript) { t.AppendElement("x", g) },
		func(t *Transcript) { t.AppendBytes("x", g.Bytes()) },
		func(t *Transcript) { t.AppendScalar("x", new(elgamal.Scalar).SetUint64(1)) },
		func(t *Transcript) { t.AppendElement("a", g); t.AppendElement("b", elgamal.NewElement()) },
		func(t *Transcript) { t.AppendElement("b", elgamal.NewElement()); t.AppendElement("a", g) },
		func(t *Transcript) {},
	}
	seen := map[string]int{}
	for i, v := range variants {
		c := string(challenge(v).Bytes())
		j, dup := seen[c]
		require.False(t, dup, "variants %d and %d collide", j, i)
		seen[c] = i
	}
}

func TestTranscriptBindsContextAndLabel(t *testing.T) {
	base := NewTranscript("test", testContext()).Challenge("c")
	require.Equal(t, 0, base.Equal(NewTranscript("test2", testContext()).Challenge("c")))
	for _, ctx := range wrongContexts(testContext()) {
		require.Equal(t, 0, base.Equal(NewTranscript("test", ctx).Challenge("c")))
	}
	// A nil context is the empty context.
	require.Equal(t, 1, NewTranscript("test", nil).Challenge("c").Equal(NewTranscript("test", &Context{}).Challenge("c")))
	// Successive challenges differ and depend on the earlier ones.
	tr := NewTranscript("test", testContext())
	c1, c2 := tr.Challenge("c"), tr.Challenge("c")
	require.Equal(t, 0, c1.Equal(c2))
}
