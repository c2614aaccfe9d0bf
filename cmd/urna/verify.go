package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/verifier"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "verify a published election record, step by step",
		UsageText: "urna verify --election FINGERPRINT [--board-key FILE] [--checkpoint FILE]... [--keep-going] [--json] [--html FILE] RECORD",
		Description: `verify re-checks a complete election record on its own: the board's
signed checkpoint and log, the phases, the trustee ceremony, the manifest,
every ballot and challenge, which ballots count, the homomorphic sums, the
mix chains, the decryption shares, the count and the published result. The
steps V1 to V13 are specified in spec/verify.md; verification stops at the
first step that fails, unless --keep-going.

RECORD is a directory written by 'urna board export', or the http(s) URL of
a board, whose record is then exported to a temporary directory first.

--election gives the election fingerprint that the election authority
published before voting opened (64 hex digits, as 'urna election
fingerprint' prints it). It is the anchor: it fixes the board key, the
administrator, the trustees and the manifest, so a record that passes every
step and matches it is the real election. Without it, a record that passes
every step is reported as NOT ANCHORED: anyone holding the board key could
have made up a complete, self-consistent election.

--board-key gives the board's verifier key (as 'urna board keygen' printed
it). Without it the record's own board.vkey is used; the fingerprint covers
the board key, so with --election that is safe. --checkpoint adds a signed
checkpoint someone else got from the board (a voter's receipt, a
follower's): it must be consistent with the record, or the board forked.

The report goes to standard output (--json for JSON); --html also writes
a self-contained page. The first line of each says whether the record is
anchored.

Exit status: 0 if every step passed and the record matched --election (or
--unanchored was given); 1 if a step failed or the record cannot be read;
3 if every step passed but no --election was given (not anchored).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "election", Usage: "the election `FINGERPRINT` published by the election authority"},
			&cli.BoolFlag{Name: "unanchored", Usage: "accept a record checked without --election (exit 0 instead of 3)"},
			&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`"},
			&cli.StringSliceFlag{Name: "checkpoint", Usage: "a further signed checkpoint `FILE` to check (repeatable)"},
			&cli.BoolFlag{Name: "keep-going", Usage: "after a failed step, go on with every step that can still run"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.StringFlag{Name: "html", Usage: "also write the report as a web page to `FILE`"},
		},
		Action: verifyRecord,
	}
}

func verifyRecord(c *cli.Context) error {
	limitMemory() // a million-ballot record is budgeted 2 GiB, like a mix
	if c.NArg() != 1 {
		return errorWithHint("verify takes one RECORD: a record directory or a board URL",
			"run 'urna verify --help'")
	}
	record := c.Args().First()
	opts := verifier.Options{KeepGoing: c.Bool("keep-going")}
	if f := c.String("board-key"); f != "" {
		k, err := loadBoardKey(f)
		if err != nil {
			return err
		}
		opts.BoardKey = k
	}
	if s := c.String("election"); s != "" {
		fp, err := bulletin.ParseFingerprint(s)
		if err != nil {
			return errorWithHint(fmt.Sprintf("--election: %v", err),
				"give the 64 hex digits of the election fingerprint the election authority published")
		}
		opts.Election = &fp
	}
	for _, f := range c.StringSlice("checkpoint") {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		opts.Checkpoints = append(opts.Checkpoints, b)
	}
	ctx := context.Background()
	dir := record
	if strings.HasPrefix(record, "http://") || strings.HasPrefix(record, "https://") {
		tmp, err := os.MkdirTemp("", "urna-verify-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cl, err := client.New(strings.TrimSuffix(record, "/"), nil)
		if err != nil {
			return err
		}
		dir = filepath.Join(tmp, "record")
		var key note.Verifier
		origin := ""
		if opts.BoardKey != nil {
			key, origin = opts.BoardKey.Verifier(), opts.BoardKey.Name
		}
		if _, err := bulletin.ExportRecord(ctx, cl, dir, key, origin); err != nil {
			return errorWithHint(fmt.Sprintf("exporting the record of %s: %v", record, err),
				"check the URL, or export the record with 'urna board export' and verify the directory")
		}
	}
	bar := newProgressBar(c.App.ErrWriter)
	if p := bar.progress(); p != nil {
		opts.Progress = p
	}
	rep, err := verifier.VerifyDir(ctx, dir, opts)
	bar.finish()
	if err != nil {
		return errorWithHint(fmt.Sprintf("cannot read the record: %v", err), "give the directory 'urna board export' wrote")
	}
	rep.Record = record
	if c.Bool("json") {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		c.App.Writer.Write(b)
	} else {
		fmt.Fprint(c.App.Writer, rep.Text())
	}
	if f := c.String("html"); f != "" {
		b, err := rep.HTML()
		if err != nil {
			return err
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return err
		}
	}
	if fs := rep.Failures(); len(fs) > 0 {
		msg := fmt.Sprintf("verification failed at step %s (%s): %s", fs[0].ID, fs[0].Title, fs[0].Failure)
		if len(fs) > 1 {
			msg += fmt.Sprintf(" (and %d more failed steps, listed above)", len(fs)-1)
		}
		return errors.New(msg)
	}
	if !rep.Anchored && !c.Bool("unanchored") {
		return &exitError{code: 3, error: errorWithHint("every step passed, but the record is NOT ANCHORED: it was not checked against the election fingerprint, so it may be a made-up election",
			fmt.Sprintf("compare its fingerprint %s with the one the election authority published, and verify with --election FINGERPRINT", rep.Fingerprint),
			"or pass --unanchored to accept an unanchored record")}
	}
	return nil
}
