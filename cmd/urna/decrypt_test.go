package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
)

// decryptingRecord runs an election on a board up to the move to
// decrypting, exports its record and returns it with the board.
func decryptingRecord(t *testing.T) (*scenario.Election, *bulletin.Board, string) {
	e, err := scenario.New(scenario.Options{Voters: 4, Manifest: scenario.Danish(), Seed: 5})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	post := func(entry []byte) {
		_, err := b.Submit(ctx, entry)
		require.NoError(t, err)
	}
	openElection(e, post)
	for v := range 4 {
		entry, _, _, err := e.Ballot(v, election.Choices{"referendum": {v % 2}, "council": {v}})
		require.NoError(t, err)
		post(entry)
	}
	post(e.Phase(bulletin.PhaseClosed))
	post(e.Phase(bulletin.PhaseMixing))
	for pos := 1; pos <= 2; pos++ {
		in, p, err := b.MixInput("council")
		require.NoError(t, err)
		st, err := e.MixStage(pos, p, in)
		require.NoError(t, err)
		post(st)
	}
	post(e.Phase(bulletin.PhaseDecrypting))
	dir := filepath.Join(t.TempDir(), "record")
	_, err = bulletin.ExportRecord(ctx, b.Source(), dir, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, bulletin.RecordVKey), []byte(e.BoardVKey+"\n"), 0o644))
	return e, b, dir
}

func writeCiphertexts(t *testing.T, path string, cts []elgamal.Ciphertext) {
	var buf bytes.Buffer
	for _, c := range cts {
		buf.WriteString(hex.EncodeToString(c.Bytes()) + "\n")
	}
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// TestTrusteeDecryptVerified: a trustee decrypts only the lists of a
// record it verified against the fingerprint; a board that serves one
// voter's ciphertext as "the aggregate" gets no share, and the trustee is
// told why.
func TestTrusteeDecryptVerified(t *testing.T) {
	t.Setenv(passphraseEnv, "secret")
	t.Setenv(scryptEnv, "10")
	e, b, record := decryptingRecord(t)
	dir := t.TempDir()
	setup, key, share := filepath.Join(dir, "c.setup"), filepath.Join(dir, "t1.key"), filepath.Join(dir, "t1.share")
	require.NoError(t, os.WriteFile(setup, e.Setup.Bytes(), 0o644))
	r, err := threshold.PassphraseRecipientWorkFactor("secret", 10)
	require.NoError(t, err)
	require.NoError(t, threshold.WriteIdentityFile(key, e.Identities[0], r))
	custody, err := e.Identities[0].CustodyRecipient()
	require.NoError(t, err)
	require.NoError(t, threshold.WriteKeyShareFile(share, e.KeyShares[0], custody))
	fp := e.Fingerprint().String()
	lists := b.DecryptionLists()
	require.Len(t, lists, 2)

	decrypt := func(out string, args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"urna", "trustee", "decrypt", "--setup", setup, "--key", key, "--share", share, "-o", filepath.Join(dir, out)}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	entryOf := func(out string) *threshold.Entry {
		b, err := os.ReadFile(filepath.Join(dir, out))
		require.NoError(t, err)
		en, err := threshold.ParseEntry(e.Setup, b)
		require.NoError(t, err)
		return en
	}

	// The verified aggregate, by name.
	code, stdout, stderr := decrypt("agg.dec", "--election", fp, "--record", record, "--list", "aggregate")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "verified the record against the election fingerprint "+fp+": steps V1 to V10 pass")
	require.Contains(t, stdout, "decryption shares of aggregate written to")
	require.Equal(t, lists[0].Hash, [32]byte(entryOf("agg.dec").Body[:32]))
	_, err = b.Submit(context.Background(), mustRead(t, filepath.Join(dir, "agg.dec")))
	require.NoError(t, err)

	// The mixed list, given as a file the board served: accepted, since it
	// is the verified list.
	mixed := filepath.Join(dir, "mixed.cts")
	writeCiphertexts(t, mixed, lists[1].Ciphertexts)
	code, _, stderr = decrypt("mix.dec", "--election", fp, "--record", record, "--ciphertexts", mixed)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, lists[1].Hash, [32]byte(entryOf("mix.dec").Body[:32]))

	// From the board itself, over HTTP, with its key.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := bulletin.NewServer(ln.Addr().String(), b, bulletin.ServerConfig{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	vkey := filepath.Join(dir, "board.vkey")
	require.NoError(t, os.WriteFile(vkey, []byte(e.BoardVKey+"\n"), 0o644))
	code, stdout, stderr = decrypt("mix-url.dec", "--election", fp, "--url", "http://"+ln.Addr().String(), "--board-key", vkey, "--list", "mix/council")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "decryption shares of mix/council written to")
	code, _, stderr = decrypt("x.dec", "--election", fp, "--url", "http://"+ln.Addr().String(), "--list", "mix/council")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "--url needs the board's key (--board-key)")

	// One voter's ballot served as "the aggregate": refused, nothing written.
	rec, err := bulletin.ReadRecord(record)
	require.NoError(t, err)
	var voter []elgamal.Ciphertext
	for i := range rec.Size() {
		if ty, _ := bulletin.EntryType(rec.Entry(i)); ty == bulletin.TypeBallot {
			bal, err := election.ParseBallot(e.Manifest, rec.Entry(i)[bulletin.EntryHeaderSize:])
			require.NoError(t, err)
			for _, s := range bal.Contests[0].Selections {
				voter = append(voter, s.C)
			}
			break
		}
	}
	one := filepath.Join(dir, "voter.cts")
	writeCiphertexts(t, one, voter)
	code, _, stderr = decrypt("voter.dec", "--election", fp, "--record", record, "--ciphertexts", one)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "urna: nothing decrypted: "+one+" is not a list to decrypt: its list hash")
	require.Contains(t, stderr, "aggregate "+hex.EncodeToString(lists[0].Hash[:8]))
	require.NoFileExists(t, filepath.Join(dir, "voter.dec"))

	// Without the fingerprint, with another one, or an unknown list name:
	// nothing is decrypted.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--record", record, "--list", "aggregate"}, "decrypt needs the election fingerprint"},
		{[]string{"--election", strings.Repeat("ab", 32), "--record", record, "--list", "aggregate"}, "nothing decrypted: the record does not verify at step V5"},
		{[]string{"--election", fp, "--record", record, "--list", "mix/nope"}, `nothing decrypted: "mix/nope" is not a list to decrypt`},
		{[]string{"--election", fp, "--list", "aggregate"}, "decrypt needs the board"},
		{[]string{"--election", fp, "--record", record}, "give one of --list NAME and --ciphertexts FILE"},
		{[]string{"--unverified", "--election", fp, "--ciphertexts", one}, "--unverified takes only --ciphertexts"},
	} {
		code, _, stderr := decrypt("x.dec", c.args...)
		require.Equal(t, 1, code, c.args)
		require.Contains(t, stderr, c.want, c.args)
		require.NoFileExists(t, filepath.Join(dir, "x.dec"))
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
