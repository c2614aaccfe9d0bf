package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/verifier"
)

const demoDescription = `demo runs a complete election on this machine, on a real bulletin board,
and then verifies its published record as an auditor would:

  1. the trustees' key ceremony (by default two trustees, both needed to
     decrypt: the "two keys" of a Norwegian referendum count)
  2. a bulletin board served over HTTP on 127.0.0.1, stored in DIR/board.db
  3. voting: every voter casts an encrypted ballot; some vote again (the
     last ballot counts), one challenges a ballot to check its encryption,
     and a few submissions are refused (garbage, a forged signature, an
     unregistered voter, a ballot after the close)
  4. the close, and e-votes cancelled for voters who voted on paper
  5. the trustees mix the party-list ballots with verifiable shuffles
  6. the trustees decrypt the referendum totals and the mixed ballots
  7. the count protocol, published on the board
  8. the record exported to DIR/record and verified step by step

The election is scenario Danish: a yes/no referendum counted
homomorphically and a municipal party-list contest with personal votes
counted by the mixnet. Everything is written to DIR (by default a new
directory ./urna-demo). Run again with the printed --seed to repeat the
same election: the same keys, ballots and result (with --clients 1 even
the same board, entry for entry).`

type demoOptions struct {
	Voters, Trustees, Threshold int
	Dir                         string
	Seed                        uint64
	Clients                     int
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:        "demo",
		Usage:       "run a complete election on this machine and verify its record",
		UsageText:   "urna demo [--voters N] [--trustees N --threshold T] [--dir DIR] [--seed N]",
		Description: demoDescription,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "voters", Value: 1000, Usage: "the number `N` of voters on the roll"},
			&cli.IntFlag{Name: "trustees", Value: 2, Usage: "the number `N` of trustees"},
			&cli.IntFlag{Name: "threshold", Usage: "the number of trustees `T` needed to decrypt", DefaultText: "all of them"},
			&cli.StringFlag{Name: "dir", Usage: "write the board, record and reports to `DIR`, which must not exist or be empty", DefaultText: "a new ./urna-demo"},
			&cli.Uint64Flag{Name: "seed", Usage: "make the election deterministic with seed `N`", DefaultText: "random, printed"},
			&cli.IntFlag{Name: "clients", Value: 32, Usage: "post ballots from `N` concurrent clients"},
		},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			o := demoOptions{Voters: c.Int("voters"), Trustees: c.Int("trustees"), Threshold: c.Int("threshold"),
				Dir: c.String("dir"), Seed: c.Uint64("seed"), Clients: c.Int("clients")}
			if !c.IsSet("seed") {
				var b [8]byte
				rand.Read(b[:])
				o.Seed = binary.LittleEndian.Uint64(b[:]) >> 1 // printable as a positive int64 too
			}
			if !c.IsSet("threshold") {
				o.Threshold = o.Trustees
			}
			ctx := c.Context
			if ctx == nil {
				ctx = context.Background()
			}
			return demoMain(ctx, o, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// demoMaxVoters bounds --voters: the credentials and ballots are held in
// memory.
const demoMaxVoters = 1_000_000

func demoMain(ctx context.Context, o demoOptions, stdout, stderr io.Writer) (err error) {
	switch {
	case o.Voters < 1:
		return errorWithHint(fmt.Sprintf("--voters %d: an election needs at least 1 voter", o.Voters), "try 'urna demo --voters 1000'")
	case o.Voters > demoMaxVoters:
		return errorWithHint(fmt.Sprintf("--voters %d: the demo runs at most %d voters", o.Voters, demoMaxVoters))
	case o.Trustees < 1:
		return errorWithHint(fmt.Sprintf("--trustees %d: want at least 1", o.Trustees))
	case o.Threshold < 1 || o.Threshold > o.Trustees:
		return errorWithHint(fmt.Sprintf("--threshold %d with --trustees %d: the threshold must be between 1 and the number of trustees", o.Threshold, o.Trustees),
			"try '--trustees 3 --threshold 2': any two of three trustees can decrypt")
	case o.Clients < 1:
		return errorWithHint(fmt.Sprintf("--clients %d: want at least 1", o.Clients))
	}
	dir, err := demoDir(o.Dir)
	if err != nil {
		return err
	}
	total := time.Now()
	fmt.Fprintf(stdout, "urna demo: a complete election with %s on this machine\n", plural(o.Voters, "voter", "voters"))
	fmt.Fprintf(stdout, "  directory   %s\n", dir)
	fmt.Fprintf(stdout, "  seed        %d (repeat with --seed %d)\n\n", o.Seed, o.Seed)

	bar := newProgressBar(stderr)
	defer bar.finish()
	line := func(name, summary string, d time.Duration) {
		bar.finish()
		fmt.Fprintf(stdout, "  %-16s %-66s %8s\n", name, summary, formatDuration(d))
	}

	// The key ceremony, the manifest and the credentials, in memory.
	t := time.Now()
	e, err := scenario.New(scenario.Options{Origin: "urna.example/demo", Trustees: o.Trustees, Threshold: o.Threshold,
		Voters: o.Voters, Manifest: scenario.Danish(), Seed: o.Seed})
	if err != nil {
		return fmt.Errorf("building the election: %w", err)
	}
	pk := e.Result.PublicKey.Bytes()
	fp := e.Fingerprint()
	var names []string
	for _, id := range e.Setup.Trustees {
		names = append(names, id.Name)
	}
	line("key ceremony", fmt.Sprintf("%d of %d trustees (%s); %s", o.Threshold, o.Trustees, strings.Join(names, ", "),
		plural(o.Voters, "credential", "credentials")), time.Since(t))
	fmt.Fprintf(stdout, "  %-16s %s\n", "election key", hex.EncodeToString(pk))
	// The authority publishes the fingerprint before voting opens; here
	// it is printed and written next to the record.
	fmt.Fprintf(stdout, "  %-16s %s (published before voting opens; in %s)\n", "fingerprint", fp, filepath.Join(dir, "election.fingerprint"))
	if err := os.WriteFile(filepath.Join(dir, "election.fingerprint"), []byte(fp.String()+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "board.vkey"), []byte(e.BoardVKey+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), e.Manifest.JSON(), 0o644); err != nil {
		return err
	}

	// The board, served over HTTP in this process.
	dbPath := filepath.Join(dir, "board.db")
	store, err := bulletin.OpenSQLite(dbPath)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	board, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: store})
	if err != nil {
		return err
	}
	defer board.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := bulletin.NewServer(ln.Addr().String(), board, bulletin.ServerConfig{})
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutting the board down: %w", err)
		}
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("board server: %w", err)
		}
		return board.Close()
	}
	stopped := false
	defer func() {
		if !stopped {
			shutdown()
		}
	}()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "  %-16s %s (stored in %s)\n\n", "board", url, dbPath)
	conns := o.Clients + 8
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}}
	cl, err := client.New(url, hc)
	if err != nil {
		return err
	}

	// The election, through the board's HTTP API.
	ro := scenario.RunOptions{
		Revotes:   max(1, o.Voters/50),
		Challenge: o.Voters >= 2,
		Rejects:   true,
		Overrides: max(1, o.Voters/200),
		Clients:   o.Clients,
		Phase:     func(name string, d time.Duration, summary string) { line(name, summary, d) },
	}
	if bar.w != nil {
		ro.Progress = bar.update
	}
	// Before decrypting, the trustees verify the board's record themselves
	// against the fingerprint and decrypt only the lists they recomputed.
	ro.VerifyLists = func(ctx context.Context) ([]verifier.List, error) {
		tmp, err := os.MkdirTemp("", "urna-demo-decrypt-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		rec := filepath.Join(tmp, "record")
		if _, err := bulletin.ExportRecord(ctx, cl, rec, e.Verifier, e.Origin); err != nil {
			return nil, err
		}
		rep, lists, err := verifier.DecryptionLists(ctx, rec, verifier.Options{BoardKey: e.BoardKey, Election: &fp})
		if err != nil {
			return nil, err
		}
		if f := rep.FirstFailure(); f != nil {
			return nil, fmt.Errorf("the record does not verify at step %s: %s", f.ID, f.Failure)
		}
		return lists, nil
	}
	if o.Voters < 3 {
		ro.Revotes, ro.Overrides = 0, 0
		if o.Voters == 2 {
			ro.Revotes = 1
		}
	} else if ro.Revotes+ro.Overrides+1 > o.Voters {
		ro.Revotes = o.Voters - ro.Overrides - 1
	}
	out, err := e.Run(ctx, cl, ro)
	bar.finish()
	if err != nil {
		return fmt.Errorf("the election failed: %w", err)
	}

	// The record, exported from the board as anyone can.
	t = time.Now()
	recordDir := filepath.Join(dir, "record")
	sum, err := bulletin.ExportRecord(ctx, cl, recordDir, e.Verifier, e.Origin)
	if err != nil {
		return fmt.Errorf("exporting the record: %w", err)
	}
	if err := os.WriteFile(filepath.Join(recordDir, "board.vkey"), []byte(e.BoardVKey+"\n"), 0o644); err != nil {
		return err
	}
	line("export", fmt.Sprintf("%d entries, %d files, root %x…", sum.Size, len(sum.Files)+1, sum.RootHash[:8]), time.Since(t))
	stopped = true
	hc.CloseIdleConnections()
	if err := shutdown(); err != nil {
		return err
	}

	// The verification, from the record, anchored to the fingerprint.
	t = time.Now()
	vo := verifier.Options{BoardKey: e.BoardKey, Election: &fp}
	if bar.w != nil {
		vo.Progress = bar.update
	}
	rep, err := verifier.VerifyDir(ctx, recordDir, vo)
	bar.finish()
	if err != nil {
		return fmt.Errorf("verifying the record: %w", err)
	}
	passed := 0
	for _, s := range rep.Steps {
		if s.Status == verifier.Pass {
			passed++
		}
	}
	verdict := fmt.Sprintf("%d of %d steps passed", passed, len(rep.Steps))
	if f := rep.FirstFailure(); f != nil {
		verdict += fmt.Sprintf("; %s %s failed", f.ID, f.Title)
	}
	line("verify", verdict, time.Since(t))
	text := rep.Text()
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	html, err := rep.HTML()
	if err != nil {
		return err
	}
	reportTxt, reportJSON, verifyHTML := filepath.Join(dir, "report.txt"), filepath.Join(dir, "report.json"), filepath.Join(dir, "verify.html")
	for _, f := range []struct {
		path string
		data []byte
	}{{reportTxt, []byte(text)}, {reportJSON, js}, {verifyHTML, html}} {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "  %-16s %66s %8s\n\n", "total", "", formatDuration(time.Since(total)))

	protocol := out.Report.Text()
	if rep.Result != nil {
		protocol = rep.Result.Text()
	}
	fmt.Fprintln(stdout, protocol)
	if rep.OK && rep.Anchored {
		fmt.Fprintf(stdout, "verification: ok (every step passed, and the record is the election with fingerprint %s)\n", fp)
	} else {
		fmt.Fprintln(stdout, "verification: FAILED")
	}
	fmt.Fprintf(stdout, "\n  %-16s %s\n", "record", recordDir)
	fmt.Fprintf(stdout, "  %-16s %s, %s\n", "audit report", reportTxt, reportJSON)
	fmt.Fprintf(stdout, "  %-16s %s\n", "web page", verifyHTML)
	fmt.Fprintf(stdout, "  %-16s %s\n", "board key", filepath.Join(dir, "board.vkey"))
	fmt.Fprintf(stdout, "\nverify it yourself: urna verify --election %s %s\n", fp, recordDir)
	if !rep.OK || !rep.Anchored {
		f := rep.FirstFailure()
		msg := "the record did not verify"
		if f != nil {
			msg = fmt.Sprintf("the record did not verify: %s %s", f.ID, f.Title)
			if f.Failure != nil {
				msg += ": " + f.Failure.String()
			}
		}
		return errorWithHint(msg, "see "+reportTxt)
	}
	return nil
}

// demoDir creates the demo's directory: dir if given (it must not exist or
// be empty), else ./urna-demo, or ./urna-demo-2, -3, … if that exists.
func demoDir(dir string) (string, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		if len(ents) > 0 {
			return "", errorWithHint(fmt.Sprintf("--dir %s is not empty", dir), "give a new directory, or leave --dir out for a new ./urna-demo")
		}
		return dir, nil
	}
	for i := 1; i < 1000; i++ {
		d := "urna-demo"
		if i > 1 {
			d = fmt.Sprintf("urna-demo-%d", i)
		}
		err := os.Mkdir(d, 0o755)
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, os.ErrExist) {
			break // not writable here: use the temporary directory
		}
	}
	d, err := os.MkdirTemp("", "urna-demo-")
	if err != nil {
		return "", err
	}
	return d, nil
}
