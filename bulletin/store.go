package bulletin

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// MaxEntrySize is the largest entry the log accepts. C2SP tlog-tiles entry
// bundles prefix each entry with a 16-bit length.
const MaxEntrySize = 1<<16 - 1

// ErrNotFound is returned when a store is asked for hashes or entries it
// does not hold.
var ErrNotFound = errors.New("bulletin: not found")

// HashStore is the storage under a [Log]: the stored hashes of the tree (in
// tlog's stored-hash order, see tlog.StoredHashIndex) and the entries.
//
// Implementations must make Append atomic: after it returns nil, Records
// has grown by one and every stored hash and the entry are readable; after
// it returns an error, nothing has changed. The Log serialises calls to
// Append, but readers may call ReadHashes and ReadEntries concurrently.
type HashStore interface {
	tlog.HashReader

	// Records returns the number of entries stored.
	Records() (int64, error)

	// Append stores entry number index together with hashes, the output
	// of tlog.StoredHashes for it, which belong at stored-hash indexes
	// tlog.StoredHashIndex(0, index) onward. index must equal Records().
	Append(index int64, entry []byte, hashes []tlog.Hash) error

	// ReadEntries returns entries [start, end).
	ReadEntries(start, end int64) ([][]byte, error)
}

// MemoryHashStore is a [HashStore] kept in memory. The zero value is an
// empty store ready to use.
type MemoryHashStore struct {
	mu      sync.RWMutex
	hashes  []tlog.Hash
	entries [][]byte
}

var _ HashStore = (*MemoryHashStore)(nil)

// NewMemoryHashStore returns an empty in-memory store.
func NewMemoryHashStore() *MemoryHashStore { return &MemoryHashStore{} }

// ReadHashes implements tlog.HashReader.
func (s *MemoryHashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s.hashes)) {
			return nil, fmt.Errorf("%w: stored hash %d", ErrNotFound, x)
		}
		out[i] = s.hashes[x]
	}
	return out, nil
}

// Records implements [HashStore].
func (s *MemoryHashStore) Records() (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.entries)), nil
}

// Append implements [HashStore].
func (s *MemoryHashStore) Append(index int64, entry []byte, hashes []tlog.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if index != int64(len(s.entries)) {
		return fmt.Errorf("bulletin: append at %d to store of %d entries", index, len(s.entries))
	}
	if tlog.StoredHashIndex(0, index) != int64(len(s.hashes)) ||
		int64(len(s.hashes)+len(hashes)) != tlog.StoredHashCount(index+1) {
		return fmt.Errorf("bulletin: append of %d hashes for entry %d does not fit the store", len(hashes), index)
	}
	s.hashes = append(s.hashes, hashes...)
	s.entries = append(s.entries, append([]byte(nil), entry...))
	return nil
}

// ReadEntries implements [HashStore].
func (s *MemoryHashStore) ReadEntries(start, end int64) ([][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if start < 0 || end < start || end > int64(len(s.entries)) {
		return nil, fmt.Errorf("%w: entries [%d, %d)", ErrNotFound, start, end)
	}
	out := make([][]byte, 0, end-start)
	for _, e := range s.entries[start:end] {
		out = append(out, append([]byte(nil), e...))
	}
	return out, nil
}
