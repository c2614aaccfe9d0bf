package main

import (
	"context"
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
		UsageText: "urna verify [--board-key FILE] [--checkpoint FILE]... [--json] [--html FILE] RECORD",
		Description: `verify re-checks a complete election record on its own: the board's
signed checkpoint and log, the phases, the trustee ceremony, the manifest,
every ballot and challenge, which ballots count, the homomorphic sums, the
mix chains, the decryption shares, the count and the published result. The
steps V1 to V13 are specified in spec/verify.md; verification stops at the
first step that fails.

RECORD is a directory written by 'urna board export', or the http(s) URL of
a board, whose record is then exported to a temporary directory first.

--board-key gives the board's verifier key (as 'urna board keygen' printed
it); get it from the election authority. Without it the record's own
board.vkey is used, and the report warns about it. --checkpoint adds a
signed checkpoint someone else got from the board (a voter's receipt, a
follower's): it must be consistent with the record, or the board forked.

The report goes to standard output (--json for JSON); --html also writes
a self-contained page. The exit status is 1 if any step fails.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`"},
			&cli.StringSliceFlag{Name: "checkpoint", Usage: "a further signed checkpoint `FILE` to check (repeatable)"},
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
	var opts verifier.Options
	if f := c.String("board-key"); f != "" {
		v, err := loadVerifier(f)
		if err != nil {
			return err
		}
		opts.BoardKey = v
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
			key, origin = opts.BoardKey, opts.BoardKey.Name()
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
	if s := rep.FirstFailure(); s != nil {
		return fmt.Errorf("verification failed at step %s (%s): %s", s.ID, s.Title, s.Failure)
	}
	return nil
}
