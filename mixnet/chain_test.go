package mixnet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// chainFixture is a small election: a key, three registered mixers and a
// list of 6 ballots of width 2, each an encoded write-in.
type chainFixture struct {
	election []byte
	key      *elgamal.PrivateKey
	mixers   []Mixer
	signers  []ed25519.PrivateKey
	input    []elgamal.CiphertextVector
	plain    []string // the plaintexts of input, "a|b" per vector
}

const (
	chainN     = 6
	chainWidth = 2
)

func newChainFixture(t testing.TB) *chainFixture {
	t.Helper()
	seed := sha256.Sum256([]byte("urna/mixnet/chain_test"))
	r := mrand.NewChaCha8(seed)
	f := &chainFixture{election: bytes.Clone(seed[:])}
	f.election[0] ^= 1
	var err error
	f.key, err = elgamal.GenerateKey(r)
	require.NoError(t, err)
	for _, name := range []string{"alice", "bob", "carol"} {
		pub, priv, err := ed25519.GenerateKey(r)
		require.NoError(t, err)
		f.mixers = append(f.mixers, Mixer{Name: name, SigningKey: pub})
		f.signers = append(f.signers, priv)
	}
	for i := range chainN {
		a, b := fmt.Sprintf("candidate %d", i%3), fmt.Sprintf("write-in %d", i)
		ma, err := elgamal.EncodeData([]byte(a))
		require.NoError(t, err)
		mb, err := elgamal.EncodeData([]byte(b))
		require.NoError(t, err)
		v, _, err := f.key.PublicKey().EncryptVector([]*elgamal.Element{ma, mb}, r)
		require.NoError(t, err)
		f.input = append(f.input, v)
		f.plain = append(f.plain, a+"|"+b)
	}
	return f
}

func (f *chainFixture) pk() *elgamal.PublicKey { return f.key.PublicKey() }

// mix runs MixStage for mixer m (1-based) at position on input.
func (f *chainFixture) mix(t testing.TB, m int, position uint32, input []elgamal.CiphertextVector) *Stage {
	t.Helper()
	s, err := MixStage(f.election, f.mixers, f.signers[m-1], position, f.pk(), input, rand.Reader, nil)
	require.NoError(t, err)
	return s
}

// chain returns stages by mixers 1, 2, 3 in order.
func (f *chainFixture) chain(t testing.TB) []*Stage {
	s1 := f.mix(t, 1, 1, f.input)
	s2 := f.mix(t, 2, 2, s1.Output)
	s3 := f.mix(t, 3, 3, s2.Output)
	return []*Stage{s1, s2, s3}
}

func (f *chainFixture) verify(stages []*Stage) (*ChainReport, error) {
	return VerifyChain(f.election, f.mixers, f.pk(), f.input, stages, nil)
}

// requireChainError checks that err is a *ChainError for stage and check.
func requireChainError(t *testing.T, err error, stage int, check string) *ChainError {
	t.Helper()
	require.Error(t, err)
	var ce *ChainError
	require.True(t, errors.As(err, &ce), "error %v is not a *ChainError", err)
	require.Equal(t, stage, ce.Stage, "stage of %v", err)
	require.Equal(t, check, ce.Check, "check of %v", err)
	require.Contains(t, err.Error(), fmt.Sprintf("stage %d: %s: ", stage, check))
	return ce
}

func (f *chainFixture) decrypt(list []elgamal.CiphertextVector) []string {
	var out []string
	for _, v := range list {
		var parts []string
		for _, m := range f.key.DecryptVector(v) {
			d, err := elgamal.DecodeData(m)
			if err != nil {
				parts = append(parts, "?"+err.Error())
				continue
			}
			parts = append(parts, string(d))
		}
		out = append(out, parts[0]+"|"+parts[1])
	}
	return out
}

func chainSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func TestChainVerifiesAndDecrypts(t *testing.T) {
	f := newChainFixture(t)
	stages := f.chain(t)
	var phases []string
	rep, err := VerifyChain(f.election, f.mixers, f.pk(), f.input, stages, func(phase string, done, total int) {
		if len(phases) == 0 || phases[len(phases)-1] != phase {
			phases = append(phases, phase)
		}
	})
	require.NoError(t, err)
	require.Len(t, rep.Stages, 3)
	assert.Equal(t, chainN, rep.N)
	assert.Equal(t, chainWidth, rep.Width)
	assert.Equal(t, ListHash(f.election, f.input), rep.Input)
	assert.Equal(t, ListHash(f.election, stages[2].Output), rep.Output)
	for i, sr := range rep.Stages {
		assert.Equal(t, i+1, sr.Stage)
		assert.Equal(t, uint32(i+1), sr.Position)
		assert.Equal(t, f.mixers[i].Name, sr.Name)
		assert.True(t, sr.OK())
		var names []string
		for _, c := range sr.Checks {
			names = append(names, c.Name)
			assert.NoError(t, c.Err)
		}
		assert.Equal(t, []string{CheckElection, CheckPosition, CheckMixer, CheckSignature, CheckDistinct, CheckInput, CheckSize, CheckProof}, names)
	}
	for _, p := range phases {
		assert.Regexp(t, `^stage [123]: `, p)
	}

	// Every stage re-encrypts every ciphertext, and the chain permutes
	// the same multiset of plaintexts.
	for _, s := range stages {
		for _, v := range s.Output {
			for _, in := range f.input {
				assert.NotEqual(t, in.Bytes(), v.Bytes())
			}
		}
	}
	assert.Equal(t, chainSorted(f.plain), chainSorted(f.decrypt(stages[2].Output)))

	// A prefix of the chain is a chain, and each stage round-trips.
	_, err = f.verify(stages[:1])
	require.NoError(t, err)
	for _, s := range stages {
		b := s.Bytes()
		require.Equal(t, StageHeaderSize+chainN*chainWidth*elgamal.CiphertextSize+ProofSize(chainN, chainWidth)+ed25519.SignatureSize, len(b))
		p, err := ParseStage(b)
		require.NoError(t, err)
		require.Equal(t, b, p.Bytes())
		require.True(t, IsStage(b))
	}
}

func TestChainRejectsBrokenLink(t *testing.T) {
	f := newChainFixture(t)
	s1 := f.mix(t, 1, 1, f.input)
	// Mixer 2 shuffles the initial input again instead of stage 1's
	// output: a valid stage, but not linked to stage 1.
	s2 := f.mix(t, 2, 2, f.input)
	rep, err := f.verify([]*Stage{s1, s2})
	requireChainError(t, err, 2, CheckInput)
	require.Len(t, rep.Stages, 2)
	assert.True(t, rep.Stages[0].OK())
	assert.False(t, rep.Stages[1].OK())

	// A first stage that did not shuffle the initial input.
	other := slices.Clone(f.input)
	other[0], other[1] = other[1], other[0]
	s1 = f.mix(t, 1, 1, other)
	_, err = f.verify([]*Stage{s1})
	requireChainError(t, err, 1, CheckInput)
}

func TestChainRejectsSameMixerTwice(t *testing.T) {
	f := newChainFixture(t)
	s1 := f.mix(t, 1, 1, f.input)
	s2 := f.mix(t, 1, 2, s1.Output)
	_, err := f.verify([]*Stage{s1, s2})
	ce := requireChainError(t, err, 2, CheckDistinct)
	assert.Contains(t, ce.Error(), "already mixed stage 1")
}

func TestChainRejectsUnregisteredKey(t *testing.T) {
	f := newChainFixture(t)
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, err = MixStage(f.election, f.mixers, stranger, 1, f.pk(), f.input, rand.Reader, nil)
	require.Error(t, err)

	// A stage by mixer 2, signed again by a key nobody registered.
	s1 := f.mix(t, 1, 1, f.input)
	s2 := f.mix(t, 2, 2, s1.Output)
	s2.Sign(stranger)
	_, err = f.verify([]*Stage{s1, s2})
	requireChainError(t, err, 2, CheckSignature)

	// A mixer index that names no registered mixer.
	s2.Mixer = 4
	s2.Sign(stranger)
	_, err = f.verify([]*Stage{s1, s2})
	requireChainError(t, err, 2, CheckMixer)
}

func TestChainRejectsBadSignature(t *testing.T) {
	f := newChainFixture(t)
	stages := f.chain(t)
	stages[2].Sig[7] ^= 0x40
	_, err := f.verify(stages)
	requireChainError(t, err, 3, CheckSignature)

	// A signature over the bytes without the domain.
	stages = f.chain(t)
	b := stages[1].Bytes()
	copy(stages[1].Sig[:], ed25519.Sign(f.signers[1], b[:len(b)-ed25519.SignatureSize]))
	_, err = f.verify(stages)
	requireChainError(t, err, 2, CheckSignature)
}

func TestChainRejectsPositionsOutOfOrder(t *testing.T) {
	f := newChainFixture(t)
	stages := f.chain(t)
	_, err := f.verify([]*Stage{stages[1], stages[0], stages[2]})
	requireChainError(t, err, 1, CheckPosition)
	_, err = f.verify([]*Stage{stages[0], stages[2]})
	requireChainError(t, err, 2, CheckPosition)
	_, err = f.verify(nil)
	require.Error(t, err)
}

func TestChainRejectsReplayedProof(t *testing.T) {
	f := newChainFixture(t)

	t.Run("another election", func(t *testing.T) {
		other := newChainFixture(t)
		other.election[5] ^= 0x01
		s, err := MixStage(other.election, f.mixers, f.signers[0], 1, f.pk(), f.input, rand.Reader, nil)
		require.NoError(t, err)
		_, err = f.verify([]*Stage{s})
		requireChainError(t, err, 1, CheckElection)
		// The same stage moved to this election: re-hashed and re-signed,
		// only the proof still speaks of the other election.
		copy(s.Election[:], f.election)
		s.Input = ListHash(f.election, f.input)
		s.Sign(f.signers[0])
		_, err = f.verify([]*Stage{s})
		requireChainError(t, err, 1, CheckProof)
	})

	t.Run("another position", func(t *testing.T) {
		s1 := f.mix(t, 1, 1, f.input)
		s2 := f.mix(t, 2, 3, s1.Output) // proved for position 3
		s2.Position = 2
		s2.Sign(f.signers[1])
		_, err := f.verify([]*Stage{s1, s2})
		requireChainError(t, err, 2, CheckProof)
	})

	t.Run("another mixer", func(t *testing.T) {
		// Mixer 3 takes mixer 2's stage as its own.
		s1 := f.mix(t, 1, 1, f.input)
		s2 := f.mix(t, 2, 2, s1.Output)
		s2.Mixer = 3
		s2.Sign(f.signers[2])
		_, err := f.verify([]*Stage{s1, s2})
		requireChainError(t, err, 2, CheckProof)
	})

	t.Run("another public key", func(t *testing.T) {
		s1 := f.mix(t, 1, 1, f.input)
		k2, err := elgamal.GenerateKey(rand.Reader)
		require.NoError(t, err)
		_, err = VerifyChain(f.election, f.mixers, k2.PublicKey(), f.input, []*Stage{s1}, nil)
		requireChainError(t, err, 1, CheckProof)
	})
}

func TestChainRejectsModifiedOutput(t *testing.T) {
	f := newChainFixture(t)
	for _, tt := range []struct {
		name   string
		mutate func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector
		check  string
	}{
		{"two vectors swapped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			out[0], out[3] = out[3], out[0]
			return out
		}, CheckProof},
		{"two ciphertexts of a vector swapped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			out[2] = elgamal.CiphertextVector{out[2][1], out[2][0]}
			return out
		}, CheckProof},
		{"one ciphertext swapped with another vector's", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			a, b := slices.Clone(out[1]), slices.Clone(out[4])
			a[0], b[0] = b[0], a[0]
			out[1], out[4] = a, b
			return out
		}, CheckProof},
		{"one vector replaced by a copy of another", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			out[5] = out[2]
			return out
		}, CheckProof},
		{"one vector replaced by a re-encryption of another", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			v, _, err := f.pk().ReEncryptVector(out[2], rand.Reader)
			require.NoError(t, err)
			out[5] = v
			return out
		}, CheckProof},
		{"one vector dropped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			return out[1:]
		}, CheckSize},
		{"one vector duplicated", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			return append(out, out[0])
		}, CheckSize},
		{"one ciphertext dropped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			out[3] = out[3][:1]
			return out
		}, CheckSize},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stages := f.chain(t)
			s := stages[1]
			s.Output = tt.mutate(slices.Clone(s.Output))
			s.Sign(f.signers[1])
			// Stage 3 still links to the modified list.
			stages[2] = f.mixAnyway(t, 3, 3, s.Output)
			_, err := f.verify(stages)
			requireChainError(t, err, 2, tt.check)
		})
	}
}

// mixAnyway is mix for inputs that MixStage may refuse (a ragged list):
// it returns a stage that links to input by hash.
func (f *chainFixture) mixAnyway(t testing.TB, m int, position uint32, input []elgamal.CiphertextVector) *Stage {
	t.Helper()
	if _, err := chainCheckList(input); err == nil && len(input) > 1 {
		return f.mix(t, m, position, input)
	}
	s := f.mix(t, m, position, f.input)
	s.Input = ListHash(f.election, input)
	s.Sign(f.signers[m-1])
	return s
}

func TestMixStageRejects(t *testing.T) {
	f := newChainFixture(t)
	_, err := MixStage(f.election[:31], f.mixers, f.signers[0], 1, f.pk(), f.input, rand.Reader, nil)
	require.Error(t, err)
	_, err = MixStage(f.election, f.mixers, f.signers[0], 0, f.pk(), f.input, rand.Reader, nil)
	require.Error(t, err)
	_, err = MixStage(f.election, f.mixers, f.signers[0], 1, f.pk(), nil, rand.Reader, nil)
	require.Error(t, err)
	ragged := slices.Clone(f.input)
	ragged[2] = ragged[2][:1]
	_, err = MixStage(f.election, f.mixers, f.signers[0], 1, f.pk(), ragged, rand.Reader, nil)
	require.ErrorIs(t, err, elgamal.ErrWidth)
}

func TestVerifyChainRejectsBadInput(t *testing.T) {
	f := newChainFixture(t)
	s1 := f.mix(t, 1, 1, f.input)
	_, err := VerifyChain(f.election[:16], f.mixers, f.pk(), f.input, []*Stage{s1}, nil)
	require.Error(t, err)
	_, err = VerifyChain(f.election, f.mixers, f.pk(), nil, []*Stage{s1}, nil)
	require.Error(t, err)
	var ce *ChainError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 0, ce.Stage)
}

func TestListHash(t *testing.T) {
	f := newChainFixture(t)
	h := ListHash(f.election, f.input)
	// Spelled out: domain, election, N, w, encodings.
	var b []byte
	b = append(b, "urna/v1/mixnet/list"...)
	b = append(b, 0, 0, 0, 32)
	b = append(b, f.election...)
	b = append(b, 0, 0, 0, chainN, 0, 0, 0, chainWidth)
	for _, v := range f.input {
		b = append(b, v.Bytes()...)
	}
	require.Equal(t, sha256.Sum256(b), h)

	other := bytes.Clone(f.election)
	other[0] ^= 1
	assert.NotEqual(t, h, ListHash(other, f.input))
	swapped := slices.Clone(f.input)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	assert.NotEqual(t, h, ListHash(f.election, swapped))
	assert.NotEqual(t, h, ListHash(f.election, f.input[:chainN-1]))

	// A long list, encoded on all cores, matches the sequential encoding.
	long := make([]elgamal.CiphertextVector, 3*chainChunk+5)
	for i := range long {
		long[i] = f.input[i%chainN]
	}
	enc := EncodeList(long)
	var want []byte
	for _, v := range long {
		want = append(want, v.Bytes()...)
	}
	require.Equal(t, want, enc)
	back, err := ParseList(enc, len(long), chainWidth)
	require.NoError(t, err)
	require.Equal(t, enc, EncodeList(back))
}

func TestParseStageRejects(t *testing.T) {
	f := newChainFixture(t)
	s := f.mix(t, 1, 1, f.input)
	good := s.Bytes()
	listOff := StageHeaderSize
	proofOff := listOff + chainN*chainWidth*elgamal.CiphertextSize
	sigOff := proofOff + ProofSize(chainN, chainWidth)
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	nonCanonical[31] = 0x7f
	for _, tt := range []struct {
		name   string
		mutate func(b []byte) []byte
		want   string
	}{
		{"empty", func(b []byte) []byte { return nil }, "shorter than a stage header"},
		{"header only", func(b []byte) []byte { return b[:StageHeaderSize-1] }, "shorter than a stage header"},
		{"magic", func(b []byte) []byte { b[0] = 'U'; return b }, "magic"},
		{"version", func(b []byte) []byte { b[4] = 2; return b }, "version"},
		{"type", func(b []byte) []byte { b[5] = 5; return b }, "type"},
		{"position 0", func(b []byte) []byte { copy(b[38:], []byte{0, 0, 0, 0}); return b }, "position"},
		{"mixer 0", func(b []byte) []byte { copy(b[42:], []byte{0, 0, 0, 0}); return b }, "mixer"},
		{"N 0", func(b []byte) []byte { copy(b[46:], []byte{0, 0, 0, 0}); return b }, "N"},
		{"width 0", func(b []byte) []byte { copy(b[50:], []byte{0, 0, 0, 0}); return b }, "width"},
		{"width above MaxWidth", func(b []byte) []byte { copy(b[50:], []byte{0, 0, 0, MaxWidth + 1}); return b }, "width"},
		{"N too large", func(b []byte) []byte { copy(b[46:], []byte{0xff, 0xff, 0xff, 0xff}); return b }, "output"},
		{"N one more", func(b []byte) []byte { b[49]++; return b }, "length"},
		{"width one more", func(b []byte) []byte { b[53]++; return b }, "length"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, "length"},
		{"trailing byte", func(b []byte) []byte { return append(b, 0) }, "length"},
		{"non-canonical alpha", func(b []byte) []byte { copy(b[listOff:], nonCanonical); return b }, "output"},
		{"identity alpha", func(b []byte) []byte { copy(b[listOff+64:], make([]byte, 32)); return b }, "output"},
		{"non-canonical beta", func(b []byte) []byte { copy(b[listOff+96:], nonCanonical); return b }, "output"},
		{"non-canonical proof", func(b []byte) []byte { copy(b[proofOff:], nonCanonical); return b }, "proof"},
		{"non-canonical last proof field", func(b []byte) []byte { copy(b[sigOff-32:], nonCanonical); return b }, "proof"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseStage(tt.mutate(bytes.Clone(good)))
			require.ErrorIs(t, err, ErrStage)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	// A flipped signature byte still parses; VerifyChain rejects it.
	b := bytes.Clone(good)
	b[sigOff] ^= 1
	p, err := ParseStage(b)
	require.NoError(t, err)
	assert.False(t, p.VerifySignature(f.mixers[0].SigningKey))
	assert.True(t, s.VerifySignature(f.mixers[0].SigningKey))
	assert.False(t, IsStage(good[:5]))
}

func FuzzParseStage(f *testing.F) {
	fx := newChainFixture(f)
	s := fx.mix(f, 1, 1, fx.input)
	f.Add(s.Bytes())
	short := fx.mix(f, 2, 1, fx.input[:2])
	f.Add(short.Bytes())
	f.Add([]byte("urna\x01\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStage(b)
		if err != nil {
			if !errors.Is(err, ErrStage) {
				t.Fatalf("error %v does not wrap ErrStage", err)
			}
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("parse→encode is not the identity")
		}
	})
}

func ExampleVerifyChain() {
	// The ceremony hash and two registered mixers.
	election := sha256.Sum256([]byte("example election"))
	alicePub, alice, _ := ed25519.GenerateKey(rand.Reader)
	bobPub, bob, _ := ed25519.GenerateKey(rand.Reader)
	mixers := []Mixer{{Name: "alice", SigningKey: alicePub}, {Name: "bob", SigningKey: bobPub}}

	// Three ballots of one ciphertext each.
	key, _ := elgamal.GenerateKey(rand.Reader)
	var ballots []elgamal.CiphertextVector
	for _, vote := range []string{"yes", "no", "yes"} {
		m, _ := elgamal.EncodeData([]byte(vote))
		v, _, _ := key.PublicKey().EncryptVector([]*elgamal.Element{m}, rand.Reader)
		ballots = append(ballots, v)
	}

	// Alice mixes first, Bob mixes her output.
	s1, err := MixStage(election[:], mixers, alice, 1, key.PublicKey(), ballots, rand.Reader, nil)
	if err != nil {
		panic(err)
	}
	s2, err := MixStage(election[:], mixers, bob, 2, key.PublicKey(), s1.Output, rand.Reader, nil)
	if err != nil {
		panic(err)
	}

	// Anyone checks the chain from the ballots.
	rep, err := VerifyChain(election[:], mixers, key.PublicKey(), ballots, []*Stage{s1, s2}, nil)
	for _, sr := range rep.Stages {
		fmt.Printf("stage %d by %s: %s\n", sr.Stage, sr.Name, sr.Summary())
	}
	fmt.Println("error:", err)

	// The same stages in the wrong order.
	_, err = VerifyChain(election[:], mixers, key.PublicKey(), ballots, []*Stage{s2, s1}, nil)
	fmt.Println("error:", err)
	// Output:
	// stage 1 by alice: election: ok, position: ok, mixer: ok, signature: ok, distinct mixer: ok, input: ok, size: ok, proof: ok
	// stage 2 by bob: election: ok, position: ok, mixer: ok, signature: ok, distinct mixer: ok, input: ok, size: ok, proof: ok
	// error: <nil>
	// error: stage 1: position: the stage says position 2, but it is stage 1 of the chain
}

func TestSignAndEncode(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	st := &Stage{Position: 1, Mixer: 1}
	a := st.SignAndEncode(key)
	sig := st.Sig
	st.Sig = [64]byte{}
	st.Sign(key)
	require.Equal(t, sig, st.Sig)
	require.Equal(t, st.Bytes(), a)
	require.True(t, st.VerifySignature(key.Public().(ed25519.PublicKey)))
}
