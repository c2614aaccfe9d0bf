package mixnet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// Mix chains (spec/mixchain.md): k registered mixers shuffle one after the
// other, each posting a signed stage with its output list and a proof of
// shuffle. The output of stage i is, byte for byte, the input of stage
// i+1, and no mixer mixes twice, so one honest mixer in the chain hides
// which input became which output.

const (
	stageMagic   = "urna"
	stageVersion = 1
	// StageType is the entry type byte of a stage, distinct from the
	// trustee ceremony's entry types (spec/threshold.md §2).
	StageType = 0x10
	// StageHeaderSize is the length of a stage before its output list:
	// magic, version, type, election, position, mixer, N, width, input
	// hash.
	StageHeaderSize = 4 + 1 + 1 + 32 + 4 + 4 + 4 + 4 + 32

	stageDomain = "urna/v1/mixnet/stage"
	listDomain  = "urna/v1/mixnet/list"

	// ElectionSize is the length of the ceremony hash that binds
	// a chain.
	ElectionSize = 32

	// chainChunk is the number of vectors one goroutine encodes or
	// decodes at a time.
	chainChunk = 256
)

// ErrStage means a stage encoding is malformed: the error names the field.
var ErrStage = errors.New("invalid mix stage")

// Mixer is a registered mix server: one of the election's trustees, in
// the order of the registered list (mixer 1 first).
type Mixer struct {
	Name       string
	SigningKey ed25519.PublicKey
}

// Stage is one mixer's signed contribution to a chain: the hash of the
// list it shuffled, the shuffled list and the proof of shuffle.
type Stage struct {
	// Election is the ceremony hash of the election the stage belongs to.
	Election [ElectionSize]byte
	// Position is the stage's place in the chain, from 1.
	Position uint32
	// Mixer is the signer's index in the registered list, from 1.
	Mixer uint32
	// Input is ListHash of the list the stage shuffled.
	Input [32]byte
	// Output is the shuffled list: N vectors of the input's width.
	Output []elgamal.CiphertextVector
	// Proof proves that Output is a re-encrypted permutation of the
	// input, under StageContext.
	Proof *Proof
	// Sig is the mixer's Ed25519 signature.
	Sig [ed25519.SignatureSize]byte
}

// Width returns the width of the stage's vectors, or 0 for an empty one.
func (s *Stage) Width() int {
	if len(s.Output) == 0 {
		return 0
	}
	return len(s.Output[0])
}

// StageContext is the proof context of the stage at position by mixer:
// the ceremony hash, the position as the prover index and the
// mixer's signing key as the binding. A proof made for one position or
// mixer does not verify for another.
func StageContext(election []byte, position uint32, m *Mixer) *zkp.Context {
	return &zkp.Context{Election: bytes.Clone(election), Prover: position, Binding: bytes.Clone(m.SigningKey)}
}

// chainCheckList returns the width of a list of 1 to MaxVectors vectors
// that all have the same width, 1 to MaxWidth.
func chainCheckList(list []elgamal.CiphertextVector) (int, error) {
	if len(list) == 0 {
		return 0, errors.New("empty list")
	}
	if uint64(len(list)) > MaxVectors {
		return 0, fmt.Errorf("%d vectors, more than %d", len(list), uint64(MaxVectors))
	}
	w := len(list[0])
	if w < 1 || w > MaxWidth {
		return 0, fmt.Errorf("%w: width %d is not in 1..%d", elgamal.ErrWidth, w, MaxWidth)
	}
	for i := range list {
		if len(list[i]) != w {
			return 0, fmt.Errorf("%w: vector %d has width %d, vector 1 has %d", elgamal.ErrWidth, i+1, len(list[i]), w)
		}
	}
	return w, nil
}

// EncodeList returns the concatenated encodings of the vectors of list,
// each the concatenation of its ciphertexts α ‖ β: N·w·64 bytes for a
// list of N vectors of width w. It runs on all cores.
func EncodeList(list []elgamal.CiphertextVector) []byte {
	offs := make([]int, len(list)+1)
	for i := range list {
		offs[i+1] = offs[i] + len(list[i])*elgamal.CiphertextSize
	}
	buf := make([]byte, offs[len(list)])
	_ = forChunks(len(list), chainChunk, nil, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			off := offs[i]
			for k := range list[i] {
				copy(buf[off:], list[i][k].Alpha.Bytes())
				copy(buf[off+elgamal.ElementSize:], list[i][k].Beta.Bytes())
				off += elgamal.CiphertextSize
			}
		}
		return nil
	})
	return buf
}

// ParseList decodes n vectors of the given width from exactly
// n·width·64 bytes, on all cores. Every ciphertext must be canonical with
// a non-identity α; the error names the first vector and component that
// fail.
func ParseList(b []byte, n, width int) ([]elgamal.CiphertextVector, error) {
	if n < 1 || width < 1 {
		return nil, fmt.Errorf("ciphertext list: %w: %d vectors of width %d", elgamal.ErrLength, n, width)
	}
	vs := uint64(width) * elgamal.CiphertextSize
	if uint64(len(b))/vs < uint64(n) || uint64(len(b)) != uint64(n)*vs {
		return nil, fmt.Errorf("ciphertext list: %w: %d bytes, want %d vectors of %d ciphertexts", elgamal.ErrLength, len(b), n, width)
	}
	list := make([]elgamal.CiphertextVector, n)
	err := forChunks(n, chainChunk, nil, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			var err error
			if list[i], err = elgamal.ParseCiphertextVector(b[uint64(i)*vs:uint64(i+1)*vs], width); err != nil {
				return fmt.Errorf("ciphertext list: vector %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// ListHash returns the list hash that links a stage to its input:
// SHA-256 of "urna/v1/mixnet/list" ‖ u32 len(election) ‖ election ‖ u32 N
// ‖ u32 w ‖ the list encoding (EncodeList). The vectors must all have
// width w; the encodings are computed on all cores.
func ListHash(election []byte, list []elgamal.CiphertextVector) [32]byte {
	w := 0
	if len(list) > 0 {
		w = len(list[0])
	}
	return chainListHash(election, len(list), w, EncodeList(list))
}

func chainListHash(election []byte, n, w int, enc []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(listDomain))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(election))))
	h.Write(election)
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(w)))
	h.Write(enc)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// signed returns the encoding of s without the signature, given the
// encoding of its output list.
func (s *Stage) signed(out []byte) []byte {
	proofLen := 0
	if s.Proof != nil {
		proofLen = ProofSize(s.Proof.N(), s.Proof.Width())
	}
	b := make([]byte, 0, StageHeaderSize+len(out)+proofLen+ed25519.SignatureSize)
	b = append(b, stageMagic...)
	b = append(b, stageVersion, StageType)
	b = append(b, s.Election[:]...)
	b = binary.BigEndian.AppendUint32(b, s.Position)
	b = binary.BigEndian.AppendUint32(b, s.Mixer)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.Output)))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Width()))
	b = append(b, s.Input[:]...)
	b = append(b, out...)
	if s.Proof != nil {
		// AppendBinary writes the proof without an intermediate copy,
		// which matters at a million ballots.
		b, _ = s.Proof.AppendBinary(b) // never fails
	}
	return b
}

func stageSigningInput(signed []byte) []byte {
	return append([]byte(stageDomain), signed...)
}

// Sign signs s with the mixer's signing key: Ed25519 over
// "urna/v1/mixnet/stage" ‖ every byte of the encoding before the
// signature.
func (s *Stage) Sign(key ed25519.PrivateKey) {
	copy(s.Sig[:], ed25519.Sign(key, stageSigningInput(s.signed(EncodeList(s.Output)))))
}

// SignAndEncode signs s like Sign and returns its encoding like Bytes,
// encoding the output list once instead of twice: at a million ballots
// that encoding takes seconds.
func (s *Stage) SignAndEncode(key ed25519.PrivateKey) []byte {
	signed := s.signed(EncodeList(s.Output))
	copy(s.Sig[:], ed25519.Sign(key, stageSigningInput(signed)))
	return append(signed, s.Sig[:]...)
}

// VerifySignature reports whether s carries a valid signature by key.
func (s *Stage) VerifySignature(key ed25519.PublicKey) bool {
	return s.verifySignature(key, EncodeList(s.Output))
}

func (s *Stage) verifySignature(key ed25519.PublicKey, out []byte) bool {
	return len(key) == ed25519.PublicKeySize && ed25519.Verify(key, stageSigningInput(s.signed(out)), s.Sig[:])
}

// Bytes returns the stage's encoding (spec/mixchain.md §2), signature
// last.
func (s *Stage) Bytes() []byte {
	return append(s.signed(EncodeList(s.Output)), s.Sig[:]...)
}

// IsStage reports whether b starts like a stage encoding (magic, version
// and type), to tell stage files from other files.
func IsStage(b []byte) bool {
	return len(b) >= 6 && string(b[:4]) == stageMagic && b[4] == stageVersion && b[5] == StageType
}

// ParseStage decodes a stage strictly: the magic, version and type, a
// position and mixer index of at least 1, at least one vector of width 1
// to MaxWidth, exactly N·w canonical ciphertexts, a proof of exactly
// ProofSize(N, w) canonical bytes, and nothing after the signature. It
// checks neither the signature nor the proof; VerifyChain does. Errors
// wrap ErrStage and name the field.
func ParseStage(b []byte) (*Stage, error) {
	fail := func(format string, args ...any) (*Stage, error) {
		return nil, fmt.Errorf("%w: %s", ErrStage, fmt.Sprintf(format, args...))
	}
	if len(b) < StageHeaderSize {
		return fail("%d bytes is shorter than a stage header (%d bytes)", len(b), StageHeaderSize)
	}
	if string(b[:4]) != stageMagic {
		return fail("magic: %q, want %q", b[:4], stageMagic)
	}
	if b[4] != stageVersion {
		return fail("version: %d, want %d", b[4], stageVersion)
	}
	if b[5] != StageType {
		return fail("type: %#02x, want %#02x (a mix stage)", b[5], StageType)
	}
	s := &Stage{}
	copy(s.Election[:], b[6:38])
	s.Position = binary.BigEndian.Uint32(b[38:42])
	s.Mixer = binary.BigEndian.Uint32(b[42:46])
	n := binary.BigEndian.Uint32(b[46:50])
	w := binary.BigEndian.Uint32(b[50:54])
	copy(s.Input[:], b[54:86])
	switch {
	case s.Position == 0:
		return fail("position: 0; positions start at 1")
	case s.Mixer == 0:
		return fail("mixer: 0; mixer indices start at 1")
	case n == 0:
		return fail("N: 0 vectors")
	case w == 0:
		return fail("width: 0")
	case w > MaxWidth:
		return fail("width: %d, at most %d", w, MaxWidth)
	}
	rest := b[StageHeaderSize:]
	// N·w·64 fits in a uint64; comparing with the length first bounds N
	// and w before ProofSize sees them.
	listLen := uint64(n) * uint64(w) * elgamal.CiphertextSize
	if listLen > uint64(len(rest)) {
		return fail("output: %d vectors of width %d need %d bytes, only %d left", n, w, listLen, len(rest))
	}
	proofLen := ProofSize(int(n), int(w))
	if want := listLen + uint64(proofLen) + ed25519.SignatureSize; uint64(len(rest)) != want {
		return fail("length: %d bytes after the header, want %d (output %d, proof %d, signature %d)",
			len(rest), want, listLen, proofLen, ed25519.SignatureSize)
	}
	out, err := ParseList(rest[:listLen], int(n), int(w))
	if err != nil {
		return fail("output: %v", err)
	}
	s.Output = out
	p, err := ParseProof(rest[listLen:listLen+uint64(proofLen)], int(n), int(w))
	if err != nil {
		return nil, fmt.Errorf("%w: proof: %w", ErrStage, err)
	}
	s.Proof = p
	copy(s.Sig[:], rest[listLen+uint64(proofLen):])
	return s, nil
}

// MixStage is one mixer's turn: it shuffles input (re-encrypting every
// ciphertext under pk and permuting the vectors), proves the shuffle under
// StageContext, and signs the stage with signer, whose public key must be
// in mixers. election is the 32-byte ceremony hash.
func MixStage(election []byte, mixers []Mixer, signer ed25519.PrivateKey, position uint32, pk *elgamal.PublicKey,
	input []elgamal.CiphertextVector, rand io.Reader, progress Progress) (*Stage, error) {
	if len(election) != ElectionSize {
		return nil, fmt.Errorf("mixnet: ceremony hash of %d bytes, want %d", len(election), ElectionSize)
	}
	if position == 0 {
		return nil, errors.New("mixnet: position 0; positions start at 1")
	}
	idx := MixerIndex(mixers, signer.Public().(ed25519.PublicKey))
	if idx == 0 {
		return nil, errors.New("mixnet: the signing key is not a registered mixer's")
	}
	if _, err := chainCheckList(input); err != nil {
		return nil, fmt.Errorf("mixnet: input: %w", err)
	}
	output, witness, err := Shuffle(pk, input, rand, progress)
	if err != nil {
		return nil, err
	}
	st := &Statement{
		Context:   StageContext(election, position, &mixers[idx-1]),
		PublicKey: pk,
		Input:     input,
		Output:    output,
	}
	proof, err := Prove(st, witness, rand, progress)
	witness.Erase()
	if err != nil {
		return nil, err
	}
	s := &Stage{Position: position, Mixer: idx, Input: ListHash(election, input), Output: output, Proof: proof}
	copy(s.Election[:], election)
	s.Sign(signer)
	return s, nil
}

// MixerIndex returns the 1-based index of the mixer with the signing key,
// or 0 if none has it.
func MixerIndex(mixers []Mixer, key ed25519.PublicKey) uint32 {
	for i := range mixers {
		if mixers[i].SigningKey.Equal(key) {
			return uint32(i + 1)
		}
	}
	return 0
}

// Checks of a stage, in the order VerifyChain runs them.
const (
	CheckElection  = "election"       // the stage is for this election
	CheckPosition  = "position"       // stage i says position i
	CheckMixer     = "mixer"          // the mixer index names a registered mixer
	CheckSignature = "signature"      // signed by that mixer
	CheckDistinct  = "distinct mixer" // no mixer signs two stages
	CheckInput     = "input"          // the input hash is the hash of the previous output
	CheckSize      = "size"           // N vectors of width w, as the input
	CheckProof     = "proof"          // the proof of shuffle verifies
)

// ChainError is the error of VerifyChain: the stage (1-based, in the
// order given) and the check that failed. Stage 0 means the chain as a
// whole (no stages, or a malformed initial input).
type ChainError struct {
	Stage int
	Check string
	Err   error
}

func (e *ChainError) Error() string {
	if e.Stage == 0 {
		return fmt.Sprintf("chain: %s: %v", e.Check, e.Err)
	}
	return fmt.Sprintf("stage %d: %s: %v", e.Stage, e.Check, e.Err)
}

func (e *ChainError) Unwrap() error { return e.Err }

// CheckResult is the outcome of one check of a stage.
type CheckResult struct {
	Name     string
	Err      error // nil if the check passed
	Duration time.Duration
}

// StageReport lists the checks of one stage, in the order they ran.
type StageReport struct {
	Stage    int    // 1-based place in the list given
	Position uint32 // as the stage says
	Mixer    uint32 // as the stage says
	Name     string // the mixer's registered name, if the index is valid
	Output   [32]byte
	Checks   []CheckResult
	Duration time.Duration
}

// OK reports whether every check of the stage passed.
func (r *StageReport) OK() bool {
	for _, c := range r.Checks {
		if c.Err != nil {
			return false
		}
	}
	return true
}

// ChainReport is what VerifyChain checked: the initial input, and every
// stage up to the first that failed.
type ChainReport struct {
	N, Width int
	Input    [32]byte // ListHash of the initial input
	Stages   []StageReport
	Output   [32]byte // ListHash of the last verified stage's output
	Duration time.Duration
}

// VerifyStage checks the stage s appended to a chain as stage number
// position (from 1): prev is the chain's list so far (its initial input
// for position 1) and used maps each mixer that mixed an earlier stage to
// its stage. It makes VerifyChain's checks for that one stage, and on
// success returns the list hash of the stage's output, which the next
// stage must name as its input. The bulletin board checks each stage with
// it as the stage is posted.
func VerifyStage(election []byte, mixers []Mixer, pk *elgamal.PublicKey, prev []elgamal.CiphertextVector,
	position int, used map[uint32]int, s *Stage) ([32]byte, error) {
	if len(election) != ElectionSize {
		return [32]byte{}, &ChainError{Check: CheckElection, Err: fmt.Errorf("ceremony hash of %d bytes, want %d", len(election), ElectionSize)}
	}
	w, err := chainCheckList(prev)
	if err != nil {
		return [32]byte{}, &ChainError{Check: CheckInput, Err: err}
	}
	if s == nil {
		return [32]byte{}, &ChainError{Stage: position, Check: "stage", Err: errors.New("missing (nil)")}
	}
	prevHash := chainListHash(election, len(prev), w, EncodeList(prev))
	_, out, err := checkStage(election, mixers, pk, prev, prevHash, position, used, s, nil)
	return out, err
}

// checkStage makes the checks of stage number i (from 1) of a chain whose
// list so far is prev, with list hash prevHash.
func checkStage(election []byte, mixers []Mixer, pk *elgamal.PublicKey, prev []elgamal.CiphertextVector, prevHash [32]byte,
	i int, signedBy map[uint32]int, s *Stage, progress Progress) (StageReport, [32]byte, error) {
	w := 0
	if len(prev) > 0 {
		w = len(prev[0])
	}
	sr := StageReport{Stage: i, Position: s.Position, Mixer: s.Mixer}
	if s.Mixer >= 1 && int(s.Mixer) <= len(mixers) {
		sr.Name = mixers[s.Mixer-1].Name
	}
	stageStart := time.Now()
	out := EncodeList(s.Output) // for the signature and the list hash
	failed := false
	check := func(name string, f func() error) {
		if failed {
			return
		}
		t := time.Now()
		err := f()
		sr.Checks = append(sr.Checks, CheckResult{Name: name, Err: err, Duration: time.Since(t)})
		if err != nil {
			failed = true
		}
	}
	check(CheckElection, func() error {
		if !bytes.Equal(s.Election[:], election) {
			return fmt.Errorf("the stage is for election %x, not %x", s.Election[:8], election[:8])
		}
		return nil
	})
	check(CheckPosition, func() error {
		if uint64(s.Position) != uint64(i) {
			return fmt.Errorf("the stage says position %d, but it is stage %d of the chain", s.Position, i)
		}
		return nil
	})
	check(CheckMixer, func() error {
		if s.Mixer < 1 || int(s.Mixer) > len(mixers) {
			return fmt.Errorf("mixer %d is not a registered mixer (1 to %d)", s.Mixer, len(mixers))
		}
		return nil
	})
	check(CheckSignature, func() error {
		if !s.verifySignature(mixers[s.Mixer-1].SigningKey, out) {
			return fmt.Errorf("the signature is not mixer %d's (%s)", s.Mixer, mixers[s.Mixer-1].Name)
		}
		return nil
	})
	check(CheckDistinct, func() error {
		if j, ok := signedBy[s.Mixer]; ok {
			return fmt.Errorf("mixer %d (%s) already mixed stage %d; each mixer mixes once", s.Mixer, mixers[s.Mixer-1].Name, j)
		}
		return nil
	})
	check(CheckInput, func() error {
		if s.Input != prevHash {
			what := "the initial input"
			if i > 1 {
				what = fmt.Sprintf("the output of stage %d", i-1)
			}
			return fmt.Errorf("the stage shuffled the list with hash %x, not %s (hash %x)", s.Input[:8], what, prevHash[:8])
		}
		return nil
	})
	check(CheckSize, func() error {
		if len(s.Output) != len(prev) {
			return fmt.Errorf("%w: %d output vectors for %d input vectors", elgamal.ErrLength, len(s.Output), len(prev))
		}
		for k := range s.Output {
			if len(s.Output[k]) != w {
				return fmt.Errorf("%w: output vector %d has width %d, the input %d", elgamal.ErrWidth, k+1, len(s.Output[k]), w)
			}
		}
		if s.Proof == nil {
			return errors.New("no proof")
		}
		return nil
	})
	check(CheckProof, func() error {
		st := &Statement{
			Context:   StageContext(election, s.Position, &mixers[s.Mixer-1]),
			PublicKey: pk,
			Input:     prev,
			Output:    s.Output,
		}
		var p Progress
		if progress != nil {
			p = func(phase string, done, total int) {
				progress(fmt.Sprintf("stage %d: %s", i, phase), done, total)
			}
		}
		return Verify(st, s.Proof, p)
	})
	sr.Duration = time.Since(stageStart)
	if failed {
		last := sr.Checks[len(sr.Checks)-1]
		return sr, [32]byte{}, &ChainError{Stage: i, Check: last.Name, Err: last.Err}
	}
	outHash := chainListHash(election, len(s.Output), w, out)
	sr.Output = outHash
	return sr, outHash, nil
}

// VerifyChain checks a mix chain from its initial input: stages[i] must
// say position i+1; be for election; be signed by a registered mixer that
// signed no earlier stage; carry as input hash the list hash of the
// previous stage's output (of input for the first); have as many vectors,
// of the same width, as its input; and carry a proof of shuffle that
// verifies under StageContext. It stops at the first failed check and
// returns a *ChainError naming the stage and the check, with the report so
// far. The report is never nil.
func VerifyChain(election []byte, mixers []Mixer, pk *elgamal.PublicKey, input []elgamal.CiphertextVector,
	stages []*Stage, progress Progress) (*ChainReport, error) {
	start := time.Now()
	rep := &ChainReport{}
	defer func() { rep.Duration = time.Since(start) }()
	chainErr := func(check string, err error) (*ChainReport, error) {
		return rep, &ChainError{Stage: 0, Check: check, Err: err}
	}
	if len(election) != ElectionSize {
		return chainErr(CheckElection, fmt.Errorf("ceremony hash of %d bytes, want %d", len(election), ElectionSize))
	}
	w, err := chainCheckList(input)
	if err != nil {
		return chainErr(CheckInput, err)
	}
	if len(stages) == 0 {
		return chainErr("stages", errors.New("no stages"))
	}
	rep.N, rep.Width = len(input), w
	rep.Input = chainListHash(election, len(input), w, EncodeList(input))
	rep.Output = rep.Input
	prevHash, prev := rep.Input, input
	signedBy := map[uint32]int{} // mixer → stage

	for i, s := range stages {
		if s == nil {
			return rep, &ChainError{Stage: i + 1, Check: "stage", Err: errors.New("missing (nil)")}
		}
		sr, outHash, err := checkStage(election, mixers, pk, prev, prevHash, i+1, signedBy, s, progress)
		rep.Stages = append(rep.Stages, sr)
		if err != nil {
			return rep, err
		}
		signedBy[s.Mixer] = i + 1
		prevHash, prev = outHash, s.Output
		rep.Output = prevHash
	}
	return rep, nil
}

// String is a one-line summary of a check, for logs.
func (c CheckResult) String() string {
	if c.Err != nil {
		return c.Name + ": FAILED: " + c.Err.Error()
	}
	return c.Name + ": ok"
}

// Summary returns the checks of r as "name ok, name ok, …".
func (r *StageReport) Summary() string {
	s := make([]string, len(r.Checks))
	for i, c := range r.Checks {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}
