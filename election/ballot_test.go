package election

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// testManifest has a homomorphic approval contest (5 options, up to 2), a
// homomorphic referendum and a ranked mixnet contest (4 options, up to 3).
func testManifest(t testing.TB) *Manifest {
	key, err := elgamal.GenerateKey(seeded(99))
	require.NoError(t, err)
	opts := func(n int) []Option {
		out := make([]Option, n)
		for i := range out {
			out[i] = Option{ID: fmt.Sprintf("o%d", i), Label: fmt.Sprintf("Option %d", i)}
		}
		return out
	}
	m := &Manifest{
		Version: 1, ID: "test-2026", Title: "Test election",
		PublicKey: hex.EncodeToString(key.PublicKey().Bytes()),
		Revoting:  RevotingLastCounts,
		Contests: []Contest{
			{ID: "council", Title: "Council", Kind: Approval, Tally: Homomorphic, Min: 0, Max: 2, Options: opts(5)},
			{ID: "ref", Title: "Referendum", Kind: Referendum, Tally: Homomorphic, Min: 0, Max: 1, Options: opts(2)},
			{ID: "rank", Title: "Ranked", Kind: Ranked, Tally: Mixnet, Min: 0, Max: 3, Options: opts(4)},
		},
	}
	require.NoError(t, m.Validate())
	return m
}

func testCred(t testing.TB, seed byte) *Credential {
	c, err := NewCredential(seeded(seed))
	require.NoError(t, err)
	return c
}

func encrypt(t testing.TB, m *Manifest, cred *Credential, ch Choices) (*Ballot, *Opening) {
	b, o, err := EncryptBallot(m, cred, ch, seeded(42))
	require.NoError(t, err)
	return b, o
}

var sample = Choices{"council": {3, 1}, "ref": {0}, "rank": {2, 0, 3}}

func TestBallotRoundTrip(t *testing.T) {
	m := testManifest(t)
	b, o := encrypt(t, m, testCred(t, 1), sample)
	require.NoError(t, VerifyBallot(m, b))

	enc := b.Bytes()
	size, err := BallotSize(m)
	require.NoError(t, err)
	assert.Len(t, enc, size)
	back, err := ParseBallot(m, enc)
	require.NoError(t, err)
	assert.Equal(t, enc, back.Bytes())
	require.NoError(t, VerifyBallot(m, back))

	oenc := o.Bytes()
	o2, err := ParseOpening(m, oenc)
	require.NoError(t, err)
	assert.Equal(t, oenc, o2.Bytes())
	require.NoError(t, VerifyOpening(m, back, o2, sample))
}

func TestBlankBallotVerifies(t *testing.T) {
	m := testManifest(t)
	for _, ch := range []Choices{nil, {}, {"council": {}, "ref": nil}} {
		b, o := encrypt(t, m, testCred(t, 1), ch)
		require.NoError(t, VerifyBallot(m, b))
		require.NoError(t, VerifyOpening(m, b, o, Choices{}))
	}
}

func TestBallotSizeIndependentOfChoices(t *testing.T) {
	m := testManifest(t)
	cred := testCred(t, 1)
	want, err := BallotSize(m)
	require.NoError(t, err)
	for _, ch := range []Choices{{}, sample, {"council": {0}}, {"council": {4, 2}, "ref": {1}, "rank": {1}}} {
		b, _ := encrypt(t, m, cred, ch)
		assert.Len(t, b.Bytes(), want)
	}
}

func TestEncryptBallotRefusesInvalid(t *testing.T) {
	m := testManifest(t)
	m.Contests = append(m.Contests, Contest{ID: "min2", Kind: Approval, Tally: Homomorphic, Min: 2, Max: 3, Options: m.Contests[0].Options})
	cred := testCred(t, 1)
	base := Choices{"min2": {0, 1}}
	_, _, err := EncryptBallot(m, cred, base, seeded(1))
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		ch      Choices
		contest string
	}{
		"over-vote":        {Choices{"council": {0, 1, 2}, "min2": {0, 1}}, "council"},
		"over-vote ref":    {Choices{"ref": {0, 1}, "min2": {0, 1}}, "ref"},
		"over-vote ranked": {Choices{"rank": {0, 1, 2, 3}, "min2": {0, 1}}, "rank"},
		"under-vote":       {Choices{"min2": {0}}, "min2"},
		"blank with min 2": {Choices{}, "min2"},
		"unknown choice":   {Choices{"council": {5}, "min2": {0, 1}}, "council"},
		"negative choice":  {Choices{"council": {-1}, "min2": {0, 1}}, "council"},
		"repeated choice":  {Choices{"rank": {1, 1}, "min2": {0, 1}}, "rank"},
		"unknown contest":  {Choices{"mayor": {0}, "min2": {0, 1}}, "mayor"},
	} {
		_, _, err := EncryptBallot(m, cred, tc.ch, seeded(1))
		require.ErrorIs(t, err, ErrBallot, name)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", tc.contest), name)
	}
}

func TestTamperedCiphertextRejected(t *testing.T) {
	m := testManifest(t)
	cred := testCred(t, 1)
	b, _ := encrypt(t, m, cred, sample)
	// Replace a selection by an encryption of 2 and re-sign: the zero-one
	// proof (and the range proof) must fail.
	pk, err := m.ElectionKey()
	require.NoError(t, err)
	b.Contests[0].Selections[1].C = *pk.EncryptIntWithNonce(2, elgamal.NewScalar().SetUint64(5))
	b.Sig = cred.sign(b.signedMessage())
	err = VerifyBallot(m, b)
	require.ErrorIs(t, err, zkp.ErrInvalidProof)
	assert.Contains(t, err.Error(), `contest "council": choice 1: zero-one proof`)

	// Tamper with the mixnet ciphertext.
	b2, _ := encrypt(t, m, cred, sample)
	b2.Contests[2].Data.Beta.Add(&b2.Contests[2].Data.Beta, elgamal.NewGeneratorElement())
	b2.Sig = cred.sign(b2.signedMessage())
	err = VerifyBallot(m, b2)
	require.ErrorIs(t, err, zkp.ErrInvalidProof)
	assert.Contains(t, err.Error(), `contest "rank": randomness proof`)
}

func TestTamperedProofRejected(t *testing.T) {
	m := testManifest(t)
	cred := testCred(t, 1)
	b, _ := encrypt(t, m, cred, sample)
	b.Contests[0].Selections[0].Proof.Z0.Add(&b.Contests[0].Selections[0].Proof.Z0, elgamal.NewScalar().SetUint64(1))
	b.Sig = cred.sign(b.signedMessage())
	err := VerifyBallot(m, b)
	require.ErrorIs(t, err, zkp.ErrInvalidProof)
	assert.Contains(t, err.Error(), `contest "council": choice 0: zero-one proof`)

	b, _ = encrypt(t, m, cred, sample)
	rb := &b.Contests[1].Range.Bits[0].Proof
	rb.Z1.Add(&rb.Z1, elgamal.NewScalar().SetUint64(1))
	b.Sig = cred.sign(b.signedMessage())
	err = VerifyBallot(m, b)
	require.ErrorIs(t, err, zkp.ErrInvalidProof)
	assert.Contains(t, err.Error(), `contest "ref": range proof`)
}

func TestTamperedSignatureRejected(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	b.Sig[0] ^= 1
	err := VerifyBallot(m, b)
	require.ErrorIs(t, err, ErrBallot)
	assert.Contains(t, err.Error(), "signature")
}

func TestTamperedCredentialRejected(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	b.Credential = testCred(t, 2).public()
	err := VerifyBallot(m, b)
	require.ErrorIs(t, err, ErrBallot)
	assert.Contains(t, err.Error(), "signature")
}

func TestWrongElectionRejected(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	m.Title = "Another election"
	err := VerifyBallot(m, b)
	require.ErrorIs(t, err, ErrBallot)
	assert.Contains(t, err.Error(), "election hash")
}

func TestReplayUnderAnotherCredentialRejected(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	thief := testCred(t, 2)
	b.Credential = thief.public()
	b.Sig = thief.sign(b.signedMessage())
	err := VerifyBallot(m, b)
	// Every contest's proofs are bound to the old credential.
	require.ErrorIs(t, err, zkp.ErrInvalidProof)
	assert.Contains(t, err.Error(), "proof")
}

func TestContestsNotSwappable(t *testing.T) {
	// Two contests of equal shape: moving one's ciphertexts and proofs to
	// the other fails, as proofs are bound to the contest index.
	m := testManifest(t)
	m.Contests[1] = Contest{ID: "council2", Kind: Approval, Tally: Homomorphic, Max: 2, Options: m.Contests[0].Options}
	cred := testCred(t, 1)
	b, _ := encrypt(t, m, cred, Choices{"council": {0}})
	b.Contests[0], b.Contests[1] = b.Contests[1], b.Contests[0]
	b.Sig = cred.sign(b.signedMessage())
	require.ErrorIs(t, VerifyBallot(m, b), zkp.ErrInvalidProof)
}

func TestBenalohChallenge(t *testing.T) {
	m := testManifest(t)
	b, o := encrypt(t, m, testCred(t, 1), sample)
	require.NoError(t, VerifyOpening(m, b, o, sample))
	assert.True(t, o.Spoils(b))
	assert.Equal(t, TrackingCode(b), o.TrackingCode())

	for name, ch := range map[string]Choices{
		"blank":          {},
		"other council":  {"council": {3, 2}, "ref": {0}, "rank": {2, 0, 3}},
		"fewer council":  {"council": {3}, "ref": {0}, "rank": {2, 0, 3}},
		"other ref":      {"council": {3, 1}, "ref": {1}, "rank": {2, 0, 3}},
		"other ranking":  {"council": {3, 1}, "ref": {0}, "rank": {0, 2, 3}},
		"shorter ranked": {"council": {3, 1}, "ref": {0}, "rank": {2, 0}},
	} {
		assert.ErrorIs(t, VerifyOpening(m, b, o, ch), ErrBallot, name)
	}
	// Order of a non-ranked selection does not matter.
	require.NoError(t, VerifyOpening(m, b, o, Choices{"council": {1, 3}, "ref": {0}, "rank": {2, 0, 3}}))

	// An opening of one ballot does not open another.
	b2, _ := encrypt(t, m, testCred(t, 2), sample)
	assert.False(t, o.Spoils(b2))
	assert.ErrorIs(t, VerifyOpening(m, b2, o, sample), ErrBallot)
}

func TestTrackingCode(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	code := TrackingCode(b)
	// 13 groups of 4 base32 characters: all 256 bits of the hash, the
	// last character carrying 1 bit and 4 zero bits.
	assert.Regexp(t, regexp.MustCompile(`^([A-Z2-7]{4}-){12}[A-Z2-7]{3}[AQ]$`), code)
	assert.Len(t, code, TrackingCodeLen)
	assert.Equal(t, code, TrackingCodeOf(b.Bytes()))
	b2, _ := encrypt(t, m, testCred(t, 2), sample)
	assert.NotEqual(t, code, TrackingCode(b2))

	// The code decodes back to the whole SHA-256 of the encoding.
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(code, "-", ""))
	require.NoError(t, err)
	h := sha256.Sum256(b.Bytes())
	assert.Equal(t, h[:], raw)
	for _, c := range []string{code, strings.ToLower(code), strings.ReplaceAll(code, "-", "")} {
		got, err := ParseTrackingCode(c)
		require.NoError(t, err, c)
		assert.Equal(t, h, got)
		norm, err := NormalizeTrackingCode(c)
		require.NoError(t, err)
		assert.Equal(t, code, norm)
	}
	o := &Opening{Ballot: h}
	assert.Equal(t, code, o.TrackingCode())

	// The short code is the first 80 bits, for display only.
	short := ShortCode(code)
	assert.Regexp(t, regexp.MustCompile(`^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`), short)
	assert.Equal(t, code[:ShortCodeLen], short)
	for _, bad := range []string{short, code[:len(code)-1], code + "A", code[:len(code)-1] + "B", strings.Replace(code, code[:1], "1", 1), ""} {
		_, err := ParseTrackingCode(bad)
		assert.Error(t, err, bad)
	}
}

func TestRankingEncoding(t *testing.T) {
	for _, r := range [][]int{nil, {0}, {2, 0, 3}} {
		enc, err := EncodeRanking(r, 3)
		require.NoError(t, err)
		assert.Len(t, enc, 3)
		dec, err := DecodeRanking(enc, 4)
		require.NoError(t, err)
		assert.Equal(t, r, dec)
	}
	_, err := EncodeRanking([]int{0, 1, 2, 3}, 3)
	assert.Error(t, err)
	for _, bad := range [][]byte{{0, 1, 0}, {1, 1, 0}, {5, 0, 0}} {
		_, err := DecodeRanking(bad, 4)
		assert.ErrorIs(t, err, ErrBallot)
	}
}

func TestBatchVerifyBallots(t *testing.T) {
	m := testManifest(t)
	var bs []*Ballot
	for i := range 8 {
		b, _, err := EncryptBallot(m, testCred(t, byte(i)), sample, seeded(byte(100+i)))
		require.NoError(t, err)
		bs = append(bs, b)
	}
	require.NoError(t, BatchVerifyBallots(m, bs))

	// Ballot 2: bad proof; ballot 5: bad signature; ballot 6: replayed.
	bs[2].Contests[0].Selections[4].Proof.C0.Add(&bs[2].Contests[0].Selections[4].Proof.C0, elgamal.NewScalar().SetUint64(1))
	bs[2].Sig = testCred(t, 2).sign(bs[2].signedMessage())
	bs[5].Sig[10] ^= 0x80
	thief := testCred(t, 77)
	bs[6].Credential = thief.public()
	bs[6].Sig = thief.sign(bs[6].signedMessage())

	err := BatchVerifyBallots(m, bs)
	var be *BallotBatchError
	require.True(t, errors.As(err, &be))
	assert.Equal(t, []int{2, 5, 6}, be.Failed)
	assert.ErrorIs(t, err, ErrBallot)
	assert.Contains(t, be.Errs[0].Error(), `contest "council": choice 4`)
	assert.Contains(t, be.Errs[1].Error(), "signature")
	assert.ErrorIs(t, be.Errs[2], zkp.ErrInvalidProof)

	// The same from encodings, plus one that does not decode: the
	// signature is checked over the bytes as given.
	encs := make([][]byte, len(bs))
	for i, b := range bs {
		encs[i] = b.Bytes()
	}
	encs[7] = encs[7][:len(encs[7])-1]
	decoded, err := BatchVerifyEncodedBallots(m, encs)
	require.True(t, errors.As(err, &be))
	assert.Equal(t, []int{2, 5, 6, 7}, be.Failed)
	assert.Nil(t, decoded[7])
	assert.True(t, IsDecodingError(be.Errs[3]))
	assert.False(t, IsDecodingError(be.Errs[1]))
	assert.Contains(t, be.Errs[1].Error(), "signature")
	assert.Equal(t, bs[0].Bytes(), decoded[0].Bytes())
	decoded, err = BatchVerifyEncodedBallots(m, encs[:2])
	require.NoError(t, err)
	require.Len(t, decoded, 2)
}

func TestParseBallotStrict(t *testing.T) {
	m := testManifest(t)
	b, _ := encrypt(t, m, testCred(t, 1), sample)
	enc := b.Bytes()
	_, err := ParseBallot(m, enc[:len(enc)-1])
	assert.ErrorIs(t, err, ErrBallot)
	_, err = ParseBallot(m, append(enc, 0))
	assert.ErrorIs(t, err, ErrBallot)
	bad := append([]byte(nil), enc...)
	copy(bad[64:96], make([]byte, 32)) // first α = identity
	_, err = ParseBallot(m, bad)
	assert.ErrorIs(t, err, ErrBallot)
	assert.Contains(t, err.Error(), `contest "council": choice 0`)

	oenc := (&Opening{Randomness: [][]elgamal.Scalar{}}).Bytes()
	_, err = ParseOpening(m, oenc)
	assert.ErrorIs(t, err, ErrBallot)
}

func FuzzParseBallot(f *testing.F) {
	m := testManifest(f)
	b, o, err := EncryptBallot(m, testCred(f, 1), sample, seeded(1))
	require.NoError(f, err)
	f.Add(b.Bytes())
	f.Add(o.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if b, err := ParseBallot(m, data); err == nil {
			assert.Equal(t, data, b.Bytes())
			_ = VerifyBallot(m, b)
		}
		if o, err := ParseOpening(m, data); err == nil {
			assert.Equal(t, data, o.Bytes())
		}
	})
}

func Example() {
	// A registrar issues credentials; the public list goes on the board.
	// Each voter gets their credential once; the registrar keeps only the
	// public mapping.
	reg, creds, _ := GenerateCredentials([]string{"alice", "bob"}, rand.NewChaCha8([32]byte{1}))
	fmt.Println("eligible credentials:", len(reg.PublicList()))

	key, _ := elgamal.GenerateKey(rand.NewChaCha8([32]byte{2}))
	m, err := ParseManifest([]byte(`{"version": 1, "id": "ref-2026", "title": "Referendum",
		"public_key": "` + hex.EncodeToString(key.PublicKey().Bytes()) + `", "revoting": "last-counts",
		"contests": [{"id": "q1", "title": "Adopt?", "kind": "referendum", "tally": "homomorphic",
		"min": 0, "max": 1, "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	alice := creds[0]
	choices := Choices{"q1": {0}} // "yes"
	b, opening, _ := EncryptBallot(m, alice, choices, rand.NewChaCha8([32]byte{3}))

	// Benaloh challenge: another device checks the ballot, which is then
	// spoiled and must not be cast.
	fmt.Println("opening matches:", VerifyOpening(m, b, opening, choices) == nil)
	fmt.Println("spoiled:", opening.Spoils(b))

	// A fresh ballot is cast; anyone can verify it.
	b, _, _ = EncryptBallot(m, alice, choices, rand.NewChaCha8([32]byte{4}))
	parsed, _ := ParseBallot(m, b.Bytes())
	fmt.Println("valid:", VerifyBallot(m, parsed) == nil)
	voter, _ := reg.VoterOf(parsed.Credential[:])
	fmt.Println("registrar knows:", voter)
	// Output:
	// eligible credentials: 2
	// opening matches: true
	// spoiled: true
	// valid: true
	// registrar knows: alice
}
