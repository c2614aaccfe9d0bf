package threshold

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// specPrintable is "printable character" of spec/notation.md, written from
// its text: general category L, M, N, P or S in Unicode 15.0.0, or U+0020.
func specPrintable(r rune) bool {
	return r == ' ' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// TestNameCharacters checks every code point against the spec's class of
// trustee-name characters: inside a name, a character is allowed exactly
// when it is printable; at either end, when it is printable and not
// U+0020.
func TestNameCharacters(t *testing.T) {
	require.Equal(t, "15.0.0", unicode.Version, "spec/notation.md names the Unicode version of Go's unicode package")
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue // surrogates have no UTF-8 encoding
		}
		s := string(r)
		if want, got := specPrintable(r), checkName("a"+s+"b") == nil; want != got {
			t.Fatalf("%U inside a name: spec %v, code %v", r, want, got)
		}
		if want, got := specPrintable(r) && r != ' ', checkName(s) == nil; want != got {
			t.Fatalf("%U as a name: spec %v, code %v", r, want, got)
		}
	}
}
