package election

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestTextCharacterClasses checks every code point against the classes of
// spec/notation.md, written from their text: a voter ID character is one
// of general category L, M, N, P or S (Unicode 15.0.0); manifest text
// excludes exactly category Cc.
func TestTextCharacterClasses(t *testing.T) {
	require.Equal(t, "15.0.0", unicode.Version, "spec/notation.md names the Unicode version of Go's unicode package")
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		visible := unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
		if got := CheckVoterID("v"+s+"1") == nil; got != visible {
			t.Fatalf("%U in a voter ID: spec %v, code %v", r, visible, got)
		}
		if want, got := !unicode.Is(unicode.Cc, r), checkText("x"+s, true) == ""; want != got {
			t.Fatalf("%U in manifest text: spec %v, code %v", r, want, got)
		}
	}
	// Cc is exactly U+0000–U+001F and U+007F–U+009F.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if want := r <= 0x1f || (r >= 0x7f && r <= 0x9f); want != unicode.Is(unicode.Cc, r) {
			t.Fatalf("%U: Cc is not U+0000–U+001F and U+007F–U+009F", r)
		}
	}
}
