package verifier_test

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/verifier"
)

func post(t testing.TB, b *bulletin.Board, entry []byte) *bulletin.Receipt {
	t.Helper()
	r, err := b.Submit(context.Background(), entry)
	require.NoError(t, err)
	return r
}

// fixture is a complete election record, built once.
type fixture struct {
	e        *scenario.Election
	dir      string
	receipt  []byte // a voter's receipt checkpoint
	expected *election.Report
	yes, no  int // referendum votes of the counted ballots
}

func buildFixture(t testing.TB, voters int) *fixture {
	t.Helper()
	e, err := scenario.New(scenario.Options{Voters: voters, Manifest: scenario.Danish(), Seed: 7})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	post(t, b, e.Genesis())
	post(t, b, e.Phase(bulletin.PhaseKeyCeremony))
	for _, c := range e.CeremonyEntries {
		post(t, b, c)
	}
	post(t, b, e.ManifestEntry())
	post(t, b, e.CredentialsEntry())
	post(t, b, e.Phase(bulletin.PhaseOpen))
	r := rand.New(rand.NewPCG(3, 4))
	last := map[int]election.Choices{}
	var rc *bulletin.Receipt
	for v := range voters {
		ch := e.RandomChoices(r)
		entry, _, _, err := e.Ballot(v, ch)
		require.NoError(t, err)
		rc = post(t, b, entry)
		last[v] = ch
	}
	// Re-votes by voters 0 and 1, a challenge by voter 2.
	for v := range 2 {
		ch := e.RandomChoices(r)
		entry, _, _, err := e.Ballot(v, ch)
		require.NoError(t, err)
		post(t, b, entry)
		last[v] = ch
	}
	_, bal, op, err := e.Ballot(2, e.RandomChoices(r))
	require.NoError(t, err)
	post(t, b, bulletin.ChallengeEntry(bal.Bytes(), op.Bytes()))
	// A refused submission.
	_, err = b.Submit(context.Background(), []byte("garbage"))
	require.Error(t, err)
	post(t, b, e.Phase(bulletin.PhaseClosed))
	post(t, b, e.OverridesEntry(3))
	delete(last, 3)
	post(t, b, e.Phase(bulletin.PhaseMixing))
	for _, contest := range b.MixContests() {
		for pos := 1; pos <= 2; pos++ {
			in, p, err := b.MixInput(contest)
			require.NoError(t, err)
			st, err := e.MixStage(pos, p, in)
			require.NoError(t, err)
			post(t, b, st)
		}
	}
	post(t, b, e.Phase(bulletin.PhaseDecrypting))
	var shares []*threshold.Entry
	for _, l := range b.DecryptionLists() {
		for j := 1; j <= 2; j++ {
			sh, err := e.DecryptionShares(j, l.Ciphertexts)
			require.NoError(t, err)
			post(t, b, sh)
			en, err := threshold.ParseEntry(e.Setup, sh)
			require.NoError(t, err)
			shares = append(shares, en)
		}
	}
	rep := expectedReport(t, e, b, shares)
	post(t, b, e.ResultEntry(rep.ResultJSON()))
	post(t, b, e.Phase(bulletin.PhasePublished))

	dir := filepath.Join(t.TempDir(), "record")
	_, err = bulletin.ExportRecord(context.Background(), b.Source(), dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	f := &fixture{e: e, dir: dir, receipt: []byte(rc.Checkpoint), expected: rep}
	for _, ch := range last {
		switch sel := ch["referendum"]; {
		case len(sel) == 1 && sel[0] == 0:
			f.yes++
		case len(sel) == 1 && sel[0] == 1:
			f.no++
		}
	}
	return f
}

// expectedReport computes the protocol the way 'urna tally' does, from
// the board's entries.
func expectedReport(t testing.TB, e *scenario.Election, b *bulletin.Board, shares []*threshold.Entry) *election.Report {
	m := e.Manifest
	var cast []*election.Ballot
	var overrides [][32]byte
	for i := range b.Log().Size() {
		leaf, err := b.Log().Entry(i)
		require.NoError(t, err)
		switch ty, _ := bulletin.EntryType(leaf); ty {
		case bulletin.TypeBallot:
			bal, err := election.ParseBallot(m, leaf[bulletin.EntryHeaderSize:])
			require.NoError(t, err)
			cast = append(cast, bal)
		case bulletin.TypeAdmin:
			a, err := bulletin.ParseAdminEntry(leaf)
			require.NoError(t, err)
			if a.Kind == bulletin.AdminOverrides {
				l, err := election.ParsePublicList(a.Body)
				require.NoError(t, err)
				overrides = append(overrides, l...)
			}
		}
	}
	cl := election.Cleanse(m, e.Registrar.PublicList(), cast, overrides)
	agg, err := cl.Aggregate()
	require.NoError(t, err)
	plain, err := threshold.Combine(e.Setup, e.Result, agg, shares)
	require.NoError(t, err)
	mixed := map[string][]*elgamal.Element{}
	for _, l := range b.DecryptionLists() {
		if name, ok := strings.CutPrefix(l.Name, "mix/"); ok {
			pts, err := threshold.Combine(e.Setup, e.Result, l.Ciphertexts, shares)
			require.NoError(t, err)
			mixed[name] = pts
		}
	}
	res, err := election.Count(m, cl, plain, mixed)
	require.NoError(t, err)
	return election.NewReport(cl, res)
}

func getFixture(t *testing.T) *fixture {
	t.Helper()
	return buildFixture(t, 12)
}

// copyDir copies the record to a fresh directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "record")
	require.NoError(t, verifier.CopyRecord(src, dst))
	return dst
}

func keys(e *scenario.Election) verifier.TamperKeys {
	k := verifier.TamperKeys{Board: e.Signer, Admin: e.Admin}
	for _, id := range e.Identities {
		k.Trustees = append(k.Trustees, id.SigningKey)
	}
	return k
}

func TestVerifyRecord(t *testing.T) {
	f := getFixture(t)
	var steps []string
	start := time.Now()
	fp := f.e.Fingerprint()
	rep, err := verifier.VerifyDir(context.Background(), f.dir, verifier.Options{
		BoardKey:    f.e.BoardKey,
		Election:    &fp,
		Checkpoints: [][]byte{f.receipt},
		Progress:    func(step string, done, total int) { steps = append(steps, step) },
	})
	require.NoError(t, err)
	t.Logf("verified in %v", time.Since(start))
	require.True(t, rep.OK, "%s", rep.Text())
	require.True(t, rep.Anchored)
	require.Equal(t, fp.String(), rep.Fingerprint)
	require.Equal(t, []verifier.Anchor{{Kind: verifier.AnchorFingerprint, Value: fp.String(),
		Detail: "the board key, the genesis entry and the manifest are those of the election fingerprint given"}}, rep.Anchors)
	require.Len(t, rep.Steps, 13)
	for _, s := range rep.Steps {
		require.Equal(t, verifier.Pass, s.Status, s.ID)
		require.NotEmpty(t, s.Summary, s.ID)
		require.NotEmpty(t, s.Explanation, s.ID)
	}
	require.Nil(t, rep.FirstFailure())
	require.NotEmpty(t, steps)
	require.Equal(t, f.e.Manifest.ID, rep.ElectionID)
	require.Equal(t, f.e.Origin, rep.Origin)

	res := rep.Result
	require.NotNil(t, res)
	require.Equal(t, 14, res.Received)
	require.Equal(t, 11, res.Accepted) // 12 voters, one overridden
	require.Equal(t, 2, res.Superseded)
	require.Equal(t, 1, res.Cancelled)
	require.Equal(t, f.expected.Contests, res.Contests)
	ref := res.Contests[0]
	require.Equal(t, f.yes, ref.Options[0].Votes)
	require.Equal(t, f.no, ref.Options[1].Votes)
	require.NotNil(t, res.Refused)
	total := 0
	for _, r := range res.Refused {
		total += r.Count
	}
	require.Equal(t, 1, total)

	text := rep.Text()
	require.True(t, strings.HasPrefix(text, "ANCHORED: "), text)
	require.Contains(t, text, "V7   Ballots")
	require.Contains(t, text, "The record verifies")
	require.Contains(t, text, "refused by the board")
	j, err := rep.JSON()
	require.NoError(t, err)
	require.Contains(t, string(j), `"ok": true`)
	h, err := rep.HTML()
	require.NoError(t, err)
	require.Contains(t, string(h), "<svg")
	require.Contains(t, string(h), "✓")
	require.NotContains(t, string(h), "http://example")
	require.NotContains(t, string(h), "<script")

	// Without a fingerprint every step passes, but the record is not
	// anchored, and every format says so first.
	rep, err = verifier.VerifyDir(context.Background(), f.dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.True(t, rep.OK)
	require.False(t, rep.Anchored)
	require.Empty(t, rep.Anchors)
	require.Equal(t, fp.String(), rep.Fingerprint)
	require.True(t, strings.HasPrefix(rep.Text(), "NOT ANCHORED: "), rep.Text())
	require.NotContains(t, rep.Text(), "The record verifies")
	j, err = rep.JSON()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(j), "{\n  \"anchored\": false,\n  \"anchor_note\": \"NOT ANCHORED: "), string(j))
	h, err = rep.HTML()
	require.NoError(t, err)
	require.Less(t, strings.Index(string(h), "NOT ANCHORED: "), strings.Index(string(h), "<h1>"))

	// Without a key, the record's board.vkey is used: not an anchor by
	// itself, but covered by the fingerprint.
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, bulletin.RecordVKey), []byte(f.e.BoardVKey+"\n"), 0o644))
	rep, err = verifier.VerifyDir(context.Background(), f.dir, verifier.Options{Election: &fp})
	require.NoError(t, err)
	require.True(t, rep.Anchored, rep.Text())
	require.Contains(t, rep.Steps[0].Summary, "the record's own board.vkey")
	// A board.vkey that is not canonical is refused.
	name, rest, _ := strings.Cut(f.e.BoardVKey, "+")
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, bulletin.RecordVKey), []byte(name+"+00000000+"+rest[9:]+"\n"), 0o644))
	rep, err = verifier.VerifyDir(context.Background(), f.dir, verifier.Options{Election: &fp})
	require.NoError(t, err)
	require.Equal(t, "V1", rep.FirstFailure().ID)
	require.Equal(t, bulletin.RecordVKey, rep.FirstFailure().Failure.Field)
	require.NoError(t, os.Remove(filepath.Join(f.dir, bulletin.RecordVKey)))
	rep, err = verifier.VerifyDir(context.Background(), f.dir, verifier.Options{Election: &fp})
	require.NoError(t, err)
	require.Equal(t, "V1", rep.FirstFailure().ID)
}

// TestVerifyFabricated is the attack of an operator holding only the board
// key: a complete election of its own on the same board key passes every
// step, and only the fingerprint tells it from the real one.
func TestVerifyFabricated(t *testing.T) {
	f := getFixture(t)
	fake, err := scenario.New(scenario.Options{Voters: 4, Seed: 99, BoardKey: f.e.BoardSeed})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: fake.Origin, Signer: fake.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	_, err = fake.Run(context.Background(), scenario.BoardPoster(b), scenario.RunOptions{Clients: 1})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "fabricated")
	_, err = bulletin.ExportRecord(context.Background(), b.Source(), dir, fake.Verifier, fake.Origin)
	require.NoError(t, err)

	rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.True(t, rep.OK, rep.Text())
	require.False(t, rep.Anchored)

	fp := f.e.Fingerprint()
	rep, err = verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey, Election: &fp})
	require.NoError(t, err)
	require.False(t, rep.OK)
	require.False(t, rep.Anchored)
	ff := rep.FirstFailure()
	require.Equal(t, "V5", ff.ID)
	require.Equal(t, "election fingerprint", ff.Failure.Field)
	require.Contains(t, ff.Failure.Problem, fake.Fingerprint().String())
	require.True(t, strings.HasPrefix(rep.Text(), "NOT VERIFIED: "))
}

// TestVerifyCulprit checks that failures name the entry that is wrong, in
// election terms, and that --keep-going reports every failing step.
func TestVerifyCulprit(t *testing.T) {
	f := getFixture(t)
	fp := f.e.Fingerprint()
	opts := verifier.Options{BoardKey: f.e.BoardKey, Election: &fp}
	rec, err := bulletin.ReadRecord(f.dir)
	require.NoError(t, err)

	// The second trustee's decryption shares of the first list are bad:
	// the failure names that entry and trustee, not the first entry.
	var shareIdx []int64
	for i := range rec.Size() {
		if ty, _ := bulletin.EntryType(rec.Entry(i)); ty == byte(threshold.TypeDecryptionShares) {
			shareIdx = append(shareIdx, i)
		}
	}
	require.GreaterOrEqual(t, len(shareIdx), 2)
	dir := copyDir(t, f.dir)
	en, err := threshold.ParseEntry(f.e.Setup, rec.Entry(shareIdx[1]))
	require.NoError(t, err)
	body, err := threshold.ParseDecryptionSharesBody(en.Body)
	require.NoError(t, err)
	body.Shares[1].Add(&body.Shares[1], elgamal.NewGeneratorElement())
	en.Body = body.Bytes()
	en.Sign(f.e.Identities[en.Sender-1].SigningKey)
	rewrite(t, dir, f.e, map[int64][]byte{shareIdx[1]: en.Bytes()})
	rep, err := verifier.VerifyDir(context.Background(), dir, opts)
	require.NoError(t, err)
	ff := rep.FirstFailure()
	require.Equal(t, "V11", ff.ID, rep.Text())
	require.Equal(t, shareIdx[1], ff.Failure.Entry)
	require.Contains(t, ff.Failure.Field, "trustee 2 (trustee-2) share 1")

	// A credentials entry that does not decode fails V6 at that entry, not
	// V3; with --keep-going V3 passes, and the ballots, whose eligibility
	// needs the roll, are not blamed for it.
	dir = copyDir(t, f.dir)
	step, err := verifier.Tamper(dir, "malformed-credentials", keys(f.e))
	require.NoError(t, err)
	require.Equal(t, "V6", step)
	opts.KeepGoing = true
	rep, err = verifier.VerifyDir(context.Background(), dir, opts)
	require.NoError(t, err)
	require.Equal(t, []string{"V6"}, failedSteps(rep), rep.Text())
	require.Equal(t, verifier.Pass, rep.Steps[2].Status)
	require.Equal(t, "credentials", rep.Steps[5].Failure.Field)
	require.Equal(t, verifier.Skipped, rep.Steps[6].Status)
	require.Contains(t, rep.Steps[6].Summary, "it needs V6")

	// Two independent failures, a changed ballot (V7) and a fork (V2):
	// --keep-going reports both, and skips what depends on V7.
	dir = copyDir(t, f.dir)
	_, err = verifier.Tamper(dir, "changed-ballot", keys(f.e))
	require.NoError(t, err)
	_, err = verifier.Tamper(dir, "forked-checkpoint", keys(f.e))
	require.NoError(t, err)
	rep, err = verifier.VerifyDir(context.Background(), dir, opts)
	require.NoError(t, err)
	require.Equal(t, []string{"V2", "V7"}, failedSteps(rep), rep.Text())
	require.Contains(t, rep.Steps[12].Summary, "it needs V12")
	require.Contains(t, rep.Text(), "steps V2, V7 failed")
	opts.KeepGoing = false
	rep, err = verifier.VerifyDir(context.Background(), dir, opts)
	require.NoError(t, err)
	require.Equal(t, []string{"V2"}, failedSteps(rep))
}

func failedSteps(rep *verifier.Report) []string {
	var out []string
	for _, s := range rep.Failures() {
		out = append(out, s.ID)
	}
	return out
}

// rewrite replaces entries of the record in dir and re-signs its
// checkpoint with the board key.
func rewrite(t *testing.T, dir string, e *scenario.Election, repl map[int64][]byte) {
	t.Helper()
	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	var entries [][]byte
	for i := range rec.Size() {
		if r, ok := repl[i]; ok {
			entries = append(entries, r)
			continue
		}
		entries = append(entries, rec.Entry(i))
	}
	require.NoError(t, verifier.RewriteLog(dir, entries, e.Signer))
}

func TestVerifyTampered(t *testing.T) {
	f := getFixture(t)
	for _, kind := range verifier.TamperKinds {
		t.Run(kind, func(t *testing.T) {
			dir := copyDir(t, f.dir)
			step, err := verifier.Tamper(dir, kind, keys(f.e))
			require.NoError(t, err)
			rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
			require.NoError(t, err)
			require.False(t, rep.OK)
			ff := rep.FirstFailure()
			require.NotNil(t, ff)
			require.Equal(t, step, ff.ID, "%s", rep.Text())
			require.NotNil(t, ff.Failure)
			t.Logf("%s: %s %s: %s", kind, ff.ID, ff.Title, ff.Failure)
			for _, s := range rep.Steps {
				if s.ID > ff.ID && len(s.ID) >= len(ff.ID) || len(s.ID) > len(ff.ID) {
					require.Equal(t, verifier.Skipped, s.Status, s.ID)
				}
			}
			require.Contains(t, rep.Text(), "does NOT verify")
			// --keep-going fails first at the same step.
			kg, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey, KeepGoing: true})
			require.NoError(t, err)
			require.Equal(t, step, kg.FirstFailure().ID, "%s", kg.Text())
			h, err := rep.HTML()
			require.NoError(t, err)
			require.Contains(t, string(h), "✗")
		})
	}
}

// TestVerifyResultStrict checks V13's byte comparison and what it says
// when the posted result differs: the audit's duplicate member and
// fractional count, another serialisation, a changed count.
func TestVerifyResultStrict(t *testing.T) {
	f := getFixture(t)
	for kind, want := range map[string][2]string{
		"duplicate-member-result": {"contests[0].options[0].votes", "does not decode strictly (spec/result.md §3): duplicate member"},
		"fractional-count":        {"contests[0].options[0].votes", "has a fraction"},
		"wrong-tally":             {"contests[0].options[0].votes", "the published result says"},
		"reformatted-result":      {"result", "has the recomputed counts but is not their canonical encoding"},
	} {
		dir := copyDir(t, f.dir)
		_, err := verifier.Tamper(dir, kind, keys(f.e))
		require.NoError(t, err)
		rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
		require.NoError(t, err)
		ff := rep.FirstFailure()
		require.Equal(t, "V13", ff.ID, kind)
		require.Equal(t, want[0], ff.Failure.Field, kind)
		require.Contains(t, ff.Failure.Problem, want[1], kind)
		require.NotEqual(t, int64(-1), ff.Failure.Entry)
	}
}

// TestVerifyRejectionsStrict checks that V12 decodes rejections.json
// strictly and that the file stays optional.
func TestVerifyRejectionsStrict(t *testing.T) {
	f := getFixture(t)
	path := func(dir string) string { return filepath.Join(dir, bulletin.RecordRejections) }
	orig, err := os.ReadFile(path(f.dir))
	require.NoError(t, err)
	require.Contains(t, string(orig), `"malformed": 1,`)
	for bad, want := range map[string][2]string{
		strings.Replace(string(orig), `"malformed": 1,`, `"malformed": 0, "malformed": 1,`, 1): {"rejections.json counts.malformed", "duplicate member"},
		strings.Replace(string(orig), `"malformed": 1,`, `"malformed": 1, "bribed": 0,`, 1):    {"rejections.json counts.bribed", "unknown member"},
		strings.Replace(string(orig), `"malformed": 1,`, `"malformed": 1.0,`, 1):               {"rejections.json counts.malformed", "has a fraction"},
		strings.Replace(string(orig), `"reason": "malformed"`, `"reason": "bribed"`, 1):        {"rejections.json rejections[0].reason", `unknown reason "bribed"`},
		strings.Replace(string(orig), `"malformed": 1,`, `"malformed": 2,`, 1):                 {"rejections.json total", "the counts add up to 2"},
	} {
		dir := copyDir(t, f.dir)
		require.NoError(t, os.WriteFile(path(dir), []byte(bad), 0o644))
		rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
		require.NoError(t, err)
		ff := rep.FirstFailure()
		require.Equal(t, "V12", ff.ID, want[0])
		require.Equal(t, want[0], ff.Failure.Field)
		require.Contains(t, ff.Failure.Problem, want[1])
	}
	dir := copyDir(t, f.dir)
	require.NoError(t, os.Remove(path(dir)))
	rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.True(t, rep.OK, rep.Text())
}

func TestVerifyUnsignedCheckpoint(t *testing.T) {
	f := getFixture(t)
	dir := copyDir(t, f.dir)
	b, err := os.ReadFile(filepath.Join(dir, bulletin.RecordCheckpoint))
	require.NoError(t, err)
	text, _, _ := strings.Cut(string(b), "\n\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, bulletin.RecordCheckpoint), []byte(text+"\n\n"), 0o644))
	rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.Equal(t, "V1", rep.FirstFailure().ID)
}

func TestVerifyMissingDir(t *testing.T) {
	_, err := verifier.VerifyDir(context.Background(), filepath.Join(t.TempDir(), "nope"), verifier.Options{})
	require.Error(t, err)
}

// TestVerifyTiming measures verification of a larger record; set
// URNA_VERIFY_BALLOTS (for example 300) to run it.
func TestVerifyTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("URNA_VERIFY_BALLOTS"))
	if n == 0 {
		t.Skip("set URNA_VERIFY_BALLOTS to measure")
	}
	f := buildFixture(t, n)
	start := time.Now()
	rep, err := verifier.VerifyDir(context.Background(), f.dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	d := time.Since(start)
	require.True(t, rep.OK, "%s", rep.Text())
	t.Logf("%d ballots (+2 re-votes, 1 challenge) verified in %v: %v per ballot\n%s", n, d, d/time.Duration(n+2), rep.Text())
}

// A challenge whose opening names its ballot but reveals junk randomness
// fails V7 at that entry, naming the contest, the choice and the ballot.
func TestVerifyJunkOpening(t *testing.T) {
	f := getFixture(t)
	dir := copyDir(t, f.dir)
	step, err := verifier.Tamper(dir, "junk-opening", keys(f.e))
	require.NoError(t, err)
	require.Equal(t, "V7", step)
	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	idx := int64(-1)
	var ballot []byte
	size, err := election.BallotSize(f.e.Manifest)
	require.NoError(t, err)
	for i := range rec.Size() {
		e := rec.Entry(i)
		if ty, _ := bulletin.EntryType(e); ty == bulletin.TypeChallenge {
			idx, ballot = i, e[bulletin.EntryHeaderSize:bulletin.EntryHeaderSize+size]
			break
		}
	}
	require.GreaterOrEqual(t, idx, int64(0))
	rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.False(t, rep.OK)
	ff := rep.FirstFailure()
	require.NotNil(t, ff)
	require.Equal(t, "V7", ff.ID, "%s", rep.Text())
	require.Equal(t, idx, ff.Failure.Entry)
	require.Equal(t, `opening: contest "`+f.e.Manifest.Contests[0].ID+`" choice 0`, ff.Failure.Field)
	require.Contains(t, ff.Failure.Problem, "the challenge of ballot "+election.TrackingCodeOf(ballot)+" does not open it")
	require.Contains(t, ff.Failure.Problem, "does not re-encrypt")
}

// TestVerifyRestartedCeremony: an election whose ceremony was abandoned
// and restarted (spec/board.md §3.1) verifies, anchored to the
// fingerprint that covers the restart; the fingerprint without it is
// another election's.
func TestVerifyRestartedCeremony(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 6, Manifest: scenario.Danish(), Seed: 31, Restart: true})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	_, err = e.Run(context.Background(), scenario.BoardPoster(b), scenario.RunOptions{Clients: 1})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "record")
	_, err = bulletin.ExportRecord(context.Background(), b.Source(), dir, e.Verifier, e.Origin)
	require.NoError(t, err)

	fp := e.Fingerprint()
	rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: e.BoardKey, Election: &fp})
	require.NoError(t, err)
	require.True(t, rep.Anchored, rep.Text())
	h := e.Setup.Hash()
	require.Equal(t, hex.EncodeToString(h[:]), rep.Ceremony, "the ceremony in force is the restarted one")

	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	g, err := bulletin.ParseAdminEntry(rec.Entry(0))
	require.NoError(t, err)
	without := bulletin.ElectionFingerprint(e.BoardKey, g.Body, e.Manifest.JSON())
	require.NotEqual(t, fp, without)
	rep, err = verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: e.BoardKey, Election: &without})
	require.NoError(t, err)
	require.Equal(t, "V5", rep.FirstFailure().ID)
}
