package election

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/strictjson"
)

// generatorHex is the ristretto255 generator: a valid election key.
var generatorHex = hex.EncodeToString(elgamal.NewGeneratorElement().Bytes())

// validManifest has one contest of every kind.
func validManifest() *Manifest {
	return &Manifest{
		Version:   ManifestVersion,
		ID:        "dk-2026",
		Title:     "Folketingsvalg og folkeafstemning",
		PublicKey: generatorHex,
		Revoting:  RevotingForbid,
		Contests: []Contest{
			{ID: "ref", Title: "Euro?", Kind: Referendum, Tally: Homomorphic, Min: 0, Max: 1,
				Options: []Option{{"yes", "Ja"}, {"no", "Nej"}}},
			{ID: "ft", Title: "Folketingsvalg Østjylland", Kind: PartyList, Tally: Homomorphic, Min: 0, Max: 1,
				Lists: []List{
					{Letter: "A", Name: "Socialdemokratiet", Candidates: []Candidate{{"a1", "Søren Ærø"}, {"a2", "Åse Øby"}}},
					{Letter: "Æ", Name: "", Candidates: []Candidate{{"x1", "Uden Navn"}}},
				}},
			{ID: "board", Title: "Board", Kind: Approval, Tally: Homomorphic, Min: 0, Max: 2,
				Options: []Option{{"p", "Per"}, {"q", "Quinn"}, {"r", "Rita"}}},
			{ID: "mayor", Title: "Mayor", Kind: Ranked, Tally: Mixnet, Min: 0, Max: 3,
				Options: []Option{{"m1", "One"}, {"m2", "Two"}, {"m3", "Three"}}},
		},
	}
}

func TestValidManifest(t *testing.T) {
	m := validManifest()
	require.NoError(t, m.Validate())
	m2, err := ParseManifest(m.JSON())
	require.NoError(t, err)
	assert.Equal(t, m, m2)
	assert.Equal(t, m.Bytes(), m2.Bytes())
	pk, err := m.ElectionKey()
	require.NoError(t, err)
	assert.Equal(t, generatorHex, hex.EncodeToString(pk.Bytes()))
}

func TestChoices(t *testing.T) {
	m := validManifest()
	assert.Equal(t, []string{"yes", "no"}, m.Contests[0].Choices())
	assert.Equal(t, []string{"A", "Æ", "a1", "a2", "x1"}, m.Contests[1].Choices())
	layout := m.Contests[1].Layout()
	assert.Equal(t, Choice{Kind: ListChoice, ID: "A", Label: "A Socialdemokratiet", List: "A"}, layout[0])
	assert.Equal(t, Choice{Kind: ListChoice, ID: "Æ", Label: "Æ", List: "Æ"}, layout[1], "a nameless list is shown by its letter")
	assert.Equal(t, Choice{Kind: CandidateChoice, ID: "x1", Label: "Uden Navn", List: "Æ"}, layout[4])
	assert.Equal(t, []string{"p", "q", "r"}, m.Contests[2].Choices())
	assert.Equal(t, []string{"m1", "m2", "m3"}, m.Contests[3].Choices())
}

func TestOddButValid(t *testing.T) {
	tests := map[string]func(m *Manifest){
		"list without a name": func(m *Manifest) { m.Contests[1].Lists[0].Name = "" },
		"one list, one candidate": func(m *Manifest) {
			m.Contests[1].Lists = []List{{Letter: "B", Candidates: []Candidate{{"b", "Bo"}}}}
		},
		"non-ASCII names": func(m *Manifest) {
			m.Title = "Valg på Ærø — 2026"
			m.Contests[0].Options[0].Label = "Ja, ÆØÅ æøå"
		},
		"last-counts":            func(m *Manifest) { m.Revoting = RevotingLastCounts },
		"three-letter list":      func(m *Manifest) { m.Contests[1].Lists[0].Letter = "ÆØÅ" },
		"referendum of three":    func(m *Manifest) { m.Contests[0].Options = append(m.Contests[0].Options, Option{"blank", "Blank"}) },
		"approval of one":        func(m *Manifest) { m.Contests[2].Options = m.Contests[2].Options[:1]; m.Contests[2].Max = 1 },
		"ranked fewer than all":  func(m *Manifest) { m.Contests[3].Max = 1 },
		"ranked 30 ranks":        func(m *Manifest) { setRanked(m, 40, 30) },
		"64 homomorphic choices": func(m *Manifest) { setApproval(m, 64) },
		"single contest":         func(m *Manifest) { m.Contests = m.Contests[:1] },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			m := validManifest()
			mutate(m)
			require.NoError(t, m.Validate())
			_, err := ParseManifest(m.JSON())
			require.NoError(t, err)
		})
	}
}

func setRanked(m *Manifest, options, max int) {
	c := &m.Contests[3]
	c.Options = nil
	for i := range options {
		c.Options = append(c.Options, Option{ID: "o" + string(rune('A'+i%26)) + strings.Repeat("x", i/26), Label: "L"})
	}
	c.Max = max
}

func setApproval(m *Manifest, options int) {
	c := &m.Contests[2]
	c.Options = nil
	for i := range options {
		c.Options = append(c.Options, Option{ID: "o" + string(rune('A'+i%26)) + strings.Repeat("x", i/26), Label: "L"})
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *Manifest)
		want   ManifestError
	}{
		{"version 0", func(m *Manifest) { m.Version = 0 }, ManifestError{Field: "version", Problem: "unsupported version 0, want 1"}},
		{"version 2", func(m *Manifest) { m.Version = 2 }, ManifestError{Field: "version", Problem: "unsupported version 2, want 1"}},
		{"empty id", func(m *Manifest) { m.ID = "" }, ManifestError{Field: "id", Problem: "must not be empty"}},
		{"empty title", func(m *Manifest) { m.Title = "" }, ManifestError{Field: "title", Problem: "must not be empty"}},
		{"control character", func(m *Manifest) { m.Title = "a\nb" }, ManifestError{Field: "title", Problem: "must not contain control characters"}},
		{"invalid UTF-8", func(m *Manifest) { m.Title = "\xff" }, ManifestError{Field: "title", Problem: "is not valid UTF-8"}},
		{"no key", func(m *Manifest) { m.PublicKey = "" }, ManifestError{Field: "public_key", Problem: "want 64 hex digits, got 0"}},
		{"identity key", func(m *Manifest) { m.PublicKey = strings.Repeat("00", 32) }, ManifestError{Field: "public_key", Problem: "element: identity element not allowed"}},
		{"uppercase key", func(m *Manifest) { m.PublicKey = strings.ToUpper(generatorHex) }, ManifestError{Field: "public_key", Problem: "hex digits must be lowercase"}},
		{"not hex key", func(m *Manifest) { m.PublicKey = "zz" + generatorHex[2:] }, ManifestError{Field: "public_key", Problem: "not hex"}},
		{"revoting", func(m *Manifest) { m.Revoting = "first-counts" }, ManifestError{Field: "revoting", Problem: `unknown policy "first-counts", want "forbid" or "last-counts"`}},
		{"no contests", func(m *Manifest) { m.Contests = nil }, ManifestError{Field: "contests", Problem: "the manifest has no contests"}},
		{"duplicate contest", func(m *Manifest) { m.Contests[1].ID = "ref" }, ManifestError{Contest: "ref", Field: "id", Problem: "duplicate contest ID"}},
		{"empty contest id", func(m *Manifest) { m.Contests[1].ID = "" }, ManifestError{Contest: "#2", Field: "id", Problem: "must not be empty"}},
		{"empty contest title", func(m *Manifest) { m.Contests[0].Title = "" }, ManifestError{Contest: "ref", Field: "title", Problem: "must not be empty"}},
		{"kind", func(m *Manifest) { m.Contests[0].Kind = "stv" }, ManifestError{Contest: "ref", Field: "kind", Problem: `unknown kind "stv", want "referendum", "party-list", "approval" or "ranked"`}},
		{"tally", func(m *Manifest) { m.Contests[0].Tally = "count" }, ManifestError{Contest: "ref", Field: "tally", Problem: `unknown method "count", want "homomorphic" or "mixnet"`}},
		{"mixnet referendum", func(m *Manifest) { m.Contests[0].Tally = Mixnet }, ManifestError{Contest: "ref", Field: "tally", Problem: `a referendum contest must be tallied "homomorphic"`}},
		{"homomorphic ranked", func(m *Manifest) { m.Contests[3].Tally = Homomorphic }, ManifestError{Contest: "mayor", Field: "tally", Problem: `a ranked contest must be tallied "mixnet"`}},
		{"min 1", func(m *Manifest) { m.Contests[2].Min = 1 }, ManifestError{Contest: "board", Field: "min", Problem: "must be 0, got 1: a blank vote is always possible"}},
		{"min negative", func(m *Manifest) { m.Contests[2].Min = -1 }, ManifestError{Contest: "board", Field: "min", Problem: "must be 0, got -1: a blank vote is always possible"}},
		{"max 0", func(m *Manifest) { m.Contests[0].Max = 0 }, ManifestError{Contest: "ref", Field: "max", Problem: "must be at least 1, got 0"}},
		{"referendum max 2", func(m *Manifest) { m.Contests[0].Max = 2 }, ManifestError{Contest: "ref", Field: "max", Problem: "a referendum contest allows one choice: max must be 1, got 2"}},
		{"party-list max 2", func(m *Manifest) { m.Contests[1].Max = 2 }, ManifestError{Contest: "ft", Field: "max", Problem: "a party-list contest allows one choice: max must be 1, got 2"}},
		{"approval max > options", func(m *Manifest) { m.Contests[2].Max = 4 }, ManifestError{Contest: "board", Field: "max", Problem: "max 4 is more than the 3 options"}},
		{"ranked max > options", func(m *Manifest) { m.Contests[3].Max = 4 }, ManifestError{Contest: "mayor", Field: "max", Problem: "max 4 is more than the 3 options"}},
		{"ranked too many ranks", func(m *Manifest) { setRanked(m, 40, 31) }, ManifestError{Contest: "mayor", Field: "max", Problem: "31 ranks: data too large for the ballot encoding (at most 30)"}},
		{"ranked too many options", func(m *Manifest) { setRanked(m, 256, 3) }, ManifestError{Contest: "mayor", Field: "options", Problem: "256 options: a ranked contest has at most 255"}},
		{"too many homomorphic choices", func(m *Manifest) { setApproval(m, 65) }, ManifestError{Contest: "board", Problem: "65 choices: a homomorphic contest has at most 64"}},
		{"referendum of one", func(m *Manifest) { m.Contests[0].Options = m.Contests[0].Options[:1] }, ManifestError{Contest: "ref", Field: "options", Problem: "a referendum contest needs at least 2 options, got 1"}},
		{"approval of none", func(m *Manifest) { m.Contests[2].Options = nil; m.Contests[2].Max = 0 }, ManifestError{Contest: "board", Field: "options", Problem: "a approval contest needs at least 1 options, got 0"}},
		{"referendum with lists", func(m *Manifest) { m.Contests[0].Lists = m.Contests[1].Lists }, ManifestError{Contest: "ref", Field: "lists", Problem: "a referendum contest has options, not lists"}},
		{"party-list with options", func(m *Manifest) { m.Contests[1].Options = m.Contests[0].Options }, ManifestError{Contest: "ft", Field: "options", Problem: "a party-list contest has lists, not options"}},
		{"party-list without lists", func(m *Manifest) { m.Contests[1].Lists = nil }, ManifestError{Contest: "ft", Field: "lists", Problem: "a party-list contest needs at least one list"}},
		{"duplicate option", func(m *Manifest) { m.Contests[0].Options[1].ID = "yes" }, ManifestError{Contest: "ref", Option: "yes", Field: "id", Problem: "duplicate option ID in this contest"}},
		{"empty option id", func(m *Manifest) { m.Contests[0].Options[1].ID = "" }, ManifestError{Contest: "ref", Option: "#2", Field: "id", Problem: "must not be empty"}},
		{"empty option label", func(m *Manifest) { m.Contests[0].Options[1].Label = "" }, ManifestError{Contest: "ref", Option: "no", Field: "label", Problem: "must not be empty"}},
		{"empty letter", func(m *Manifest) { m.Contests[1].Lists[1].Letter = "" }, ManifestError{Contest: "ft", List: "#2", Field: "letter", Problem: "must not be empty"}},
		{"long letter", func(m *Manifest) { m.Contests[1].Lists[1].Letter = "ABCD" }, ManifestError{Contest: "ft", List: "ABCD", Field: "letter", Problem: "must be 1 to 3 characters, got 4"}},
		{"duplicate letter", func(m *Manifest) { m.Contests[1].Lists[1].Letter = "A" }, ManifestError{Contest: "ft", List: "A", Field: "letter", Problem: "duplicate list letter in this contest"}},
		{"list name control", func(m *Manifest) { m.Contests[1].Lists[0].Name = "\t" }, ManifestError{Contest: "ft", List: "A", Field: "name", Problem: "must not contain control characters"}},
		{"list without candidates", func(m *Manifest) { m.Contests[1].Lists[1].Candidates = nil }, ManifestError{Contest: "ft", List: "Æ", Field: "candidates", Problem: "a list needs at least one candidate"}},
		{"duplicate candidate", func(m *Manifest) { m.Contests[1].Lists[1].Candidates[0].ID = "a1" }, ManifestError{Contest: "ft", List: "Æ", Candidate: "a1", Field: "id", Problem: "duplicate candidate ID in this contest"}},
		{"candidate named like a list", func(m *Manifest) { m.Contests[1].Lists[0].Candidates[0].ID = "Æ" }, ManifestError{Contest: "ft", List: "A", Candidate: "Æ", Field: "id", Problem: "a candidate ID must differ from every list letter of the contest"}},
		{"empty candidate id", func(m *Manifest) { m.Contests[1].Lists[0].Candidates[1].ID = "" }, ManifestError{Contest: "ft", List: "A", Candidate: "#2", Field: "id", Problem: "must not be empty"}},
		{"empty candidate name", func(m *Manifest) { m.Contests[1].Lists[0].Candidates[1].Name = "" }, ManifestError{Contest: "ft", List: "A", Candidate: "a2", Field: "name", Problem: "must not be empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest()
			tt.mutate(m)
			err := m.Validate()
			require.Error(t, err)
			errs := ManifestErrors(err)
			require.NotEmpty(t, errs, "%v", err)
			assert.Contains(t, errs, &tt.want, "got %v", err)
			if tt.name != "invalid UTF-8" { // JSON cannot carry invalid UTF-8
				_, err = ParseManifest(m.JSON())
				assert.Error(t, err)
			}
		})
	}
}

func TestMaxLessThanMin(t *testing.T) {
	m := validManifest()
	m.Contests[2].Min, m.Contests[2].Max = 2, 1
	errs := ManifestErrors(m.Validate())
	assert.Contains(t, errs, &ManifestError{Contest: "board", Field: "max", Problem: "max 1 is less than min 2"})
	assert.Contains(t, errs, &ManifestError{Contest: "board", Field: "min", Problem: "must be 0, got 2: a blank vote is always possible"})
}

func TestManifestErrorString(t *testing.T) {
	e := &ManifestError{Contest: "ft", List: "A", Candidate: "a1", Field: "id", Problem: "duplicate candidate ID in this contest"}
	assert.Equal(t, `contest "ft": list "A": candidate "a1": id: duplicate candidate ID in this contest`, e.Error())
	assert.Equal(t, "version: unsupported", (&ManifestError{Field: "version", Problem: "unsupported"}).Error())
	assert.Nil(t, ManifestErrors(nil))
	assert.Nil(t, ManifestErrors(assert.AnError))
}

func TestParseManifestStrict(t *testing.T) {
	good := validManifest().JSON()
	_, err := ParseManifest(good)
	require.NoError(t, err)
	mutate := func(old, new string) []byte {
		require.Contains(t, string(good), old)
		return []byte(strings.Replace(string(good), old, new, 1))
	}
	for _, tc := range []struct {
		in   []byte
		code strictjson.Code
		want string
	}{
		{mutate(`"version": 1,`, `"version": 1, "extra": 1,`), strictjson.Unknown, "manifest: extra: unknown member"},
		{mutate(`"label": "Ja"`, `"label": "Ja", "colour": "red"`), strictjson.Unknown, "manifest: contests[0].options[0].colour: unknown member"},
		{mutate(`"max": 1,`, `"max": 1, "max": 2,`), strictjson.Duplicate, "manifest: contests[0].max: duplicate member"},
		{mutate(`"max": 1,`, `"max": 2, "max": 1,`), strictjson.Duplicate, "manifest: contests[0].max: duplicate member"},
		{mutate(`"min": 0,`, ``), strictjson.Missing, "manifest: contests[0].min: missing member"},
		{mutate(`"max": 1,`, `"max": 1.0,`), strictjson.NotInteger, "manifest: contests[0].max: not an integer: 1.0 has a fraction"},
		{mutate(`"max": 1,`, `"max": 1e0,`), strictjson.NotInteger, "manifest: contests[0].max: not an integer in canonical form: 1e0 has an exponent"},
		{mutate(`"max": 1,`, `"max": 01,`), strictjson.Syntax, "manifest: contests[0].max: at byte"},
		{mutate(`"min": 0,`, `"min": -0,`), strictjson.NotInteger, "manifest: contests[0].min: not an integer in canonical form: -0"},
		{mutate(`"id": "dk-2026"`, `"id": null`), strictjson.WrongType, "manifest: id: want a string, got null"},
		{append(append([]byte{}, good...), "{}"...), strictjson.Syntax, "data after the value"},
		{nil, strictjson.Syntax, "unexpected end of input"},
	} {
		_, err := ParseManifest(tc.in)
		require.ErrorContains(t, err, tc.want)
		var je *JSONError
		require.ErrorAs(t, err, &je)
		require.Equal(t, tc.code, je.Code, tc.want)
	}
	// A list's name may be absent.
	_, err = ParseManifest(mutate(`"name": "Socialdemokratiet",`, ``))
	require.NoError(t, err)
}

func TestHashFormatting(t *testing.T) {
	m := validManifest()
	compact, err := json.Marshal(m)
	require.NoError(t, err)
	// Reorder the keys and change the whitespace: the same manifest.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(compact, &raw))
	reordered, err := json.MarshalIndent(raw, "\t", "    ")
	require.NoError(t, err)
	a, err := ParseManifest(compact)
	require.NoError(t, err)
	b, err := ParseManifest(reordered)
	require.NoError(t, err)
	assert.Equal(t, m.Hash(), a.Hash())
	assert.Equal(t, a.Hash(), b.Hash())
	assert.Equal(t, a.Bytes(), b.Bytes())
}

func TestHashKnownAnswer(t *testing.T) {
	m := &Manifest{Version: 1, ID: "e", Title: "T", PublicKey: generatorHex, Revoting: RevotingForbid,
		Contests: []Contest{{ID: "c", Title: "Q", Kind: Referendum, Tally: Homomorphic, Max: 1,
			Options: []Option{{"y", "Yes"}, {"n", "No"}}}}}
	require.NoError(t, m.Validate())
	want := "01" + "0000000000000001" +
		"02" + "00000001" + hex.EncodeToString([]byte("e")) +
		"02" + "00000001" + hex.EncodeToString([]byte("T")) +
		"02" + "00000040" + hex.EncodeToString([]byte(generatorHex)) +
		"02" + "00000006" + hex.EncodeToString([]byte("forbid")) +
		"03" + "00000001" +
		"02" + "00000001" + hex.EncodeToString([]byte("c")) +
		"02" + "00000001" + hex.EncodeToString([]byte("Q")) +
		"02" + "0000000a" + hex.EncodeToString([]byte("referendum")) +
		"02" + "0000000b" + hex.EncodeToString([]byte("homomorphic")) +
		"01" + "0000000000000000" +
		"01" + "0000000000000001" +
		"03" + "00000002" +
		"02" + "00000001" + hex.EncodeToString([]byte("y")) + "02" + "00000003" + hex.EncodeToString([]byte("Yes")) +
		"02" + "00000001" + hex.EncodeToString([]byte("n")) + "02" + "00000002" + hex.EncodeToString([]byte("No")) +
		"03" + "00000000"
	assert.Equal(t, want, hex.EncodeToString(m.Bytes()))
	h := m.Hash()
	assert.Equal(t, "d839b7ca5311df3657679bb008e8b9ce00c793b2b6826cb0c51f24e6fddb2d1c", hex.EncodeToString(h[:]))
}

// TestHashBindsEveryField changes every field of the manifest, one at a
// time, and checks that the hash changes.
func TestHashBindsEveryField(t *testing.T) {
	base := validManifest().Hash()
	mutations := map[string]func(m *Manifest){
		"version":            func(m *Manifest) { m.Version++ },
		"id":                 func(m *Manifest) { m.ID += "x" },
		"title":              func(m *Manifest) { m.Title += "x" },
		"public_key":         func(m *Manifest) { m.PublicKey = strings.Repeat("00", 32) },
		"revoting":           func(m *Manifest) { m.Revoting = RevotingLastCounts },
		"contest order":      func(m *Manifest) { m.Contests[0], m.Contests[1] = m.Contests[1], m.Contests[0] },
		"contest dropped":    func(m *Manifest) { m.Contests = m.Contests[:3] },
		"contest id":         func(m *Manifest) { m.Contests[0].ID += "x" },
		"contest title":      func(m *Manifest) { m.Contests[0].Title += "x" },
		"contest kind":       func(m *Manifest) { m.Contests[2].Kind = Ranked },
		"contest tally":      func(m *Manifest) { m.Contests[2].Tally = Mixnet },
		"contest min":        func(m *Manifest) { m.Contests[2].Min = 1 },
		"contest max":        func(m *Manifest) { m.Contests[2].Max = 1 },
		"option order":       func(m *Manifest) { o := m.Contests[0].Options; o[0], o[1] = o[1], o[0] },
		"option added":       func(m *Manifest) { m.Contests[0].Options = append(m.Contests[0].Options, Option{"b", "B"}) },
		"option id":          func(m *Manifest) { m.Contests[0].Options[0].ID += "x" },
		"option label":       func(m *Manifest) { m.Contests[0].Options[0].Label += "x" },
		"list order":         func(m *Manifest) { l := m.Contests[1].Lists; l[0], l[1] = l[1], l[0] },
		"list letter":        func(m *Manifest) { m.Contests[1].Lists[0].Letter = "B" },
		"list name":          func(m *Manifest) { m.Contests[1].Lists[1].Name = "Navn" },
		"candidate order":    func(m *Manifest) { c := m.Contests[1].Lists[0].Candidates; c[0], c[1] = c[1], c[0] },
		"candidate dropped":  func(m *Manifest) { m.Contests[1].Lists[0].Candidates = m.Contests[1].Lists[0].Candidates[:1] },
		"candidate id":       func(m *Manifest) { m.Contests[1].Lists[0].Candidates[0].ID += "x" },
		"candidate name":     func(m *Manifest) { m.Contests[1].Lists[0].Candidates[0].Name += "x" },
		"string boundary":    func(m *Manifest) { m.ID, m.Title = m.ID+m.Title[:1], m.Title[1:] },
		"list moved to next": func(m *Manifest) { m.Contests[1].Lists[0].Name, m.Contests[1].Lists[1].Name = "", "Socialdemokratiet" },
	}
	seen := map[[32]byte]string{base: "base"}
	for name, mutate := range mutations {
		m := validManifest()
		mutate(m)
		h := m.Hash()
		assert.NotEqual(t, base, h, name)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s and %s hash the same", name, prev)
		}
		seen[h] = name
	}
	// Deterministic.
	assert.Equal(t, validManifest().Bytes(), validManifest().Bytes())
	assert.Equal(t, base, validManifest().Hash())
}

func FuzzParseManifest(f *testing.F) {
	f.Add(validManifest().JSON())
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"version":1.0}`))
	f.Add([]byte(`{"version":1,"contests":[{"kind":"party-list","lists":[{"letter":"A"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		enc := m.Bytes()
		m2, err := ParseManifest(m.JSON())
		require.NoError(t, err)
		assert.Equal(t, enc, m2.Bytes())
		assert.Equal(t, m.Hash(), m2.Hash())
		assert.Equal(t, m.JSON(), m2.JSON())
		for i := range m.Contests {
			assert.NotEmpty(t, m.Contests[i].Choices())
		}
	})
}
