package verifier

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
)

// TamperKeys are the keys Tamper re-signs what it changes with, so that
// the tampering is caught by the check it targets and not by a signature.
type TamperKeys struct {
	Board    note.Signer          // the board's checkpoint key
	Admin    ed25519.PrivateKey   // the administrator key
	Trustees []ed25519.PrivateKey // the trustees' signing keys, in setup order
}

// TamperKinds lists the tamperings Tamper knows, for negative test
// vectors.
var TamperKinds = []string{
	"changed-ballot", "dropped-ballot", "swapped-mix-output", "bad-decryption-share",
	"wrong-tally", "forked-checkpoint", "wrong-key-checkpoint",
	"result-before-shares", "wrong-origin", "malformed-credentials",
	"junk-opening", "duplicate-member-result", "fractional-count", "reformatted-result",
}

// Tamper rewrites the election record in dir (a copy: it is changed in
// place) with one kind of tampering, re-signing what it changes, and
// returns the verification step expected to fail (spec/verify.md):
//
//	changed-ballot        a byte of a ballot's first proof flipped          V7
//	dropped-ballot        a counted ballot removed from the log             V9 (V10 without homomorphic contests)
//	swapped-mix-output    two outputs of the first mix stage swapped,
//	                      re-signed by its mixer                            V10
//	bad-decryption-share  a decryption share replaced, re-signed by its
//	                      trustee                                           V11
//	wrong-tally           a vote added in the result, re-signed by the
//	                      administrator                                     V13
//	duplicate-member-result
//	                      the result's first "votes" member preceded by
//	                      another one higher, re-signed                     V13
//	fractional-count      the result's first "votes" written as
//	                      N.0000000000000001, re-signed                     V13
//	reformatted-result    the same result as compact JSON, re-signed        V13
//	forked-checkpoint     a second checkpoint of the same size with another
//	                      root, signed by the board, in DIR/checkpoints/    V2
//	wrong-key-checkpoint  the checkpoint re-signed by another key of the
//	                      board's name                                      V1
//	result-before-shares  the result entry moved before the first
//	                      decryption-shares entry                           V3
//	wrong-origin          the checkpoint re-signed by the board key for
//	                      another origin                                    V1
//	malformed-credentials the last credential of the credentials entry
//	                      repeated, re-signed by the administrator          V6
//	junk-opening          the first challenge's opening keeps its ballot's
//	                      hash but reveals other scalars                    V7
//
// It is for tests and test vectors: it is not part of verification.
func Tamper(dir string, kind string, keys TamperKeys) (string, error) {
	rec, err := bulletin.ReadRecord(dir)
	if err != nil {
		return "", err
	}
	origin, err := checkpointOrigin(rec.Checkpoint)
	if err != nil {
		return "", err
	}
	t := &tamperer{dir: dir, rec: rec, origin: origin, keys: keys}
	for i := range rec.Size() {
		t.entries = append(t.entries, rec.Entry(i))
	}
	var step string
	switch kind {
	case "changed-ballot":
		step, err = t.changedBallot()
	case "dropped-ballot":
		step, err = t.droppedBallot()
	case "swapped-mix-output":
		step, err = t.swappedMix()
	case "bad-decryption-share":
		step, err = t.badShare()
	case "wrong-tally":
		step, err = t.wrongTally()
	case "duplicate-member-result":
		step, err = t.resultText(func(n int) string { return fmt.Sprintf(`"votes": %d, "votes": %d`, n+1, n) })
	case "fractional-count":
		step, err = t.resultText(func(n int) string { return fmt.Sprintf(`"votes": %d.0000000000000001`, n) })
	case "reformatted-result":
		step, err = t.reformattedResult()
	case "forked-checkpoint":
		return t.forked()
	case "wrong-key-checkpoint":
		return t.wrongKey()
	case "result-before-shares":
		step, err = t.resultBeforeShares()
	case "wrong-origin":
		return t.wrongOrigin()
	case "malformed-credentials":
		step, err = t.malformedCredentials()
	case "junk-opening":
		step, err = t.junkOpening()
	default:
		return "", fmt.Errorf("verifier: tamper: unknown kind %q", kind)
	}
	if err != nil {
		return "", err
	}
	return step, t.write()
}

type tamperer struct {
	dir     string
	rec     *bulletin.ElectionRecord
	origin  string
	keys    TamperKeys
	entries [][]byte
}

func checkpointOrigin(signed []byte) (string, error) {
	for i, c := range signed {
		if c == '\n' {
			return string(signed[:i]), nil
		}
	}
	return "", errors.New("verifier: tamper: malformed checkpoint")
}

func (t *tamperer) find(typ byte) int {
	for i, e := range t.entries {
		if ty, _ := bulletin.EntryType(e); ty == typ {
			return i
		}
	}
	return -1
}

func (t *tamperer) admin(kind bulletin.AdminKind) (int, *bulletin.AdminEntry) {
	for i, e := range t.entries {
		if a, err := bulletin.ParseAdminEntry(e); err == nil && a.Kind == kind {
			return i, a
		}
	}
	return -1, nil
}

func (t *tamperer) setup() (*threshold.Setup, error) {
	_, a := t.admin(bulletin.AdminGenesis)
	if a == nil {
		return nil, errors.New("verifier: tamper: no genesis entry")
	}
	g, err := bulletin.ParseGenesis(a.Body)
	if err != nil {
		return nil, err
	}
	return threshold.ParseSetup(g.Setup)
}

func (t *tamperer) manifest() (*election.Manifest, error) {
	_, a := t.admin(bulletin.AdminManifest)
	if a == nil {
		return nil, errors.New("verifier: tamper: no manifest entry")
	}
	return election.ParseManifest(a.Body)
}

func (t *tamperer) changedBallot() (string, error) {
	i := t.find(bulletin.TypeBallot)
	if i < 0 {
		return "", errors.New("verifier: tamper: no ballot")
	}
	e := append([]byte(nil), t.entries[i]...)
	// header, election hash, credential, first ciphertext, then a byte
	// inside the first proof.
	e[bulletin.EntryHeaderSize+64+elgamal.CiphertextSize+40] ^= 0x01
	t.entries[i] = e
	return "V7", nil
}

func (t *tamperer) droppedBallot() (string, error) {
	m, err := t.manifest()
	if err != nil {
		return "", err
	}
	overridden := map[[32]byte]bool{}
	for _, e := range t.entries {
		if a, err := bulletin.ParseAdminEntry(e); err == nil && a.Kind == bulletin.AdminOverrides {
			list, _ := election.ParsePublicList(a.Body)
			for _, p := range list {
				overridden[p] = true
			}
		}
	}
	// The last ballot of a credential that is not overridden counts.
	for i := len(t.entries) - 1; i >= 0; i-- {
		e := t.entries[i]
		if ty, _ := bulletin.EntryType(e); ty != bulletin.TypeBallot {
			continue
		}
		if overridden[[32]byte(e[bulletin.EntryHeaderSize+32:])] {
			continue
		}
		t.entries = append(t.entries[:i], t.entries[i+1:]...)
		if len(election.AggregateLayout(m)) > 0 {
			return "V9", nil
		}
		return "V10", nil
	}
	return "", errors.New("verifier: tamper: no counted ballot")
}

func (t *tamperer) swappedMix() (string, error) {
	i := t.find(bulletin.TypeStage)
	if i < 0 {
		return "", errors.New("verifier: tamper: no mix stage")
	}
	st, err := mixnet.ParseStage(t.entries[i])
	if err != nil {
		return "", err
	}
	if len(st.Output) < 2 {
		return "", errors.New("verifier: tamper: the first mix stage has fewer than 2 outputs")
	}
	if int(st.Mixer) > len(t.keys.Trustees) {
		return "", fmt.Errorf("verifier: tamper: no key for mixer %d", st.Mixer)
	}
	st.Output[0], st.Output[1] = st.Output[1], st.Output[0]
	t.entries[i] = st.SignAndEncode(t.keys.Trustees[st.Mixer-1])
	return "V10", nil
}

func (t *tamperer) badShare() (string, error) {
	s, err := t.setup()
	if err != nil {
		return "", err
	}
	i := t.find(byte(threshold.TypeDecryptionShares))
	if i < 0 {
		return "", errors.New("verifier: tamper: no decryption shares")
	}
	en, err := threshold.ParseEntry(s, t.entries[i])
	if err != nil {
		return "", err
	}
	body, err := threshold.ParseDecryptionSharesBody(en.Body)
	if err != nil {
		return "", err
	}
	if int(en.Sender) > len(t.keys.Trustees) {
		return "", fmt.Errorf("verifier: tamper: no key for trustee %d", en.Sender)
	}
	body.Shares[0].Add(&body.Shares[0], elgamal.NewGeneratorElement())
	en.Body = body.Bytes()
	en.Sign(t.keys.Trustees[en.Sender-1])
	t.entries[i] = en.Bytes()
	return "V11", nil
}

func (t *tamperer) wrongTally() (string, error) {
	i, a := t.admin(bulletin.AdminResult)
	if a == nil {
		return "", errors.New("verifier: tamper: no result entry")
	}
	rep, err := election.ParseResult(a.Body)
	if err != nil {
		return "", err
	}
	changed := false
	for c := range rep.Contests {
		cr := &rep.Contests[c]
		if len(cr.Options) > 0 {
			cr.Options[0].Votes++
			changed = true
			break
		}
		if len(cr.Lists) > 0 {
			cr.Lists[0].ListVotes++
			cr.Lists[0].Total++
			changed = true
			break
		}
	}
	if !changed {
		rep.Accepted++
	}
	t.entries[i] = bulletin.NewAdminEntry(t.origin, bulletin.AdminResult, rep.ResultJSON(), t.keys.Admin).Bytes()
	return "V13", nil
}

func (t *tamperer) reformattedResult() (string, error) {
	i, a := t.admin(bulletin.AdminResult)
	if a == nil {
		return "", errors.New("verifier: tamper: no result entry")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, a.Body); err != nil {
		return "", err
	}
	t.entries[i] = bulletin.NewAdminEntry(t.origin, bulletin.AdminResult, b.Bytes(), t.keys.Admin).Bytes()
	return "V13", nil
}

var firstVotes = regexp.MustCompile(`"votes": ([0-9]+)`)

// resultText rewrites the first "votes" member of the result's text
// with repl of its value, and re-signs the entry.
func (t *tamperer) resultText(repl func(int) string) (string, error) {
	i, a := t.admin(bulletin.AdminResult)
	if a == nil {
		return "", errors.New("verifier: tamper: no result entry")
	}
	loc := firstVotes.FindSubmatchIndex(a.Body)
	if loc == nil {
		return "", errors.New("verifier: tamper: no votes in the result")
	}
	n, err := strconv.Atoi(string(a.Body[loc[2]:loc[3]]))
	if err != nil {
		return "", err
	}
	body := append(append(append([]byte(nil), a.Body[:loc[0]]...), repl(n)...), a.Body[loc[1]:]...)
	t.entries[i] = bulletin.NewAdminEntry(t.origin, bulletin.AdminResult, body, t.keys.Admin).Bytes()
	return "V13", nil
}

func (t *tamperer) forked() (string, error) {
	h := tlog.Hash(sha256.Sum256([]byte("urna/v1/verifier/tamper/fork")))
	text, err := bulletin.FormatCheckpoint(t.origin, tlog.Tree{N: t.rec.Size(), Hash: h})
	if err != nil {
		return "", err
	}
	signed, err := note.Sign(&note.Note{Text: string(text)}, t.keys.Board)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(t.dir, CheckpointsDir), 0o755); err != nil {
		return "", err
	}
	return "V2", os.WriteFile(filepath.Join(t.dir, CheckpointsDir, "forked"), signed, 0o644)
}

func (t *tamperer) wrongKey() (string, error) {
	seed := sha256.Sum256([]byte("urna/v1/verifier/tamper/wrong-key"))
	signer, err := bulletin.NewBoardSigner(t.keys.Board.Name(), ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		return "", err
	}
	return "V1", t.writeCheckpoint(signer)
}

func (t *tamperer) resultBeforeShares() (string, error) {
	i, _ := t.admin(bulletin.AdminResult)
	j := t.find(byte(threshold.TypeDecryptionShares))
	if i < 0 || j < 0 || j > i {
		return "", errors.New("verifier: tamper: no result after decryption shares")
	}
	r := t.entries[i]
	copy(t.entries[j+1:i+1], t.entries[j:i])
	t.entries[j] = r
	return "V3", nil
}

func (t *tamperer) wrongOrigin() (string, error) {
	t.origin += "/other"
	return "V1", t.writeCheckpoint(t.keys.Board)
}

func (t *tamperer) malformedCredentials() (string, error) {
	i, a := t.admin(bulletin.AdminCredentials)
	if a == nil {
		return "", errors.New("verifier: tamper: no credentials entry")
	}
	// Not strictly ascending any more: the list does not decode.
	body := append(a.Body, a.Body[len(a.Body)-election.CredentialPublicSize:]...)
	t.entries[i] = bulletin.NewAdminEntry(t.origin, bulletin.AdminCredentials, body, t.keys.Admin).Bytes()
	return "V6", nil
}

// RewriteLog replaces the log of the record in dir with entries (their
// blobs written as needed) and signs its checkpoint with board, for tests
// that tamper with a record in their own way.
func RewriteLog(dir string, entries [][]byte, board note.Signer) error {
	t := &tamperer{dir: dir, origin: board.Name(), keys: TamperKeys{Board: board}, entries: entries}
	return t.write()
}

// write rewrites log.entries (and blobs) from t.entries and re-signs the
// checkpoint with the board key.
func (t *tamperer) write() error {
	var buf []byte
	for _, e := range t.entries {
		leaf := bulletin.LeafFor(e)
		if len(leaf) != len(e) {
			h := sha256.Sum256(e)
			if err := os.WriteFile(filepath.Join(t.dir, bulletin.RecordBlobs, hex.EncodeToString(h[:])), e, 0o644); err != nil {
				return err
			}
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(leaf)))
		buf = append(buf, leaf...)
	}
	if err := os.WriteFile(filepath.Join(t.dir, bulletin.RecordLog), buf, 0o644); err != nil {
		return err
	}
	return t.writeCheckpoint(t.keys.Board)
}

func (t *tamperer) writeCheckpoint(signer note.Signer) error {
	var tb bulletin.TreeBuilder
	for _, e := range t.entries {
		if err := tb.Add(bulletin.LeafFor(e)); err != nil {
			return err
		}
	}
	root, err := tb.Root()
	if err != nil {
		return err
	}
	text, err := bulletin.FormatCheckpoint(t.origin, tlog.Tree{N: tb.Size(), Hash: root})
	if err != nil {
		return err
	}
	signed, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(t.dir, bulletin.RecordCheckpoint), signed, 0o644)
}

// CopyRecord copies the record directory src to dst, which must not exist
// or be empty, so that Tamper can change the copy.
func CopyRecord(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

// junkOpening replaces every scalar of the first challenge's opening by a
// junk one derived from a fixed label, keeping the opening's hash: the
// opening still names its ballot but does not open it. The board would
// refuse such a challenge (bad-opening); V7 must catch it in a record.
func (t *tamperer) junkOpening() (string, error) {
	m, err := t.manifest()
	if err != nil {
		return "", err
	}
	i := t.find(bulletin.TypeChallenge)
	if i < 0 {
		return "", errors.New("verifier: tamper: no challenge")
	}
	size, err := election.BallotSize(m)
	if err != nil {
		return "", err
	}
	e := append([]byte(nil), t.entries[i]...)
	op := e[bulletin.EntryHeaderSize+size:]
	if len(op) < 32 || (len(op)-32)%elgamal.ScalarSize != 0 {
		return "", fmt.Errorf("verifier: tamper: challenge entry %d: opening of %d bytes", i, len(op))
	}
	for k := 0; 32+k*elgamal.ScalarSize < len(op); k++ {
		r := elgamal.HashToScalar("urna/v1/verifier/tamper/junk-opening", binary.BigEndian.AppendUint32(nil, uint32(k)))
		copy(op[32+k*elgamal.ScalarSize:], r.Bytes())
	}
	t.entries[i] = e
	return "V7", nil
}
