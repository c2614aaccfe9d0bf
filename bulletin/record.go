package bulletin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
)

// The election record (spec/record.md) is a directory holding everything
// a verifier needs: the board's signed checkpoint, every log leaf up to
// it, the blobs that blob references name, and convenience copies of what
// the log holds.

// Names of the files of an election record.
const (
	RecordReadme      = "README.txt"
	RecordVKey        = "board.vkey"
	RecordCheckpoint  = "checkpoint"
	RecordLog         = "log.entries"
	RecordBlobs       = "blobs"
	RecordManifest    = "manifest.json"
	RecordSetup       = "ceremony.setup"
	RecordCredentials = "credentials.pub"
	RecordRejections  = "rejections.json"
	RecordStatus      = "status.json"
	RecordPostalCreds = "postal-credentials.txt"
)

// RecordSource is where ExportRecord reads a board from: the HTTP client
// (package bulletin/client) or, in tests, a board directly.
type RecordSource interface {
	// Checkpoint returns the board's latest signed checkpoint.
	Checkpoint(ctx context.Context) ([]byte, error)
	// Leaf returns log leaf i as logged (a blob reference for a large
	// entry).
	Leaf(ctx context.Context, i int64) ([]byte, error)
	// Blob returns the entry with the given SHA-256.
	Blob(ctx context.Context, hash [32]byte) ([]byte, error)
	// Status returns the board's status.
	Status(ctx context.Context) (*Status, error)
	// Rejections returns the board's rejected submissions.
	Rejections(ctx context.Context) ([]Rejection, error)
}

// LeafRangeSource is an optional interface of a RecordSource that reads
// leaves [start, end) at once; ExportRecord uses it when there is one.
type LeafRangeSource interface {
	Leaves(ctx context.Context, start, end int64) ([][]byte, error)
}

// RecordSummary describes an exported record.
type RecordSummary struct {
	Dir        string
	Size       int64     // entries in the record (the checkpoint's tree size)
	RootHash   tlog.Hash // the checkpoint's root hash
	Blobs      int       // blobs written
	Ballots    int       // cast ballots in the log
	Challenges int       // challenges in the log
	Phase      Phase     // the phase the log ends in
	Rejections int       // rejections recorded by the board
	// PostalCredentials are the public credentials with a counted e-vote:
	// per credential the last (or only) ballot in the log, unless the
	// credential is overridden. Sorted.
	PostalCredentials [][32]byte
	// Files lists the files written, relative to Dir.
	Files []string
}

// exportConcurrency bounds the leaf and blob requests in flight.
const exportConcurrency = 8

// ExportRecord writes the election record of the board src serves to dir,
// which must not exist or be empty. It fetches the latest checkpoint
// (verifying it under verifier when verifier is not nil) and every leaf of
// its tree, recomputes the tree hash and refuses to write a record whose
// leaves do not hash to the checkpoint's root; it fetches every blob a
// blob reference names and checks it against the reference.
//
// The record is written into a temporary directory next to dir and
// renamed to dir at the end, so that a failed export leaves nothing behind.
// origin may be empty when verifier is nil: the checkpoint's origin line
// is then taken as it is.
func ExportRecord(ctx context.Context, src RecordSource, dir string, verifier note.Verifier, origin string) (*RecordSummary, error) {
	if err := checkEmptyDir(dir); err != nil {
		return nil, err
	}
	signed, err := src.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: fetching the checkpoint: %w", err)
	}
	var cp *Checkpoint
	if verifier != nil {
		cp, err = ParseCheckpoint(signed, verifier, origin)
	} else {
		cp, err = parseUnverifiedCheckpoint(signed, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}

	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	sum := &RecordSummary{Dir: dir, Size: cp.Tree.N, RootHash: cp.Tree.Hash}
	w := &recordWriter{dir: tmp, sum: sum}
	if err := w.file(RecordCheckpoint, signed); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(tmp, RecordBlobs), 0o755); err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}

	lf, err := os.Create(filepath.Join(tmp, RecordLog))
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	defer lf.Close()
	bw := bufio.NewWriterSize(lf, 1<<20)
	var tb TreeBuilder
	cnt := newCounter()
	const window = 1024
	for lo := int64(0); lo < cp.Tree.N; lo += window {
		hi := min(lo+window, cp.Tree.N)
		leaves, err := fetchLeaves(ctx, src, lo, hi)
		if err != nil {
			return nil, err
		}
		entries := make([][]byte, len(leaves))
		var refs []int
		for k, leaf := range leaves {
			entries[k] = leaf
			if t, _ := EntryType(leaf); t == TypeBlobRef {
				refs = append(refs, k)
			}
		}
		if err := fetchBlobs(ctx, src, lo, leaves, refs, entries); err != nil {
			return nil, err
		}
		for _, k := range refs {
			h := [32]byte(leaves[k][EntryHeaderSize:])
			if err := w.file(filepath.Join(RecordBlobs, hex.EncodeToString(h[:])), entries[k]); err != nil {
				return nil, err
			}
			sum.Blobs++
		}
		for k, leaf := range leaves {
			var n [4]byte
			binary.BigEndian.PutUint32(n[:], uint32(len(leaf)))
			bw.Write(n[:])
			bw.Write(leaf)
			if err := tb.Add(leaf); err != nil {
				return nil, fmt.Errorf("bulletin: export: hashing entry %d: %w", lo+int64(k), err)
			}
			cnt.add(entries[k])
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	if err := lf.Sync(); err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	if err := lf.Close(); err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	sum.Files = append(sum.Files, RecordLog)
	root, err := tb.Root()
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	if root != cp.Tree.Hash {
		return nil, fmt.Errorf("%w: export: root hash mismatch: the board's %d leaves hash to %s, but its checkpoint's root is %s; refusing to write the record",
			ErrProof, cp.Tree.N, root, cp.Tree.Hash)
	}

	// Convenience copies of what the log holds.
	if cnt.manifest != nil {
		if err := w.file(RecordManifest, cnt.manifest); err != nil {
			return nil, err
		}
	}
	if cnt.setup != nil {
		if err := w.file(RecordSetup, cnt.setup); err != nil {
			return nil, err
		}
	}
	if len(cnt.creds) > 0 {
		if err := w.file(RecordCredentials, election.MarshalPublicList(cnt.creds)); err != nil {
			return nil, err
		}
	}
	if cnt.err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", cnt.err)
	}
	sum.Ballots, sum.Challenges, sum.Phase = len(cnt.ballots), cnt.challenges, cnt.phase
	sum.PostalCredentials = cnt.counted()
	var pc strings.Builder
	for _, c := range sum.PostalCredentials {
		pc.WriteString(hex.EncodeToString(c[:]))
		pc.WriteByte('\n')
	}
	if err := w.file(RecordPostalCreds, []byte(pc.String())); err != nil {
		return nil, err
	}

	rejs, err := src.Rejections(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: fetching the rejections: %w", err)
	}
	sum.Rejections = len(rejs)
	rb, err := MarshalRejections(rejs)
	if err != nil {
		return nil, err
	}
	if err := w.file(RecordRejections, rb); err != nil {
		return nil, err
	}
	st, err := src.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulletin: export: fetching the status: %w", err)
	}
	sb, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := w.file(RecordStatus, append(sb, '\n')); err != nil {
		return nil, err
	}
	if err := w.file(RecordReadme, recordReadme(cp)); err != nil {
		return nil, err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("bulletin: export: %w", err)
	}
	ok = true
	sort.Strings(sum.Files)
	return sum, nil
}

// checkEmptyDir checks that dir does not exist or is an empty directory.
func checkEmptyDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("bulletin: export: %s exists and is not a directory", dir)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(des) > 0 {
		return fmt.Errorf("bulletin: export: directory %s is not empty", dir)
	}
	return nil
}

// parseUnverifiedCheckpoint parses the body of a signed checkpoint
// without checking its signature, for an export with no board key.
func parseUnverifiedCheckpoint(signed []byte, origin string) (*Checkpoint, error) {
	text, _, ok := strings.Cut(string(signed), "\n\n")
	if !ok {
		return nil, fmt.Errorf("%w: not a signed note", ErrCheckpoint)
	}
	text += "\n"
	if origin == "" {
		origin, _, _ = strings.Cut(text, "\n")
	}
	c, err := parseBody(text, origin)
	if err != nil {
		return nil, err
	}
	c.Signed = bytes.Clone(signed)
	return c, nil
}

type recordWriter struct {
	dir string
	sum *RecordSummary
}

func (w *recordWriter) file(name string, data []byte) error {
	if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o644); err != nil {
		return fmt.Errorf("bulletin: export: %w", err)
	}
	w.sum.Files = append(w.sum.Files, filepath.ToSlash(name))
	return nil
}

// fetchLeaves reads leaves [lo, hi), in one request if the source can, or
// with up to exportConcurrency requests in flight.
func fetchLeaves(ctx context.Context, src RecordSource, lo, hi int64) ([][]byte, error) {
	if r, ok := src.(LeafRangeSource); ok {
		ls, err := r.Leaves(ctx, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("bulletin: export: fetching entries [%d, %d): %w", lo, hi, err)
		}
		if int64(len(ls)) != hi-lo {
			return nil, fmt.Errorf("bulletin: export: fetching entries [%d, %d): got %d", lo, hi, len(ls))
		}
		return ls, nil
	}
	out := make([][]byte, hi-lo)
	err := parallel(ctx, int(hi-lo), func(ctx context.Context, k int) error {
		leaf, err := src.Leaf(ctx, lo+int64(k))
		if err != nil {
			return fmt.Errorf("bulletin: export: fetching entry %d: %w", lo+int64(k), err)
		}
		out[k] = leaf
		return nil
	})
	return out, err
}

// fetchBlobs fetches the blobs the leaves at refs name into entries,
// checking each against its reference.
func fetchBlobs(ctx context.Context, src RecordSource, lo int64, leaves [][]byte, refs []int, entries [][]byte) error {
	return parallel(ctx, len(refs), func(ctx context.Context, j int) error {
		k := refs[j]
		ref, err := ParseBlobRef(leaves[k])
		if err != nil {
			return fmt.Errorf("bulletin: export: entry %d: %w", lo+int64(k), err)
		}
		blob, err := src.Blob(ctx, ref.Hash)
		if err != nil {
			return fmt.Errorf("bulletin: export: fetching the blob of entry %d: %w", lo+int64(k), err)
		}
		if err := ref.Check(blob); err != nil {
			return fmt.Errorf("bulletin: export: entry %d: %w", lo+int64(k), err)
		}
		entries[k] = blob
		return nil
	})
}

// parallel runs f(0..n-1) with up to exportConcurrency calls at once and
// returns the first error.
func parallel(ctx context.Context, n int, f func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range min(exportConcurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				k := next
				next++
				mu.Unlock()
				if err := f(ctx, k); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// TreeBuilder computes the RFC 6962 tree hash of leaves added one by one,
// keeping the tree's stored hashes (tlog.StoredHashes) in memory.
type TreeBuilder struct {
	n      int64
	hashes sliceHashes
}

type sliceHashes []tlog.Hash

func (s *sliceHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("%w: stored hash %d", ErrNotFound, x)
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

// Add adds the next leaf.
func (t *TreeBuilder) Add(leaf []byte) error {
	hs, err := tlog.StoredHashes(t.n, leaf, &t.hashes)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.n++
	return nil
}

// Size returns the number of leaves added.
func (t *TreeBuilder) Size() int64 { return t.n }

// Root returns the tree hash of the leaves added.
func (t *TreeBuilder) Root() (tlog.Hash, error) {
	if t.n == 0 {
		return emptyTreeHash, nil
	}
	return tlog.TreeHash(t.n, &t.hashes)
}

// counter follows the log's entries far enough to list the credentials
// with a counted e-vote, and keeps the manifest, setup and credentials.
type counter struct {
	manifest   []byte
	m          *election.Manifest
	setup      []byte
	phase      Phase
	creds      [][32]byte
	overridden map[[32]byte]bool
	ballots    []ballotRef
	challenges int
	index      int64
	err        error
}

func newCounter() *counter { return &counter{overridden: map[[32]byte]bool{}} }

func (c *counter) add(entry []byte) {
	i := c.index
	c.index++
	if c.err != nil {
		return
	}
	t, err := EntryType(entry)
	if err != nil {
		c.err = fmt.Errorf("entry %d: %w", i, err)
		return
	}
	switch t {
	case TypeAdmin:
		a, err := ParseAdminEntry(entry)
		if err != nil {
			c.err = fmt.Errorf("entry %d: %w", i, err)
			return
		}
		switch a.Kind {
		case AdminGenesis:
			g, err := ParseGenesis(a.Body)
			if err != nil {
				c.err = fmt.Errorf("entry %d: %w", i, err)
				return
			}
			if _, err := threshold.ParseSetup(g.Setup); err != nil {
				c.err = fmt.Errorf("entry %d: ceremony setup: %w", i, err)
				return
			}
			c.setup = g.Setup
		case AdminPhase:
			if len(a.Body) == 1 {
				c.phase = Phase(a.Body[0])
			}
		case AdminManifest:
			m, err := election.ParseManifest(a.Body)
			if err != nil {
				c.err = fmt.Errorf("entry %d: %w", i, err)
				return
			}
			c.manifest, c.m = a.Body, m
		case AdminCredentials, AdminOverrides:
			list, err := election.ParsePublicList(a.Body)
			if err != nil {
				c.err = fmt.Errorf("entry %d: %w", i, err)
				return
			}
			if a.Kind == AdminCredentials {
				c.creds = append(c.creds, list...)
			} else {
				for _, p := range list {
					c.overridden[p] = true
				}
			}
		}
	case TypeBallot:
		if c.m == nil {
			c.err = fmt.Errorf("entry %d: a ballot before the manifest", i)
			return
		}
		b, err := election.ParseBallot(c.m, entry[EntryHeaderSize:])
		if err != nil {
			c.err = fmt.Errorf("entry %d: %w", i, err)
			return
		}
		c.ballots = append(c.ballots, ballotRef{index: i, cred: b.Credential})
	case TypeChallenge:
		c.challenges++
	}
}

// counted returns the credentials with a counted ballot, sorted: as
// state.counted, per credential the last ballot unless overridden.
func (c *counter) counted() [][32]byte {
	seen := map[[32]byte]bool{}
	var out [][32]byte
	for _, b := range c.ballots {
		if !seen[b.cred] && !c.overridden[b.cred] {
			seen[b.cred] = true
			out = append(out, b.cred)
		}
	}
	slices.SortFunc(out, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// RejectionRecord is a rejection as rejections.json lists it.
type RejectionRecord struct {
	Time   time.Time `json:"time"`
	Reason Reason    `json:"reason"`
	Entry  string    `json:"entry_sha256"`
	Detail string    `json:"detail"`
}

// RejectionsFile is the content of rejections.json.
type RejectionsFile struct {
	Counts     map[Reason]int64  `json:"counts"`
	Total      int64             `json:"total"`
	Rejections []RejectionRecord `json:"rejections"`
}

// MarshalRejections encodes rejections as rejections.json.
func MarshalRejections(rejs []Rejection) ([]byte, error) {
	f := RejectionsFile{Counts: map[Reason]int64{}, Rejections: []RejectionRecord{}}
	for _, r := range Reasons {
		f.Counts[r] = 0
	}
	for _, r := range rejs {
		f.Counts[r.Reason]++
		f.Total++
		f.Rejections = append(f.Rejections, RejectionRecord{Time: r.Time.UTC(), Reason: r.Reason,
			Entry: hex.EncodeToString(r.Entry[:]), Detail: r.Detail})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func recordReadme(cp *Checkpoint) []byte {
	return fmt.Appendf(nil, `This directory is the election record of the urna bulletin board
%q, complete up to its signed checkpoint of %d entries
(root hash %s).

It is the input of the election verifier:

    urna verify DIR

checkpoint              the board's signed checkpoint (C2SP signed note)
board.vkey              the board's note verifier key, if the exporter gave it;
                        get it from the election authority, not from here
log.entries             every log entry in order: u32 big-endian length, entry
blobs/<sha256 hex>      the entries that blob references in the log name
manifest.json           copies of what the log holds, for convenience; a
ceremony.setup          verifier re-derives them from the log
credentials.pub
rejections.json         the submissions the board refused, and counts by reason
status.json             the board's status when the record was exported
postal-credentials.txt  public credentials (hex) with a counted e-vote

The format is specified in spec/record.md.
`, cp.Origin, cp.Tree.N, cp.Tree.Hash)
}

// ElectionRecord is an election record read back from its directory.
type ElectionRecord struct {
	// Checkpoint is the signed checkpoint file, unverified.
	Checkpoint []byte
	// VKey is the board's verifier key text, or empty.
	VKey string
	// Leaves are the log's leaves, in order.
	Leaves [][]byte
	// Blobs are the blobs, by SHA-256; each matches a reference in the
	// log.
	Blobs map[[32]byte][]byte
}

// ReadRecord reads the election record in dir: the checkpoint, every leaf
// and every blob. It checks the framing of log.entries and that every
// blob reference has its blob, with the right content; it does not check
// the checkpoint's signature or the tree hash (see ElectionRecord.Verify).
func ReadRecord(dir string) (*ElectionRecord, error) {
	r := &ElectionRecord{Blobs: map[[32]byte][]byte{}}
	var err error
	if r.Checkpoint, err = os.ReadFile(filepath.Join(dir, RecordCheckpoint)); err != nil {
		return nil, fmt.Errorf("bulletin: record: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, RecordVKey)); err == nil {
		r.VKey = strings.TrimSpace(string(b))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bulletin: record: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, RecordLog))
	if err != nil {
		return nil, fmt.Errorf("bulletin: record: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	for i := int64(0); ; i++ {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("bulletin: record: %s: entry %d: truncated length", RecordLog, i)
		}
		size := binary.BigEndian.Uint32(n[:])
		if size > MaxEntrySize {
			return nil, fmt.Errorf("bulletin: record: %s: entry %d: length %d exceeds %d", RecordLog, i, size, MaxEntrySize)
		}
		leaf := make([]byte, size)
		if _, err := io.ReadFull(br, leaf); err != nil {
			return nil, fmt.Errorf("bulletin: record: %s: entry %d: truncated", RecordLog, i)
		}
		r.Leaves = append(r.Leaves, leaf)
	}
	for i, leaf := range r.Leaves {
		if t, _ := EntryType(leaf); t != TypeBlobRef {
			continue
		}
		ref, err := ParseBlobRef(leaf)
		if err != nil {
			return nil, fmt.Errorf("bulletin: record: entry %d: %w", i, err)
		}
		if _, ok := r.Blobs[ref.Hash]; ok {
			continue
		}
		name := hex.EncodeToString(ref.Hash[:])
		b, err := os.ReadFile(filepath.Join(dir, RecordBlobs, name))
		if err != nil {
			return nil, fmt.Errorf("bulletin: record: the blob of entry %d: %w", i, err)
		}
		if err := ref.Check(b); err != nil {
			return nil, fmt.Errorf("bulletin: record: entry %d: %w", i, err)
		}
		r.Blobs[ref.Hash] = b
	}
	return r, nil
}

// Size returns the number of leaves.
func (r *ElectionRecord) Size() int64 { return int64(len(r.Leaves)) }

// Entry returns entry i as posted: the leaf, or for a blob reference the
// blob it names.
func (r *ElectionRecord) Entry(i int64) []byte {
	leaf := r.Leaves[i]
	if t, _ := EntryType(leaf); t == TypeBlobRef {
		if ref, err := ParseBlobRef(leaf); err == nil {
			if b, ok := r.Blobs[ref.Hash]; ok {
				return b
			}
		}
	}
	return leaf
}

// TreeHash returns the tree hash of the record's leaves.
func (r *ElectionRecord) TreeHash() (tlog.Hash, error) {
	var tb TreeBuilder
	for _, l := range r.Leaves {
		if err := tb.Add(l); err != nil {
			return tlog.Hash{}, err
		}
	}
	return tb.Root()
}

// Verify checks the record's checkpoint under verifier and origin, and
// that the record holds exactly the checkpoint's tree. It returns the
// checkpoint.
func (r *ElectionRecord) Verify(verifier note.Verifier, origin string) (*Checkpoint, error) {
	cp, err := ParseCheckpoint(r.Checkpoint, verifier, origin)
	if err != nil {
		return nil, err
	}
	if cp.Tree.N != r.Size() {
		return nil, fmt.Errorf("%w: record: the checkpoint is for %d entries, the record holds %d", ErrProof, cp.Tree.N, r.Size())
	}
	h, err := r.TreeHash()
	if err != nil {
		return nil, err
	}
	if h != cp.Tree.Hash {
		return nil, fmt.Errorf("%w: record: root hash mismatch: the entries hash to %s, the checkpoint's root is %s", ErrProof, h, cp.Tree.Hash)
	}
	return cp, nil
}

// Source returns the board itself as a RecordSource, to export the record
// of a board in the same process (tests, vector generation).
func (b *Board) Source() RecordSource { return boardSource{b} }

type boardSource struct{ b *Board }

func (s boardSource) Checkpoint(context.Context) ([]byte, error) { return s.b.Checkpoint().Signed, nil }
func (s boardSource) Leaf(_ context.Context, i int64) ([]byte, error) {
	return s.b.Log().Entry(i)
}
func (s boardSource) Leaves(_ context.Context, start, end int64) ([][]byte, error) {
	return s.b.Log().Entries(start, end)
}
func (s boardSource) Blob(_ context.Context, h [32]byte) ([]byte, error) { return s.b.Blob(h) }
func (s boardSource) Status(context.Context) (*Status, error)            { return s.b.Status(), nil }
func (s boardSource) Rejections(context.Context) ([]Rejection, error)    { return s.b.Rejections() }
