package bulletin_test

// Reliability tests of the board over SQLite: concurrent posting with
// duplicates and invalid ballots, a crash in the middle of the load, and a
// restart after a whole election.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/internal/scenario"
)

// rfc6962Root is the RFC 6962 Merkle tree hash of entries, computed
// independently of tlog: leaves SHA-256(0x00 ‖ e), nodes SHA-256(0x01 ‖
// l ‖ r), split at the largest power of two smaller than n.
func rfc6962Root(entries [][]byte) [32]byte {
	if len(entries) == 0 {
		return sha256.Sum256(nil)
	}
	if len(entries) == 1 {
		return sha256.Sum256(append([]byte{0}, entries[0]...))
	}
	k := 1
	for k*2 < len(entries) {
		k *= 2
	}
	l, r := rfc6962Root(entries[:k]), rfc6962Root(entries[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func TestRFC6962RootKnownAnswer(t *testing.T) {
	// The tree of RFC 6962's test vectors (certificate-transparency-go
	// merkletree tests): the empty tree, and the root of the first 8
	// leaves.
	leaves := [][]byte{{}, {0x00}, {0x10}, {0x20, 0x21}, {0x30, 0x31}, {0x40, 0x41, 0x42, 0x43},
		{0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57}, {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}}
	root := rfc6962Root(leaves)
	assert.Equal(t, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", hex.EncodeToString(root[:]))
	empty := rfc6962Root(nil)
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex.EncodeToString(empty[:]))
}

// readAll returns every leaf of the board's log.
func readAll(t testing.TB, b *bulletin.Board) [][]byte {
	t.Helper()
	n := b.Log().Size()
	var out [][]byte
	for i := range n {
		e, err := b.Log().Entry(i)
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

// checkRoot checks that the board's root and its signed checkpoint are the
// independently computed root of entries.
func checkRoot(t testing.TB, e *scenario.Election, b *bulletin.Board, entries [][]byte) {
	t.Helper()
	want := rfc6962Root(entries)
	n, root, err := b.Log().Root()
	require.NoError(t, err)
	require.Equal(t, int64(len(entries)), n)
	require.Equal(t, want[:], root[:], "log root")
	cp, err := bulletin.ParseCheckpoint(b.Checkpoint().Signed, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.Equal(t, int64(len(entries)), cp.Tree.N)
	require.Equal(t, want[:], cp.Tree.Hash[:], "checkpoint root")
}

// genBallots encrypts one ballot per voter in voters, on all cores, each
// from its own deterministic random stream.
func genBallots(t testing.TB, e *scenario.Election, voters []int, seed uint64) [][]byte {
	t.Helper()
	out := make([][]byte, len(voters))
	errs := make([]error, len(voters))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(voters); i += workers {
				r := scenario.Rand(seed<<20 + uint64(i))
				pr := rand.New(rand.NewPCG(seed, uint64(i)))
				out[i], _, _, errs[i] = e.BallotWith(voters[i], e.RandomChoices(pr), r)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}

// setUpSQLite opens a board over a new SQLite file and opens voting.
func setUpSQLite(t *testing.T, e *scenario.Election) (*bulletin.Board, *bulletin.SQLiteStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "board.db")
	s, err := bulletin.OpenSQLite(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	b := openBoard(t, e, s)
	setUp(t, e, b)
	return b, s, path
}

type submitted struct {
	entry  []byte
	reason bulletin.Reason // expected refusal, "" for a valid ballot
	voter  int             // -1 if none
}

type result struct {
	r   *bulletin.Receipt
	err error
}

// poster posts an entry: the board directly, or through HTTP.
type poster func(ctx context.Context, entry []byte) (*bulletin.Receipt, error)

// tamper returns a copy of a ballot entry with one bit flipped at off
// (from the start of the ballot, after the entry header).
func tamper(entry []byte, off int) []byte {
	x := bytes.Clone(entry)
	x[bulletin.EntryHeaderSize+off] ^= 1
	return x
}

// invalidBallots returns refused submissions of every kind the board
// checks in ballots, with the reason each must get.
func invalidBallots(t *testing.T, e *scenario.Election, valid [][]byte) []submitted {
	t.Helper()
	var out []submitted
	size, err := election.BallotSize(e.Manifest)
	require.NoError(t, err)
	for i := range 4 {
		v := valid[i]
		// A flipped bit in the credential's signature (its R half).
		out = append(out, submitted{entry: tamper(v, size-64+i), reason: bulletin.ReasonInvalid, voter: -1})
		// A flipped low bit of z0 in the first selection's 0/1 proof:
		// still a canonical scalar, but the proof fails.
		off := 64 + 64 + 4*32 + 32
		x := tamper(v, off)
		_, err := election.ParseBallot(e.Manifest, x[bulletin.EntryHeaderSize:])
		require.NoError(t, err, "the tampered proof must still parse")
		out = append(out, submitted{entry: x, reason: bulletin.ReasonInvalid, voter: -1})
		// Another election's hash.
		out = append(out, submitted{entry: tamper(v, i), reason: bulletin.ReasonWrongElection, voter: -1})
		// Truncated.
		out = append(out, submitted{entry: v[:len(v)-1-i], reason: bulletin.ReasonMalformed, voter: -1})
	}
	// Ballots for another election, properly encrypted and signed.
	other := *e.Manifest
	other.ID = "another-election"
	for i := range 3 {
		b, _, err := election.EncryptBallot(&other, e.Credential(i), e.RandomChoices(rand.New(rand.NewPCG(9, uint64(i)))), scenario.Rand(900+uint64(i)))
		require.NoError(t, err)
		out = append(out, submitted{entry: bulletin.BallotEntry(b.Bytes()), reason: bulletin.ReasonWrongElection, voter: -1})
	}
	// Valid ballots of credentials not on the list.
	for i := range 4 {
		cred, err := election.NewCredential(scenario.Rand(1000 + uint64(i)))
		require.NoError(t, err)
		b, _, err := election.EncryptBallot(e.Manifest, cred, e.RandomChoices(rand.New(rand.NewPCG(10, uint64(i)))), scenario.Rand(1100+uint64(i)))
		require.NoError(t, err)
		out = append(out, submitted{entry: bulletin.BallotEntry(b.Bytes()), reason: bulletin.ReasonNotEligible, voter: -1})
	}
	return out
}

func TestBoardConcurrentPosting(t *testing.T) {
	for _, revoting := range []election.RevotingPolicy{election.RevotingLastCounts, election.RevotingForbid} {
		t.Run(string(revoting), func(t *testing.T) {
			testConcurrentPosting(t, revoting, nil)
		})
	}
	// The same through the HTTP service and its client.
	t.Run("http", func(t *testing.T) {
		testConcurrentPosting(t, election.RevotingLastCounts, func(t *testing.T, b *bulletin.Board) poster {
			srv := httptest.NewServer(bulletin.NewHandler(b, bulletin.ServerConfig{}))
			t.Cleanup(srv.Close)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
			c, err := client.New(srv.URL, hc)
			require.NoError(t, err)
			return c.Post
		})
	})
}

// testConcurrentPosting posts valid ballots, re-votes, exact duplicates
// and invalid ballots from hundreds of goroutines and checks every answer
// and the log afterwards. newPoster, if not nil, posts through a client
// of the board instead of Submit.
func testConcurrentPosting(t *testing.T, revoting election.RevotingPolicy, newPoster func(t *testing.T, b *bulletin.Board) poster) {
	voters, valid, dups := 60, 150, 40
	if testing.Short() {
		voters, valid, dups = 30, 60, 20
	}
	m := scenario.Approval1of5()
	m.Revoting = revoting
	e, err := scenario.New(scenario.Options{Voters: voters, Manifest: m, Seed: 7})
	require.NoError(t, err)
	b, store, _ := setUpSQLite(t, e)
	post := poster(b.Submit)
	if newPoster != nil {
		post = newPoster(t, b)
	}
	setupSize := b.Log().Size()

	// Every voter votes, some again (re-votes).
	who := make([]int, valid)
	for i := range who {
		who[i] = i % voters
	}
	ballots := genBallots(t, e, who, 1)
	var subs []submitted
	for i, x := range ballots {
		subs = append(subs, submitted{entry: x, voter: who[i]})
	}
	for i := range dups {
		subs = append(subs, submitted{entry: bytes.Clone(ballots[(i*7)%valid]), voter: who[(i*7)%valid]})
	}
	subs = append(subs, invalidBallots(t, e, ballots)...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
	require.GreaterOrEqual(t, len(subs), 200-testShort(120))

	results := make([]result, len(subs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range subs {
		wg.Go(func() {
			<-start
			r, err := post(context.Background(), subs[i].entry)
			results[i] = result{r, err}
		})
	}
	close(start)
	wg.Wait()

	// Every answer is a receipt or a typed refusal.
	byEntry := map[string][]int{} // entry → submissions
	rejectedBy := map[bulletin.Reason]int64{}
	var acked, accepted int
	for i, res := range results {
		s := subs[i]
		byEntry[string(s.entry)] = append(byEntry[string(s.entry)], i)
		if res.err != nil {
			var rej *bulletin.RejectError
			require.ErrorAs(t, res.err, &rej, "submission %d", i)
			rejectedBy[rej.Reason]++
			if s.reason != "" {
				require.Equal(t, s.reason, rej.Reason, "submission %d: %v", i, rej)
			} else {
				// Only the forbidden re-vote refuses a valid ballot.
				require.Equal(t, election.RevotingForbid, revoting, "valid ballot %d refused: %v", i, rej)
				require.Equal(t, bulletin.ReasonRevoteForbidden, rej.Reason, "submission %d: %v", i, rej)
			}
			continue
		}
		require.Empty(t, s.reason, "submission %d should have been refused (%s)", i, s.reason)
		require.NotNil(t, res.r)
		acked++
		if !res.r.Existing {
			accepted++
		}
		// Every receipt verifies on its own.
		_, err := res.r.Verify(e.Verifier, e.Origin)
		require.NoError(t, err, "receipt %d", i)
		require.Equal(t, sha256.Sum256(append([]byte{0}, s.entry...)), [32]byte(res.r.LeafHash))
		bal, err := election.ParseBallot(e.Manifest, s.entry[bulletin.EntryHeaderSize:])
		require.NoError(t, err)
		require.Equal(t, election.TrackingCode(bal), res.r.TrackingCode, "receipt %d", i)
	}

	// Copies of one entry got one answer: the same index, exactly one of
	// them new; or the same refusal.
	for _, is := range byEntry {
		first := results[is[0]]
		news := 0
		for _, i := range is {
			res := results[i]
			if first.err != nil {
				require.Error(t, res.err)
				require.Equal(t, first.err.(*bulletin.RejectError).Reason, res.err.(*bulletin.RejectError).Reason)
				continue
			}
			require.NoError(t, res.err)
			require.Equal(t, first.r.Index, res.r.Index)
			require.Equal(t, first.r.TrackingCode, res.r.TrackingCode)
			if !res.r.Existing {
				news++
			}
		}
		if first.err == nil {
			require.Equal(t, 1, news, "copies of entry %d: one must be new, the others Existing", first.r.Index)
		}
	}

	// The log holds the setup and every acknowledged ballot exactly once,
	// at the index of its receipt.
	entries := readAll(t, b)
	require.Len(t, entries, int(setupSize)+accepted)
	at := map[string]int64{}
	for i, x := range entries {
		_, dup := at[string(x)]
		require.False(t, dup, "entry %d is on the board twice", i)
		at[string(x)] = int64(i)
	}
	for i, res := range results {
		if res.err == nil {
			got, ok := at[string(subs[i].entry)]
			require.True(t, ok, "acknowledged submission %d is not on the board", i)
			require.Equal(t, res.r.Index, got)
		} else {
			_, ok := at[string(subs[i].entry)]
			require.False(t, ok, "refused submission %d is on the board", i)
		}
	}
	stored, err := store.ReadEntries(0, int64(len(entries)))
	require.NoError(t, err)
	require.Equal(t, entries, stored)

	// Under forbid, each voter has exactly one ballot on the board.
	if revoting == election.RevotingForbid {
		perVoter := map[int]int{}
		for i, res := range results {
			if res.err == nil && !res.r.Existing {
				perVoter[subs[i].voter]++
			}
		}
		require.Len(t, perVoter, voters)
		for v, n := range perVoter {
			require.Equal(t, 1, n, "voter %d", v)
		}
	}

	// The rejection counts match the refusals.
	counts := b.RejectionCounts()
	var total int64
	for _, r := range bulletin.Reasons {
		assert.Equal(t, rejectedBy[r], counts[r], "reason %s", r)
		total += rejectedBy[r]
	}
	rejs, err := b.Rejections()
	require.NoError(t, err)
	require.Len(t, rejs, int(total))
	st := b.Status()
	require.Equal(t, accepted, st.Ballots)
	require.Equal(t, total, st.RejectedSum)
	require.Equal(t, int64(len(entries)), st.Size)

	checkRoot(t, e, b, entries)

	// Group commit: far fewer commits than ballots.
	batches := b.Metrics.Batches.Load()
	t.Logf("%d submissions: %d acknowledged (%d new), %d refused, %d batches", len(subs), acked, accepted, total, batches)
	require.Less(t, batches-setupSize, int64(accepted), "no batching happened")
}

func testShort(n int) int {
	if testing.Short() {
		return n
	}
	return 0
}

// Crash safety: a child process posts ballots from several goroutines and
// prints each acknowledgement; the parent kills it in the middle of the
// load and checks the board it left.

const crashEnv = "URNA_BOARD_CRASH_DIR"

// writeEntries writes entries length-prefixed.
func writeEntries(path string, entries [][]byte) error {
	var buf []byte
	for _, x := range entries {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(x)))
		buf = append(buf, x...)
	}
	return os.WriteFile(path, buf, 0o600)
}

func readEntries(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) > len(b)-4 {
			return nil, errors.New("truncated entries file")
		}
		n := binary.BigEndian.Uint32(b)
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out, nil
}

// TestBoardCrashChild is the process TestBoardCrash kills.
func TestBoardCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("run by TestBoardCrash")
	}
	fail := func(err error) {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	setup, err := readEntries(filepath.Join(dir, "setup"))
	if err != nil {
		fail(err)
	}
	ballots, err := readEntries(filepath.Join(dir, "ballots"))
	if err != nil {
		fail(err)
	}
	origin, err := os.ReadFile(filepath.Join(dir, "origin"))
	if err != nil {
		fail(err)
	}
	s, err := bulletin.OpenSQLite(filepath.Join(dir, "board.db"))
	if err != nil {
		fail(err)
	}
	// The child signs with a key of its own: checkpoints are re-signed
	// whenever a board opens.
	_, priv, _ := ed25519.GenerateKey(nil)
	signer, err := bulletin.NewBoardSigner(string(origin), priv)
	if err != nil {
		fail(err)
	}
	b, err := bulletin.Open(bulletin.Config{Origin: string(origin), Signer: signer, Store: s})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	if b.Log().Size() == 0 {
		for _, x := range setup {
			if _, err := b.Submit(ctx, x); err != nil {
				fail(err)
			}
		}
	}
	fmt.Println("OPEN")
	var mu sync.Mutex
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ballots); i += workers {
				r, err := b.Submit(ctx, ballots[i])
				if err != nil {
					fail(err)
				}
				h := sha256.Sum256(ballots[i])
				mu.Lock()
				// fmt writes straight to the file: no buffer to flush.
				fmt.Printf("ACK %d %x %v\n", r.Index, h, r.Existing)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Println("DONE")
	os.Exit(0)
}

func TestBoardCrash(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	n := 400
	if testing.Short() {
		n = 200
	}
	e, err := scenario.New(scenario.Options{Voters: n, Seed: 11})
	require.NoError(t, err)
	setup := [][]byte{e.Genesis(), e.Phase(bulletin.PhaseKeyCeremony)}
	setup = append(setup, e.CeremonyEntries...)
	setup = append(setup, e.ManifestEntry(), e.CredentialsEntry(), e.Phase(bulletin.PhaseOpen))
	who := make([]int, n)
	for i := range who {
		who[i] = i
	}
	ballots := genBallots(t, e, who, 2)
	dir := t.TempDir()
	require.NoError(t, writeEntries(filepath.Join(dir, "setup"), setup))
	require.NoError(t, writeEntries(filepath.Join(dir, "ballots"), ballots))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "origin"), []byte(e.Origin), 0o600))

	type ack struct {
		index int64
		hash  string
	}
	var acks []ack
	killAfter := n / 4
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoardCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	var transcript strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		transcript.WriteString(line + "\n")
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "ACK" {
			i, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err)
			acks = append(acks, ack{i, f[2]})
			if len(acks) == killAfter && !killed {
				require.NoError(t, cmd.Process.Kill()) // SIGKILL
				killed = true
			}
		}
	}
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	require.True(t, killed, "child ended before the kill:\n%s", transcript.String())
	require.Error(t, werr)
	require.NotContains(t, transcript.String(), "ERROR")
	require.NotContains(t, transcript.String(), "DONE", "the load ended before the kill")
	t.Logf("killed the child after %d of %d acknowledgements were read", len(acks), n)

	// The store opens: its entries and stored hashes are consistent.
	s, err := bulletin.OpenSQLite(filepath.Join(dir, "board.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	// The board's state replays.
	b := openBoard(t, e, s)
	entries := readAll(t, b)
	require.GreaterOrEqual(t, len(entries), len(setup)+len(acks))
	require.Less(t, len(entries), len(setup)+n, "the child was killed mid-load")
	for i, x := range setup {
		require.Equal(t, x, entries[i])
	}
	seen := map[[32]byte]int{}
	for i, x := range entries {
		h := sha256.Sum256(x)
		j, dup := seen[h]
		require.False(t, dup, "entries %d and %d are the same", j, i)
		seen[h] = i
	}
	for _, a := range acks {
		require.Less(t, a.index, int64(len(entries)), "acknowledged entry %d lost", a.index)
		h := sha256.Sum256(entries[a.index])
		require.Equal(t, a.hash, hex.EncodeToString(h[:]), "entry %d is not the acknowledged one", a.index)
	}
	checkRoot(t, e, b, entries)
	require.Equal(t, bulletin.PhaseOpen, b.Phase())
	require.Equal(t, len(entries)-len(setup), b.Status().Ballots)

	// Posting every ballot again: those on the board answer with their
	// index, the others are appended.
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range ballots {
		wg.Go(func() {
			r, err := b.Submit(context.Background(), ballots[i])
			results[i] = result{r, err}
		})
	}
	wg.Wait()
	for i, res := range results {
		require.NoError(t, res.err, "ballot %d", i)
		h := sha256.Sum256(ballots[i])
		if j, ok := seen[h]; ok {
			require.True(t, res.r.Existing, "ballot %d", i)
			require.Equal(t, int64(j), res.r.Index, "ballot %d", i)
		} else {
			require.False(t, res.r.Existing, "ballot %d", i)
		}
	}
	entries = readAll(t, b)
	require.Len(t, entries, len(setup)+n)
	checkRoot(t, e, b, entries)
	require.Equal(t, n, b.Status().Ballots)
}

// TestBoardRestartReplay runs a whole election on SQLite, then reopens the
// board: the replayed state is the same.
func TestBoardRestartReplay(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 6, Manifest: scenario.Danish(), Seed: 5})
	require.NoError(t, err)
	b, s, path := setUpSQLite(t, e)
	r := rand.New(rand.NewPCG(5, 6))
	var ballots [][]byte
	var receipts []*bulletin.Receipt
	for v := range 6 {
		entry, _, _, err := e.Ballot(v, e.RandomChoices(r))
		require.NoError(t, err)
		receipts = append(receipts, post(t, b, entry))
		ballots = append(ballots, entry)
	}
	// A re-vote, a challenge and a refusal, for the counts.
	entry, _, _, err := e.Ballot(2, e.RandomChoices(r))
	require.NoError(t, err)
	receipts = append(receipts, post(t, b, entry))
	ballots = append(ballots, entry)
	entry, bal, op, err := e.Ballot(0, e.RandomChoices(r))
	require.NoError(t, err)
	post(t, b, bulletin.ChallengeEntry(bal.Bytes(), op.Bytes()))
	rejected(t, b, entry, bulletin.ReasonChallenged)
	post(t, b, e.Phase(bulletin.PhaseClosed))
	post(t, b, e.OverridesEntry(4))
	post(t, b, e.Phase(bulletin.PhaseMixing))
	for _, contest := range b.MixContests() {
		for pos := 1; pos <= 2; pos++ {
			in, _, err := b.MixInput(contest)
			require.NoError(t, err)
			st, err := e.MixStage(pos, pos, in)
			require.NoError(t, err)
			post(t, b, st)
		}
	}
	post(t, b, e.Phase(bulletin.PhaseDecrypting))
	lists := b.DecryptionLists()
	for _, l := range lists {
		for j := 1; j <= 2; j++ {
			sh, err := e.DecryptionShares(j, l.Ciphertexts)
			require.NoError(t, err)
			post(t, b, sh)
		}
	}
	before := b.Status()
	cpBefore := b.Checkpoint()
	listsBefore := b.DecryptionLists()
	require.Equal(t, bulletin.PhaseDecrypting, before.Phase)
	require.Equal(t, 7, before.Ballots)
	require.Equal(t, 1, before.Overrides)
	require.NoError(t, b.Close())
	require.NoError(t, s.Close())

	s2, err := bulletin.OpenSQLite(path)
	require.NoError(t, err)
	t.Cleanup(func() { s2.Close() })
	b2 := openBoard(t, e, s2)
	require.Equal(t, bulletin.PhaseDecrypting, b2.Phase())
	require.Equal(t, before, b2.Status())
	require.Equal(t, cpBefore.Tree, b2.Checkpoint().Tree)
	require.Equal(t, listsBefore, b2.DecryptionLists())
	checkRoot(t, e, b2, readAll(t, b2))
	// An earlier ballot posted again answers with its index, even after
	// voting closed.
	for i, x := range ballots {
		rc := post(t, b2, x)
		require.True(t, rc.Existing)
		require.Equal(t, receipts[i].Index, rc.Index)
		require.Equal(t, receipts[i].TrackingCode, rc.TrackingCode)
	}
	// The election goes on after the restart.
	post(t, b2, e.ResultEntry(boardResult(t, b2)))
	post(t, b2, e.Phase(bulletin.PhasePublished))
	require.Equal(t, bulletin.PhasePublished, b2.Phase())
	cp := b2.Checkpoint()
	for _, rc := range receipts {
		old, err := rc.Verify(e.Verifier, e.Origin)
		require.NoError(t, err)
		proof, err := b2.Log().ConsistencyProof(old.Tree.N, cp.Tree.N)
		require.NoError(t, err)
		_, err = bulletin.CheckReceipt(rc, e.Verifier, e.Origin, cp.Signed, proof)
		require.NoError(t, err)
	}
}
