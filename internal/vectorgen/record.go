package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/vectors"
	"github.com/urnavote/urna/verifier"
)

// The sample election record (vectors/record/): a complete small election
// run on an in-memory board, exported with bulletin.ExportRecord, and
// tampered copies of it, each with the verification step that must fail
// (spec/verify.md). README.md describes it.
const (
	recordDir    = vectors.RecordDir
	recordOrigin = "urna.example/vectors"
	recordVoters = 36
	// recordCasesFile lists the cases of vectors/record/.
	recordCasesFile = "cases.json"
)

// recordTime is the fixed clock of the sample election: the board's
// rejection times and Run's phase timings.
var recordTime = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// RecordSeed is the scenario seed of the sample election: the first 8
// bytes, little-endian, of SHA-256(vectors.Seed ‖ "/record").
func RecordSeed() uint64 {
	h := sha256.Sum256([]byte(vectors.Seed + "/record"))
	return binary.LittleEndian.Uint64(h[:8])
}

// RecordCase is one entry of vectors/record/cases.json.
type RecordCase struct {
	Dir    string `json:"dir"`
	Expect string `json:"expect"`
	// Election is the election fingerprint to verify against; without
	// it the record is checked unanchored.
	Election string `json:"election,omitempty"`
	Step     string `json:"step,omitempty"`
	Comment  string `json:"comment"`
}

// recordComments describes each tampering of verifier.TamperKinds.
var recordComments = map[string]string{
	"changed-ballot":          "a byte of the first ballot's first proof flipped; the log and checkpoint re-signed by the board",
	"dropped-ballot":          "the last counted ballot removed from the log (a re-vote, so that voter's first ballot counts instead and the aggregate changes); the checkpoint re-signed by the board",
	"swapped-mix-output":      "two outputs of the first mix stage swapped, the stage re-signed by its mixer; the checkpoint re-signed by the board",
	"bad-decryption-share":    "the first share of the first decryption-shares entry changed, re-signed by its trustee; the checkpoint re-signed by the board",
	"wrong-tally":             "a vote added in the published result, re-signed by the administrator; the checkpoint re-signed by the board",
	"forked-checkpoint":       "checkpoints/forked: a second checkpoint of the same size with another root, signed by the board key (a fork)",
	"wrong-key-checkpoint":    "the checkpoint re-signed by another key of the board's name; board.vkey is still the real key",
	"result-before-shares":    "the result entry moved before the first decryption-shares entry, so it was published before t trustees decrypted every list; the checkpoint re-signed by the board",
	"wrong-origin":            "the checkpoint re-signed by the board key with another origin line than the key's name",
	"malformed-credentials":   "the last credential of the credentials entry repeated, so the list is not strictly ascending and does not decode; re-signed by the administrator, the checkpoint re-signed by the board",
	"junk-opening":            "the challenge's opening keeps its ballot's hash but its scalars are replaced by junk ones, so it does not re-encrypt to the ballot; the log and checkpoint re-signed by the board",
	"duplicate-member-result": "the result's first \"votes\" member preceded by a second one, one higher (a decoder keeping the first value reads a wrong count; one keeping the last the right one), re-signed by the administrator; the checkpoint re-signed by the board",
	"reformatted-result":      "the same result as compact JSON: the same counts, but not the canonical encoding, re-signed by the administrator; the checkpoint re-signed by the board",
	"fractional-count":        "the result's first \"votes\" written as N.0000000000000001, equal to N as a binary64 float, re-signed by the administrator; the checkpoint re-signed by the board",
}

// recordVectors runs the sample election, exports its record, makes the
// tampered copies, checks every case with the verifier and returns the
// files of vectors/record/.
func recordVectors() ([]File, error) {
	tmp, err := os.MkdirTemp("", "urna-vectorgen-record-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cases, err := writeRecord(context.Background(), tmp)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	var files []File
	err = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tmp, path)
		files = append(files, File{filepath.ToSlash(filepath.Join(recordDir, rel)), b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, File{recordDir + "/" + recordCasesFile, append(b, '\n')})
	return files, nil
}

// writeRecord writes the valid record and its tampered copies into dir,
// one subdirectory each, and returns the cases, checked.
func writeRecord(ctx context.Context, dir string) ([]RecordCase, error) {
	e, err := scenario.New(scenario.Options{
		Origin: recordOrigin, Trustees: 2, Threshold: 2, Voters: recordVoters,
		Manifest: scenario.Danish(), Seed: RecordSeed(),
	})
	if err != nil {
		return nil, err
	}
	clock := func() time.Time { return recordTime }
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore(), Now: clock})
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if _, err := e.Run(ctx, scenario.BoardPoster(b), scenario.RunOptions{
		Clients: 1, Revotes: 3, Challenge: true, Rejects: true, Overrides: 1, Clock: clock,
	}); err != nil {
		return nil, err
	}
	valid := filepath.Join(dir, "valid")
	if _, err := bulletin.ExportRecord(ctx, b.Source(), valid, e.Verifier, e.Origin); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(valid, bulletin.RecordVKey), []byte(e.BoardVKey+"\n"), 0o644); err != nil {
		return nil, err
	}
	fp := e.Fingerprint().String()
	cases := []RecordCase{
		{Dir: "valid", Expect: vectors.Valid, Election: fp,
			Comment: "the complete record of the sample election, checked against its election fingerprint; every step V1 to V13 passes and the record is anchored"},
		{Dir: "valid", Expect: vectors.Unanchored,
			Comment: "the same record checked without an election fingerprint: every step passes, but it is not anchored and must not be reported as verified"},
	}
	for _, c := range cases {
		if err := checkRecord(ctx, valid, e, c); err != nil {
			return nil, err
		}
	}

	// An election made up by the board operator alone: the real board
	// key, everything else its own.
	fake, err := scenario.New(scenario.Options{
		Origin: recordOrigin, Trustees: 2, Threshold: 2, Voters: recordVoters,
		Manifest: scenario.Danish(), Seed: RecordSeed() + 1, BoardKey: e.BoardSeed,
	})
	if err != nil {
		return nil, err
	}
	fb, err := bulletin.Open(bulletin.Config{Origin: fake.Origin, Signer: fake.Signer, Store: bulletin.NewMemoryStore(), Now: clock})
	if err != nil {
		return nil, err
	}
	defer fb.Close()
	if _, err := fake.Run(ctx, scenario.BoardPoster(fb), scenario.RunOptions{Clients: 1, Revotes: 1, Clock: clock}); err != nil {
		return nil, err
	}
	fabricated := filepath.Join(dir, "fabricated")
	if _, err := bulletin.ExportRecord(ctx, fb.Source(), fabricated, fake.Verifier, fake.Origin); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(fabricated, bulletin.RecordVKey), []byte(fake.BoardVKey+"\n"), 0o644); err != nil {
		return nil, err
	}
	fc := RecordCase{Dir: "fabricated", Expect: vectors.Invalid, Election: fp, Step: "V5",
		Comment: "a complete election made up with the board key alone (its own administrator key, trustees, voters, mix, decryption and result): every other step passes, but it is not the election of the fingerprint given"}
	if err := checkRecord(ctx, fabricated, e, fc); err != nil {
		return nil, err
	}
	cases = append(cases, fc)

	// Another election on the same board key whose ceremony was abandoned
	// after one commitment and restarted (spec/board.md §3.1).
	re, err := scenario.New(scenario.Options{
		Origin: recordOrigin, Trustees: 2, Threshold: 2, Voters: 8,
		Manifest: scenario.Danish(), Seed: RecordSeed() + 2, BoardKey: e.BoardSeed, Restart: true,
	})
	if err != nil {
		return nil, err
	}
	rb, err := bulletin.Open(bulletin.Config{Origin: re.Origin, Signer: re.Signer, Store: bulletin.NewMemoryStore(), Now: clock})
	if err != nil {
		return nil, err
	}
	defer rb.Close()
	if _, err := re.Run(ctx, scenario.BoardPoster(rb), scenario.RunOptions{Clients: 1, Revotes: 1, Clock: clock}); err != nil {
		return nil, err
	}
	restarted := filepath.Join(dir, "restarted")
	if _, err := bulletin.ExportRecord(ctx, rb.Source(), restarted, re.Verifier, re.Origin); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(restarted, bulletin.RecordVKey), []byte(re.BoardVKey+"\n"), 0o644); err != nil {
		return nil, err
	}
	rc := RecordCase{Dir: "restarted", Expect: vectors.Valid, Election: re.Fingerprint().String(),
		Comment: "another election on the same board key, 8 voters, whose trustee ceremony was abandoned after one commitment and restarted with a new setup (a restart entry, spec/board.md §3.1); the fingerprint covers the restart; every step passes and the record is anchored"}
	if err := checkRecord(ctx, restarted, e, rc); err != nil {
		return nil, err
	}
	cases = append(cases, rc)

	keys := verifier.TamperKeys{Board: e.Signer, Admin: e.Admin}
	for _, id := range e.Identities {
		keys.Trustees = append(keys.Trustees, id.SigningKey)
	}
	for _, kind := range verifier.TamperKinds {
		comment, ok := recordComments[kind]
		if !ok {
			return nil, fmt.Errorf("no comment for tamper kind %q", kind)
		}
		d := filepath.Join(dir, kind)
		if err := verifier.CopyRecord(valid, d); err != nil {
			return nil, err
		}
		step, err := verifier.Tamper(d, kind, keys)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		c := RecordCase{Dir: kind, Expect: vectors.Invalid, Election: fp, Step: step, Comment: comment}
		if err := checkRecord(ctx, d, e, c); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// checkRecord verifies the record in dir with the board's real key as c
// expects: every step passes (anchored or not), or c.Step fails first.
func checkRecord(ctx context.Context, dir string, e *scenario.Election, c RecordCase) error {
	opts := verifier.Options{BoardKey: e.BoardKey}
	if c.Election != "" {
		fp, err := bulletin.ParseFingerprint(c.Election)
		if err != nil {
			return err
		}
		opts.Election = &fp
	}
	rep, err := verifier.VerifyDir(ctx, dir, opts)
	if err != nil {
		return err
	}
	f := rep.FirstFailure()
	switch {
	case c.Step == "" && (f != nil || !rep.OK):
		return fmt.Errorf("the valid record fails: %s", rep.Text())
	case c.Step == "" && rep.Anchored != (c.Expect == vectors.Valid):
		return fmt.Errorf("the record is anchored %v, expected %s", rep.Anchored, c.Expect)
	case c.Step != "" && f == nil:
		return fmt.Errorf("the tampered record verifies, expected %s to fail", c.Step)
	case c.Step != "" && f.ID != c.Step:
		return fmt.Errorf("%s fails first (%s), expected %s", f.ID, f.Failure, c.Step)
	}
	return nil
}
