package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

  urna registrar new        generate one credential per voter on the roll,
                            deliver each voter's secret credential once, as
                            a file per voter, and publish the public list
  urna registrar overrides  list the credentials of voters whose e-votes
                            are cancelled
  urna registrar postal     list the voters with an accepted e-vote

Only the voter can sign the voter's ballots. The registrar keeps no
secret: the registrar file maps each voter to their public credential
only, so nothing in it can sign a ballot, and a lost credential cannot be
re-issued (the voter votes on paper instead). The registrar file still
tells which voter cast which encrypted ballot: it is encrypted with a
passphrase and never overwritten; keep it private.`

func registrarCommand() *cli.Command {
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true}
	return &cli.Command{
		Name:        "registrar",
		Usage:       "create the voters' credentials and the public credential list",
		Description: registrarDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "generate one credential per voter on the roll and deliver each once",
				UsageText: "urna registrar new --roll FILE -o REGISTRAR --public PUBLIC-LIST --deliver DIR",
				Description: `new reads the electoral roll, one voter ID per line (blank lines and lines
starting with # are skipped; an ID has no spaces), and generates a fresh
secret credential for every voter. It writes:

  DIR/<voter ID>.cred (--deliver)  each voter's secret credential, once,
                            readable only by its owner (mode 0600); hand
                            each file to its voter only, then delete it
  the registrar file (-o)   which voter holds which public credential, and
                            no secret; encrypted with a passphrase you choose
  the public list (--public) the public credentials, sorted, with no names;
                            publish it before the election opens

DIR must not exist yet or be empty. Every voter ID must be unique, and
usable as a file name: no / or \, and not starting with a dot.

The secret credentials are written only to DIR, and only here: nothing
can re-issue them later. Whoever holds a voter's file can vote in the
voter's name.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "roll", Usage: "the electoral roll `FILE`, one voter ID per line", Required: true},
					outFlag,
					&cli.StringFlag{Name: "public", Usage: "write the public credential list to `FILE`; it must not exist yet", Required: true},
					&cli.StringFlag{Name: "deliver", Usage: "write each voter's secret credential to `DIR`/<voter ID>.cred; DIR must not exist yet or be empty", Required: true},
				},
				Before: noArgs,
				Action: registrarNew,
			},
			{
				// Re-issuing a credential needs the secret the registrar no
				// longer keeps; the command is gone, and says so.
				Name:            "credential",
				Hidden:          true,
				SkipFlagParsing: true,
				Action: func(*cli.Context) error {
					return errorWithHint("'urna registrar credential' is gone: the registrar keeps no secret credential to re-issue",
						"each voter's credential is delivered once, by 'urna registrar new --deliver DIR', as DIR/<voter ID>.cred")
				},
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
	out, pub, dir := c.String("output"), c.String("public"), c.String("deliver")
	if out == pub {
		return errorWithHint("the registrar file and the public list must be different files",
			"choose two file names")
	}
	for _, p := range []string{out, pub} {
		if err := checkNew(p); err != nil {
			return err
		}
		if inside(p, dir) {
			return errorWithHint(fmt.Sprintf("%s is inside the delivery directory %s", p, dir),
				"the delivery directory holds only the voters' credential files; write the registrar file and the public list elsewhere")
		}
	}
	if err := checkDeliveryDir(dir); err != nil {
		return err
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
	names := make([]string, len(ids))
	for i, id := range ids {
		if names[i], err = credentialFileName(id); err != nil {
			return errorWithHint(fmt.Sprintf("%s: %v", inputName(rollPath), err),
				"the voter's credential is delivered as DIR/<voter ID>.cred, so a voter ID must be a plain file name")
		}
	}
	reg, creds, err := election.GenerateCredentials(ids, rand.Reader)
	if err != nil {
		return err
	}
	r, err := recipient(c, "the new registrar file")
	if err != nil {
		return err
	}
	undo, err := deliverCredentials(dir, names, creds)
	if err != nil {
		return err
	}
	if err := threshold.WriteSecretFile(out, reg.Bytes(), r); err != nil {
		undo()
		return secretError(err, out)
	}
	if err := writePublicFile(pub, election.MarshalPublicList(reg.PublicList())); err != nil {
		os.Remove(out)
		undo()
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "generated %s\n", plural(reg.Len(), "credential", "credentials"))
	fmt.Fprintf(w, "delivered each voter's secret credential to %s/<voter ID>.cred: hand each file to its voter only, then delete it; it cannot be re-issued\n", dir)
	fmt.Fprintf(w, "wrote the registrar file %s (public credentials only, no secrets; keep it private)\n", out)
	fmt.Fprintf(w, "wrote the public credential list %s (publish it)\n", pub)
	return nil
}

// credentialFileName returns the name of the file that delivers the
// credential of voter id: "<voter ID>.cred". It refuses an ID that is not
// a plain file name inside the delivery directory: one with a path
// separator (/ or \), or starting with a dot (".", "..", hidden files).
func credentialFileName(id string) (string, error) {
	name := id + ".cred"
	if strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") || !filepath.IsLocal(name) || filepath.Base(name) != name {
		return "", fmt.Errorf("voter ID %q cannot name a credential file: it has a path separator or starts with a dot", id)
	}
	return name, nil
}

// checkDeliveryDir checks that dir does not exist yet or is an empty
// directory.
func checkDeliveryDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errorWithHint(fmt.Sprintf("--deliver %s is not a directory", dir), "choose a new directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return errorWithHint(fmt.Sprintf("--deliver %s is not empty", dir),
			"choose a new directory; urna never mixes or overwrites credential files")
	}
	return nil
}

// deliverCredentials writes creds[i] to dir/names[i], each file new and
// readable only by its owner, creating dir (mode 0700) if need be. On
// error it removes what it wrote; otherwise undo does.
func deliverCredentials(dir string, names []string, creds []*election.Credential) (undo func(), err error) {
	created := false
	if err := os.Mkdir(dir, 0o700); err == nil {
		created = true
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	var written []string
	undo = func() {
		for _, p := range written {
			os.Remove(p)
		}
		if created {
			os.Remove(dir)
		}
	}
	for i, name := range names {
		p := filepath.Join(dir, name)
		if err := writePrivateFile(p, creds[i].Bytes()); err != nil {
			undo()
			var h *hintError
			if errors.As(err, &h) {
				return nil, errorWithHint(fmt.Sprintf("%s already exists; two voter IDs name the same file (on a case-insensitive file system?)", p),
					"nothing was delivered; make the voter IDs differ in more than letter case")
			}
			return nil, err
		}
		written = append(written, p)
	}
	return undo, nil
}

// inside reports whether path lies in dir or is dir.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// loadRegistrar reads the registrar file named by --registrar: the
// encrypted mapping from voter IDs to public credentials.
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
	if errors.Is(err, election.ErrRegistrarV1) {
		return nil, errorWithHint(fmt.Sprintf("%s: an urna-registrar/v1 file, which holds every voter's secret credential; it is no longer read", path),
			"whoever holds it can vote in any voter's name: destroy it, and issue new credentials with 'urna registrar new --deliver DIR'")
	}
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
		k, ok := reg.PublicCredential(voter)
		if !ok {
			return errorWithHint(fmt.Sprintf("voter %q is not on the roll", voter), "voter IDs are matched exactly, as written on the roll")
		}
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

// registrarFlag names the registrar file of the commands that need to
// know which voter holds which public credential.
var registrarFlag = &cli.StringFlag{Name: "registrar", Usage: "the registrar `FILE` from 'urna registrar new'", Required: true}
