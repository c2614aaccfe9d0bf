package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/scenario"
)

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "board.example", "ftp://x", "http://"} {
		_, err := client.New(u, nil)
		require.Error(t, err, u)
	}
	c, err := client.New("http://board.example/prefix/", nil)
	require.NoError(t, err)
	require.NotNil(t, c)
}

func TestClientElection(t *testing.T) {
	for _, name := range []string{"memory", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			var store bulletin.Store = bulletin.NewMemoryStore()
			if name == "sqlite" {
				s, err := bulletin.OpenSQLite(t.TempDir() + "/b.db")
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				store = s
			}
			testElection(t, store)
		})
	}
}

func testElection(t *testing.T, store bulletin.Store) {
	ctx := context.Background()
	// 2100 credentials of 32 bytes make the credentials entry longer
	// than a log entry can be: it is logged as a blob reference.
	e, err := scenario.New(scenario.Options{Voters: 2100, Manifest: scenario.Danish(), Seed: 11})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: store})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	srv := httptest.NewServer(bulletin.NewHandler(b, bulletin.ServerConfig{}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, srv.Client())
	require.NoError(t, err)

	f, err := bulletin.NewFollower(e.Verifier, e.Origin, nil)
	require.NoError(t, err)
	cp, err := c.Follow(ctx, f) // the empty board
	require.NoError(t, err)
	require.EqualValues(t, 0, cp.Tree.N)

	post := func(entry []byte) *bulletin.Receipt {
		t.Helper()
		r, err := c.Post(ctx, entry)
		require.NoError(t, err)
		require.False(t, r.Existing)
		_, err = r.Verify(e.Verifier, e.Origin)
		require.NoError(t, err)
		return r
	}
	post(e.Genesis())
	post(e.Phase(bulletin.PhaseKeyCeremony))
	for _, en := range e.CeremonyEntries {
		post(en)
	}
	post(e.ManifestEntry())
	creds := e.CredentialsEntry()
	require.Greater(t, len(creds), bulletin.MaxEntrySize)
	credRc := post(creds)
	post(e.Phase(bulletin.PhaseOpen))

	cp, err = c.Follow(ctx, f)
	require.NoError(t, err)
	require.Equal(t, b.Checkpoint().Tree, cp.Tree)

	// Ballots, idempotent re-posting, tracking codes.
	rnd := rand.New(rand.NewPCG(1, 2))
	var receipts []*bulletin.Receipt
	for v := range 3 {
		entry, _, _, err := e.Ballot(v, e.RandomChoices(rnd))
		require.NoError(t, err)
		r := post(entry)
		receipts = append(receipts, r)
		again, err := c.Post(ctx, entry)
		require.NoError(t, err)
		require.True(t, again.Existing)
		require.Equal(t, r.Index, again.Index)
		require.Equal(t, r.TrackingCode, again.TrackingCode)

		tr, err := c.Tracking(ctx, r.TrackingCode)
		require.NoError(t, err)
		require.Equal(t, r.Index, tr.Index)
		got, err := c.Entry(ctx, r.Index)
		require.NoError(t, err)
		require.Equal(t, entry, got)
	}
	_, err = c.Tracking(ctx, "no-such-code")
	require.True(t, client.IsNotFound(err), "%v", err)

	// Refusals come back as *bulletin.RejectError.
	bad := bytes.Clone(receipts[0].Checkpoint)
	_, err = c.Post(ctx, bad)
	var rej *bulletin.RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, bulletin.ReasonMalformed, rej.Reason)
	require.ErrorIs(t, err, bulletin.ErrRejected)

	// The blob-logged credentials entry.
	leaf, err := c.Leaf(ctx, credRc.Index)
	require.NoError(t, err)
	ref, err := bulletin.ParseBlobRef(leaf)
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(creds), ref.Hash)
	got, err := c.Entry(ctx, credRc.Index)
	require.NoError(t, err)
	require.Equal(t, creds, got)
	blob, err := c.Blob(ctx, ref.Hash)
	require.NoError(t, err)
	require.Equal(t, creds, blob)
	_, err = c.Blob(ctx, [32]byte{1})
	require.True(t, client.IsNotFound(err), "%v", err)

	// Leaves in one request equal leaves one by one; bad ranges fail.
	st, err := c.Status(ctx)
	require.NoError(t, err)
	leaves, err := c.Leaves(ctx, 0, st.Size)
	require.NoError(t, err)
	require.Len(t, leaves, int(st.Size))
	for i, l := range leaves {
		one, err := c.Leaf(ctx, int64(i))
		require.NoError(t, err)
		require.Equal(t, one, l)
	}
	_, err = c.Leaves(ctx, 0, st.Size+1)
	require.True(t, client.IsNotFound(err), "%v", err)
	_, err = c.Leaves(ctx, 2, 2)
	require.Error(t, err)
	_, err = c.Leaves(ctx, 0, bulletin.MaxLeavesPerRequest+1)
	require.Error(t, err)

	// Receipts still check after more entries; the follower follows.
	for _, r := range receipts {
		cur, err := c.CheckReceipt(ctx, r, e.Verifier, e.Origin)
		require.NoError(t, err)
		require.Equal(t, b.Checkpoint().Tree, cur.Tree)
		fresh, err := c.Receipt(ctx, r.Index)
		require.NoError(t, err)
		require.Equal(t, r.TrackingCode, fresh.TrackingCode)
		_, err = fresh.Verify(e.Verifier, e.Origin)
		require.NoError(t, err)
	}
	cp, err = c.Follow(ctx, f)
	require.NoError(t, err)
	require.Equal(t, b.Checkpoint().Tree, cp.Tree)
	cp, err = c.Follow(ctx, f) // nothing new
	require.NoError(t, err)
	require.Equal(t, b.Checkpoint().Tree, cp.Tree)

	// Proofs.
	n := cp.Tree.N
	ip, err := c.Inclusion(ctx, credRc.Index, n)
	require.NoError(t, err)
	require.NoError(t, bulletin.VerifyInclusion(cp, credRc.Index, leaf, ip))
	tp, err := c.Consistency(ctx, 3, n)
	require.NoError(t, err)
	old := &bulletin.Checkpoint{Tree: tlogTree(t, b, 3)}
	require.NoError(t, bulletin.VerifyConsistency(old, cp, tp))
	_, err = c.Consistency(ctx, 3, n+10)
	require.True(t, client.IsNotFound(err), "%v", err)

	// Tiles.
	path, err := bulletin.TilePath(tileOf(n))
	require.NoError(t, err)
	tile, err := c.Tile(ctx, path)
	require.NoError(t, err)
	want, err := b.Log().Tile(tileOf(n))
	require.NoError(t, err)
	require.Equal(t, want, tile)

	// Close, mix, decrypt, through the API.
	post(e.Phase(bulletin.PhaseClosed))
	_, _, err = c.MixInput(ctx, "council")
	var se *client.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusConflict, se.Code)
	post(e.Phase(bulletin.PhaseMixing))
	_, _, err = c.MixInput(ctx, "referendum")
	require.True(t, client.IsNotFound(err), "%v", err)
	for pos := 1; pos <= 2; pos++ {
		text, p, err := c.MixInput(ctx, "council")
		require.NoError(t, err)
		require.Equal(t, pos, p)
		in := parseList(t, text, 1)
		bin, _, err := b.MixInput("council")
		require.NoError(t, err)
		require.Equal(t, len(bin), len(in))
		for i := range in {
			require.Equal(t, bin[i].Bytes(), in[i].Bytes())
		}
		st, err := e.MixStage(pos, pos, in)
		require.NoError(t, err)
		post(st)
	}
	_, err = c.DecryptionLists(ctx)
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusConflict, se.Code)
	post(e.Phase(bulletin.PhaseDecrypting))
	infos, err := c.DecryptionLists(ctx)
	require.NoError(t, err)
	lists := b.DecryptionLists()
	require.Len(t, infos, len(lists))
	for k, info := range infos {
		l := lists[k]
		require.Equal(t, l.Name, info.Name)
		require.Equal(t, hex.EncodeToString(l.Hash[:]), info.Hash)
		require.Equal(t, len(l.Ciphertexts), info.Count)
		require.Empty(t, info.Trustees)
		text, err := c.DecryptionList(ctx, info.Name)
		require.NoError(t, err)
		vs := parseList(t, text, 1)
		var cts []elgamal.Ciphertext
		for _, v := range vs {
			cts = append(cts, v[0])
		}
		require.Len(t, cts, info.Count)
		for j := 1; j <= 2; j++ {
			sh, err := e.DecryptionShares(j, cts)
			require.NoError(t, err)
			post(sh)
		}
	}
	_, err = c.DecryptionList(ctx, "mix/nope")
	require.True(t, client.IsNotFound(err), "%v", err)
	infos, err = c.DecryptionLists(ctx)
	require.NoError(t, err)
	for _, info := range infos {
		require.Equal(t, []uint32{1, 2}, info.Trustees)
	}

	// Status and rejections round-trip.
	st, err = c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, b.Status(), st)
	require.Equal(t, bulletin.PhaseDecrypting, st.Phase)
	require.EqualValues(t, 1, st.Rejected[bulletin.ReasonMalformed])
	rejs, err := c.Rejections(ctx)
	require.NoError(t, err)
	require.Len(t, rejs, 1)
	require.Equal(t, sha256.Sum256(bad), rejs[0].Entry)
	require.Equal(t, bulletin.ReasonMalformed, rejs[0].Reason)

	cp, err = c.Follow(ctx, f)
	require.NoError(t, err)
	require.Equal(t, b.Checkpoint().Tree, cp.Tree)
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	e, err := scenario.New(scenario.Options{Voters: 2, Seed: 5})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	srv := httptest.NewServer(bulletin.NewHandler(b, bulletin.ServerConfig{MaxEntryBytes: 1024}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/", nil)
	require.NoError(t, err)

	_, err = c.Post(ctx, make([]byte, 2048))
	var rej *bulletin.RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, bulletin.ReasonTooLarge, rej.Reason)

	_, err = c.Post(ctx, nil)
	require.ErrorAs(t, err, &rej)
	require.Equal(t, bulletin.ReasonMalformed, rej.Reason)

	_, err = c.Entry(ctx, 0)
	require.True(t, client.IsNotFound(err), "%v", err)

	// A board that forked: the follower reports it.
	r, err := c.Post(ctx, e.Genesis())
	require.NoError(t, err)
	f, err := bulletin.NewFollower(e.Verifier, e.Origin, nil)
	require.NoError(t, err)
	_, err = c.Follow(ctx, f)
	require.NoError(t, err)
	other := bulletin.NewMemoryStore()
	b2, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: other})
	require.NoError(t, err)
	t.Cleanup(func() { b2.Close() })
	e2, err := scenario.New(scenario.Options{Voters: 1, Seed: 6})
	require.NoError(t, err)
	_, err = b2.Submit(ctx, e2.Genesis()) // another entry 0 under the same board key
	require.NoError(t, err)
	srv2 := httptest.NewServer(bulletin.NewHandler(b2, bulletin.ServerConfig{}))
	t.Cleanup(srv2.Close)
	c2, err := client.New(srv2.URL, nil)
	require.NoError(t, err)
	_, err = c2.Follow(ctx, f) // another tree of size 1
	require.ErrorIs(t, err, bulletin.ErrFork)
	_, err = c2.CheckReceipt(ctx, r, e.Verifier, e.Origin)
	require.ErrorIs(t, err, bulletin.ErrFork)

	// A server that is not a board.
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "teapot", http.StatusTeapot)
	}))
	t.Cleanup(junk.Close)
	cj, err := client.New(junk.URL, nil)
	require.NoError(t, err)
	_, err = cj.Status(ctx)
	var se *client.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusTeapot, se.Code)
	require.True(t, errors.As(err, &se))
	_, err = c.Tile(ctx, "tile/0/000.p/9")
	require.True(t, client.IsNotFound(err), "%v", err)
}

func parseList(t *testing.T, text []byte, width int) []elgamal.CiphertextVector {
	t.Helper()
	var out []elgamal.CiphertextVector
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if line == "" {
			continue
		}
		require.Len(t, line, 128*width)
		raw, err := hex.DecodeString(line)
		require.NoError(t, err)
		v, err := elgamal.ParseCiphertextVector(raw, width)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func tlogTree(t *testing.T, b *bulletin.Board, n int64) tlog.Tree {
	t.Helper()
	h, err := b.Log().RootAt(n)
	require.NoError(t, err)
	return tlog.Tree{N: n, Hash: h}
}

// tileOf is the partial level-0 tile of a tree of n < 256 entries.
func tileOf(n int64) tlog.Tile {
	return tlog.Tile{H: bulletin.TileHeight, L: 0, N: 0, W: int(n)}
}
