package bulletin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/internal/scenario"
)

// boardSource serves a board directly as a RecordSource, with hooks to
// tamper with what it returns.
type boardSource struct {
	b        *bulletin.Board
	leafHook func(i int64, leaf []byte) []byte
	blobHook func(blob []byte) ([]byte, error)
}

func (s *boardSource) Checkpoint(context.Context) ([]byte, error) {
	return s.b.Checkpoint().Signed, nil
}

func (s *boardSource) Leaf(_ context.Context, i int64) ([]byte, error) {
	l, err := s.b.Log().Entry(i)
	if err != nil {
		return nil, err
	}
	if s.leafHook != nil {
		l = s.leafHook(i, l)
	}
	return l, nil
}

func (s *boardSource) Blob(_ context.Context, h [32]byte) ([]byte, error) {
	b, err := s.b.Blob(h)
	if err != nil {
		return nil, err
	}
	if s.blobHook != nil {
		return s.blobHook(b)
	}
	return b, nil
}

func (s *boardSource) Status(context.Context) (*bulletin.Status, error) { return s.b.Status(), nil }

func (s *boardSource) Rejections(context.Context) ([]bulletin.Rejection, error) {
	return s.b.Rejections()
}

// recordElection runs an election up to close on a board: ballots (one
// voter votes twice, one is overridden), a challenge, a rejection, and a
// result-sized blob entry is not possible before decryption, so a large
// manifest makes one blob reference.
func recordElection(t *testing.T) (*scenario.Election, *bulletin.Board) {
	t.Helper()
	e, err := scenario.New(scenario.Options{Voters: 2100, Seed: 7})
	require.NoError(t, err)
	b := openBoard(t, e, bulletin.NewMemoryStore())
	setUp(t, e, b)
	r := rand.New(rand.NewPCG(3, 4))
	for v := range 4 {
		entry, _, _, err := e.Ballot(v, e.RandomChoices(r))
		require.NoError(t, err)
		post(t, b, entry)
	}
	entry, _, _, err := e.Ballot(0, e.RandomChoices(r)) // re-vote, last counts
	require.NoError(t, err)
	post(t, b, entry)
	_, bal, op, err := e.Ballot(4, e.RandomChoices(r))
	require.NoError(t, err)
	post(t, b, bulletin.ChallengeEntry(bal.Bytes(), op.Bytes()))
	rejected(t, b, []byte("garbage"), bulletin.ReasonMalformed)
	post(t, b, e.Phase(bulletin.PhaseClosed))
	post(t, b, e.OverridesEntry(1))
	return e, b
}

func TestExportRecordRoundTrip(t *testing.T) {
	e, b := recordElection(t)
	dir := filepath.Join(t.TempDir(), "record")
	sum, err := bulletin.ExportRecord(context.Background(), &boardSource{b: b}, dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	cp := b.Checkpoint()
	require.Equal(t, cp.Tree.N, sum.Size)
	require.Equal(t, 1, sum.Blobs)
	require.Equal(t, 5, sum.Ballots)
	require.Equal(t, 1, sum.Challenges)
	require.Equal(t, 1, sum.Rejections)
	require.Equal(t, bulletin.PhaseClosed, sum.Phase)

	// Voters 0, 2, 3 have a counted e-vote; 1 is overridden, 4 only challenged.
	var want [][32]byte
	for _, v := range []int{0, 2, 3} {
		want = append(want, [32]byte(e.Credential(v).Public()))
	}
	require.ElementsMatch(t, want, sum.PostalCredentials)
	pc, err := os.ReadFile(filepath.Join(dir, bulletin.RecordPostalCreds))
	require.NoError(t, err)
	require.Len(t, strings.Fields(string(pc)), 3)
	require.Contains(t, string(pc), hex.EncodeToString(want[0][:]))

	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	require.Equal(t, cp.Signed, rec.Checkpoint)
	require.EqualValues(t, cp.Tree.N, rec.Size())
	for i := range cp.Tree.N {
		leaf, err := b.Log().Entry(i)
		require.NoError(t, err)
		require.Equal(t, leaf, rec.Leaves[i])
		entry := rec.Entry(i)
		if t2, _ := bulletin.EntryType(leaf); t2 == bulletin.TypeBlobRef {
			require.Greater(t, len(entry), bulletin.MaxEntrySize)
			ref, err := bulletin.ParseBlobRef(leaf)
			require.NoError(t, err)
			require.NoError(t, ref.Check(entry))
		} else {
			require.Equal(t, leaf, entry)
		}
	}
	got, err := rec.Verify(e.Verifier, e.Origin)
	require.NoError(t, err)
	require.Equal(t, cp.Tree, got.Tree)

	// Convenience copies.
	mj, err := os.ReadFile(filepath.Join(dir, bulletin.RecordManifest))
	require.NoError(t, err)
	require.Equal(t, e.Manifest.JSON(), mj)
	creds, err := os.ReadFile(filepath.Join(dir, bulletin.RecordCredentials))
	require.NoError(t, err)
	require.Equal(t, election.MarshalPublicList(e.Registrar.PublicList()), creds)
	setup, err := os.ReadFile(filepath.Join(dir, bulletin.RecordSetup))
	require.NoError(t, err)
	require.Equal(t, e.Setup.Bytes(), setup)
	for _, f := range []string{bulletin.RecordReadme, bulletin.RecordRejections, bulletin.RecordStatus} {
		require.FileExists(t, filepath.Join(dir, f))
	}

	// A record is never written over another.
	_, err = bulletin.ExportRecord(context.Background(), &boardSource{b: b}, dir, e.Verifier, e.Origin)
	require.ErrorContains(t, err, "not empty")

	// Without a verifier, the checkpoint is taken as it is.
	dir2 := filepath.Join(t.TempDir(), "unverified")
	require.NoError(t, os.Mkdir(dir2, 0o755)) // an empty directory is fine
	_, err = bulletin.ExportRecord(context.Background(), &boardSource{b: b}, dir2, nil, "")
	require.NoError(t, err)
}

func TestExportRecordRefusesTampering(t *testing.T) {
	e, b := recordElection(t)
	ctx := context.Background()

	// A modified leaf does not hash to the checkpoint's root.
	src := &boardSource{b: b, leafHook: func(i int64, leaf []byte) []byte {
		if i == 9 {
			leaf = bytes.Clone(leaf)
			leaf[len(leaf)-1] ^= 1
		}
		return leaf
	}}
	dir := filepath.Join(t.TempDir(), "record")
	_, err := bulletin.ExportRecord(ctx, src, dir, e.Verifier, e.Origin)
	require.ErrorIs(t, err, bulletin.ErrProof)
	require.ErrorContains(t, err, "root hash mismatch")
	require.NoDirExists(t, dir)
	left, _ := os.ReadDir(filepath.Dir(dir))
	require.Empty(t, left, "a failed export leaves nothing behind")

	// A wrong blob.
	src = &boardSource{b: b, blobHook: func(blob []byte) ([]byte, error) {
		blob = bytes.Clone(blob)
		blob[0] ^= 1
		return blob, nil
	}}
	_, err = bulletin.ExportRecord(ctx, src, dir, e.Verifier, e.Origin)
	require.ErrorContains(t, err, "does not match its reference")
	require.NoDirExists(t, dir)

	// A missing blob.
	src = &boardSource{b: b, blobHook: func([]byte) ([]byte, error) { return nil, errors.New("no such blob") }}
	_, err = bulletin.ExportRecord(ctx, src, dir, e.Verifier, e.Origin)
	require.ErrorContains(t, err, "no such blob")
	require.NoDirExists(t, dir)

	// A checkpoint signed by another key.
	other, err := scenario.New(scenario.Options{Voters: 1, Seed: 99})
	require.NoError(t, err)
	_, err = bulletin.ExportRecord(ctx, &boardSource{b: b}, dir, other.Verifier, e.Origin)
	require.ErrorIs(t, err, bulletin.ErrCheckpoint)

	// A record whose blob was altered afterwards does not read back.
	_, err = bulletin.ExportRecord(ctx, &boardSource{b: b}, dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	blobs, err := os.ReadDir(filepath.Join(dir, bulletin.RecordBlobs))
	require.NoError(t, err)
	require.Len(t, blobs, 1)
	p := filepath.Join(dir, bulletin.RecordBlobs, blobs[0].Name())
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	data[10] ^= 1
	require.NoError(t, os.WriteFile(p, data, 0o644))
	_, err = bulletin.ReadRecord(dir)
	require.ErrorContains(t, err, "does not match its reference")

	// Nor does a truncated log.
	data[10] ^= 1
	require.NoError(t, os.WriteFile(p, data, 0o644))
	lp := filepath.Join(dir, bulletin.RecordLog)
	lb, err := os.ReadFile(lp)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(lp, lb[:len(lb)-3], 0o644))
	_, err = bulletin.ReadRecord(dir)
	require.ErrorContains(t, err, "truncated")
	// A record with a leaf missing fails Verify.
	require.NoError(t, os.WriteFile(lp, lb, 0o644))
	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	rec.Leaves = rec.Leaves[:len(rec.Leaves)-1]
	_, err = rec.Verify(e.Verifier, e.Origin)
	require.ErrorIs(t, err, bulletin.ErrProof)
}

// TestExportRecordHTTP exports through the HTTP client.
func TestExportRecordHTTP(t *testing.T) {
	e, b := recordElection(t)
	srv := httptest.NewServer(bulletin.NewHandler(b, bulletin.ServerConfig{}))
	defer srv.Close()
	c, err := client.New(srv.URL, srv.Client())
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "record")
	sum, err := bulletin.ExportRecord(context.Background(), c, dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.Equal(t, b.Checkpoint().Tree.N, sum.Size)
	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	_, err = rec.Verify(e.Verifier, e.Origin)
	require.NoError(t, err)
	// The rejection keeps the hash of what was refused.
	rj, err := os.ReadFile(filepath.Join(dir, bulletin.RecordRejections))
	require.NoError(t, err)
	h := sha256.Sum256([]byte("garbage"))
	require.Contains(t, string(rj), hex.EncodeToString(h[:]))
	require.Contains(t, string(rj), `"malformed": 1`)
}
