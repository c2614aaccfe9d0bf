package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/verifier"
)

// openElection posts what opens e's election: genesis, the ceremony, the
// manifest, the credentials and the phases up to open.
func openElection(e *scenario.Election, post func([]byte)) {
	post(e.Genesis())
	post(e.Phase(bulletin.PhaseKeyCeremony))
	for _, c := range e.CeremonyEntries {
		post(c)
	}
	post(e.ManifestEntry())
	post(e.CredentialsEntry())
	post(e.Phase(bulletin.PhaseOpen))
}

// verifyRecordFixture builds a small homomorphic election on a board and
// exports its record.
func verifyRecordFixture(t *testing.T) (*scenario.Election, string) {
	e, err := scenario.New(scenario.Options{Voters: 5, Seed: 11})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	ctx := context.Background()
	post := func(entry []byte) {
		_, err := b.Submit(ctx, entry)
		require.NoError(t, err)
	}
	openElection(e, post)
	var cast []*election.Ballot
	for v := range 5 {
		entry, bal, _, err := e.Ballot(v, election.Choices{"council": {v % 5}})
		require.NoError(t, err)
		post(entry)
		cast = append(cast, bal)
	}
	post(e.Phase(bulletin.PhaseClosed))
	post(e.Phase(bulletin.PhaseMixing))
	post(e.Phase(bulletin.PhaseDecrypting))
	cl := election.Cleanse(e.Manifest, e.Registrar.PublicList(), cast, nil)
	agg, err := cl.Aggregate()
	require.NoError(t, err)
	var shares []*threshold.Entry
	for j := 1; j <= 2; j++ {
		sh, err := e.DecryptionShares(j, agg)
		require.NoError(t, err)
		post(sh)
		en, err := threshold.ParseEntry(e.Setup, sh)
		require.NoError(t, err)
		shares = append(shares, en)
	}
	pts, err := threshold.Combine(e.Setup, e.Result, agg, shares)
	require.NoError(t, err)
	res, err := election.Count(e.Manifest, cl, pts, nil)
	require.NoError(t, err)
	body, err := election.NewReport(cl, res).JSON()
	require.NoError(t, err)
	post(e.ResultEntry(body))
	post(e.Phase(bulletin.PhasePublished))
	dir := filepath.Join(t.TempDir(), "record")
	_, err = bulletin.ExportRecord(ctx, b.Source(), dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, bulletin.RecordVKey), []byte(e.BoardVKey+"\n"), 0o644))
	return e, dir
}

func TestVerifyCommand(t *testing.T) {
	e, dir := verifyRecordFixture(t)
	key := filepath.Join(t.TempDir(), "board.vkey")
	require.NoError(t, os.WriteFile(key, []byte(e.BoardVKey+"\n"), 0o644))
	page := filepath.Join(t.TempDir(), "report.html")
	fp := e.Fingerprint().String()

	var stdout, stderr bytes.Buffer
	code := run([]string{"urna", "verify", "--election", fp, "--board-key", key, "--html", page, dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "%s%s", stdout.String(), stderr.String())
	require.True(t, strings.HasPrefix(stdout.String(), "ANCHORED: "), stdout.String())
	require.Contains(t, stdout.String(), "The record verifies")
	require.Contains(t, stdout.String(), "V13  Published result")
	require.Contains(t, stdout.String(), "fingerprint    "+fp)
	require.Empty(t, stderr.String())
	h, err := os.ReadFile(page)
	require.NoError(t, err)
	require.Contains(t, string(h), "<svg")
	require.Less(t, strings.Index(string(h), "ANCHORED: "), strings.Index(string(h), "<h1>"))

	// A fingerprint copied in groups, in capitals, reads back.
	grouped := strings.ToUpper(fp[:16] + " " + fp[16:32] + "-" + fp[32:])
	stdout.Reset()
	code = run([]string{"urna", "verify", "--election", grouped, "--json", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "%s%s", stdout.String(), stderr.String())
	require.True(t, strings.HasPrefix(stdout.String(), "{\n  \"anchored\": true,\n  \"anchor_note\": \"ANCHORED: "), stdout.String())
	require.Contains(t, stdout.String(), `"ok": true`)

	// Without the fingerprint every step passes, but the record is not
	// anchored: exit status 3, and NOT ANCHORED first in every format.
	for _, format := range [][]string{nil, {"--json"}} {
		stdout.Reset()
		stderr.Reset()
		args := append(append([]string{"urna", "verify", "--board-key", key}, format...), dir)
		code = run(args, &stdout, &stderr)
		require.Equal(t, 3, code, "%s%s", stdout.String(), stderr.String())
		require.Contains(t, stdout.String()[:60], "NOT ANCHORED: ")
		require.Contains(t, stderr.String(), "urna: every step passed, but the record is NOT ANCHORED")
		require.Contains(t, stderr.String(), "hint: compare its fingerprint "+fp)
	}
	require.Contains(t, stdout.String(), `"anchored": false`)
	// --unanchored accepts it, and still says so.
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"urna", "verify", "--unanchored", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "%s%s", stdout.String(), stderr.String())
	require.True(t, strings.HasPrefix(stdout.String(), "NOT ANCHORED: "), stdout.String())
	require.Contains(t, stdout.String(), "record's own board.vkey")

	// Another election's fingerprint fails at V5.
	other := strings.Repeat("ab", 32)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"urna", "verify", "--election", other, dir}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verification failed at step V5 (Manifest and election fingerprint): entry 10: election fingerprint: this record is the election with the fingerprint "+fp)
	require.True(t, strings.HasPrefix(stdout.String(), "NOT VERIFIED: "), stdout.String())

	// A malformed fingerprint is refused before anything is read.
	stderr.Reset()
	code = run([]string{"urna", "verify", "--election", fp[:63], dir}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: --election: bulletin: invalid election fingerprint: 63 hex digits, want 64")

	// A wrong tally, re-signed by the administrator, fails at V13.
	bad := filepath.Join(t.TempDir(), "bad")
	require.NoError(t, os.CopyFS(bad, os.DirFS(dir)))
	k := verifier.TamperKeys{Board: e.Signer, Admin: e.Admin}
	for _, id := range e.Identities {
		k.Trustees = append(k.Trustees, id.SigningKey)
	}
	step, err := verifier.Tamper(bad, "wrong-tally", k)
	require.NoError(t, err)
	require.Equal(t, "V13", step)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"urna", "verify", "--election", fp, "--board-key", key, bad}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verification failed at step V13 (Published result): entry ")
	require.Contains(t, stdout.String(), "does NOT verify")

	// --keep-going reports every failing step: a bad decryption share
	// (V11) with a wrong tally still to be found.
	require.NoError(t, os.RemoveAll(bad))
	require.NoError(t, os.CopyFS(bad, os.DirFS(dir)))
	_, err = verifier.Tamper(bad, "bad-decryption-share", k)
	require.NoError(t, err)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"urna", "verify", "--election", fp, "--keep-going", bad}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verification failed at step V11 (Decryption): entry ")
	require.Contains(t, stdout.String(), "not checked: it needs V11, which did not pass")

	stderr.Reset()
	code = run([]string{"urna", "verify"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verify takes one RECORD")
}
