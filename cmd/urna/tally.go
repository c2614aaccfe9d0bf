package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
)

const tallyDescription = `The tally commands count an election from its public record: the manifest,
the public credential list, the ballots on the board and, optionally, the
credentials to cancel (voters who voted on paper in person). Anyone can
run them and must get the same result.

  1. urna tally prepare      cleanse the board and add up the ballots
  2. urna trustee decrypt    each trustee decrypts the sums
     urna trustee combine    anyone combines the shares into the sums
  3. urna tally count        write the count protocol

Cleansing rejects ballots for another election, exact duplicates,
ballots from credentials not on the list and ballots that fail
verification; it applies the manifest's re-voting policy and cancels
overridden credentials. Ballot files are given in board order.`

func tallyCommand() *cli.Command {
	common := func(extra ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.StringFlag{Name: "manifest", Usage: "the election manifest `FILE`", Required: true},
			&cli.StringFlag{Name: "eligible", Usage: "the public credential list `FILE` from 'urna registrar new --public'", Required: true},
			&cli.StringFlag{Name: "overrides", Usage: "credentials to cancel, as a public credential list `FILE` (same format as --eligible)"},
		}, extra...)
	}
	return &cli.Command{
		Name:        "tally",
		Usage:       "cleanse the ballots, add them up and count the result",
		Description: tallyDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "prepare",
				Usage:     "cleanse the ballots and write the sums for the trustees",
				UsageText: "urna tally prepare --manifest FILE --eligible FILE [--overrides FILE] -o CIPHERTEXTS BALLOT-FILE...",
				Description: `prepare cleanses the ballots, prints what became of them, and writes the
homomorphic sums as a ciphertext list for 'urna trustee decrypt': one
ciphertext per choice, contest by contest in manifest order (mixnet
contests skipped) and choice by choice in ballot order ('urna election
show'). With --mix-input CONTEST=FILE it also writes a mixnet contest's
accepted ciphertexts as the input list of 'urna mix shuffle'.`,
				Flags: common(
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the sums to `FILE`; it must not exist yet", Required: true},
					&cli.StringSliceFlag{Name: "mix-input", Usage: "write mixnet contest CONTEST's input list to FILE (`CONTEST=FILE`, repeatable)"},
				),
				Action: tallyPrepare,
			},
			{
				Name:      "count",
				Usage:     "write the count protocol from the decrypted sums",
				UsageText: "urna tally count --manifest FILE --eligible FILE [--overrides FILE] --decrypted FILE [--json] BALLOT-FILE...",
				Description: `count cleanses the ballots again, reads the sums decrypted by 'urna
trustee combine' (its output, lines "N VALUE"), and prints the count
protocol: the voters on the roll, the ballots received, accepted,
superseded, cancelled and rejected by reason, and the result of every
contest. Give each mixnet contest's decrypted mix output, from 'urna
trustee combine --data', with --mixed CONTEST=FILE.`,
				Flags: common(
					&cli.StringFlag{Name: "decrypted", Usage: "the output of 'urna trustee combine' for the sums, in `FILE`"},
					&cli.StringSliceFlag{Name: "mixed", Usage: "the output of 'urna trustee combine --data' for mixnet contest CONTEST (`CONTEST=FILE`, repeatable)"},
					&cli.BoolFlag{Name: "json", Usage: "print the protocol as JSON"},
				),
				Action: tallyCount,
			},
		},
	}
}

// tallyCleanse reads the public record and cleanses it.
func tallyCleanse(c *cli.Context) (*election.Cleansed, error) {
	if c.NArg() == 0 {
		return nil, errorWithHint("no ballot files given", "give every ballot file of the board, in board order")
	}
	m, err := readManifest(c, c.String("manifest"), "run 'urna election validate' on it")
	if err != nil {
		return nil, err
	}
	readList := func(path string) ([][32]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		l, err := election.ParsePublicList(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return l, nil
	}
	eligible, err := readList(c.String("eligible"))
	if err != nil {
		return nil, err
	}
	var overrides [][32]byte
	if p := c.String("overrides"); p != "" {
		if overrides, err = readList(p); err != nil {
			return nil, err
		}
	}
	ballots := make([]*election.Ballot, c.NArg())
	for i, path := range c.Args().Slice() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if ballots[i], err = election.ParseBallot(m, b); err != nil {
			return nil, errorWithHint(fmt.Sprintf("%s: %v", path, err), "give ballot files as 'urna vote cast' writes them, for this manifest")
		}
	}
	return election.Cleanse(m, eligible, ballots, overrides), nil
}

// contestFiles parses CONTEST=FILE flags for the mixnet contests of m.
func contestFiles(m *election.Manifest, flag string, values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		id, path, ok := strings.Cut(v, "=")
		if !ok || path == "" {
			return nil, errorWithHint(fmt.Sprintf("--%s %q: want CONTEST=FILE", flag, v))
		}
		known := false
		for _, ct := range m.Contests {
			known = known || (ct.ID == id && ct.Tally == election.Mixnet)
		}
		if !known {
			return nil, errorWithHint(fmt.Sprintf("--%s: %q is not a mixnet contest of the manifest", flag, id), "run 'urna election show' to see the contests")
		}
		if _, dup := out[id]; dup {
			return nil, errorWithHint(fmt.Sprintf("--%s: contest %q given twice", flag, id), "give each mixnet contest once")
		}
		out[id] = path
	}
	return out, nil
}

func printCleansing(c *cli.Context, cl *election.Cleansed) {
	w := c.App.Writer
	n := cl.Counts
	fmt.Fprintf(w, "%d ballots received: %d accepted, %d superseded, %d cancelled, %d rejected\n",
		n.Received, n.Accepted, n.Superseded, n.Cancelled, n.RejectedTotal())
	for _, r := range election.RejectReasons {
		if n.Rejected[r] > 0 {
			fmt.Fprintf(w, "  rejected, %s: %d\n", r, n.Rejected[r])
		}
	}
	for _, o := range cl.Outcomes {
		if o.Status == election.Rejected {
			fmt.Fprintf(w, "  %s: %s (%s)\n", c.Args().Get(o.Index), o.Reason, o.TrackingCode)
		}
	}
}

func tallyPrepare(c *cli.Context) error {
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	cl, err := tallyCleanse(c)
	if err != nil {
		return err
	}
	mixFiles, err := contestFiles(cl.Manifest, "mix-input", c.StringSlice("mix-input"))
	if err != nil {
		return err
	}
	// Check every output before writing any, so that a refused mix input
	// does not leave the sums written and block a second run.
	used := map[string]string{out: "-o"}
	for _, ct := range cl.Manifest.Contests {
		path, ok := mixFiles[ct.ID]
		if !ok {
			continue
		}
		if prev, dup := used[path]; dup {
			return errorWithHint(fmt.Sprintf("--mix-input %s=%s: %s is also given as %s", ct.ID, path, path, prev), "give every output its own file")
		}
		used[path] = "--mix-input " + ct.ID
		if err := checkNew(path); err != nil {
			return err
		}
	}
	printCleansing(c, cl)
	mixInputs := map[string][]elgamal.CiphertextVector{}
	for _, ct := range cl.Manifest.Contests {
		if _, ok := mixFiles[ct.ID]; !ok {
			continue
		}
		if mixInputs[ct.ID] = cl.MixInput(ct.ID); len(mixInputs[ct.ID]) == 0 {
			return fmt.Errorf("contest %q: no accepted ballots to mix", ct.ID)
		}
	}
	agg, err := cl.Aggregate()
	if err != nil {
		return err
	}
	if len(agg) == 0 {
		fmt.Fprintf(c.App.Writer, "no homomorphic contests: %s not written\n", out)
	} else {
		list := make([]elgamal.CiphertextVector, len(agg))
		for i := range agg {
			list[i] = elgamal.CiphertextVector{agg[i]}
		}
		comments := []string{"urna tally prepare: homomorphic sums, one per choice"}
		for i, e := range election.AggregateLayout(cl.Manifest) {
			comments = append(comments, fmt.Sprintf("%d %s %s", i+1, e.Contest, e.Choice.ID))
		}
		if err := writePublicFile(out, formatCiphertextList(list, comments...)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%d sums written to %s\n", len(agg), out)
	}
	for _, ct := range cl.Manifest.Contests {
		path, ok := mixFiles[ct.ID]
		if !ok {
			continue
		}
		in := mixInputs[ct.ID]
		if err := writePublicFile(path, formatCiphertextList(in, "urna tally prepare: mix input of contest "+ct.ID)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%d ciphertexts of contest %s written to %s\n", len(in), ct.ID, path)
	}
	return nil
}

// parseCombined reads the output of 'urna trustee combine' for a list of
// width 1: lines "N VALUE", N counting from 1, VALUE a number, a quoted
// string (--data) or "element HEX".
func parseCombined(path string) ([]*elgamal.Element, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*elgamal.Element
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(why string) error {
			return errorWithHint(fmt.Sprintf("%s:%d: %s", path, n+1, why), "give the output of 'urna trustee combine' for the list 'urna tally prepare' wrote")
		}
		num, val, ok := strings.Cut(line, " ")
		if !ok || num != strconv.Itoa(len(out)+1) {
			return nil, bad(fmt.Sprintf("want line %d as \"%d VALUE\"", len(out)+1, len(out)+1))
		}
		var e *elgamal.Element
		switch {
		case strings.HasPrefix(val, "element "):
			raw, err := hex.DecodeString(strings.TrimPrefix(val, "element "))
			if err != nil {
				return nil, bad("element is not hex")
			}
			if e, err = new(elgamal.Element).SetCanonicalBytes(raw); err != nil {
				return nil, bad(err.Error())
			}
		case strings.HasPrefix(val, `"`):
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, bad("invalid quoted data")
			}
			if e, err = elgamal.EncodeData([]byte(s)); err != nil {
				return nil, bad(err.Error())
			}
		default:
			v, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return nil, bad(fmt.Sprintf("%q is not a number, quoted data or element (one ciphertext per line expected)", val))
			}
			e = new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(v))
		}
		out = append(out, e)
	}
	return out, nil
}

func tallyCount(c *cli.Context) error {
	cl, err := tallyCleanse(c)
	if err != nil {
		return err
	}
	mixFiles, err := contestFiles(cl.Manifest, "mixed", c.StringSlice("mixed"))
	if err != nil {
		return err
	}
	var decrypted []*elgamal.Element
	if p := c.String("decrypted"); p != "" {
		if decrypted, err = parseCombined(p); err != nil {
			return err
		}
	} else if len(election.AggregateLayout(cl.Manifest)) > 0 {
		return errorWithHint("--decrypted is required: the manifest has homomorphic contests",
			"give the output of 'urna trustee combine' for the sums 'urna tally prepare' wrote")
	}
	mixed := map[string][]*elgamal.Element{}
	for _, ct := range cl.Manifest.Contests {
		if ct.Tally != election.Mixnet {
			continue
		}
		path, ok := mixFiles[ct.ID]
		if !ok {
			if len(cl.Ballots) == 0 {
				continue
			}
			return errorWithHint(fmt.Sprintf("mixnet contest %q: no --mixed file", ct.ID), "give --mixed "+ct.ID+"=FILE, the output of 'urna trustee combine --data' for its mixed ballots")
		}
		if mixed[ct.ID], err = parseCombined(path); err != nil {
			return err
		}
	}
	res, err := election.Count(cl.Manifest, cl, decrypted, mixed)
	if err != nil {
		return err
	}
	rep := election.NewReport(cl, res)
	if c.Bool("json") {
		j, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = c.App.Writer.Write(j)
		return err
	}
	_, err = fmt.Fprint(c.App.Writer, rep.Text())
	return err
}
