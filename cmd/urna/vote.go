package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
)

const voteDescription = `The vote commands encrypt, check and cast ballots.

  1. urna vote encrypt    encrypt your choices with your credential; prints the
                          ballot's tracking code
  2. urna vote challenge  (optional) check on another device that the ballot
                          really contains your choices; the ballot is then
                          spoiled and you encrypt afresh
  3. urna vote cast       check a ballot and cast it
     urna vote verify     anyone: check ballots and print their tracking codes

Why challenge? You cannot read an encrypted ballot, so how do you know the
voting device encrypted what you chose, and not something else? Ask it to
prove it: it reveals the secret randomness of the ballot (the opening), and
a second device that you trust recomputes the encryption of the choices
you made. If the device had cheated, the check fails. The device cannot
know beforehand whether you will challenge or cast, so cheating is caught
with good chance. But an opened ballot can be read by anyone who has the
opening, so a challenged ballot can never be cast: encrypt afresh, and
challenge as often as you like before you cast.

Choices are given with --choice CONTEST=CHOICE, by the IDs that
'urna election show' prints: option IDs, or for a party-list contest a
list letter (a vote for the list) or a candidate ID (a personal vote).
Several choices are separated by commas (CONTEST=A,B); in a ranked contest
their order is the ranking, first preference first. A contest you do not
mention is left blank.`

// choiceFlags collects repeated --choice values without splitting them at
// commas, as urfave/cli's string slices would.
type choiceFlags []string

func (f *choiceFlags) Set(v string) error { *f = append(*f, v); return nil }
func (f *choiceFlags) String() string     { return strings.Join(*f, " ") }

func choiceFlag() *cli.GenericFlag {
	return &cli.GenericFlag{Name: "choice", Value: &choiceFlags{},
		Usage: "select `CONTEST=CHOICE[,CHOICE...]` (repeat for each contest; unmentioned contests are blank)"}
}

func voteCommand() *cli.Command {
	manifestFlag := &cli.StringFlag{Name: "manifest", Usage: "the election manifest `FILE`", Required: true}
	ballotFlag := &cli.StringFlag{Name: "ballot", Usage: "the ballot `FILE` from 'urna vote encrypt'", Required: true}
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true}
	return &cli.Command{
		Name:        "vote",
		Usage:       "encrypt, challenge, cast and verify ballots",
		Description: voteDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "encrypt",
				Usage:     "encrypt your choices into a signed ballot",
				UsageText: "urna vote encrypt --manifest FILE --credential FILE [--url URL --board-key FILE] -o BALLOT --choice CONTEST=CHOICE[,CHOICE...]...",
				Description: `encrypt encrypts your choices under the election key, proves that they
are valid (no over-vote), and signs the ballot with your credential. It
writes the ballot to the output file and its opening, the secret that
lets you challenge the ballot, to BALLOT.opening (readable by you only).

It prints the ballot's tracking code (the whole SHA-256 of the ballot, 13
groups of 4 characters), with which you find your ballot on the bulletin
board, and a short code (its first 4 groups) only to glance at: compare
the whole tracking code, never just the short one. It prints your
choices as the ballot encrypts them. Check them. To make sure the ballot really holds these choices, challenge it
with 'urna vote challenge' on another device (the ballot is then spoiled
and you encrypt afresh); otherwise cast it with 'urna vote cast' and keep
the opening to yourself.

With the board (--url or --url-file) and its key (--board-key), it also
checks that the manifest is the one on the board and prints the election
fingerprint: compare it with the one the election authority published
before you cast.`,
				Flags: append([]cli.Flag{manifestFlag, outFlag,
					&cli.StringFlag{Name: "credential", Usage: "your credential `FILE` from the registrar", Required: true},
					choiceFlag(),
				}, electionBoardFlags()...),
				Before: noArgs,
				Action: voteEncrypt,
			},
			{
				Name:      "challenge",
				Usage:     "check that a ballot encrypts your choices (the Benaloh challenge)",
				UsageText: "urna vote challenge --manifest FILE --ballot BALLOT --opening FILE --choice CONTEST=CHOICE[,CHOICE...]...",
				Description: `challenge checks, on a device other than the one you voted on, that a
ballot encrypts exactly the choices you made: give the ballot, its
opening and your choices as you made them. With the secret randomness
from the opening it recovers the choices the ballot encrypts, checking
every ciphertext of the ballot, shows them, and compares them with
yours (no --choice for a contest means blank).

If the opening does not open the ballot, or the ballot encrypts other
choices although you gave the ones you made, the voting device did not
encrypt what you chose: do not vote with it, and report it.

Either way the ballot is now spoiled: its opening is out, so anyone can
read it, and it can never be cast. challenge marks it so by writing
BALLOT.challenged, and 'urna vote cast' refuses it. Encrypt afresh to
vote; you may challenge as often as you like before you cast.`,
				Flags: []cli.Flag{manifestFlag, ballotFlag,
					&cli.StringFlag{Name: "opening", Usage: "the ballot's opening `FILE` (BALLOT.opening)", Required: true},
					choiceFlag(),
				},
				Before: noArgs,
				Action: voteChallenge,
			},
			{
				Name:      "cast",
				Usage:     "verify a ballot and cast it",
				UsageText: "urna vote cast --manifest FILE --ballot BALLOT -o FILE",
				Description: `cast checks a ballot (election, signature and every proof) and casts it
by writing it to the output file, to be posted to the bulletin board.
It refuses a ballot that has been challenged (BALLOT.challenged exists):
its opening is out, so it could be read; encrypt afresh.`,
				Flags:  []cli.Flag{manifestFlag, ballotFlag, outFlag},
				Before: noArgs,
				Action: voteCast,
			},
			{
				Name:      "verify",
				Usage:     "check ballots and print their tracking codes (anyone)",
				UsageText: "urna vote verify --manifest FILE BALLOT...",
				Description: `verify checks each ballot against the manifest (election, signature and
every proof) and prints its tracking code. It does not check that the
credential is eligible or used only once: that is the bulletin board's
job.`,
				Flags:  []cli.Flag{manifestFlag},
				Action: voteVerify,
			},
		},
	}
}

// loadManifestFile reads and validates the manifest named by --manifest;
// like loadManifest, it prints every validation problem on its own line.
func loadManifestFile(c *cli.Context) (*election.Manifest, error) {
	return readManifest(c, c.String("manifest"), "run 'urna election validate' on it")
}

// parseChoices turns --choice values into election.Choices, by choice ID.
// Errors name the contest.
func parseChoices(c *cli.Context, m *election.Manifest) (election.Choices, error) {
	var vals []string
	if f, ok := c.Generic("choice").(*choiceFlags); ok && f != nil {
		vals = *f
	}
	out := make(election.Choices)
	for _, v := range vals {
		cid, list, ok := strings.Cut(v, "=")
		if !ok {
			return nil, errorWithHint(fmt.Sprintf("--choice %q: want CONTEST=CHOICE[,CHOICE...]", v),
				"run 'urna election show' to see the contest and choice IDs")
		}
		ct := findContest(m, cid)
		if ct == nil {
			ids := make([]string, len(m.Contests))
			for i := range m.Contests {
				ids[i] = m.Contests[i].ID
			}
			return nil, errorWithHint(fmt.Sprintf("unknown contest %q", cid),
				"the contests are: "+strings.Join(ids, ", "))
		}
		if _, dup := out[cid]; dup {
			return nil, errorWithHint(fmt.Sprintf("contest %q: given twice", cid),
				fmt.Sprintf("give all choices of a contest at once: --choice %s=A,B", cid))
		}
		ids := ct.Choices()
		sel := []int{}
		if list != "" {
			for _, name := range strings.Split(list, ",") {
				j := indexOf(ids, name)
				if j < 0 {
					return nil, errorWithHint(fmt.Sprintf("contest %q: unknown choice %q", cid, name),
						fmt.Sprintf("the choices of contest %q are: %s", cid, strings.Join(ids, ", ")))
				}
				if containsInt(sel, j) {
					return nil, fmt.Errorf("contest %q: choice %q given twice", cid, name)
				}
				sel = append(sel, j)
			}
		}
		if len(sel) > ct.Max {
			return nil, errorWithHint(fmt.Sprintf("contest %q: over-vote: %d choices, at most %d allowed", cid, len(sel), ct.Max),
				"a ballot with too many choices cannot be cast; choose again")
		}
		if len(sel) > 0 && len(sel) < ct.Min {
			return nil, errorWithHint(fmt.Sprintf("contest %q: %d choices, at least %d required (or none, for blank)", cid, len(sel), ct.Min),
				"choose more, or leave the contest blank")
		}
		out[cid] = sel
	}
	return out, nil
}

func findContest(m *election.Manifest, id string) *election.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// printChoices shows the choices as the voter sees them on the ballot:
// labels, party lists by letter and name (or by letter alone).
func printChoices(w io.Writer, m *election.Manifest, choices election.Choices) {
	for i := range m.Contests {
		ct := &m.Contests[i]
		sel := choices[ct.ID]
		fmt.Fprintf(w, "  %s (%s): ", ct.ID, ct.Title)
		if len(sel) == 0 {
			fmt.Fprintln(w, "blank")
			continue
		}
		layout := ct.Layout()
		parts := make([]string, len(sel))
		for k, j := range sel {
			ch := layout[j]
			var s string
			switch ch.Kind {
			case election.ListChoice:
				s = "list " + ch.Label
			case election.CandidateChoice:
				s = fmt.Sprintf("%s (list %s)", ch.Label, ch.List)
			default:
				s = ch.Label
			}
			if ct.Kind == election.Ranked {
				s = fmt.Sprintf("%d. %s", k+1, s)
			}
			parts[k] = s
		}
		fmt.Fprintln(w, strings.Join(parts, ", "))
	}
}

func openingPath(ballot string) string    { return ballot + ".opening" }
func challengedPath(ballot string) string { return ballot + ".challenged" }

func voteEncrypt(c *cli.Context) error {
	out := c.String("output")
	for _, p := range []string{out, openingPath(out)} {
		if err := checkNew(p); err != nil {
			return err
		}
	}
	m, err := loadManifestFile(c)
	if err != nil {
		return err
	}
	choices, err := parseChoices(c, m)
	if err != nil {
		return err
	}
	credPath := c.String("credential")
	cb, err := os.ReadFile(credPath)
	if err != nil {
		return err
	}
	cred, err := election.ParseCredential(cb)
	if err != nil {
		return errorWithHint(fmt.Sprintf("%s: %v", credPath, err), "use the credential file the registrar gave you")
	}
	fp, err := voterFingerprint(c, m)
	if err != nil {
		return err
	}
	b, o, err := election.EncryptBallot(m, cred, choices, rand.Reader)
	if err != nil {
		return err
	}
	if err := writePublicFile(out, b.Bytes()); err != nil {
		return err
	}
	if err := writePrivateFile(openingPath(out), o.Bytes()); err != nil {
		return err
	}
	w := c.App.Writer
	h := m.Hash()
	fmt.Fprintf(w, "election %s (%s), election hash %x\n", m.Title, m.ID, h[:])
	if fp != nil {
		fmt.Fprintf(w, "election fingerprint %s: compare it with the one the election authority published\n", fp)
	} else {
		fmt.Fprintln(w, "give the board (--url) and its key (--board-key) to see the election fingerprint, and compare it with the published one")
	}
	code := election.TrackingCode(b)
	fmt.Fprintf(w, "tracking code %s\n", code)
	fmt.Fprintf(w, "short code %s (only to glance at: it names no ballot; look up and compare the whole tracking code)\n", election.ShortCode(code))
	fmt.Fprintln(w, "your choices:")
	printChoices(w, m, choices)
	fmt.Fprintf(w, "wrote the ballot %s and its opening %s (keep it to yourself unless you challenge)\n", out, openingPath(out))
	fmt.Fprintln(w, "to check the ballot, run 'urna vote challenge' on another device: the ballot is then spoiled")
	fmt.Fprintln(w, "to vote, run 'urna vote cast'")
	return nil
}

// voterFingerprint returns the election fingerprint of the board given
// with --url and --board-key, after checking that m is the manifest on
// that board; nil if no board is given.
func voterFingerprint(c *cli.Context, m *election.Manifest) (*bulletin.Fingerprint, error) {
	return electionOnBoard(c, func(_, manifest []byte) error {
		if !bytes.Equal(manifest, m.JSON()) {
			return errorWithHint(fmt.Sprintf("%s is not the manifest on the board", c.String("manifest")),
				"get the manifest from the board ('urna board get'), or check that this is the right board")
		}
		return nil
	})
}

func loadBallot(m *election.Manifest, path string) (*election.Ballot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := election.ParseBallot(m, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func voteChallenge(c *cli.Context) error {
	m, err := loadManifestFile(c)
	if err != nil {
		return err
	}
	choices, err := parseChoices(c, m)
	if err != nil {
		return err
	}
	path := c.String("ballot")
	b, err := loadBallot(m, path)
	if err != nil {
		return err
	}
	opath := c.String("opening")
	od, err := os.ReadFile(opath)
	if err != nil {
		return err
	}
	o, err := election.ParseOpening(m, od)
	if err != nil {
		return fmt.Errorf("%s: %w", opath, err)
	}
	code := election.TrackingCode(b)
	if !o.Spoils(b) {
		return errorWithHint(fmt.Sprintf("%s is the opening of ballot %s, not of ballot %s", opath, o.TrackingCode(), code),
			"give the opening written next to the ballot (BALLOT.opening)")
	}
	// The opening is out: the ballot is spoiled whatever the outcome.
	if err := markChallenged(path, code); err != nil {
		return err
	}
	// Recover the choices from the opening alone: a junk opening fails
	// here, whatever choices were given.
	got, err := election.OpenBallot(m, b, o)
	if err != nil {
		return errorWithHint(fmt.Sprintf("%s does NOT open ballot %s: %s", opath, code, openingProblem(m, err)),
			"the voting device gave an opening that does not open its ballot, so it may not have encrypted your choices: do not vote with it, and report it",
			"this ballot was challenged and can never be cast; encrypt afresh")
	}
	w := c.App.Writer
	fmt.Fprintf(w, "ballot %s encrypts:\n", code)
	printChoices(w, m, got)
	if err := election.VerifyOpening(m, b, o, choices); err != nil {
		msg := strings.TrimPrefix(err.Error(), "election: verify opening: ")
		msg = strings.TrimPrefix(msg, "invalid ballot: ")
		msg = strings.TrimSuffix(msg, ": the ballot does not encrypt these choices")
		return errorWithHint(fmt.Sprintf("ballot %s does NOT encrypt these choices: %s", code, msg),
			"if these are the choices you made, the voting device did not encrypt them: do not vote with it, and report it",
			"this ballot was challenged and can never be cast; encrypt afresh")
	}
	fmt.Fprintln(w, "these are the choices you gave")
	fmt.Fprintln(w, "this ballot was challenged and can never be cast; encrypt afresh to vote")
	return nil
}

// openingProblem says, in election terms, where and why an opening does
// not open its ballot: the contest and choice by their IDs.
func openingProblem(m *election.Manifest, err error) string {
	var oe *election.OpeningError
	if !errors.As(err, &oe) {
		return err.Error()
	}
	if oe.Contest == "" {
		return oe.Problem
	}
	where := fmt.Sprintf("contest %q", oe.Contest)
	if ct := findContest(m, oe.Contest); ct != nil && oe.Choice >= 0 && oe.Choice < len(ct.Choices()) {
		where += fmt.Sprintf(" choice %q", ct.Choices()[oe.Choice])
	}
	return where + ": " + oe.Problem
}

// markChallenged records next to the ballot that it was challenged, so
// that 'vote cast' refuses it. An existing mark is left as it is.
func markChallenged(ballot, code string) error {
	p := challengedPath(ballot)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "ballot %s was challenged: its opening is published and it can never be cast\n", code); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func voteCast(c *cli.Context) error {
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	m, err := loadManifestFile(c)
	if err != nil {
		return err
	}
	path := c.String("ballot")
	b, err := loadBallot(m, path)
	if err != nil {
		return err
	}
	code := election.TrackingCode(b)
	if _, err := os.Lstat(challengedPath(path)); err == nil {
		return errorWithHint(fmt.Sprintf("ballot %s was challenged and can never be cast; encrypt afresh", code),
			"its opening is out, so anyone could read it; run 'urna vote encrypt' again to vote")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := election.VerifyBallot(m, b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := writePublicFile(out, b.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "ballot %s verified and cast to %s\n", code, out)
	return nil
}

func voteVerify(c *cli.Context) error {
	if c.NArg() == 0 {
		return errorWithHint("no ballots given", "run 'urna vote verify --help' for usage")
	}
	m, err := loadManifestFile(c)
	if err != nil {
		return err
	}
	paths := c.Args().Slice()
	bs := make([]*election.Ballot, len(paths))
	for i, p := range paths {
		if bs[i], err = loadBallot(m, p); err != nil {
			return err
		}
	}
	err = election.BatchVerifyBallots(m, bs)
	var be *election.BallotBatchError
	if err != nil && !errors.As(err, &be) {
		return err
	}
	failed := make(map[int]error)
	if be != nil {
		for k, i := range be.Failed {
			failed[i] = be.Errs[k]
		}
	}
	w := c.App.Writer
	for i, p := range paths {
		if e, bad := failed[i]; bad {
			fmt.Fprintf(c.App.ErrWriter, "urna: %s: %v\n", p, e)
			continue
		}
		fmt.Fprintf(w, "%s %s ok\n", election.TrackingCode(bs[i]), p)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %s invalid", len(failed), plural(len(paths), "ballot", "ballots"))
	}
	return nil
}
