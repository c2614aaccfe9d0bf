package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/verifier"
)

// Poster is the board an election runs against: the HTTP client of
// package bulletin/client satisfies it, and BoardPoster adapts a
// *bulletin.Board in the same process.
type Poster interface {
	// Post submits an entry; a refusal is a *bulletin.RejectError.
	Post(ctx context.Context, entry []byte) (*bulletin.Receipt, error)
	// MixInput returns the list (text, one hex vector a line) that the
	// next stage of contest's mix chain shuffles, and its position.
	MixInput(ctx context.Context, contest string) ([]byte, int, error)
	// DecryptionLists describes the lists the trustees decrypt.
	DecryptionLists(ctx context.Context) ([]bulletin.DecryptionListInfo, error)
	// DecryptionList returns the named list as text, one hex ciphertext
	// a line.
	DecryptionList(ctx context.Context, name string) ([]byte, error)
	// Status returns the board's summary.
	Status(ctx context.Context) (*bulletin.Status, error)
}

// BoardPoster returns a Poster posting to b directly, without HTTP.
func BoardPoster(b *bulletin.Board) Poster { return boardPoster{b} }

type boardPoster struct{ b *bulletin.Board }

// typedPoster is implemented by posters that can hand out lists without
// the text round trip.
type typedPoster interface {
	mixInputList(contest string) ([]elgamal.CiphertextVector, int, error)
	decryptionCiphertexts(name string) ([]elgamal.Ciphertext, error)
}

func (p boardPoster) Post(ctx context.Context, entry []byte) (*bulletin.Receipt, error) {
	return p.b.Submit(ctx, entry)
}

func (p boardPoster) mixInputList(contest string) ([]elgamal.CiphertextVector, int, error) {
	return p.b.MixInput(contest)
}

func (p boardPoster) MixInput(_ context.Context, contest string) ([]byte, int, error) {
	list, pos, err := p.b.MixInput(contest)
	if err != nil {
		return nil, 0, err
	}
	var sb strings.Builder
	for _, v := range list {
		sb.WriteString(hex.EncodeToString(mixnet.EncodeList([]elgamal.CiphertextVector{v})))
		sb.WriteByte('\n')
	}
	return []byte(sb.String()), pos, nil
}

func (p boardPoster) DecryptionLists(context.Context) ([]bulletin.DecryptionListInfo, error) {
	if ph := p.b.Phase(); ph < bulletin.PhaseDecrypting {
		return nil, fmt.Errorf("scenario: the board is in phase %s, before decrypting", ph)
	}
	out := []bulletin.DecryptionListInfo{}
	for _, l := range p.b.DecryptionLists() {
		ts := l.Trustees
		if ts == nil {
			ts = []uint32{}
		}
		out = append(out, bulletin.DecryptionListInfo{Name: l.Name, Hash: hex.EncodeToString(l.Hash[:]), Count: len(l.Ciphertexts), Trustees: ts})
	}
	return out, nil
}

func (p boardPoster) decryptionCiphertexts(name string) ([]elgamal.Ciphertext, error) {
	for _, l := range p.b.DecryptionLists() {
		if l.Name == name {
			return l.Ciphertexts, nil
		}
	}
	return nil, fmt.Errorf("scenario: %w: no decryption list %q", bulletin.ErrNotFound, name)
}

func (p boardPoster) DecryptionList(_ context.Context, name string) ([]byte, error) {
	cts, err := p.decryptionCiphertexts(name)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for i := range cts {
		sb.WriteString(hex.EncodeToString(cts[i].Bytes()))
		sb.WriteByte('\n')
	}
	return []byte(sb.String()), nil
}

func (p boardPoster) Status(context.Context) (*bulletin.Status, error) { return p.b.Status(), nil }

// parseHexList parses the text list format of the board's HTTP API: one
// vector of ciphertexts a line, in hex.
func parseHexList(what string, text []byte) ([]elgamal.CiphertextVector, error) {
	var raw []byte
	n, width := 0, 0
	for i, line := range bytes.Split(text, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		v, err := hex.DecodeString(string(line))
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: not hex: %v", what, i+1, err)
		}
		if len(v) == 0 || len(v)%elgamal.CiphertextSize != 0 {
			return nil, fmt.Errorf("%s: line %d: %d bytes is not a whole number of ciphertexts", what, i+1, len(v))
		}
		w := len(v) / elgamal.CiphertextSize
		if width == 0 {
			width = w
		} else if w != width {
			return nil, fmt.Errorf("%s: line %d: %d ciphertexts, want %d", what, i+1, w, width)
		}
		raw = append(raw, v...)
		n++
	}
	if n == 0 {
		return nil, nil
	}
	list, err := mixnet.ParseList(raw, n, width)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return list, nil
}

func fetchMixInput(ctx context.Context, p Poster, contest string) ([]elgamal.CiphertextVector, int, error) {
	if tp, ok := p.(typedPoster); ok {
		return tp.mixInputList(contest)
	}
	text, pos, err := p.MixInput(ctx, contest)
	if err != nil {
		return nil, 0, err
	}
	list, err := parseHexList("mix input "+contest, text)
	return list, pos, err
}

func fetchDecryptionList(ctx context.Context, p Poster, name string) ([]elgamal.Ciphertext, error) {
	if tp, ok := p.(typedPoster); ok {
		return tp.decryptionCiphertexts(name)
	}
	text, err := p.DecryptionList(ctx, name)
	if err != nil {
		return nil, err
	}
	list, err := parseHexList("decryption list "+name, text)
	if err != nil {
		return nil, err
	}
	out := make([]elgamal.Ciphertext, len(list))
	for i, v := range list {
		if len(v) != 1 {
			return nil, fmt.Errorf("decryption list %s: line %d holds %d ciphertexts, want 1", name, i+1, len(v))
		}
		out[i].Set(&v[0])
	}
	return out, nil
}

// RunOptions shape Run.
type RunOptions struct {
	// Revotes is the number of voters who vote twice; under
	// RevotingLastCounts the second ballot counts.
	Revotes int
	// Challenge has one voter challenge a ballot (Benaloh) before casting
	// a fresh one.
	Challenge bool
	// Rejects posts a few submissions the board must refuse: garbage, a
	// ballot with a tampered signature, a ballot under an unregistered
	// credential, and a ballot after close.
	Rejects bool
	// Overrides is the number of voters whose e-vote is cancelled (they
	// voted on paper in person), posted after close.
	Overrides int
	// Clients is the number of concurrent posters; 0 means 16. With 1,
	// ballots are posted strictly in order and the board's log is the
	// same for the same election seed.
	Clients int
	// Progress, if not nil, reports progress within a phase. It may be
	// called from several goroutines at once.
	Progress func(phase string, done, total int)
	// Phase, if not nil, is called after each phase with its duration
	// and a one-line summary.
	Phase func(name string, d time.Duration, summary string)
	// Clock returns the time phases are measured with; nil means
	// time.Now.
	Clock func() time.Time
	// VerifyLists, if not nil, is what each trustee runs before
	// decrypting (spec/verify.md, "Before decrypting"): it verifies the
	// board's record and returns the lists to decrypt. The trustees then
	// decrypt only those, and refuse a list the board describes otherwise.
	VerifyLists func(ctx context.Context) ([]verifier.List, error)
}

// The phases of Run, in order.
const (
	PhaseSetup      = "board setup"
	PhaseCasting    = "casting"
	PhaseClose      = "close"
	PhaseMixing     = "mixing"
	PhaseDecrypting = "decrypting"
	PhaseTally      = "tally"
)

// PhaseTiming is how long one phase of Run took.
type PhaseTiming struct {
	Name     string
	Duration time.Duration
	Summary  string
}

// Outcome is what Run did and what the election counted.
type Outcome struct {
	// Receipts are the receipts of every cast ballot, in board order.
	Receipts []*bulletin.Receipt
	// Challenge is the receipt of the challenge, if there was one.
	Challenge *bulletin.Receipt
	// Report is the count protocol, posted as the result; ReportJSON is
	// its JSON, the result entry's body.
	Report     *election.Report
	ReportJSON []byte
	// Choices are what each voter's counted ballot chose, by voter
	// index; voters whose e-vote was cancelled are not in it.
	Choices map[int]election.Choices
	// Rejected counts the refusals Run provoked, by reason.
	Rejected map[bulletin.Reason]int
	// Ballots is the number of cast ballots (re-votes included).
	Ballots int
	// Revoters and Overridden are the voters who voted twice and whose
	// e-vote was cancelled.
	Revoters, Overridden []int
	// Status is the board's status at the end.
	Status *bulletin.Status
	// Phases are the phases' timings, in order.
	Phases []PhaseTiming
}

// castBallot is a ballot of Run on its way to the board.
type castBallot struct {
	voter   int
	choices election.Choices
	entry   []byte
	ballot  *election.Ballot
	receipt *bulletin.Receipt
	ready   chan struct{}
}

type runner struct {
	e     *Election
	p     Poster
	o     RunOptions
	out   *Outcome
	seed  uint64
	cast  []*castBallot // every cast ballot, in posting order
	lists []*decrypted  // the decryption lists and the shares posted
}

// Run runs the whole election against the board p, which must be empty:
// setup, casting (with the re-votes, challenge and refusals o asks for),
// close and overrides, mixing by t trustees, decryption shares of t
// trustees, and the count, posted as the result before the board is
// moved to published. It checks the count against the choices it made
// and returns an error if they differ, or if the board refuses anything it
// should have accepted, or accepts anything it should have refused.
//
// Randomness comes from e.Rand, so the same election seed gives the same
// ballots, stages and shares; with o.Clients = 1 the board's log is then
// byte for byte the same.
func (e *Election) Run(ctx context.Context, p Poster, o RunOptions) (*Outcome, error) {
	n := len(e.VoterIDs)
	if n == 0 {
		return nil, errors.New("scenario: run: no voters")
	}
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Revotes < 0 || o.Overrides < 0 {
		return nil, errors.New("scenario: run: negative re-votes or overrides")
	}
	// Re-voters are voters 1.., overridden voters the last ones, and the
	// challenger voter 0: they must not overlap.
	first := 0
	if o.Challenge {
		first = 1
	}
	if first+o.Revotes+o.Overrides > n {
		return nil, fmt.Errorf("scenario: run: %d re-votes and %d overrides do not fit %d voters", o.Revotes, o.Overrides, n)
	}
	var sb [8]byte
	if _, err := e.Rand.Read(sb[:]); err != nil {
		return nil, err
	}
	r := &runner{e: e, p: p, o: o, seed: binary.LittleEndian.Uint64(sb[:]),
		out: &Outcome{Choices: map[int]election.Choices{}, Rejected: map[bulletin.Reason]int{}}}
	for i := range o.Revotes {
		r.out.Revoters = append(r.out.Revoters, first+i)
	}
	for i := range o.Overrides {
		r.out.Overridden = append(r.out.Overridden, n-1-i)
	}
	steps := []struct {
		name string
		f    func(context.Context) (string, error)
	}{
		{PhaseSetup, r.setup},
		{PhaseCasting, r.casting},
		{PhaseClose, r.close},
		{PhaseMixing, r.mixing},
		{PhaseDecrypting, r.decrypting},
		{PhaseTally, r.tally},
	}
	for _, s := range steps {
		start := o.Clock()
		summary, err := s.f(ctx)
		if err != nil {
			return r.out, fmt.Errorf("%s: %w", s.name, err)
		}
		d := o.Clock().Sub(start)
		r.out.Phases = append(r.out.Phases, PhaseTiming{Name: s.name, Duration: d, Summary: summary})
		if o.Phase != nil {
			o.Phase(s.name, d, summary)
		}
	}
	return r.out, nil
}

func (r *runner) progress(phase string, done, total int) {
	if r.o.Progress != nil {
		r.o.Progress(phase, done, total)
	}
}

// post posts an entry that the board must accept. Errors other than a
// refusal are retried: posting is idempotent.
func (r *runner) post(ctx context.Context, what string, entry []byte) (*bulletin.Receipt, error) {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			}
		}
		var rc *bulletin.Receipt
		rc, err = r.p.Post(ctx, entry)
		if err == nil {
			return rc, nil
		}
		if errors.Is(err, bulletin.ErrRejected) || ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("posting %s: %w", what, err)
}

// refused posts an entry that the board must refuse for reason.
func (r *runner) refused(ctx context.Context, what string, entry []byte, reason bulletin.Reason) error {
	_, err := r.p.Post(ctx, entry)
	var rej *bulletin.RejectError
	switch {
	case err == nil:
		return fmt.Errorf("the board accepted %s", what)
	case !errors.As(err, &rej):
		return fmt.Errorf("posting %s: %w", what, err)
	case rej.Reason != reason:
		return fmt.Errorf("the board refused %s for %q, want %q: %v", what, rej.Reason, reason, err)
	}
	r.out.Rejected[reason]++
	return nil
}

func (r *runner) setup(ctx context.Context) (string, error) {
	e := r.e
	type step struct {
		what  string
		entry []byte
	}
	steps := []step{{"the genesis entry", e.Genesis()}, {"the move to the key ceremony", e.Phase(bulletin.PhaseKeyCeremony)}}
	for i, c := range e.CeremonyEntries {
		steps = append(steps, step{fmt.Sprintf("ceremony entry %d", i+1), c})
	}
	steps = append(steps, step{"the manifest", e.ManifestEntry()}, step{"the credentials", e.CredentialsEntry()},
		step{"the move to open", e.Phase(bulletin.PhaseOpen)})
	for _, s := range steps {
		if _, err := r.post(ctx, s.what, s.entry); err != nil {
			return "", err
		}
	}
	rounds := 0
	for _, c := range e.CeremonyEntries {
		if t, _ := bulletin.EntryType(c); t == bulletin.TypeAdmin {
			rounds++
		}
	}
	return fmt.Sprintf("%d entries: genesis, %d ceremony entries in %d rounds, manifest, %s",
		len(steps), len(e.CeremonyEntries)-rounds, rounds+1, plural(len(e.VoterIDs), "credential", "credentials")), nil
}

// stream returns the deterministic random stream of ballot i of Run.
func (r *runner) stream(i int) *chachaReader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], r.seed)
	binary.LittleEndian.PutUint64(s[8:], uint64(i))
	copy(s[16:], "urna/scenario/run")
	return &chachaReader{rand.NewChaCha8(s)}
}

// choices returns the choices of ballot i of Run: in every contest a
// blank vote one time in twenty (when the contest allows one), otherwise
// between 1 and Max of its choices, at random.
func (r *runner) choices(i int) election.Choices {
	rnd := rand.New(rand.NewPCG(r.seed, uint64(i)))
	ch := election.Choices{}
	for _, c := range r.e.Manifest.Contests {
		n := len(c.Choices())
		lo := max(c.Min, 1)
		k := lo + rnd.IntN(c.Max-lo+1)
		if c.Min == 0 && rnd.IntN(20) == 0 {
			k = 0
		}
		ch[c.ID] = rnd.Perm(n)[:k]
	}
	return ch
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// castWave encrypts ballots for voters on all cores and posts them from
// o.Clients goroutines, in order when there is one.
func (r *runner) castWave(ctx context.Context, label string, voters []int) error {
	base := len(r.cast) + 1 // stream 0 is the challenge's
	wave := make([]*castBallot, len(voters))
	for k, v := range voters {
		wave[k] = &castBallot{voter: v, choices: r.choices(base + k), ready: make(chan struct{})}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var nextEnc, nextPost, posted atomic.Int64
	total := len(wave)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(nextEnc.Add(1) - 1)
				if k >= total {
					return
				}
				c := wave[k]
				entry, b, _, err := r.e.BallotWith(c.voter, c.choices, r.stream(base+k))
				if err != nil {
					cancel(fmt.Errorf("encrypting voter %d's ballot: %w", c.voter, err))
					return
				}
				c.entry, c.ballot = entry, b
				close(c.ready)
			}
		})
	}
	for range r.o.Clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(nextPost.Add(1) - 1)
				if k >= total {
					return
				}
				c := wave[k]
				select {
				case <-c.ready:
				case <-ctx.Done():
					return
				}
				rc, err := r.post(ctx, fmt.Sprintf("voter %d's ballot", c.voter), c.entry)
				if err != nil {
					cancel(err)
					return
				}
				if rc.Existing || rc.TrackingCode == "" {
					cancel(fmt.Errorf("voter %d's ballot: the receipt is for an entry already on the board or has no tracking code", c.voter))
					return
				}
				c.receipt, c.entry = rc, nil
				r.progress("casting "+label, int(posted.Add(1)), total)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	r.cast = append(r.cast, wave...)
	return nil
}

func (r *runner) casting(ctx context.Context) (string, error) {
	e := r.e
	n := len(e.VoterIDs)
	var notes []string
	if r.o.Challenge {
		// Voter 0 asks to audit a ballot: the board records the challenge,
		// and the voter casts a fresh ballot in the wave below.
		_, b, op, err := e.BallotWith(0, r.choices(0), r.stream(0))
		if err != nil {
			return "", err
		}
		if !op.Spoils(b) {
			return "", errors.New("the challenge's opening does not open its ballot")
		}
		rc, err := r.post(ctx, "the challenge", bulletin.ChallengeEntry(b.Bytes(), op.Bytes()))
		if err != nil {
			return "", err
		}
		r.out.Challenge = rc
		notes = append(notes, "1 challenge")
	}
	voters := make([]int, n)
	for i := range voters {
		voters[i] = i
	}
	if err := r.castWave(ctx, "ballots", voters); err != nil {
		return "", err
	}
	if len(r.out.Revoters) > 0 {
		if err := r.castWave(ctx, "re-votes", r.out.Revoters); err != nil {
			return "", err
		}
		notes = append([]string{plural(len(r.out.Revoters), "re-vote", "re-votes")}, notes...)
	}
	if r.o.Rejects {
		if err := r.refused(ctx, "garbage", []byte("this is not a board entry"), bulletin.ReasonMalformed); err != nil {
			return "", err
		}
		entry, _, _, err := e.BallotWith(1%n, r.choices(-1), r.stream(-1))
		if err != nil {
			return "", err
		}
		entry[len(entry)-1] ^= 1 // the last byte of the signature
		if err := r.refused(ctx, "a ballot with a tampered signature", entry, bulletin.ReasonInvalid); err != nil {
			return "", err
		}
		cred, err := election.NewCredential(r.stream(-2))
		if err != nil {
			return "", err
		}
		b, _, err := election.EncryptBallot(e.Manifest, cred, r.choices(-2), r.stream(-3))
		if err != nil {
			return "", err
		}
		if err := r.refused(ctx, "a ballot under an unregistered credential", bulletin.BallotEntry(b.Bytes()), bulletin.ReasonNotEligible); err != nil {
			return "", err
		}
		notes = append(notes, "3 refused")
	}
	r.out.Ballots = len(r.cast)
	s := plural(len(r.cast), "ballot", "ballots")
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s, nil
}

func (r *runner) close(ctx context.Context) (string, error) {
	e := r.e
	if _, err := r.post(ctx, "the move to closed", e.Phase(bulletin.PhaseClosed)); err != nil {
		return "", err
	}
	var notes []string
	if r.o.Rejects {
		entry, _, _, err := e.BallotWith(0, r.choices(-4), r.stream(-4))
		if err != nil {
			return "", err
		}
		if err := r.refused(ctx, "a ballot after close", entry, bulletin.ReasonPhase); err != nil {
			return "", err
		}
		notes = append(notes, "1 late ballot refused")
	}
	if len(r.out.Overridden) > 0 {
		if _, err := r.post(ctx, "the overrides", e.OverridesEntry(r.out.Overridden...)); err != nil {
			return "", err
		}
		cancelled := plural(len(r.out.Overridden), "e-vote", "e-votes") + " cancelled by paper votes"
		if len(r.out.Overridden) == 1 {
			cancelled = "1 e-vote cancelled by a paper vote"
		}
		notes = append([]string{cancelled}, notes...)
	}
	if len(notes) == 0 {
		return "closed", nil
	}
	return "closed; " + strings.Join(notes, ", "), nil
}

// mixContests returns the contests the board mixes, in manifest order.
func (r *runner) mixContests(ctx context.Context) ([]string, error) {
	st, err := r.p.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range r.e.Manifest.Contests {
		if _, ok := st.MixStages[c.ID]; ok {
			out = append(out, c.ID)
		}
	}
	if len(out) != len(st.MixStages) {
		return nil, fmt.Errorf("the board mixes contests %v, the manifest has mixnet contests %v", keys(st.MixStages), out)
	}
	return out, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r *runner) mixing(ctx context.Context) (string, error) {
	e := r.e
	if _, err := r.post(ctx, "the move to mixing", e.Phase(bulletin.PhaseMixing)); err != nil {
		return "", err
	}
	contests, err := r.mixContests(ctx)
	if err != nil {
		return "", err
	}
	t := e.Setup.Threshold
	h := e.Setup.Hash()
	var parts []string
	for _, contest := range contests {
		var size int
		for k := 1; k <= t; k++ {
			in, pos, err := fetchMixInput(ctx, r.p, contest)
			if err != nil {
				return "", fmt.Errorf("contest %q: stage %d input: %w", contest, k, err)
			}
			if pos != k {
				return "", fmt.Errorf("contest %q: the board's next stage is %d, want %d", contest, pos, k)
			}
			size = len(in)
			var progress mixnet.Progress
			if r.o.Progress != nil {
				label := fmt.Sprintf("mixing %s %d/%d", contest, k, t)
				progress = func(phase string, done, total int) { r.o.Progress(label+": "+phase, done, total) }
			}
			st, err := mixnet.MixStage(h[:], e.Mixers(), e.Identities[k-1].SigningKey, uint32(pos), e.Result.PublicKey, in, e.Rand, progress)
			if err != nil {
				return "", fmt.Errorf("contest %q: stage %d: %w", contest, k, err)
			}
			if _, err := r.post(ctx, fmt.Sprintf("contest %q's mix stage %d", contest, k), st.Bytes()); err != nil {
				return "", err
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %d ballots", contest, size))
	}
	if len(contests) == 0 {
		return "no mixnet contests", nil
	}
	return fmt.Sprintf("%s, %d stages each", strings.Join(parts, "; "), t), nil
}

// decrypted are the posted decryption shares of one list.
type decrypted struct {
	name    string
	cts     []elgamal.Ciphertext
	entries []*threshold.Entry
}

func (r *runner) decrypting(ctx context.Context) (string, error) {
	e := r.e
	if _, err := r.post(ctx, "the move to decrypting", e.Phase(bulletin.PhaseDecrypting)); err != nil {
		return "", err
	}
	lists, err := r.p.DecryptionLists(ctx)
	if err != nil {
		return "", err
	}
	var verified []verifier.List
	if r.o.VerifyLists != nil {
		if verified, err = r.o.VerifyLists(ctx); err != nil {
			return "", fmt.Errorf("the trustees' verification before decrypting: %w", err)
		}
		if len(verified) != len(lists) {
			return "", fmt.Errorf("the board has %d lists to decrypt, the verified record %d", len(lists), len(verified))
		}
	}
	t := e.Setup.Threshold
	cts := 0
	r.lists = nil
	for k, l := range lists {
		var list []elgamal.Ciphertext
		if verified != nil {
			// The trustees decrypt the list they recomputed, if the
			// board names it.
			v := verified[k]
			if v.Name != l.Name || hex.EncodeToString(v.Hash[:]) != l.Hash {
				return "", fmt.Errorf("list %q (hash %s) is not the verified list %q (hash %x): the trustees refuse to decrypt it", l.Name, l.Hash, v.Name, v.Hash)
			}
			list = v.Ciphertexts
		} else if list, err = fetchDecryptionList(ctx, r.p, l.Name); err != nil {
			return "", err
		}
		if h := threshold.ListHash(list); hex.EncodeToString(h[:]) != l.Hash || len(list) != l.Count {
			return "", fmt.Errorf("list %q: the board describes %d ciphertexts with hash %s, it served %d with hash %x", l.Name, l.Count, l.Hash, len(list), h)
		}
		d := &decrypted{name: l.Name, cts: list}
		for j := 1; j <= t; j++ {
			r.progress("decryption shares", j-1, t)
			b, err := e.DecryptionShares(j, list)
			if err != nil {
				return "", fmt.Errorf("list %q: trustee %d: %w", l.Name, j, err)
			}
			if _, err := r.post(ctx, fmt.Sprintf("trustee %d's decryption shares of %q", j, l.Name), b); err != nil {
				return "", err
			}
			en, err := threshold.ParseEntry(e.Setup, b)
			if err != nil {
				return "", err
			}
			d.entries = append(d.entries, en)
		}
		cts += len(list)
		r.lists = append(r.lists, d)
	}
	how := ""
	if verified != nil {
		how = ", verified first"
	}
	return fmt.Sprintf("%d lists, %d ciphertexts, shares from %d trustees%s", len(lists), cts, t, how), nil
}

func (r *runner) tally(ctx context.Context) (string, error) {
	e := r.e
	m := e.Manifest
	// The cast ballots in board order, and the choices that count.
	cast := slices.Clone(r.cast)
	sort.Slice(cast, func(a, b int) bool { return cast[a].receipt.Index < cast[b].receipt.Index })
	ballots := make([]*election.Ballot, len(cast))
	r.out.Receipts = make([]*bulletin.Receipt, len(cast))
	overridden := map[int]bool{}
	for _, v := range r.out.Overridden {
		overridden[v] = true
	}
	for i, c := range cast {
		ballots[i], r.out.Receipts[i] = c.ballot, c.receipt
		if !overridden[c.voter] {
			r.out.Choices[c.voter] = c.choices // the last one counts
		}
	}
	var overrides [][32]byte
	for _, v := range r.out.Overridden {
		overrides = append(overrides, [32]byte(e.Credential(v).Public()))
	}
	// The board verified every ballot's proofs when it was posted.
	cl := election.CleanseVerified(m, e.Registrar.PublicList(), ballots, overrides)

	var sums []*elgamal.Element
	mixed := map[string][]*elgamal.Element{}
	for _, d := range r.lists {
		pts, err := threshold.Combine(e.Setup, e.Result, d.cts, d.entries)
		if err != nil {
			return "", fmt.Errorf("combining list %q: %w", d.name, err)
		}
		switch {
		case d.name == "aggregate":
			agg, err := cl.Aggregate()
			if err != nil {
				return "", err
			}
			if threshold.ListHash(agg) != threshold.ListHash(d.cts) {
				return "", errors.New("the board's homomorphic sums differ from the sums of the ballots it accepted")
			}
			sums = pts
		case strings.HasPrefix(d.name, "mix/"):
			mixed[strings.TrimPrefix(d.name, "mix/")] = pts
		default:
			return "", fmt.Errorf("unknown decryption list %q", d.name)
		}
	}
	if sums == nil && len(election.AggregateLayout(m)) == 0 {
		sums = []*elgamal.Element{}
	}
	res, err := election.Count(m, cl, sums, mixed)
	if err != nil {
		return "", err
	}
	rep := election.NewReport(cl, res)
	st, err := r.p.Status(ctx)
	if err != nil {
		return "", err
	}
	rep.Refused = make([]election.RejectCount, 0, len(bulletin.Reasons))
	for _, reason := range bulletin.Reasons {
		rep.Refused = append(rep.Refused, election.RejectCount{Reason: string(reason), Count: int(st.Rejected[reason])})
	}
	js, err := rep.JSON()
	if err != nil {
		return "", err
	}
	r.out.Report, r.out.ReportJSON = rep, js
	if err := r.check(rep, st); err != nil {
		return "", fmt.Errorf("the count does not match the votes cast: %w", err)
	}
	if _, err := r.post(ctx, "the result", e.ResultEntry(rep.ResultJSON())); err != nil {
		return "", err
	}
	if _, err := r.post(ctx, "the move to published", e.Phase(bulletin.PhasePublished)); err != nil {
		return "", err
	}
	if r.out.Status, err = r.p.Status(ctx); err != nil {
		return "", err
	}
	if r.out.Status.Phase != bulletin.PhasePublished || !r.out.Status.Result {
		return "", fmt.Errorf("the board is in phase %s after publishing", r.out.Status.Phase)
	}
	return fmt.Sprintf("%d counted, %d superseded, %d cancelled; result published", rep.Accepted, rep.Superseded, rep.Cancelled), nil
}

// check compares the report with the choices Run made.
func (r *runner) check(rep *election.Report, st *bulletin.Status) error {
	m := r.e.Manifest
	n := len(r.e.VoterIDs)
	var problems []string
	want := func(what string, got, want int) {
		if got != want {
			problems = append(problems, fmt.Sprintf("%s: %d, want %d", what, got, want))
		}
	}
	counted := len(r.out.Choices)
	want("voters on the roll", rep.Roll, n)
	want("ballots received", rep.Received, len(r.cast))
	want("ballots accepted", rep.Accepted, counted)
	want("superseded", rep.Superseded, len(r.out.Revoters))
	want("cancelled", rep.Cancelled, len(r.out.Overridden))
	for _, rc := range rep.Rejected {
		want("rejected as "+rc.Reason, rc.Count, 0)
	}
	for _, reason := range bulletin.Reasons {
		want("refused by the board as "+string(reason), int(st.Rejected[reason]), r.out.Rejected[reason])
	}
	if len(rep.Contests) != len(m.Contests) {
		return fmt.Errorf("%d contests counted, want %d", len(rep.Contests), len(m.Contests))
	}
	for i := range m.Contests {
		ct := &m.Contests[i]
		cr := &rep.Contests[i]
		ids := ct.Choices()
		votes := map[string]int{}
		blank := 0
		for _, ch := range r.out.Choices {
			sel := ch[ct.ID]
			if len(sel) == 0 {
				blank++
				continue
			}
			if ct.Kind == election.Ranked {
				sel = sel[:1] // first preferences
			}
			for _, k := range sel {
				votes[ids[k]]++
			}
		}
		p := ct.ID + ": "
		want(p+"ballots", cr.Ballots, counted)
		want(p+"invalid", cr.Invalid, 0)
		if cr.Blank != nil {
			want(p+"blank", *cr.Blank, blank)
		}
		for _, o := range cr.Options {
			want(p+o.ID, o.Votes, votes[o.ID])
		}
		for _, l := range cr.Lists {
			want(p+"list "+l.Letter, l.ListVotes, votes[l.Letter])
			for _, c := range l.Candidates {
				want(p+c.ID, c.Votes, votes[c.ID])
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
