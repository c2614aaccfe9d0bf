package main

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/vectors"
	"github.com/urnavote/urna/zkp"
)

// File is one generated vector file, with its path relative to vectors/.
type File struct {
	Path string
	Data []byte
}

// Dirs lists the top-level directories of vectors/ that the generator owns:
// the first element of every vector type, and the sample election record.
func Dirs() []string {
	return []string{"ristretto255", "scalar", "elgamal", "zkp", "dkg", "mixnet", "election", "ed25519", recordDir}
}

// rng is the deterministic randomness of the generator: ChaCha8 keyed by
// SHA-512-derived bytes of vectors.Seed and a per-family label, so adding a
// family never changes the vectors of another.
type rng struct{ r *rand.ChaCha8 }

func newRNG(family string) *rng {
	var key [32]byte
	copy(key[:], elgamal.HashToScalar(vectors.Seed, []byte(family)).Bytes())
	return &rng{rand.NewChaCha8(key)}
}

func (r *rng) Read(p []byte) (int, error) { return r.r.Read(p) }

func (r *rng) scalar() *elgamal.Scalar {
	s, err := elgamal.RandomScalar(r)
	if err != nil {
		panic(err)
	}
	return s
}

func (r *rng) element() *elgamal.Element {
	var b [64]byte
	r.Read(b[:])
	e, _ := new(elgamal.Element).SetUniformBytes(b[:])
	return e
}

func (r *rng) bytes(n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func (r *rng) key() *elgamal.PrivateKey {
	k, err := elgamal.GenerateKey(r)
	if err != nil {
		panic(err)
	}
	return k
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// context returns the context of valid proof vectors in a family.
func (r *rng) context(prover uint32) *vectors.Context {
	return &vectors.Context{Election: hx(r.bytes(32)), Prover: prover, Binding: hx(r.bytes(16))}
}

func zctx(c *vectors.Context) *zkp.Context {
	e, _ := hex.DecodeString(c.Election)
	b, _ := hex.DecodeString(c.Binding)
	return &zkp.Context{Election: e, Prover: c.Prover, Binding: b}
}

// set collects the cases of one family.
type set struct {
	cases []*vectors.Case
	err   error
}

func (s *set) add(c *vectors.Case) {
	if c.Inputs == nil {
		c.Inputs = map[string]string{}
	}
	s.cases = append(s.cases, c)
}

// valid adds a valid case, filling in its outputs from the library.
func (s *set) valid(c *vectors.Case) {
	c.Expect = vectors.Valid
	out, err := vectors.Outcome(c)
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("%s: valid case %q fails: %v", c.Type, c.Comment, err)
	}
	if c.Outputs == nil && len(out) > 0 {
		c.Outputs = out
	}
	s.add(c)
}

// invalid adds a case that must fail, labelled with the error class the
// library reports; a case that passes is a generator bug.
func (s *set) invalid(c *vectors.Case) {
	c.Expect = vectors.Invalid
	_, err := vectors.Outcome(c)
	if err == nil {
		if s.err == nil {
			s.err = fmt.Errorf("%s: mutation %q was accepted", c.Type, c.Comment)
		}
		return
	}
	c.Error = vectors.Classify(err)
	c.Outputs = nil
	s.add(c)
}

// files names each case TYPE/NNN-EXPECT.json, numbered within its type.
func (s *set) files() []File {
	var out []File
	n := map[string]int{}
	for _, c := range s.cases {
		name := fmt.Sprintf("%s/%03d-%s.json", c.Type, n[c.Type], c.Expect)
		n[c.Type]++
		out = append(out, File{name, vectors.Marshal(c)})
	}
	return out
}

// Generate returns every vector file.
func Generate() ([]File, error) {
	var files []File
	for _, fam := range []func() *set{groupVectors, elgamalVectors, zkpVectors, dkgTranscriptVectors, dkgDecryptionVectors, mixnetVectors, ballotVectors, ed25519Vectors, resultVectors} {
		s := fam()
		if s.err != nil {
			return nil, s.err
		}
		files = append(files, s.files()...)
	}
	rec, err := recordVectors()
	if err != nil {
		return nil, err
	}
	files = append(files, rec...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func clone(c *vectors.Case) *vectors.Case {
	d := *c
	d.Inputs = map[string]string{}
	for k, v := range c.Inputs {
		d.Inputs[k] = v
	}
	d.Outputs = nil
	if c.Context != nil {
		ctx := *c.Context
		d.Context = &ctx
	}
	return &d
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }
