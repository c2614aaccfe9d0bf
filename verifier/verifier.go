// Package verifier is the independent verifier of an urna election
// record: it implements the numbered verification steps V1–V13 of
// spec/verify.md over a record directory (spec/record.md) and produces a
// report a person can follow, step by step.
//
// It uses only the verification code paths of the library (Parse*,
// Verify*, Combine*, Count): it never calls a prover or an encryption
// function, and it trusts nothing in the record but the board key it is
// given. The log is read sequentially, in a few passes, keeping only small
// per-ballot state in memory, so that a record of a million ballots
// verifies in well under 2 GiB.
package verifier

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
)

// CheckpointsDir is the optional directory of a record holding further
// signed checkpoints of the board (spec/record.md, spec/verify.md V2).
const CheckpointsDir = "checkpoints"

// Options configure VerifyDir.
type Options struct {
	// BoardKey is the board's key, from the election authority. If nil,
	// DIR/board.vkey is used; either way the checkpoint's origin must be
	// the key's name (V1). A board key is not an anchor: its holder can
	// make up a whole election.
	BoardKey *bulletin.BoardKey
	// Election is the election fingerprint the election authority
	// published (spec/board.md §9): the anchor. The record must be that
	// election (V5). Without it the report says that the record is not
	// anchored, and Report.Anchored is false.
	Election *bulletin.Fingerprint
	// KeepGoing runs every step whose inputs are available after a
	// failure, so that the report lists every failing step rather than
	// only the first.
	KeepGoing bool
	// Checkpoints are further signed checkpoints to check against the
	// log (a voter's receipt checkpoint, a follower's), in V2.
	Checkpoints [][]byte
	// Progress, if not nil, is called as work advances.
	Progress func(step string, done, total int)
}

// Status is the outcome of a step.
type Status string

const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Skipped Status = "skipped"
)

// Failure says what failed: the log entry (-1 if none), the field of it
// and the problem.
type Failure struct {
	Entry   int64  `json:"entry"`
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (f *Failure) String() string {
	s := ""
	if f.Entry >= 0 {
		s = fmt.Sprintf("entry %d: ", f.Entry)
	}
	if f.Field != "" {
		s += f.Field + ": "
	}
	return s + f.Problem
}

// StepResult is the outcome of one verification step.
type StepResult struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Explanation string        `json:"explanation"`
	Status      Status        `json:"status"`
	Summary     string        `json:"summary"`
	Failure     *Failure      `json:"failure,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
}

// Anchor is something outside the record that the record was checked
// against: the election fingerprint the authority published (the next
// kind will be witness cosignatures on the board's checkpoints).
type Anchor struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Detail string `json:"detail"`
}

// AnchorFingerprint is the Kind of an election fingerprint anchor.
const AnchorFingerprint = "election-fingerprint"

// Report is the outcome of verifying a record. A record verifies when OK;
// it is the real election only when it is also Anchored.
type Report struct {
	// Anchored is true only when every step passed and the record matched
	// at least one anchor given by the caller; AnchorNote says what that
	// means, in words, first in every format.
	Anchored   bool     `json:"anchored"`
	AnchorNote string   `json:"anchor_note"`
	Anchors    []Anchor `json:"anchors"`
	// Fingerprint is the election fingerprint computed from the record
	// (the board key used, the genesis and manifest entries), to compare
	// with the one the authority published; empty if it could not be
	// computed.
	Fingerprint string `json:"fingerprint"`
	// Ceremony is the ceremony hash of the genesis entry's setup.
	Ceremony     string           `json:"ceremony_hash,omitempty"`
	Record       string           `json:"record"`
	Origin       string           `json:"origin"`
	BoardKey     string           `json:"board_key"`
	BoardKeyFrom string           `json:"board_key_from"`
	Size         int64            `json:"size"`
	Root         string           `json:"root"`
	ElectionID   string           `json:"election_id"`
	Title        string           `json:"title"`
	ElectionHash string           `json:"election_hash"`
	Steps        []StepResult     `json:"steps"`
	Result       *election.Report `json:"result"`
	OK           bool             `json:"ok"`
	Duration     time.Duration    `json:"duration_ns"`
}

// Failures returns every failed step, in order.
func (r *Report) Failures() []*StepResult {
	var out []*StepResult
	for i := range r.Steps {
		if r.Steps[i].Status == Fail {
			out = append(out, &r.Steps[i])
		}
	}
	return out
}

// FirstFailure returns the first failed step, or nil.
func (r *Report) FirstFailure() *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Status == Fail {
			return &r.Steps[i]
		}
	}
	return nil
}

type stepDef struct{ id, title, explanation string }

var steps = []stepDef{
	{"V1", "Record and checkpoint", "The board signed a checkpoint committing to exactly this log: every entry of the record is the one the board published, and nothing was added, removed or changed afterwards."},
	{"V2", "Checkpoints", "Other checkpoints the board gave out (for example on a voter's receipt) describe the same history as this record, so the board did not show different people different boards."},
	{"V3", "Entries and phases", "Every entry is well formed, the administrator signed the administrator entries, and each entry came in the phase that allows it: no ballot after the close, no counting before it, and the election finished."},
	{"V4", "Trustee ceremony", "The trustees created the election key together; every trustee's contribution is checked, so no single trustee knows the key."},
	{"V5", "Manifest and election fingerprint", "The election definition (contests, options, rules) is valid and uses the key the trustees created; with the election fingerprint the authority published, this is that election: its board, administrator, trustees and manifest."},
	{"V6", "Credentials and overrides", "The list of eligible voters' public credentials has no repeats, and every cancelled e-vote (for example of a voter who voted on paper) names a voter on the list."},
	{"V7", "Ballots", "Every ballot was signed by an eligible voter's credential and carries proofs that it holds a valid vote; no ballot is copied, and every challenged (audited) ballot was opened correctly and never cast."},
	{"V8", "Cleansing", "The ballots that count are recomputed from the rules: one per voter (the last one if re-voting is allowed), minus cancelled voters."},
	{"V9", "Homomorphic aggregates", "The encrypted totals are recomputed from the counted ballots, and they are exactly what the trustees decrypted: no ballot was added or dropped."},
	{"V10", "Mix chains", "The counted ballots went into the mix, and each trustee's shuffle is proven correct: the mixed ballots are the cast ones, re-encrypted and reordered so that no vote can be linked to its voter."},
	{"V11", "Decryption", "Enough trustees decrypted the totals and the mixed ballots, and each decryption share carries a proof that it is correct."},
	{"V12", "Tally", "The result is counted again from the decrypted values."},
	{"V13", "Published result", "The result the administrator published equals the recomputed result, count for count."},
}

// needs lists, per step, the steps that must have passed before it can
// run at all; with Options.KeepGoing a step runs after another failure
// whenever these passed, since what it checks is then still meaningful.
var needs = map[string][]string{
	"V2": {"V1"}, "V3": {"V1"},
	// Scanning the log (V3) collects what V4–V7 need, so a failure of V3
	// alone leaves them meaningful.
	// Ballots need the roll (V6); the result's place in the log is V3's.
	"V4": {"V1"}, "V5": {"V4"}, "V6": {"V1"}, "V7": {"V5", "V6"},
	"V8": {"V7"}, "V9": {"V8"}, "V10": {"V4", "V9"}, "V11": {"V9", "V10"},
	"V12": {"V11"}, "V13": {"V3", "V12"},
}

// VerifyDir verifies the election record in dir. It returns an error only
// when the record cannot be read at all; every failed check is in the
// report (OK false). Verification stops at the first failed step, marking
// later steps skipped, unless opts.KeepGoing.
func VerifyDir(ctx context.Context, dir string, opts Options) (*Report, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("verifier: %s is not a directory", dir)
	}
	v := &run{ctx: ctx, dir: dir, opts: opts, rep: &Report{Record: dir}}
	return v.runSteps(len(steps))
}

// runSteps runs the first n steps, as VerifyDir describes.
func (v *run) runSteps(n int) (*Report, error) {
	start := time.Now()
	v.init()
	funcs := []func() (string, *Failure, error){
		v.v1, v.v2, v.v3, v.v4, v.v5, v.v6, v.v7, v.v8, v.v9, v.v10, v.v11, v.v12, v.v13,
	}
	status := map[string]Status{}
	failed := false
	for i, d := range steps[:n] {
		sr := StepResult{ID: d.id, Title: d.title, Explanation: d.explanation, Status: Skipped}
		var missing []string
		for _, n := range needs[d.id] {
			if status[n] != Pass {
				missing = append(missing, n)
			}
		}
		switch {
		case failed && !v.opts.KeepGoing:
		case len(missing) > 0:
			sr.Summary = fmt.Sprintf("it needs %s, which did not pass", strings.Join(missing, " and "))
		default:
			t := time.Now()
			sum, f, err := funcs[i]()
			if err != nil {
				return nil, err
			}
			sr.Duration = time.Since(t) + v.extra[d.id]
			sr.Summary = sum
			if f != nil {
				sr.Status, sr.Failure, failed = Fail, f, true
			} else {
				sr.Status = Pass
				v.release(d.id)
			}
		}
		status[d.id] = sr.Status
		v.rep.Steps = append(v.rep.Steps, sr)
	}
	v.rep.OK = !failed
	v.anchor()
	v.rep.Duration = time.Since(start)
	return v.rep, nil
}

// anchor decides whether the record is anchored and says so in words.
func (v *run) anchor() {
	r := v.rep
	switch {
	case !r.OK:
		r.AnchorNote = "NOT VERIFIED: a verification step failed (below), so this record must not be trusted as the election's result."
	case v.opts.Election == nil:
		r.AnchorNote = "NOT ANCHORED: every step passed, but the record was not checked against the election fingerprint published by the election authority, so it may be a complete, self-consistent election made up by whoever holds the board key. Compare the fingerprint below with the published one, or verify again with it."
	default:
		r.Anchored = true
		r.AnchorNote = fmt.Sprintf("ANCHORED: every step passed, and this is the election with the fingerprint %s given by the caller (the one the election authority published).", v.opts.Election)
	}
}

// release drops what no step after id needs, so that the mix and the
// decryption of a million ballots (V10, V11) have the memory to
// themselves.
func (v *run) release(id string) {
	switch id {
	case "V2":
		v.hashes = nil
	case "V7":
		v.sc.alphas = nil
	case "V8":
		s := v.sc
		s.eligible, s.tracking, s.challenged, s.voted, s.credBodies = nil, nil, nil, nil, nil
	case "V9":
		v.sc.ballots = nil
	}
}

func fail(entry int64, field, format string, args ...any) *Failure {
	return &Failure{Entry: entry, Field: field, Problem: fmt.Sprintf(format, args...)}
}

// run is the state of one verification.
type run struct {
	ctx   context.Context
	dir   string
	opts  Options
	rep   *Report
	extra map[string]time.Duration

	key *bulletin.BoardKey
	// forDecryption verifies V1–V10 of a log in phase decrypting, for a
	// trustee about to decrypt (DecryptionLists).
	forDecryption bool
	cp            *bulletin.Checkpoint
	n             int64
	hashes        hashStore
	offsets       []int64 // file offset of each leaf's length prefix

	// From the scan (V3–V7).
	sc *scanState

	// V4, V5
	setup       *threshold.Setup
	ceremony    [32]byte
	dkg         *threshold.Result
	manifest    *election.Manifest
	manifestIdx int64

	// V8
	counted []int64
	counts  election.CleanseCounts

	// V9, V10, V11
	aggregate []elgamal.Ciphertext
	mixTails  []*chain
	plain     []*elgamal.Element
	mixed     map[string][]*elgamal.Element
}

func (v *run) init() {
	v.extra = map[string]time.Duration{}
}

func (v *run) progress(step string, done, total int) {
	if v.opts.Progress != nil {
		v.opts.Progress(step, done, total)
	}
}

func (v *run) path(name string) string { return filepath.Join(v.dir, name) }
