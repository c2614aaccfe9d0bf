package bulletin

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"
)

// mirror is a tlog.TileReader that fetches tiles by C2SP path, as a mirror
// doing plain GETs would.
type mirror struct {
	get     func(path string) ([]byte, error)
	fetched int
}

func (m *mirror) Height() int { return TileHeight }

func (m *mirror) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p, err := TilePath(t)
		if err != nil {
			return nil, err
		}
		if out[i], err = m.get(p); err != nil {
			return nil, err
		}
		m.fetched++
	}
	return out, nil
}

func (m *mirror) SaveTiles([]tlog.Tile, [][]byte) {}

func serve(l *Log) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		t, err := ParseTilePath(path)
		if err != nil {
			return nil, err
		}
		return l.Tile(t)
	}
}

func TestTilesReconstructProofs(t *testing.T) {
	b := newBoard(t, 70000) // three levels of tiles, partial at every level
	c := b.checkpoint(t)
	m := &mirror{get: serve(b.log)}
	r := tlog.TileHashReader(c.Tree, m)

	h, err := tlog.TreeHash(c.Tree.N, r)
	require.NoError(t, err)
	assert.Equal(t, c.Tree.Hash, h)
	for _, i := range []int64{0, 1, 255, 256, 65535, 65536, 69999} {
		p, err := tlog.ProveRecord(c.Tree.N, i, r)
		require.NoError(t, err)
		require.NoError(t, VerifyInclusion(c, i, b.entries[i], p))
	}
	for _, n := range []int64{1, 300, 65536, 69000} {
		p, err := tlog.ProveTree(c.Tree.N, n, r)
		require.NoError(t, err)
		old, err := b.log.RootAt(n)
		require.NoError(t, err)
		require.NoError(t, VerifyConsistency(&Checkpoint{Tree: tlog.Tree{N: n, Hash: old}}, c, p))
	}
	assert.Positive(t, m.fetched)

	// A mirror serving a tampered tile is caught by the reader.
	bad := &mirror{get: func(path string) ([]byte, error) {
		d, err := serve(b.log)(path)
		if err == nil && len(d) > 0 {
			d[len(d)-1] ^= 1
		}
		return d, err
	}}
	_, err = tlog.ProveRecord(c.Tree.N, 12345, tlog.TileHashReader(c.Tree, bad))
	assert.Error(t, err)
}

func TestDataTiles(t *testing.T) {
	b := newBoard(t, 300)
	d, err := b.log.Tile(tlog.Tile{H: 8, L: -1, N: 1, W: 44})
	require.NoError(t, err)
	var got [][]byte
	for len(d) > 0 {
		n := binary.BigEndian.Uint16(d)
		got = append(got, d[2:2+n])
		d = d[2+n:]
	}
	assert.Equal(t, b.entries[256:300], got)

	full, err := b.log.Tile(tlog.Tile{H: 8, L: -1, N: 0, W: 256})
	require.NoError(t, err)
	partial, err := b.log.Tile(tlog.Tile{H: 8, L: -1, N: 0, W: 10})
	require.NoError(t, err)
	assert.Equal(t, full[:len(partial)], partial)

	for _, tile := range []tlog.Tile{
		{H: 8, L: -1, N: 1, W: 45},  // beyond the tree
		{H: 8, L: 0, N: 1, W: 45},   // beyond the tree
		{H: 8, L: 1, N: 0, W: 2},    // level-8 hash 1 needs 512 records
		{H: 8, L: 0, N: 5000, W: 1}, // far beyond
		{H: 4, L: 0, N: 0, W: 1},    // wrong height
		{H: 8, L: 0, N: 0, W: 0},    // empty
		{H: 8, L: 0, N: -1, W: 1},
		{H: 8, L: -2, N: 0, W: 1},
	} {
		_, err := b.log.Tile(tile)
		assert.Error(t, err, "%+v", tile)
	}
	_, err = b.log.Tile(tlog.Tile{H: 8, L: 1, N: 0, W: 1})
	assert.NoError(t, err)
}

func TestTilePaths(t *testing.T) {
	for _, c := range []struct {
		tile tlog.Tile
		path string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 1, N: 1234067, W: 256}, "tile/1/x001/x234/067"},
		{tlog.Tile{H: 8, L: 0, N: 5, W: 7}, "tile/0/005.p/7"},
		{tlog.Tile{H: 8, L: -1, N: 1000, W: 256}, "tile/entries/x001/000"},
		{tlog.Tile{H: 8, L: -1, N: 2, W: 3}, "tile/entries/002.p/3"},
	} {
		p, err := TilePath(c.tile)
		require.NoError(t, err)
		assert.Equal(t, c.path, p)
		got, err := ParseTilePath(p)
		require.NoError(t, err)
		assert.Equal(t, c.tile, got)
	}
	for _, p := range []string{"", "tile/8/0/000", "tile/0/0", "tile/0/000.p/256", "tile/data/000", "tile/entries/x000/001", "tiles/0/000"} {
		_, err := ParseTilePath(p)
		assert.Error(t, err, p)
	}
	_, err := TilePath(tlog.Tile{H: 4})
	assert.Error(t, err)
}
