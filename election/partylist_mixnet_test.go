package election

import (
	"encoding/hex"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// bigPartyList returns a party-list contest of lists lists of perList
// candidates each; list "B" has no name.
func bigPartyList(id string, tally TallyMethod, lists, perList int) Contest {
	c := Contest{ID: id, Title: "Folketingsvalg", Kind: PartyList, Tally: tally, Max: 1}
	for i := range lists {
		letter := string(rune('A' + i%26))
		if i >= 26 {
			letter += strconv.Itoa(i / 26)
		}
		l := List{Letter: letter, Name: "Parti " + letter}
		if letter == "B" {
			l.Name = ""
		}
		for j := range perList {
			l.Candidates = append(l.Candidates, Candidate{ID: "c" + strconv.Itoa(i) + "-" + strconv.Itoa(j), Name: "Kandidat " + letter + strconv.Itoa(j)})
		}
		c.Lists = append(c.Lists, l)
	}
	return c
}

// mixnetPartyListManifest has a referendum and a mixnet party-list contest
// of 10 lists of 10 candidates (110 choices: too many for a homomorphic
// tally). The test holds the private key in place of the trustees.
func mixnetPartyListManifest(t testing.TB) (*Manifest, *elgamal.PrivateKey) {
	key, err := elgamal.GenerateKey(seeded(9))
	require.NoError(t, err)
	m := &Manifest{
		Version: 1, ID: "ft-2026", Title: "Folketingsvalg 2026",
		PublicKey: hex.EncodeToString(key.PublicKey().Bytes()),
		Revoting:  RevotingLastCounts,
		Contests: []Contest{
			{ID: "ref", Title: "Folkeafstemning", Kind: Referendum, Tally: Homomorphic, Max: 1,
				Options: []Option{{ID: "yes", Label: "Ja"}, {ID: "no", Label: "Nej"}}},
			bigPartyList("ft", Mixnet, 10, 10),
		},
	}
	require.NoError(t, m.Validate())
	return m, key
}

func TestMixnetPartyListManifest(t *testing.T) {
	m := validManifest()
	m.Contests[1].Tally = Mixnet
	require.NoError(t, m.Validate(), "a small mixnet party-list contest")
	m.Contests[1].Tally = Homomorphic
	require.NoError(t, m.Validate(), "homomorphic party-list contests are still accepted")

	// Beyond the homomorphic limit, only a mix will do.
	m.Contests[1] = bigPartyList("ft", Mixnet, 10, 10)
	require.NoError(t, m.Validate())
	m2, err := ParseManifest(m.JSON())
	require.NoError(t, err)
	assert.Equal(t, m.Hash(), m2.Hash())
	m.Contests[1].Tally = Homomorphic
	assert.Equal(t, []*ManifestError{{Contest: "ft", Problem: "110 choices: a homomorphic contest has at most 64"}}, ManifestErrors(m.Validate()))

	// At most 65535 choices: one list of 65534 candidates fits, one more
	// does not.
	m.Contests[1] = bigPartyList("ft", Mixnet, 1, MaxMixnetPartyListChoices-1)
	require.NoError(t, m.Validate())
	m.Contests[1] = bigPartyList("ft", Mixnet, 1, MaxMixnetPartyListChoices)
	assert.Equal(t, []*ManifestError{{Contest: "ft", Problem: "65536 choices: a mixnet party-list contest has at most 65535 (data too large for the ballot encoding)"}}, ManifestErrors(m.Validate()))

	// Still one choice only.
	m.Contests[1] = bigPartyList("ft", Mixnet, 2, 2)
	m.Contests[1].Max = 2
	assert.Equal(t, []*ManifestError{{Contest: "ft", Field: "max", Problem: "a party-list contest allows one choice: max must be 1, got 2"}}, ManifestErrors(m.Validate()))
}

func TestListChoiceEncoding(t *testing.T) {
	for _, tc := range []struct {
		sel  []int
		n    int
		want []byte
	}{
		{nil, 3, []byte{0, 0}},
		{[]int{0}, 3, []byte{0, 1}},
		{[]int{2}, 3, []byte{0, 3}},
		{[]int{299}, 300, []byte{1, 44}},
		{[]int{65534}, 65535, []byte{0xff, 0xff}},
	} {
		b, err := EncodeListChoice(tc.sel, tc.n)
		require.NoError(t, err)
		assert.Equal(t, tc.want, b)
		sel, err := DecodeListChoice(b, tc.n)
		require.NoError(t, err)
		assert.Equal(t, tc.sel, sel)
	}
	for _, bad := range []struct {
		sel []int
		n   int
	}{{[]int{3}, 3}, {[]int{-1}, 3}, {[]int{0, 1}, 3}, {nil, 65536}} {
		_, err := EncodeListChoice(bad.sel, bad.n)
		assert.ErrorIs(t, err, ErrBallot, "%v", bad)
	}
	for _, bad := range [][]byte{nil, {0}, {0, 0, 0}, {0, 4}, {1, 0}} {
		_, err := DecodeListChoice(bad, 3)
		assert.ErrorIs(t, err, ErrBallot, "%x", bad)
	}
}

func TestMixnetPartyListBallot(t *testing.T) {
	m, key := mixnetPartyListManifest(t)
	cred := testCred(t, 3)
	size, err := BallotSize(m)
	require.NoError(t, err)
	assert.Equal(t, 64+2*(64+224)+288+(64+64)+64, size)
	// ft layout: 10 lists (0..9), then 100 candidates (10..109).
	for _, tc := range []struct {
		ch   Choices
		want []byte
	}{
		{Choices{}, []byte{0, 0}},
		{Choices{"ft": {1}}, []byte{0, 2}},
		{Choices{"ft": {10}, "ref": {0}}, []byte{0, 11}},
		{Choices{"ft": {109}}, []byte{0, 110}},
	} {
		b, o := encrypt(t, m, cred, tc.ch)
		assert.Len(t, b.Bytes(), size, "size independent of the choice")
		require.NoError(t, VerifyBallot(m, b))
		require.NoError(t, VerifyOpening(m, b, o, tc.ch))
		other := Choices{"ft": {5}, "ref": tc.ch["ref"]}
		assert.ErrorIs(t, VerifyOpening(m, b, o, other), ErrBallot)
		b2, err := ParseBallot(m, b.Bytes())
		require.NoError(t, err)
		assert.Equal(t, b.Bytes(), b2.Bytes())
		data, err := elgamal.DecodeData(key.Decrypt(b.Contests[1].Data))
		require.NoError(t, err)
		assert.Equal(t, tc.want, data)
	}
	_, _, err = EncryptBallot(m, cred, Choices{"ft": {0, 10}}, seeded(1))
	assert.ErrorIs(t, err, ErrBallot)
	_, _, err = EncryptBallot(m, cred, Choices{"ft": {110}}, seeded(1))
	assert.ErrorIs(t, err, ErrBallot)
}

func TestMixnetPartyListCount(t *testing.T) {
	m, key := mixnetPartyListManifest(t)
	vs := voters(t, 8)
	// ft layout: lists A..J are 0..9; candidate j of list i is 10+10i+j.
	board := []*Ballot{
		cast(t, m, vs[0], Choices{"ft": {0}, "ref": {0}}), // list vote A
		cast(t, m, vs[1], Choices{"ft": {10}}),            // personal c0-0 (A)
		cast(t, m, vs[2], Choices{"ft": {1}}),             // list vote B (nameless)
		cast(t, m, vs[3], Choices{"ft": {21}}),            // personal c1-1 (B)
		cast(t, m, vs[4], Choices{"ft": {21}}),            // personal c1-1 (B)
		cast(t, m, vs[5], Choices{}),                      // blank
		cast(t, m, vs[6], Choices{"ft": {109}}),           // personal c9-9 (J), made invalid below
		cast(t, m, vs[7], Choices{"ft": {9}}),             // list vote J, made invalid below
	}
	c := Cleanse(m, pubs(vs), board, nil)
	require.Equal(t, 8, c.Counts.Accepted)
	agg, err := c.Aggregate()
	require.NoError(t, err)
	require.Len(t, agg, 2, "only the referendum is added up")
	in := c.MixInput("ft")
	require.Len(t, in, 8)
	var mixed []*elgamal.Element
	for _, v := range in {
		mixed = append(mixed, key.Decrypt(&v[0]))
	}
	// Invalid plaintexts: a choice beyond the contest's, a wrong length,
	// and an element that is no data at all. None is dropped.
	mixed[6] = encodeData(t, []byte{0, 111})
	mixed[7] = encodeData(t, []byte{0, 1, 0})
	res, err := Count(m, c, decryptAll(key, agg), map[string][]*elgamal.Element{"ft": mixed})
	require.NoError(t, err)
	ft := res.Contests[1]
	assert.Equal(t, PartyList, ft.Kind)
	assert.Empty(t, ft.Options)
	assert.Empty(t, ft.Rankings)
	require.Len(t, ft.Lists, 10)
	assert.Equal(t, 2, ft.Invalid)
	require.NotNil(t, ft.Blank)
	assert.Equal(t, 1, *ft.Blank)
	a := ft.Lists[0]
	assert.Equal(t, "A", a.Letter)
	assert.Equal(t, "Parti A", a.Name)
	assert.Equal(t, [3]int{1, 1, 2}, [3]int{a.ListVotes, a.Personal, a.Total})
	assert.Equal(t, CandidateCount{"c0-0", "Kandidat A0", 1}, a.Candidates[0])
	b := ft.Lists[1]
	assert.Equal(t, ListCount{Letter: "B", ListVotes: 1, Personal: 2, Total: 3, Candidates: b.Candidates}, b)
	require.Len(t, b.Candidates, 10)
	assert.Equal(t, CandidateCount{"c1-1", "Kandidat B1", 2}, b.Candidates[1])
	assert.Equal(t, 0, ft.Lists[9].Total)
	total := ft.Invalid + *ft.Blank
	for _, l := range ft.Lists {
		total += l.Total
	}
	assert.Equal(t, 8, total, "every ballot counted once")

	// A non-data element is invalid too.
	mixed[5] = elgamal.NewGeneratorElement()
	res, err = Count(m, c, decryptAll(key, agg), map[string][]*elgamal.Element{"ft": mixed})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Contests[1].Invalid)
	assert.Equal(t, 0, *res.Contests[1].Blank)

	text := NewReport(c, res).Text()
	for _, want := range []string{
		"Contest ft: Folketingsvalg (party-list)\n",
		"  list A Parti A                          2\n",
		"  list B                                  3\n",
		"      Kandidat B1                         2\n",
		"  invalid                                 3\n",
	} {
		assert.Contains(t, text, want)
	}
}

func encodeData(t testing.TB, data []byte) *elgamal.Element {
	e, err := elgamal.EncodeData(data)
	require.NoError(t, err)
	return e
}
