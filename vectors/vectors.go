// Package vectors reads and checks urna's test vectors: one JSON file per
// case, each with an `expect` field ("valid" or "invalid"), the error class
// an invalid case must fail with, and a `comment`.
//
// The files are generated deterministically by internal/vectorgen from the
// published seed in Seed, and checked against the library by this
// package's tests. Implementers of an independent verifier can read the
// same files; the format is described in README.md beside them.
package vectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/zkp"
)

// Seed is the published seed from which every vector's randomness is
// derived (with ChaCha8), so anyone can regenerate them bit for bit.
const Seed = "urna/v1/vectors/2026-11-22"

// Expectations.
const (
	Valid   = "valid"
	Invalid = "invalid"
	// Unanchored is the expectation of a record case that passes every
	// step but is checked without an election fingerprint.
	Unanchored = "unanchored"
)

// Error classes of invalid cases.
const (
	ErrClassLength       = "length"
	ErrClassNonCanonical = "non-canonical"
	ErrClassIdentity     = "identity"
	ErrClassProof        = "proof"
	ErrClassRange        = "range"
	ErrClassOther        = "other"

	// Trustee ceremony (spec/threshold.md).
	ErrClassEntry           = "entry"
	ErrClassSetup           = "setup"
	ErrClassTooFewQualified = "too-few-qualified"
	ErrClassTooFewShares    = "too-few-shares"

	// Ballots (spec/ballot.md): a ballot or an opening that decodes but
	// fails a check other than a proof (signature, manifest hash, shape,
	// choices).
	ErrClassBallot = "ballot"

	// Ed25519 (spec/notation.md): a signature that does not verify.
	ErrClassSignature = "signature"
	// Strict JSON (spec/result.md §3): the classes of election.JSONError.
	ErrClassDuplicateMember = "duplicate-member"
	ErrClassUnknownMember   = "unknown-member"
	ErrClassMissingMember   = "missing-member"
	ErrClassNotInteger      = "not-integer"
	ErrClassSyntax          = "syntax"
	ErrClassWrongType       = "wrong-type"
	ErrClassWrongValue      = "wrong-value"
)

// Context is a zkp.Context in hex.
type Context struct {
	Election string `json:"election"`
	Prover   uint32 `json:"prover"`
	Binding  string `json:"binding"`
}

// Case is one test vector. Values in Inputs and Outputs are lowercase hex,
// except integers (decimal) and domain-separation tags (text), as each
// type documents in README.md.
type Case struct {
	Type    string            `json:"type"`
	Comment string            `json:"comment"`
	Expect  string            `json:"expect"`
	Error   string            `json:"error,omitempty"`
	Context *Context          `json:"context,omitempty"`
	Inputs  map[string]string `json:"inputs"`
	Outputs map[string]string `json:"outputs,omitempty"`
}

// Classify maps a library error to its error class.
func Classify(err error) string {
	switch {
	case err == nil:
		return ""
	// The threshold errors come first: they name the failed check even
	// when they wrap an error of the group.
	case errors.Is(err, threshold.ErrEntry):
		return ErrClassEntry
	case errors.Is(err, threshold.ErrSetup):
		return ErrClassSetup
	case errors.Is(err, threshold.ErrTooFewQualified):
		return ErrClassTooFewQualified
	case errors.Is(err, threshold.ErrTooFewShares):
		return ErrClassTooFewShares
	case errors.Is(err, ErrSignature):
		return ErrClassSignature
	case errors.Is(err, elgamal.ErrLength), errors.Is(err, elgamal.ErrDataTooLong):
		return ErrClassLength
	case errors.Is(err, elgamal.ErrNonCanonical):
		return ErrClassNonCanonical
	case errors.Is(err, elgamal.ErrIdentity):
		return ErrClassIdentity
	case errors.Is(err, zkp.ErrOutOfRange):
		return ErrClassRange
	case errors.Is(err, zkp.ErrInvalidProof):
		return ErrClassProof
	case errors.Is(err, election.ErrBallot):
		return ErrClassBallot
	case errors.As(err, new(*election.JSONError)):
		var je *election.JSONError
		errors.As(err, &je)
		return string(je.Code)
	default:
		return ErrClassOther
	}
}

// Check runs c against the library and returns nil if the outcome matches
// the case: a valid case succeeds and reproduces every output exactly, an
// invalid case fails with its error class.
func Check(c *Case) error {
	run, ok := checkers[c.Type]
	if !ok {
		return fmt.Errorf("unknown vector type %q", c.Type)
	}
	outputs, err := run(c)
	switch c.Expect {
	case Valid:
		if err != nil {
			return fmt.Errorf("expected valid, got error: %w", err)
		}
		for k, want := range c.Outputs {
			if got := outputs[k]; got != want {
				return fmt.Errorf("output %s: got %s, want %s", k, got, want)
			}
		}
		return nil
	case Invalid:
		if err == nil {
			return fmt.Errorf("expected invalid (%s), but it was accepted", c.Error)
		}
		if got := Classify(err); got != c.Error {
			return fmt.Errorf("expected error class %s, got %s: %v", c.Error, got, err)
		}
		// A strict JSON case names the member at fault.
		if want, ok := c.Outputs["path"]; ok {
			var je *election.JSONError
			if !errors.As(err, &je) || je.Path != want {
				return fmt.Errorf("expected the error at member %q, got: %v", want, err)
			}
		}
		return nil
	default:
		return fmt.Errorf("bad expect %q", c.Expect)
	}
}

// Outcome runs c and returns its outputs and error, ignoring Expect; the
// generator uses it to label mutated cases.
func Outcome(c *Case) (map[string]string, error) {
	run, ok := checkers[c.Type]
	if !ok {
		return nil, fmt.Errorf("unknown vector type %q", c.Type)
	}
	return run(c)
}

// LoadDir reads every *.json case below dir, keyed by path relative to dir.
func LoadDir(fsys fs.FS) (map[string]*Case, error) {
	out := map[string]*Case{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == RecordDir {
			return fs.SkipDir // the sample election record: see record_test.go
		}
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		c, err := Parse(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out[path] = c
		return nil
	})
	return out, err
}

// RecordDir is the directory of the sample election record and its
// tampered copies (README.md, "Sample election record"), which LoadDir
// skips: they are records, not cases.
const RecordDir = "record"

// Parse decodes one case strictly: unknown fields are errors.
func Parse(b []byte) (*Case, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	c := &Case{}
	if err := dec.Decode(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Marshal encodes a case as indented JSON with sorted keys and a final
// newline, the exact bytes stored in the files.
func Marshal(c *Case) []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// Types lists the vector types Check understands.
func Types() []string {
	var ts []string
	for t := range checkers {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}
