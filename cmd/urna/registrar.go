package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
)

const registrarDescription = `The registrar commands create the voters' credentials. Every voter on the
roll gets a secret credential: a signing key with which they sign their
ballot. The registrar publishes only the list of public credentials, in
sorted order, so anyone can check that every ballot was signed by an
eligible credential, while nobody but the registrar can tell which voter
holds which credential.

  1. urna registrar new         generate one credential per voter on the roll;
                                publish the public credential list
  2. urna registrar credential  write one voter's credential file, to hand to
                                that voter

The registrar file maps voters to credentials. It is encrypted with a
passphrase and never overwritten; keep it safe and offline.`

func registrarCommand() *cli.Command {
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true}
	return &cli.Command{
		Name:        "registrar",
		Usage:       "create the voters' credentials and the public credential list",
		Description: registrarDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "generate one credential per voter on the roll",
				UsageText: "urna registrar new --roll FILE -o REGISTRAR --public PUBLIC-LIST",
				Description: `new reads the electoral roll, one voter ID per line (blank lines and lines
starting with # are skipped; an ID has no spaces), and generates a fresh
secret credential for every voter. It writes two files:

  the registrar file (-o)   which voter holds which credential; secret,
                            encrypted with a passphrase you choose
  the public list (--public) the public credentials, sorted, with no names;
                            publish it before the election opens

Every voter ID must be unique.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "roll", Usage: "the electoral roll `FILE`, one voter ID per line", Required: true},
					outFlag,
					&cli.StringFlag{Name: "public", Usage: "write the public credential list to `FILE`; it must not exist yet", Required: true},
				},
				Before: noArgs,
				Action: registrarNew,
			},
			{
				Name:      "credential",
				Usage:     "write one voter's credential file, to hand to the voter",
				UsageText: "urna registrar credential --registrar REGISTRAR -o FILE VOTER-ID",
				Description: `credential writes the secret credential of one voter to a new file that
only its owner can read (mode 0600). Hand it to that voter, and to
nobody else: whoever holds it can vote in the voter's name. The voter
gives it to 'urna vote encrypt --credential'.`,
				Flags: []cli.Flag{
					registrarFlag,
					outFlag,
				},
				Action: registrarCredential,
			},
			{
				Name:      "overrides",
				Usage:     "list the credentials of voters to cancel (they voted on paper in person)",
				UsageText: "urna registrar overrides --registrar FILE -o FILE VOTER-ID...",
				Description: `overrides writes the public credentials of the given voters, for
'urna tally --overrides': their electronic ballots are cancelled, because
the paper vote they cast in person takes precedence. The file names no
voters, only credentials, so it can be published.`,
				Flags: []cli.Flag{
					registrarFlag,
					outFlag,
				},
				Action: registrarOverrides,
			},
			{
				Name:      "postal",
				Usage:     "list the voters with an accepted electronic vote, for checking postal votes",
				UsageText: "urna registrar postal --registrar FILE --manifest FILE --eligible FILE [--overrides FILE] -o FILE BALLOT-FILE...",
				Description: `postal cleanses the ballots exactly as 'urna tally' does and writes the
IDs of the voters whose electronic vote was accepted, one per line,
sorted, without any vote content. A postal vote from one of them is not
counted: the electronic vote takes precedence. Only the registrar can
produce this list, since only the registrar knows which voter holds
which credential.`,
				Flags: []cli.Flag{
					registrarFlag,
					&cli.StringFlag{Name: "manifest", Usage: "the election manifest `FILE`", Required: true},
					&cli.StringFlag{Name: "eligible", Usage: "the public credential list `FILE`", Required: true},
					&cli.StringFlag{Name: "overrides", Usage: "credentials to cancel, as a public credential list `FILE`"},
					outFlag,
				},
				Action: registrarPostal,
			},
		},
	}
}

// parseRoll reads an electoral roll: one voter ID per line, surrounding
// space trimmed, blank lines and # comments skipped. Errors name the line.
func parseRoll(name string, b []byte) ([]string, error) {
	var ids []string
	seen := make(map[string]int)
	for n, line := range strings.Split(string(b), "\n") {
		id := strings.TrimSpace(line)
		if id == "" || strings.HasPrefix(id, "#") {
			continue
		}
		if err := election.CheckVoterID(id); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, n+1, err)
		}
		if first, dup := seen[id]; dup {
			return nil, errorWithHint(fmt.Sprintf("%s: line %d: duplicate voter ID %q (also on line %d)", name, n+1, id, first),
				"every voter must appear on the roll exactly once")
		}
		seen[id] = n + 1
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, errorWithHint(fmt.Sprintf("%s: no voters on the roll", name), "write one voter ID per line")
	}
	return ids, nil
}

func registrarNew(c *cli.Context) error {
	out, pub := c.String("output"), c.String("public")
	if out == pub {
		return errorWithHint("the registrar file and the public list must be different files",
			"choose two file names")
	}
	for _, p := range []string{out, pub} {
		if err := checkNew(p); err != nil {
			return err
		}
	}
	rollPath := c.String("roll")
	b, err := readInput(c, rollPath)
	if err != nil {
		return err
	}
	ids, err := parseRoll(inputName(rollPath), b)
	if err != nil {
		return err
	}
	reg, err := election.GenerateCredentials(ids, rand.Reader)
	if err != nil {
		return err
	}
	r, err := recipient(c, "the new registrar file")
	if err != nil {
		return err
	}
	if err := threshold.WriteSecretFile(out, reg.Bytes(), r); err != nil {
		return secretError(err, out)
	}
	if err := writePublicFile(pub, election.MarshalPublicList(reg.PublicList())); err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "generated %s\n", plural(reg.Len(), "credential", "credentials"))
	fmt.Fprintf(w, "wrote the registrar file %s (secret: keep it offline)\n", out)
	fmt.Fprintf(w, "wrote the public credential list %s (publish it)\n", pub)
	return nil
}

func registrarCredential(c *cli.Context) error {
	if c.NArg() != 1 {
		return errorWithHint(fmt.Sprintf("registrar credential takes one voter ID, got %d arguments", c.NArg()),
			"run 'urna registrar credential --help' for usage")
	}
	voter := c.Args().First()
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	reg, err := loadRegistrar(c)
	if err != nil {
		return err
	}
	cred, ok := reg.Credential(voter)
	if !ok {
		return errorWithHint(fmt.Sprintf("voter %q is not on the roll of %s", voter, c.String("registrar")),
			"voter IDs are matched exactly, as written on the roll")
	}
	if err := writePrivateFile(out, cred.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote the credential of voter %s to %s; hand it to that voter only\n", voter, out)
	return nil
}

// loadRegistrar reads the registrar's secret file named by --registrar.
func loadRegistrar(c *cli.Context) (*election.Registrar, error) {
	path := c.String("registrar")
	ident, err := identity(c, path)
	if err != nil {
		return nil, err
	}
	b, err := threshold.ReadSecretFile(path, ident)
	if err != nil {
		return nil, secretError(err, path)
	}
	reg, err := election.ParseRegistrar(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reg, nil
}

func registrarOverrides(c *cli.Context) error {
	if c.NArg() == 0 {
		return errorWithHint("no voter IDs given", "list the voters whose electronic ballots are to be cancelled")
	}
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	reg, err := loadRegistrar(c)
	if err != nil {
		return err
	}
	var list [][32]byte
	seen := map[[32]byte]bool{}
	for _, voter := range c.Args().Slice() {
		cred, ok := reg.Credential(voter)
		if !ok {
			return errorWithHint(fmt.Sprintf("voter %q is not on the roll", voter), "voter IDs are matched exactly, as written on the roll")
		}
		var k [32]byte
		copy(k[:], cred.Public())
		if !seen[k] {
			seen[k] = true
			list = append(list, k)
		}
	}
	sort.Slice(list, func(i, j int) bool { return bytes.Compare(list[i][:], list[j][:]) < 0 })
	if err := writePublicFile(out, election.MarshalPublicList(list)); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s to cancel to %s\n", plural(len(list), "credential", "credentials"), out)
	return nil
}

func registrarPostal(c *cli.Context) error {
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	reg, err := loadRegistrar(c)
	if err != nil {
		return err
	}
	cl, err := tallyCleanse(c)
	if err != nil {
		return err
	}
	ids := election.PostalExport(reg, cl)
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	if err := writePublicFile(out, []byte(b.String())); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s with an accepted electronic vote to %s\n", plural(len(ids), "voter", "voters"), out)
	return nil
}

// writePrivateFile writes data to a new file that only its owner can read
// (mode 0600). It never overwrites.
func writePrivateFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errorWithHint(fmt.Sprintf("%s already exists; refusing to overwrite", path),
				"choose a new file name; urna never overwrites secret files")
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// registrarFlag names the registrar file of the commands that need the
// voters' secrets.
var registrarFlag = &cli.StringFlag{Name: "registrar", Usage: "the registrar `FILE` from 'urna registrar new'", Required: true}
