package bulletin

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Log is an append-only Merkle tree log over a [HashStore]. It is safe for
// concurrent use; appends are serialised.
type Log struct {
	origin string
	store  HashStore

	mu   sync.RWMutex
	size int64
}

// NewLog returns a log over store, which may already hold entries. origin
// names the log in its checkpoints, e.g. "urna.example/election/<id>"; it
// must satisfy [ValidOrigin].
func NewLog(store HashStore, origin string) (*Log, error) {
	if err := ValidOrigin(origin); err != nil {
		return nil, err
	}
	n, err := store.Records()
	if err != nil {
		return nil, fmt.Errorf("bulletin: reading store size: %w", err)
	}
	if n < 0 {
		return nil, fmt.Errorf("bulletin: store reports %d records", n)
	}
	return &Log{origin: origin, store: store, size: n}, nil
}

// Origin returns the log's origin line.
func (l *Log) Origin() string { return l.origin }

// Append adds entry to the log and returns its index. Entries are opaque
// bytes of at most [MaxEntrySize].
func (l *Log) Append(entry []byte) (int64, error) {
	if len(entry) > MaxEntrySize {
		return 0, fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(entry), MaxEntrySize)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.size
	hashes, err := tlog.StoredHashes(n, entry, l.store)
	if err != nil {
		return 0, fmt.Errorf("bulletin: hashing entry %d: %w", n, err)
	}
	if err := l.store.Append(n, entry, hashes); err != nil {
		return 0, fmt.Errorf("bulletin: storing entry %d: %w", n, err)
	}
	l.size = n + 1
	return n, nil
}

// Size returns the number of entries in the log.
func (l *Log) Size() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.size
}

// Root returns the size of the log and its tree hash (RFC 6962 MTH; the
// hash of the empty tree is SHA-256 of the empty string).
func (l *Log) Root() (int64, tlog.Hash, error) {
	n := l.Size()
	h, err := l.RootAt(n)
	return n, h, err
}

// RootAt returns the tree hash of the first n entries.
func (l *Log) RootAt(n int64) (tlog.Hash, error) {
	if n < 0 || n > l.Size() {
		return tlog.Hash{}, fmt.Errorf("bulletin: tree size %d outside log of %d entries", n, l.Size())
	}
	if n == 0 {
		return emptyTreeHash, nil
	}
	return tlog.TreeHash(n, l.store)
}

// Entry returns entry index.
func (l *Log) Entry(index int64) ([]byte, error) {
	if index < 0 || index >= l.Size() {
		return nil, fmt.Errorf("%w: entry %d", ErrNotFound, index)
	}
	e, err := l.store.ReadEntries(index, index+1)
	if err != nil {
		return nil, err
	}
	return e[0], nil
}

// Entries returns entries [start, end).
func (l *Log) Entries(start, end int64) ([][]byte, error) {
	if start < 0 || end < start || end > l.Size() {
		return nil, fmt.Errorf("%w: entries [%d, %d) (the log has %d)", ErrNotFound, start, end, l.Size())
	}
	return l.store.ReadEntries(start, end)
}

// InclusionProof proves that entry index is in the tree of size treeSize.
func (l *Log) InclusionProof(index, treeSize int64) (tlog.RecordProof, error) {
	if treeSize < 1 || treeSize > l.Size() || index < 0 || index >= treeSize {
		return nil, fmt.Errorf("bulletin: no inclusion proof for entry %d in tree of size %d (log has %d)", index, treeSize, l.Size())
	}
	return tlog.ProveRecord(treeSize, index, l.store)
}

// ConsistencyProof proves that the tree of size oldSize is a prefix of the
// tree of size newSize. The proof is empty when oldSize is 0 or equals
// newSize.
func (l *Log) ConsistencyProof(oldSize, newSize int64) (tlog.TreeProof, error) {
	if oldSize < 0 || oldSize > newSize || newSize > l.Size() {
		return nil, fmt.Errorf("bulletin: no consistency proof from %d to %d (log has %d)", oldSize, newSize, l.Size())
	}
	if oldSize == 0 || oldSize == newSize {
		return tlog.TreeProof{}, nil
	}
	return tlog.ProveTree(newSize, oldSize, l.store)
}

// emptyTreeHash is MTH({}) = SHA-256("") (RFC 6962 §2.1).
var emptyTreeHash = tlog.Hash(sha256.Sum256(nil))

// ErrDuplicateEntry is matched (with errors.Is) by the *[DuplicateEntryError]
// a store returns when asked to append an entry it already holds.
var ErrDuplicateEntry = errors.New("bulletin: duplicate entry")

// DuplicateEntryError reports that an entry is already in the store, at
// Index. Nothing was stored.
type DuplicateEntryError struct {
	Index int64
}

func (e *DuplicateEntryError) Error() string {
	return fmt.Sprintf("bulletin: duplicate entry: already stored as entry %d", e.Index)
}

// Is makes errors.Is(err, ErrDuplicateEntry) hold.
func (e *DuplicateEntryError) Is(target error) bool { return target == ErrDuplicateEntry }

// EntryFinder is an optional interface of a [HashStore] that can look an
// entry up by content. [Log.AppendOrGet] uses it when the store has it.
type EntryFinder interface {
	// FindEntry returns the index of entry and true if the store holds
	// it, or false if it does not.
	FindEntry(entry []byte) (index int64, ok bool, err error)
}

// AppendOrGet adds entry to the log unless the log already holds it, and
// returns its index and whether it was already there. Appending the same
// entry twice (a retried or failed-over registration, say) thus yields one
// copy in the log.
//
// It uses the store's [EntryFinder] when there is one and otherwise reads
// every record hash of the log.
func (l *Log) AppendOrGet(entry []byte) (int64, bool, error) {
	if len(entry) > MaxEntrySize {
		return 0, false, fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(entry), MaxEntrySize)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.size
	if f, ok := l.store.(EntryFinder); ok {
		i, found, err := f.FindEntry(entry)
		if err != nil {
			return 0, false, fmt.Errorf("bulletin: looking up entry: %w", err)
		}
		if found {
			if i < 0 || i >= n {
				return 0, false, fmt.Errorf("bulletin: store holds entry at %d, outside log of %d entries", i, n)
			}
			return i, true, nil
		}
	} else if n > 0 {
		indexes := make([]int64, n)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, int64(i))
		}
		hashes, err := l.store.ReadHashes(indexes)
		if err != nil {
			return 0, false, fmt.Errorf("bulletin: reading record hashes: %w", err)
		}
		rh := tlog.RecordHash(entry)
		for i, h := range hashes {
			if h == rh {
				return int64(i), true, nil
			}
		}
	}
	hashes, err := tlog.StoredHashes(n, entry, l.store)
	if err != nil {
		return 0, false, fmt.Errorf("bulletin: hashing entry %d: %w", n, err)
	}
	if err := l.store.Append(n, entry, hashes); err != nil {
		return 0, false, fmt.Errorf("bulletin: storing entry %d: %w", n, err)
	}
	l.size = n + 1
	return n, false, nil
}

// overlayHashes reads stored hashes from a batch being appended, on top of
// the store.
type overlayHashes struct {
	base    tlog.HashReader
	start   int64 // stored-hash index of pending[0]
	pending []tlog.Hash
}

func (o *overlayHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var fromBase []int64
	var at []int
	for i, x := range indexes {
		if x >= o.start {
			if x-o.start >= int64(len(o.pending)) {
				return nil, fmt.Errorf("%w: stored hash %d", ErrNotFound, x)
			}
			out[i] = o.pending[x-o.start]
			continue
		}
		fromBase = append(fromBase, x)
		at = append(at, i)
	}
	if len(fromBase) > 0 {
		hs, err := o.base.ReadHashes(fromBase)
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			out[i] = hs[k]
		}
	}
	return out, nil
}

// appendRecords appends recs (whose Hashes it fills in) and records rejs
// in one commit of store, which must be the log's store.
func (l *Log) appendRecords(store Store, recs []Record, rejs []Rejection) error {
	if len(recs) == 0 && len(rejs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.size
	o := &overlayHashes{base: l.store, start: tlog.StoredHashCount(n)}
	for i := range recs {
		if len(recs[i].Entry) > MaxEntrySize {
			return fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(recs[i].Entry), MaxEntrySize)
		}
		hs, err := tlog.StoredHashes(n+int64(i), recs[i].Entry, o)
		if err != nil {
			return fmt.Errorf("bulletin: hashing entry %d: %w", n+int64(i), err)
		}
		recs[i].Hashes = hs
		o.pending = append(o.pending, hs...)
	}
	if err := store.AppendBatch(n, recs, rejs); err != nil {
		return err
	}
	l.size = n + int64(len(recs))
	return nil
}
