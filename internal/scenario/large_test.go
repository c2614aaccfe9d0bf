package scenario_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/internal/scenario"
)

// TestWriteLargeRecord writes the record of an election of
// URNA_RECORD_VOTERS voters (the demo's manifest and mix) to the directory
// URNA_RECORD_OUT, for measuring 'urna verify' at scale (URNA_RECORD_CLIENTS
// sets the concurrent posters, default 64):
//
//	GOMEMLIMIT=16GiB URNA_RECORD_VOTERS=1000000 URNA_RECORD_OUT=/tmp/r go test ./internal/scenario -run TestWriteLargeRecord -timeout 0 -v
//	/usr/bin/time -v go run ./cmd/urna verify --election $(cat /tmp/r.fingerprint) /tmp/r
//
// The board runs in process over memory, so that only the election's own
// work is done. The generator keeps every ballot, its choices and receipt
// and the board in memory, about 10 GB of live heap for a million voters
// (logged after each phase); GOMEMLIMIT keeps the peak near that instead
// of twice it. A million voters took 33 minutes on 2 cores.
func TestWriteLargeRecord(t *testing.T) {
	out := os.Getenv("URNA_RECORD_OUT")
	n, _ := strconv.Atoi(os.Getenv("URNA_RECORD_VOTERS"))
	if out == "" || n == 0 {
		t.Skip("set URNA_RECORD_OUT and URNA_RECORD_VOTERS to write a large record")
	}
	e, err := scenario.New(scenario.Options{Voters: n, Manifest: scenario.Danish(), Seed: 1})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	clients, _ := strconv.Atoi(os.Getenv("URNA_RECORD_CLIENTS"))
	if clients == 0 {
		clients = 64
	}
	o := scenario.RunOptions{Revotes: max(1, n/50), Challenge: true, Rejects: true, Overrides: max(1, n/200), Clients: clients,
		Phase: func(name string, d time.Duration, summary string) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			t.Logf("%-12s %-70s %v (live heap %d MB)", name, summary, d, ms.HeapAlloc>>20)
		}}
	_, err = e.Run(context.Background(), scenario.BoardPoster(b), o)
	require.NoError(t, err)
	start := time.Now()
	_, err = bulletin.ExportRecord(context.Background(), b.Source(), out, e.Verifier, e.Origin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "board.vkey"), []byte(e.BoardVKey+"\n"), 0o644))
	// The anchor, outside the record, as the authority publishes it.
	require.NoError(t, os.WriteFile(out+".fingerprint", []byte(e.Fingerprint().String()+"\n"), 0o644))
	t.Logf("exported to %s in %v", out, time.Since(start))
}
