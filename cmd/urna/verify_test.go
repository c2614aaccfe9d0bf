package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/verifier"
)

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
	post(e.Genesis())
	post(e.Phase(bulletin.PhaseKeyCeremony))
	for _, c := range e.CeremonyEntries {
		post(c)
	}
	post(e.ManifestEntry())
	post(e.CredentialsEntry())
	post(e.Phase(bulletin.PhaseOpen))
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
	return e, dir
}

func TestVerifyCommand(t *testing.T) {
	e, dir := verifyRecordFixture(t)
	key := filepath.Join(t.TempDir(), "board.vkey")
	require.NoError(t, os.WriteFile(key, []byte(e.BoardVKey+"\n"), 0o644))
	page := filepath.Join(t.TempDir(), "report.html")

	var stdout, stderr bytes.Buffer
	code := run([]string{"urna", "verify", "--board-key", key, "--html", page, dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "%s%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "The record verifies")
	require.Contains(t, stdout.String(), "V13  Published result")
	require.Empty(t, stderr.String())
	h, err := os.ReadFile(page)
	require.NoError(t, err)
	require.Contains(t, string(h), "<svg")

	stdout.Reset()
	code = run([]string{"urna", "verify", "--board-key", key, "--json", dir}, &stdout, &stderr)
	require.Equal(t, 0, code)
	require.Contains(t, stdout.String(), `"ok": true`)

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
	code = run([]string{"urna", "verify", "--board-key", key, bad}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verification failed at step V13 (Published result): entry ")
	require.Contains(t, stdout.String(), "does NOT verify")

	stderr.Reset()
	code = run([]string{"urna", "verify"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "urna: verify takes one RECORD")
}
