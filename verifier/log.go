package verifier

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/bulletin"
)

// hashStore keeps the tree's stored hashes (tlog.StoredHashes), about two
// per leaf, so that the root of any prefix can be computed.
type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("stored hash %d not available", x)
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func (v *run) root(n int64) (tlog.Hash, error) {
	if n == 0 {
		return tlog.Hash(sha256Sum(nil)), nil
	}
	return tlog.TreeHash(n, &v.hashes)
}

// logReader reads log.entries sequentially.
type logReader struct {
	f   *os.File
	br  *bufio.Reader
	off int64
	i   int64
}

func openLog(dir string) (*logReader, error) {
	f, err := os.Open(filepath.Join(dir, bulletin.RecordLog))
	if err != nil {
		return nil, err
	}
	return &logReader{f: f, br: bufio.NewReaderSize(f, 1<<20)}, nil
}

func (r *logReader) Close() error { return r.f.Close() }

// next returns the next leaf and the offset of its length prefix, or
// io.EOF at the end.
func (r *logReader) next() ([]byte, int64, error) {
	var n [4]byte
	off := r.off
	if _, err := io.ReadFull(r.br, n[:]); err == io.EOF {
		return nil, off, io.EOF
	} else if err != nil {
		return nil, off, fmt.Errorf("%s: entry %d: truncated length", bulletin.RecordLog, r.i)
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > bulletin.MaxEntrySize {
		return nil, off, fmt.Errorf("%s: entry %d: length %d exceeds %d", bulletin.RecordLog, r.i, size, bulletin.MaxEntrySize)
	}
	leaf := make([]byte, size)
	if _, err := io.ReadFull(r.br, leaf); err != nil {
		return nil, off, fmt.Errorf("%s: entry %d: truncated", bulletin.RecordLog, r.i)
	}
	r.off += 4 + int64(size)
	r.i++
	return leaf, off, nil
}

// readAt reads the leaf whose length prefix is at off.
func readLeafAt(f *os.File, off int64) ([]byte, error) {
	var n [4]byte
	if _, err := f.ReadAt(n[:], off); err != nil {
		return nil, err
	}
	leaf := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := f.ReadAt(leaf, off+4); err != nil {
		return nil, err
	}
	return leaf, nil
}

// resolve returns the posted entry of a leaf: the leaf, or the blob its
// reference names, checked against the reference.
func (v *run) resolve(leaf []byte) ([]byte, error) {
	if t, _ := bulletin.EntryType(leaf); t != bulletin.TypeBlobRef {
		return leaf, nil
	}
	ref, err := bulletin.ParseBlobRef(leaf)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(v.dir, bulletin.RecordBlobs, hex.EncodeToString(ref.Hash[:])))
	if err != nil {
		return nil, fmt.Errorf("the blob it refers to: %w", err)
	}
	if err := ref.Check(b); err != nil {
		return nil, err
	}
	return b, nil
}

// entry reads entry i as posted, by random access.
func (v *run) entry(f *os.File, i int64) ([]byte, error) {
	leaf, err := readLeafAt(f, v.offsets[i])
	if err != nil {
		return nil, err
	}
	return v.resolve(leaf)
}

// v1: the checkpoint, the leaves, the tree, the blobs.
func (v *run) v1() (string, *Failure, error) {
	signed, err := os.ReadFile(v.path(bulletin.RecordCheckpoint))
	if err != nil {
		return "", fail(-1, bulletin.RecordCheckpoint, "cannot read the checkpoint: %v", err), nil
	}
	v.key = v.opts.BoardKey
	v.rep.BoardKeyFrom = "the caller"
	if v.key == nil {
		b, err := os.ReadFile(v.path(bulletin.RecordVKey))
		if err != nil {
			return "", fail(-1, "board key", "no board key given and the record has no %s: get the board's key from the election authority", bulletin.RecordVKey), nil
		}
		if v.key, err = bulletin.ParseBoardKey(string(b)); err != nil {
			return "", fail(-1, bulletin.RecordVKey, "%v", err), nil
		}
		v.rep.BoardKeyFrom = "the record's own " + bulletin.RecordVKey + "; not an anchor by itself, the election fingerprint covers it"
	}
	v.rep.BoardKey = v.key.String()
	// The origin is the key's name, never the checkpoint's own first line
	// (spec/board-log.md): a checkpoint for another origin is another log.
	cp, err := bulletin.ParseCheckpoint(signed, v.key.Verifier(), v.key.Name)
	if err != nil {
		return "", fail(-1, bulletin.RecordCheckpoint, "%v", err), nil
	}
	v.cp = cp
	v.rep.Origin, v.rep.Size, v.rep.Root = cp.Origin, cp.Tree.N, hex.EncodeToString(cp.Tree.Hash[:])

	lr, err := openLog(v.dir)
	if err != nil {
		return "", fail(-1, bulletin.RecordLog, "cannot read the log: %v", err), nil
	}
	defer lr.Close()
	blobs := 0
	for {
		if lr.i%4096 == 0 {
			if err := v.ctx.Err(); err != nil {
				return "", nil, err
			}
			v.progress("V1 log", int(lr.i), int(cp.Tree.N))
		}
		leaf, off, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fail(lr.i, bulletin.RecordLog, "%v", err), nil
		}
		i := lr.i - 1
		if i >= cp.Tree.N {
			return "", fail(i, bulletin.RecordLog, "the log has more than the checkpoint's %d entries", cp.Tree.N), nil
		}
		hs, err := tlog.StoredHashes(i, leaf, &v.hashes)
		if err != nil {
			return "", nil, err
		}
		v.hashes = append(v.hashes, hs...)
		v.offsets = append(v.offsets, off)
		if t, _ := bulletin.EntryType(leaf); t == bulletin.TypeBlobRef {
			if _, err := v.resolve(leaf); err != nil {
				return "", fail(i, "blob reference", "%v", err), nil
			}
			blobs++
		}
	}
	v.n = lr.i
	v.progress("V1 log", int(v.n), int(cp.Tree.N))
	if v.n != cp.Tree.N {
		return "", fail(-1, bulletin.RecordLog, "the log has %d entries, the checkpoint commits to %d", v.n, cp.Tree.N), nil
	}
	root, err := v.root(v.n)
	if err != nil {
		return "", nil, err
	}
	if root != cp.Tree.Hash {
		return "", fail(-1, "root hash", "the log's %d entries hash to %x, the signed checkpoint's root is %x", v.n, root[:], cp.Tree.Hash[:]), nil
	}
	return fmt.Sprintf("checkpoint of %q signed by its board key (%s); %d entries hash to its root; %d blobs match their references",
		cp.Origin, v.rep.BoardKeyFrom, v.n, blobs), nil, nil
}

// v2: further checkpoints.
func (v *run) v2() (string, *Failure, error) {
	type named struct {
		name string
		b    []byte
	}
	var cps []named
	for i, b := range v.opts.Checkpoints {
		cps = append(cps, named{fmt.Sprintf("checkpoint %d given", i+1), b})
	}
	des, err := os.ReadDir(v.path(CheckpointsDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fail(-1, CheckpointsDir, "cannot read: %v", err), nil
	}
	sort.Slice(des, func(i, j int) bool { return des[i].Name() < des[j].Name() })
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(v.path(CheckpointsDir), de.Name()))
		if err != nil {
			return "", fail(-1, CheckpointsDir+"/"+de.Name(), "cannot read: %v", err), nil
		}
		cps = append(cps, named{CheckpointsDir + "/" + de.Name(), b})
	}
	if len(cps) == 0 {
		return "no further checkpoints given", nil, nil
	}
	for _, c := range cps {
		cp, err := bulletin.ParseCheckpoint(c.b, v.key.Verifier(), v.key.Name)
		if err != nil {
			return "", fail(-1, c.name, "%v", err), nil
		}
		if cp.Tree.N > v.n {
			return "", fail(-1, c.name, "the board signed a tree of %d entries, but this record has only %d: the record is not complete", cp.Tree.N, v.n), nil
		}
		root, err := v.root(cp.Tree.N)
		if err != nil {
			return "", nil, err
		}
		if root != cp.Tree.Hash {
			return "", fail(-1, c.name, "fork: the board signed root %x for its first %d entries, but this record's first %d entries hash to %x; both signed checkpoints are evidence that the board showed different histories",
				cp.Tree.Hash[:8], cp.Tree.N, cp.Tree.N, root[:8]), nil
		}
	}
	return fmt.Sprintf("%d further checkpoints: each is a prefix of this log", len(cps)), nil, nil
}

func sha256Sum(b []byte) [32]byte { return sha256Of(b) }
