// Package client is a Go client of the bulletin board's HTTP API
// (spec/board-http.md). It checks nothing it does not have to: use
// [Client.Follow] and [Client.CheckReceipt] to verify what the board
// serves against its signed checkpoints.
package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/bulletin"
)

// maxResponse bounds a response body the client reads (a blob or entry is
// at most bulletin.MaxBlobSize).
const maxResponse = bulletin.MaxBlobSize + 1<<20

// Client talks to one board.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// New returns a client of the board at baseURL (such as
// "https://board.example"). A nil hc means a client with timeouts.
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: board URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: board URL %q is not an http(s) URL", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.ResponseHeaderTimeout = 5 * time.Minute
		hc = &http.Client{Transport: tr, Timeout: 10 * time.Minute}
	}
	return &Client{base: u, hc: hc}, nil
}

// StatusError is an error response of the board other than a rejection.
type StatusError struct {
	Code   int    // HTTP status
	Reason string // error.reason of the JSON body, if any
	Detail string
}

func (e *StatusError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("board: HTTP %d (%s): %s", e.Code, e.Reason, e.Detail)
	}
	return fmt.Sprintf("board: HTTP %d: %s", e.Code, e.Detail)
}

// IsNotFound reports whether err is a 404 answer of the board.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusNotFound
}

type errorJSON struct {
	Error struct {
		Reason string `json:"reason"`
		Detail string `json:"detail"`
	} `json:"error"`
}

// do sends a request and returns the body of a 2xx answer, with the
// response for its headers and status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, *http.Response, error) {
	u := *c.base
	u.Path += path
	u.RawPath = ""
	if query != nil {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, resp, fmt.Errorf("board: %s %s: reading the response: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return data, resp, nil
	}
	var ej errorJSON
	if json.Unmarshal(data, &ej) == nil && ej.Error.Reason != "" {
		switch resp.StatusCode {
		case http.StatusUnprocessableEntity:
			if r, err := bulletin.ParseReason(ej.Error.Reason); err == nil {
				return nil, resp, &bulletin.RejectError{Reason: r, Detail: ej.Error.Detail}
			}
		case http.StatusRequestEntityTooLarge:
			return nil, resp, &bulletin.RejectError{Reason: bulletin.ReasonTooLarge, Detail: ej.Error.Detail}
		}
		return nil, resp, &StatusError{Code: resp.StatusCode, Reason: ej.Error.Reason, Detail: ej.Error.Detail}
	}
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		return nil, resp, &bulletin.RejectError{Reason: bulletin.ReasonTooLarge, Detail: "request body too large"}
	}
	detail := strings.TrimSpace(string(data))
	if len(detail) > 200 {
		detail = detail[:200] + "…"
	}
	return nil, resp, &StatusError{Code: resp.StatusCode, Detail: detail}
}

func (c *Client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	b, _, err := c.do(ctx, http.MethodGet, path, query, nil)
	return b, err
}

func (c *Client) getJSON(ctx context.Context, path string, query url.Values, v any) error {
	b, err := c.get(ctx, path, query)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("board: GET %s: %w", path, err)
	}
	return nil
}

// Post submits an entry. A refusal is a *bulletin.RejectError; other
// errors leave the outcome open, and posting again is safe (idempotent).
func (c *Client) Post(ctx context.Context, entry []byte) (*bulletin.Receipt, error) {
	if entry == nil {
		entry = []byte{}
	}
	b, _, err := c.do(ctx, http.MethodPost, "/v1/entries", nil, entry)
	if err != nil {
		return nil, err
	}
	var r bulletin.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("board: POST /v1/entries: %w", err)
	}
	return &r, nil
}

// Entry returns posted entry index (a blob reference's blob resolved).
func (c *Client) Entry(ctx context.Context, index int64) ([]byte, error) {
	return c.get(ctx, "/v1/entries/"+strconv.FormatInt(index, 10), nil)
}

// Leaf returns log entry index as logged.
func (c *Client) Leaf(ctx context.Context, index int64) ([]byte, error) {
	return c.get(ctx, "/v1/leaves/"+strconv.FormatInt(index, 10), nil)
}

// Leaves returns the logged leaves [start, end), at most
// bulletin.MaxLeavesPerRequest of them, in one request.
func (c *Client) Leaves(ctx context.Context, start, end int64) ([][]byte, error) {
	q := url.Values{"start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)}}
	b, err := c.get(ctx, "/v1/leaves", q)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, end-start)
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("client: leaves [%d, %d): truncated length at leaf %d", start, end, start+int64(len(out)))
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, fmt.Errorf("client: leaves [%d, %d): leaf %d truncated", start, end, start+int64(len(out)))
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("client: leaves [%d, %d): got %d leaves", start, end, len(out))
	}
	return out, nil
}

// Checkpoint returns the board's latest signed checkpoint, unverified.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	return c.get(ctx, "/v1/checkpoint", nil)
}

// Tile returns the C2SP tlog-tiles tile at path ("tile/0/000.p/5").
func (c *Client) Tile(ctx context.Context, path string) ([]byte, error) {
	return c.get(ctx, "/"+strings.TrimPrefix(path, "/"), nil)
}

type proofJSON struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Old   int64    `json:"old"`
	New   int64    `json:"new"`
	Proof []string `json:"proof"`
}

// Inclusion returns the proof that entry index is in the tree of size.
func (c *Client) Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	var j proofJSON
	q := url.Values{"index": {strconv.FormatInt(index, 10)}, "size": {strconv.FormatInt(size, 10)}}
	if err := c.getJSON(ctx, "/v1/proof/inclusion", q, &j); err != nil {
		return nil, err
	}
	if j.Index != index || j.Size != size {
		return nil, fmt.Errorf("board: inclusion proof for entry %d in size %d, asked for %d in %d", j.Index, j.Size, index, size)
	}
	p, err := bulletin.DecodeHashes(j.Proof)
	if err != nil {
		return nil, fmt.Errorf("board: inclusion proof: %w", err)
	}
	return p, nil
}

// Consistency returns the proof that the tree of size old is a prefix of
// the tree of size newer.
func (c *Client) Consistency(ctx context.Context, old, newer int64) (tlog.TreeProof, error) {
	var j proofJSON
	q := url.Values{"old": {strconv.FormatInt(old, 10)}, "new": {strconv.FormatInt(newer, 10)}}
	if err := c.getJSON(ctx, "/v1/proof/consistency", q, &j); err != nil {
		return nil, err
	}
	if j.Old != old || j.New != newer {
		return nil, fmt.Errorf("board: consistency proof from %d to %d, asked for %d to %d", j.Old, j.New, old, newer)
	}
	p, err := bulletin.DecodeHashes(j.Proof)
	if err != nil {
		return nil, fmt.Errorf("board: consistency proof: %w", err)
	}
	return p, nil
}

// Receipt returns a receipt for entry index against the latest checkpoint.
func (c *Client) Receipt(ctx context.Context, index int64) (*bulletin.Receipt, error) {
	var r bulletin.Receipt
	if err := c.getJSON(ctx, "/v1/receipts/"+strconv.FormatInt(index, 10), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Tracking returns the receipt of the ballot cast with tracking code.
func (c *Client) Tracking(ctx context.Context, code string) (*bulletin.Receipt, error) {
	var r bulletin.Receipt
	if err := c.getJSON(ctx, "/v1/tracking/"+url.PathEscape(code), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Status returns the board's summary.
func (c *Client) Status(ctx context.Context) (*bulletin.Status, error) {
	var s bulletin.Status
	if err := c.getJSON(ctx, "/v1/status", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Blob returns the blob with the given SHA-256, checked against it.
func (c *Client) Blob(ctx context.Context, hash [32]byte) ([]byte, error) {
	b, err := c.get(ctx, "/v1/blobs/"+hex.EncodeToString(hash[:]), nil)
	if err != nil {
		return nil, err
	}
	if ref := (bulletin.BlobRef{Hash: hash, Size: uint64(len(b))}); ref.Check(b) != nil {
		return nil, fmt.Errorf("board: blob %x: content does not match its hash", hash[:8])
	}
	return b, nil
}

// MixInput returns the ciphertext list (text, spec/mixchain.md §6) the
// next stage of contest's mix chain shuffles, and that stage's position.
func (c *Client) MixInput(ctx context.Context, contest string) ([]byte, int, error) {
	b, resp, err := c.do(ctx, http.MethodGet, "/v1/mix/"+url.PathEscape(contest)+"/input", nil, nil)
	if err != nil {
		return nil, 0, err
	}
	pos, err := strconv.Atoi(resp.Header.Get("Urna-Mix-Position"))
	if err != nil {
		return nil, 0, fmt.Errorf("board: mix input: bad Urna-Mix-Position header %q", resp.Header.Get("Urna-Mix-Position"))
	}
	return b, pos, nil
}

// DecryptionListInfo describes a list the trustees decrypt.
type DecryptionListInfo = bulletin.DecryptionListInfo

// DecryptionLists describes the lists to decrypt.
func (c *Client) DecryptionLists(ctx context.Context) ([]DecryptionListInfo, error) {
	var out []DecryptionListInfo
	if err := c.getJSON(ctx, "/v1/decryption", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecryptionList returns the named list as text, one ciphertext per line
// (the file 'urna trustee decrypt --ciphertexts' reads).
func (c *Client) DecryptionList(ctx context.Context, name string) ([]byte, error) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return c.get(ctx, "/v1/decryption/"+strings.Join(parts, "/"), nil)
}

// Rejections returns the board's record of refused submissions.
func (c *Client) Rejections(ctx context.Context) ([]bulletin.Rejection, error) {
	var out []bulletin.Rejection
	if err := c.getJSON(ctx, "/v1/rejections", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Follow fetches the board's current checkpoint and a consistency proof
// from f's last checkpoint, advances f, and returns its new last
// checkpoint. A *bulletin.ForkError is evidence that the board forked.
func (c *Client) Follow(ctx context.Context, f *bulletin.Follower) (*bulletin.Checkpoint, error) {
	signed, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	// The follower verifies the checkpoint; its size is read here only
	// to ask for the right proof.
	n, err := checkpointSize(signed)
	if err != nil {
		return nil, err
	}
	var old int64
	if last := f.Last(); last != nil {
		old = last.Tree.N
	}
	var proof tlog.TreeProof
	if old > 0 && n > old {
		if proof, err = c.Consistency(ctx, old, n); err != nil {
			return nil, err
		}
	}
	if err := f.Advance(signed, proof); err != nil {
		return nil, err
	}
	return f.Last(), nil
}

// CheckReceipt checks that the receipt's entry is still on the board: it
// fetches the current checkpoint and a consistency proof from the
// receipt's checkpoint, and runs bulletin.CheckReceipt. It returns the
// verified current checkpoint.
func (c *Client) CheckReceipt(ctx context.Context, r *bulletin.Receipt, v note.Verifier, origin string) (*bulletin.Checkpoint, error) {
	old, err := r.Verify(v, origin)
	if err != nil {
		return nil, err
	}
	signed, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := bulletin.ParseCheckpoint(signed, v, origin)
	if err != nil {
		return nil, err
	}
	var proof tlog.TreeProof
	if cur.Tree.N > old.Tree.N {
		if proof, err = c.Consistency(ctx, old.Tree.N, cur.Tree.N); err != nil {
			return nil, err
		}
	}
	return bulletin.CheckReceipt(r, v, origin, signed, proof)
}

// checkpointSize reads the tree size of a signed checkpoint without
// verifying it.
func checkpointSize(signed []byte) (int64, error) {
	text, _, ok := bytes.Cut(signed, []byte("\n\n"))
	lines := strings.SplitN(string(text), "\n", 3)
	if !ok || len(lines) < 2 {
		return 0, fmt.Errorf("%w: malformed signed checkpoint", bulletin.ErrCheckpoint)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: malformed tree size %q", bulletin.ErrCheckpoint, lines[1])
	}
	return n, nil
}

// ElectionEntries returns the genesis entry, the manifest entry and the
// ceremony's restart entries on the board: entry 0, the first manifest
// administrator entry (which comes before the first ballot) and the
// restart entries before it. Nothing is verified: a caller computes the
// election fingerprint from them (bulletin.FingerprintOfEntries) for a
// person to compare with the published one.
func (c *Client) ElectionEntries(ctx context.Context) (genesis, manifest []byte, restarts [][]byte, err error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if genesis, err = c.Entry(ctx, 0); err != nil {
		return nil, nil, nil, err
	}
	for start := int64(1); start < st.Size; start += bulletin.MaxLeavesPerRequest {
		leaves, err := c.Leaves(ctx, start, min(st.Size, start+bulletin.MaxLeavesPerRequest))
		if err != nil {
			return nil, nil, nil, err
		}
		for k, l := range leaves {
			t, _ := bulletin.EntryType(l)
			if t == bulletin.TypeBlobRef {
				if l, err = c.Entry(ctx, start+int64(k)); err != nil {
					return nil, nil, nil, err
				}
				t, _ = bulletin.EntryType(l)
			}
			switch t {
			case bulletin.TypeAdmin:
				if a, err := bulletin.ParseAdminEntry(l); err == nil && a.Kind == bulletin.AdminManifest {
					return genesis, l, restarts, nil
				} else if err == nil && a.Kind == bulletin.AdminRestart {
					restarts = append(restarts, l)
				}
			case bulletin.TypeBallot, bulletin.TypeChallenge, bulletin.TypeStage:
				return nil, nil, nil, errors.New("bulletin/client: the board has no manifest before its first ballot")
			}
		}
	}
	return nil, nil, nil, errors.New("bulletin/client: the board has no manifest entry yet")
}
