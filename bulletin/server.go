package bulletin

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/mixnet"
)

// ServerConfig configures the board's HTTP service (spec/board-http.md).
type ServerConfig struct {
	// MaxEntryBytes bounds a POST body; 0 means 256 MiB.
	MaxEntryBytes int64
	// ReadTimeout, WriteTimeout and IdleTimeout are the http.Server's
	// timeouts; 0 means 2 minutes, 5 minutes (entries and blobs can be
	// large) and 2 minutes.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Logger receives panics and server-side failures; nil discards them.
	Logger *log.Logger
}

// DefaultMaxEntryBytes is the POST body limit when ServerConfig leaves it 0.
const DefaultMaxEntryBytes = 256 << 20

// Handler serves a [Board] over HTTP (spec/board-http.md). It is ready
// (GET /readyz answers 200) from creation until SetReady(false) or the
// board is closed.
type Handler struct {
	b     *Board
	cfg   ServerConfig
	mux   *http.ServeMux
	ready atomic.Bool
}

// NewHandler returns the HTTP handler of the board's JSON API.
func NewHandler(b *Board, cfg ServerConfig) *Handler {
	if cfg.MaxEntryBytes <= 0 {
		cfg.MaxEntryBytes = DefaultMaxEntryBytes
	}
	h := &Handler{b: b, cfg: cfg, mux: http.NewServeMux()}
	h.ready.Store(true)
	m := h.mux
	m.HandleFunc("POST /v1/entries", h.postEntry)
	m.HandleFunc("GET /v1/entries/{index}", h.getEntry)
	m.HandleFunc("GET /v1/leaves/{index}", h.getLeaf)
	m.HandleFunc("GET /v1/leaves", h.getLeaves)
	m.HandleFunc("GET /v1/checkpoint", h.getCheckpoint)
	m.HandleFunc("GET /checkpoint", h.getCheckpoint)
	m.HandleFunc("GET /tile/{path...}", h.getTile)
	m.HandleFunc("GET /v1/proof/inclusion", h.getInclusion)
	m.HandleFunc("GET /v1/proof/consistency", h.getConsistency)
	m.HandleFunc("GET /v1/receipts/{index}", h.getReceipt)
	m.HandleFunc("GET /v1/tracking/{code}", h.getTracking)
	m.HandleFunc("GET /v1/status", h.getStatus)
	m.HandleFunc("GET /v1/blobs/{hash}", h.getBlob)
	m.HandleFunc("GET /v1/mix/{contest}/input", h.getMixInput)
	m.HandleFunc("GET /v1/decryption", h.getDecryptionLists)
	m.HandleFunc("GET /v1/decryption/{name...}", h.getDecryptionList)
	m.HandleFunc("GET /v1/rejections", h.getRejections)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	m.HandleFunc("GET /readyz", h.getReady)
	m.HandleFunc("GET /metrics", h.getMetrics)
	return h
}

// NewServer returns an http.Server for the board at addr, with its
// timeouts set and a [Handler] that stops being ready when the server
// shuts down. To stop gracefully, call srv.Shutdown(ctx), then b.Close().
func NewServer(addr string, b *Board, cfg ServerConfig) *http.Server {
	h := NewHandler(b, cfg)
	rt, wt, it := cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout
	if rt <= 0 {
		rt = 2 * time.Minute
	}
	if wt <= 0 {
		wt = 5 * time.Minute
	}
	if it <= 0 {
		it = 2 * time.Minute
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: rt, WriteTimeout: wt,
		IdleTimeout: it, MaxHeaderBytes: 64 << 10, ErrorLog: cfg.Logger}
	srv.RegisterOnShutdown(func() { h.SetReady(false) })
	return srv
}

// SetReady sets whether GET /readyz reports the service ready.
func (h *Handler) SetReady(ready bool) { h.ready.Store(ready) }

func (h *Handler) logf(format string, args ...any) {
	if h.cfg.Logger != nil {
		h.cfg.Logger.Printf(format, args...)
	}
}

// trackingWriter remembers whether the response has started.
type trackingWriter struct {
	http.ResponseWriter
	started bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.started = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.started = true
	return t.ResponseWriter.Write(p)
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// captureWriter records what the ServeMux's own 404/405 handlers write.
type captureWriter struct {
	h    http.Header
	code int
}

func (c *captureWriter) Header() http.Header { return c.h }
func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *captureWriter) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(p), nil
}

// ServeHTTP implements http.Handler: routing with JSON errors for unknown
// paths and methods, and recovery from panics.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &trackingWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.logf("bulletin: http: panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			if !tw.started {
				writeError(tw, http.StatusInternalServerError, "internal", "internal error")
			}
		}
	}()
	handler, pattern := h.mux.Handler(r)
	if pattern != "" {
		h.mux.ServeHTTP(tw, r)
		return
	}
	// No route: let the mux decide between 404 and 405, answer in JSON.
	c := &captureWriter{h: http.Header{}}
	handler.ServeHTTP(c, r)
	switch {
	case c.code == http.StatusMethodNotAllowed:
		tw.Header().Set("Allow", c.h.Get("Allow"))
		writeError(tw, http.StatusMethodNotAllowed, "method-not-allowed", fmt.Sprintf("method %s not allowed for %s", r.Method, r.URL.Path))
	case c.code >= 300 && c.code < 400 && c.h.Get("Location") != "":
		http.Redirect(tw, r, c.h.Get("Location"), c.code)
	default:
		writeError(tw, http.StatusNotFound, "not-found", fmt.Sprintf("no such endpoint: %s", r.URL.Path))
	}
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// writeError writes the JSON error response {"error":{"reason","detail"}}.
func writeError(w http.ResponseWriter, code int, reason, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Del("Content-Length")
	w.WriteHeader(code)
	b, _ := json.Marshal(apiError{Error: apiErrorBody{Reason: reason, Detail: detail}})
	w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeBytes(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// unavailable answers an error the board could not decide on.
func (h *Handler) unavailable(w http.ResponseWriter, err error) {
	h.logf("bulletin: http: %v", err)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
}

// storeError answers a read failure: 404 for ErrNotFound, else 503.
func (h *Handler) storeError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "not-found", err.Error())
		return
	}
	h.unavailable(w, err)
}

// parseIndex parses a non-negative decimal int64; it answers 400 itself.
func parseIndex(w http.ResponseWriter, name, s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("%s %q is not a non-negative decimal integer", name, s))
		return 0, false
	}
	return n, true
}

func (h *Handler) postEntry(w http.ResponseWriter, r *http.Request) {
	var body []byte
	var err error
	var mbe *http.MaxBytesError
	if r.ContentLength > h.cfg.MaxEntryBytes {
		// Refuse without reading it all: record the first bytes.
		body, _ = io.ReadAll(io.LimitReader(r.Body, min(h.cfg.MaxEntryBytes, 64<<10)))
		err = &http.MaxBytesError{Limit: h.cfg.MaxEntryBytes}
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxEntryBytes))
	}
	switch {
	case errors.As(err, &mbe):
		w.Header().Set("Connection", "close")
		rej := &RejectError{Reason: ReasonTooLarge, Detail: fmt.Sprintf("request body exceeds %d bytes", h.cfg.MaxEntryBytes)}
		h.b.RecordRejection(rej, body)
		writeError(w, http.StatusRequestEntityTooLarge, string(rej.Reason), rej.Detail)
		return
	case err != nil:
		// The client did not send the whole body: what arrived is
		// refused as malformed.
		rej := &RejectError{Reason: ReasonMalformed, Detail: fmt.Sprintf("reading the request body: %v", err)}
		h.b.RecordRejection(rej, body)
		writeError(w, http.StatusBadRequest, string(rej.Reason), rej.Detail)
		return
	}
	rc, err := h.b.Submit(r.Context(), body)
	var rej *RejectError
	switch {
	case errors.As(err, &rej):
		writeError(w, http.StatusUnprocessableEntity, string(rej.Reason), rej.Detail)
		return
	case err != nil:
		h.unavailable(w, err)
		return
	}
	code := http.StatusCreated
	if rc.Existing {
		code = http.StatusOK
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/entries/%d", rc.Index))
	writeJSON(w, code, rc)
}

// leaf returns the logged leaf at the request's {index}, answering errors.
func (h *Handler) leaf(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	i, ok := parseIndex(w, "index", r.PathValue("index"))
	if !ok {
		return nil, false
	}
	if n := h.b.Log().Size(); i >= n {
		writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("entry %d: the board has %d entries", i, n))
		return nil, false
	}
	leaf, err := h.b.Log().Entry(i)
	if err != nil {
		h.storeError(w, err)
		return nil, false
	}
	return leaf, true
}

func (h *Handler) getLeaf(w http.ResponseWriter, r *http.Request) {
	if leaf, ok := h.leaf(w, r); ok {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		writeBytes(w, "application/octet-stream", leaf)
	}
}

// MaxLeavesPerRequest bounds GET /v1/leaves.
const MaxLeavesPerRequest = 1024

// getLeaves serves leaves [start, end) as u32 length ‖ leaf each, so that
// mirrors and exporters read the log in few requests.
func (h *Handler) getLeaves(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, ok := parseIndex(w, "start", q.Get("start"))
	if !ok {
		return
	}
	end, ok := parseIndex(w, "end", q.Get("end"))
	if !ok {
		return
	}
	n := h.b.Log().Size()
	switch {
	case end <= start || end-start > MaxLeavesPerRequest:
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("range [%d, %d): want start < end and at most %d leaves", start, end, MaxLeavesPerRequest))
		return
	case end > n:
		writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("range [%d, %d): the board has %d entries", start, end, n))
		return
	}
	leaves, err := h.b.Log().Entries(start, end)
	if err != nil {
		h.storeError(w, err)
		return
	}
	size := 0
	for _, l := range leaves {
		size += 4 + len(l)
	}
	out := make([]byte, 0, size)
	for _, l := range leaves {
		out = binary.BigEndian.AppendUint32(out, uint32(len(l)))
		out = append(out, l...)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeBytes(w, "application/octet-stream", out)
}

func (h *Handler) getEntry(w http.ResponseWriter, r *http.Request) {
	leaf, ok := h.leaf(w, r)
	if !ok {
		return
	}
	entry := leaf
	if t, _ := EntryType(leaf); t == TypeBlobRef {
		ref, err := ParseBlobRef(leaf)
		if err != nil {
			h.unavailable(w, err)
			return
		}
		if entry, err = h.b.Blob(ref.Hash); err != nil {
			h.unavailable(w, err) // a logged blob must be there
			return
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeBytes(w, "application/octet-stream", entry)
}

func (h *Handler) getCheckpoint(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	writeBytes(w, "text/plain; charset=utf-8", h.b.Checkpoint().Signed)
}

func (h *Handler) getTile(w http.ResponseWriter, r *http.Request) {
	path := "tile/" + r.PathValue("path")
	t, err := ParseTilePath(path)
	if err == nil && (t.L < -1 || t.L > 6) {
		err = fmt.Errorf("bulletin: no tile level %d", t.L)
	}
	if err != nil {
		writeError(w, http.StatusNotFound, "not-found", err.Error())
		return
	}
	data, err := h.b.Log().Tile(t)
	if err != nil {
		h.storeError(w, err)
		return
	}
	// A tile's path fixes its contents: a partial tile's width is in
	// its path.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeBytes(w, "application/octet-stream", data)
}

// queryInt parses a required query parameter, answering 400 itself.
func queryInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("missing query parameter %q", name))
		return 0, false
	}
	return parseIndex(w, name, s)
}

type inclusionJSON struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Proof []string `json:"proof"`
}

type consistencyJSON struct {
	Old   int64    `json:"old"`
	New   int64    `json:"new"`
	Proof []string `json:"proof"`
}

func (h *Handler) getInclusion(w http.ResponseWriter, r *http.Request) {
	i, ok := queryInt(w, r, "index")
	if !ok {
		return
	}
	n, ok := queryInt(w, r, "size")
	if !ok {
		return
	}
	if i >= n {
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("entry %d is not in a tree of size %d", i, n))
		return
	}
	if size := h.b.Log().Size(); n > size {
		writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("tree size %d: the board has %d entries", n, size))
		return
	}
	p, err := h.b.Log().InclusionProof(i, n)
	if err != nil {
		h.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inclusionJSON{Index: i, Size: n, Proof: EncodeHashes(p)})
}

func (h *Handler) getConsistency(w http.ResponseWriter, r *http.Request) {
	o, ok := queryInt(w, r, "old")
	if !ok {
		return
	}
	n, ok := queryInt(w, r, "new")
	if !ok {
		return
	}
	if o > n {
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("old size %d exceeds new size %d", o, n))
		return
	}
	if size := h.b.Log().Size(); n > size {
		writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("tree size %d: the board has %d entries", n, size))
		return
	}
	p, err := h.b.Log().ConsistencyProof(o, n)
	if err != nil {
		h.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, consistencyJSON{Old: o, New: n, Proof: EncodeHashes(p)})
}

func (h *Handler) getReceipt(w http.ResponseWriter, r *http.Request) {
	i, ok := parseIndex(w, "index", r.PathValue("index"))
	if !ok {
		return
	}
	rc, err := h.b.Receipt(i)
	if err != nil {
		h.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rc)
}

func (h *Handler) getTracking(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	i, ok := h.b.LookupTrackingCode(code)
	if !ok {
		writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("no ballot cast with tracking code %q", code))
		return
	}
	rc, err := h.b.Receipt(i)
	if err != nil {
		h.storeError(w, err)
		return
	}
	rc.TrackingCode, _ = election.NormalizeTrackingCode(code)
	writeJSON(w, http.StatusOK, rc)
}

func (h *Handler) getStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, h.b.Status())
}

func (h *Handler) getBlob(w http.ResponseWriter, r *http.Request) {
	s := r.PathValue("hash")
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 32 {
		writeError(w, http.StatusBadRequest, "bad-request", fmt.Sprintf("blob hash %q is not 64 hex digits", s))
		return
	}
	blob, err := h.b.Blob([32]byte(raw))
	if err != nil {
		h.storeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeBytes(w, "application/octet-stream", blob)
}

func (h *Handler) getMixInput(w http.ResponseWriter, r *http.Request) {
	contest := r.PathValue("contest")
	if p := h.b.Phase(); p != PhaseMixing {
		writeError(w, http.StatusConflict, "phase", fmt.Sprintf("the board is in phase %s, not mixing", p))
		return
	}
	list, pos, err := h.b.MixInput(contest)
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not-found", err.Error())
		return
	case err != nil: // the phase moved on meanwhile
		writeError(w, http.StatusConflict, "phase", err.Error())
		return
	}
	enc := mixnet.EncodeList(list)
	var sb strings.Builder
	if len(list) > 0 {
		vs := len(enc) / len(list)
		sb.Grow(2*len(enc) + len(list))
		for i := range list {
			sb.WriteString(hex.EncodeToString(enc[i*vs : (i+1)*vs]))
			sb.WriteByte('\n')
		}
	}
	w.Header().Set("Urna-Mix-Position", strconv.Itoa(pos))
	writeBytes(w, "text/plain; charset=utf-8", []byte(sb.String()))
}

// DecryptionListInfo describes a list to decrypt in GET /v1/decryption.
type DecryptionListInfo struct {
	Name     string   `json:"name"`
	Hash     string   `json:"hash"` // hex
	Count    int      `json:"count"`
	Trustees []uint32 `json:"trustees"` // whose shares are on the board
}

func (h *Handler) decryptionLists(w http.ResponseWriter) ([]DecryptionList, bool) {
	if p := h.b.Phase(); p < PhaseDecrypting {
		writeError(w, http.StatusConflict, "phase", fmt.Sprintf("the board is in phase %s, before decrypting", p))
		return nil, false
	}
	return h.b.DecryptionLists(), true
}

func (h *Handler) getDecryptionLists(w http.ResponseWriter, _ *http.Request) {
	lists, ok := h.decryptionLists(w)
	if !ok {
		return
	}
	out := []DecryptionListInfo{}
	for _, l := range lists {
		ts := l.Trustees
		if ts == nil {
			ts = []uint32{}
		}
		out = append(out, DecryptionListInfo{Name: l.Name, Hash: hex.EncodeToString(l.Hash[:]), Count: len(l.Ciphertexts), Trustees: ts})
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getDecryptionList(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	lists, ok := h.decryptionLists(w)
	if !ok {
		return
	}
	for _, l := range lists {
		if l.Name != name {
			continue
		}
		var sb strings.Builder
		sb.Grow(len(l.Ciphertexts) * (2*64 + 1))
		for i := range l.Ciphertexts {
			sb.WriteString(hex.EncodeToString(l.Ciphertexts[i].Bytes()))
			sb.WriteByte('\n')
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		writeBytes(w, "text/plain; charset=utf-8", []byte(sb.String()))
		return
	}
	writeError(w, http.StatusNotFound, "not-found", fmt.Sprintf("no decryption list %q", name))
}

func (h *Handler) getRejections(w http.ResponseWriter, _ *http.Request) {
	rs, err := h.b.Rejections()
	if err != nil {
		h.unavailable(w, err)
		return
	}
	if rs == nil {
		rs = []Rejection{}
	}
	writeJSON(w, http.StatusOK, rs)
}

func (h *Handler) getReady(w http.ResponseWriter, _ *http.Request) {
	if !h.ready.Load() || h.b.closed.Load() {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "not ready: the service is shutting down or the board is closed")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ready\n")
}

func (h *Handler) getMetrics(w http.ResponseWriter, _ *http.Request) {
	var sb strings.Builder
	metric := func(name, typ, help string) {
		fmt.Fprintf(&sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	b := h.b
	metric("urna_board_entries_total", "counter", "Entries appended to the board.")
	fmt.Fprintf(&sb, "urna_board_entries_total %d\n", b.Metrics.Accepted.Load())
	metric("urna_board_existing_total", "counter", "Submissions found already on the board.")
	fmt.Fprintf(&sb, "urna_board_existing_total %d\n", b.Metrics.Existing.Load())
	metric("urna_board_batches_total", "counter", "Committed batches.")
	fmt.Fprintf(&sb, "urna_board_batches_total %d\n", b.Metrics.Batches.Load())
	metric("urna_board_verified_total", "counter", "Ballots whose proofs were verified.")
	fmt.Fprintf(&sb, "urna_board_verified_total %d\n", b.Metrics.Verified.Load())
	metric("urna_board_store_errors_total", "counter", "Failed store operations.")
	fmt.Fprintf(&sb, "urna_board_store_errors_total %d\n", b.Metrics.StoreErrs.Load())
	metric("urna_board_rejected_total", "counter", "Rejected submissions by reason.")
	counts := b.RejectionCounts()
	for _, r := range Reasons {
		fmt.Fprintf(&sb, "urna_board_rejected_total{reason=%q} %d\n", string(r), counts[r])
	}
	metric("urna_board_ingest_latency_seconds", "histogram", "Time from submission to acknowledgement.")
	cum, sum, n := b.Metrics.Latency.Snapshot()
	for i, c := range cum {
		le := "+Inf"
		if i < len(LatencyBuckets) {
			le = strconv.FormatFloat(LatencyBuckets[i].Seconds(), 'g', -1, 64)
		}
		fmt.Fprintf(&sb, "urna_board_ingest_latency_seconds_bucket{le=%q} %d\n", le, c)
	}
	fmt.Fprintf(&sb, "urna_board_ingest_latency_seconds_sum %s\n", strconv.FormatFloat(sum.Seconds(), 'g', -1, 64))
	fmt.Fprintf(&sb, "urna_board_ingest_latency_seconds_count %d\n", n)
	st := b.Status()
	metric("urna_board_size", "gauge", "Entries in the board's latest checkpoint.")
	fmt.Fprintf(&sb, "urna_board_size %d\n", st.Size)
	metric("urna_board_phase", "gauge", "Election phase (0 setup … 6 published).")
	fmt.Fprintf(&sb, "urna_board_phase %d\n", uint8(st.Phase))
	metric("urna_board_ballots", "gauge", "Ballots cast.")
	fmt.Fprintf(&sb, "urna_board_ballots %d\n", st.Ballots)
	w.Header().Set("Cache-Control", "no-cache")
	writeBytes(w, "text/plain; version=0.0.4; charset=utf-8", []byte(sb.String()))
}

var _ http.Handler = (*Handler)(nil)
