package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/bulletin/client"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
)

const boardDescription = `The board commands run the bulletin board, the election's public,
append-only record, and talk to it over HTTP.

The election authority:

  1. urna board keygen        the board's signing key (the server's secret)
  2. urna board admin-keygen  the administrator's key, which signs the
                              genesis, phase, manifest and credentials entries
  3. urna board serve         run the board
  4. urna board entry ...     write administrator entries to post

Everyone else:

  urna board post           post entries, ballots and challenges; keep the receipts
  urna board get            read an entry, a ballot's receipt, a mix input or
                            a list to decrypt
  urna board status         what is on the board
  urna board check-receipt  check that a receipt's entry is still on the board
  urna board export         write the complete election record, for 'urna verify'

Client commands take the board's address with --url, or --url-file, a file
holding it (as written by 'urna board serve --addr-file').`

const (
	boardKeyTag = "urna-board-key/v1"
	adminKeyTag = "urna-board-admin/v1"
)

func boardCommand() *cli.Command {
	urlFlags := []cli.Flag{
		&cli.StringFlag{Name: "url", Usage: "the board's `URL`, such as http://127.0.0.1:8080"},
		&cli.StringFlag{Name: "url-file", Usage: "read the board's URL from `FILE` (see 'urna board serve --addr-file')"},
	}
	withURL := func(fs ...cli.Flag) []cli.Flag { return append(append([]cli.Flag{}, urlFlags...), fs...) }
	return &cli.Command{
		Name:        "board",
		Usage:       "run the bulletin board and talk to it",
		Description: boardDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "keygen",
				Usage:     "create the board's signing key",
				UsageText: "urna board keygen --name ORIGIN -o board.key > board.vkey",
				Description: `keygen creates the Ed25519 key with which the board signs its
checkpoints. The key file holds the key in plain hex (mode 0600): the
server reads it unattended, so protect it as the server's secret.

ORIGIN names the board in its checkpoints, such as urna.example/dk-2026.
The board's verifier key is printed on standard output: publish it. Voters
and auditors check receipts and the election record with it.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "the board's `ORIGIN`, such as urna.example/dk-2026", Required: true},
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the key to `FILE`; it must not exist yet", Required: true},
				},
				Before: noArgs,
				Action: boardKeygen,
			},
			{
				Name:      "admin-keygen",
				Usage:     "create the election administrator's key",
				UsageText: "urna board admin-keygen -o admin.key",
				Description: `admin-keygen creates the Ed25519 key that signs the administrator's
entries (genesis, phases, manifest, credentials, overrides, result). The
key file holds it in plain hex (mode 0600); keep it offline. The public
key is printed; the genesis entry publishes it.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the key to `FILE`; it must not exist yet", Required: true},
				},
				Before: noArgs,
				Action: boardAdminKeygen,
			},
			boardEntryCommand(),
			{
				Name:      "serve",
				Usage:     "run the bulletin board",
				UsageText: "urna board serve --db board.db --key board.key --origin ORIGIN [--addr HOST:PORT]",
				Description: `serve runs the board over the SQLite database (created if it does not
exist) and serves its HTTP API. It prints the address it listens on and
the board's verifier key. On SIGINT or SIGTERM it finishes the requests in
flight and stops.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "db", Usage: "the board's SQLite database `FILE`", Required: true},
					&cli.StringFlag{Name: "key", Usage: "the board key `FILE` from 'urna board keygen'", Required: true},
					&cli.StringFlag{Name: "origin", Usage: "the board's `ORIGIN`, as given to keygen", Required: true},
					&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen on `HOST:PORT` (port 0 picks a free port)"},
					&cli.StringFlag{Name: "addr-file", Usage: "once listening, write the board's URL to `FILE`"},
					&cli.Int64Flag{Name: "max-entry", Usage: "refuse posted entries over `BYTES` (default 256 MiB)"},
				},
				Before: noArgs,
				Action: boardServe,
			},
			{
				Name:      "wait",
				Hidden:    true,
				Usage:     "wait until a board started with --addr-file is ready; print its URL",
				UsageText: "urna board wait --addr-file FILE [--timeout 10s]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "addr-file", Usage: "the `FILE` 'urna board serve --addr-file' writes", Required: true},
					&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "give up after `DURATION`"},
				},
				Before: noArgs,
				Action: boardWait,
			},
			{
				Name:      "post",
				Usage:     "post entries to the board",
				UsageText: "urna board post --url URL [--ballot] [--receipts] FILE...\n   urna board post --url URL --challenge BALLOT --opening OPENING",
				Description: `post submits each file as an entry and prints where the board put it,
or why it refused it. With --ballot the files are ballots from 'urna vote
encrypt' or 'urna vote cast'. With --challenge and --opening it publishes
a Benaloh challenge: the ballot with its opening, which spoils the ballot
(it is marked BALLOT.challenged).

Posting is idempotent: an entry already on the board is reported with its
index. Keep the receipts (--receipt, --receipts): with a receipt and the
board's verifier key, 'urna board check-receipt' proves later that the
entry is still on the board.`,
				Flags: withURL(
					&cli.BoolFlag{Name: "ballot", Usage: "the files are ballots from 'urna vote encrypt'"},
					&cli.StringFlag{Name: "challenge", Usage: "post a challenge of the ballot `FILE`"},
					&cli.StringFlag{Name: "opening", Usage: "the opening `FILE` of the challenged ballot (BALLOT.opening)"},
					&cli.StringFlag{Name: "receipt", Usage: "write the receipt (JSON) to `FILE` (one entry only)"},
					&cli.BoolFlag{Name: "receipts", Usage: "write each file's receipt to FILE.receipt"},
				),
				Action: boardPost,
			},
			{
				Name:      "get",
				Usage:     "read an entry, a ballot's receipt, a mix input or a list to decrypt",
				UsageText: "urna board get --url URL -o FILE INDEX\n   urna board get --url URL --tracking CODE\n   urna board get --url URL --mix-input CONTEST -o FILE\n   urna board get --url URL --decryption NAME -o FILE",
				Description: `get reads from the board:

  INDEX -o FILE              the entry at INDEX, as posted
  --tracking CODE            the receipt (JSON) of the ballot cast with CODE,
                             the whole tracking code (either case, hyphens
                             optional); a short code names no ballot
  --mix-input CONTEST -o F   the list the next mix stage of CONTEST shuffles,
                             for 'urna mix shuffle'; prints the stage position
  --decryption NAME -o F     a list to decrypt, for 'urna trustee decrypt
                             --ciphertexts'; without NAME ('') lists them`,
				Flags: withURL(
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet (- for standard output)"},
					&cli.StringFlag{Name: "tracking", Usage: "print the receipt of the ballot with tracking `CODE`"},
					&cli.StringFlag{Name: "mix-input", Usage: "write the mix input of `CONTEST`"},
					&cli.StringFlag{Name: "decryption", Usage: "write the list to decrypt `NAME` (aggregate, mix/CONTEST)"},
				),
				Action: boardGet,
			},
			{
				Name:      "status",
				Usage:     "print what is on the board",
				UsageText: "urna board status --url URL [--board-key FILE] [--json]",
				Flags: withURL(&cli.BoolFlag{Name: "json", Usage: "print the status as JSON"},
					&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`, to print the election fingerprint"}),
				Before: noArgs,
				Action: boardStatus,
			},
			{
				Name:      "check-receipt",
				Usage:     "check that a receipt's entry is still on the board",
				UsageText: "urna board check-receipt --url URL --board-key VKEY-FILE RECEIPT",
				Description: `check-receipt verifies a receipt from 'urna board post' under the board's
verifier key: the checkpoint's signature and the entry's inclusion in it.
Then it fetches the board's current checkpoint and proves that the
receipt's tree is a prefix of it: the entry is still on the board. If the
board signed a checkpoint that does not extend the receipt's, it rewrote
its history: keep the receipt, it is the evidence.`,
				Flags:  withURL(&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE` (from keygen or serve)", Required: true}),
				Action: boardCheckReceipt,
			},
			{
				Name:      "export",
				Usage:     "write the complete election record, for 'urna verify'",
				UsageText: "urna board export --url URL -o DIR [--board-key VKEY-FILE] [--registrar FILE --postal FILE]",
				Description: `export fetches the board's latest checkpoint and every entry up to it,
checks that they hash to the checkpoint's root, and writes the election
record to DIR (which must not exist or be empty): see spec/record.md.

With --board-key, the checkpoint is verified and the key is copied into
the record. With --registrar (and its passphrase) and --postal, export
also writes the IDs of the voters with a counted e-vote, for checking
postal votes, to the --postal file (mode 0600). That list names voters: it
never goes into the record directory, which is published.`,
				Flags: withURL(
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the record to `DIR`", Required: true},
					&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`"},
					&cli.StringFlag{Name: "registrar", Usage: "the registrar `FILE`, to write the postal list"},
					&cli.StringFlag{Name: "postal", Usage: "write the voter IDs with a counted e-vote to `FILE` (mode 0600, outside the record)"},
				),
				Before: noArgs,
				Action: boardExport,
			},
			boardBenchCommand(),
		},
	}
}

func boardEntryCommand() *cli.Command {
	flags := func(fs ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.StringFlag{Name: "origin", Usage: "the board's `ORIGIN`", Required: true},
			&cli.StringFlag{Name: "admin", Usage: "the administrator key `FILE` from 'urna board admin-keygen'", Required: true},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the entry to `FILE`; it must not exist yet (- for standard output)", Required: true},
		}, fs...)
	}
	sub := func(name, usage, usageText string, action cli.ActionFunc, args bool, fs ...cli.Flag) *cli.Command {
		c := &cli.Command{Name: name, Usage: usage, UsageText: usageText, Flags: flags(fs...), Action: action}
		if !args {
			c.Before = noArgs
		}
		return c
	}
	return &cli.Command{
		Name:  "entry",
		Usage: "write administrator entries to post",
		Description: `The entry commands write entries signed with the administrator's key, to
post with 'urna board post'. An election's board starts with genesis, then
moves through the phases: key-ceremony (post the trustees' ceremony
entries, closing each round of the ceremony with 'round shares',
'round complaints', 'round responses' and 'round closed', then the
manifest; the credentials at any time of the phase), open (ballots), closed
(overrides), mixing, decrypting (decryption shares, the result) and
published.`,
		Subcommands: []*cli.Command{
			sub("genesis", "the first entry: the administrator's key and the ceremony setup",
				"urna board entry genesis --origin ORIGIN --admin admin.key --setup ceremony.setup -o FILE", entryGenesis, false,
				&cli.StringFlag{Name: "setup", Usage: "the ceremony setup `FILE` from 'urna trustee setup'", Required: true}),
			sub("phase", "move the election to the next phase",
				"urna board entry phase --origin ORIGIN --admin admin.key -o FILE PHASE", entryPhase, true),
			sub("round", "close a round of the trustee ceremony and open the next",
				"urna board entry round --origin ORIGIN --admin admin.key -o FILE ROUND", entryRound, true),
			sub("manifest", "publish the election manifest, and print the election fingerprint",
				"urna board entry manifest --origin ORIGIN --admin admin.key --manifest manifest.json [--genesis FILE --board-key FILE] -o FILE", entryManifest, false,
				&cli.StringFlag{Name: "manifest", Usage: "the election manifest `FILE`", Required: true},
				&cli.StringFlag{Name: "genesis", Usage: "the genesis entry `FILE`, to print the election fingerprint"},
				&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`, to print the election fingerprint"},
				&cli.StringSliceFlag{Name: "restart", Usage: "a restart entry `FILE` of the ceremony, if it was restarted (repeatable, in order)"}),
			sub("restart", "abandon the trustee ceremony and start a new one",
				"urna board entry restart --origin ORIGIN --admin admin.key --setup NEW.setup -o FILE", entryRestart, false,
				&cli.StringFlag{Name: "setup", Usage: "the new ceremony setup `FILE` from 'urna trustee setup'", Required: true}),
			sub("credentials", "publish the public credential list",
				"urna board entry credentials --origin ORIGIN --admin admin.key --credentials credentials.pub -o FILE", entryCredentials, false,
				&cli.StringFlag{Name: "credentials", Usage: "the public credential list `FILE` from 'urna registrar new'", Required: true}),
			sub("overrides", "cancel e-votes of voters who voted on paper",
				"urna board entry overrides --origin ORIGIN --admin admin.key --overrides FILE -o FILE", entryOverrides, false,
				&cli.StringFlag{Name: "overrides", Usage: "the credential list `FILE` from 'urna registrar overrides'", Required: true}),
			sub("result", "publish the result",
				"urna board entry result --origin ORIGIN --admin admin.key --report report.json -o FILE", entryResult, false,
				&cli.StringFlag{Name: "report", Usage: "the result report `FILE` (JSON)", Required: true}),
		},
	}
}

// Keys.

func boardKeygen(c *cli.Context) error {
	origin := c.String("name")
	if err := bulletin.ValidOrigin(origin); err != nil {
		return errorWithHint(fmt.Sprintf("invalid board name %q", origin), "use a name like urna.example/dk-2026, without spaces at the ends")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	vkey, err := bulletin.BoardVerifierKey(origin, pub)
	if err != nil {
		return errorWithHint(fmt.Sprintf("invalid board name %q: %v", origin, err), "a board name cannot contain '+' or spaces")
	}
	out := c.String("output")
	if err := writePrivateFile(out, fmt.Appendf(nil, "%s %x\n", boardKeyTag, priv.Seed())); err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, vkey)
	return nil
}

func boardAdminKeygen(c *cli.Context) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writePrivateFile(c.String("output"), fmt.Appendf(nil, "%s %x\n", adminKeyTag, priv.Seed())); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%x\n", pub)
	return nil
}

// loadSeedKey reads a key file written by keygen or admin-keygen.
func loadSeedKey(path, tag, what string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] != tag {
		return nil, errorWithHint(fmt.Sprintf("%s is not %s", path, what), fmt.Sprintf("give the file 'urna board %s' wrote", map[string]string{boardKeyTag: "keygen", adminKeyTag: "admin-keygen"}[tag]))
	}
	seed, err := hex.DecodeString(f[1])
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: malformed key", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// checkOutside refuses a private output inside the record directory dir,
// which is published.
func checkOutside(path, dir string) error {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if rel, err := filepath.Rel(d, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return errorWithHint(fmt.Sprintf("--postal %s is inside the record directory %s, which is published", path, dir),
			"write the postal list somewhere private, outside the record")
	}
	return nil
}

// loadBoardKey reads a board verifier key file strictly (spec/board.md
// §9); its name is the board's origin.
func loadBoardKey(path string) (*bulletin.BoardKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := bulletin.ParseBoardKey(string(b))
	if err != nil {
		return nil, errorWithHint(fmt.Sprintf("%s: not a board verifier key: %v", path, err),
			"give the key 'urna board keygen' or 'urna board serve' printed")
	}
	return k, nil
}

// Administrator entries.

func writeEntry(c *cli.Context, kind bulletin.AdminKind, body []byte) error {
	origin := c.String("origin")
	if err := bulletin.ValidOrigin(origin); err != nil {
		return fmt.Errorf("invalid --origin %q", origin)
	}
	key, err := loadSeedKey(c.String("admin"), adminKeyTag, "an administrator key")
	if err != nil {
		return err
	}
	entry := bulletin.NewAdminEntry(origin, kind, body, key).Bytes()
	out := c.String("output")
	if out == "-" {
		_, err := c.App.Writer.Write(entry)
		return err
	}
	if err := writePublicFile(out, entry); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote the %s entry to %s; post it with 'urna board post'\n", kind, out)
	return nil
}

func entryGenesis(c *cli.Context) error {
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	key, err := loadSeedKey(c.String("admin"), adminKeyTag, "an administrator key")
	if err != nil {
		return err
	}
	g := &bulletin.Genesis{Admin: key.Public().(ed25519.PublicKey), Setup: s.Bytes()}
	if err := writeEntry(c, bulletin.AdminGenesis, g.Bytes()); err != nil {
		return err
	}
	if c.String("output") != "-" {
		h := s.Hash()
		fmt.Fprintf(c.App.Writer, "ceremony hash %x (the trustees compare it)\n", h[:])
		fmt.Fprintln(c.App.Writer, "the election fingerprint covers the board key, this entry and the manifest: 'urna board entry manifest --genesis' prints it; publish it before voting opens")
	}
	return nil
}

func entryPhase(c *cli.Context) error {
	if c.NArg() != 1 {
		return errorWithHint(fmt.Sprintf("board entry phase takes one phase name, got %d arguments", c.NArg()),
			"the phases are key-ceremony, open, closed, mixing, decrypting and published")
	}
	p, err := bulletin.ParsePhase(c.Args().First())
	if err != nil {
		return errorWithHint(strings.TrimPrefix(err.Error(), "bulletin: "), "the board starts in phase setup and moves one phase at a time")
	}
	if p == bulletin.PhaseSetup {
		return errorWithHint("the board starts in phase setup; no entry moves to it", "post the genesis entry first")
	}
	return writeEntry(c, bulletin.AdminPhase, bulletin.PhaseEntryBody(p))
}

func entryRestart(c *cli.Context) error {
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	if err := writeEntry(c, bulletin.AdminRestart, s.Bytes()); err != nil {
		return err
	}
	if c.String("output") != "-" {
		h := s.Hash()
		fmt.Fprintf(c.App.Writer, "new ceremony hash %x (the trustees compare it, and begin again with 'urna trustee commit')\n", h[:])
	}
	return nil
}

func entryRound(c *cli.Context) error {
	if c.NArg() != 1 {
		return errorWithHint(fmt.Sprintf("board entry round takes one round name, got %d arguments", c.NArg()),
			"the rounds after the commitments are shares, complaints, responses and closed")
	}
	r, err := bulletin.ParseRound(c.Args().First())
	if err != nil || r == bulletin.RoundCommitments {
		return errorWithHint(fmt.Sprintf("%q is not a round to open", c.Args().First()),
			"the move to key-ceremony opens the commitments; then open shares, complaints, responses and closed, one at a time")
	}
	return writeEntry(c, bulletin.AdminRound, bulletin.RoundEntryBody(r))
}

func entryManifest(c *cli.Context) error {
	m, err := loadManifestFile(c)
	if err != nil {
		return err
	}
	gf, kf := c.String("genesis"), c.String("board-key")
	if (gf == "") != (kf == "") {
		return errorWithHint("--genesis and --board-key go together", "give both to print the election fingerprint, or neither")
	}
	if err := writeEntry(c, bulletin.AdminManifest, m.JSON()); err != nil {
		return err
	}
	if gf == "" {
		return nil
	}
	fp, err := fingerprintFromFiles(kf, gf, c.StringSlice("restart"), m)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.String("output") == "-" {
		w = c.App.ErrWriter
	}
	fmt.Fprintf(w, "election fingerprint %s\n", fp)
	fmt.Fprintln(w, "publish it before voting opens: voters, trustees and auditors compare it ('urna verify --election')")
	return nil
}

// fingerprintFromFiles computes the election fingerprint from a board key
// file, a genesis entry file and a manifest.
func fingerprintFromFiles(keyFile, genesisFile string, restartFiles []string, m *election.Manifest) (bulletin.Fingerprint, error) {
	key, err := loadBoardKey(keyFile)
	if err != nil {
		return bulletin.Fingerprint{}, err
	}
	g, err := os.ReadFile(genesisFile)
	if err != nil {
		return bulletin.Fingerprint{}, err
	}
	a, err := bulletin.ParseAdminEntry(g)
	if err != nil || a.Kind != bulletin.AdminGenesis {
		return bulletin.Fingerprint{}, errorWithHint(fmt.Sprintf("%s: not a genesis entry", genesisFile), "give the file 'urna board entry genesis' wrote")
	}
	if a.Board != bulletin.BoardID(key.Name) {
		return bulletin.Fingerprint{}, errorWithHint(fmt.Sprintf("%s: the genesis entry is for another board than %q", genesisFile, key.Name),
			"give the board key of the board the genesis entry is for")
	}
	var restarts [][]byte
	for _, f := range restartFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return bulletin.Fingerprint{}, err
		}
		r, err := bulletin.ParseAdminEntry(b)
		if err != nil || r.Kind != bulletin.AdminRestart || r.Board != a.Board {
			return bulletin.Fingerprint{}, errorWithHint(fmt.Sprintf("%s: not a restart entry of this board", f), "give the files 'urna board entry restart' wrote, in order")
		}
		restarts = append(restarts, r.Body)
	}
	return bulletin.ElectionFingerprint(key, a.Body, m.JSON(), restarts...), nil
}

// electionBoardFlags are the optional flags of a command that reads the
// election on a board, to print its fingerprint.
func electionBoardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", Usage: "the board's `URL`, to print the election fingerprint"},
		&cli.StringFlag{Name: "url-file", Usage: "read the board's URL from `FILE`"},
		&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`, to print the election fingerprint"},
	}
}

// electionOnBoard reads the genesis and manifest entries of the board
// given with --url (or --url-file) and --board-key, lets check vet their
// bodies against the caller's own files, and returns the election
// fingerprint for a person to compare with the published one; nil if no
// board is given.
func electionOnBoard(c *cli.Context, check func(setup, manifest []byte) error) (*bulletin.Fingerprint, error) {
	board := c.String("url") != "" || c.String("url-file") != ""
	if !board && c.String("board-key") == "" {
		return nil, nil
	}
	if !board || c.String("board-key") == "" {
		return nil, errorWithHint("the board (--url or --url-file) and its key (--board-key) go together",
			"give both to see the election fingerprint, or neither")
	}
	key, err := loadBoardKey(c.String("board-key"))
	if err != nil {
		return nil, err
	}
	cl, err := boardClient(c)
	if err != nil {
		return nil, err
	}
	ge, me, rs, err := cl.ElectionEntries(c.Context)
	if err != nil {
		return nil, boardError(err)
	}
	fp, err := bulletin.FingerprintOfEntries(key, ge, me, rs...)
	if err != nil {
		return nil, err
	}
	ga, err := bulletin.ParseAdminEntry(ge)
	if err != nil {
		return nil, err
	}
	g, err := bulletin.ParseGenesis(ga.Body)
	if err != nil {
		return nil, err
	}
	// The setup in force: the genesis', or the last restart's.
	setup := g.Setup
	if len(rs) > 0 {
		ra, err := bulletin.ParseAdminEntry(rs[len(rs)-1])
		if err != nil {
			return nil, err
		}
		setup = ra.Body
	}
	ma, err := bulletin.ParseAdminEntry(me)
	if err != nil {
		return nil, err
	}
	if err := check(setup, ma.Body); err != nil {
		return nil, err
	}
	return &fp, nil
}

// checkSetupOnBoard is an electionOnBoard check: the board's ceremony
// setup in force is s.
func checkSetupOnBoard(s *threshold.Setup) func([]byte, []byte) error {
	return func(setup, _ []byte) error {
		if !bytes.Equal(setup, s.Bytes()) {
			return errorWithHint("the board's election has another ceremony setup than --setup",
				"check that this is the right board, and the setup file of this election")
		}
		return nil
	}
}

// checkSetupAndKeyOnBoard is an electionOnBoard check: the board's genesis
// names the ceremony setup s, and its manifest the election key pk.
func checkSetupAndKeyOnBoard(s *threshold.Setup, pk *elgamal.PublicKey) func([]byte, []byte) error {
	return func(setup, manifest []byte) error {
		if err := checkSetupOnBoard(s)(setup, manifest); err != nil {
			return err
		}
		m, err := election.ParseManifest(manifest)
		if err != nil {
			return err
		}
		if m.PublicKey != hex.EncodeToString(pk.Bytes()) {
			return errorWithHint("the board's election key is not --public-key", "check that this is the right board, and the election key of this election")
		}
		return nil
	}
}

// boardFingerprint computes the election fingerprint from the board key
// and the genesis and manifest entries on the board.
func boardFingerprint(c *cli.Context, cl *client.Client, key *bulletin.BoardKey) (bulletin.Fingerprint, error) {
	g, m, rs, err := cl.ElectionEntries(c.Context)
	if err != nil {
		return bulletin.Fingerprint{}, boardError(err)
	}
	return bulletin.FingerprintOfEntries(key, g, m, rs...)
}

func loadPublicListFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := election.ParsePublicList(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func entryCredentials(c *cli.Context) error {
	b, err := loadPublicListFile(c.String("credentials"))
	if err != nil {
		return err
	}
	return writeEntry(c, bulletin.AdminCredentials, b)
}

func entryOverrides(c *cli.Context) error {
	b, err := loadPublicListFile(c.String("overrides"))
	if err != nil {
		return err
	}
	return writeEntry(c, bulletin.AdminOverrides, b)
}

func entryResult(c *cli.Context) error {
	path := c.String("report")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rep, err := election.ParseReport(b)
	if err != nil {
		return errorWithHint(fmt.Sprintf("%s is not a count protocol: %v", path, err), "give the report 'urna tally count --json' writes")
	}
	return writeEntry(c, bulletin.AdminResult, rep.ResultJSON())
}

// Serving.

func boardServe(c *cli.Context) error {
	origin := c.String("origin")
	if err := bulletin.ValidOrigin(origin); err != nil {
		return fmt.Errorf("invalid --origin %q", origin)
	}
	key, err := loadSeedKey(c.String("key"), boardKeyTag, "a board key")
	if err != nil {
		return err
	}
	signer, err := bulletin.NewBoardSigner(origin, key)
	if err != nil {
		return err
	}
	vkey, err := bulletin.BoardVerifierKey(origin, key.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	store, err := bulletin.OpenSQLite(c.String("db"))
	if err != nil {
		return err
	}
	defer store.Close()
	b, err := bulletin.Open(bulletin.Config{Origin: origin, Signer: signer, Store: store})
	if err != nil {
		return err
	}
	defer b.Close()
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return errorWithHint(err.Error(), "choose another --addr, or port 0 for any free port")
	}
	srv := bulletin.NewServer(ln.Addr().String(), b, bulletin.ServerConfig{MaxEntryBytes: c.Int64("max-entry")})
	url := "http://" + ln.Addr().String()
	w := c.App.Writer
	fmt.Fprintf(w, "listening on %s\n", url)
	fmt.Fprintf(w, "board key %s\n", vkey)
	fmt.Fprintf(w, "%s entries, phase %s\n", strconv.FormatInt(b.Log().Size(), 10), b.Phase())
	if f := c.String("addr-file"); f != "" {
		// Write and rename, so that a reader never sees half of it.
		tmp := f + ".tmp"
		if err := os.WriteFile(tmp, []byte(url+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
		if err := os.Rename(tmp, f); err != nil {
			ln.Close()
			return err
		}
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop()
	fmt.Fprintln(w, "shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := b.Close(); err != nil {
		return err
	}
	if err := store.Close(); err != nil {
		return err
	}
	fmt.Fprintln(w, "stopped")
	return nil
}

func boardWait(c *cli.Context) error {
	path := c.String("addr-file")
	deadline := time.Now().Add(c.Duration("timeout"))
	hc := &http.Client{Timeout: time.Second}
	for {
		if b, err := os.ReadFile(path); err == nil {
			url := normaliseURL(strings.TrimSpace(string(b)))
			if resp, err := hc.Get(url + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					fmt.Fprintln(c.App.Writer, url)
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return errorWithHint(fmt.Sprintf("the board of %s is not ready after %s", path, c.Duration("timeout")),
				"check the output of 'urna board serve'")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Client commands.

func normaliseURL(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	return strings.TrimSuffix(s, "/")
}

func boardClient(c *cli.Context) (*client.Client, error) {
	u := c.String("url")
	if f := c.String("url-file"); f != "" {
		if u != "" {
			return nil, errorWithHint("both --url and --url-file given", "give one of them")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		u = strings.TrimSpace(string(b))
	}
	if u == "" {
		return nil, errorWithHint("no board given", "give the board's address with --url URL or --url-file FILE")
	}
	cl, err := client.New(normaliseURL(u), nil)
	if err != nil {
		return nil, fmt.Errorf("board URL %q: %w", u, err)
	}
	return cl, nil
}

// boardError explains failures to reach the board.
func boardError(err error) error {
	var se *client.StatusError
	if errors.As(err, &se) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused") {
		return errorWithHint(err.Error(), "check the board's URL, and that the board is running")
	}
	return err
}

type postItem struct {
	name  string
	entry []byte
	// challenged is the ballot file to mark challenged once posted.
	challenged string
}

func boardPost(c *cli.Context) error {
	var items []postItem
	if ch := c.String("challenge"); ch != "" {
		if c.NArg() > 0 || c.Bool("ballot") {
			return errorWithHint("--challenge posts one challenge and takes no other files", "post ballots in another run")
		}
		op := c.String("opening")
		if op == "" {
			return errorWithHint("--challenge needs --opening", "give the opening written next to the ballot (BALLOT.opening)")
		}
		bal, err := os.ReadFile(ch)
		if err != nil {
			return err
		}
		opening, err := os.ReadFile(op)
		if err != nil {
			return err
		}
		items = append(items, postItem{name: ch, entry: bulletin.ChallengeEntry(bal, opening), challenged: ch})
	} else {
		if c.String("opening") != "" {
			return errorWithHint("--opening without --challenge", "to challenge a ballot, give --challenge BALLOT --opening OPENING")
		}
		if c.NArg() == 0 {
			return errorWithHint("no files given", "run 'urna board post --help' for usage")
		}
		for _, p := range c.Args().Slice() {
			b, err := readInput(c, p)
			if err != nil {
				return err
			}
			if c.Bool("ballot") {
				if _, err := os.Lstat(challengedPath(p)); err == nil {
					fmt.Fprintf(c.App.ErrWriter, "urna: %s: the ballot was challenged and can never be cast; encrypt afresh\n", p)
					items = append(items, postItem{name: p}) // counted as refused
					continue
				}
				b = bulletin.BallotEntry(b)
			}
			items = append(items, postItem{name: p, entry: b})
		}
	}
	if c.String("receipt") != "" && len(items) != 1 {
		return errorWithHint("--receipt writes one receipt, but several files are given", "use --receipts to write FILE.receipt for each")
	}
	cl, err := boardClient(c)
	if err != nil {
		return err
	}
	w := c.App.Writer
	failed := 0
	for _, it := range items {
		if it.entry == nil {
			failed++
			continue
		}
		r, err := cl.Post(c.Context, it.entry)
		var rej *bulletin.RejectError
		if errors.As(err, &rej) {
			fmt.Fprintf(c.App.ErrWriter, "urna: %s: rejected (%s): %s\n", it.name, rej.Reason, rej.Detail)
			failed++
			continue
		}
		if err != nil {
			return boardError(fmt.Errorf("%s: %w", it.name, err))
		}
		code := ""
		if r.TrackingCode != "" {
			code = fmt.Sprintf(" (tracking code %s)", r.TrackingCode)
		}
		if r.Existing {
			fmt.Fprintf(w, "%s: already on the board as entry %d%s\n", it.name, r.Index, code)
		} else {
			fmt.Fprintf(w, "%s: entry %d%s\n", it.name, r.Index, code)
		}
		if it.challenged != "" {
			if err := markChallenged(it.challenged, r.TrackingCode); err != nil {
				return err
			}
		}
		rp := c.String("receipt")
		if c.Bool("receipts") {
			rp = it.name + ".receipt"
		}
		if rp != "" {
			rb, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				return err
			}
			if err := writeOutput(c, rp, append(rb, '\n')); err != nil {
				return err
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s not posted", failed, plural(len(items), "entry", "entries"))
	}
	return nil
}

// writeOutput writes a new file, or standard output for "-".
func writeOutput(c *cli.Context, path string, data []byte) error {
	if path == "-" {
		_, err := c.App.Writer.Write(data)
		return err
	}
	return writePublicFile(path, data)
}

func boardGet(c *cli.Context) error {
	cl, err := boardClient(c)
	if err != nil {
		return err
	}
	out := c.String("output")
	modes := 0
	for _, f := range []string{"tracking", "mix-input", "decryption"} {
		if c.IsSet(f) {
			modes++
		}
	}
	if c.NArg() > 0 {
		modes++
	}
	if modes != 1 {
		return errorWithHint("give exactly one of INDEX, --tracking, --mix-input or --decryption",
			"run 'urna board get --help' for usage")
	}
	needOut := func() error {
		if out == "" {
			return errorWithHint("no output file given", "add -o FILE, or -o - for standard output")
		}
		if out != "-" {
			return checkNew(out)
		}
		return nil
	}
	ctx := c.Context
	w := c.App.Writer
	switch {
	case c.IsSet("tracking"):
		r, err := cl.Tracking(ctx, c.String("tracking"))
		if err != nil {
			if client.IsNotFound(err) {
				return errorWithHint(fmt.Sprintf("no ballot with tracking code %s is cast on the board", c.String("tracking")),
					"check the code; a challenged ballot is not cast")
			}
			return boardError(err)
		}
		rb, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if out == "" {
			out = "-"
		}
		return writeOutput(c, out, append(rb, '\n'))
	case c.IsSet("mix-input"):
		if err := needOut(); err != nil {
			return err
		}
		text, pos, err := cl.MixInput(ctx, c.String("mix-input"))
		if err != nil {
			return boardError(err)
		}
		if err := writeOutput(c, out, text); err != nil {
			return err
		}
		if out != "-" {
			fmt.Fprintf(w, "wrote the input of mix stage %d of contest %q to %s\n", pos, c.String("mix-input"), out)
		}
		return nil
	case c.IsSet("decryption"):
		name := c.String("decryption")
		if name == "" {
			lists, err := cl.DecryptionLists(ctx)
			if err != nil {
				return boardError(err)
			}
			for _, l := range lists {
				fmt.Fprintf(w, "%s %d ciphertexts, shares from trustees %v\n", l.Name, l.Count, l.Trustees)
			}
			return nil
		}
		if err := needOut(); err != nil {
			return err
		}
		text, err := cl.DecryptionList(ctx, name)
		if err != nil {
			return boardError(err)
		}
		if err := writeOutput(c, out, text); err != nil {
			return err
		}
		if out != "-" {
			fmt.Fprintf(w, "wrote the list %q to %s; decrypt it with 'urna trustee decrypt --ciphertexts %s'\n", name, out, out)
		}
		return nil
	}
	if c.NArg() != 1 {
		return errorWithHint("give one entry index", "run 'urna board get --help' for usage")
	}
	i, err := strconv.ParseInt(c.Args().First(), 10, 64)
	if err != nil || i < 0 {
		return errorWithHint(fmt.Sprintf("invalid entry index %q", c.Args().First()), "entries are numbered from 0")
	}
	if err := needOut(); err != nil {
		return err
	}
	e, err := cl.Entry(ctx, i)
	if err != nil {
		return boardError(err)
	}
	return writeOutput(c, out, e)
}

func boardStatus(c *cli.Context) error {
	cl, err := boardClient(c)
	if err != nil {
		return err
	}
	st, err := cl.Status(c.Context)
	if err != nil {
		return boardError(err)
	}
	w := c.App.Writer
	if c.Bool("json") {
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	fmt.Fprintf(w, "board       %s\n", st.Origin)
	if kf := c.String("board-key"); kf != "" && st.Election != "" {
		key, err := loadBoardKey(kf)
		if err != nil {
			return err
		}
		fp, err := boardFingerprint(c, cl, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "fingerprint %s (compare it with the one the election authority published)\n", fp)
	}
	fmt.Fprintf(w, "phase       %s\n", st.Phase)
	fmt.Fprintf(w, "entries     %d\n", st.Size)
	fmt.Fprintf(w, "root        %s\n", st.RootHash)
	if st.Election != "" {
		fmt.Fprintf(w, "election    %s (%s)\n", st.ElectionID, st.Election)
	}
	if st.TrusteeCount > 0 {
		fmt.Fprintf(w, "trustees    %d, threshold %d\n", st.TrusteeCount, st.Threshold)
	}
	fmt.Fprintf(w, "credentials %d\n", st.Credentials)
	fmt.Fprintf(w, "ballots     %d\n", st.Ballots)
	fmt.Fprintf(w, "voters      %d\n", st.Voters)
	fmt.Fprintf(w, "challenges  %d\n", st.Challenges)
	fmt.Fprintf(w, "overrides   %d\n", st.Overrides)
	fmt.Fprintf(w, "rejected    %d\n", st.RejectedSum)
	for _, r := range bulletin.Reasons {
		if n := st.Rejected[r]; n > 0 {
			fmt.Fprintf(w, "  %-16s %d\n", r, n)
		}
	}
	if len(st.MixStages) > 0 {
		cs := make([]string, 0, len(st.MixStages))
		for k := range st.MixStages {
			cs = append(cs, k)
		}
		sort.Strings(cs)
		for _, k := range cs {
			fmt.Fprintf(w, "mix         %s: %s\n", k, plural(st.MixStages[k], "stage", "stages"))
		}
	}
	if len(st.Decryption) > 0 {
		ls := make([]string, 0, len(st.Decryption))
		for k := range st.Decryption {
			ls = append(ls, k)
		}
		sort.Strings(ls)
		for _, k := range ls {
			fmt.Fprintf(w, "decryption  %s: shares from trustees %v\n", k, st.Decryption[k])
		}
	}
	if st.Result {
		fmt.Fprintln(w, "result      published")
	}
	return nil
}

func boardCheckReceipt(c *cli.Context) error {
	if c.NArg() != 1 {
		return errorWithHint(fmt.Sprintf("board check-receipt takes one receipt file, got %d arguments", c.NArg()),
			"give the receipt 'urna board post --receipt' wrote")
	}
	key, err := loadBoardKey(c.String("board-key"))
	if err != nil {
		return err
	}
	v := key.Verifier()
	path := c.Args().First()
	b, err := readInput(c, path)
	if err != nil {
		return err
	}
	var r bulletin.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", inputName(path), err)
	}
	// Check the receipt on its own first, so that its failures are
	// told apart from the board's.
	if _, err := r.Verify(v, v.Name()); err != nil {
		if errors.Is(err, bulletin.ErrCheckpoint) {
			return errorWithHint(fmt.Sprintf("%s: the receipt's checkpoint does not verify: %v", inputName(path), err),
				"is this the right board key? the receipt's checkpoint must be signed by "+v.Name())
		}
		return errorWithHint(fmt.Sprintf("%s: inclusion proof: %v", inputName(path), err),
			"the receipt does not prove its entry is in its checkpoint: it is damaged or forged")
	}
	cl, err := boardClient(c)
	if err != nil {
		return err
	}
	cur, err := cl.CheckReceipt(c.Context, &r, v, v.Name())
	var fe *bulletin.ForkError
	switch {
	case errors.As(err, &fe):
		return errorWithHint(fmt.Sprintf("consistency: the board forked: its checkpoint of size %d does not extend the receipt's of size %d", fe.Newer.Tree.N, fe.Old.Tree.N),
			"the board rewrote its history; keep the receipt and the board's checkpoint as evidence, and report it")
	case errors.Is(err, bulletin.ErrProof):
		return errorWithHint(fmt.Sprintf("consistency: %v", err),
			"the board could not prove that the receipt's entry is still on it; try again, and report it if this persists")
	case errors.Is(err, bulletin.ErrCheckpoint):
		return errorWithHint(fmt.Sprintf("the board's current checkpoint does not verify: %v", err),
			"is the URL the board of "+v.Name()+"?")
	case err != nil:
		return boardError(err)
	}
	code := ""
	if r.TrackingCode != "" {
		code = fmt.Sprintf(" (tracking code %s)", r.TrackingCode)
	}
	fmt.Fprintf(c.App.Writer, "receipt OK: entry %d%s is in the board of size %d\n", r.Index, code, cur.Tree.N)
	if fp, err := boardFingerprint(c, cl, key); err == nil {
		fmt.Fprintf(c.App.Writer, "election fingerprint %s: compare it with the one the election authority published\n", fp)
	} else {
		fmt.Fprintf(c.App.ErrWriter, "urna: warning: cannot compute the election fingerprint from the board: %v\n", err)
	}
	return nil
}

func boardExport(c *cli.Context) error {
	dir := c.String("output")
	var v note.Verifier
	var vkey []byte
	origin := ""
	if p := c.String("board-key"); p != "" {
		key, err := loadBoardKey(p)
		if err != nil {
			return err
		}
		v, origin, vkey = key.Verifier(), key.Name, []byte(key.String()+"\n")
	}
	var reg *election.Registrar
	if (c.String("registrar") == "") != (c.String("postal") == "") {
		return errorWithHint("--registrar and --postal go together",
			"the postal list names voters: give the file to write it to with --postal, outside the record")
	}
	if p := c.String("postal"); p != "" {
		if err := checkOutside(p, dir); err != nil {
			return err
		}
		if err := checkNew(p); err != nil {
			return err
		}
		var err error
		if reg, err = loadRegistrar(c); err != nil {
			return err
		}
	}
	cl, err := boardClient(c)
	if err != nil {
		return err
	}
	sum, err := bulletin.ExportRecord(c.Context, cl, dir, v, origin)
	if err != nil {
		if errors.Is(err, bulletin.ErrProof) || errors.Is(err, bulletin.ErrCheckpoint) {
			return errorWithHint(strings.TrimPrefix(err.Error(), "bulletin: "),
				"the board served a record that does not match its signed checkpoint; nothing was written")
		}
		if strings.Contains(err.Error(), "not empty") || strings.Contains(err.Error(), "not a directory") {
			return errorWithHint(strings.TrimPrefix(err.Error(), "bulletin: export: "), "choose a new directory")
		}
		return boardError(err)
	}
	if vkey != nil {
		if err := writePublicFile(filepath.Join(dir, bulletin.RecordVKey), []byte(strings.TrimSpace(string(vkey))+"\n")); err != nil {
			return err
		}
		sum.Files = append(sum.Files, bulletin.RecordVKey)
	}
	if reg != nil {
		var ids []string
		for _, cred := range sum.PostalCredentials {
			if id, ok := reg.VoterOf(cred[:]); ok {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		var b strings.Builder
		for _, id := range ids {
			b.WriteString(id)
			b.WriteByte('\n')
		}
		if err := writePrivateFile(c.String("postal"), []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "urna: wrote the postal list of %s to %s: it names voters, keep it private\n", plural(len(ids), "voter", "voters"), c.String("postal"))
	}
	sort.Strings(sum.Files)
	w := c.App.Writer
	fmt.Fprintf(w, "exported the record of %s (root %s) to %s\n", plural(int(sum.Size), "entry", "entries"), hex.EncodeToString(sum.RootHash[:]), dir)
	fmt.Fprintf(w, "  %s, %s, %s, %s with a counted e-vote, %s rejected\n",
		plural(sum.Ballots, "ballot", "ballots"), plural(sum.Challenges, "challenge", "challenges"),
		plural(sum.Blobs, "blob", "blobs"), plural(len(sum.PostalCredentials), "credential", "credentials"),
		plural(sum.Rejections, "submission", "submissions"))
	for _, f := range sum.Files {
		if strings.HasPrefix(f, bulletin.RecordBlobs+"/") {
			continue
		}
		fmt.Fprintf(w, "wrote %s\n", filepath.Join(dir, f))
	}
	if sum.Blobs > 0 {
		fmt.Fprintf(w, "wrote %s\n", plural(sum.Blobs, "blob", "blobs")+" to "+filepath.Join(dir, bulletin.RecordBlobs))
	}
	fmt.Fprintf(w, "check it with 'urna verify %s'\n", dir)
	return nil
}
