package bulletin

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Store is the durable state under a [Board]: the log's entries and stored
// hashes, the blobs that blob references name, the unique keys that the
// posting policy enforces, and the rejected submissions.
//
// AppendBatch is one atomic, durable commit (group commit): the board
// acknowledges a submission only after the batch holding it committed.
// Another backend (PostgreSQL with synchronous replication, say)
// implements the same interface; nothing above it changes.
type Store interface {
	HashStore
	EntryFinder

	// AppendBatch appends recs as entries first, first+1, … (first must
	// equal Records()) and records rejs, all in one transaction. If a
	// unique key of a record is already stored, or an entry is already
	// stored, nothing is written and the error matches ErrDuplicateEntry
	// or ErrUniqueKey.
	AppendBatch(first int64, recs []Record, rejs []Rejection) error

	// LookupKeys returns, for those of keys that are stored, the index of
	// the entry that claimed each (map key: string(key)).
	LookupKeys(keys [][]byte) (map[string]int64, error)

	// ReadBlob returns the blob with the given SHA-256.
	ReadBlob(hash [32]byte) ([]byte, error)

	// ReadRejections returns every recorded rejection, oldest first.
	ReadRejections() ([]Rejection, error)
}

// Record is one log entry to append with what goes with it.
type Record struct {
	Entry  []byte      // the leaf: at most MaxEntrySize bytes
	Hashes []tlog.Hash // tlog.StoredHashes of the entry
	Keys   [][]byte    // unique keys the entry claims (see spec/board.md §5)
	Blob   []byte      // the entry a blob reference names, or nil
}

// Rejection is a refused submission: when, why, and the SHA-256 of what
// was submitted.
type Rejection struct {
	Time   time.Time `json:"time"`
	Reason Reason    `json:"reason"`
	Entry  [32]byte  `json:"entry"` // hex in JSON (MarshalJSON)
	Detail string    `json:"detail"`
}

type rejectionJSON struct {
	Time   time.Time `json:"time"`
	Reason Reason    `json:"reason"`
	Entry  string    `json:"entry"` // SHA-256 of the submission, hex
	Detail string    `json:"detail"`
}

// MarshalJSON encodes the rejection with the entry's hash in hex.
func (r Rejection) MarshalJSON() ([]byte, error) {
	return json.Marshal(rejectionJSON{Time: r.Time, Reason: r.Reason, Entry: hex.EncodeToString(r.Entry[:]), Detail: r.Detail})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (r *Rejection) UnmarshalJSON(b []byte) error {
	var j rejectionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	h, err := hex.DecodeString(j.Entry)
	if err != nil || len(h) != 32 {
		return fmt.Errorf("bulletin: rejection: entry hash %q is not 64 hex digits", j.Entry)
	}
	*r = Rejection{Time: j.Time, Reason: j.Reason, Entry: [32]byte(h), Detail: j.Detail}
	return nil
}

// ErrUniqueKey is matched by the error of a batch that claims a unique key
// already stored.
var ErrUniqueKey = errors.New("bulletin: unique key already stored")

// MemoryStore is a [Store] in memory, for tests and demonstrations.
type MemoryStore struct {
	MemoryHashStore
	mu     sync.Mutex
	leaves map[tlog.Hash]int64
	keys   map[string]int64
	blobs  map[[32]byte][]byte
	rejs   []Rejection
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{leaves: map[tlog.Hash]int64{}, keys: map[string]int64{}, blobs: map[[32]byte][]byte{}}
}

// FindEntry implements [EntryFinder].
func (s *MemoryStore) FindEntry(entry []byte) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.leaves[tlog.RecordHash(entry)]
	return i, ok, nil
}

// Append implements [HashStore].
func (s *MemoryStore) Append(index int64, entry []byte, hashes []tlog.Hash) error {
	return s.AppendBatch(index, []Record{{Entry: entry, Hashes: hashes}}, nil)
}

// AppendBatch implements [Store].
func (s *MemoryStore) AppendBatch(first int64, recs []Record, rejs []Rejection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range recs {
		lh := tlog.RecordHash(r.Entry)
		if i, ok := s.leaves[lh]; ok {
			return &DuplicateEntryError{Index: i}
		}
		if seen["leaf"+string(lh[:])] {
			return &DuplicateEntryError{Index: -1}
		}
		seen["leaf"+string(lh[:])] = true
		for _, k := range r.Keys {
			if _, ok := s.keys[string(k)]; ok || seen[string(k)] {
				return fmt.Errorf("%w: %x", ErrUniqueKey, k)
			}
			seen[string(k)] = true
		}
	}
	for i, r := range recs {
		if err := s.MemoryHashStore.Append(first+int64(i), r.Entry, r.Hashes); err != nil {
			return err // only possible for the first record: nothing stored
		}
		s.leaves[tlog.RecordHash(r.Entry)] = first + int64(i)
		for _, k := range r.Keys {
			s.keys[string(k)] = first + int64(i)
		}
		if r.Blob != nil {
			s.blobs[sha256Sum(r.Blob)] = append([]byte(nil), r.Blob...)
		}
	}
	s.rejs = append(s.rejs, rejs...)
	return nil
}

// LookupKeys implements [Store].
func (s *MemoryStore) LookupKeys(keys [][]byte) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for _, k := range keys {
		if i, ok := s.keys[string(k)]; ok {
			out[string(k)] = i
		}
	}
	return out, nil
}

// ReadBlob implements [Store].
func (s *MemoryStore) ReadBlob(hash [32]byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[hash]
	if !ok {
		return nil, fmt.Errorf("%w: blob %x", ErrNotFound, hash[:8])
	}
	return b, nil
}

// ReadRejections implements [Store].
func (s *MemoryStore) ReadRejections() ([]Rejection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejs...), nil
}

// The SQLite implementation of the board tables (spec/board.md §5).

const sqliteBoardSchema = `
CREATE TABLE IF NOT EXISTS unique_keys (
	key     BLOB PRIMARY KEY,
	"index" INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
	hash BLOB PRIMARY KEY,
	data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejections (
	id     INTEGER PRIMARY KEY,
	time   INTEGER NOT NULL,
	reason TEXT NOT NULL,
	entry  BLOB NOT NULL,
	detail TEXT NOT NULL
);`

var _ Store = (*SQLiteStore)(nil)

// AppendBatch implements [Store]: one transaction, committed with a full
// sync before it returns nil.
func (s *SQLiteStore) AppendBatch(first int64, recs []Record, rejs []Rejection) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.inTx(func(tx *sql.Tx) error {
		if len(recs) == 0 {
			return insertRejections(tx, rejs)
		}
		n, err := records(tx)
		if err != nil {
			return err
		}
		if first != n {
			return fmt.Errorf("bulletin: append at %d to store of %d entries", first, n)
		}
		var nh int64
		if err := tx.QueryRow(`SELECT COALESCE(MAX("index"), -1) + 1 FROM hashes`).Scan(&nh); err != nil {
			return err
		}
		if nh != tlog.StoredHashCount(n) {
			return fmt.Errorf("bulletin: store holds %d stored hashes for %d entries", nh, n)
		}
		insEntry, err := tx.Prepare(`INSERT INTO entries ("index", entry, entry_hash) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insEntry.Close()
		insHash, err := tx.Prepare(`INSERT INTO hashes ("index", hash) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer insHash.Close()
		insKey, err := tx.Prepare(`INSERT INTO unique_keys (key, "index") VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer insKey.Close()
		for i, r := range recs {
			index := first + int64(i)
			if len(r.Entry) > MaxEntrySize {
				return fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(r.Entry), MaxEntrySize)
			}
			if int64(len(r.Hashes)) != tlog.StoredHashCount(index+1)-tlog.StoredHashCount(index) {
				return fmt.Errorf("bulletin: append of %d hashes for entry %d does not fit the store", len(r.Hashes), index)
			}
			if j, found, err := findEntry(tx, r.Entry); err != nil {
				return err
			} else if found {
				return &DuplicateEntryError{Index: j}
			}
			rh := tlog.RecordHash(r.Entry)
			if _, err := insEntry.Exec(index, nonNil(r.Entry), rh[:]); err != nil {
				return err
			}
			for k, h := range r.Hashes {
				if _, err := insHash.Exec(nh, h[:]); err != nil {
					return fmt.Errorf("bulletin: stored hash %d of entry %d: %w", k, index, err)
				}
				nh++
			}
			for _, key := range r.Keys {
				if _, err := insKey.Exec(key, index); err != nil {
					if strings.Contains(err.Error(), "UNIQUE constraint failed") {
						return fmt.Errorf("%w: %x (entry %d)", ErrUniqueKey, key, index)
					}
					return err
				}
			}
			if r.Blob != nil {
				h := sha256Sum(r.Blob)
				if _, err := tx.Exec(`INSERT OR IGNORE INTO blobs (hash, data) VALUES (?, ?)`, h[:], r.Blob); err != nil {
					return err
				}
			}
		}
		return insertRejections(tx, rejs)
	})
	if err != nil {
		return err
	}
	s.cacheAppend(first, recs)
	return nil
}

func insertRejections(tx *sql.Tx, rejs []Rejection) error {
	for _, r := range rejs {
		if _, err := tx.Exec(`INSERT INTO rejections (time, reason, entry, detail) VALUES (?, ?, ?, ?)`,
			r.Time.UnixMicro(), string(r.Reason), r.Entry[:], r.Detail); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LookupKeys implements [Store], with one query per 500 keys.
func (s *SQLiteStore) LookupKeys(keys [][]byte) (map[string]int64, error) {
	const chunk = 500
	out := map[string]int64{}
	for lo := 0; lo < len(keys); lo += chunk {
		part := keys[lo:min(lo+chunk, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := s.db.Query(`SELECT key, "index" FROM unique_keys WHERE key IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k []byte
			var x int64
			if err := rows.Scan(&k, &x); err != nil {
				rows.Close()
				return nil, err
			}
			out[string(k)] = x
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadBlob implements [Store].
func (s *SQLiteStore) ReadBlob(hash [32]byte) ([]byte, error) {
	var b []byte
	err := s.db.QueryRow(`SELECT data FROM blobs WHERE hash = ?`, hash[:]).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: blob %x", ErrNotFound, hash[:8])
	}
	return b, err
}

// ReadRejections implements [Store].
func (s *SQLiteStore) ReadRejections() ([]Rejection, error) {
	rows, err := s.db.Query(`SELECT time, reason, entry, detail FROM rejections ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var t int64
		var r Rejection
		var reason string
		var e []byte
		if err := rows.Scan(&t, &reason, &e, &r.Detail); err != nil {
			return nil, err
		}
		r.Time, r.Reason = time.UnixMicro(t).UTC(), Reason(reason)
		copy(r.Entry[:], e)
		out = append(out, r)
	}
	return out, rows.Err()
}

// cacheAppend adds the stored hashes of committed records to the
// in-memory copy, which serves ReadHashes without a query.
// Another handle on the same file may have appended meanwhile: the cache
// then stays as it is, and reads beyond it go to the database.
func (s *SQLiteStore) cacheAppend(first int64, recs []Record) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if !s.cacheOK || int64(len(s.cache)) != tlog.StoredHashCount(first) {
		return
	}
	for _, r := range recs {
		s.cache = append(s.cache, r.Hashes...)
	}
}

// loadCache reads every stored hash into memory.
func (s *SQLiteStore) loadCache() error {
	rows, err := s.db.Query(`SELECT "index", hash FROM hashes ORDER BY "index"`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cache []tlog.Hash
	for rows.Next() {
		var x int64
		var b []byte
		if err := rows.Scan(&x, &b); err != nil {
			return err
		}
		if x != int64(len(cache)) || len(b) != tlog.HashSize {
			return fmt.Errorf("bulletin: stored hash %d is malformed or out of place", x)
		}
		cache = append(cache, tlog.Hash(b))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.cmu.Lock()
	s.cache, s.cacheOK = cache, true
	s.cmu.Unlock()
	return nil
}

// cachedHashes returns the hashes at indexes from memory, or false.
func (s *SQLiteStore) cachedHashes(indexes []int64) ([]tlog.Hash, bool) {
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	if !s.cacheOK {
		return nil, false
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s.cache)) {
			return nil, false
		}
		out[i] = s.cache[x]
	}
	return out, true
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
