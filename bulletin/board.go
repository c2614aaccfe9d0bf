package bulletin

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
)

// Config configures a [Board].
type Config struct {
	// Origin names the log in its checkpoints (see ValidOrigin).
	Origin string
	// Signer signs checkpoints with the board key (NewBoardSigner).
	Signer note.Signer
	// Store holds the board durably: an *SQLiteStore, or a MemoryStore
	// in tests.
	Store Store
	// MaxBatch bounds the submissions verified and committed together
	// (group commit); 0 means 1024.
	MaxBatch int
	// Now returns the time of rejections; nil means time.Now.
	Now func() time.Time
}

// Board is the bulletin board: the posting policy over a durable log.
// Submissions from many goroutines are verified in batches (ballot proofs
// with one batch verification across concurrent submissions), checked
// against the policy in order, and committed with one durable transaction
// per batch; each is acknowledged with a [Receipt] only after its batch
// committed.
type Board struct {
	cfg   Config
	log   *Log
	store Store

	in      chan *submission
	commitQ chan []*submission
	quit    chan struct{}
	stopped chan struct{} // closed once the pipeline has stopped
	wg      sync.WaitGroup
	closed  atomic.Bool

	mu sync.RWMutex // guards st
	st *state

	manifest   atomic.Pointer[manifestSnap]
	phase      atomic.Uint32
	checkpoint atomic.Pointer[Checkpoint]

	rmu     sync.Mutex
	rejects map[Reason]int64

	// Metrics, read by the HTTP service.
	Metrics Metrics
}

type manifestSnap struct {
	m *election.Manifest
	h [32]byte
}

// Metrics are counters of a board's activity.
type Metrics struct {
	Accepted  atomic.Int64 // entries appended
	Existing  atomic.Int64 // submissions already on the board
	Batches   atomic.Int64 // committed batches
	Latency   LatencyHistogram
	Verified  atomic.Int64 // ballots whose proofs were verified
	StoreErrs atomic.Int64
}

// submission is one posted entry on its way through the pipeline.
type submission struct {
	entry []byte
	leaf  []byte
	typ   byte
	start time.Time

	// Filled in by pre-verification of ballots and challenges.
	pre          *RejectError
	ballot       *election.Ballot // nil on replay
	cred         [32]byte
	manifestH    [32]byte
	trackingCode string

	done chan outcome
}

type outcome struct {
	r   *Receipt
	err error
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("bulletin: board is closed")

// Open opens the board over cfg.Store, replaying the entries already there
// to rebuild the policy state, and starts its pipeline.
func Open(cfg Config) (*Board, error) {
	if cfg.Store == nil || cfg.Signer == nil {
		return nil, errors.New("bulletin: open board: missing store or signer")
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l, err := NewLog(cfg.Store, cfg.Origin)
	if err != nil {
		return nil, err
	}
	b := &Board{cfg: cfg, log: l, store: cfg.Store,
		in: make(chan *submission, 8*cfg.MaxBatch), commitQ: make(chan []*submission, 1),
		quit: make(chan struct{}), stopped: make(chan struct{}), rejects: map[Reason]int64{}}
	if err := b.reload(); err != nil {
		return nil, err
	}
	rejs, err := cfg.Store.ReadRejections()
	if err != nil {
		return nil, fmt.Errorf("bulletin: reading rejections: %w", err)
	}
	for _, r := range rejs {
		b.rejects[r.Reason]++
	}
	if err := b.signCheckpoint(); err != nil {
		return nil, err
	}
	b.wg.Add(2)
	go b.verifier()
	go b.committer()
	return b, nil
}

// reload rebuilds the state by replaying the log. The caller holds b.mu
// or is Open.
func (b *Board) reload() error {
	st := newState(b.cfg.Origin)
	n := b.log.Size()
	c := &admitCtx{store: b.store, replay: true, batchAl: map[string]bool{}}
	const chunk = 1024
	for lo := int64(0); lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		es, err := b.store.ReadEntries(lo, hi)
		if err != nil {
			return fmt.Errorf("bulletin: replaying entries [%d, %d): %w", lo, hi, err)
		}
		for k, leaf := range es {
			i := lo + int64(k)
			entry := leaf
			if t, _ := EntryType(leaf); t == TypeBlobRef {
				ref, err := ParseBlobRef(leaf)
				if err != nil {
					return fmt.Errorf("bulletin: replaying entry %d: %w", i, err)
				}
				if entry, err = b.store.ReadBlob(ref.Hash); err != nil {
					return fmt.Errorf("bulletin: replaying entry %d: %w", i, err)
				}
			}
			sub := &submission{entry: entry, leaf: leaf}
			sub.typ, _ = EntryType(entry)
			if sub.typ == TypeBallot || sub.typ == TypeChallenge {
				// Stored ballots were verified when posted: replay takes
				// what the policy state needs from the bytes, no decoding.
				if err := replayBallot(sub, st); err != nil {
					return fmt.Errorf("bulletin: replaying entry %d: %w", i, err)
				}
			}
			clear(c.batchAl)
			_, rej, err := st.admit(c, sub, i)
			if err != nil {
				return fmt.Errorf("bulletin: replaying entry %d: %w", i, err)
			}
			if rej != nil {
				return fmt.Errorf("bulletin: replaying entry %d: the stored entry is not admissible: %v", i, rej)
			}
		}
	}
	b.st = st
	b.publishSnap(st)
	return nil
}

// replayBallot fills in what admitting a stored ballot or challenge needs.
func replayBallot(sub *submission, st *state) error {
	if st.manifest == nil {
		return errors.New("ballot before the manifest")
	}
	size, err := election.BallotSize(st.manifest)
	if err != nil {
		return err
	}
	body := sub.entry[EntryHeaderSize:]
	if len(body) < size || (sub.typ == TypeBallot && len(body) != size) {
		return fmt.Errorf("ballot of %d bytes, want %d", len(body), size)
	}
	body = body[:size]
	sub.cred, sub.manifestH = [32]byte(body[32:64]), st.manifestH
	sub.trackingCode = election.TrackingCodeOf(body)
	return nil
}

func (b *Board) publishSnap(st *state) {
	b.phase.Store(uint32(st.rules.Phase))
	if st.manifest != nil {
		if cur := b.manifest.Load(); cur == nil || cur.h != st.manifestH {
			b.manifest.Store(&manifestSnap{m: st.manifest, h: st.manifestH})
		}
	} else {
		b.manifest.Store(nil)
	}
}

// Close stops the pipeline after the submissions already queued are
// answered. It does not close the store.
func (b *Board) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	close(b.quit)
	b.wg.Wait()
	close(b.stopped)
	return nil
}

// Log returns the board's log.
func (b *Board) Log() *Log { return b.log }

// Origin returns the board's origin.
func (b *Board) Origin() string { return b.cfg.Origin }

// Checkpoint returns the latest signed checkpoint.
func (b *Board) Checkpoint() *Checkpoint { return b.checkpoint.Load() }

// Phase returns the current phase.
func (b *Board) Phase() Phase { return Phase(b.phase.Load()) }

func (b *Board) signCheckpoint() error {
	signed, err := b.log.Checkpoint(b.cfg.Signer)
	if err != nil {
		return fmt.Errorf("bulletin: signing checkpoint: %w", err)
	}
	n, h, err := b.log.Root()
	if err != nil {
		return err
	}
	b.checkpoint.Store(&Checkpoint{Origin: b.cfg.Origin, Tree: tlog.Tree{N: n, Hash: h}, Signed: signed})
	return nil
}

// Submit posts entry and waits until the board has durably appended it,
// found it already there, or refused it. A refusal is a *RejectError; any
// other error means the board could not decide (it is closed, or its store
// failed), and the submission may be retried: posting is idempotent.
func (b *Board) Submit(ctx context.Context, entry []byte) (*Receipt, error) {
	if b.closed.Load() {
		return nil, ErrClosed
	}
	sub := &submission{entry: entry, start: time.Now(), done: make(chan outcome, 1)}
	if len(entry) > MaxBlobSize {
		rej := reject(ReasonTooLarge, "entry of %d bytes exceeds %d", len(entry), MaxBlobSize)
		b.RecordRejection(rej, entry)
		return nil, rej
	}
	sub.leaf = LeafFor(entry)
	select {
	case b.in <- sub:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.quit:
		return nil, ErrClosed
	}
	select {
	case o := <-sub.done:
		return o.r, o.err
	case <-b.stopped:
		select {
		case o := <-sub.done:
			return o.r, o.err
		default:
			return nil, ErrClosed
		}
	case <-ctx.Done():
		// The entry may still be committed; posting it again returns
		// its receipt.
		return nil, ctx.Err()
	}
}

// RecordRejection records a refusal decided outside the pipeline (such as
// an oversized HTTP request) in the durable rejection counts.
func (b *Board) RecordRejection(rej *RejectError, entry []byte) {
	r := Rejection{Time: b.cfg.Now().UTC(), Reason: rej.Reason, Entry: sha256.Sum256(entry), Detail: rej.Detail}
	if err := b.store.AppendBatch(b.log.Size(), nil, []Rejection{r}); err != nil {
		b.Metrics.StoreErrs.Add(1)
		return
	}
	b.rmu.Lock()
	b.rejects[rej.Reason]++
	b.rmu.Unlock()
}

// verifier collects batches, pre-verifies ballots in one batch
// verification, and hands batches to the committer.
func (b *Board) verifier() {
	defer b.wg.Done()
	defer close(b.commitQ)
	for {
		var first *submission
		select {
		case first = <-b.in:
		case <-b.quit:
			// Answer what is queued, then stop.
			for {
				select {
				case s := <-b.in:
					s.done <- outcome{err: ErrClosed}
				default:
					return
				}
			}
		}
		batch := []*submission{first}
	fill:
		for len(batch) < b.cfg.MaxBatch {
			select {
			case s := <-b.in:
				batch = append(batch, s)
			default:
				break fill
			}
		}
		for _, s := range batch {
			t, err := EntryType(s.entry)
			if err != nil {
				s.pre = reject(ReasonMalformed, "%v", err)
			}
			s.typ = t
		}
		b.preverify(batch, b.manifest.Load())
		b.commitQ <- batch
	}
}

// preverify decodes the ballots and challenges of batch under the
// manifest and checks their signatures and proofs, all in one batch
// verification (decoding in parallel).
func (b *Board) preverify(batch []*submission, snap *manifestSnap) {
	var encs, openings [][]byte
	var owners []*submission
	for _, s := range batch {
		if s.pre != nil || (s.typ != TypeBallot && s.typ != TypeChallenge) {
			continue
		}
		if snap == nil {
			s.pre = reject(ReasonPhase, "no manifest on the board yet: voting has not opened")
			continue
		}
		body := s.entry[EntryHeaderSize:]
		size, err := election.BallotSize(snap.m)
		if err != nil {
			s.pre = reject(ReasonInvalid, "%v", err)
			continue
		}
		var opening []byte
		if s.typ == TypeChallenge {
			if len(body) < size {
				s.pre = reject(ReasonMalformed, "challenge of %d bytes is shorter than a ballot (%d)", len(body), size)
				continue
			}
			body, opening = body[:size], body[size:]
		}
		if len(body) >= 32 && [32]byte(body[:32]) != snap.h {
			s.pre = reject(ReasonWrongElection, "the ballot is for election %x…, the manifest's hash is %x…", body[:8], snap.h[:8])
			continue
		}
		encs = append(encs, body)
		openings = append(openings, opening)
		owners = append(owners, s)
	}
	if len(encs) == 0 {
		return
	}
	b.Metrics.Verified.Add(int64(len(encs)))
	bals, err := election.BatchVerifyEncodedBallots(snap.m, encs)
	errs := make([]error, len(encs))
	var be *election.BallotBatchError
	switch {
	case err == nil:
	case errors.As(err, &be):
		for k, i := range be.Failed {
			errs[i] = be.Errs[k]
		}
	default:
		for i := range errs {
			errs[i] = err
		}
	}
	for k, s := range owners {
		if errs[k] != nil && election.IsDecodingError(errs[k]) {
			s.pre = reject(ReasonMalformed, "%v", errs[k])
			continue
		}
		var o *election.Opening
		if openings[k] != nil {
			// The opening's own defects come before the ballot's.
			var err error
			if o, err = election.ParseOpening(snap.m, openings[k]); err != nil {
				s.pre = reject(ReasonMalformed, "challenge: %v", err)
				continue
			}
			if o.Ballot != sha256.Sum256(encs[k]) {
				s.pre = reject(ReasonInvalid, "challenge: the opening is for another ballot")
				continue
			}
		}
		if errs[k] != nil {
			s.pre = reject(ReasonInvalid, "%v", errs[k])
			continue
		}
		bal := bals[k]
		if o != nil {
			// The opening must really open the ballot: a junk opening
			// with the ballot's hash would spoil a ballot it cannot read.
			if _, err := election.OpenBallot(snap.m, bal, o); err != nil {
				s.pre = reject(ReasonBadOpening, "challenge of ballot %s: the opening does not open it: %s", election.TrackingCodeOf(encs[k]), openingProblem(err))
				continue
			}
		}
		s.ballot, s.cred, s.manifestH = bal, bal.Credential, snap.h
		// encs[k] is bal's canonical encoding (decoding is strict).
		s.trackingCode = election.TrackingCodeOf(encs[k])
	}
}

// openingProblem says where and why an opening failed election.OpenBallot.
func openingProblem(err error) string {
	var oe *election.OpeningError
	if !errors.As(err, &oe) {
		return err.Error()
	}
	if w := oe.Where(); w != "" {
		return w + ": " + oe.Problem
	}
	return oe.Problem
}

// committer applies batches to the state in order and commits each with
// one durable transaction.
func (b *Board) committer() {
	defer b.wg.Done()
	for batch := range b.commitQ {
		b.commit(batch)
	}
}

func (b *Board) commit(batch []*submission) {
	b.mu.Lock()
	st := b.st
	base := b.log.Size()
	c := &admitCtx{store: b.store, batchAl: map[string]bool{}, pending: map[int64][]byte{}}
	var fail error
	if keys := st.batchAlphaKeys(batch); len(keys) > 0 {
		c.existing, fail = b.store.LookupKeys(keys)
	}
	var recs []Record
	var rejs []Rejection
	type answer struct {
		sub      *submission
		index    int64
		existing bool
		rej      *RejectError
		code     string
	}
	answers := make([]answer, len(batch))
	leafAt := map[tlog.Hash]int64{}
	for k, s := range batch {
		if fail != nil {
			break
		}
		a := &answers[k]
		a.sub = s
		if s.pre != nil && s.typ != TypeBallot && s.typ != TypeChallenge {
			a.rej = s.pre
		} else if i, ok, err := b.find(s, leafAt); err != nil {
			fail = err
			break
		} else if ok {
			a.index, a.existing, a.code = i, true, s.trackingCode
			continue
		} else {
			index := base + int64(len(recs))
			p, rej, err := st.admit(c, s, index)
			if err != nil {
				fail = err
				break
			}
			if rej != nil {
				a.rej = rej
			} else {
				recs = append(recs, p.rec)
				c.pending[index] = s.entry
				leafAt[tlog.RecordHash(s.leaf)] = index
				a.index, a.code = index, p.trackingCode
			}
		}
		if a.rej != nil {
			rejs = append(rejs, Rejection{Time: b.cfg.Now().UTC(), Reason: a.rej.Reason, Entry: sha256.Sum256(s.entry), Detail: a.rej.Detail})
		}
	}
	if fail == nil {
		fail = b.log.appendRecords(b.store, recs, rejs)
	}
	if fail != nil {
		// Nothing of the batch is stored: rebuild the state from the
		// store and tell every submitter to retry.
		b.Metrics.StoreErrs.Add(1)
		if err := b.reload(); err != nil {
			fail = fmt.Errorf("%w (and reloading the board failed: %v)", fail, err)
		}
		b.mu.Unlock()
		for _, s := range batch {
			s.done <- outcome{err: fmt.Errorf("bulletin: board store: %w; retry", fail)}
		}
		return
	}
	b.publishSnap(st)
	b.mu.Unlock()
	b.rmu.Lock()
	for _, r := range rejs {
		b.rejects[r.Reason]++
	}
	b.rmu.Unlock()
	if len(recs) > 0 {
		if err := b.signCheckpoint(); err != nil {
			for _, s := range batch {
				s.done <- outcome{err: err}
			}
			return
		}
	}
	b.Metrics.Batches.Add(1)
	cp := b.checkpoint.Load()
	now := time.Now()
	for _, a := range answers {
		if a.rej != nil {
			a.sub.done <- outcome{err: a.rej}
			continue
		}
		r, err := b.receipt(cp, a.index, a.sub.leaf)
		if err == nil {
			r.TrackingCode, r.Existing = a.code, a.existing
			if a.existing {
				b.Metrics.Existing.Add(1)
			} else {
				b.Metrics.Accepted.Add(1)
			}
		}
		b.Metrics.Latency.Observe(now.Sub(a.sub.start))
		a.sub.done <- outcome{r: r, err: err}
	}
}

// find looks the entry up among the stored entries and the batch so far.
func (b *Board) find(s *submission, batch map[tlog.Hash]int64) (int64, bool, error) {
	h := tlog.RecordHash(s.leaf)
	if i, ok := batch[h]; ok {
		return i, true, nil
	}
	if s.typ == TypeBallot && s.trackingCode != "" {
		// Cheap negative: a ballot not cast under its tracking code is
		// not on the board. (The caller holds b.mu.)
		if _, ok := b.st.tracking[s.trackingCode]; !ok {
			return 0, false, nil
		}
	}
	return b.store.FindEntry(s.leaf)
}

// receipt builds the receipt of entry index against checkpoint cp.
func (b *Board) receipt(cp *Checkpoint, index int64, leaf []byte) (*Receipt, error) {
	proof, err := b.log.InclusionProof(index, cp.Tree.N)
	if err != nil {
		return nil, err
	}
	return &Receipt{Index: index, LeafHash: tlog.RecordHash(leaf), Proof: proof, Checkpoint: cp.Signed}, nil
}

// Receipt returns a receipt for entry index against the latest checkpoint.
func (b *Board) Receipt(index int64) (*Receipt, error) {
	cp := b.checkpoint.Load()
	if index < 0 || index >= cp.Tree.N {
		return nil, fmt.Errorf("%w: entry %d (the board has %d)", ErrNotFound, index, cp.Tree.N)
	}
	e, err := b.log.Entry(index)
	if err != nil {
		return nil, err
	}
	r, err := b.receipt(cp, index, e)
	if err != nil {
		return nil, err
	}
	switch t, _ := EntryType(e); t {
	case TypeBallot:
		r.TrackingCode = election.TrackingCodeOf(e[EntryHeaderSize:])
	case TypeChallenge:
		if snap := b.manifest.Load(); snap != nil {
			if size, err := election.BallotSize(snap.m); err == nil && len(e) >= EntryHeaderSize+size {
				r.TrackingCode = election.TrackingCodeOf(e[EntryHeaderSize : EntryHeaderSize+size])
			}
		}
	}
	return r, nil
}

// LookupTrackingCode returns the entry index of the cast ballot with the
// given tracking code: the whole code (spec/ballot.md §5), in either case,
// with or without its hyphens. A short code identifies no ballot and is
// not found.
func (b *Board) LookupTrackingCode(code string) (int64, bool) {
	code, err := election.NormalizeTrackingCode(code)
	if err != nil {
		return 0, false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	i, ok := b.st.tracking[code]
	return i, ok
}

// Blob returns the entry a blob reference names.
func (b *Board) Blob(hash [32]byte) ([]byte, error) { return b.store.ReadBlob(hash) }

// Rejections returns the durable record of rejected submissions.
func (b *Board) Rejections() ([]Rejection, error) { return b.store.ReadRejections() }

// RejectionCounts returns the number of rejections by reason, every reason
// present.
func (b *Board) RejectionCounts() map[Reason]int64 {
	b.rmu.Lock()
	defer b.rmu.Unlock()
	out := make(map[Reason]int64, len(Reasons))
	for _, r := range Reasons {
		out[r] = b.rejects[r]
	}
	return out
}

// Status is a summary of the board.
type Status struct {
	Origin       string           `json:"origin"`
	Phase        Phase            `json:"phase"`
	Size         int64            `json:"size"`
	RootHash     string           `json:"root_hash"`
	Election     string           `json:"election,omitempty"` // manifest hash, hex
	ElectionID   string           `json:"election_id,omitempty"`
	Credentials  int              `json:"credentials"`
	Ballots      int              `json:"ballots"`
	Voters       int              `json:"voters"`
	Challenges   int              `json:"challenges"`
	Overrides    int              `json:"overrides"`
	MixStages    map[string]int   `json:"mix_stages,omitempty"`
	Decryption   map[string][]int `json:"decryption_shares,omitempty"` // list → trustees
	Rejected     map[Reason]int64 `json:"rejected"`
	RejectedSum  int64            `json:"rejected_total"`
	Result       bool             `json:"result"`
	TrusteeCount int              `json:"trustees,omitempty"`
	Threshold    int              `json:"threshold,omitempty"`
}

// Status returns a summary of the board.
func (b *Board) Status() *Status {
	cp := b.checkpoint.Load()
	b.mu.RLock()
	st := b.st
	s := &Status{Origin: b.cfg.Origin, Phase: st.rules.Phase, Size: cp.Tree.N, RootHash: fmt.Sprintf("%x", cp.Tree.Hash[:]),
		Credentials: len(st.credList), Ballots: len(st.ballots), Voters: len(st.voted),
		Challenges: st.challenges, Overrides: len(st.overrides), Result: st.rules.Result()}
	if st.manifest != nil {
		s.Election, s.ElectionID = fmt.Sprintf("%x", st.manifestH[:]), st.manifest.ID
	}
	if st.setup != nil {
		s.TrusteeCount, s.Threshold = st.setup.N(), st.setup.Threshold
	}
	if len(st.chains) > 0 {
		s.MixStages = map[string]int{}
		for _, ch := range st.chains {
			s.MixStages[ch.contest] = ch.stages
		}
	}
	if len(st.lists) > 0 && st.rules.Phase >= PhaseDecrypting {
		s.Decryption = map[string][]int{}
		for _, l := range st.lists {
			ts := []int{}
			for j := range l.shares {
				ts = append(ts, int(j))
			}
			sort.Ints(ts)
			s.Decryption[l.name] = ts
		}
	}
	b.mu.RUnlock()
	s.Rejected = b.RejectionCounts()
	for _, n := range s.Rejected {
		s.RejectedSum += n
	}
	return s
}

// MixInput returns the list the next stage of contest's mix chain
// shuffles, and that stage's position.
func (b *Board) MixInput(contest string) ([]elgamal.CiphertextVector, int, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.st.rules.Phase != PhaseMixing {
		return nil, 0, fmt.Errorf("bulletin: the board is in phase %s, not mixing", b.st.rules.Phase)
	}
	for _, ch := range b.st.chains {
		if ch.contest == contest {
			return ch.tail, ch.stages + 1, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: no mix chain for contest %q (not a mixnet contest, or no ballots)", ErrNotFound, contest)
}

// MixContests returns the contests being mixed, in manifest order.
func (b *Board) MixContests() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []string
	for _, ch := range b.st.chains {
		out = append(out, ch.contest)
	}
	return out
}

// DecryptionList is a ciphertext list the trustees decrypt.
type DecryptionList struct {
	Name        string
	Ciphertexts []elgamal.Ciphertext
	Hash        [32]byte
	Trustees    []uint32 // trustees whose shares are on the board
}

// DecryptionLists returns the lists to decrypt, from the move to the
// decrypting phase on: "aggregate" (the homomorphic sums, in
// election.AggregateLayout order) if there are homomorphic contests,
// then "mix/<contest>" for every mixed contest.
func (b *Board) DecryptionLists() []DecryptionList {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.st.rules.Phase < PhaseDecrypting {
		return nil
	}
	var out []DecryptionList
	for _, l := range b.st.lists {
		d := DecryptionList{Name: l.name, Ciphertexts: l.cts, Hash: l.hash}
		for j := range l.shares {
			d.Trustees = append(d.Trustees, j)
		}
		sort.Slice(d.Trustees, func(x, y int) bool { return d.Trustees[x] < d.Trustees[y] })
		out = append(out, d)
	}
	return out
}

// Result returns the result the board admits (spec/board.md §4.1): the
// canonical encoding of the count of the decrypted lists, once the board
// is decrypting and every list has decryption shares from t trustees. The
// administrator may post exactly these bytes, after checking them.
func (b *Board) Result() ([]byte, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	st := b.st
	if st.rules.Phase != PhaseDecrypting {
		return nil, fmt.Errorf("bulletin: the board is in phase %s, not decrypting", st.rules.Phase)
	}
	for _, l := range st.lists {
		if len(l.shares) < st.setup.Threshold {
			return nil, fmt.Errorf("bulletin: list %q has decryption shares from %s, the threshold is %d", l.name, plural(len(l.shares), "trustee"), st.setup.Threshold)
		}
	}
	return st.recount(&admitCtx{store: b.store})
}
