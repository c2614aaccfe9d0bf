package bulletin

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrProof is wrapped by every proof verification failure.
var ErrProof = errors.New("bulletin: proof does not verify")

// VerifyInclusion checks that entry is entry number index of the tree that
// checkpoint c commits to.
func VerifyInclusion(c *Checkpoint, index int64, entry []byte, proof tlog.RecordProof) error {
	if c == nil {
		return fmt.Errorf("%w: no checkpoint", ErrProof)
	}
	if index < 0 || index >= c.Tree.N {
		return fmt.Errorf("%w: entry %d outside tree of size %d", ErrProof, index, c.Tree.N)
	}
	if err := tlog.CheckRecord(proof, c.Tree.N, c.Tree.Hash, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("%w: inclusion of entry %d in tree of size %d: %w", ErrProof, index, c.Tree.N, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of old is a prefix of the tree of
// newer. From an empty tree, or between trees of the same size, the proof
// must be empty (and for equal sizes the hashes equal).
func VerifyConsistency(old, newer *Checkpoint, proof tlog.TreeProof) error {
	if old == nil || newer == nil {
		return fmt.Errorf("%w: no checkpoint", ErrProof)
	}
	return verifyTrees(old.Tree, newer.Tree, proof)
}

func verifyTrees(old, newer tlog.Tree, proof tlog.TreeProof) error {
	switch {
	case old.N < 0 || old.N > newer.N:
		return fmt.Errorf("%w: tree of size %d cannot extend tree of size %d", ErrProof, newer.N, old.N)
	case old.N == 0:
		if len(proof) != 0 || (newer.N == 0 && newer.Hash != emptyTreeHash) || old.Hash != emptyTreeHash {
			return fmt.Errorf("%w: bad consistency from the empty tree", ErrProof)
		}
		return nil
	case old.N == newer.N:
		if len(proof) != 0 || old.Hash != newer.Hash {
			return fmt.Errorf("%w: trees of size %d differ", ErrProof, old.N)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newer.N, newer.Hash, old.N, old.Hash); err != nil {
		return fmt.Errorf("%w: consistency of size %d with size %d: %w", ErrProof, old.N, newer.N, err)
	}
	return nil
}
