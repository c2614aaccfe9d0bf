package scenario_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/verifier"
)

func runElection(t *testing.T, seed uint64, voters int, o scenario.RunOptions) (*scenario.Election, *bulletin.Board, *scenario.Outcome) {
	t.Helper()
	e, err := scenario.New(scenario.Options{Voters: voters, Manifest: scenario.Danish(), Seed: seed})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore(),
		Now: func() time.Time { return time.Unix(0, 0) }})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	out, err := e.Run(context.Background(), scenario.BoardPoster(b), o)
	require.NoError(t, err)
	return e, b, out
}

func TestRun(t *testing.T) {
	var phases []string
	o := scenario.RunOptions{Revotes: 3, Challenge: true, Rejects: true, Overrides: 2, Clients: 8,
		Phase: func(name string, _ time.Duration, summary string) {
			require.NotEmpty(t, summary)
			phases = append(phases, name)
		}}
	_, b, out := runElection(t, 7, 30, o)
	require.Equal(t, []string{scenario.PhaseSetup, scenario.PhaseCasting, scenario.PhaseClose, scenario.PhaseMixing,
		scenario.PhaseDecrypting, scenario.PhaseTally}, phases)
	require.Equal(t, bulletin.PhasePublished, b.Phase())

	rep := out.Report
	require.Equal(t, 30, rep.Roll)
	require.Equal(t, 33, rep.Received)
	require.Equal(t, 28, rep.Accepted)
	require.Equal(t, 3, rep.Superseded)
	require.Equal(t, 2, rep.Cancelled)
	require.Len(t, out.Receipts, 33)
	require.Len(t, out.Choices, 28)
	require.NotNil(t, out.Challenge)
	for i := 1; i < len(out.Receipts); i++ {
		require.Less(t, out.Receipts[i-1].Index, out.Receipts[i].Index)
	}
	require.Equal(t, map[bulletin.Reason]int{bulletin.ReasonMalformed: 1, bulletin.ReasonInvalid: 1,
		bulletin.ReasonNotEligible: 1, bulletin.ReasonPhase: 1}, out.Rejected)
	refused := map[string]int{}
	for _, rc := range rep.Refused {
		refused[rc.Reason] = rc.Count
	}
	require.Equal(t, 1, refused["malformed"])
	require.Equal(t, 1, refused["phase"])
	require.Len(t, rep.Contests, 2)
	for _, c := range rep.Contests {
		require.Equal(t, 28, c.Ballots)
	}

	st := b.Status()
	require.True(t, st.Result)
	require.Equal(t, 33, st.Ballots)
	require.Equal(t, 1, st.Challenges)
	require.Equal(t, 2, st.Overrides)
	require.Equal(t, map[string]int{"council": 2}, st.MixStages)
	require.EqualValues(t, 4, st.RejectedSum)

	// Every receipt checks against the final checkpoint.
	cp := b.Checkpoint()
	e := runElectionElection(t, 7, 30)
	for _, rc := range out.Receipts {
		old, err := rc.Verify(e.Verifier, e.Origin)
		require.NoError(t, err)
		proof, err := b.Log().ConsistencyProof(old.Tree.N, cp.Tree.N)
		require.NoError(t, err)
		_, err = bulletin.CheckReceipt(rc, e.Verifier, e.Origin, cp.Signed, proof)
		require.NoError(t, err)
	}
}

// runElectionElection rebuilds the election of a seed (its keys only).
func runElectionElection(t *testing.T, seed uint64, voters int) *scenario.Election {
	e, err := scenario.New(scenario.Options{Voters: voters, Manifest: scenario.Danish(), Seed: seed})
	require.NoError(t, err)
	return e
}

func TestRunThreeTrustees(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 5, Trustees: 3, Threshold: 2, Manifest: scenario.Danish(), Seed: 3})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	out, err := e.Run(context.Background(), scenario.BoardPoster(b), scenario.RunOptions{Revotes: 1, Overrides: 1})
	require.NoError(t, err)
	require.Equal(t, 4, out.Report.Accepted)
	require.Equal(t, bulletin.PhasePublished, b.Phase())
}

func TestRunDeterministic(t *testing.T) {
	o := scenario.RunOptions{Revotes: 2, Challenge: true, Rejects: true, Overrides: 1, Clients: 1,
		Clock: func() time.Time { return time.Unix(0, 0) }}
	_, b1, out1 := runElection(t, 11, 12, o)
	_, b2, out2 := runElection(t, 11, 12, o)
	require.Equal(t, b1.Checkpoint().Signed, b2.Checkpoint().Signed)
	require.Equal(t, out1.ReportJSON, out2.ReportJSON)
	_, b3, _ := runElection(t, 12, 12, o)
	require.NotEqual(t, b1.Checkpoint().Tree.Hash, b3.Checkpoint().Tree.Hash)
}

func TestRunOptionsChecked(t *testing.T) {
	e := runElectionElection(t, 1, 3)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	_, err = e.Run(context.Background(), scenario.BoardPoster(b), scenario.RunOptions{Revotes: 2, Overrides: 1, Challenge: true})
	require.ErrorContains(t, err, "do not fit")
}

// TestRunHTTP runs an election through the board's HTTP API, which hands
// lists out as text.
func TestRunHTTP(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 12, Manifest: scenario.Danish(), Seed: 5})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	srv := httptest.NewServer(bulletin.NewHandler(b, bulletin.ServerConfig{}))
	defer srv.Close()
	cl, err := client.New(srv.URL, nil)
	require.NoError(t, err)
	out, err := e.Run(context.Background(), cl, scenario.RunOptions{Revotes: 2, Challenge: true, Rejects: true, Overrides: 1, Clients: 4})
	require.NoError(t, err)
	require.Equal(t, 11, out.Report.Accepted)
	require.Equal(t, bulletin.PhasePublished, b.Phase())
}

// TestRunVerifiedDecryption: with VerifyLists the trustees decrypt the
// lists they verified, and refuse a list that is not one of them.
func TestRunVerifiedDecryption(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 6, Manifest: scenario.Danish(), Seed: 3})
	require.NoError(t, err)
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	verify := func(ctx context.Context) ([]verifier.List, error) {
		dir := filepath.Join(t.TempDir(), "record")
		if _, err := bulletin.ExportRecord(ctx, b.Source(), dir, e.Verifier, e.Origin); err != nil {
			return nil, err
		}
		fp := e.Fingerprint()
		rep, lists, err := verifier.DecryptionLists(ctx, dir, verifier.Options{BoardKey: e.BoardKey, Election: &fp})
		require.NoError(t, err)
		require.True(t, rep.Anchored, rep.Text())
		return lists, nil
	}
	_, err = e.Run(context.Background(), scenario.BoardPoster(b), scenario.RunOptions{Clients: 1, VerifyLists: verify})
	require.NoError(t, err)
	require.Equal(t, bulletin.PhasePublished, b.Phase())

	// A list other than the verified one is refused.
	e2, err := scenario.New(scenario.Options{Voters: 6, Manifest: scenario.Danish(), Seed: 4})
	require.NoError(t, err)
	b2, err := bulletin.Open(bulletin.Config{Origin: e2.Origin, Signer: e2.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b2.Close()
	wrong := func(ctx context.Context) ([]verifier.List, error) {
		var out []verifier.List
		for _, l := range b2.DecryptionLists() {
			cts := l.Ciphertexts[:1] // one ballot's ciphertext, not the list
			out = append(out, verifier.List{Name: l.Name, Ciphertexts: cts, Hash: threshold.ListHash(cts)})
		}
		return out, nil
	}
	_, err = e2.Run(context.Background(), scenario.BoardPoster(b2), scenario.RunOptions{Clients: 1, VerifyLists: wrong})
	require.ErrorContains(t, err, "the trustees refuse to decrypt it")
	require.Equal(t, bulletin.PhaseDecrypting, b2.Phase())
}
