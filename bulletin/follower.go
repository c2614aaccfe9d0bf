package bulletin

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrFork reports that the board signed two checkpoints that cannot both be
// views of one append-only log. Errors that match it with errors.Is are
// *[ForkError] values holding both signed checkpoints as evidence.
var ErrFork = errors.New("bulletin: board log forked")

// ForkError is the evidence of a fork: two checkpoints, both signed by the
// board key, of which Newer does not extend Old.
type ForkError struct {
	Old, Newer *Checkpoint
}

func (e *ForkError) Error() string {
	return fmt.Sprintf("bulletin: board log forked: checkpoint of size %d (%s) does not extend size %d (%s)",
		e.Newer.Tree.N, e.Newer.Tree.Hash, e.Old.Tree.N, e.Old.Tree.Hash)
}

// Is makes errors.Is(err, ErrFork) hold.
func (e *ForkError) Is(target error) bool { return target == ErrFork }

// Follower is a verifying client of one board log. It remembers the last
// checkpoint it verified and moves only forward along consistent trees. It
// is safe for concurrent use.
type Follower struct {
	verifier note.Verifier
	origin   string

	mu   sync.Mutex
	last *Checkpoint
}

// NewFollower returns a follower of the log origin signed by verifier,
// starting from trusted, a checkpoint previously verified (for instance a
// persisted one), or from the empty tree when trusted is nil.
func NewFollower(verifier note.Verifier, origin string, trusted *Checkpoint) (*Follower, error) {
	if err := ValidOrigin(origin); err != nil {
		return nil, err
	}
	if trusted != nil && trusted.Origin != origin {
		return nil, fmt.Errorf("%w: trusted checkpoint has origin %q, want %q", ErrCheckpoint, trusted.Origin, origin)
	}
	return &Follower{verifier: verifier, origin: origin, last: trusted}, nil
}

// Last returns the last verified checkpoint, or nil while the follower is
// at the empty tree.
func (f *Follower) Last() *Checkpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// Advance parses and verifies the signed checkpoint b and, if proof shows
// that it extends the last verified checkpoint, makes it the last one.
//
// It returns a *[ForkError] (matching [ErrFork]) when b is validly signed
// but has the same size as the last checkpoint with a different root, or a
// smaller size. A proof that does not verify is reported as [ErrProof]:
// without a valid proof the follower cannot tell a fork from bad data, so
// the caller should ask for the proof again from the board.
func (f *Follower) Advance(b []byte, proof tlog.TreeProof) error {
	c, err := ParseCheckpoint(b, f.verifier, f.origin)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := tlog.Tree{N: 0, Hash: emptyTreeHash}
	if f.last != nil {
		old = f.last.Tree
	}
	if c.Tree.N < old.N || (c.Tree.N == old.N && c.Tree.Hash != old.Hash) {
		oldC := f.last
		if oldC == nil {
			oldC = &Checkpoint{Origin: f.origin, Tree: old}
		}
		return &ForkError{Old: oldC, Newer: c}
	}
	if err := verifyTrees(old, c.Tree, proof); err != nil {
		return err
	}
	f.last = c
	return nil
}
