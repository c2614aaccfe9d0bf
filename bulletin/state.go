package bulletin

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/zkp"
)

// state is what the board knows from its log: the phase and everything
// the posting policy checks against. It is rebuilt by replaying the log
// when the board opens, and updated entry by entry as entries are admitted.
type state struct {
	board [32]byte
	rules *Rules // the phase and the sequencing rules, shared with the verifier
	size  int64  // entries applied

	admin      ed25519.PublicKey
	setup      *threshold.Setup // in force: genesis', or the last restart's
	ceremony   [32]byte
	ceremonies [][32]byte // abandoned ceremonies (restarts, spec/board.md §3.1)
	mixers     []mixnet.Mixer

	dkg        []*threshold.Entry
	dkgResult  *threshold.Result
	manifest   *election.Manifest
	manifestH  [32]byte
	alphas     []alphaAt // where a ballot's α values are
	eligible   map[[32]byte]bool
	credList   [][32]byte
	overrides  [][32]byte
	overridden map[[32]byte]bool

	tracking   map[string]int64   // tracking code of a cast ballot → entry index
	challenged map[string]int64   // tracking code of a challenged ballot → entry index
	voted      map[[32]byte]int64 // credential → entry index of its last ballot
	ballots    []ballotRef        // cast ballots in board order
	challenges int

	chains  []*chain     // mixnet contests with ballots, in manifest order
	lists   []*decList   // lists to decrypt, from the move to decrypting
	entries map[byte]int // entries by type, for status
}

type ballotRef struct {
	index int64
	cred  [32]byte
}

// chain is the mix chain of one mixnet contest.
type chain struct {
	contest string
	input   []elgamal.CiphertextVector
	tail    []elgamal.CiphertextVector
	tailH   [32]byte
	used    map[uint32]int
	stages  int
}

// decList is a ciphertext list the trustees decrypt.
type decList struct {
	name   string
	cts    []elgamal.Ciphertext
	hash   [32]byte
	shares map[uint32]int64 // trustee → entry index
}

func newState(origin string) *state {
	return &state{
		board:      BoardID(origin),
		rules:      NewRules(),
		eligible:   map[[32]byte]bool{},
		overridden: map[[32]byte]bool{},
		tracking:   map[string]int64{},
		challenged: map[string]int64{},
		voted:      map[[32]byte]int64{},
		entries:    map[byte]int{},
	}
}

// pending is what admitting an entry adds to the batch: its record, and
// the unique keys it claims.
type pending struct {
	rec          Record
	trackingCode string
}

// admitCtx gives admission what it needs beyond the state.
type admitCtx struct {
	store    Store
	replay   bool             // entries come from the store: skip checks already made
	batchAl  map[string]bool  // α keys claimed earlier in the batch
	existing map[string]int64 // α keys of the batch already stored
	pending  map[int64][]byte // entries admitted earlier in the batch, not yet stored
}

// entry returns posted entry i (a blob reference's blob resolved), from
// the batch being admitted or from the store.
func (c *admitCtx) entry(i int64) ([]byte, error) {
	if e, ok := c.pending[i]; ok {
		return e, nil
	}
	es, err := c.store.ReadEntries(i, i+1)
	if err != nil {
		return nil, err
	}
	if t, _ := EntryType(es[0]); t != TypeBlobRef {
		return es[0], nil
	}
	ref, err := ParseBlobRef(es[0])
	if err != nil {
		return nil, err
	}
	return c.store.ReadBlob(ref.Hash)
}

// admit checks entry (already pre-verified for ballots) against the
// policy and, if it is admitted, applies it to the state as entry index.
func (s *state) admit(c *admitCtx, sub *submission, index int64) (*pending, *RejectError, error) {
	p := &pending{rec: Record{Entry: sub.leaf}}
	if len(sub.entry) > MaxEntrySize {
		p.rec.Blob = sub.entry
	}
	var rej *RejectError
	var err error
	switch sub.typ {
	case TypeAdmin:
		rej, err = s.admitAdmin(c, sub, index)
	case byte(threshold.TypeCommitment), byte(threshold.TypeShares), byte(threshold.TypeComplaint),
		byte(threshold.TypeResponse), byte(threshold.TypeDecryptionShares):
		rej, err = s.admitTrustee(c, sub, index)
	case TypeStage:
		rej, err = s.admitStage(c, sub, index)
	case TypeBallot:
		rej, err = s.admitBallot(c, sub, index, p)
	case TypeChallenge:
		rej, err = s.admitChallenge(c, sub, index, p)
	case TypeBlobRef:
		rej = reject(ReasonMalformed, "a blob reference cannot be posted: post the entry it refers to")
	default:
		rej = reject(ReasonMalformed, "unknown entry type 0x%02x", sub.typ)
	}
	if rej != nil || err != nil {
		return nil, rej, err
	}
	s.size = index + 1
	s.entries[sub.typ]++
	return p, nil, nil
}

func (s *state) admitAdmin(c *admitCtx, sub *submission, index int64) (*RejectError, error) {
	a, err := ParseAdminEntry(sub.entry)
	if err != nil {
		return reject(ReasonMalformed, "%v", err), nil
	}
	if a.Board != s.board {
		return reject(ReasonWrongElection, "%s entry for board %x, this board is %x", a.Kind, a.Board[:8], s.board[:8]), nil
	}
	ev := &Event{Kind: adminKinds[a.Kind], Index: index}
	if a.Kind == AdminGenesis {
		if rej := s.rules.Check(ev); rej != nil {
			return rej, nil
		}
		g, err := ParseGenesis(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "genesis: %v", err), nil
		}
		if !a.Verify(g.Admin) {
			return reject(ReasonUnauthorised, "genesis: signature does not verify under the administrator key it names"), nil
		}
		setup, err := threshold.ParseSetup(g.Setup)
		if err != nil {
			return reject(ReasonMalformed, "genesis: ceremony setup: %v", err), nil
		}
		s.admin, s.setup, s.ceremony = g.Admin, setup, setup.Hash()
		for _, t := range setup.Trustees {
			s.mixers = append(s.mixers, mixnet.Mixer{Name: t.Name, SigningKey: t.SigningKey})
		}
		s.rules.Threshold = setup.Threshold
		s.rules.Apply(ev)
		return nil, nil
	}
	if !s.rules.Genesis() {
		return reject(ReasonOutOfOrder, "%s entry before the genesis entry", a.Kind), nil
	}
	if !c.replay && !a.Verify(s.admin) {
		return reject(ReasonUnauthorised, "%s entry: signature does not verify under the administrator key", a.Kind), nil
	}
	if a.Kind == AdminPhase {
		return s.admitPhase(c, a.Body, index)
	}
	if ev.Kind == 0 {
		return reject(ReasonMalformed, "unknown administrator entry kind %d", a.Kind), nil
	}
	if a.Kind == AdminResult {
		ev.Lists = len(s.lists)
	}
	if a.Kind == AdminRound {
		if len(a.Body) != 1 {
			return reject(ReasonMalformed, "round entry body of %d bytes, want 1", len(a.Body)), nil
		}
		ev.NextRound = Round(a.Body[0])
	}
	if rej := s.rules.Check(ev); rej != nil {
		return rej, nil
	}
	switch a.Kind {
	case AdminRestart:
		setup, err := threshold.ParseSetup(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "restart: ceremony setup: %v", err), nil
		}
		// A new ceremony hash, so that no entry of the abandoned ceremony
		// can be replayed into the new one.
		if h := setup.Hash(); h == s.ceremony || slices.Contains(s.ceremonies, h) {
			return reject(ReasonInvalid, "restart: the setup is that of a ceremony already begun on this board (ceremony %x…): change it, for instance its election label", h[:8]), nil
		}
		s.ceremonies = append(s.ceremonies, s.ceremony)
		s.setup, s.ceremony, s.dkg = setup, setup.Hash(), nil
		s.mixers = s.mixers[:0]
		for _, t := range setup.Trustees {
			s.mixers = append(s.mixers, mixnet.Mixer{Name: t.Name, SigningKey: t.SigningKey})
		}
		s.rules.Threshold = setup.Threshold
	case AdminManifest:
		m, err := election.ParseManifest(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "manifest: %s", strings.TrimPrefix(err.Error(), "manifest: ")), nil
		}
		if !bytes.Equal(m.JSON(), a.Body) {
			return reject(ReasonMalformed, "manifest: not in canonical form (post the output of 'urna election create' or Manifest.JSON)"), nil
		}
		r, err := threshold.VerifyCeremony(s.setup, s.dkg)
		if err != nil {
			return reject(ReasonOutOfOrder, "manifest: the trustee ceremony on the board has not succeeded: %v", err), nil
		}
		if hex.EncodeToString(r.PublicKey.Bytes()) != m.PublicKey {
			return reject(ReasonInvalid, "manifest: public_key %.16s… is not the ceremony's election key %x…", m.PublicKey, r.PublicKey.Bytes()[:8]), nil
		}
		s.manifest, s.manifestH, s.dkgResult = m, m.Hash(), r
		s.alphas = alphaOffsets(m)
	case AdminCredentials:
		list, err := election.ParsePublicList(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "credentials: %v", err), nil
		}
		for i, p := range list {
			if s.eligible[p] {
				return reject(ReasonDuplicate, "credentials: credential %d (%x…) is already on the list", i+1, p[:8]), nil
			}
		}
		for _, p := range list {
			s.eligible[p] = true
		}
		s.credList = append(s.credList, list...)
	case AdminOverrides:
		list, err := election.ParsePublicList(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "overrides: %v", err), nil
		}
		for i, p := range list {
			if !s.eligible[p] {
				return reject(ReasonNotEligible, "overrides: credential %d (%x…) is not on the list", i+1, p[:8]), nil
			}
			if s.overridden[p] {
				return reject(ReasonDuplicate, "overrides: credential %d (%x…) is already overridden", i+1, p[:8]), nil
			}
		}
		for _, p := range list {
			s.overridden[p] = true
		}
		s.overrides = append(s.overrides, list...)
	case AdminResult:
		rep, err := election.ParseResult(a.Body)
		if err != nil {
			return reject(ReasonMalformed, "%v", err), nil
		}
		if !bytes.Equal(rep.ResultJSON(), a.Body) {
			return reject(ReasonMalformed, "result: not in canonical form (post Report.ResultJSON, spec/result.md)"), nil
		}
		if !c.replay {
			want, err := s.recount(c)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(want, a.Body) {
				return reject(ReasonInvalid, "result: %s", resultDiff(a.Body, want)), nil
			}
		}
	}
	s.rules.Apply(ev)
	return nil, nil
}

// adminKinds maps administrator entry kinds to the rules' kinds.
var adminKinds = map[AdminKind]Kind{
	AdminGenesis: KindGenesis, AdminPhase: KindPhase, AdminManifest: KindManifest,
	AdminCredentials: KindCredentials, AdminOverrides: KindOverrides, AdminResult: KindResult,
	AdminRound: KindRound, AdminRestart: KindRestart,
}

func (s *state) admitPhase(c *admitCtx, body []byte, index int64) (*RejectError, error) {
	if len(body) != 1 {
		return reject(ReasonMalformed, "phase entry body of %d bytes, want 1", len(body)), nil
	}
	ev := &Event{Kind: KindPhase, Index: index, Next: Phase(body[0])}
	if ev.Next == PhaseDecrypting && s.rules.Phase == PhaseMixing {
		for _, ch := range s.chains {
			if ch.stages < s.setup.Threshold {
				ev.ShortChain = fmt.Sprintf("contest %q has %s", ch.contest, plural(ch.stages, "mix stage"))
				break
			}
		}
	}
	if rej := s.rules.Check(ev); rej != nil {
		return rej, nil
	}
	switch ev.Next {
	case PhaseMixing:
		if err := s.startMixing(c); err != nil {
			return nil, err
		}
	case PhaseDecrypting:
		if err := s.startDecrypting(c); err != nil {
			return nil, err
		}
	}
	s.rules.Apply(ev)
	return nil, nil
}

func (s *state) admitTrustee(c *admitCtx, sub *submission, index int64) (*RejectError, error) {
	if s.setup == nil {
		return reject(ReasonOutOfOrder, "trustee entry before the genesis entry"), nil
	}
	e, err := threshold.ParseEntry(s.setup, sub.entry)
	if err != nil {
		switch {
		case !bytes.Equal(entryCeremony(sub.entry), s.ceremony[:]):
			return reject(ReasonWrongElection, "%v", err), nil
		case bytes.Contains([]byte(err.Error()), []byte("signature")):
			return reject(ReasonUnauthorised, "%v", err), nil
		}
		return reject(ReasonMalformed, "%v", err), nil
	}
	if e.Type == threshold.TypeDecryptionShares {
		return s.admitDecryption(c, e, index)
	}
	ev := &Event{Kind: KindOfCeremony(e.Type), Index: index, Sender: e.Sender}
	if e.Type == threshold.TypeResponse {
		ev.Complainer = binary.BigEndian.Uint32(e.Body[:4])
	}
	if rej := s.rules.Check(ev); rej != nil {
		return rej, nil
	}
	s.dkg = append(s.dkg, e)
	s.rules.Apply(ev)
	return nil, nil
}

// entryCeremony returns the ceremony hash field of a trustee entry.
func entryCeremony(b []byte) []byte {
	if len(b) < EntryHeaderSize+32 {
		return nil
	}
	return b[EntryHeaderSize : EntryHeaderSize+32]
}

func (s *state) admitDecryption(c *admitCtx, e *threshold.Entry, index int64) (*RejectError, error) {
	if s.rules.Phase != PhaseDecrypting {
		return phaseReject(s.rules.Phase, "a decryption-shares entry (counting starts after close and mixing)"), nil
	}
	if len(e.Body) < 32 {
		return reject(ReasonMalformed, "decryption shares: body of %d bytes", len(e.Body)), nil
	}
	ev := &Event{Kind: KindDecryptionShares, Index: index, Sender: e.Sender, List: [32]byte(e.Body[:32])}
	i := slices.IndexFunc(s.lists, func(l *decList) bool { return l.hash == ev.List })
	if i < 0 {
		return reject(ReasonInvalid, "decryption shares of trustee %d are for list %x…, which is not a list to decrypt", e.Sender, ev.List[:8]), nil
	}
	l := s.lists[i]
	if rej := s.rules.Check(ev); rej != nil {
		return rej, nil
	}
	if !c.replay {
		if err := threshold.VerifyDecryptionEntry(s.setup, s.dkgResult, l.cts, e); err != nil {
			return reject(ReasonInvalid, "list %q: %v", l.name, err), nil
		}
	}
	l.shares[e.Sender] = index
	s.rules.Apply(ev)
	return nil, nil
}

func (s *state) admitStage(c *admitCtx, sub *submission, index int64) (*RejectError, error) {
	if rej := s.rules.Check(&Event{Kind: KindStage, Index: index}); rej != nil {
		return rej, nil
	}
	st, err := mixnet.ParseStage(sub.entry)
	if err != nil {
		return reject(ReasonMalformed, "%v", err), nil
	}
	if st.Election != s.ceremony {
		return reject(ReasonWrongElection, "mix stage for election %x…, this ceremony is %x…", st.Election[:8], s.ceremony[:8]), nil
	}
	i := slices.IndexFunc(s.chains, func(ch *chain) bool { return ch.tailH == st.Input })
	if i < 0 {
		return reject(ReasonInvalid, "mix stage of mixer %d shuffled list %x…, which is no contest's current list", st.Mixer, st.Input[:8]), nil
	}
	ch := s.chains[i]
	var out [32]byte
	if c.replay {
		out = mixnet.ListHash(s.ceremony[:], st.Output)
	} else {
		out, err = mixnet.VerifyStage(s.ceremony[:], s.mixers, s.dkgResult.PublicKey, ch.tail, ch.stages+1, ch.used, st)
		if err != nil {
			var ce *mixnet.ChainError
			if errors.As(err, &ce) && (ce.Check == mixnet.CheckSignature || ce.Check == mixnet.CheckMixer) {
				return reject(ReasonUnauthorised, "contest %q: %v", ch.contest, err), nil
			}
			if errors.As(err, &ce) && ce.Check == mixnet.CheckDistinct {
				return reject(ReasonDuplicate, "contest %q: %v", ch.contest, err), nil
			}
			return reject(ReasonInvalid, "contest %q: %v", ch.contest, err), nil
		}
	}
	ch.stages++
	ch.used[st.Mixer] = ch.stages
	ch.tail, ch.tailH = st.Output, out
	return nil, nil
}

func (s *state) checkBallotCommon(sub *submission) *RejectError {
	kind, what := KindBallot, "a ballot"
	if sub.typ == TypeChallenge {
		kind, what = KindChallenge, "a challenge"
	}
	if rej := s.rules.Check(&Event{Kind: kind}); rej != nil {
		if s.rules.Phase > PhaseOpen {
			return phaseReject(s.rules.Phase, what+" (voting has closed)")
		}
		return phaseReject(s.rules.Phase, what+" (voting has not opened)")
	}
	if sub.pre != nil {
		return sub.pre
	}
	if sub.manifestH != s.manifestH {
		return reject(ReasonInvalid, "the ballot was checked against another manifest")
	}
	if !s.eligible[sub.cred] {
		return reject(ReasonNotEligible, "credential %x… is not on the list of eligible voters", sub.cred[:8])
	}
	return nil
}

func (s *state) admitBallot(c *admitCtx, sub *submission, index int64, p *pending) (*RejectError, error) {
	if rej := s.checkBallotCommon(sub); rej != nil {
		return rej, nil
	}
	cred := sub.cred
	code := sub.trackingCode
	if i, ok := s.challenged[code]; ok {
		return reject(ReasonChallenged, "ballot %s was opened by the challenge in entry %d and can never be cast", code, i), nil
	}
	if _, ok := s.tracking[code]; ok {
		return reject(ReasonDuplicate, "tracking code %s is already on the board", code), nil
	}
	if i, ok := s.voted[cred]; ok && s.manifest.Revoting == election.RevotingForbid {
		return reject(ReasonRevoteForbidden, "credential %x… already voted in entry %d and the manifest forbids re-voting", cred[:8], i), nil
	}
	keys, rej, err := s.alphaKeys(c, sub)
	if rej != nil || err != nil {
		return rej, err
	}
	p.rec.Keys = append(keys, []byte("T"+code))
	if s.manifest.Revoting == election.RevotingForbid {
		p.rec.Keys = append(p.rec.Keys, append([]byte("C"), cred[:]...))
	}
	p.trackingCode = code
	s.tracking[code] = index
	s.voted[cred] = index
	s.ballots = append(s.ballots, ballotRef{index: index, cred: cred})
	return nil, nil
}

func (s *state) admitChallenge(c *admitCtx, sub *submission, index int64, p *pending) (*RejectError, error) {
	if rej := s.checkBallotCommon(sub); rej != nil {
		return rej, nil
	}
	code := sub.trackingCode
	if i, ok := s.tracking[code]; ok {
		return reject(ReasonAlreadyCast, "ballot %s was cast in entry %d: a cast ballot cannot be challenged", code, i), nil
	}
	if _, ok := s.challenged[code]; ok {
		return reject(ReasonDuplicate, "ballot %s is already challenged", code), nil
	}
	keys, rej, err := s.alphaKeys(c, sub)
	if rej != nil || err != nil {
		return rej, err
	}
	p.rec.Keys = append(keys, []byte("S"+code))
	p.trackingCode = code
	s.challenged[code] = index
	s.challenges++
	return nil, nil
}

// alphaKeys returns the unique keys of every α of the ballot, taken from
// its encoding, rejecting one that repeats within the ballot or the batch
// or is already on the board. On replay (no decoded ballot) the keys are
// already stored and none is returned.
func (s *state) alphaKeys(c *admitCtx, sub *submission) ([][]byte, *RejectError, error) {
	if sub.ballot == nil {
		return nil, nil, nil
	}
	body := sub.entry[EntryHeaderSize:]
	keys := make([][]byte, 0, len(s.alphas))
	for _, a := range s.alphas {
		k := alphaKey(body[a.off : a.off+32])
		if c.batchAl[string(k)] || slices.ContainsFunc(keys, func(x []byte) bool { return bytes.Equal(x, k) }) {
			return nil, reject(ReasonDuplicate, "%s: α repeats a ciphertext of this batch (reused randomness or a re-randomised copy)", a.where), nil
		}
		if i, ok := c.existing[string(k)]; ok {
			return nil, reject(ReasonDuplicate, "%s: α is already on the board in entry %d (reused randomness or a copied ciphertext)", a.where, i), nil
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		c.batchAl[string(k)] = true
	}
	return keys, nil, nil
}

func alphaKey(alpha []byte) []byte { return append([]byte("A"), alpha...) }

// alphaAt locates one ciphertext's α in a ballot encoding.
type alphaAt struct {
	off   int
	where string
}

// alphaOffsets lists where every α of a ballot for m is in its encoding
// (spec/ballot.md §2).
func alphaOffsets(m *election.Manifest) []alphaAt {
	var out []alphaAt
	off := 64
	for i := range m.Contests {
		c := &m.Contests[i]
		if c.Tally == election.Mixnet {
			out = append(out, alphaAt{off, fmt.Sprintf("contest %q", c.ID)})
			off += elgamal.CiphertextSize + zkp.RandomnessProofSize(1)
			continue
		}
		for j := range c.Choices() {
			out = append(out, alphaAt{off, fmt.Sprintf("contest %q, choice %d", c.ID, j)})
			off += elgamal.CiphertextSize + zkp.ZeroOneProofSize
		}
		lo, hi := election.ProofRange(c)
		off += zkp.RangeProofSize(lo, hi)
	}
	return out
}

// batchAlphaKeys returns the α keys of every pre-verified ballot and
// challenge of a batch, to look up in one query.
func (s *state) batchAlphaKeys(batch []*submission) [][]byte {
	var keys [][]byte
	for _, sub := range batch {
		if sub.pre != nil || sub.ballot == nil || sub.manifestH != s.manifestH {
			continue
		}
		body := sub.entry[EntryHeaderSize:]
		for _, a := range s.alphas {
			keys = append(keys, alphaKey(body[a.off:a.off+32]))
		}
	}
	return keys
}

// counted returns the cast ballots that count, in board order: per
// credential the last (re-voting allowed) or the only one (forbidden),
// unless the credential is overridden. The board admitted only valid,
// eligible, distinct ballots, so this is election.Cleanse's outcome.
func (s *state) counted() []int64 {
	last := map[[32]byte]int64{}
	for _, b := range s.ballots {
		last[b.cred] = b.index
	}
	var out []int64
	for _, b := range s.ballots {
		if last[b.cred] == b.index && !s.overridden[b.cred] {
			out = append(out, b.index)
		}
	}
	return out
}

// startMixing computes the mix input of every mixnet contest from the
// counted ballots, and keeps the homomorphic sums for decryption.
func (s *state) startMixing(c *admitCtx) error {
	m := s.manifest
	idx := s.counted()
	var mixIdx []int
	for i := range m.Contests {
		if m.Contests[i].Tally == election.Mixnet {
			mixIdx = append(mixIdx, i)
		}
	}
	inputs := make([][]elgamal.CiphertextVector, len(mixIdx))
	layout := election.AggregateLayout(m)
	sums := make([]elgamal.Ciphertext, len(layout))
	for i := range sums {
		sums[i].Set(elgamal.NewCiphertext())
	}
	const chunk = 4096
	for lo := 0; lo < len(idx); lo += chunk {
		part := idx[lo:min(lo+chunk, len(idx))]
		for _, x := range part {
			e, err := c.entry(x)
			if err != nil {
				return fmt.Errorf("bulletin: reading ballot entry %d: %w", x, err)
			}
			b, err := election.ParseBallot(m, e[EntryHeaderSize:])
			if err != nil {
				return fmt.Errorf("bulletin: ballot entry %d no longer parses: %w", x, err)
			}
			k := 0
			for ci, cb := range b.Contests {
				if m.Contests[ci].Tally == election.Mixnet {
					continue
				}
				for j := range cb.Selections {
					sums[k].Add(&sums[k], &cb.Selections[j].C)
					k++
				}
			}
			for k, ci := range mixIdx {
				inputs[k] = append(inputs[k], elgamal.CiphertextVector{*new(elgamal.Ciphertext).Set(b.Contests[ci].Data)})
			}
		}
	}
	for k, ci := range mixIdx {
		if len(inputs[k]) == 0 {
			continue
		}
		in := inputs[k]
		s.chains = append(s.chains, &chain{contest: m.Contests[ci].ID, input: in, tail: in,
			tailH: mixnet.ListHash(s.ceremony[:], in), used: map[uint32]int{}})
	}
	// With no counted ballot every sum is the identity, which no trustee
	// decrypts: the counts are then zero without decryption.
	if len(sums) > 0 && len(idx) > 0 {
		s.lists = append(s.lists, &decList{name: "aggregate", cts: sums, shares: map[uint32]int64{}})
	}
	return nil
}

// startDecrypting fixes the lists to decrypt: the homomorphic sums, then
// each mixed contest's final list.
func (s *state) startDecrypting(*admitCtx) error {
	for _, ch := range s.chains {
		cts := make([]elgamal.Ciphertext, len(ch.tail))
		for i, v := range ch.tail {
			cts[i].Set(&v[0])
		}
		s.lists = append(s.lists, &decList{name: "mix/" + ch.contest, cts: cts, shares: map[uint32]int64{}})
	}
	for _, l := range s.lists {
		l.hash = threshold.ListHash(l.cts)
	}
	return nil
}

// recount returns the canonical result of the election on the board
// (spec/board.md §4.1): the decrypted lists counted as the verifier's V12
// counts them.
func (s *state) recount(c *admitCtx) ([]byte, error) {
	var sums []*elgamal.Element
	mixed := map[string][]*elgamal.Element{}
	for _, l := range s.lists {
		var entries []*threshold.Entry
		for _, i := range l.shares {
			e, err := c.entry(i)
			if err != nil {
				return nil, fmt.Errorf("bulletin: reading decryption shares entry %d: %w", i, err)
			}
			en, err := threshold.ParseEntry(s.setup, e)
			if err != nil {
				return nil, fmt.Errorf("bulletin: decryption shares entry %d no longer parses: %w", i, err)
			}
			entries = append(entries, en)
		}
		pts, err := threshold.Combine(s.setup, s.dkgResult, l.cts, entries)
		if err != nil {
			return nil, fmt.Errorf("bulletin: decrypting list %q: %w", l.name, err)
		}
		if name, ok := strings.CutPrefix(l.name, "mix/"); ok {
			mixed[name] = pts
		} else {
			sums = pts
		}
	}
	counted := s.counted()
	counts := election.CleanseCounts{Received: len(s.ballots), Accepted: len(counted), Rejected: map[string]int{}}
	for _, r := range election.RejectReasons {
		counts.Rejected[r] = 0
	}
	for _, b := range s.ballots {
		if s.overridden[b.cred] {
			counts.Cancelled++
		}
	}
	counts.Superseded = counts.Received - counts.Accepted - counts.Cancelled
	rep, err := election.Recount(s.manifest, len(s.credList), counts, sums, mixed)
	if err != nil {
		return nil, fmt.Errorf("bulletin: counting: %w", err)
	}
	return rep.ResultJSON(), nil
}

// resultDiff names the first line where a posted canonical result
// differs from the recomputed one.
func resultDiff(posted, want []byte) string {
	p, w := strings.Split(string(posted), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(p), len(w)) {
		if p[i] != w[i] {
			return fmt.Sprintf("line %d is %s, the board recounts %s from the decryption shares", i+1, strings.TrimSpace(p[i]), strings.TrimSpace(w[i]))
		}
	}
	return fmt.Sprintf("%d lines, the board recounts %d", len(p), len(w))
}
