package bulletin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Receipt is the board's acknowledgement of an entry (spec/board.md §7):
// where the entry is, a proof that it is in the tree, and the board's
// signed checkpoint of that tree. A voter keeps it and later checks, with
// a consistency proof from the receipt's checkpoint to a newer one, that
// the ballot is still on the board, without trusting the board.
type Receipt struct {
	TrackingCode string           // for ballots and challenges
	Index        int64            // the entry's index in the log
	LeafHash     tlog.Hash        // RFC 6962 record hash of the logged entry
	Existing     bool             // the entry was already on the board
	Proof        tlog.RecordProof // inclusion proof in the checkpoint's tree
	Checkpoint   []byte           // the signed checkpoint note
}

type receiptJSON struct {
	TrackingCode string   `json:"tracking_code,omitempty"`
	Index        int64    `json:"index"`
	LeafHash     string   `json:"leaf_hash"`
	Existing     bool     `json:"existing,omitempty"`
	Proof        []string `json:"inclusion_proof"`
	Checkpoint   string   `json:"checkpoint"`
}

// MarshalJSON encodes hashes in standard base64, as checkpoints do.
func (r *Receipt) MarshalJSON() ([]byte, error) {
	j := receiptJSON{TrackingCode: r.TrackingCode, Index: r.Index, LeafHash: base64.StdEncoding.EncodeToString(r.LeafHash[:]),
		Existing: r.Existing, Proof: []string{}, Checkpoint: string(r.Checkpoint)}
	for _, h := range r.Proof {
		j.Proof = append(j.Proof, base64.StdEncoding.EncodeToString(h[:]))
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a receipt strictly.
func (r *Receipt) UnmarshalJSON(b []byte) error {
	var j receiptJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("bulletin: receipt: %w", err)
	}
	h, err := decodeHash(j.LeafHash)
	if err != nil {
		return fmt.Errorf("bulletin: receipt: leaf_hash: %w", err)
	}
	out := Receipt{TrackingCode: j.TrackingCode, Index: j.Index, LeafHash: h, Existing: j.Existing, Checkpoint: []byte(j.Checkpoint)}
	for i, s := range j.Proof {
		h, err := decodeHash(s)
		if err != nil {
			return fmt.Errorf("bulletin: receipt: inclusion_proof[%d]: %w", i, err)
		}
		out.Proof = append(out.Proof, h)
	}
	*r = out
	return nil
}

func decodeHash(s string) (tlog.Hash, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return tlog.Hash{}, err
	}
	if len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("%d bytes, want %d", len(b), tlog.HashSize)
	}
	return tlog.Hash(b), nil
}

// EncodeHashes encodes hashes for the JSON API, in standard base64.
func EncodeHashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// DecodeHashes decodes hashes of the JSON API.
func DecodeHashes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := decodeHash(s)
		if err != nil {
			return nil, fmt.Errorf("hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

// Verify checks the receipt on its own: the checkpoint's signature and
// origin, and the inclusion of the leaf hash at the index. It returns the
// receipt's checkpoint.
func (r *Receipt) Verify(verifier note.Verifier, origin string) (*Checkpoint, error) {
	c, err := ParseCheckpoint(r.Checkpoint, verifier, origin)
	if err != nil {
		return nil, err
	}
	if r.Index < 0 || r.Index >= c.Tree.N {
		return nil, fmt.Errorf("%w: receipt for entry %d outside its checkpoint's tree of size %d", ErrProof, r.Index, c.Tree.N)
	}
	if err := tlog.CheckRecord(r.Proof, c.Tree.N, c.Tree.Hash, r.Index, r.LeafHash); err != nil {
		return nil, fmt.Errorf("%w: receipt: entry %d is not in its checkpoint's tree: %w", ErrProof, r.Index, err)
	}
	return c, nil
}

// CheckReceipt checks that the receipt's entry is still on the board whose
// current checkpoint is current: the receipt verifies, and proof shows
// that the receipt's tree is a prefix of the current one. A different
// tree of the same size is a *ForkError: the board rewrote its history. A
// consistency proof that fails is ErrProof (ask again: a board that can
// never give a valid proof has forked), and so is a current checkpoint
// older than the receipt's, which a stale cache may serve.
func CheckReceipt(r *Receipt, verifier note.Verifier, origin string, current []byte, proof tlog.TreeProof) (*Checkpoint, error) {
	old, err := r.Verify(verifier, origin)
	if err != nil {
		return nil, err
	}
	cur, err := ParseCheckpoint(current, verifier, origin)
	if err != nil {
		return nil, err
	}
	if cur.Tree.N == old.Tree.N && cur.Tree.Hash != old.Tree.Hash {
		return nil, &ForkError{Old: old, Newer: cur}
	}
	if cur.Tree.N < old.Tree.N {
		// Not proof of a fork on its own: a cache or mirror may serve a
		// stale checkpoint. Ask again, or check against a newer one.
		return nil, fmt.Errorf("%w: the current checkpoint (size %d) is older than the receipt's (size %d); fetch a fresh checkpoint", ErrProof, cur.Tree.N, old.Tree.N)
	}
	if err := VerifyConsistency(old, cur, proof); err != nil {
		return nil, err
	}
	return cur, nil
}

// LatencyHistogram counts durations in fixed buckets, for the metrics
// endpoint and the load generator. It is safe for concurrent use.
type LatencyHistogram struct {
	mu     sync.Mutex
	counts [len(LatencyBuckets) + 1]int64
	sum    time.Duration
	n      int64
}

// LatencyBuckets are the histogram's upper bounds.
var LatencyBuckets = [...]time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// Observe adds one duration.
func (h *LatencyHistogram) Observe(d time.Duration) {
	i := 0
	for i < len(LatencyBuckets) && d > LatencyBuckets[i] {
		i++
	}
	h.mu.Lock()
	h.counts[i]++
	h.sum += d
	h.n++
	h.mu.Unlock()
}

// Snapshot returns the cumulative counts per bucket (the last is +Inf),
// the sum and the count.
func (h *LatencyHistogram) Snapshot() (cumulative []int64, sum time.Duration, n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var c int64
	for _, x := range h.counts {
		c += x
		cumulative = append(cumulative, c)
	}
	return cumulative, h.sum, h.n
}

// Quantile returns an upper bound of the q-quantile from the buckets, or
// +Inf when it falls in the last one.
func (h *LatencyHistogram) Quantile(q float64) time.Duration {
	cum, _, n := h.Snapshot()
	if n == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(n)))
	for i, c := range cum {
		if c >= want {
			if i < len(LatencyBuckets) {
				return LatencyBuckets[i]
			}
			break
		}
	}
	return time.Duration(math.MaxInt64)
}
