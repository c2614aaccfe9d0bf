package election

import (
	"fmt"
	"sync"

	"github.com/urnavote/urna/elgamal"
)

// MaxEnumeratedSelections is the most valid selections of a mixnet contest
// for which Validate checks that every one can be encoded (spec/group.md
// §4, spec/manifest.md). Contests with more are not enumerated.
const MaxEnumeratedSelections = 1 << 14

// dataEncodes is elgamal.DataEncodes, replaceable in tests.
var dataEncodes = elgamal.DataEncodes

// encodableCache remembers checkDataEncodable's answer per shape, which is
// all it depends on.
var encodableCache sync.Map // encodableShape → string

type encodableShape struct {
	n, max int
	ranked bool
}

// checkDataEncodable reports, as a problem text or "", whether some valid
// selection of the mixnet contest c (other than a party-list contest,
// whose 2-byte data always encodes) has ballot data (EncodeRanking) that
// elgamal.EncodeData cannot encode. It enumerates the selections when
// there are at most MaxEnumeratedSelections of them; otherwise it accepts
// (each selection then fails with probability about 2^-53).
func checkDataEncodable(c *Contest) string {
	n := len(c.Choices())
	if !isMixnet(c) || isMixnetPartyList(c) || c.Max < 1 || c.Max > n || c.Max > elgamal.MaxDataSize || n > 255 {
		return ""
	}
	shape := encodableShape{n, c.Max, isRanked(c)}
	if p, ok := encodableCache.Load(shape); ok {
		return p.(string)
	}
	p := enumerateEncodable(shape)
	encodableCache.Store(shape, p)
	return p
}

func enumerateEncodable(s encodableShape) string {
	if s.max <= 2 {
		return "" // every value of at most 2 bytes encodes (TestDataShortValuesEncode)
	}
	// Count the selections of 0 to max choices: ordered for a ranked
	// contest, ascending otherwise.
	total, term := 1, 1
	for k := 1; k <= s.max; k++ {
		if s.ranked {
			term *= s.n - k + 1
		} else {
			term = term * (s.n - k + 1) / k
		}
		total += term
		if total > MaxEnumeratedSelections {
			return ""
		}
	}
	sel := make([]int, 0, s.max)
	used := make([]bool, s.n)
	var problem string
	var walk func() bool
	walk = func() bool {
		data, err := EncodeRanking(sel, s.max)
		if err != nil || !dataEncodes(data) {
			problem = fmt.Sprintf("the selection %v cannot be encoded as ballot data (spec/group.md §4): change the number of options or max", sel)
			return false
		}
		if len(sel) == s.max {
			return true
		}
		first := 0
		if !s.ranked && len(sel) > 0 {
			first = sel[len(sel)-1] + 1
		}
		for j := first; j < s.n; j++ {
			if used[j] {
				continue
			}
			used[j] = true
			sel = append(sel, j)
			ok := walk()
			sel = sel[:len(sel)-1]
			used[j] = false
			if !ok {
				return false
			}
		}
		return true
	}
	walk()
	return problem
}
