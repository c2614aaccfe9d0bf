package bulletin

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"
)

func openSQLite(t testing.TB, path string) *SQLiteStore {
	t.Helper()
	s, err := OpenSQLite(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteLog(t testing.TB, path string) (*SQLiteStore, *Log) {
	t.Helper()
	s := openSQLite(t, path)
	l, err := NewLog(s, testOrigin)
	require.NoError(t, err)
	return s, l
}

// checkLog checks that l holds exactly entries, in order, that its root is
// their RFC 6962 tree hash, and that inclusion proofs of every entry verify
// against a signed checkpoint.
func checkLog(t *testing.T, l *Log, entries [][]byte) {
	t.Helper()
	require.Equal(t, int64(len(entries)), l.Size())
	n, root, err := l.Root()
	require.NoError(t, err)
	require.Equal(t, int64(len(entries)), n)
	require.Equal(t, rootOf(entries), root)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := NewBoardSigner(testOrigin, priv)
	require.NoError(t, err)
	verifier, err := NewBoardVerifier(testOrigin, priv.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	signed, err := l.Checkpoint(signer)
	require.NoError(t, err)
	c, err := ParseCheckpoint(signed, verifier, testOrigin)
	require.NoError(t, err)
	for i, e := range entries {
		got, err := l.Entry(int64(i))
		require.NoError(t, err)
		require.Equal(t, e, got, "entry %d", i)
		p, err := l.InclusionProof(int64(i), n)
		require.NoError(t, err)
		require.NoError(t, VerifyInclusion(c, int64(i), e, p), "entry %d", i)
	}
}

func TestSQLitePersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	s, l := sqliteLog(t, path)
	var mode string
	var sync int
	require.NoError(t, s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	require.NoError(t, s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync))
	require.Equal(t, "wal", mode)
	require.Equal(t, 2, sync, "synchronous=FULL")
	var entries [][]byte
	for i := range 70 {
		e := fmt.Appendf(nil, "entry %d", i)
		got, err := l.Append(e)
		require.NoError(t, err)
		require.Equal(t, int64(i), got)
		entries = append(entries, e)
	}
	// The empty entry is an entry like any other.
	got, err := l.Append(nil)
	require.NoError(t, err)
	require.Equal(t, int64(70), got)
	entries = append(entries, []byte{})
	checkLog(t, l, entries)
	_, root, err := l.Root()
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s2, l2 := sqliteLog(t, path)
	_, root2, err := l2.Root()
	require.NoError(t, err)
	assert.Equal(t, root, root2)
	checkLog(t, l2, entries)
	old := l2.Size()
	for i := range 10 {
		e := fmt.Appendf(nil, "after reopen %d", i)
		_, err := l2.Append(e)
		require.NoError(t, err)
		entries = append(entries, e)
	}
	checkLog(t, l2, entries)
	proof, err := l2.ConsistencyProof(old, l2.Size())
	require.NoError(t, err)
	newRoot, err := l2.RootAt(l2.Size())
	require.NoError(t, err)
	require.NoError(t, tlog.CheckTree(proof, l2.Size(), newRoot, old, root))

	all, err := s2.ReadEntries(0, int64(len(entries)))
	require.NoError(t, err)
	assert.Equal(t, entries, all)
	_, err = s2.ReadEntries(0, int64(len(entries))+1)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s2.ReadHashes([]int64{tlog.StoredHashCount(int64(len(entries)))})
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestSQLiteIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	s, l := sqliteLog(t, path)
	var entries [][]byte
	for i := range 5 {
		e := fmt.Appendf(nil, "registration %d", i)
		i2, existed, err := l.AppendOrGet(e)
		require.NoError(t, err)
		require.False(t, existed)
		require.Equal(t, int64(i), i2)
		entries = append(entries, e)
	}
	// A failed-over server registers the same entry again.
	for i, e := range entries {
		got, existed, err := l.AppendOrGet(bytes.Clone(e))
		require.NoError(t, err)
		assert.True(t, existed)
		assert.Equal(t, int64(i), got)
	}
	// Plain Append refuses the duplicate and changes nothing.
	_, err := l.Append(entries[2])
	require.ErrorIs(t, err, ErrDuplicateEntry)
	var dup *DuplicateEntryError
	require.ErrorAs(t, err, &dup)
	assert.Equal(t, int64(2), dup.Index)
	n, err := s.Records()
	require.NoError(t, err)
	require.Equal(t, int64(5), n)
	checkLog(t, l, entries)

	var copies int
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM entries WHERE entry = ?`, entries[3]).Scan(&copies))
	assert.Equal(t, 1, copies)

	// The store-level AppendOrGet, without a Log.
	i, existed, err := s.AppendOrGet(entries[4])
	require.NoError(t, err)
	assert.True(t, existed)
	assert.Equal(t, int64(4), i)
	e := []byte("registration 5")
	i, existed, err = s.AppendOrGet(e)
	require.NoError(t, err)
	assert.False(t, existed)
	assert.Equal(t, int64(5), i)
	entries = append(entries, e)
	require.NoError(t, s.Close())

	_, l2 := sqliteLog(t, path)
	checkLog(t, l2, entries)
	i, existed, err = l2.AppendOrGet(e)
	require.NoError(t, err)
	assert.True(t, existed)
	assert.Equal(t, int64(5), i)

	// Log.AppendOrGet also works over a store without EntryFinder.
	ml, err := NewLog(NewMemoryHashStore(), testOrigin)
	require.NoError(t, err)
	for range 2 {
		for i, e := range entries {
			got, _, err := ml.AppendOrGet(e)
			require.NoError(t, err)
			require.Equal(t, int64(i), got)
		}
	}
	checkLog(t, ml, entries)
}

func TestSQLiteFailedAppendChangesNothing(t *testing.T) {
	s, l := sqliteLog(t, filepath.Join(t.TempDir(), "board.db"))
	e0 := []byte("first")
	_, err := l.Append(e0)
	require.NoError(t, err)
	hashes, err := tlog.StoredHashes(1, []byte("second"), s)
	require.NoError(t, err)
	assert.Error(t, s.Append(0, []byte("second"), hashes), "wrong index")
	assert.Error(t, s.Append(2, []byte("second"), hashes), "wrong index")
	assert.Error(t, s.Append(1, []byte("second"), hashes[:1]), "too few hashes")
	assert.Error(t, s.Append(1, []byte("second"), append(hashes, hashes[0])), "too many hashes")
	assert.Error(t, s.Append(1, make([]byte, MaxEntrySize+1), hashes), "too large")
	n, err := s.Records()
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	var nh int64
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM hashes`).Scan(&nh))
	require.Equal(t, tlog.StoredHashCount(1), nh)
	require.NoError(t, s.Append(1, []byte("second"), hashes))
	l2, err := NewLog(s, testOrigin)
	require.NoError(t, err)
	checkLog(t, l2, [][]byte{e0, []byte("second")})
}

func TestSQLiteConcurrent(t *testing.T) {
	const workers, perWorker = 8, 12
	path := filepath.Join(t.TempDir(), "board.db")
	_, l := sqliteLog(t, path)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*3)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				// Each worker's own entry, and a shared one that every
				// worker tries to register.
				if _, _, err := l.AppendOrGet(fmt.Appendf(nil, "worker %d entry %d", w, i)); err != nil {
					errs <- err
				}
				if _, _, err := l.AppendOrGet(fmt.Appendf(nil, "shared %d", i)); err != nil {
					errs <- err
				}
				// Readers run alongside the writers.
				if n, _, err := l.Root(); err != nil {
					errs <- err
				} else if n > 0 {
					if _, err := l.InclusionProof(n-1, n); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	want := map[string]bool{}
	for w := range workers {
		for i := range perWorker {
			want[fmt.Sprintf("worker %d entry %d", w, i)] = true
		}
	}
	for i := range perWorker {
		want[fmt.Sprintf("shared %d", i)] = true
	}
	require.Equal(t, int64(len(want)), l.Size())
	entries, err := l.store.ReadEntries(0, l.Size())
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		require.True(t, want[string(e)], "unexpected entry %q", e)
		require.False(t, seen[string(e)], "entry %q twice", e)
		seen[string(e)] = true
	}
	checkLog(t, l, entries)
}

func TestSQLiteConcurrentHandles(t *testing.T) {
	// Two handles on one file, as after a fail-over with the old server
	// still running: every entry is stored exactly once.
	path := filepath.Join(t.TempDir(), "board.db")
	stores := []*SQLiteStore{openSQLite(t, path), openSQLite(t, path)}
	const workers, perWorker = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				s := stores[(w+i)%len(stores)]
				if _, _, err := s.AppendOrGet(fmt.Appendf(nil, "ballot %d", (w*perWorker+i)%(workers*perWorker/2))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	l, err := NewLog(stores[0], testOrigin)
	require.NoError(t, err)
	require.Equal(t, int64(workers*perWorker/2), l.Size())
	entries, err := stores[1].ReadEntries(0, l.Size())
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		require.False(t, seen[string(e)], "entry %q twice", e)
		seen[string(e)] = true
	}
	checkLog(t, l, entries)
}

// TestSQLiteCrashChild is the process that TestSQLiteCrash kills: it
// appends entries, reporting each after Append returned, then dies in the
// middle of a transaction that has written an entry without its hashes.
func TestSQLiteCrashChild(t *testing.T) {
	path := os.Getenv("URNA_SQLITE_CRASH_DB")
	if path == "" {
		t.Skip("run by TestSQLiteCrash")
	}
	s, err := OpenSQLite(path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	l, err := NewLog(s, testOrigin)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for i := range 20 {
		if _, err := l.Append(fmt.Appendf(nil, "entry %d", i)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("acked", i)
	}
	tx, err := s.db.Begin()
	if err == nil {
		_, err = tx.Exec(`INSERT INTO entries ("index", entry, entry_hash) VALUES (20, x'00', x'00')`)
	}
	if err == nil {
		_, err = tx.Exec(`INSERT INTO hashes ("index", hash) VALUES (?, zeroblob(32))`, tlog.StoredHashIndex(0, 20))
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("crashing")
	os.Exit(3) // no commit, no rollback, no close
}

func TestSQLiteCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "URNA_SQLITE_CRASH_DB="+path)
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "child output:\n%s", out)
	require.Equal(t, 3, exit.ExitCode(), "child output:\n%s", out)
	acked := -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("acked ")); ok {
			acked, err = strconv.Atoi(string(v))
			require.NoError(t, err)
		}
	}
	require.Equal(t, 19, acked, "child output:\n%s", out)

	s, l := sqliteLog(t, path)
	var entries [][]byte
	for i := range 20 {
		entries = append(entries, fmt.Appendf(nil, "entry %d", i))
	}
	checkLog(t, l, entries)
	var nh int64
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM hashes`).Scan(&nh))
	require.Equal(t, tlog.StoredHashCount(20), nh, "half-written hashes survived")
	// The log goes on from where the acknowledged entries end.
	i, err := l.Append([]byte("entry 20"))
	require.NoError(t, err)
	require.Equal(t, int64(20), i)
	checkLog(t, l, append(entries, []byte("entry 20")))
}

func TestSQLiteUncommittedInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	s, l := sqliteLog(t, path)
	entries := [][]byte{[]byte("a"), []byte("b")}
	for _, e := range entries {
		_, err := l.Append(e)
		require.NoError(t, err)
	}
	// A second connection begins a write and is torn down mid-way.
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	tx, err := raw.Begin()
	require.NoError(t, err)
	_, err = tx.Exec(`INSERT INTO entries ("index", entry, entry_hash) VALUES (2, x'63', x'00')`)
	require.NoError(t, err)
	// Meanwhile readers see only committed data.
	n, err := s.Records()
	require.NoError(t, err)
	require.Equal(t, int64(2), n)
	require.NoError(t, tx.Rollback())
	require.NoError(t, raw.Close())
	require.NoError(t, s.Close())

	_, l2 := sqliteLog(t, path)
	checkLog(t, l2, entries)
}

func TestSQLiteOpenRejectsInconsistentStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	s, l := sqliteLog(t, path)
	for i := range 4 {
		_, err := l.Append(fmt.Appendf(nil, "entry %d", i))
		require.NoError(t, err)
	}
	_, err := s.db.Exec(`DELETE FROM hashes WHERE "index" = (SELECT MAX("index") FROM hashes)`)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = OpenSQLite(path)
	assert.ErrorContains(t, err, "inconsistent store")
}
