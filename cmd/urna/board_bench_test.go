package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBoardBench runs a small load through the in-process board.
// URNA_BENCH_BALLOTS, URNA_BENCH_RATE, URNA_BENCH_CLIENTS and
// URNA_BENCH_CPUPROFILE run a bigger one, for measuring:
//
//	URNA_BENCH_BALLOTS=20000 go test ./cmd/urna -run TestBoardBench -v
func TestBoardBench(t *testing.T) {
	o := benchOptions{Ballots: 60, Voters: 40, Clients: 8, Seed: 1}
	if n, err := strconv.Atoi(os.Getenv("URNA_BENCH_BALLOTS")); err == nil {
		o.Ballots, o.Voters, o.Clients = n, n, 64
	}
	if r, err := strconv.ParseFloat(os.Getenv("URNA_BENCH_RATE"), 64); err == nil {
		o.Rate = r
	}
	if c, err := strconv.Atoi(os.Getenv("URNA_BENCH_CLIENTS")); err == nil {
		o.Clients = c
	}
	o.CPUProfile = os.Getenv("URNA_BENCH_CPUPROFILE")
	var stdout, stderr bytes.Buffer
	res, err := benchMain(context.Background(), o, &stdout, &stderr)
	t.Logf("stderr:\n%s", stderr.String())
	t.Logf("stdout:\n%s", stdout.String())
	require.NoError(t, err)
	require.Equal(t, o.Ballots, res.Posted)
	require.Zero(t, res.Rejected)
	require.Zero(t, res.Errors)
	require.True(t, strings.HasPrefix(stdout.String(), "posted "+strconv.Itoa(o.Ballots)+" ballots in "), stdout.String())
	require.Contains(t, stdout.String(), "rejected 0")
	require.Contains(t, stderr.String(), "the board holds all")

	// An open-loop run at a fixed rate.
	if os.Getenv("URNA_BENCH_BALLOTS") == "" {
		o.Rate = 200
		stdout.Reset()
		_, err = benchMain(context.Background(), o, &stdout, &stderr)
		require.NoError(t, err)
		require.Contains(t, stdout.String(), "rejected 0")
	}
}

func TestBoardBenchFlags(t *testing.T) {
	_, err := benchMain(context.Background(), benchOptions{Ballots: 0, Clients: 1}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	_, err = benchMain(context.Background(), benchOptions{Ballots: 1, Clients: 0}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
}
