package election

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// rehash makes o name b again after b was changed.
func rehash(o *Opening, b *Ballot) { o.Ballot = sha256.Sum256(b.Bytes()) }

// openingErr asserts that err is an *OpeningError for the contest, choice
// and check given.
func openingErr(t *testing.T, err error, contest string, choice int, check OpeningCheck) *OpeningError {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBallot)
	var oe *OpeningError
	require.True(t, errors.As(err, &oe), "%v is not an *OpeningError", err)
	assert.Equal(t, contest, oe.Contest, "%v", err)
	assert.Equal(t, choice, oe.Choice, "%v", err)
	assert.Equal(t, check, oe.Check, "%v", err)
	return oe
}

func TestOpenBallotRecoversChoices(t *testing.T) {
	m := testManifest(t)
	for name, ch := range map[string]Choices{
		"sample":        sample,
		"blank":         {},
		"unsorted":      {"council": {4, 0}, "rank": {3}},
		"full ranking":  {"rank": {3, 2, 1}},
		"referendum no": {"ref": {1}},
	} {
		b, o := encrypt(t, m, testCred(t, 1), ch)
		got, err := OpenBallot(m, b, o)
		require.NoError(t, err, name)
		want, err := checkChoices(m, ch)
		require.NoError(t, err)
		for i, c := range m.Contests {
			assert.Equal(t, want[i].list(), got[c.ID], "%s: contest %s", name, c.ID)
			if want[i].n == 0 {
				assert.NotContains(t, got, c.ID, name)
			}
		}
		require.NoError(t, VerifyOpening(m, b, o, got), name)
	}
}

func TestOpenBallotMixnetPartyList(t *testing.T) {
	m, _ := mixnetPartyListManifest(t)
	for _, ch := range []Choices{{}, {"ft": {0}}, {"ft": {109}, "ref": {1}}} {
		b, o := encrypt(t, m, testCred(t, 1), ch)
		got, err := OpenBallot(m, b, o)
		require.NoError(t, err)
		assert.Equal(t, ch, got)
	}
}

func TestOpenBallotRefuses(t *testing.T) {
	m := testManifest(t)
	pk, err := m.ElectionKey()
	require.NoError(t, err)
	scalar := func(n byte) *elgamal.Scalar {
		s, err := elgamal.RandomScalar(seeded(n))
		require.NoError(t, err)
		return s
	}
	fresh := func() (*Ballot, *Opening) { return encrypt(t, m, testCred(t, 1), sample) }

	t.Run("another ballot", func(t *testing.T) {
		b, o := fresh()
		b2, _ := encrypt(t, m, testCred(t, 2), sample)
		_, err := OpenBallot(m, b2, o)
		openingErr(t, err, "", -1, OpeningHash)
		_, err = OpenBallot(m, b, o)
		require.NoError(t, err)
	})
	t.Run("wrong randomness", func(t *testing.T) {
		b, o := fresh()
		o.Randomness[0][2] = *scalar(7)
		_, err := OpenBallot(m, b, o)
		oe := openingErr(t, err, "council", 2, OpeningRandomness)
		assert.Equal(t, `contest "council" choice 2`, oe.Where())
		assert.Contains(t, err.Error(), `contest "council": choice 2: randomness: `)
	})
	t.Run("junk randomness everywhere", func(t *testing.T) {
		b, o := fresh()
		for i := range o.Randomness {
			for j := range o.Randomness[i] {
				o.Randomness[i][j] = *scalar(byte(10*i + j))
			}
		}
		_, err := OpenBallot(m, b, o)
		openingErr(t, err, "council", 0, OpeningRandomness)
	})
	t.Run("wrong data randomness", func(t *testing.T) {
		b, o := fresh()
		o.Randomness[2][0] = *scalar(8)
		_, err := OpenBallot(m, b, o)
		oe := openingErr(t, err, "rank", -1, OpeningRandomness)
		assert.Equal(t, `contest "rank" data ciphertext`, oe.Where())
	})
	t.Run("plaintext 2", func(t *testing.T) {
		b, o := fresh()
		r := scalar(9)
		b.Contests[1].Selections[1].C = *pk.EncryptIntWithNonce(2, r)
		o.Randomness[1][1] = *r
		rehash(o, b)
		_, err := OpenBallot(m, b, o)
		openingErr(t, err, "ref", 1, OpeningPlaintext)
	})
	t.Run("over the limit", func(t *testing.T) {
		b, o := fresh()
		// council allows 2: select a third.
		r := scalar(11)
		b.Contests[0].Selections[0].C = *pk.EncryptIntWithNonce(1, r)
		o.Randomness[0][0] = *r
		rehash(o, b)
		_, err := OpenBallot(m, b, o)
		oe := openingErr(t, err, "council", -1, OpeningSelection)
		assert.Equal(t, "the ballot encrypts choices 0, 1, 3: 3 selections, at most 2 allowed", oe.Problem)
		assert.Equal(t, `contest "council"`, oe.Where())
	})
	t.Run("under the minimum", func(t *testing.T) {
		m := testManifest(t)
		m.Contests[0].Min = 2
		b, o := encrypt(t, m, testCred(t, 1), Choices{"council": {0, 1}})
		r := scalar(12)
		b.Contests[0].Selections[1].C = *pk.EncryptIntWithNonce(0, r)
		o.Randomness[0][1] = *r
		rehash(o, b)
		_, err := OpenBallot(m, b, o)
		openingErr(t, err, "council", -1, OpeningSelection)
	})
	data := func(t *testing.T, plain *elgamal.Element) error {
		b, o := fresh()
		r := scalar(13)
		b.Contests[2].Data = pk.EncryptWithNonce(plain, r)
		o.Randomness[2][0] = *r
		rehash(o, b)
		_, err := OpenBallot(m, b, o)
		return err
	}
	t.Run("mixnet plaintext not data", func(t *testing.T) {
		// G's encoding has a non-zero length byte above 30.
		oe := openingErr(t, data(t, elgamal.NewGeneratorElement()), "rank", -1, OpeningData)
		assert.Contains(t, oe.Problem, "not a data element")
	})
	t.Run("mixnet data of the wrong length", func(t *testing.T) {
		e, err := elgamal.EncodeData([]byte{1, 2})
		require.NoError(t, err)
		openingErr(t, data(t, e), "rank", -1, OpeningData)
	})
	t.Run("mixnet ranking out of range", func(t *testing.T) {
		e, err := elgamal.EncodeData([]byte{5, 0, 0})
		require.NoError(t, err)
		openingErr(t, data(t, e), "rank", -1, OpeningData)
	})
	t.Run("mixnet ranking with a gap", func(t *testing.T) {
		e, err := elgamal.EncodeData([]byte{1, 0, 2})
		require.NoError(t, err)
		openingErr(t, data(t, e), "rank", -1, OpeningData)
	})
	t.Run("wrong contest count", func(t *testing.T) {
		b, o := fresh()
		o.Randomness = o.Randomness[:2]
		_, err := OpenBallot(m, b, o)
		openingErr(t, err, "", -1, OpeningShape)
		b, o = fresh()
		b.Contests = b.Contests[:2]
		rehash(o, b)
		_, err = OpenBallot(m, b, o)
		openingErr(t, err, "", -1, OpeningShape)
	})
	t.Run("wrong scalar count", func(t *testing.T) {
		b, o := fresh()
		o.Randomness[1] = o.Randomness[1][:1]
		_, err := OpenBallot(m, b, o)
		openingErr(t, err, "ref", -1, OpeningShape)
	})
	t.Run("missing", func(t *testing.T) {
		b, o := fresh()
		_, err := OpenBallot(nil, b, o)
		require.Error(t, err)
		_, err = OpenBallot(m, nil, o)
		require.Error(t, err)
		_, err = OpenBallot(m, b, nil)
		require.Error(t, err)
	})
}

func TestVerifyOpeningJunk(t *testing.T) {
	m := testManifest(t)
	b, o := encrypt(t, m, testCred(t, 1), sample)
	s, err := elgamal.RandomScalar(seeded(5))
	require.NoError(t, err)
	o.Randomness[1][0] = *s
	err = VerifyOpening(m, b, o, sample)
	openingErr(t, err, "ref", 0, OpeningRandomness)
}

func TestOpeningRoundTrip(t *testing.T) {
	m := testManifest(t)
	b, o := encrypt(t, m, testCred(t, 1), sample)
	o2, err := ParseOpening(m, o.Bytes())
	require.NoError(t, err)
	assert.Equal(t, o.Bytes(), o2.Bytes())
	got, err := OpenBallot(m, b, o2)
	require.NoError(t, err)
	require.NoError(t, VerifyOpening(m, b, o2, got))
}

// FuzzParseOpening checks parse→marshal identity, and that OpenBallot
// never panics on a decoded opening and accepts only a true one.
func FuzzParseOpening(f *testing.F) {
	m := testManifest(f)
	b, o := encrypt(f, m, testCred(f, 1), sample)
	f.Add(o.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		o2, err := ParseOpening(m, data)
		if err != nil {
			return
		}
		assert.Equal(t, data, o2.Bytes())
		if _, err := OpenBallot(m, b, o2); err == nil {
			assert.Equal(t, o.Bytes(), data)
		}
	})
}

func ExampleOpenBallot() {
	key, _ := elgamal.GenerateKey(rand.NewChaCha8([32]byte{2}))
	m, err := ParseManifest([]byte(`{"version": 1, "id": "ref-2026", "title": "Referendum",
		"public_key": "` + hex.EncodeToString(key.PublicKey().Bytes()) + `", "revoting": "last-counts",
		"contests": [{"id": "q1", "title": "Adopt?", "kind": "referendum", "tally": "homomorphic",
		"min": 0, "max": 1, "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cred, _ := NewCredential(rand.NewChaCha8([32]byte{1}))
	b, opening, _ := EncryptBallot(m, cred, Choices{"q1": {1}}, rand.NewChaCha8([32]byte{3}))

	// Anyone holding the posted opening recovers the choices, without
	// being told them.
	choices, err := OpenBallot(m, b, opening)
	fmt.Println(choices, err)

	// A junk opening with the ballot's hash does not open it.
	opening.Randomness[0][1] = *elgamal.HashToScalar("example", []byte("junk"))
	_, err = OpenBallot(m, b, opening)
	var oe *OpeningError
	if errors.As(err, &oe) {
		fmt.Println(oe.Where()+":", oe.Check)
	}
	// Output:
	// map[q1:[1]] <nil>
	// contest "q1" choice 1: randomness
}
