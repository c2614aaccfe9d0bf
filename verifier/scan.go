package verifier

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
)

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }

// ballotChunk is the number of ballots verified in one batch.
const ballotChunk = 2048

type ballotRef struct {
	index int64
	cred  [32]byte
}

type alphaRec struct {
	prefix uint64
	entry  uint32
	pos    uint32
}

// code is a ballot's whole SHA-256, which its tracking code writes
// (spec/ballot.md §5). V7 keys ballots and challenges by all 32 bytes: a
// prefix is not collision-resistant against a client that chooses the
// randomness, and two ballots sharing one are different ballots.
type code [32]byte

// scanState is what the scan of the log (V3–V7) collects.
type scanState struct {
	mu    sync.Mutex
	fails map[string]*Failure // first failure per step, by entry

	rules  *bulletin.Rules // the board's own sequencing rules (V3)
	admin  ed25519.PublicKey
	adminN int // administrator entries with a valid signature
	lists  int // lists to decrypt, fixed at the move to mixing

	genesisBody []byte
	restarts    [][]byte   // bodies of the ceremony's restart entries
	ceremonies  [][32]byte // abandoned ceremonies

	ceremonyIdx []int64
	ceremonyRaw [][]byte
	manifestRaw []byte
	credIdx     []int64
	credBodies  [][]byte
	ovrIdx      []int64
	ovrBodies   [][]byte
	stages      []int64
	shares      []shareRef
	resultIdx   int64
	resultBody  []byte

	// V6 state, built as the lists arrive (ballots need eligibility).
	eligible   map[[32]byte]bool
	eligibleN  int
	overridden map[[32]byte]bool

	// V7
	tracking   map[code]int64
	challenged map[code]int64
	voted      map[[32]byte]int64
	ballots    []ballotRef
	challenges int
	alphas     []alphaRec
	verifyTime time.Duration
}

func (s *scanState) fail(step string, f *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.fails[step]; old == nil || (f.Entry >= 0 && (old.Entry < 0 || f.Entry < old.Entry)) {
		s.fails[step] = f
	}
}

// shareRef is a decryption-shares entry: its index, sender and list hash.
type shareRef struct {
	index  int64
	sender uint32
	list   [32]byte
}

type ballotItem struct {
	index     int64
	raw       []byte // the ballot encoding
	opening   []byte // for a challenge
	challenge bool
}

// scan reads the log once, checking V3 as it goes and collecting what
// V4–V7 need; ballots are verified in chunks on another goroutine.
func (v *run) scan() error {
	s := &scanState{fails: map[string]*Failure{}, resultIdx: -1, rules: bulletin.NewRules(), eligible: map[[32]byte]bool{}, overridden: map[[32]byte]bool{},
		tracking: map[code]int64{}, challenged: map[code]int64{}, voted: map[[32]byte]int64{}}
	v.sc = s
	lr, err := openLog(v.dir)
	if err != nil {
		return err
	}
	defer lr.Close()

	chunks := make(chan []ballotItem, 2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for c := range chunks {
			t := time.Now()
			v.verifyChunk(c)
			s.verifyTime += time.Since(t)
		}
	}()
	var chunk []ballotItem
	flush := func() {
		if len(chunk) > 0 {
			chunks <- chunk
			chunk = nil
		}
	}
	defer func() {
		flush()
		close(chunks)
		wg.Wait()
	}()
	ballotSize := 0
	seen := map[[32]byte]int64{}
	v3 := func(i int64, field, format string, args ...any) { s.fail("V3", fail(i, field, format, args...)) }
	for i := int64(0); i < v.n; i++ {
		if i%4096 == 0 {
			if err := v.ctx.Err(); err != nil {
				return err
			}
			v.progress("V3–V7 entries and ballots", int(i), int(v.n))
		}
		leaf, _, err := lr.next()
		if err != nil {
			return err
		}
		e, err := v.resolve(leaf)
		if err != nil {
			return err // V1 checked every blob
		}
		t, err := bulletin.EntryType(e)
		if err != nil {
			v3(i, "header", "%v", err)
			continue
		}
		if i == 0 && t != bulletin.TypeAdmin {
			v3(0, "type", "entry 0 is not the genesis entry (type 0x%02x)", t)
		}
		// The board stores each entry once (spec/board.md §4 step 3); a
		// repeated ballot or challenge repeats its tracking code (V7).
		if t != bulletin.TypeBallot && t != bulletin.TypeChallenge {
			h := sha256.Sum256(leaf)
			if j, ok := seen[h]; ok {
				v3(i, "entry", "repeats entry %d byte for byte: the board stores each entry once", j)
				continue
			}
			seen[h] = i
		}
		rule := func(ev *bulletin.Event) bool {
			ev.Index = i
			if rej := s.rules.Check(ev); rej != nil {
				v3(i, "phase", "%s", rej.Detail)
				return false
			}
			s.rules.Apply(ev)
			return true
		}
		switch t {
		case bulletin.TypeAdmin:
			v.scanAdmin(i, e, rule)
			if v.manifest != nil && ballotSize == 0 {
				ballotSize, _ = election.BallotSize(v.manifest)
			}
		case byte(threshold.TypeCommitment), byte(threshold.TypeShares), byte(threshold.TypeComplaint), byte(threshold.TypeResponse),
			byte(threshold.TypeDecryptionShares):
			v.scanTrustee(i, e, rule)
		case bulletin.TypeStage:
			if rule(&bulletin.Event{Kind: bulletin.KindStage}) {
				s.stages = append(s.stages, i)
			}
		case bulletin.TypeBallot, bulletin.TypeChallenge:
			ev := &bulletin.Event{Kind: bulletin.KindBallot}
			if t == bulletin.TypeChallenge {
				ev.Kind = bulletin.KindChallenge
			}
			if !rule(ev) || v.manifest == nil {
				continue // V3 or V5 fails
			}
			body := e[bulletin.EntryHeaderSize:]
			it := ballotItem{index: i, raw: body, challenge: t == bulletin.TypeChallenge}
			if it.challenge {
				if len(body) < ballotSize {
					s.fail("V7", fail(i, "challenge", "%d bytes after the header, shorter than a ballot (%d bytes)", len(body), ballotSize))
					continue
				}
				it.raw, it.opening = body[:ballotSize], body[ballotSize:]
			}
			v.scanBallot(&it)
			chunk = append(chunk, it)
			if len(chunk) >= ballotChunk {
				flush()
			}
		default:
			v3(i, "type", "unknown entry type 0x%02x", t)
		}
	}
	v.progress("V3–V7 entries and ballots", int(v.n), int(v.n))
	if _, _, err := lr.next(); err != io.EOF {
		return errors.New("log grew while reading")
	}
	switch {
	case v.forDecryption && s.rules.Phase < bulletin.PhaseDecrypting:
		v3(-1, "phase", "the log ends in phase %s: nothing is to be decrypted before the move to decrypting", s.rules.Phase)
	case !v.forDecryption && s.rules.Phase != bulletin.PhasePublished:
		v3(-1, "phase", "the log ends in phase %s: the election is not finished (the record must end in phase published)", s.rules.Phase)
	}
	return nil
}

func ifs(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// adminKinds maps administrator entry kinds to the rules' kinds.
var adminKinds = map[bulletin.AdminKind]bulletin.Kind{
	bulletin.AdminGenesis: bulletin.KindGenesis, bulletin.AdminPhase: bulletin.KindPhase,
	bulletin.AdminManifest: bulletin.KindManifest, bulletin.AdminCredentials: bulletin.KindCredentials,
	bulletin.AdminOverrides: bulletin.KindOverrides, bulletin.AdminResult: bulletin.KindResult,
	bulletin.AdminRound: bulletin.KindRound, bulletin.AdminRestart: bulletin.KindRestart,
}

// scanAdmin checks an administrator entry: its form and signature and,
// through rule, where it stands (V3). Its body is checked by the step that
// owns it: the ceremony setup here, the manifest in V5, credentials and
// overrides in V6, the result in V13.
func (v *run) scanAdmin(i int64, e []byte, rule func(*bulletin.Event) bool) {
	s := v.sc
	v3 := func(field, format string, args ...any) { s.fail("V3", fail(i, field, format, args...)) }
	a, err := bulletin.ParseAdminEntry(e)
	if err != nil {
		v3("administrator entry", "%v", err)
		return
	}
	if a.Board != bulletin.BoardID(v.cp.Origin) {
		v3("board ID", "%s entry for board %x…, not this board %q", a.Kind, a.Board[:8], v.cp.Origin)
		return
	}
	ev := &bulletin.Event{Kind: adminKinds[a.Kind]}
	if a.Kind == bulletin.AdminGenesis {
		ev.Index = i
		if rej := s.rules.Check(ev); rej != nil {
			v3("kind", "a second genesis entry: %s", rej.Detail)
			return
		}
		g, err := bulletin.ParseGenesis(a.Body)
		if err != nil {
			v3("genesis", "%v", err)
			return
		}
		if !a.Verify(g.Admin) {
			v3("signature", "the genesis entry is not signed by the administrator key it names")
			return
		}
		setup, err := threshold.ParseSetup(g.Setup)
		if err != nil {
			v3("genesis: ceremony setup", "%v", err)
			return
		}
		s.admin, s.genesisBody = g.Admin, a.Body
		s.adminN++
		v.setup, v.ceremony = setup, setup.Hash()
		v.rep.Ceremony = hex.EncodeToString(v.ceremony[:])
		s.rules.Threshold = setup.Threshold
		rule(ev)
		return
	}
	if !s.rules.Genesis() {
		v3("kind", "%s entry before a valid genesis entry", a.Kind)
		return
	}
	if !a.Verify(s.admin) {
		v3("signature", "%s entry: the signature does not verify under the administrator key", a.Kind)
		return
	}
	s.adminN++
	switch a.Kind {
	case bulletin.AdminPhase:
		if len(a.Body) != 1 {
			v3("phase", "phase entry body of %d bytes, want 1", len(a.Body))
			return
		}
		// The move to decrypting needs t stages on every chain: V10
		// checks that, since the chains' lists are recomputed there.
		ev.Next = bulletin.Phase(a.Body[0])
		if rule(ev) && ev.Next == bulletin.PhaseMixing {
			s.lists = v.listsToDecrypt()
		}
	case bulletin.AdminRestart:
		setup, err := threshold.ParseSetup(a.Body)
		if err != nil {
			v3("restart: ceremony setup", "%v", err)
			return
		}
		if h := setup.Hash(); h == v.ceremony || slices.Contains(s.ceremonies, h) {
			v3("restart", "the setup is that of a ceremony already begun on this board (ceremony %x…)", h[:8])
			return
		}
		if !rule(ev) {
			return
		}
		// A new ceremony: only its entries count (V4), its trustees mix
		// and decrypt, and the fingerprint covers its setup (V5).
		s.ceremonies = append(s.ceremonies, v.ceremony)
		s.restarts = append(s.restarts, a.Body)
		s.ceremonyIdx, s.ceremonyRaw = nil, nil
		v.setup, v.ceremony = setup, setup.Hash()
		v.rep.Ceremony = hex.EncodeToString(v.ceremony[:])
		s.rules.Threshold = setup.Threshold
	case bulletin.AdminRound:
		if len(a.Body) != 1 {
			v3("round", "round entry body of %d bytes, want 1", len(a.Body))
			return
		}
		ev.NextRound = bulletin.Round(a.Body[0])
		rule(ev)
	case bulletin.AdminResult:
		ev.Lists = s.lists
		if rule(ev) {
			s.resultIdx, s.resultBody = i, a.Body
		}
	case bulletin.AdminManifest:
		if rule(ev) {
			s.manifestRaw, v.manifestIdx = a.Body, i
			v.checkManifest()
		}
	case bulletin.AdminCredentials:
		if !rule(ev) {
			return
		}
		s.credIdx, s.credBodies = append(s.credIdx, i), append(s.credBodies, a.Body)
		list, err := election.ParsePublicList(a.Body)
		if err != nil {
			s.fail("V6", fail(i, "credentials", "the list of public credentials does not decode: %v", err))
			return
		}
		for k, p := range list {
			if s.eligible[p] {
				s.fail("V6", fail(i, fmt.Sprintf("credential %d", k+1), "%x… is already on the list", p[:8]))
				return
			}
			s.eligible[p] = true
		}
		s.eligibleN += len(list)
	case bulletin.AdminOverrides:
		if !rule(ev) {
			return
		}
		s.ovrIdx, s.ovrBodies = append(s.ovrIdx, i), append(s.ovrBodies, a.Body)
		list, err := election.ParsePublicList(a.Body)
		if err != nil {
			s.fail("V6", fail(i, "overrides", "the list of overridden credentials does not decode: %v", err))
			return
		}
		for k, p := range list {
			if !s.eligible[p] {
				s.fail("V6", fail(i, fmt.Sprintf("override %d", k+1), "credential %x… is not on the list of eligible voters", p[:8]))
				return
			}
			if s.overridden[p] {
				s.fail("V6", fail(i, fmt.Sprintf("override %d", k+1), "credential %x… is already overridden", p[:8]))
				return
			}
			s.overridden[p] = true
		}
	default:
		v3("kind", "unknown administrator entry kind %d", a.Kind)
	}
}

// listsToDecrypt returns the number of lists the board fixes at the move
// to decrypting (spec/board.md §4.8, §4.9): with at least one counted
// ballot, the aggregate if there is a homomorphic contest, and a list per
// mixnet contest.
func (v *run) listsToDecrypt() int {
	s, m := v.sc, v.manifest
	if m == nil {
		return 0
	}
	counted := 0
	for c := range s.voted {
		if !s.overridden[c] {
			counted++
		}
	}
	if counted == 0 {
		return 0
	}
	n := 0
	if len(election.AggregateLayout(m)) > 0 {
		n++
	}
	for i := range m.Contests {
		if m.Contests[i].Tally == election.Mixnet {
			n++
		}
	}
	return n
}

// scanTrustee checks a trustee entry's form and signature (failing the
// step that owns it: V4 for the ceremony, V11 for decryption shares) and
// where it stands (V3).
func (v *run) scanTrustee(i int64, e []byte, rule func(*bulletin.Event) bool) {
	s := v.sc
	typ := threshold.EntryType(e[bulletin.EntryHeaderSize-1])
	kind := bulletin.KindOfCeremony(typ)
	if v.setup == nil {
		rule(&bulletin.Event{Kind: kind}) // out of order before genesis
		return
	}
	step := "V4"
	if kind == bulletin.KindDecryptionShares {
		step = "V11"
	}
	en, err := threshold.ParseEntry(v.setup, e)
	if err != nil {
		s.fail(step, fail(i, "trustee entry", "%v", err))
		return
	}
	ev := &bulletin.Event{Kind: kind, Sender: en.Sender}
	switch kind {
	case bulletin.KindResponse:
		ev.Complainer = binary.BigEndian.Uint32(en.Body[:4])
	case bulletin.KindDecryptionShares:
		if len(en.Body) < 32 {
			s.fail(step, fail(i, "decryption shares", "body of %d bytes, shorter than a list hash", len(en.Body)))
			return
		}
		ev.List = [32]byte(en.Body[:32])
	}
	if !rule(ev) {
		return
	}
	if kind == bulletin.KindDecryptionShares {
		s.shares = append(s.shares, shareRef{index: i, sender: en.Sender, list: ev.List})
		return
	}
	s.ceremonyIdx = append(s.ceremonyIdx, i)
	s.ceremonyRaw = append(s.ceremonyRaw, e)
}

// checkManifest runs the ceremony (V4) and checks the manifest (V5) when
// the manifest entry is reached, so that ballots can be checked against it.
func (v *run) checkManifest() {
	s := v.sc
	i := v.manifestIdx
	if v.setup == nil {
		return
	}
	var entries []*threshold.Entry
	for k, raw := range s.ceremonyRaw {
		en, err := threshold.ParseEntry(v.setup, raw)
		if err != nil {
			s.fail("V4", fail(s.ceremonyIdx[k], "trustee entry", "%v", err))
			return
		}
		entries = append(entries, en)
	}
	r, err := threshold.VerifyCeremony(v.setup, entries)
	if err != nil {
		var ce *threshold.CeremonyError
		entry := int64(-1)
		if errors.As(err, &ce) && ce.Entry >= 0 && ce.Entry < len(s.ceremonyIdx) {
			entry = s.ceremonyIdx[ce.Entry]
		}
		s.fail("V4", fail(entry, "ceremony", "%v", err))
		return
	}
	v.dkg = r
	m, err := election.ParseManifest(s.manifestRaw)
	if err != nil {
		s.fail("V5", fail(i, "manifest", "%s", strings.TrimPrefix(err.Error(), "manifest: ")))
		return
	}
	if !bytes.Equal(m.JSON(), s.manifestRaw) {
		s.fail("V5", fail(i, "manifest", "not in canonical form: the body differs from the canonical JSON of the manifest it decodes to (spec/manifest.md §1.1)"))
		return
	}
	if want := fmt.Sprintf("%x", r.PublicKey.Bytes()); m.PublicKey != want {
		s.fail("V5", fail(i, "public_key", "%.16s… is not the ceremony's election key %.16s…", m.PublicKey, want))
		return
	}
	if _, err := election.BallotSize(m); err != nil {
		s.fail("V5", fail(i, "manifest", "%v", err))
		return
	}
	v.manifest = m
}

// scanBallot makes the sequential checks of a ballot or challenge: board
// order matters for them.
func (v *run) scanBallot(it *ballotItem) {
	s := v.sc
	i := it.index
	v7 := func(field, format string, args ...any) { s.fail("V7", fail(i, field, format, args...)) }
	c := code(sha256.Sum256(it.raw))
	tc := election.TrackingCodeOf(it.raw)
	var cred [32]byte
	if len(it.raw) >= 64 {
		cred = [32]byte(it.raw[32:64])
	}
	if !s.eligible[cred] {
		v7("credential", "ballot %s: credential %x… is not on the list of eligible voters", tc, cred[:8])
	}
	if it.challenge {
		s.challenges++
		if j, ok := s.tracking[c]; ok {
			v7("tracking code", "challenge of ballot %s, which was cast in entry %d: a cast ballot cannot be challenged", tc, j)
		}
		if j, ok := s.challenged[c]; ok {
			v7("tracking code", "ballot %s is already challenged in entry %d", tc, j)
		}
		s.challenged[c] = i
		return
	}
	if j, ok := s.challenged[c]; ok {
		v7("tracking code", "ballot %s was opened by the challenge in entry %d and can never be cast", tc, j)
	}
	if j, ok := s.tracking[c]; ok {
		v7("tracking code", "tracking code %s is already on the board in entry %d", tc, j)
	}
	s.tracking[c] = i
	if j, ok := s.voted[cred]; ok && v.manifest.Revoting == election.RevotingForbid {
		v7("credential", "ballot %s: credential %x… already voted in entry %d and the manifest forbids re-voting", tc, cred[:8], j)
	}
	s.voted[cred] = i
	s.ballots = append(s.ballots, ballotRef{index: i, cred: cred})
}

// verifyChunk parses and batch-verifies a chunk of ballots and challenges,
// checks challenges' openings, and collects every α.
func (v *run) verifyChunk(items []ballotItem) {
	s := v.sc
	m := v.manifest
	bs := make([]*election.Ballot, len(items))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(items)))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(items); k += workers {
				it := &items[k]
				b, err := election.ParseBallot(m, it.raw)
				if err != nil {
					s.fail("V7", fail(it.index, "ballot encoding", "ballot %s: %s", election.TrackingCodeOf(it.raw), trimErr(err)))
					continue
				}
				if it.challenge {
					o, err := election.ParseOpening(m, it.opening)
					if err != nil {
						s.fail("V7", fail(it.index, "opening", "%s", trimErr(err)))
					} else if !o.Spoils(b) {
						s.fail("V7", fail(it.index, "opening", "the opening is for another ballot (its hash is not the ballot's)"))
					} else if _, err := election.OpenBallot(m, b, o); err != nil {
						field, problem := openingFailure(err)
						s.fail("V7", fail(it.index, field, "the challenge of ballot %s does not open it: %s", election.TrackingCodeOf(it.raw), problem))
					}
				}
				bs[k] = b
			}
		}()
	}
	wg.Wait()
	var ok []*election.Ballot
	var okIdx []int
	for k, b := range bs {
		if b != nil {
			ok, okIdx = append(ok, b), append(okIdx, k)
		}
	}
	if len(ok) > 0 {
		if err := election.BatchVerifyBallots(m, ok); err != nil {
			var be *election.BallotBatchError
			if errors.As(err, &be) {
				for k, j := range be.Failed {
					field, problem := splitBallotErr(be.Errs[k])
					field = nameChoice(m, field)
					s.fail("V7", fail(items[okIdx[j]].index, field, "ballot %s: %s", election.TrackingCodeOf(items[okIdx[j]].raw), problem))
				}
			} else {
				s.fail("V7", fail(items[0].index, "ballots", "%v", err))
			}
		}
	}
	var as []alphaRec
	for k, b := range bs {
		if b == nil {
			continue
		}
		pos := uint32(0)
		add := func(alpha []byte) {
			as = append(as, alphaRec{prefix: binary.BigEndian.Uint64(alpha), entry: uint32(items[k].index), pos: pos})
			pos++
		}
		for ci := range b.Contests {
			cb := &b.Contests[ci]
			for j := range cb.Selections {
				add(cb.Selections[j].C.Alpha.Bytes())
			}
			if cb.Data != nil {
				add(cb.Data.Alpha.Bytes())
			}
		}
	}
	s.mu.Lock()
	s.alphas = append(s.alphas, as...)
	s.mu.Unlock()
}

// openingFailure turns an election.OpenBallot error into a field, such
// as `opening: contest "council" choice 2`, and a problem.
func openingFailure(err error) (string, string) {
	var oe *election.OpeningError
	if !errors.As(err, &oe) {
		return "opening", trimErr(err)
	}
	if w := oe.Where(); w != "" {
		return "opening: " + w, oe.Problem
	}
	return "opening", oe.Problem
}

// alphaField names the ciphertext at position pos of a ballot.
func alphaField(m *election.Manifest, pos uint32) string {
	k := uint32(0)
	for i := range m.Contests {
		c := &m.Contests[i]
		if string(c.Tally) == "mixnet" {
			if k == pos {
				return fmt.Sprintf("contest %q ciphertext α", c.ID)
			}
			k++
			continue
		}
		n := uint32(len(c.Choices()))
		if pos < k+n {
			return fmt.Sprintf("contest %q choice %d α", c.ID, pos-k)
		}
		k += n
	}
	return fmt.Sprintf("ciphertext %d α", pos)
}

// alphaOf re-reads the full α at pos of the ballot or challenge entry i.
func (v *run) alphaOf(f *os.File, i int64, pos uint32) ([]byte, error) {
	e, err := v.entry(f, i)
	if err != nil {
		return nil, err
	}
	raw := e[bulletin.EntryHeaderSize:]
	size, _ := election.BallotSize(v.manifest)
	if len(raw) > size {
		raw = raw[:size]
	}
	b, err := election.ParseBallot(v.manifest, raw)
	if err != nil {
		return nil, err
	}
	k := uint32(0)
	for ci := range b.Contests {
		cb := &b.Contests[ci]
		for j := range cb.Selections {
			if k == pos {
				return cb.Selections[j].C.Alpha.Bytes(), nil
			}
			k++
		}
		if cb.Data != nil {
			if k == pos {
				return cb.Data.Alpha.Bytes(), nil
			}
			k++
		}
	}
	return nil, fmt.Errorf("no ciphertext %d", pos)
}

func trimErr(err error) string {
	s := err.Error()
	for _, p := range []string{"election: parse ballot: ", "election: parse opening: ", election.ErrBallot.Error() + ": "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// nameChoice adds the option's label to a field naming a contest's
// choice by index, such as `contest "council" choice 2 zero-one proof`.
func nameChoice(m *election.Manifest, field string) string {
	var id string
	var j int
	if n, _ := fmt.Sscanf(field, "contest %q choice %d", &id, &j); n != 2 {
		return field
	}
	for i := range m.Contests {
		if l := m.Contests[i].Layout(); m.Contests[i].ID == id && j >= 0 && j < len(l) {
			return strings.Replace(field, fmt.Sprintf("choice %d", j), fmt.Sprintf("choice %d (%s)", j, l[j].Label), 1)
		}
	}
	return field
}

// splitBallotErr turns a ballot verification error such as `invalid
// ballot: contest "council": choice 2: zero-one proof: verification
// equation failed` into a field (`contest "council" choice 2 zero-one
// proof`) and a problem.
func splitBallotErr(err error) (string, string) {
	s := trimErr(err)
	parts := strings.Split(s, ": ")
	if len(parts) < 2 {
		return "ballot", s
	}
	// The field is the leading parts that name a place: contest, choice,
	// and the proof or check.
	n := 0
	for n < len(parts)-1 {
		p := parts[n]
		if strings.HasPrefix(p, "contest ") || strings.HasPrefix(p, "choice ") || strings.HasSuffix(p, "proof") ||
			p == "signature" || p == "shape" {
			n++
			continue
		}
		break
	}
	if n == 0 {
		return "ballot", s
	}
	return strings.Join(parts[:n], " "), strings.Join(parts[n:], ": ")
}
