package elgamal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrDLogNotFound means an element is not m·G for any m in a table's range,
// such as a tally that exceeds the number of ballots.
var ErrDLogNotFound = errors.New("discrete log not in range")

// DLogTable recovers small integers from m·G by baby-step giant-step
// (Shanks 1971), as tallies of exponential ElGamal need. Build it once for
// the largest possible tally and reuse it: it is read-only and safe for
// concurrent use.
type DLogTable struct {
	max   uint64
	steps uint64            // baby steps: the table holds j·G for j < steps
	table map[uint64]uint32 // 8-byte encoding prefix of j·G → j
	giant Element           // −steps·G
}

// maxBabySteps bounds the table at 2^24 entries (a few hundred MB), which
// covers max up to 2^48.
const maxBabySteps = 1 << 24

// NewDLogTable builds a table for 0 ≤ m ≤ max. It stores about √max
// entries, so max = 10^8 takes 10^4 entries (well under a second to build)
// and a lookup at most 10^4 giant steps.
func NewDLogTable(max uint64) (*DLogTable, error) {
	steps := uint64(math.Ceil(math.Sqrt(float64(max) + 1)))
	if steps > maxBabySteps {
		return nil, fmt.Errorf("elgamal: discrete log table for %d values is too large (at most %d)", max, uint64(maxBabySteps)*maxBabySteps-1)
	}
	t := &DLogTable{max: max, steps: steps, table: make(map[uint64]uint32, steps)}
	g := NewGeneratorElement()
	acc := NewElement()
	for j := uint64(0); j < steps; j++ {
		// On the rare 64-bit prefix collision keep the smaller j; Lookup
		// confirms every hit, so a collision can only cost a miss with
		// probability about steps²/2^65.
		k := prefix(acc)
		if _, dup := t.table[k]; !dup {
			t.table[k] = uint32(j)
		}
		acc.Add(acc, g)
	}
	t.giant.Negate(acc)
	return t, nil
}

// Max returns the largest value the table can recover.
func (t *DLogTable) Max() uint64 { return t.max }

func prefix(e *Element) uint64 { return binary.LittleEndian.Uint64(e.Bytes()) }

// Lookup returns m with e = m·G and 0 ≤ m ≤ Max, or ErrDLogNotFound. It is
// variable time: use it on public data, such as a decrypted tally.
func (t *DLogTable) Lookup(e *Element) (uint64, error) {
	cur := new(Element).Set(e)
	for i := uint64(0); i*t.steps <= t.max; i++ {
		if j, ok := t.table[prefix(cur)]; ok {
			m := i*t.steps + uint64(j)
			if m <= t.max && new(Element).ScalarBaseMult(new(Scalar).SetUint64(m)).Equal(e) == 1 {
				return m, nil
			}
		}
		cur.Add(cur, &t.giant)
	}
	return 0, fmt.Errorf("elgamal: %w: not m·G for any 0 ≤ m ≤ %d", ErrDLogNotFound, t.max)
}
