package bulletin

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the tile height of C2SP tlog-tiles: each full tile holds
// 2^8 = 256 hashes or entries.
const TileHeight = 8

// Tile returns the contents of tile t of the log's current tree, as
// C2SP tlog-tiles serves them:
//
//   - for a hash tile (t.L ≥ 0), the t.W consecutive 32-byte hashes at
//     level 8·t.L of the tree starting at hash t.N·256, as tlog.ReadTileData
//     produces them;
//   - for a data tile (t.L = -1), an entry bundle: entries t.N·256 to
//     t.N·256+t.W-1, each as a 16-bit big-endian length and the entry.
//
// t.H must be [TileHeight]. A tile, full or partial, is served only once
// the tree covers all of it; its contents then never change.
func (l *Log) Tile(t tlog.Tile) ([]byte, error) {
	if t.H != TileHeight || t.L < -1 || t.L > 6 || t.N < 0 || t.W < 1 || t.W > 1<<TileHeight {
		return nil, fmt.Errorf("bulletin: invalid tile %+v", t)
	}
	size := l.Size()
	start := t.N << TileHeight
	if t.N > (size>>TileHeight)+1 {
		return nil, fmt.Errorf("%w: tile %s beyond tree of size %d", ErrNotFound, t.Path(), size)
	}
	end := start + int64(t.W) // exclusive, in units of the tile's level
	if t.L == -1 {
		if end > size {
			return nil, fmt.Errorf("%w: tile %s beyond tree of size %d", ErrNotFound, t.Path(), size)
		}
		entries, err := l.store.ReadEntries(start, end)
		if err != nil {
			return nil, err
		}
		var out []byte
		for _, e := range entries {
			out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
			out = append(out, e...)
		}
		return out, nil
	}
	// A hash at level h covers 2^h records; the tile is complete once the
	// tree covers its last hash.
	if level := uint(t.L * TileHeight); end > size>>level {
		return nil, fmt.Errorf("%w: tile %s beyond tree of size %d", ErrNotFound, t.Path(), size)
	}
	return tlog.ReadTileData(t, l.store)
}

// TilePath returns the C2SP tlog-tiles path of tile t, relative to the
// log's prefix: "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]", with
// N in x-prefixed groups of three digits. It is tlog's t.Path() without the
// height segment, which tlog-tiles fixes at 8.
func TilePath(t tlog.Tile) (string, error) {
	if t.H != TileHeight {
		return "", fmt.Errorf("bulletin: tile height %d, want %d", t.H, TileHeight)
	}
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", TileHeight))
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		p = "entries/" + rest
	}
	return "tile/" + p, nil
}

// ParseTilePath parses a C2SP tlog-tiles path as [TilePath] writes it.
func ParseTilePath(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return tlog.Tile{}, fmt.Errorf("bulletin: malformed tile path %q", path)
	}
	if r, ok := strings.CutPrefix(rest, "entries/"); ok {
		rest = "data/" + r
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s", TileHeight, rest))
	if err != nil {
		return tlog.Tile{}, fmt.Errorf("bulletin: malformed tile path %q", path)
	}
	if p, err := TilePath(t); err != nil || p != path {
		return tlog.Tile{}, fmt.Errorf("bulletin: malformed tile path %q", path)
	}
	return t, nil
}
