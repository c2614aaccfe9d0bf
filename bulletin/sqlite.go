package bulletin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

// SQLiteStore is a durable [HashStore] in an SQLite database file, in WAL
// mode with synchronous=FULL: an Append that returned nil survives a crash
// of the process or the machine, and an Append that did not return nil left
// nothing behind.
//
// The store holds each entry at most once: Append of an entry already
// stored fails with a *[DuplicateEntryError], and [SQLiteStore.AppendOrGet]
// and [Log.AppendOrGet] return the index already held. It is safe for
// concurrent use; appends are serialised.
type SQLiteStore struct {
	db  *sql.DB
	wmu sync.Mutex // serialises writers in this process

	stop, stopped chan struct{} // the WAL checkpointer
	closeOnce     sync.Once

	// cache holds every stored hash once loaded at open, so that proofs
	// and appends read hashes without a query.
	cmu     sync.RWMutex
	cache   []tlog.Hash
	cacheOK bool
}

var (
	_ HashStore   = (*SQLiteStore)(nil)
	_ EntryFinder = (*SQLiteStore)(nil)
)

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS entries (
	"index"    INTEGER PRIMARY KEY,
	entry      BLOB NOT NULL,
	entry_hash BLOB NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS hashes (
	"index" INTEGER PRIMARY KEY,
	hash    BLOB NOT NULL
);`

// OpenSQLite opens the store in the SQLite database at path, creating the
// file and its tables if needed, and checks that the entries and stored
// hashes found there are consistent.
func OpenSQLite(path string) (*SQLiteStore, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("bulletin: unsupported SQLite path %q", path)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Commits never checkpoint the WAL themselves (that would stall an
	// acknowledgement on a full sync of the database file): a background
	// goroutine checkpoints instead, without blocking writers.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate") // writers take the write lock at BEGIN
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("bulletin: opening %s: %w", path, err)
	}
	s := &SQLiteStore{db: db, stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("bulletin: opening %s: %w", path, err)
	}
	go s.checkpointer()
	return s, nil
}

func (s *SQLiteStore) init() error {
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	if _, err := s.db.Exec(sqliteSchema + sqliteBoardSchema); err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	var entries, maxEntry, hashes, maxHash int64
	err := s.db.QueryRow(`SELECT
		(SELECT COUNT(*) FROM entries), (SELECT COALESCE(MAX("index"), -1) FROM entries),
		(SELECT COUNT(*) FROM hashes), (SELECT COALESCE(MAX("index"), -1) FROM hashes)`).
		Scan(&entries, &maxEntry, &hashes, &maxHash)
	if err != nil {
		return fmt.Errorf("checking store: %w", err)
	}
	if maxEntry != entries-1 || maxHash != hashes-1 || hashes != tlog.StoredHashCount(entries) {
		return fmt.Errorf("inconsistent store: %d entries (last %d), %d stored hashes (last %d)",
			entries, maxEntry, hashes, maxHash)
	}
	return s.loadCache()
}

// Close closes the database.
func (s *SQLiteStore) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.stopped
	})
	return s.db.Close()
}

// checkpointer moves the WAL into the database file every
// checkpointInterval with a passive checkpoint, which waits for no reader
// or writer; what it cannot copy yet waits for the next round.
func (s *SQLiteStore) checkpointer() {
	defer close(s.stopped)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			return
		case <-t.C:
			s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

const checkpointInterval = 500 * time.Millisecond

// queryer is what reads need: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryRow(query string, args ...any) *sql.Row
	Query(query string, args ...any) (*sql.Rows, error)
}

func records(q queryer) (int64, error) {
	var n int64
	err := q.QueryRow(`SELECT COALESCE(MAX("index"), -1) + 1 FROM entries`).Scan(&n)
	return n, err
}

// Records implements [HashStore].
func (s *SQLiteStore) Records() (int64, error) { return records(s.db) }

// ReadHashes implements tlog.HashReader.
func (s *SQLiteStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if h, ok := s.cachedHashes(indexes); ok {
		return h, nil
	}
	return readHashes(s.db, indexes)
}

func readHashes(q queryer, indexes []int64) ([]tlog.Hash, error) {
	const chunk = 500
	found := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += chunk {
		part := indexes[start:min(start+chunk, len(indexes))]
		args := make([]any, len(part))
		for i, x := range part {
			args[i] = x
		}
		rows, err := q.Query(`SELECT "index", hash FROM hashes WHERE "index" IN (?`+
			strings.Repeat(",?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var x int64
			var b []byte
			if err := rows.Scan(&x, &b); err != nil {
				rows.Close()
				return nil, err
			}
			if len(b) != tlog.HashSize {
				rows.Close()
				return nil, fmt.Errorf("bulletin: stored hash %d has %d bytes", x, len(b))
			}
			found[x] = tlog.Hash(b)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("%w: stored hash %d", ErrNotFound, x)
		}
		out[i] = h
	}
	return out, nil
}

// ReadEntries implements [HashStore].
func (s *SQLiteStore) ReadEntries(start, end int64) ([][]byte, error) {
	if start < 0 || end < start {
		return nil, fmt.Errorf("%w: entries [%d, %d)", ErrNotFound, start, end)
	}
	rows, err := s.db.Query(`SELECT "index", entry FROM entries WHERE "index" >= ? AND "index" < ? ORDER BY "index"`, start, end)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([][]byte, 0, end-start)
	for rows.Next() {
		var x int64
		var e []byte
		if err := rows.Scan(&x, &e); err != nil {
			return nil, err
		}
		if x != start+int64(len(out)) {
			return nil, fmt.Errorf("%w: entry %d", ErrNotFound, start+int64(len(out)))
		}
		if e == nil {
			e = []byte{}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("%w: entries [%d, %d)", ErrNotFound, start, end)
	}
	return out, nil
}

// FindEntry implements [EntryFinder].
func (s *SQLiteStore) FindEntry(entry []byte) (int64, bool, error) {
	return findEntry(s.db, entry)
}

func findEntry(q queryer, entry []byte) (int64, bool, error) {
	rh := tlog.RecordHash(entry)
	var x int64
	err := q.QueryRow(`SELECT "index" FROM entries WHERE entry_hash = ?`, rh[:]).Scan(&x)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return x, true, nil
}

// Append implements [HashStore]. The entry and its stored hashes are
// written in one transaction; Append returns nil only once it committed.
// An entry already in the store is not stored again: Append returns a
// *[DuplicateEntryError] with its index.
func (s *SQLiteStore) Append(index int64, entry []byte, hashes []tlog.Hash) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.inTx(func(tx *sql.Tx) error {
		return appendTx(tx, index, entry, hashes)
	})
	if err == nil {
		s.cacheAppend(index, []Record{{Hashes: hashes}})
	}
	return err
}

// AppendOrGet appends entry at the end of the store, computing its stored
// hashes, unless the store already holds it; it returns the entry's index
// and whether it was already there. The look-up and the append are one
// transaction.
//
// A [Log] over the store does not see entries appended this way until it
// is recreated with [NewLog]; with a Log, use [Log.AppendOrGet].
func (s *SQLiteStore) AppendOrGet(entry []byte) (int64, bool, error) {
	if len(entry) > MaxEntrySize {
		return 0, false, fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(entry), MaxEntrySize)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var index int64
	var existed bool
	var hashes []tlog.Hash
	err := s.inTx(func(tx *sql.Tx) error {
		var err error
		index, existed, err = findEntry(tx, entry)
		if err != nil || existed {
			return err
		}
		if index, err = records(tx); err != nil {
			return err
		}
		hashes, err = tlog.StoredHashes(index, entry, txHashReader{tx})
		if err != nil {
			return fmt.Errorf("bulletin: hashing entry %d: %w", index, err)
		}
		return appendTx(tx, index, entry, hashes)
	})
	if err != nil {
		return 0, false, err
	}
	if !existed {
		s.cacheAppend(index, []Record{{Hashes: hashes}})
	}
	return index, existed, nil
}

type txHashReader struct{ tx *sql.Tx }

func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readHashes(r.tx, indexes)
}

// inTx runs f in a write transaction and commits if f returns nil.
func (s *SQLiteStore) inTx(f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func appendTx(tx *sql.Tx, index int64, entry []byte, hashes []tlog.Hash) error {
	if len(entry) > MaxEntrySize {
		return fmt.Errorf("bulletin: entry of %d bytes exceeds %d", len(entry), MaxEntrySize)
	}
	n, err := records(tx)
	if err != nil {
		return err
	}
	if index != n {
		return fmt.Errorf("bulletin: append at %d to store of %d entries", index, n)
	}
	var nh int64
	if err := tx.QueryRow(`SELECT COALESCE(MAX("index"), -1) + 1 FROM hashes`).Scan(&nh); err != nil {
		return err
	}
	if tlog.StoredHashIndex(0, index) != nh || nh+int64(len(hashes)) != tlog.StoredHashCount(index+1) {
		return fmt.Errorf("bulletin: append of %d hashes for entry %d does not fit the store", len(hashes), index)
	}
	if i, found, err := findEntry(tx, entry); err != nil {
		return err
	} else if found {
		return &DuplicateEntryError{Index: i}
	}
	rh := tlog.RecordHash(entry)
	if entry == nil {
		entry = []byte{}
	}
	if _, err := tx.Exec(`INSERT INTO entries ("index", entry, entry_hash) VALUES (?, ?, ?)`, index, entry, rh[:]); err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO hashes ("index", hash) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, h := range hashes {
		if _, err := stmt.Exec(nh+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}
