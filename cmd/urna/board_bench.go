package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/internal/scenario"
)

// benchOptions are the flags of 'urna board bench'.
type benchOptions struct {
	Ballots    int
	Voters     int     // 0 means Ballots
	Clients    int     // concurrent HTTP clients
	Rate       float64 // ballots per second; 0 posts as fast as possible
	DB         string  // SQLite file; "" means one in a temporary directory
	URL        string  // an already-running board; "" starts one in-process
	Seed       uint64
	CPUProfile string
}

// benchResult is what a run measured.
type benchResult struct {
	Posted    int
	Elapsed   time.Duration
	PerSecond float64
	P50, P90  time.Duration
	P99, Max  time.Duration
	Rejected  int
	Errors    int
	Batches   int64 // commits, for an in-process board
}

// boardBenchCommand returns the "urna board bench" load generator.
func boardBenchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "measure the board's ballot throughput and acknowledgement latency",
		UsageText: "urna board bench [--ballots N] [--voters V] [--clients C] [--rate R] [--db FILE | --url URL]",
		Description: `bench builds a 1-of-5 homomorphic election in code, opens it on a board
with durable commits (SQLite, synchronous=FULL), encrypts N ballots on
all cores, then posts them over HTTP from C concurrent clients. The board
verifies every ballot's signature and proofs before acknowledging it.

With --rate 0 (the default) the clients post as fast as the board
answers (closed loop), which measures throughput. With --rate R the
ballots are scheduled R per second (open loop, with at least R/2
senders) and each latency counts from the scheduled send time, so that a board falling behind shows up in
the latency rather than in a slower schedule.

By default the board runs in-process on 127.0.0.1 over a new SQLite file
in a temporary directory. With --url, bench posts to a running board,
which must be empty: it posts the election's setup entries first.

The targets are at least 2,000 ballots per second sustained, and a p99
acknowledgement latency under 250 ms at 1,000 ballots per second.
Any refused ballot or failed request makes the exit status 1.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "ballots", Value: 20000, Usage: "number of ballots to post"},
			&cli.IntFlag{Name: "voters", Usage: "number of voters; with fewer voters than ballots, some vote again (default: one ballot each)"},
			&cli.IntFlag{Name: "clients", Value: 128, Usage: "concurrent HTTP clients (the board batches what arrives together, so throughput grows with them)"},
			&cli.Float64Flag{Name: "rate", Usage: "ballots per second to schedule (0: as fast as possible)"},
			&cli.StringFlag{Name: "db", Usage: "SQLite `FILE` of the in-process board (default: a new one in a temporary directory)"},
			&cli.StringFlag{Name: "url", Usage: "post to the empty board at `URL` instead of starting one"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the election and its ballots"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the posting phase to `FILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return errorWithHint(fmt.Sprintf("unexpected argument %q", c.Args().First()),
					"urna board bench takes only flags; see 'urna board bench --help'")
			}
			o := benchOptions{Ballots: c.Int("ballots"), Voters: c.Int("voters"), Clients: c.Int("clients"),
				Rate: c.Float64("rate"), DB: c.String("db"), URL: c.String("url"), Seed: c.Uint64("seed"),
				CPUProfile: c.String("cpuprofile")}
			if o.DB != "" && o.URL != "" {
				return errorWithHint("--db and --url exclude each other",
					"--db names the file of the in-process board; with --url the board is elsewhere")
			}
			_, err := benchMain(c.Context, o, c.App.Writer, c.App.ErrWriter)
			return err
		},
	}
}

// benchMain runs the benchmark, printing phases to stderr and the result
// to stdout. It returns an error if any ballot was refused or failed.
func benchMain(ctx context.Context, o benchOptions, stdout, stderr io.Writer) (*benchResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Ballots <= 0 {
		return nil, errorWithHint(fmt.Sprintf("--ballots %d: want at least 1", o.Ballots))
	}
	if o.Voters <= 0 {
		o.Voters = o.Ballots
	}
	if o.Clients <= 0 {
		return nil, errorWithHint(fmt.Sprintf("--clients %d: want at least 1", o.Clients))
	}
	if o.Rate < 0 {
		return nil, errorWithHint(fmt.Sprintf("--rate %g: want 0 (as fast as possible) or more", o.Rate))
	}
	phase := func(name string, start time.Time) {
		fmt.Fprintf(stderr, "%-34s %s\n", name, formatDuration(time.Since(start)))
	}

	t := time.Now()
	e, err := scenario.New(scenario.Options{Voters: o.Voters, Manifest: scenario.Approval1of5(), Seed: o.Seed})
	if err != nil {
		return nil, fmt.Errorf("building the election: %w", err)
	}
	phase(fmt.Sprintf("election of %s built", plural(o.Voters, "voter", "voters")), t)

	baseURL := o.URL
	var board *bulletin.Board
	if baseURL == "" {
		t = time.Now()
		path := o.DB
		if path == "" {
			dir, err := os.MkdirTemp("", "urna-bench-")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "board.db")
		}
		store, err := bulletin.OpenSQLite(path)
		if err != nil {
			return nil, err
		}
		defer store.Close()
		board, err = bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: store})
		if err != nil {
			return nil, err
		}
		defer board.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		srv := bulletin.NewServer(ln.Addr().String(), board, bulletin.ServerConfig{})
		go srv.Serve(ln)
		defer srv.Close()
		baseURL = "http://" + ln.Addr().String()
		phase("board opened on "+path, t)
	}
	conns := max(o.Clients, int(o.Rate/2)+1) + 8
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns,
		IdleConnTimeout: time.Minute}}
	cl, err := client.New(baseURL, hc)
	if err != nil {
		return nil, err
	}

	t = time.Now()
	setup := [][]byte{e.Genesis(), e.Phase(bulletin.PhaseKeyCeremony)}
	setup = append(setup, e.CeremonyEntries...)
	setup = append(setup, e.ManifestEntry(), e.CredentialsEntry(), e.Phase(bulletin.PhaseOpen))
	for i, x := range setup {
		if _, err := cl.Post(ctx, x); err != nil {
			hint := "the board must be empty: bench posts a new election's setup entries"
			return nil, errorWithHint(fmt.Sprintf("posting setup entry %d: %v", i, err), hint)
		}
	}
	before, err := cl.Status(ctx)
	if err != nil {
		return nil, err
	}
	phase(fmt.Sprintf("election opened (%s)", plural(len(setup), "entry", "entries")), t)

	t = time.Now()
	bar := newProgressBar(stderr)
	ballots, err := benchBallots(e, o, bar)
	bar.finish()
	if err != nil {
		return nil, err
	}
	phase(fmt.Sprintf("%s encrypted on %d cores", plural(o.Ballots, "ballot", "ballots"), runtime.GOMAXPROCS(0)), t)

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	var batches0 int64
	if board != nil {
		batches0 = board.Metrics.Batches.Load()
	}
	res, failures := benchPost(ctx, cl, ballots, o, bar)
	bar.finish()
	if board != nil {
		res.Batches = board.Metrics.Batches.Load() - batches0
	}
	mode := "as fast as possible"
	if o.Rate > 0 {
		mode = fmt.Sprintf("scheduled at %g/s", o.Rate)
	}
	phase(fmt.Sprintf("ballots posted (%s)", mode), time.Now().Add(-res.Elapsed))

	fmt.Fprintf(stdout, "posted %d ballots in %.2fs: %.0f ballots/s; latency p50 %s p90 %s p99 %s max %s; rejected %d",
		res.Posted, res.Elapsed.Seconds(), res.PerSecond, fmtLatency(res.P50), fmtLatency(res.P90), fmtLatency(res.P99),
		fmtLatency(res.Max), res.Rejected)
	if res.Errors > 0 {
		fmt.Fprintf(stdout, "; failed %d", res.Errors)
	}
	if res.Batches > 0 {
		fmt.Fprintf(stdout, " (%d commits, %.1f ballots each)", res.Batches, float64(res.Posted)/float64(res.Batches))
	}
	fmt.Fprintln(stdout)

	var problems []string
	for _, f := range failures {
		fmt.Fprintf(stderr, "urna: ballot %d: %v\n", f.i, f.err)
	}
	if res.Rejected > 0 {
		problems = append(problems, plural(res.Rejected, "ballot was refused", "ballots were refused"))
	}
	if res.Errors > 0 {
		problems = append(problems, plural(res.Errors, "request failed", "requests failed"))
	}
	after, err := cl.Status(ctx)
	if err != nil {
		return res, err
	}
	got := after.Ballots - before.Ballots
	if got != o.Ballots {
		problems = append(problems, fmt.Sprintf("the board holds %d new ballots, want %d", got, o.Ballots))
	}
	if len(problems) > 0 {
		msg := problems[0]
		for _, p := range problems[1:] {
			msg += "; " + p
		}
		return res, errorWithHint("board bench: " + msg)
	}
	fmt.Fprintf(stderr, "the board holds all %d ballots (%d entries, %d rejections)\n", got, after.Size, after.RejectedSum)
	return res, nil
}

// benchBallots encrypts the ballots on every core, each from its own
// deterministic random stream. Ballot i is voter i mod Voters's.
func benchBallots(e *scenario.Election, o benchOptions, bar *progressBar) ([][]byte, error) {
	out := make([][]byte, o.Ballots)
	var next, done atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for w := range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			r := scenario.Rand(o.Seed<<16 + uint64(w) + 1)
			pr := rand.New(rand.NewPCG(o.Seed, uint64(w)))
			for {
				i := int(next.Add(1) - 1)
				if i >= o.Ballots {
					return
				}
				x, _, _, err := e.BallotWith(i%o.Voters, e.RandomChoices(pr), r)
				if err != nil {
					mu.Lock()
					first = cmp(first, fmt.Errorf("encrypting ballot %d: %w", i, err))
					mu.Unlock()
					return
				}
				out[i] = x
				if d := done.Add(1); bar.w != nil {
					bar.update("encrypting ballots", int(d), o.Ballots)
				}
			}
		})
	}
	wg.Wait()
	return out, first
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

type benchFailure struct {
	i   int
	err error
}

// benchPost posts the ballots from o.Clients goroutines, closed-loop or
// on a schedule of o.Rate per second.
func benchPost(ctx context.Context, cl *client.Client, ballots [][]byte, o benchOptions, bar *progressBar) (*benchResult, []benchFailure) {
	lat := make([]time.Duration, len(ballots))
	var next, done atomic.Int64
	var rejected, errs atomic.Int64
	var mu sync.Mutex
	var failures []benchFailure
	start := time.Now()
	var wg sync.WaitGroup
	workers := o.Clients
	if o.Rate > 0 {
		// Open loop: enough senders that the schedule never waits for
		// an answer, up to half a second of ballots in flight.
		workers = max(workers, int(o.Rate/2)+1)
	}
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ballots) {
					return
				}
				sent := time.Now()
				if o.Rate > 0 {
					sent = start.Add(time.Duration(float64(i) / o.Rate * float64(time.Second)))
					if d := time.Until(sent); d > 0 {
						time.Sleep(d)
					}
				}
				_, err := cl.Post(ctx, ballots[i])
				lat[i] = time.Since(sent)
				if err != nil {
					var rej *bulletin.RejectError
					if errors.As(err, &rej) {
						rejected.Add(1)
					} else {
						errs.Add(1)
					}
					mu.Lock()
					if len(failures) < 10 {
						failures = append(failures, benchFailure{i, err})
					}
					mu.Unlock()
				}
				if d := done.Add(1); bar.w != nil {
					bar.update("posting ballots", int(d), len(ballots))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		k := int(p*float64(len(lat))+0.999999) - 1
		return lat[max(0, min(k, len(lat)-1))]
	}
	r := &benchResult{Posted: len(ballots), Elapsed: elapsed, PerSecond: float64(len(ballots)) / elapsed.Seconds(),
		P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: lat[len(lat)-1],
		Rejected: int(rejected.Load()), Errors: int(errs.Load())}
	return r, failures
}

func fmtLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
}
