package elgamal

import (
	mrand "math/rand/v2"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/internal/dudect"
)

// refEncodeData is the plain try-and-increment that EncodeData computes in
// constant time, with cloudflare/circl's independent ristretto255 decoder:
// the first counter whose candidate decodes, and that counter (-1 if none).
func refEncodeData(data []byte) ([]byte, int) {
	var s [32]byte
	copy(s[1:], data)
	s[31] = byte(len(data))
	e := group.Ristretto255.NewElement()
	for k := range dataTries {
		s[0] = byte(2 * k)
		if e.UnmarshalBinary(s[:]) == nil {
			return s[:], k
		}
	}
	return nil, -1
}

// TestEncodeDataMatchesReference checks on many random inputs that the
// constant-time EncodeData picks the same element as the variable-time
// try-and-increment, and fails exactly when it does.
func TestEncodeDataMatchesReference(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := mrand.New(mrand.NewPCG(4, 4))
	counters := map[int]int{}
	for i := range n {
		data := make([]byte, r.IntN(MaxDataSize+1))
		for k := range data {
			data[k] = byte(r.Uint32())
		}
		if i%4 == 0 {
			// Short rankings and list choices, as ballots have them.
			data = data[:min(len(data), 3)]
		}
		want, k := refEncodeData(data)
		counters[k]++
		got, err := EncodeData(data)
		if k < 0 {
			require.Error(t, err, "%x", data)
			continue
		}
		require.NoError(t, err, "%x", data)
		require.Equal(t, want, got.Bytes(), "%x", data)
		back, err := DecodeData(got)
		require.NoError(t, err)
		require.Equal(t, data, back)
	}
	// The inputs exercised more than the first few counters.
	require.Greater(t, len(counters), 8, "counters seen: %v", counters)
}

// BenchmarkEncodeDataTiming is a dudect-style check (see election's
// BenchmarkSelectionTiming) that EncodeData's time does not depend on the
// data: class a's first decoding counter is 0, class b's is large. The
// vartime-reference case times the plain try-and-increment on the same
// classes, as a positive control that the harness sees such a leak.
//
//	go test ./elgamal -run xxx -bench BenchmarkEncodeDataTiming -benchtime 40000x
func BenchmarkEncodeDataTiming(b *testing.B) {
	var a, c []byte
	best := 0
	for v := range 1 << 12 {
		d := []byte{byte(v >> 8), byte(v)}
		_, k := refEncodeData(d)
		if k == 0 && a == nil {
			a = d
		}
		if k > best {
			best, c = k, d
		}
	}
	b.Logf("class a %x (counter 0), class b %x (counter %d)", a, c, best)
	b.Run("EncodeData", func(b *testing.B) {
		dudect.Run(b, func(d []byte) error { _, _ = EncodeData(d); return nil }, a, c)
	})
	b.Run("vartime-reference", func(b *testing.B) {
		dudect.Run(b, func(d []byte) error { DataEncodes(d); return nil }, a, c)
	})
}
