package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"filippo.io/age"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/verifier"
)

// passphraseEnv lets scripts and tests supply the passphrase; people type
// it at the terminal instead.
const passphraseEnv = "URNA_PASSPHRASE"

const trusteeDescription = `The trustee commands run the key ceremony that creates the election key,
and the decryption of results. n trustees each hold one share of the key;
any t of them together can decrypt, and fewer learn nothing. The key itself
is never put together anywhere. In the default two-key ceremony, t = n = 2:
both key holders must take part.

Every step reads and writes plain files, so they can travel by USB stick or
e-mail. Secret files are never overwritten: your identity is encrypted with
your passphrase, and your round state and key share are encrypted to your
identity, so that one passphrase opens them all. Public files (entries)
are signed by their author, and every command checks every signature.

The ceremony, step by step (each trustee on their own machine):

  1. urna trustee new        create your identity; send the .pub file to the others
  2. urna trustee setup      (one person) list the trustees and the threshold;
                             everyone checks the printed ceremony hash matches
  3. urna trustee commit     post your round-1 commitment entry
  4. urna trustee deal       after ALL commitments are in: post your shares entry
  5. urna trustee check      check the shares sent to you; post complaints if any
  6. urna trustee respond    answer complaints against you, if any
  7. urna trustee finish     compute the election key and save your key share

Later, to decrypt a result:

  8. urna trustee decrypt    post your decryption shares, with proofs
  9. urna trustee combine    anyone: combine t trustees' shares into the result

Anyone can check a ceremony with 'urna trustee verify'.`

func trusteeCommand() *cli.Command {
	setupFlag := &cli.StringFlag{Name: "setup", Usage: "the ceremony setup `FILE` from 'urna trustee setup'", Required: true}
	keyFlag := &cli.StringFlag{Name: "key", Usage: "your identity `FILE` from 'urna trustee new'", Required: true}
	stateFlag := &cli.StringFlag{Name: "state", Usage: "your secret round state `FILE` (written by commit, read by deal and respond)", Required: true}
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true}
	return &cli.Command{
		Name:        "trustee",
		Usage:       "key ceremony and threshold decryption for key holders",
		Description: trusteeDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "create your trustee identity (step 1)",
				UsageText: "urna trustee new --name NAME -o FILE > NAME.pub",
				Description: `new creates your secret identity: a key that signs everything you post and
a key that the other trustees encrypt your shares to. It is saved to the
output file, encrypted with a passphrase you choose. Keep that file and
the passphrase safe: you need both in every later step.

Your public identity is printed on standard output. Save it to a file and
send it to whoever runs 'urna trustee setup'.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "your `NAME` as the other trustees know you", Required: true},
					outFlag,
				},
				Before: noArgs,
				Action: trusteeNew,
			},
			{
				Name:      "setup",
				Usage:     "fix the trustees and the threshold of a ceremony (step 2)",
				UsageText: "urna trustee setup --threshold T --election TEXT -o FILE TRUSTEE.pub...",
				Description: `setup lists the trustees, in the order given (trustee 1 first), with the
threshold: how many of them must take part to decrypt. One person runs it
and sends the setup file to every trustee.

It prints the ceremony hash. Every trustee should compare it with the
others over a second channel (phone, in person): the same hash means the
same trustees, keys and threshold.`,
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "threshold", Aliases: []string{"t"}, Usage: "trustees needed to decrypt (`T`, 1 to n)", Required: true},
					&cli.StringFlag{Name: "election", Usage: "the election this key is for, as `TEXT`", Required: true},
					outFlag,
				},
				Action: trusteeSetup,
			},
			{
				Name:      "commit",
				Usage:     "post your round-1 commitment (step 3)",
				UsageText: "urna trustee commit --setup FILE --key FILE --state FILE -o ENTRY",
				Description: `commit draws your secret contribution to the election key and writes two
files: your secret round state (encrypted to your identity; keep it for
'deal' and 'respond') and a public commitment entry to send to all
trustees. The commitment fixes your contribution before anyone reveals a
share.`,
				Flags:  []cli.Flag{setupFlag, keyFlag, stateFlag, outFlag},
				Before: noArgs,
				Action: trusteeCommit,
			},
			{
				Name:      "deal",
				Usage:     "post your encrypted shares once all commitments are in (step 4)",
				UsageText: "urna trustee deal --setup FILE --key FILE --state FILE -o ENTRY ENTRY-FILE...",
				Description: `deal reads the commitment entries of all trustees (give every entry file
you have received) and writes your shares entry: one share for each other
trustee, each encrypted so that only that trustee can read it.

Dealing closes round 1: deal refuses to run until every trustee's
commitment is in, naming who is missing. If a trustee will not commit,
the trustees agree to go on without them: give --absent N for each.`,
				Flags: []cli.Flag{setupFlag, keyFlag, stateFlag, outFlag,
					&cli.IntSliceFlag{Name: "absent", Usage: "go on without the commitment of trustee `N`, as the trustees agreed (repeatable)"},
					&cli.IntFlag{Name: "rehearse-bad-share-for", Hidden: true,
						Usage: "deliberately send trustee `N` a wrong share, to rehearse the complaint procedure"},
				},
				Action: trusteeDeal,
			},
			{
				Name:      "check",
				Usage:     "check the shares sent to you and complain about bad ones (step 5)",
				UsageText: "urna trustee check --setup FILE --key FILE -o ENTRY ENTRY-FILE...",
				Description: `check decrypts every share sent to you and checks it against its dealer's
commitment. For each bad share it writes a complaint entry; send it to
all trustees. If every share is good it writes nothing and says so.

It needs every trustee's commitment and the shares of every trustee who
committed: it refuses to run, naming who is missing, rather than pass
shares it never saw. --absent N goes on without trustee N's commitment,
as the trustees agreed.`,
				Flags: []cli.Flag{setupFlag, keyFlag, outFlag,
					&cli.IntSliceFlag{Name: "absent", Usage: "go on without the commitment of trustee `N`, as the trustees agreed (repeatable)"},
				},
				Action: trusteeCheck,
			},
			{
				Name:      "respond",
				Usage:     "answer complaints against you (step 6)",
				UsageText: "urna trustee respond --setup FILE --key FILE --state FILE -o ENTRY ENTRY-FILE...",
				Description: `respond answers each complaint against you by revealing the disputed
share publicly, so that everyone can check it. A dealer who does not
answer a complaint is excluded from the key. If nobody complained about
you, it writes nothing and says so.`,
				Flags:  []cli.Flag{setupFlag, keyFlag, stateFlag, outFlag},
				Action: trusteeRespond,
			},
			{
				Name:      "finish",
				Usage:     "compute the election key and save your key share (step 7)",
				UsageText: "urna trustee finish --setup FILE --key FILE --state FILE -o SHARE-FILE ENTRY-FILE...",
				Description: `finish checks the whole ceremony, prints the election public key and who
qualified, and saves your share of the election key, encrypted to your
identity (it opens with your identity's passphrase). Every trustee must see the same election public key.

Give your round state from 'commit': your key share includes the part
you dealt to yourself. A trustee who never committed leaves out --state.`,
				Flags: []cli.Flag{setupFlag, keyFlag, outFlag,
					&cli.StringFlag{Name: "state", Usage: "your secret round state `FILE`, if you committed"},
					&cli.StringFlag{Name: "public-key", Usage: "also write the election public key (hex) to `FILE`"},
				},
				Action: trusteeFinish,
			},
			trusteeShowCommand(),
			trusteeStatusCommand(setupFlag, keyFlag,
				&cli.IntSliceFlag{Name: "absent", Usage: "the trustees agreed to go on without trustee `N` (repeatable)"}),
			{
				Name:      "verify",
				Usage:     "check a ceremony from its public files (anyone)",
				UsageText: "urna trustee verify --setup FILE ENTRY-FILE...",
				Description: `verify checks every entry of a ceremony, recomputes who qualified, the
election public key and each trustee's verification key from the public
entries alone, and prints them. It needs no secrets.`,
				Flags: []cli.Flag{setupFlag,
					&cli.StringFlag{Name: "public-key", Usage: "also write the election public key (hex) to `FILE`"},
				},
				Action: trusteeVerify,
			},
			{
				Name:      "decrypt",
				Usage:     "post your decryption shares for a list of ciphertexts (step 8)",
				UsageText: "urna trustee decrypt --setup FILE --key FILE --share FILE --election FINGERPRINT (--record DIR | --url URL --board-key FILE) (--list NAME | --ciphertexts FILE) -o ENTRY\n   urna trustee decrypt --setup FILE --key FILE --share FILE --unverified --ciphertexts FILE -o ENTRY",
				Description: `decrypt uses your key share to produce one decryption share per
ciphertext, each with a proof that it is correct. It reveals nothing
else: t trustees' shares are needed to learn any result.

It decrypts only what the election decrypts. Give the election
fingerprint the election authority published (--election) and the board
(--url, with its key --board-key) or its exported record (--record): decrypt
first verifies the record itself, steps V1 to V10 of 'urna verify', and
recomputes the lists to decrypt: the sums of the counted ballots
("aggregate") and the last list of every verified mix chain
("mix/CONTEST"), mixed by at least t trustees. Then it decrypts the list
named by --list, or the --ciphertexts file if and only if it is one of
those lists. Anything else, such as one voter's ballot handed over as
"the aggregate", is refused, and nothing is decrypted.

--unverified decrypts a list you made yourself without a board: test
ciphertexts from 'urna trustee encrypt', to rehearse before the election,
or the sums 'urna tally prepare' made from ballots you checked. Never use
it for a list someone else hands you.`,
				Flags: []cli.Flag{setupFlag, keyFlag, outFlag,
					&cli.StringFlag{Name: "share", Usage: "your key share `FILE` from 'urna trustee finish'", Required: true},
					&cli.StringFlag{Name: "election", Usage: "the election `FINGERPRINT` the election authority published"},
					&cli.StringFlag{Name: "record", Usage: "the election record `DIR` ('urna board export') to verify"},
					&cli.StringFlag{Name: "url", Usage: "the board's `URL`, whose record is verified"},
					&cli.StringFlag{Name: "url-file", Usage: "read the board's URL from `FILE`"},
					&cli.StringFlag{Name: "board-key", Usage: "the board's verifier key `FILE`"},
					&cli.StringFlag{Name: "list", Usage: "decrypt the verified list `NAME`: aggregate or mix/CONTEST"},
					&cli.StringFlag{Name: "ciphertexts", Usage: "decrypt the ciphertext list in `FILE` (one hex ciphertext or vector per line), if it is a verified list"},
					&cli.BoolFlag{Name: "unverified", Usage: "decrypt a --ciphertexts list you made yourself, without a record (see above)"},
				},
				Before: noArgs,
				Action: trusteeDecrypt,
			},
			{
				Name:      "combine",
				Usage:     "combine decryption shares into the results (step 9, anyone)",
				UsageText: "urna trustee combine --setup FILE --ciphertexts FILE ENTRY-FILE...",
				Description: `combine checks every decryption share against the trustee's verification
key from the ceremony, drops invalid ones (and says whose), and combines
the shares of t trustees into each result. Give it the ceremony entries
and the decryption-share entries.

Results are printed one line per ballot (line) of the ciphertext list:
the ballot's number, counting from 1, then the result of each of its
ciphertexts, as a number if it is a small number (up to --max), and as a
hex group element otherwise. With --data, each result
is printed as the quoted text it encodes, for ballots encrypted with
'urna trustee encrypt --data' (write-ins, after 'urna mix').`,
				Flags: []cli.Flag{setupFlag,
					&cli.StringFlag{Name: "ciphertexts", Usage: "the ciphertext list, one hex ciphertext (or vector of ciphertexts) per line, in `FILE`", Required: true},
					&cli.Uint64Flag{Name: "max", Value: 1_000_000, Usage: "largest number to look for in results"},
					&cli.BoolFlag{Name: "data", Usage: "print results as the text they encode, quoted"},
				},
				Action: trusteeCombine,
			},
			{
				Name:      "encrypt",
				Usage:     "encrypt test numbers under an election key, to rehearse decryption",
				UsageText: "urna trustee encrypt --public-key FILE -o FILE NUMBER...\n   urna trustee encrypt --data --public-key FILE -o FILE TEXT...",
				Description: `encrypt writes ciphertexts of the given numbers under the election public
key, one hex ciphertext per line. Use it to rehearse decryption before
the election, or to check that the key works.

With --data, the arguments are texts of up to 30 bytes each, such as
write-in names, encoded into group elements: they can be mixed with
'urna mix' and read back with 'urna trustee combine --data', but not
added up.`,
				Flags: []cli.Flag{outFlag,
					&cli.StringFlag{Name: "public-key", Usage: "the election public key `FILE` (hex)", Required: true},
					&cli.BoolFlag{Name: "data", Usage: "encrypt the arguments as text (up to 30 bytes each) instead of numbers"},
				},
				Action: trusteeEncrypt,
			},
		},
	}
}

// passphrase returns the passphrase from URNA_PASSPHRASE or the terminal.
// confirm asks twice, for new secrets.
func passphrase(c *cli.Context, what string, confirm bool) (string, error) {
	if p, ok := os.LookupEnv(passphraseEnv); ok {
		if p == "" {
			return "", errorWithHint(passphraseEnv+" is set but empty", "unset it to type the passphrase instead")
		}
		return p, nil
	}
	in, tty, err := openTerminal()
	if err != nil || !term.IsTerminal(int(in.Fd())) {
		return "", errorWithHint("no passphrase for "+what,
			"run in a terminal to type it, or set "+passphraseEnv)
	}
	defer in.Close()
	if tty != in {
		defer tty.Close()
	}
	fmt.Fprintf(tty, "Passphrase for %s: ", what)
	p, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("reading passphrase: %w", err)
	}
	if len(p) == 0 {
		return "", errors.New("empty passphrase")
	}
	if confirm {
		fmt.Fprintf(tty, "Repeat it: ")
		q, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return "", fmt.Errorf("reading passphrase: %w", err)
		}
		if !bytes.Equal(p, q) {
			return "", errors.New("the passphrases do not match")
		}
	}
	return string(p), nil
}

// scryptEnv lowers the scrypt work factor of new secret files, for tests
// only: the default (2^18) takes about a second per file, by design.
const scryptEnv = "URNA_TEST_SCRYPT_LOG_N"

func recipient(c *cli.Context, what string) (age.Recipient, error) {
	p, err := passphrase(c, what, os.Getenv(passphraseEnv) == "")
	if err != nil {
		return nil, err
	}
	if v := os.Getenv(scryptEnv); v != "" {
		logN, err := strconv.Atoi(v)
		if err != nil || logN < 1 || logN > 30 {
			return nil, fmt.Errorf("%s=%q is not a work factor from 1 to 30", scryptEnv, v)
		}
		return threshold.PassphraseRecipientWorkFactor(p, logN)
	}
	return threshold.PassphraseRecipient(p)
}

func identity(c *cli.Context, what string) (age.Identity, error) {
	p, err := passphrase(c, what, false)
	if err != nil {
		return nil, err
	}
	return threshold.PassphraseIdentity(p)
}

// custodyError explains a round state or key share that the trustee's
// custody key does not open (spec/threshold.md §6).
func custodyError(err error, path, key string) error {
	if errors.Is(err, threshold.ErrWrongKey) {
		return errorWithHint(fmt.Sprintf("%s is not encrypted to your identity %s", path, key),
			"give the file your own 'urna trustee commit' or 'urna trustee finish' wrote; it opens with your identity's passphrase only")
	}
	return secretError(err, path)
}

// secretError adds hints to errors from reading or writing secret files.
func secretError(err error, path string) error {
	switch {
	case errors.Is(err, fs.ErrExist):
		return errorWithHint(err.Error(), "choose a new file name; urna never overwrites secret files")
	case errors.Is(err, threshold.ErrWrongKey):
		return errorWithHint(fmt.Sprintf("wrong passphrase for %s", path), "check "+passphraseEnv+" or type the passphrase you chose for this file")
	}
	return err
}

func trusteeNew(c *cli.Context) error {
	name := c.String("name")
	id, err := threshold.NewIdentity(name, rand.Reader)
	if err != nil {
		return err
	}
	r, err := recipient(c, "your new identity")
	if err != nil {
		return err
	}
	out := c.String("output")
	if err := threshold.WriteIdentityFile(out, id, r); err != nil {
		return secretError(err, out)
	}
	pub := id.Public()
	text, err := pub.MarshalText()
	if err != nil {
		return err
	}
	_, err = c.App.Writer.Write(text)
	return err
}

func trusteeSetup(c *cli.Context) error {
	if c.NArg() == 0 {
		return errorWithHint("no trustees given", "list the trustees' .pub files, trustee 1 first")
	}
	s := &threshold.Setup{Threshold: c.Int("threshold"), Election: []byte(c.String("election"))}
	for _, path := range c.Args().Slice() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p, err := threshold.ParsePublicIdentity(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s.Trustees = append(s.Trustees, *p)
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := writePublicFile(c.String("output"), s.Bytes()); err != nil {
		return err
	}
	printSetup(c.App.Writer, s)
	return nil
}

func printSetup(w io.Writer, s *threshold.Setup) {
	h := s.Hash()
	fmt.Fprintf(w, "ceremony %x\n", h)
	fmt.Fprintf(w, "election %q\n", s.Election)
	fmt.Fprintf(w, "threshold %d of %d\n", s.Threshold, s.N())
	for i, t := range s.Trustees {
		fmt.Fprintf(w, "trustee %d %s\n", i+1, t.Name)
	}
}

// writePublicFile creates a new file; public files are not overwritten
// either, so that a posted entry is never silently replaced.
func writePublicFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errorWithHint(fmt.Sprintf("%s already exists; refusing to overwrite", path), "choose a new file name")
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

func loadSetup(c *cli.Context) (*threshold.Setup, error) {
	b, err := os.ReadFile(c.String("setup"))
	if err != nil {
		return nil, err
	}
	s, err := threshold.ParseSetup(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.String("setup"), err)
	}
	return s, nil
}

// loadTrustee loads the setup and the identity of the trustee running the
// command, and finds its index.
func loadTrustee(c *cli.Context) (*threshold.Setup, *threshold.Identity, uint32, error) {
	s, err := loadSetup(c)
	if err != nil {
		return nil, nil, 0, err
	}
	id, index, err := loadIdentity(c, s)
	if err == nil {
		printCeremony(c.App.Writer, s)
	}
	return s, id, index, err
}

// printCeremony says which ceremony a trustee command works on, for the
// trustees to compare over a second channel (spec/threshold.md §1).
func printCeremony(w io.Writer, s *threshold.Setup) {
	h := s.Hash()
	names := make([]string, len(s.Trustees))
	for i, t := range s.Trustees {
		names[i] = fmt.Sprintf("%d %s", i+1, t.Name)
	}
	fmt.Fprintf(w, "ceremony %x: %q, threshold %d of %d (%s)\n", h, s.Election, s.Threshold, s.N(), strings.Join(names, ", "))
}

func loadIdentity(c *cli.Context, s *threshold.Setup) (*threshold.Identity, uint32, error) {
	path := c.String("key")
	ident, err := identity(c, path)
	if err != nil {
		return nil, 0, err
	}
	id, err := threshold.ReadIdentityFile(path, ident)
	if err != nil {
		return nil, 0, secretError(err, path)
	}
	pub := id.Public()
	for i := range s.Trustees {
		if bytes.Equal(s.Trustees[i].SigningKey, pub.SigningKey) {
			return id, uint32(i + 1), nil
		}
	}
	return nil, 0, errorWithHint(fmt.Sprintf("%s (%s) is not a trustee of this ceremony", path, id.Name),
		"check that you have the right setup file")
}

// loadEntries reads every entry of the files given as arguments. A file
// may hold several entries back to back. Byte-identical copies are kept
// once.
func loadEntries(c *cli.Context, s *threshold.Setup) ([]*threshold.Entry, error) {
	var out []*threshold.Entry
	seen := map[string]bool{}
	for _, path := range c.Args().Slice() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for k := 0; len(b) > 0; k++ {
			n, err := threshold.EntryLength(b)
			if err != nil {
				return nil, fmt.Errorf("%s: entry %d: %w", path, k+1, err)
			}
			e, err := threshold.ParseEntry(s, b[:n])
			if err != nil {
				return nil, fmt.Errorf("%s: entry %d: %w", path, k+1, err)
			}
			if !seen[string(b[:n])] {
				seen[string(b[:n])] = true
				out = append(out, e)
			}
			b = b[n:]
		}
	}
	return out, nil
}

func writeEntries(c *cli.Context, entries []*threshold.Entry) error {
	var b []byte
	for _, e := range entries {
		b = append(b, e.Bytes()...)
	}
	return writePublicFile(c.String("output"), b)
}

func loadDealer(c *cli.Context, s *threshold.Setup, id *threshold.Identity) (*threshold.Dealer, error) {
	path := c.String("state")
	ident, err := id.CustodyIdentity()
	if err != nil {
		return nil, err
	}
	b, err := threshold.ReadSecretFile(path, ident)
	if err != nil {
		return nil, custodyError(err, path, c.String("key"))
	}
	return threshold.ParseDealerState(s, id, b)
}

func trusteeCommit(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	d, err := threshold.NewDealer(s, id, rand.Reader)
	if err != nil {
		return err
	}
	e, err := d.Commit()
	if err != nil {
		return err
	}
	state, err := d.MarshalBinary()
	if err != nil {
		return err
	}
	// The state is encrypted to the trustee's identity: its passphrase is
	// the only one (spec/threshold.md §6).
	r, err := id.CustodyRecipient()
	if err != nil {
		return err
	}
	if err := threshold.WriteSecretFile(c.String("state"), state, r); err != nil {
		return secretError(err, c.String("state"))
	}
	if err := writeEntries(c, []*threshold.Entry{e}); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "trustee %d (%s): commitment written to %s; send it to every trustee\n", index, id.Name, c.String("output"))
	return nil
}

func trusteeDeal(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	d, err := loadDealer(c, s, id)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	// Dealing closes round 1 for this trustee: every commitment must be in,
	// or a trustee who commits late is left out (spec/threshold.md §3).
	absent, err := absentTrustees(c, s)
	if err != nil {
		return err
	}
	if missing := missingFrom(s, entries, threshold.TypeCommitment, absent); len(missing) > 0 {
		return errorWithHint(fmt.Sprintf("deal needs every trustee's commitment; missing: %s", joinRefs(missing)),
			"they run 'urna trustee commit' and send you the file; give every commitment file to deal",
			"if a trustee will not commit, the trustees agree to go on without them: give --absent N for each")
	}
	e, err := d.Deal(entries, rand.Reader)
	if err != nil {
		return err
	}
	if victim := c.Int("rehearse-bad-share-for"); victim != 0 {
		if e, err = corruptShare(s, id, e, uint32(victim)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "urna: warning: rehearsal: trustee %d was sent a wrong share\n", victim)
	}
	if err := writeEntries(c, []*threshold.Entry{e}); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "trustee %d (%s): shares written to %s; send it to every trustee\n", index, id.Name, c.String("output"))
	return nil
}

// corruptShare replaces the share for victim with an encryption of a random
// scalar and signs the entry again, so that trustees can rehearse a
// complaint.
func corruptShare(s *threshold.Setup, id *threshold.Identity, e *threshold.Entry, victim uint32) (*threshold.Entry, error) {
	body, err := threshold.ParseSharesBody(e.Body, e.Sender, s.N())
	if err != nil {
		return nil, err
	}
	t := s.Trustee(victim)
	if t == nil || victim == e.Sender {
		return nil, fmt.Errorf("cannot rehearse a bad share for trustee %d", victim)
	}
	wrong, err := elgamal.RandomScalar(rand.Reader)
	if err != nil {
		return nil, err
	}
	for k := range body.Shares {
		if body.Shares[k].Recipient == victim {
			sealed, err := threshold.SealShare(rand.Reader, t.TransportKey, e.Ceremony, e.Sender, victim, wrong)
			if err != nil {
				return nil, err
			}
			body.Shares[k].Sealed = sealed
		}
	}
	e.Body = body.Bytes()
	e.Sign(id.SigningKey)
	return e, nil
}

func trusteeCheck(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	// Only a share that arrived can be found correct.
	absent, err := absentTrustees(c, s)
	if err != nil {
		return err
	}
	if missing := missingFrom(s, entries, threshold.TypeCommitment, absent); len(missing) > 0 {
		return errorWithHint(fmt.Sprintf("check needs every trustee's commitment; missing: %s", joinRefs(missing)),
			"give every commitment and shares file you received to check",
			"if the trustees agreed to go on without a trustee, give --absent N for each")
	}
	// Every other trustee who committed must deal.
	skip := map[uint32]bool{index: true}
	for _, m := range missingFrom(s, entries, threshold.TypeCommitment, nil) {
		skip[m.index] = true
	}
	if missing := missingFrom(s, entries, threshold.TypeShares, skip); len(missing) > 0 {
		return errorWithHint(fmt.Sprintf("check needs the shares every other trustee who committed dealt you; missing: %s", joinRefs(missing)),
			"they run 'urna trustee deal' and send you the file; give every commitment and shares file to check")
	}
	complaints, err := threshold.Check(s, id, entries)
	if err != nil {
		return err
	}
	if len(complaints) == 0 {
		fmt.Fprintf(c.App.Writer, "trustee %d (%s): every share sent to you is correct; nothing to post\n", index, id.Name)
		return nil
	}
	if err := writeEntries(c, complaints); err != nil {
		return err
	}
	for _, e := range complaints {
		b, err := threshold.ParseComplaintBody(e.Body, s.N())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "trustee %d (%s): complaint against trustee %d (%s)\n", index, id.Name, b.Accused, s.Trustee(b.Accused).Name)
	}
	fmt.Fprintf(c.App.Writer, "complaints written to %s; send it to every trustee\n", c.String("output"))
	return nil
}

func trusteeRespond(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	d, err := loadDealer(c, s, id)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	responses, err := d.Respond(entries)
	if err != nil {
		return err
	}
	if len(responses) == 0 {
		fmt.Fprintf(c.App.Writer, "trustee %d (%s): no complaints against you; nothing to post\n", index, id.Name)
		return nil
	}
	if err := writeEntries(c, responses); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "trustee %d (%s): %d response(s) written to %s; send it to every trustee\n", index, id.Name, len(responses), c.String("output"))
	return nil
}

// absentTrustees reads --absent: the trustees the others agreed to go on
// without.
func absentTrustees(c *cli.Context, s *threshold.Setup) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	for _, j := range c.IntSlice("absent") {
		if s.Trustee(uint32(j)) == nil || j <= 0 {
			return nil, errorWithHint(fmt.Sprintf("--absent %d is not a trustee index (1 to %d)", j, s.N()), "give the trustee's number in the setup")
		}
		out[uint32(j)] = true
	}
	return out, nil
}

// trusteeRef is a trustee, printed as "trustee 2 (Bob)".
type trusteeRef struct {
	index uint32
	name  string
}

func (t trusteeRef) String() string { return fmt.Sprintf("trustee %d (%s)", t.index, t.name) }

// missingFrom returns the trustees, other than those in except, without an
// entry of type t among entries.
func missingFrom(s *threshold.Setup, entries []*threshold.Entry, t threshold.EntryType, except map[uint32]bool) []trusteeRef {
	have := map[uint32]bool{}
	for _, e := range entries {
		if e.Type == t {
			have[e.Sender] = true
		}
	}
	var out []trusteeRef
	for i, tr := range s.Trustees {
		if j := uint32(i + 1); !except[j] && !have[j] {
			out = append(out, trusteeRef{j, tr.Name})
		}
	}
	return out
}

func joinRefs(rs []trusteeRef) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return strings.Join(out, ", ")
}

func printResult(w io.Writer, s *threshold.Setup, r *threshold.Result) {
	fmt.Fprintf(w, "election public key %x\n", r.PublicKey.Bytes())
	var q []string
	for _, i := range r.Qualified {
		q = append(q, fmt.Sprintf("%d (%s)", i, s.Trustee(i).Name))
	}
	fmt.Fprintf(w, "qualified %s\n", strings.Join(q, ", "))
	var dq []uint32
	for i := range r.Disqualified {
		dq = append(dq, i)
	}
	sort.Slice(dq, func(a, b int) bool { return dq[a] < dq[b] })
	for _, i := range dq {
		fmt.Fprintf(w, "excluded %d (%s): %s\n", i, s.Trustee(i).Name, r.Disqualified[i])
	}
	for j, vk := range r.VerificationKeys {
		fmt.Fprintf(w, "verification key %d %x\n", j+1, vk.Bytes())
	}
}

func writePublicKey(c *cli.Context, r *threshold.Result) error {
	if path := c.String("public-key"); path != "" {
		return writePublicFile(path, []byte(hex.EncodeToString(r.PublicKey.Bytes())+"\n"))
	}
	return nil
}

func trusteeFinish(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	var res *threshold.Result
	var ks *threshold.KeyShare
	if c.String("state") != "" {
		d, derr := loadDealer(c, s, id)
		if derr != nil {
			return derr
		}
		res, ks, err = d.Finish(entries)
	} else {
		res, ks, err = threshold.Finish(s, id, entries)
	}
	if err != nil {
		// Name who must redo which step, if anything is missing.
		return errorWithHint(err.Error(), append(ceremonyGaps(s, entries), "give every entry file of the ceremony to finish")...)
	}
	r, err := id.CustodyRecipient()
	if err != nil {
		return err
	}
	if err := threshold.WriteKeyShareFile(c.String("output"), ks, r); err != nil {
		return secretError(err, c.String("output"))
	}
	printResult(c.App.Writer, s, res)
	fmt.Fprintf(c.App.Writer, "trustee %d (%s): key share saved to %s\n", index, id.Name, c.String("output"))
	return writePublicKey(c, res)
}

func trusteeVerify(c *cli.Context) error {
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	res, err := threshold.VerifyCeremony(s, entries)
	if err != nil {
		return err
	}
	printSetup(c.App.Writer, s)
	printResult(c.App.Writer, s, res)
	return writePublicKey(c, res)
}

// loadCiphertexts reads a ciphertext list file (one vector of
// ciphertexts per line, see 'urna mix --help') and returns its
// ciphertexts in order, flattened, with the width of its vectors. Errors
// name the line.
func loadCiphertexts(c *cli.Context, path string) ([]elgamal.Ciphertext, int, error) {
	list, err := loadCiphertextList(c, path)
	if err != nil {
		return nil, 0, err
	}
	cts := make([]elgamal.Ciphertext, 0, len(list)*len(list[0]))
	for _, v := range list {
		cts = append(cts, v...)
	}
	return cts, len(list[0]), nil
}

func trusteeDecrypt(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	path := c.String("share")
	ident, err := id.CustodyIdentity()
	if err != nil {
		return err
	}
	ks, err := threshold.ReadKeyShareFile(path, ident)
	if err != nil {
		return custodyError(err, path, c.String("key"))
	}
	if ks.Index != index || ks.Ceremony != s.Hash() {
		return errorWithHint(fmt.Sprintf("%s is not trustee %d's key share for this ceremony", path, index), "give the share file that 'urna trustee finish' wrote for this setup")
	}
	var list *threshold.List
	name := c.String("ciphertexts")
	if c.Bool("unverified") {
		if c.String("ciphertexts") == "" || c.String("list") != "" || c.String("election") != "" || c.String("record") != "" || c.String("url") != "" || c.String("url-file") != "" {
			return errorWithHint("--unverified takes only --ciphertexts: a list you made yourself",
				"to decrypt the election, give --election, the board or record, and --list, without --unverified")
		}
		cts, _, err := loadCiphertexts(c, c.String("ciphertexts"))
		if err != nil {
			return err
		}
		fmt.Fprintln(c.App.ErrWriter, "urna: warning: --unverified: decrypting a list that was not verified as the election's; only for lists you made yourself")
		list = threshold.Unverified(cts)
	} else {
		l, err := verifiedList(c, s)
		if err != nil {
			return err
		}
		list, name = l.Decryptable(), l.Name
	}
	e, err := ks.Decrypt(s, id.SigningKey, list, rand.Reader)
	if err != nil {
		return err
	}
	if err := writeEntries(c, []*threshold.Entry{e}); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "trustee %d (%s): %d decryption shares of %s written to %s\n", index, id.Name, len(list.Ciphertexts()), name, c.String("output"))
	return nil
}

// verifiedList verifies the election record given to trustee decrypt
// (V1–V10, anchored to --election) and returns the list it asks for: the
// one named by --list, or the --ciphertexts file if it is one of the
// lists to decrypt.
func verifiedList(c *cli.Context, s *threshold.Setup) (*verifier.List, error) {
	if c.String("election") == "" {
		return nil, errorWithHint("decrypt needs the election fingerprint (--election): it decrypts only the lists of a record verified against it",
			"give the fingerprint the election authority published, and the board (--url, --board-key) or its record (--record)")
	}
	fp, err := bulletin.ParseFingerprint(c.String("election"))
	if err != nil {
		return nil, errorWithHint(fmt.Sprintf("--election: %v", err), "give the 64 hex digits of the published election fingerprint")
	}
	if (c.String("list") == "") == (c.String("ciphertexts") == "") {
		return nil, errorWithHint("give one of --list NAME and --ciphertexts FILE", "the lists are aggregate and mix/CONTEST; 'urna board status' names them")
	}
	opts := verifier.Options{Election: &fp}
	if f := c.String("board-key"); f != "" {
		if opts.BoardKey, err = loadBoardKey(f); err != nil {
			return nil, err
		}
	}
	dir := c.String("record")
	remote := c.String("url") != "" || c.String("url-file") != ""
	switch {
	case dir != "" && remote:
		return nil, errorWithHint("give the board or its record, not both", "run 'urna trustee decrypt --help'")
	case remote:
		if opts.BoardKey == nil {
			return nil, errorWithHint("--url needs the board's key (--board-key)", "get it from the election authority")
		}
		cl, err := boardClient(c)
		if err != nil {
			return nil, err
		}
		tmp, err := os.MkdirTemp("", "urna-decrypt-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "record")
		if _, err := bulletin.ExportRecord(c.Context, cl, dir, opts.BoardKey.Verifier(), opts.BoardKey.Name); err != nil {
			return nil, boardError(err)
		}
	case dir == "":
		return nil, errorWithHint("decrypt needs the board (--url, --board-key) or its record (--record) to verify",
			"it decrypts only lists it recomputed from a verified record")
	}
	rep, lists, err := verifier.DecryptionLists(c.Context, dir, opts)
	if err != nil {
		return nil, err
	}
	if f := rep.FirstFailure(); f != nil {
		return nil, errorWithHint(fmt.Sprintf("nothing decrypted: the record does not verify at step %s (%s): %s", f.ID, f.Title, f.Failure),
			"do not decrypt; report it to the election authority and the other trustees")
	}
	if h := s.Hash(); rep.Ceremony != hex.EncodeToString(h[:]) {
		return nil, errorWithHint("nothing decrypted: the record's ceremony is not the one of --setup", "give the setup file of this election")
	}
	fmt.Fprintf(c.App.Writer, "verified the record against the election fingerprint %s: steps V1 to V10 pass\n", fp)
	var cts []elgamal.Ciphertext
	if name := c.String("list"); name != "" {
		for i := range lists {
			if lists[i].Name == name {
				return &lists[i], nil
			}
		}
		return nil, errorWithHint(fmt.Sprintf("nothing decrypted: %q is not a list to decrypt", name), "the lists are: "+listNames(lists))
	}
	if cts, _, err = loadCiphertexts(c, c.String("ciphertexts")); err != nil {
		return nil, err
	}
	h := threshold.ListHash(cts)
	for i := range lists {
		if lists[i].Hash == h {
			return &lists[i], nil
		}
	}
	return nil, errorWithHint(fmt.Sprintf("nothing decrypted: %s is not a list to decrypt: its list hash %x… is none of the verified lists' (%s)", c.String("ciphertexts"), h[:8], listNames(lists)),
		"decrypt only the sums of the counted ballots and the verified mix outputs: use --list")
}

func listNames(lists []verifier.List) string {
	var out []string
	for _, l := range lists {
		out = append(out, fmt.Sprintf("%s %x…", l.Name, l.Hash[:8]))
	}
	if len(out) == 0 {
		return "none: no ballot counts"
	}
	return strings.Join(out, ", ")
}

func trusteeCombine(c *cli.Context) error {
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	var ceremony, shares []*threshold.Entry
	for _, e := range entries {
		if e.Type == threshold.TypeDecryptionShares {
			shares = append(shares, e)
		} else {
			ceremony = append(ceremony, e)
		}
	}
	res, err := threshold.VerifyCeremony(s, ceremony)
	if err != nil {
		return err
	}
	cts, width, err := loadCiphertexts(c, c.String("ciphertexts"))
	if err != nil {
		return err
	}
	ms, err := threshold.Combine(s, res, cts, shares)
	if err != nil {
		return err
	}
	var format func(m *elgamal.Element) string
	if c.Bool("data") {
		notData := 0
		defer func() {
			if notData > 0 {
				fmt.Fprintf(c.App.ErrWriter, "urna: warning: %d results do not encode text; they are printed as elements\n", notData)
			}
		}()
		format = func(m *elgamal.Element) string {
			d, err := elgamal.DecodeData(m)
			if err != nil {
				notData++
				return fmt.Sprintf("element %x", m.Bytes())
			}
			return fmt.Sprintf("%q", d)
		}
	} else {
		table, err := elgamal.NewDLogTable(c.Uint64("max"))
		if err != nil {
			return err
		}
		format = func(m *elgamal.Element) string {
			if v, err := table.Lookup(m); err == nil {
				return strconv.FormatUint(v, 10)
			}
			return fmt.Sprintf("element %x", m.Bytes())
		}
	}
	for l := 0; l*width < len(ms); l++ {
		items := make([]string, width)
		for k := range items {
			items[k] = format(ms[l*width+k])
		}
		fmt.Fprintf(c.App.Writer, "%d %s\n", l+1, strings.Join(items, " "))
	}
	return nil
}

func trusteeEncrypt(c *cli.Context) error {
	pk, err := loadPublicKey(c.String("public-key"))
	if err != nil {
		return err
	}
	data := c.Bool("data")
	if c.NArg() == 0 {
		if data {
			return errorWithHint("no texts to encrypt", "give the texts as arguments")
		}
		return errorWithHint("no numbers to encrypt", "give the numbers as arguments")
	}
	var out strings.Builder
	for _, a := range c.Args().Slice() {
		var m *elgamal.Element
		if data {
			if m, err = elgamal.EncodeData([]byte(a)); err != nil {
				return errorWithHint(fmt.Sprintf("%q: %v", a, err),
					fmt.Sprintf("each text must fit into one group element: at most %d bytes", elgamal.MaxDataSize))
			}
		} else {
			v, err := strconv.ParseUint(a, 10, 64)
			if err != nil {
				return errorWithHint(fmt.Sprintf("%q is not a non-negative integer", a), "add --data to encrypt text")
			}
			m = new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(v))
		}
		ct, _, err := pk.Encrypt(m, rand.Reader)
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "%x\n", ct.Bytes())
	}
	return writePublicFile(c.String("output"), []byte(out.String()))
}
