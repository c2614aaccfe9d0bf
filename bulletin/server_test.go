package bulletin_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/internal/scenario"
)

type httpResp struct {
	code   int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url string, body []byte) httpResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return httpResp{resp.StatusCode, resp.Header, b}
}

// apiErr decodes a JSON error response and checks its status and reason.
func apiErr(t *testing.T, r httpResp, code int, reason string) string {
	t.Helper()
	require.Equal(t, code, r.code, "%s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var e struct {
		Error struct {
			Reason string `json:"reason"`
			Detail string `json:"detail"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "%s", r.body)
	require.Equal(t, reason, e.Error.Reason, "%s", r.body)
	require.NotEmpty(t, e.Error.Detail)
	return e.Error.Detail
}

func postReceipt(t *testing.T, base string, entry []byte, code int) *bulletin.Receipt {
	t.Helper()
	r := do(t, "POST", base+"/v1/entries", entry)
	require.Equal(t, code, r.code, "%s", r.body)
	var rc bulletin.Receipt
	require.NoError(t, json.Unmarshal(r.body, &rc))
	return &rc
}

func serve(t *testing.T, b *bulletin.Board, cfg bulletin.ServerConfig) (*bulletin.Handler, string) {
	t.Helper()
	h := bulletin.NewHandler(b, cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func TestServerEndpoints(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 4, Manifest: scenario.Danish(), Seed: 7})
	require.NoError(t, err)
	b := openBoard(t, e, bulletin.NewMemoryStore())
	h, url := serve(t, b, bulletin.ServerConfig{})

	require.Equal(t, http.StatusCreated, do(t, "POST", url+"/v1/entries", e.Genesis()).code)
	rc := postReceipt(t, url, e.Genesis(), http.StatusOK)
	require.True(t, rc.Existing)
	require.EqualValues(t, 0, rc.Index)
	for _, en := range append([][]byte{e.Phase(bulletin.PhaseKeyCeremony)}, e.CeremonyEntries...) {
		postReceipt(t, url, en, http.StatusCreated)
	}
	for _, en := range [][]byte{e.ManifestEntry(), e.CredentialsEntry(), e.Phase(bulletin.PhaseOpen)} {
		postReceipt(t, url, en, http.StatusCreated)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	entry, _, _, err := e.Ballot(0, e.RandomChoices(rnd))
	require.NoError(t, err)
	brc := postReceipt(t, url, entry, http.StatusCreated)
	require.NotEmpty(t, brc.TrackingCode)
	_, err = brc.Verify(e.Verifier, e.Origin)
	require.NoError(t, err)

	// Entries, leaves, receipts, tracking.
	r := do(t, "GET", url+"/v1/entries/"+strconv.FormatInt(brc.Index, 10), nil)
	require.Equal(t, 200, r.code)
	require.Equal(t, entry, r.body)
	require.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))
	r = do(t, "GET", url+"/v1/leaves/0", nil)
	require.Equal(t, e.Genesis(), r.body)
	apiErr(t, do(t, "GET", url+"/v1/entries/999", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/v1/entries/x", nil), 400, "bad-request")
	apiErr(t, do(t, "GET", url+"/v1/leaves/-1", nil), 400, "bad-request")
	r = do(t, "GET", url+"/v1/tracking/"+brc.TrackingCode, nil)
	require.Equal(t, 200, r.code)
	var trc bulletin.Receipt
	require.NoError(t, json.Unmarshal(r.body, &trc))
	require.Equal(t, brc.Index, trc.Index)
	require.Equal(t, brc.TrackingCode, trc.TrackingCode)
	// The whole code in either case, with or without hyphens; never the
	// short code, which identifies no ballot.
	require.Len(t, brc.TrackingCode, election.TrackingCodeLen)
	for _, c := range []string{strings.ToLower(brc.TrackingCode), strings.ReplaceAll(brc.TrackingCode, "-", "")} {
		r = do(t, "GET", url+"/v1/tracking/"+c, nil)
		require.Equal(t, 200, r.code, c)
		trc = bulletin.Receipt{}
		require.NoError(t, json.Unmarshal(r.body, &trc))
		require.Equal(t, brc.Index, trc.Index)
		require.Equal(t, brc.TrackingCode, trc.TrackingCode)
	}
	apiErr(t, do(t, "GET", url+"/v1/tracking/"+election.ShortCode(brc.TrackingCode), nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/v1/tracking/nope", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/v1/receipts/999", nil), 404, "not-found")

	// Checkpoints, proofs and tiles.
	n := b.Checkpoint().Tree.N
	for _, p := range []string{"/v1/checkpoint", "/checkpoint"} {
		r = do(t, "GET", url+p, nil)
		require.Equal(t, 200, r.code)
		require.Equal(t, b.Checkpoint().Signed, r.body)
		require.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "text/plain"))
	}
	r = do(t, "GET", url+"/v1/proof/inclusion?index=1&size="+strconv.FormatInt(n, 10), nil)
	require.Equal(t, 200, r.code, "%s", r.body)
	var ij struct {
		Index, Size int64
		Proof       []string
	}
	require.NoError(t, json.Unmarshal(r.body, &ij))
	proof, err := bulletin.DecodeHashes(ij.Proof)
	require.NoError(t, err)
	cp, err := bulletin.ParseCheckpoint(b.Checkpoint().Signed, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.NoError(t, bulletin.VerifyInclusion(cp, 1, e.Phase(bulletin.PhaseKeyCeremony), proof))
	apiErr(t, do(t, "GET", url+"/v1/proof/inclusion?index=1&size=99999", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/v1/proof/inclusion?index=5&size=5", nil), 400, "bad-request")
	apiErr(t, do(t, "GET", url+"/v1/proof/inclusion?size=5", nil), 400, "bad-request")
	r = do(t, "GET", url+"/v1/proof/consistency?old=2&new="+strconv.FormatInt(n, 10), nil)
	require.Equal(t, 200, r.code, "%s", r.body)
	apiErr(t, do(t, "GET", url+"/v1/proof/consistency?old=5&new=2", nil), 400, "bad-request")

	for _, p := range []string{"tile/0/000.p/" + strconv.FormatInt(n, 10), "tile/entries/000.p/" + strconv.FormatInt(n, 10), "tile/1/000.p/" + strconv.FormatInt(n/256, 10)} {
		tile, err := bulletin.ParseTilePath(p)
		if err != nil { // tile/1 has no partial tile of width 0
			continue
		}
		want, err := b.Log().Tile(tile)
		require.NoError(t, err)
		r = do(t, "GET", url+"/"+p, nil)
		require.Equal(t, 200, r.code, "%s: %s", p, r.body)
		require.Equal(t, want, r.body)
		require.Contains(t, r.header.Get("Cache-Control"), "immutable")
	}
	apiErr(t, do(t, "GET", url+"/tile/0/000.p/"+strconv.FormatInt(n+1, 10), nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/tile/0/000", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/tile/bogus", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/tile/7/000", nil), 404, "not-found")
	apiErr(t, do(t, "GET", url+"/tile/0/0", nil), 404, "not-found")

	// Phases: mix input and decryption lists are 409 out of phase.
	apiErr(t, do(t, "GET", url+"/v1/mix/council/input", nil), 409, "phase")
	apiErr(t, do(t, "GET", url+"/v1/decryption", nil), 409, "phase")

	// Blobs.
	apiErr(t, do(t, "GET", url+"/v1/blobs/zz", nil), 400, "bad-request")
	apiErr(t, do(t, "GET", url+"/v1/blobs/"+strings.Repeat("00", 32), nil), 404, "not-found")

	// Status, metrics, health.
	r = do(t, "GET", url+"/v1/status", nil)
	require.Equal(t, 200, r.code)
	var st bulletin.Status
	require.NoError(t, json.Unmarshal(r.body, &st))
	require.Equal(t, *b.Status(), st)
	require.Equal(t, bulletin.PhaseOpen, st.Phase)
	require.Equal(t, 1, st.Ballots)

	r = do(t, "GET", url+"/metrics", nil)
	require.Equal(t, 200, r.code)
	m := string(r.body)
	for _, reason := range bulletin.Reasons {
		require.Contains(t, m, `urna_board_rejected_total{reason="`+string(reason)+`"} `)
	}
	for _, s := range []string{"urna_board_entries_total ", "urna_board_existing_total 1\n", "urna_board_batches_total ",
		`urna_board_ingest_latency_seconds_bucket{le="0.001"} `, `urna_board_ingest_latency_seconds_bucket{le="+Inf"} `,
		"urna_board_ingest_latency_seconds_sum ", "urna_board_ingest_latency_seconds_count ",
		"# TYPE urna_board_ingest_latency_seconds histogram\n", "urna_board_size " + strconv.FormatInt(n, 10) + "\n",
		"urna_board_phase 2\n", "urna_board_ballots 1\n"} {
		require.Contains(t, m, s)
	}

	r = do(t, "GET", url+"/healthz", nil)
	require.Equal(t, 200, r.code)
	require.Equal(t, "ok\n", string(r.body))
	require.Equal(t, 200, do(t, "GET", url+"/readyz", nil).code)
	h.SetReady(false)
	apiErr(t, do(t, "GET", url+"/readyz", nil), 503, "unavailable")
	h.SetReady(true)
	require.Equal(t, 200, do(t, "GET", url+"/readyz", nil).code)

	// Routing errors are JSON.
	apiErr(t, do(t, "GET", url+"/nope", nil), 404, "not-found")
	r = do(t, "DELETE", url+"/v1/entries/0", nil)
	apiErr(t, r, 405, "method-not-allowed")
	require.Contains(t, r.header.Get("Allow"), "GET")
	apiErr(t, do(t, "PUT", url+"/v1/entries", []byte("x")), 405, "method-not-allowed")

	// After Close the board is unavailable but the process still serves.
	require.NoError(t, b.Close())
	r = do(t, "POST", url+"/v1/entries", entry)
	apiErr(t, r, 503, "unavailable")
	require.NotEmpty(t, r.header.Get("Retry-After"))
	apiErr(t, do(t, "GET", url+"/readyz", nil), 503, "unavailable")
	require.Equal(t, 200, do(t, "GET", url+"/healthz", nil).code)
}

// TestServerHostileInput posts what an attacker would, and checks each is
// refused with the right status and reason, counted, and that the server
// keeps serving.
func TestServerHostileInput(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 4, Seed: 9})
	require.NoError(t, err)
	store, err := bulletin.OpenSQLite(t.TempDir() + "/b.db")
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	b := openBoard(t, e, store)
	setUp(t, e, b)
	_, url := serve(t, b, bulletin.ServerConfig{MaxEntryBytes: 64 << 10})

	rnd := rand.New(rand.NewPCG(5, 6))
	entry, _, _, err := e.Ballot(0, e.RandomChoices(rnd))
	require.NoError(t, err)
	rc := postReceipt(t, url, entry, http.StatusCreated)
	again := postReceipt(t, url, entry, http.StatusOK) // exact replay
	require.True(t, again.Existing)
	require.Equal(t, rc.Index, again.Index)
	require.Equal(t, rc.TrackingCode, again.TrackingCode)

	body := entry[bulletin.EntryHeaderSize:]
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(body)
		f(b)
		return bulletin.BallotEntry(b)
	}
	cases := []struct {
		name   string
		entry  []byte
		code   int
		reason bulletin.Reason
	}{
		{"oversized", bytes.Repeat([]byte("u"), 64<<10+1), 413, bulletin.ReasonTooLarge},
		{"empty", []byte{}, 422, bulletin.ReasonMalformed},
		{"garbage", []byte("GET / HTTP/1.1\r\n\r\n\x00\xff"), 422, bulletin.ReasonMalformed},
		{"truncated", entry[:len(entry)-10], 422, bulletin.ReasonMalformed},
		{"header only", entry[:bulletin.EntryHeaderSize], 422, bulletin.ReasonMalformed},
		{"non-canonical ciphertext", mutate(func(b []byte) {
			for i := 64; i < 96; i++ {
				b[i] = 0xff
			}
		}), 422, bulletin.ReasonMalformed},
		{"tampered signature", mutate(func(b []byte) { b[len(b)-1] ^= 1 }), 422, bulletin.ReasonInvalid},
		{"replayed under another credential", mutate(func(b []byte) { copy(b[32:64], e.Credential(1).Public()) }), 422, bulletin.ReasonInvalid},
		{"unknown credential", mutate(func(b []byte) { b[40] ^= 1 }), 422, ""},
		{"wrong election", mutate(func(b []byte) { b[0] ^= 1 }), 422, bulletin.ReasonWrongElection},
	}
	want := map[bulletin.Reason]int64{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, "POST", url+"/v1/entries", c.entry)
			require.Equal(t, c.code, r.code, "%s", r.body)
			if c.reason != "" {
				apiErr(t, r, c.code, string(c.reason))
				want[c.reason]++
			} else {
				var ej struct {
					Error struct{ Reason bulletin.Reason }
				}
				require.NoError(t, json.Unmarshal(r.body, &ej))
				want[ej.Error.Reason]++
			}
		})
	}
	// An oversized body of unannounced length (chunked).
	req, err := http.NewRequest("POST", url+"/v1/entries", io.MultiReader(bytes.NewReader(make([]byte, 64<<10)), strings.NewReader("xx")))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Zero(t, req.ContentLength) // sent chunked
	apiErr(t, httpResp{resp.StatusCode, resp.Header, rb}, 413, "too-large")
	want[bulletin.ReasonTooLarge]++

	// Requests the API does not serve.
	apiErr(t, do(t, "PATCH", url+"/v1/entries", entry), 405, "method-not-allowed")
	apiErr(t, do(t, "GET", url+"/v1/entries/1e3", nil), 400, "bad-request")
	apiErr(t, do(t, "GET", url+"/v1/entries/99999999999999999999", nil), 400, "bad-request")
	apiErr(t, do(t, "GET", url+"/v1/receipts/abc", nil), 400, "bad-request")

	// A client that stops sending in the middle of its body.
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	_, err = io.WriteString(conn, "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nurna\x01")
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	out, _ := io.ReadAll(conn)
	conn.Close()
	if len(out) > 0 {
		require.Contains(t, string(out), "400")
		want[bulletin.ReasonMalformed]++
	} else {
		// The server may not answer a half-closed connection; the
		// rejection is recorded either way.
		require.Eventually(t, func() bool {
			return b.Status().Rejected[bulletin.ReasonMalformed] == want[bulletin.ReasonMalformed]+1
		}, 5*time.Second, 10*time.Millisecond)
		want[bulletin.ReasonMalformed]++
	}

	r := do(t, "GET", url+"/v1/status", nil)
	require.Equal(t, 200, r.code)
	var st bulletin.Status
	require.NoError(t, json.Unmarshal(r.body, &st))
	for _, reason := range bulletin.Reasons {
		require.Equal(t, want[reason], st.Rejected[reason], "%s", reason)
	}
	r = do(t, "GET", url+"/v1/rejections", nil)
	require.Equal(t, 200, r.code)
	var rejs []bulletin.Rejection
	require.NoError(t, json.Unmarshal(r.body, &rejs))
	require.Len(t, rejs, int(st.RejectedSum))
	stored, err := b.Rejections()
	require.NoError(t, err)
	require.Equal(t, stored, rejs)
	require.Contains(t, string(r.body), hex.EncodeToString(stored[0].Entry[:]))

	// The server still serves, and a valid ballot still posts.
	require.Equal(t, 200, do(t, "GET", url+"/healthz", nil).code)
	entry, _, _, err = e.Ballot(2, e.RandomChoices(rnd))
	require.NoError(t, err)
	postReceipt(t, url, entry, http.StatusCreated)
}

func TestServerRecoversPanics(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 1, Seed: 2})
	require.NoError(t, err)
	b := openBoard(t, e, bulletin.NewMemoryStore())
	// A nil request body makes nothing panic; a handler over a nil board
	// does: the recovery must answer 500 in JSON.
	h := bulletin.NewHandler(nil, bulletin.ServerConfig{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/status", nil))
	require.Equal(t, 500, rec.Code)
	require.Contains(t, rec.Body.String(), `"reason":"internal"`)
	_ = b
}

func TestNewServerShutdown(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 1, Seed: 3})
	require.NoError(t, err)
	b := openBoard(t, e, bulletin.NewMemoryStore())
	srv := bulletin.NewServer("127.0.0.1:0", b, bulletin.ServerConfig{})
	require.NotZero(t, srv.ReadTimeout)
	require.NotZero(t, srv.WriteTimeout)
	require.NotZero(t, srv.IdleTimeout)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	require.Equal(t, 200, do(t, "GET", url+"/readyz", nil).code)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	require.ErrorIs(t, <-done, http.ErrServerClosed)
	h := srv.Handler.(*bulletin.Handler)
	require.Eventually(t, func() bool {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code == 503
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, b.Close())
}
