package verifier

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
)

func (v *run) v3() (string, *Failure, error) {
	t := time.Now()
	if err := v.scan(); err != nil {
		return "", nil, err
	}
	s := v.sc
	v.extra["V7"] = s.verifyTime
	v.extra["V3"] = -min(s.verifyTime, time.Since(t))
	if f := s.fails["V3"]; f != nil {
		return "", f, nil
	}
	return fmt.Sprintf("%d entries: genesis signed by the administrator key it names; %d administrator entries signed; phases setup → published in order; every entry in a phase that admits it",
		v.n, s.adminN), nil, nil
}

func (v *run) v4() (string, *Failure, error) {
	s := v.sc
	if f := s.fails["V4"]; f != nil {
		return "", f, nil
	}
	if v.dkg == nil {
		return "", fail(-1, "ceremony", "the ceremony was not evaluated: there is no manifest entry"), nil
	}
	q := make([]string, len(v.dkg.Qualified))
	for i, j := range v.dkg.Qualified {
		q[i] = fmt.Sprint(j)
	}
	sum := fmt.Sprintf("%d ceremony entries of %d trustees (threshold %d): qualified dealers %s; election key %x…",
		len(s.ceremonyRaw), v.setup.N(), v.setup.Threshold, strings.Join(q, ", "), v.dkg.PublicKey.Bytes()[:8])
	if len(v.dkg.Disqualified) > 0 {
		var d []string
		for _, j := range slices.Sorted(mapsKeys(v.dkg.Disqualified)) {
			d = append(d, fmt.Sprintf("trustee %d (%s)", j, v.dkg.Disqualified[j]))
		}
		sum += "; disqualified: " + strings.Join(d, "; ")
	}
	return sum, nil, nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (v *run) v5() (string, *Failure, error) {
	if f := v.sc.fails["V5"]; f != nil {
		return "", f, nil
	}
	if v.manifest == nil {
		return "", fail(-1, "manifest", "the log has no manifest entry"), nil
	}
	m := v.manifest
	h := m.Hash()
	v.rep.ElectionID, v.rep.Title, v.rep.ElectionHash = m.ID, m.Title, hex.EncodeToString(h[:])
	fp := bulletin.ElectionFingerprint(v.key, v.sc.genesisBody, v.sc.manifestRaw, v.sc.restarts...)
	v.rep.Fingerprint = fp.String()
	anchor := "no election fingerprint given to compare with"
	if want := v.opts.Election; want != nil {
		if fp != *want {
			return "", fail(v.manifestIdx, "election fingerprint", "this record is the election with the fingerprint %s (board key, genesis entry 0 and this manifest), not the election %s that was given: it is another election, or a made-up one",
				fp, want), nil
		}
		v.rep.Anchors = append(v.rep.Anchors, Anchor{Kind: AnchorFingerprint, Value: fp.String(),
			Detail: "the board key, the genesis entry and the manifest are those of the election fingerprint given"})
		anchor = "it is the fingerprint given"
	}
	return fmt.Sprintf("manifest %q (%s), %d contests, re-voting %s: valid, canonical, public key is the ceremony's; election hash %x; election fingerprint %s: %s",
		m.ID, m.Title, len(m.Contests), m.Revoting, h[:], fp, anchor), nil, nil
}

func (v *run) v6() (string, *Failure, error) {
	s := v.sc
	if f := s.fails["V6"]; f != nil {
		return "", f, nil
	}
	return fmt.Sprintf("%d credentials in %d entries, all distinct; %d overridden credentials in %d entries, each on the list and named once",
		s.eligibleN, len(s.credIdx), len(s.overridden), len(s.ovrIdx)), nil, nil
}

func (v *run) v7() (string, *Failure, error) {
	s := v.sc
	t := time.Now()
	// α uniqueness: sort 8-byte prefixes, confirm equal prefixes in full.
	slices.SortFunc(s.alphas, func(a, b alphaRec) int {
		switch {
		case a.prefix != b.prefix:
			if a.prefix < b.prefix {
				return -1
			}
			return 1
		case a.entry != b.entry:
			return int(a.entry) - int(b.entry)
		}
		return int(a.pos) - int(b.pos)
	})
	var f *os.File
	for k := 1; k < len(s.alphas); k++ {
		a, b := s.alphas[k-1], s.alphas[k]
		if a.prefix != b.prefix {
			continue
		}
		if f == nil {
			var err error
			if f, err = os.Open(v.path(bulletin.RecordLog)); err != nil {
				return "", nil, err
			}
			defer f.Close()
		}
		x, err := v.alphaOf(f, int64(a.entry), a.pos)
		if err != nil {
			return "", nil, err
		}
		y, err := v.alphaOf(f, int64(b.entry), b.pos)
		if err != nil {
			return "", nil, err
		}
		if bytes.Equal(x, y) {
			where := fmt.Sprintf("%s of entry %d", alphaField(v.manifest, a.pos), a.entry)
			if a.entry == b.entry {
				where = alphaField(v.manifest, a.pos) + " of the same ballot"
			}
			s.fail("V7", fail(int64(b.entry), alphaField(v.manifest, b.pos), "repeats the %s (reused randomness or a copied ciphertext)", where))
		}
	}
	v.extra["V7"] += time.Since(t)
	if f := s.fails["V7"]; f != nil {
		return "", f, nil
	}
	return fmt.Sprintf("%d ballots, %d challenges: signatures and proofs valid, credentials eligible, tracking codes distinct, %d ciphertexts with distinct α; every challenge opens its ballot (its randomness re-encrypts to the ballot and valid choices), and no challenged ballot is cast",
		len(s.ballots), s.challenges, len(s.alphas)), nil, nil
}

func (v *run) v8() (string, *Failure, error) {
	s := v.sc
	last := make(map[[32]byte]int64, len(s.voted))
	for _, b := range s.ballots {
		last[b.cred] = b.index
	}
	c := election.CleanseCounts{Received: len(s.ballots), Rejected: map[string]int{}}
	for _, r := range election.RejectReasons {
		c.Rejected[r] = 0
	}
	for _, b := range s.ballots {
		switch {
		case s.overridden[b.cred]:
			c.Cancelled++
		case last[b.cred] == b.index:
			c.Accepted++
			v.counted = append(v.counted, b.index)
		default:
			c.Superseded++
		}
	}
	v.counts = c
	if c.Accepted+c.Superseded+c.Cancelled != c.Received {
		return "", fail(-1, "counts", "received %d ≠ accepted %d + superseded %d + cancelled %d", c.Received, c.Accepted, c.Superseded, c.Cancelled), nil
	}
	return fmt.Sprintf("%d ballots received: %d accepted (counted), %d superseded by re-votes, %d cancelled by overrides, 0 rejected (as election.Cleanse decides for a verified board)",
		c.Received, c.Accepted, c.Superseded, c.Cancelled), nil, nil
}

// chain is a mix chain being verified.
type chain struct {
	contest string
	index   int // manifest index
	tail    []elgamal.CiphertextVector
	tailH   [32]byte
	used    map[uint32]int
	stages  int
}

// v9 reads the counted ballots (a second pass over the log), sums the
// homomorphic choices and collects the mix inputs.
func (v *run) v9() (string, *Failure, error) {
	m := v.manifest
	layout := election.AggregateLayout(m)
	var mixIdx []int
	for i := range m.Contests {
		if m.Contests[i].Tally == election.Mixnet {
			mixIdx = append(mixIdx, i)
		}
	}
	sums := make([]elgamal.Ciphertext, len(layout))
	for k := range sums {
		sums[k].Set(elgamal.NewCiphertext())
	}
	inputs := make([][]elgamal.CiphertextVector, len(mixIdx))
	lr, err := openLog(v.dir)
	if err != nil {
		return "", nil, err
	}
	defer lr.Close()
	size, _ := election.BallotSize(m)
	next := 0
	var raws [][]byte
	var rawIdx []int64
	var mu sync.Mutex
	process := func() *Failure {
		if len(raws) == 0 {
			return nil
		}
		bs := make([]*election.Ballot, len(raws))
		errs := make([]error, len(raws))
		workers := max(1, min(runtime.GOMAXPROCS(0), len(raws)))
		partial := make([][]elgamal.Ciphertext, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ps := make([]elgamal.Ciphertext, len(layout))
				for k := range ps {
					ps[k].Set(elgamal.NewCiphertext())
				}
				for k := w; k < len(raws); k += workers {
					b, err := election.ParseBallot(m, raws[k])
					if err != nil {
						errs[k] = err
						continue
					}
					bs[k] = b
					pos := 0
					for ci, cb := range b.Contests {
						if m.Contests[ci].Tally == election.Mixnet {
							continue
						}
						for j := range cb.Selections {
							ps[pos].Add(&ps[pos], &cb.Selections[j].C)
							pos++
						}
					}
				}
				partial[w] = ps
			}()
		}
		wg.Wait()
		for k, err := range errs {
			if err != nil {
				return fail(rawIdx[k], "ballot", "%v", err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ps := range partial {
			for k := range ps {
				sums[k].Add(&sums[k], &ps[k])
			}
		}
		for _, b := range bs {
			for k, ci := range mixIdx {
				inputs[k] = append(inputs[k], elgamal.CiphertextVector{*new(elgamal.Ciphertext).Set(b.Contests[ci].Data)})
			}
		}
		raws, rawIdx = nil, nil
		return nil
	}
	for i := int64(0); i < v.n && next < len(v.counted); i++ {
		leaf, _, err := lr.next()
		if err != nil {
			return "", nil, err
		}
		if i != v.counted[next] {
			continue
		}
		next++
		e, err := v.resolve(leaf)
		if err != nil {
			return "", nil, err
		}
		raws, rawIdx = append(raws, e[bulletin.EntryHeaderSize:][:size]), append(rawIdx, i)
		if len(raws) >= ballotChunk {
			if err := v.ctx.Err(); err != nil {
				return "", nil, err
			}
			v.progress("V9 counted ballots", next, len(v.counted))
			if f := process(); f != nil {
				return "", f, nil
			}
		}
	}
	if f := process(); f != nil {
		return "", f, nil
	}
	v.progress("V9 counted ballots", next, len(v.counted))
	for k, ci := range mixIdx {
		if len(inputs[k]) == 0 {
			continue
		}
		v.mixTails = append(v.mixTails, &chain{contest: m.Contests[ci].ID, index: ci, tail: inputs[k],
			tailH: mixnet.ListHash(v.ceremony[:], inputs[k]), used: map[uint32]int{}})
	}
	if len(layout) == 0 || len(v.counted) == 0 {
		return fmt.Sprintf("no aggregate: %s", ifs(len(layout) == 0, "no homomorphic contest", "no counted ballot (every count is 0)")), nil, nil
	}
	v.aggregate = sums
	h := threshold.ListHash(sums)
	if v.forDecryption {
		return fmt.Sprintf("%d sums over %d counted ballots; list hash %x…", len(sums), len(v.counted), h[:8]), nil, nil
	}
	posted := false
	for _, r := range v.sc.shares {
		posted = posted || r.list == h
	}
	if !posted {
		return "", fail(-1, "aggregate", "the trustees decrypted no list with the hash %x… of the aggregate recomputed from the %d counted ballots: the ballots counted on the board are not the ones in the record (a ballot was added, dropped or changed)", h[:8], len(v.counted)), nil
	}
	return fmt.Sprintf("%d sums over %d counted ballots; list hash %x… is the list the trustees decrypted", len(sums), len(v.counted), h[:8]), nil, nil
}

func (v *run) v10() (string, *Failure, error) {
	f, err := os.Open(v.path(bulletin.RecordLog))
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	mixers := make([]mixnet.Mixer, 0, v.setup.N())
	for _, t := range v.setup.Trustees {
		mixers = append(mixers, mixnet.Mixer{Name: t.Name, SigningKey: t.SigningKey})
	}
	for k, i := range v.sc.stages {
		if err := v.ctx.Err(); err != nil {
			return "", nil, err
		}
		v.progress("V10 mix stages", k, len(v.sc.stages))
		e, err := v.entry(f, i)
		if err != nil {
			return "", nil, err
		}
		st, err := mixnet.ParseStage(e)
		if err != nil {
			return "", fail(i, "stage", "%v", err), nil
		}
		ci := slices.IndexFunc(v.mixTails, func(c *chain) bool { return c.tailH == st.Input })
		if ci < 0 {
			return "", fail(i, "input hash", "the stage of %s shuffled the list %x…, which is no contest's list: the input recomputed from the counted ballots (or the previous stage) differs", v.trustee(st.Mixer), st.Input[:8]), nil
		}
		ch := v.mixTails[ci]
		out, err := mixnet.VerifyStage(v.ceremony[:], mixers, v.dkg.PublicKey, ch.tail, ch.stages+1, ch.used, st)
		if err != nil {
			field := fmt.Sprintf("contest %q stage %d by %s", ch.contest, ch.stages+1, v.trustee(st.Mixer))
			var ce *mixnet.ChainError
			if errors.As(err, &ce) {
				field += " " + ce.Check
				return "", fail(i, field, "%v", ce.Err), nil
			}
			return "", fail(i, field, "%v", err), nil
		}
		ch.stages++
		ch.used[st.Mixer] = ch.stages
		ch.tail, ch.tailH = st.Output, out
	}
	v.progress("V10 mix stages", len(v.sc.stages), len(v.sc.stages))
	var parts []string
	for _, ch := range v.mixTails {
		if ch.stages < v.setup.Threshold {
			return "", fail(-1, fmt.Sprintf("contest %q", ch.contest), "%d mix stages, the threshold requires at least %d", ch.stages, v.setup.Threshold), nil
		}
		parts = append(parts, fmt.Sprintf("contest %q: %d ballots through %d stages", ch.contest, len(ch.tail), ch.stages))
	}
	if len(parts) == 0 {
		if len(v.sc.stages) > 0 {
			return "", fail(v.sc.stages[0], "stage", "a mix stage, but no mixnet contest has counted ballots"), nil
		}
		return "no mixnet contest with counted ballots", nil, nil
	}
	return strings.Join(parts, "; ") + ": every shuffle proof, signature and link verifies, each stage by a distinct trustee", nil, nil
}

func (v *run) v11() (string, *Failure, error) {
	if f := v.sc.fails["V11"]; f != nil {
		return "", f, nil // a decryption-shares entry that does not decode
	}
	lists := v.lists()
	f, err := os.Open(v.path(bulletin.RecordLog))
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	byList := map[[32]byte][]shareRef{}
	for _, r := range v.sc.shares {
		if !slices.ContainsFunc(lists, func(l List) bool { return l.Hash == r.list }) {
			return "", fail(r.index, "list hash", "decryption shares of %s for the list %x…, which is not a list to decrypt", v.trustee(r.sender), r.list[:8]), nil
		}
		byList[r.list] = append(byList[r.list], r)
	}
	v.mixed = map[string][]*elgamal.Element{}
	var parts []string
	for k, l := range lists {
		v.progress("V11 decryption", k, len(lists))
		var entries []*threshold.Entry
		at := map[uint32]int64{}
		for _, r := range byList[l.Hash] {
			e, err := v.entry(f, r.index)
			if err != nil {
				return "", nil, err
			}
			en, err := threshold.ParseEntry(v.setup, e)
			if err != nil {
				return "", nil, err // parsed in the scan
			}
			entries = append(entries, en)
			at[r.sender] = r.index
		}
		pts, excl, err := threshold.CombineWithReport(v.setup, v.dkg, l.Ciphertexts, entries)
		// The board admits only decryption-shares entries whose every
		// share verifies (spec/board.md §4.4), so any excluded share
		// condemns its entry; a trustee without an entry is no fault.
		for _, x := range excl {
			i, ok := at[x.Trustee]
			if !ok {
				continue
			}
			field := fmt.Sprintf("list %q decryption shares of %s", l.Name, v.trustee(x.Trustee))
			if x.Ciphertext >= 0 {
				field += fmt.Sprintf(" share %d", x.Ciphertext)
			}
			return "", fail(i, field, "%s", x.Reason), nil
		}
		if err != nil {
			return "", fail(-1, fmt.Sprintf("list %q", l.Name), "%v", err), nil
		}
		parts = append(parts, fmt.Sprintf("%s: %d ciphertexts decrypted by %s", l.Name, len(l.Ciphertexts), v.trustees(trusteesOf(entries))))
		if l.Name == "aggregate" {
			v.plain = pts
		} else {
			v.mixed[strings.TrimPrefix(l.Name, "mix/")] = pts
		}
	}
	if len(lists) == 0 {
		return "nothing to decrypt: no counted ballot", nil, nil
	}
	return strings.Join(parts, "; ") + "; every share's proof verified", nil, nil
}

// trustee names trustee j in election terms: its index and name.
func (v *run) trustee(j uint32) string {
	if t := v.setup.Trustee(j); t != nil {
		return fmt.Sprintf("trustee %d (%s)", j, t.Name)
	}
	return fmt.Sprintf("trustee %d", j)
}

func (v *run) trustees(js []uint32) string {
	out := make([]string, len(js))
	for k, j := range js {
		out[k] = v.trustee(j)
	}
	return strings.Join(out, ", ")
}

func trusteesOf(es []*threshold.Entry) []uint32 {
	var out []uint32
	for _, e := range es {
		out = append(out, e.Sender)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return slices.Compact(out)
}

func (v *run) v12() (string, *Failure, error) {
	rep, err := election.Recount(v.manifest, v.sc.eligibleN, v.counts, v.plain, v.mixed)
	if err != nil {
		return "", fail(-1, "count", "%v", err), nil
	}
	refused := ""
	if b, err := os.ReadFile(v.path(bulletin.RecordRejections)); err == nil {
		rf, err := bulletin.ParseRejections(b)
		if err != nil {
			var je *election.JSONError
			if errors.As(err, &je) {
				return "", fail(-1, bulletin.RecordRejections+" "+je.Path, "%s (the file must decode strictly, spec/record.md)", je.Problem), nil
			}
			return "", fail(-1, bulletin.RecordRejections, "%v", err), nil
		}
		rep.Refused = make([]election.RejectCount, 0, len(bulletin.Reasons))
		for _, r := range bulletin.Reasons {
			rep.Refused = append(rep.Refused, election.RejectCount{Reason: string(r), Count: int(rf.Counts[r])})
		}
		refused = fmt.Sprintf("; %d submissions refused by the board (reported by the board; not covered by its checkpoints)", rf.Total)
	}
	v.rep.Result = rep
	var cs []string
	for _, c := range rep.Contests {
		cs = append(cs, fmt.Sprintf("%s (%d ballots)", c.ID, c.Ballots))
	}
	return fmt.Sprintf("counted %d contests: %s%s", len(cs), strings.Join(cs, ", "), refused), nil, nil
}

func (v *run) v13() (string, *Failure, error) {
	s := v.sc
	if s.resultIdx < 0 {
		return "", fail(-1, "result", "the log has no result entry"), nil
	}
	want := v.rep.Result.ResultJSON()
	if bytes.Equal(s.resultBody, want) {
		return "the published result is byte for byte the canonical encoding of the recomputed result", nil, nil
	}
	// Explain the difference: a body that does not decode, a count that
	// differs, or another serialisation of the same result.
	posted, err := election.ParseResult(s.resultBody)
	if err != nil {
		var je *election.JSONError
		if !errors.As(err, &je) {
			return "", fail(s.resultIdx, "result", "%v", err), nil
		}
		field := je.Path
		if field == "" {
			field = "result"
		}
		return "", fail(s.resultIdx, field, "the published result does not decode strictly (spec/result.md §3): %s", je.Problem), nil
	}
	p, err := decodeUseNumber(posted.ResultJSON())
	if err != nil {
		return "", nil, err
	}
	w, err := decodeUseNumber(want)
	if err != nil {
		return "", nil, err
	}
	if path, ps, ws, ok := jsonDiff("", p, w); !ok {
		return "", fail(s.resultIdx, path, "the published result says %s, the recomputed result %s", ps, ws), nil
	}
	return "", fail(s.resultIdx, "result", "the published result has the recomputed counts but is not their canonical encoding (spec/result.md §2: member order, whitespace, escaping)"), nil
}

// decodeUseNumber decodes JSON keeping numbers as their literals.
func decodeUseNumber(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	err := d.Decode(&x)
	return x, err
}

// jsonDiff returns the first path where a and b differ.
func jsonDiff(path string, a, b any) (string, string, string, bool) {
	show := func(x any) string {
		if x == nil {
			return "nothing"
		}
		j, _ := json.Marshal(x)
		if len(j) > 80 {
			j = append(j[:77], "..."...)
		}
		return string(j)
	}
	root := func() string {
		if path == "" {
			return "result"
		}
		return path
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return root(), show(a), show(b), false
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		for _, k := range slices.Sorted(mapsKeys(keys)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if p, s1, s2, ok := jsonDiff(p, x[k], y[k]); !ok {
				return p, s1, s2, false
			}
		}
		return "", "", "", true
	case []any:
		y, ok := b.([]any)
		if !ok {
			return root(), show(a), show(b), false
		}
		for k := range min(len(x), len(y)) {
			if p, s1, s2, ok := jsonDiff(fmt.Sprintf("%s[%d]", path, k), x[k], y[k]); !ok {
				return p, s1, s2, false
			}
		}
		if len(x) != len(y) {
			return root(), fmt.Sprintf("%d elements", len(x)), fmt.Sprintf("%d elements", len(y)), false
		}
		return "", "", "", true
	}
	if a != b {
		return root(), show(a), show(b), false
	}
	return "", "", "", true
}
