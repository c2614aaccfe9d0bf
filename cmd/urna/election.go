package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
)

const electionDescription = `The election commands write and check the election manifest: a JSON file
that says what is voted on (the contests and their options, party lists
and candidates, in ballot order), under which election public key, and
whether a voter may vote again. The manifest's hash, the election context
hash, is bound into every proof of the election, so everyone must use the
very same manifest.

  1. urna election create     write a skeleton manifest, then edit it
  2. urna election validate   check the manifest against every rule
  3. urna election show       print the ballot layout of every contest
  4. urna election hash       print the manifest hash to publish

spec/manifest.md lists the rules and the canonical encoding.`

func electionCommand() *cli.Command {
	return &cli.Command{
		Name:        "election",
		Usage:       "create and check the election manifest",
		Description: electionDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "write a skeleton manifest to edit",
				UsageText: "urna election create --id ID --title TEXT --public-key FILE -o manifest.json",
				Description: `create writes a valid manifest with one referendum contest (yes or no),
for the election public key written by 'urna trustee finish' or 'urna
trustee verify' with --public-key. Edit the file to add your contests,
then check it with 'urna election validate'. It never overwrites a file.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "the election's short identifier, `ID`", Required: true},
					&cli.StringFlag{Name: "title", Usage: "the election's title, as `TEXT`", Required: true},
					&cli.StringFlag{Name: "public-key", Usage: "the election public key `FILE` (hex)", Required: true},
					&cli.StringFlag{Name: "revoting", Value: string(election.RevotingForbid),
						Usage: "`POLICY` for voters who vote again: forbid (the first vote is binding, as in Denmark) or last-counts (as in Norway)"},
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true},
				},
				Before: noArgs,
				Action: electionCreate,
			},
			{
				Name:      "validate",
				Usage:     "check a manifest against every rule",
				UsageText: "urna election validate FILE",
				Description: `validate reads a manifest and checks it: strict JSON, the version, unique
identifiers, the rules of each contest kind, the election public key. It
prints "manifest OK" and a summary, or every problem found, naming the
contest, list, option or candidate concerned.`,
				Action: electionValidate,
			},
			{
				Name:      "hash",
				Usage:     "print the manifest hash of a manifest",
				UsageText: "urna election hash FILE",
				Description: `hash prints the manifest hash of a valid manifest, in hex: the
SHA-256 hash of its canonical encoding, which every proof of the
election binds. Publish it, and compare it over a second channel: the
same hash means the same manifest, however its JSON is formatted.`,
				Action: electionHash,
			},
			{
				Name:      "fingerprint",
				Usage:     "print the election fingerprint, to publish before voting opens",
				UsageText: "urna election fingerprint --board-key FILE (--genesis FILE --manifest FILE | --url URL)",
				Description: `fingerprint prints the election fingerprint (spec/board.md §9): one hash
of the board's key, the genesis entry (the board, the administrator's key
and the trustees) and the manifest with its election key. The election
authority computes it once the manifest is on the board and publishes it
before voting opens, through channels outside the board. Voters, trustees
and auditors compare it with what their tools print, and 'urna verify
--election FINGERPRINT' checks a record against it: a record that passes
every step but is not of this fingerprint is another election, or a
made-up one.

Give the genesis entry file ('urna board entry genesis') and the manifest,
or a board (--url or --url-file) to read both from.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`", Required: true},
					&cli.StringFlag{Name: "genesis", Usage: "the genesis entry `FILE`"},
					&cli.StringFlag{Name: "manifest", Usage: "the election manifest `FILE`"},
					&cli.StringSliceFlag{Name: "restart", Usage: "a restart entry `FILE` of the ceremony, if it was restarted (repeatable, in order)"},
					&cli.StringFlag{Name: "url", Usage: "read the entries from the board at `URL`"},
					&cli.StringFlag{Name: "url-file", Usage: "read the board's URL from `FILE`"},
				},
				Before: noArgs,
				Action: electionFingerprint,
			},
			{
				Name:      "show",
				Usage:     "print the ballot layout of a manifest",
				UsageText: "urna election show FILE",
				Description: `show prints every contest of a valid manifest with its choices in ballot
order, numbered from 0 as a ballot encrypts them. A party-list contest
lists every party list (a vote for the list), then every candidate (a
personal vote); a list without a name is shown by its letter.`,
				Action: electionShow,
			},
		},
	}
}

// manifestArg returns the one file argument of a subcommand.
func manifestArg(c *cli.Context) (string, error) {
	if c.NArg() != 1 {
		name := "election " + c.Command.Name
		return "", errorWithHint(fmt.Sprintf("%s takes one manifest file, got %d arguments", name, c.NArg()),
			fmt.Sprintf("run 'urna %s --help' for usage", name))
	}
	return c.Args().First(), nil
}

// loadManifest reads and validates a manifest. Every validation problem is
// printed on its own "urna:" line; the returned error sums them up.
func loadManifest(c *cli.Context) (*election.Manifest, error) {
	path, err := manifestArg(c)
	if err != nil {
		return nil, err
	}
	return readManifest(c, path, "spec/manifest.md lists the rules")
}

// readManifest reads and validates the manifest at path ("-" for standard
// input), printing every validation problem on its own line; hint says
// where to look next.
func readManifest(c *cli.Context, path, hint string) (*election.Manifest, error) {
	b, err := readInput(c, path)
	if err != nil {
		return nil, err
	}
	name := inputName(path)
	m, err := election.ParseManifest(b)
	if err == nil {
		return m, nil
	}
	problems := election.ManifestErrors(err)
	if problems == nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, p := range problems {
		fmt.Fprintf(c.App.ErrWriter, "urna: %s: %v\n", name, p)
	}
	return nil, errorWithHint(fmt.Sprintf("%s: invalid manifest: %s", name, plural(len(problems), "problem", "problems")), hint)
}

func electionCreate(c *cli.Context) error {
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	pk, err := loadPublicKey(c.String("public-key"))
	if err != nil {
		return err
	}
	m := &election.Manifest{
		Version:   election.ManifestVersion,
		ID:        c.String("id"),
		Title:     c.String("title"),
		PublicKey: hex.EncodeToString(pk.Bytes()),
		Revoting:  election.RevotingPolicy(c.String("revoting")),
		Contests: []election.Contest{{
			ID:    "question-1",
			Title: "Edit this question",
			Kind:  election.Referendum,
			Tally: election.Homomorphic,
			Min:   0,
			Max:   1,
			Options: []election.Option{
				{ID: "yes", Label: "Yes"},
				{ID: "no", Label: "No"},
			},
		}},
	}
	if err := m.Validate(); err != nil {
		return errorWithHint(fmt.Sprintf("invalid manifest: %v", strings.ReplaceAll(err.Error(), "\n", "; ")),
			"run 'urna election create --help' for the flags")
	}
	if err := writePublicFile(out, m.JSON()); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s; edit its contests, then run 'urna election validate %s'\n", out, out)
	return nil
}

func electionValidate(c *cli.Context) error {
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintln(w, "manifest OK")
	fmt.Fprintf(w, "election %s: %s\n", m.ID, m.Title)
	fmt.Fprintf(w, "revoting %s\n", m.Revoting)
	fmt.Fprintf(w, "%s:\n", plural(len(m.Contests), "contest", "contests"))
	for i := range m.Contests {
		ct := &m.Contests[i]
		fmt.Fprintf(w, "  %s (%s, %s tally, max %d): %s\n", ct.ID, ct.Kind, ct.Tally, ct.Max,
			plural(len(ct.Choices()), "choice", "choices"))
	}
	h := m.Hash()
	fmt.Fprintf(w, "manifest hash %x\n", h)
	return nil
}

func electionHash(c *cli.Context) error {
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	h := m.Hash()
	fmt.Fprintf(c.App.Writer, "%x\n", h)
	return nil
}

func electionFingerprint(c *cli.Context) error {
	local := c.String("genesis") != "" || c.String("manifest") != ""
	remote := c.String("url") != "" || c.String("url-file") != ""
	var fp bulletin.Fingerprint
	switch {
	case local && remote:
		return errorWithHint("give the entries as files or a board, not both", "run 'urna election fingerprint --help' for usage")
	case local:
		if c.String("genesis") == "" || c.String("manifest") == "" {
			return errorWithHint("--genesis and --manifest go together", "give the genesis entry file and the manifest")
		}
		m, err := loadManifestFile(c)
		if err != nil {
			return err
		}
		if fp, err = fingerprintFromFiles(c.String("board-key"), c.String("genesis"), c.StringSlice("restart"), m); err != nil {
			return err
		}
	case remote:
		key, err := loadBoardKey(c.String("board-key"))
		if err != nil {
			return err
		}
		cl, err := boardClient(c)
		if err != nil {
			return err
		}
		if fp, err = boardFingerprint(c, cl, key); err != nil {
			return err
		}
	default:
		return errorWithHint("no entries given", "give --genesis FILE --manifest FILE, or the board with --url URL")
	}
	fmt.Fprintln(c.App.Writer, fp)
	return nil
}

func electionShow(c *cli.Context) error {
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	printLayout(c.App.Writer, m)
	return nil
}

func printLayout(w io.Writer, m *election.Manifest) {
	fmt.Fprintf(w, "election %s: %s\n", m.ID, m.Title)
	for i := range m.Contests {
		ct := &m.Contests[i]
		fmt.Fprintf(w, "\ncontest %s: %s\n", ct.ID, ct.Title)
		switch ct.Kind {
		case election.Ranked:
			fmt.Fprintf(w, "  ranked, %s tally: rank up to %d, or none\n", ct.Tally, ct.Max)
		case election.Approval:
			fmt.Fprintf(w, "  approval, %s tally: pick up to %d, or none\n", ct.Tally, ct.Max)
		case election.PartyList:
			fmt.Fprintf(w, "  party-list, %s tally: pick one list or one candidate, or none\n", ct.Tally)
		default:
			fmt.Fprintf(w, "  %s, %s tally: pick one, or none\n", ct.Kind, ct.Tally)
		}
		for j, ch := range ct.Layout() {
			switch ch.Kind {
			case election.ListChoice:
				fmt.Fprintf(w, "  %2d  list %s\n", j, ch.Label)
			case election.CandidateChoice:
				fmt.Fprintf(w, "  %2d  candidate %s (list %s): %s\n", j, ch.ID, ch.List, ch.Label)
			default:
				fmt.Fprintf(w, "  %2d  %s: %s\n", j, ch.ID, ch.Label)
			}
		}
	}
}
