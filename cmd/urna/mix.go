package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
)

const mixDescription = `The mix commands shuffle encrypted ballots so that nobody can tell which
ballot came from which voter, and check that no ballot was added, dropped
or changed on the way. Each mixer (one of the trustees of the ceremony
setup) in turn re-encrypts every ballot and puts them in a secret random
order, and publishes a signed stage: its output list with a proof of
shuffle. As long as one mixer keeps its order secret, the link between
voters and ballots is gone. The proofs reveal nothing about the order.

  1. urna mix shuffle   mixer 1 shuffles the ballot list (position 1);
                        mixer 2 shuffles mixer 1's stage file (position 2); ...
  2. urna mix verify    anyone: check the whole chain from the ballot list
  3. urna mix output    write the last stage's output as a ciphertext list,
                        for 'urna trustee decrypt' and 'urna trustee combine'

A ciphertext list file has one ballot per line: the hex of its ciphertexts
(64 bytes each) concatenated. All lines have the same number of
ciphertexts. Blank lines and lines starting with # are skipped. A file
name of - means standard input.

The chain is bound to the election by the ceremony hash of the setup
(printed by 'urna trustee setup'): stages of another ceremony are refused.`

func mixCommand() *cli.Command {
	setupFlag := &cli.StringFlag{Name: "setup", Usage: "the ceremony setup `FILE` from 'urna trustee setup'; its trustees are the mixers", Required: true}
	pkFlag := &cli.StringFlag{Name: "public-key", Usage: "the election public key `FILE` (hex)", Required: true}
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`; it must not exist yet", Required: true}
	return &cli.Command{
		Name:        "mix",
		Usage:       "shuffle encrypted ballots with proofs, and check mix chains",
		Description: mixDescription,
		Subcommands: []*cli.Command{
			{
				Name:      "shuffle",
				Usage:     "shuffle a ciphertext list or the previous stage's output, with a proof",
				UsageText: "urna mix shuffle --setup FILE --key FILE --public-key FILE --position P -o STAGE INPUT",
				Description: `shuffle re-encrypts every ballot of INPUT and puts them in a secret random
order, proves that it did exactly that, and writes the signed stage to
STAGE. Send the stage file to the next mixer and publish it.

INPUT is the ballot list (a ciphertext list file, or - for standard
input) for the first mixer, and the previous mixer's stage file for the
others: its output is shuffled. P is this stage's position in the chain:
1 for the first mixer, then 2, 3, ... Each trustee mixes at most once.

The work takes a while for large lists; a progress bar is shown when
standard error is a terminal, and the time of each phase is printed.

With the board (--url or --url-file) and its key (--board-key), it first
checks that the board's election has this ceremony setup and election key
and prints the election fingerprint: compare it with the one the election
authority published.`,
				Flags: append([]cli.Flag{setupFlag, pkFlag, outFlag,
					&cli.StringFlag{Name: "key", Usage: "your identity `FILE` from 'urna trustee new'", Required: true},
					&cli.UintFlag{Name: "position", Usage: "this stage's position `P` in the chain (1 for the first mixer)", Required: true},
					&cli.BoolFlag{Name: "rehearse-cheat", Hidden: true,
						Usage: "deliberately replace one output ballot by a copy of another after proving, to rehearse a caught cheat"},
				}, electionBoardFlags()...),
				Action: mixShuffle,
			},
			{
				Name:      "verify",
				Usage:     "check a mix chain from the ballot list (anyone)",
				UsageText: "urna mix verify --setup FILE --public-key FILE --input LIST STAGE...",
				Description: `verify checks the stages, in the order given, against the ballot list
they started from: each stage is for this election, is at its position,
is signed by a trustee who signed no other stage, shuffled exactly the
previous stage's output (the ballot list for the first), kept the number
and size of the ballots, and carries a proof of shuffle that verifies.
It prints every check of every stage with its time, and stops at the
first that fails. It needs no secrets.`,
				Flags: []cli.Flag{setupFlag, pkFlag,
					&cli.StringFlag{Name: "input", Usage: "the ballot list `LIST` the chain started from (- for standard input)", Required: true},
				},
				Action: mixVerify,
			},
			{
				Name:      "output",
				Usage:     "write a stage's output as a ciphertext list",
				UsageText: "urna mix output -o LIST STAGE",
				Description: `output writes the shuffled ballots of a stage file as a ciphertext list,
for decryption. It does not check the stage: run 'urna mix verify' on
the whole chain first.`,
				Flags:  []cli.Flag{outFlag},
				Action: mixOutput,
			},
		},
	}
}

// election returns the mixing election context: the ceremony hash.
func mixElection(s *threshold.Setup) []byte {
	h := s.Hash()
	return h[:]
}

// mixers returns the setup's trustees as the registered mixers.
func mixers(s *threshold.Setup) []mixnet.Mixer {
	out := make([]mixnet.Mixer, s.N())
	for i, t := range s.Trustees {
		out[i] = mixnet.Mixer{Name: t.Name, SigningKey: t.SigningKey}
	}
	return out
}

func loadPublicKey(path string) (*elgamal.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not hex: %v", path, err)
	}
	pk, err := elgamal.ParsePublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pk, nil
}

// readInput reads a file, or standard input for "-".
func readInput(c *cli.Context, path string) ([]byte, error) {
	if path == "-" {
		r := c.App.Reader
		if r == nil {
			r = os.Stdin
		}
		return io.ReadAll(r)
	}
	return os.ReadFile(path)
}

// inputName names a file in messages.
func inputName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// parseCiphertextList decodes a ciphertext list file: one vector per line,
// the hex of its ciphertexts concatenated, every line the same width;
// blank lines and lines starting with # are skipped. Errors name the line.
func parseCiphertextList(name string, b []byte) ([]elgamal.CiphertextVector, error) {
	var raw []byte
	var lines []int // line number of each vector
	width := 0
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := hex.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: not hex: %v", name, n+1, err)
		}
		if len(v) == 0 || len(v)%elgamal.CiphertextSize != 0 {
			return nil, fmt.Errorf("%s:%d: %w: %d bytes is not a whole number of %d-byte ciphertexts", name, n+1, elgamal.ErrLength, len(v), elgamal.CiphertextSize)
		}
		w := len(v) / elgamal.CiphertextSize
		if width == 0 {
			width = w
		} else if w != width {
			return nil, fmt.Errorf("%s:%d: %w: %d ciphertexts, but line %d has %d; every line must have the same number", name, n+1, elgamal.ErrWidth, w, lines[0], width)
		}
		raw = append(raw, v...)
		lines = append(lines, n+1)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: no ciphertexts", name)
	}
	list, err := mixnet.ParseList(raw, len(lines), width)
	if err != nil {
		// Find the line, one vector at a time.
		vs := width * elgamal.CiphertextSize
		for i, n := range lines {
			if _, err := elgamal.ParseCiphertextVector(raw[i*vs:(i+1)*vs], width); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return list, nil
}

// formatCiphertextList encodes a ciphertext list file, after the comment
// lines given.
func formatCiphertextList(list []elgamal.CiphertextVector, comments ...string) []byte {
	enc := mixnet.EncodeList(list)
	var b strings.Builder
	for _, c := range comments {
		fmt.Fprintf(&b, "# %s\n", c)
	}
	if len(list) == 0 {
		return []byte(b.String())
	}
	vs := len(enc) / len(list)
	b.Grow(len(enc)*2 + len(list))
	for i := range list {
		b.WriteString(hex.EncodeToString(enc[i*vs : (i+1)*vs]))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// loadCiphertextList reads a ciphertext list file, or standard input for
// "-".
func loadCiphertextList(c *cli.Context, path string) ([]elgamal.CiphertextVector, error) {
	b, err := readInput(c, path)
	if err != nil {
		return nil, err
	}
	if mixnet.IsStage(b) {
		return nil, errorWithHint(fmt.Sprintf("%s is a mix stage, not a ciphertext list", inputName(path)),
			"run 'urna mix output' to get its output as a ciphertext list")
	}
	return parseCiphertextList(inputName(path), b)
}

// parseStageFile decodes a stage file.
func parseStageFile(name string, b []byte) (*mixnet.Stage, error) {
	if !mixnet.IsStage(b) {
		return nil, errorWithHint(fmt.Sprintf("%s is not a mix stage file", name),
			"give the file that 'urna mix shuffle' wrote")
	}
	s, err := mixnet.ParseStage(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

func loadStage(path string) (*mixnet.Stage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseStageFile(path, b)
}

// checkNew fails early if path exists, before long work whose result
// could not be written.
func checkNew(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return errorWithHint(fmt.Sprintf("%s already exists; refusing to overwrite", path), "choose a new file name")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func describeList(list []elgamal.CiphertextVector) string {
	w := 0
	if len(list) > 0 {
		w = len(list[0])
	}
	return fmt.Sprintf("%s of %s", plural(len(list), "ballot", "ballots"), plural(w, "ciphertext", "ciphertexts"))
}

// formatDuration prints short durations in milliseconds, others in
// seconds.
func formatDuration(d time.Duration) string {
	if d < 100*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// perCiphertext returns the time per ciphertext of a phase over n
// ciphertexts.
func perCiphertext(d time.Duration, n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.0f µs per ciphertext)", float64(d.Nanoseconds())/1000/float64(n))
}

// mixMemoryLimit is the soft heap limit of the mix commands and of urna
// verify: a mix, or the verification of a record, of a million ballots is
// budgeted 2 GiB, and without a limit Go's collector
// lets the heap grow to twice what is live. GOMEMLIMIT overrides it.
const mixMemoryLimit = 1800 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(mixMemoryLimit)
	}
}

func mixShuffle(c *cli.Context) error {
	limitMemory()
	if c.NArg() != 1 {
		return errorWithHint("give exactly one INPUT: a ciphertext list, - for standard input, or the previous stage file",
			"run 'urna mix shuffle --help' for usage")
	}
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	election, ms := mixElection(s), mixers(s)
	pk, err := loadPublicKey(c.String("public-key"))
	if err != nil {
		return err
	}
	position := c.Uint("position")
	if position < 1 || uint64(position) > 1<<32-1 {
		return errorWithHint(fmt.Sprintf("position %d: positions start at 1", position), "the first mixer is at position 1, the next at 2, and so on")
	}
	out := c.String("output")
	if err := checkNew(out); err != nil {
		return err
	}
	fp, err := electionOnBoard(c, checkSetupAndKeyOnBoard(s, pk))
	if err != nil {
		return err
	}
	if fp != nil {
		fmt.Fprintf(c.App.Writer, "election fingerprint %s: compare it with the one the election authority published\n", fp)
	}

	path := c.Args().First()
	b, err := readInput(c, path)
	if err != nil {
		return err
	}
	var input []elgamal.CiphertextVector
	w := c.App.Writer
	if mixnet.IsStage(b) {
		prev, err := parseStageFile(inputName(path), b)
		if err != nil {
			return err
		}
		if string(prev.Election[:]) != string(election) {
			return errorWithHint(fmt.Sprintf("%s is a stage of another ceremony", inputName(path)), "check that you have the right setup file")
		}
		if prev.Mixer < 1 || int(prev.Mixer) > len(ms) || !prev.VerifySignature(ms[prev.Mixer-1].SigningKey) {
			return errorWithHint(fmt.Sprintf("%s is not signed by a trustee of this ceremony", inputName(path)),
				"run 'urna mix verify' on the chain so far")
		}
		input = prev.Output
		fmt.Fprintf(w, "input: output of stage %d by trustee %d (%s): %s\n", prev.Position, prev.Mixer, ms[prev.Mixer-1].Name, describeList(input))
		if uint64(position) != uint64(prev.Position)+1 {
			fmt.Fprintf(c.App.ErrWriter, "urna: warning: the input is stage %d, so this stage should be at position %d, not %d\n", prev.Position, prev.Position+1, position)
		}
	} else {
		if input, err = parseCiphertextList(inputName(path), b); err != nil {
			return err
		}
		fmt.Fprintf(w, "input: %s\n", describeList(input))
		if position != 1 {
			fmt.Fprintf(c.App.ErrWriter, "urna: warning: the input is a ciphertext list, so this stage should be at position 1, not %d\n", position)
		}
	}

	id, index, err := loadIdentity(c, s)
	if err != nil {
		return err
	}
	mixer := &ms[index-1]
	fmt.Fprintf(w, "stage %d by trustee %d (%s)\n", position, index, id.Name)
	cts := len(input) * len(input[0])

	bar := newProgressBar(c.App.ErrWriter)
	start := time.Now()
	output, witness, err := mixnet.Shuffle(pk, input, rand.Reader, bar.progress())
	bar.finish()
	if err != nil {
		return err
	}
	tShuffle := time.Since(start)
	fmt.Fprintf(w, "shuffle %s%s\n", formatDuration(tShuffle), perCiphertext(tShuffle, cts))

	start = time.Now()
	st := &mixnet.Statement{
		Context:   mixnet.StageContext(election, uint32(position), mixer),
		PublicKey: pk,
		Input:     input,
		Output:    output,
	}
	proof, err := mixnet.Prove(st, witness, rand.Reader, bar.progress())
	witness.Erase()
	bar.finish()
	if err != nil {
		return err
	}
	tProve := time.Since(start)
	fmt.Fprintf(w, "prove %s%s\n", formatDuration(tProve), perCiphertext(tProve, cts))

	if c.Bool("rehearse-cheat") {
		// Drop the last ballot and put in a fresh copy of the first: the
		// signature is good, the proof is not.
		v, _, err := pk.ReEncryptVector(output[0], rand.Reader)
		if err != nil {
			return err
		}
		output[len(output)-1] = v
		fmt.Fprintf(c.App.ErrWriter, "urna: warning: rehearsal: the last output ballot was replaced by a copy of the first; the proof will fail\n")
	}

	start = time.Now()
	stage := &mixnet.Stage{Position: uint32(position), Mixer: index, Input: mixnet.ListHash(election, input), Output: output, Proof: proof}
	copy(stage.Election[:], election)
	enc := stage.SignAndEncode(id.SigningKey)
	tSign := time.Since(start)
	fmt.Fprintf(w, "sign %s\n", formatDuration(tSign))
	if err := writePublicFile(out, enc); err != nil {
		return err
	}
	total := tShuffle + tProve + tSign
	fmt.Fprintf(w, "total %s%s\n", formatDuration(total), perCiphertext(total, cts))
	fmt.Fprintf(w, "stage %d written to %s (%d bytes); publish it and send it to the next mixer\n", position, out, len(enc))
	return nil
}

func mixVerify(c *cli.Context) error {
	limitMemory()
	if c.NArg() == 0 {
		return errorWithHint("no stages given", "list the stage files in chain order, stage 1 first")
	}
	s, err := loadSetup(c)
	if err != nil {
		return err
	}
	election, ms := mixElection(s), mixers(s)
	pk, err := loadPublicKey(c.String("public-key"))
	if err != nil {
		return err
	}
	input, err := loadCiphertextList(c, c.String("input"))
	if err != nil {
		return err
	}
	paths := c.Args().Slice()
	stages := make([]*mixnet.Stage, len(paths))
	for i, path := range paths {
		if stages[i], err = loadStage(path); err != nil {
			return err
		}
	}

	w := c.App.Writer
	fmt.Fprintf(w, "ceremony %x\n", election)
	fmt.Fprintf(w, "election %q\n", s.Election)
	bar := newProgressBar(c.App.ErrWriter)
	rep, verr := mixnet.VerifyChain(election, ms, pk, input, stages, bar.progress())
	bar.finish()
	if rep.N > 0 {
		fmt.Fprintf(w, "input %s (%s), list hash %x\n", inputName(c.String("input")), describeList(input), rep.Input)
	}
	cts := rep.N * rep.Width
	for _, sr := range rep.Stages {
		who := fmt.Sprintf("mixer %d", sr.Mixer)
		if sr.Name != "" {
			who = fmt.Sprintf("trustee %d (%s)", sr.Mixer, sr.Name)
		}
		fmt.Fprintf(w, "stage %d %s: position %d, %s\n", sr.Stage, paths[sr.Stage-1], sr.Position, who)
		for _, ch := range sr.Checks {
			status, what := "ok", checkDescription(&sr, ch.Name, rep)
			if ch.Err != nil {
				status, what = "FAILED", ch.Err.Error()
			} else if ch.Name == mixnet.CheckProof {
				what += perCiphertext(ch.Duration, cts)
			}
			fmt.Fprintf(w, "  %-15s %-6s %8s  %s\n", ch.Name, status, formatDuration(ch.Duration), what)
		}
		if sr.OK() {
			fmt.Fprintf(w, "  output list hash %x\n", sr.Output)
		}
	}
	if verr != nil {
		var ce *mixnet.ChainError
		if errors.As(verr, &ce) && ce.Stage > 0 {
			return errorWithHint(verr.Error(), fmt.Sprintf("stage %d is %s", ce.Stage, paths[ce.Stage-1]))
		}
		return verr
	}
	fmt.Fprintf(w, "chain verified: %s by %s, %s in %s\n",
		plural(len(stages), "stage", "stages"), mixerNames(rep), describeList(stages[len(stages)-1].Output), formatDuration(rep.Duration))
	fmt.Fprintf(w, "output list hash %x\n", rep.Output)
	return nil
}

// checkDescription says in words what a passed check established.
func checkDescription(sr *mixnet.StageReport, check string, rep *mixnet.ChainReport) string {
	switch check {
	case mixnet.CheckElection:
		return "the stage is for this ceremony's election"
	case mixnet.CheckPosition:
		return fmt.Sprintf("it is at position %d of the chain", sr.Position)
	case mixnet.CheckMixer:
		return fmt.Sprintf("it names trustee %d (%s) as its mixer", sr.Mixer, sr.Name)
	case mixnet.CheckSignature:
		return fmt.Sprintf("%s signed it", sr.Name)
	case mixnet.CheckDistinct:
		return fmt.Sprintf("%s mixed no earlier stage", sr.Name)
	case mixnet.CheckInput:
		if sr.Stage == 1 {
			return "it shuffled exactly the input list"
		}
		return fmt.Sprintf("it shuffled exactly the output of stage %d", sr.Stage-1)
	case mixnet.CheckSize:
		return fmt.Sprintf("%d ballots of %s in, as many out", rep.N, plural(rep.Width, "ciphertext", "ciphertexts"))
	case mixnet.CheckProof:
		return "its output is its input re-encrypted and reordered, nothing added, dropped or changed"
	}
	return ""
}

func mixerNames(rep *mixnet.ChainReport) string {
	names := make([]string, len(rep.Stages))
	for i, sr := range rep.Stages {
		names[i] = sr.Name
	}
	return strings.Join(names, ", ")
}

func mixOutput(c *cli.Context) error {
	if c.NArg() != 1 {
		return errorWithHint("give exactly one stage file", "the last stage of a verified chain")
	}
	path := c.Args().First()
	stage, err := loadStage(path)
	if err != nil {
		return err
	}
	out := c.String("output")
	b := formatCiphertextList(stage.Output,
		fmt.Sprintf("output of mix stage %d (mixer %d) from %s", stage.Position, stage.Mixer, path),
		fmt.Sprintf("%s; check the chain with 'urna mix verify' before decrypting", describeList(stage.Output)))
	if err := writePublicFile(out, b); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s written to %s\n", describeList(stage.Output), out)
	return nil
}

// progressBar draws the progress of long phases on standard error, only
// when it is a terminal; otherwise it does nothing.
type progressBar struct {
	w     io.Writer
	mu    sync.Mutex
	phase string
	last  time.Time
	open  bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progressBar{}
	}
	return &progressBar{w: w}
}

// progress returns the callback to pass to mixnet, or nil when there is
// no terminal.
func (p *progressBar) progress() mixnet.Progress {
	if p.w == nil {
		return nil
	}
	return p.update
}

const progressWidth = 30

func (p *progressBar) update(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if phase == p.phase && done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	if phase != p.phase && p.open {
		fmt.Fprintln(p.w)
	}
	p.phase, p.last, p.open = phase, now, true
	frac := 1.0
	if total > 0 {
		frac = min(1, max(0, float64(done)/float64(total)))
	}
	n := int(frac * progressWidth)
	fmt.Fprintf(p.w, "\r%-24s [%s%s] %3.0f%% %d/%d", phase, strings.Repeat("#", n), strings.Repeat(" ", progressWidth-n), frac*100, done, total)
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open {
		fmt.Fprintln(p.w)
	}
	p.open, p.phase = false, ""
}
