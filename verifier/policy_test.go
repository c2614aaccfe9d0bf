package verifier_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/verifier"
)

// boardAdmits replays entries through a fresh board: true if the board
// admits every one of them, each as a new entry, and ends published.
func boardAdmits(t *testing.T, e *scenario.Election, entries [][]byte) (bool, string) {
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: bulletin.NewMemoryStore()})
	require.NoError(t, err)
	defer b.Close()
	for i, entry := range entries {
		r, err := b.Submit(context.Background(), entry)
		if err != nil {
			return false, fmt.Sprintf("entry %d: %v", i, err)
		}
		if r.Existing {
			return false, fmt.Sprintf("entry %d: already on the board as entry %d", i, r.Index)
		}
	}
	if b.Phase() != bulletin.PhasePublished {
		return false, fmt.Sprintf("ends in phase %s", b.Phase())
	}
	return true, ""
}

// TestPolicyDifferential drives the board and the verifier over the same
// logs and requires the same verdict: every entry type, in every phase,
// and every precondition of every phase move, by moving, dropping and
// repeating each entry of a real election's log, and by inserting
// complaints and responses (which the election has none of) in every
// phase. A log verifies exactly when the board would have admitted every
// entry of it (spec/board.md §1).
func TestPolicyDifferential(t *testing.T) {
	f := buildFixture(t, 4)
	rec, err := bulletin.ReadRecord(f.dir)
	require.NoError(t, err)
	var log [][]byte
	var phaseStarts []int // index of the first entry of each phase
	for i := range rec.Size() {
		entry := rec.Entry(i)
		log = append(log, entry)
		if a, err := bulletin.ParseAdminEntry(entry); err == nil && a.Kind == bulletin.AdminPhase {
			phaseStarts = append(phaseStarts, int(i)+1)
		}
	}
	require.Len(t, phaseStarts, 6)
	ok, why := boardAdmits(t, f.e, log)
	require.True(t, ok, why)

	// Entries the election has none of: a complaint and a response.
	complaint := &threshold.Entry{Type: threshold.TypeComplaint, Ceremony: f.e.Setup.Hash(), Sender: 1,
		Body: []byte{0, 0, 0, 2, threshold.ReasonFeldman}}
	complaint.Sign(f.e.Identities[0].SigningKey)
	response := &threshold.Entry{Type: threshold.TypeResponse, Ceremony: f.e.Setup.Hash(), Sender: 2,
		Body: binary.BigEndian.AppendUint32(nil, 1)}
	response.Body = append(response.Body, make([]byte, 32)...)
	response.Sign(f.e.Identities[1].SigningKey)

	type mutation struct {
		name    string
		entries [][]byte
	}
	var muts []mutation
	without := func(i int) [][]byte {
		return append(append([][]byte{}, log[:i]...), log[i+1:]...)
	}
	insert := func(l [][]byte, at int, e []byte) [][]byte {
		out := append([][]byte{}, l[:at]...)
		out = append(out, e)
		return append(out, l[at:]...)
	}
	targets := append([]int{1}, phaseStarts...)
	for i := range log {
		muts = append(muts, mutation{fmt.Sprintf("drop %d", i), without(i)})
		muts = append(muts, mutation{fmt.Sprintf("repeat %d", i), insert(log, i+1, log[i])})
		for _, to := range targets {
			if to == i || to == i+1 {
				continue
			}
			at := to
			if to > i {
				at--
			}
			muts = append(muts, mutation{fmt.Sprintf("move %d to %d", i, to), insert(without(i), at, log[i])})
		}
	}
	for _, to := range targets {
		muts = append(muts, mutation{fmt.Sprintf("complaint at %d", to), insert(log, to, complaint.Bytes())})
		muts = append(muts, mutation{fmt.Sprintf("response at %d", to), insert(log, to, response.Bytes())})
	}
	twice := insert(insert(log, phaseStarts[0], complaint.Bytes()), phaseStarts[0], complaint.Bytes())
	muts = append(muts, mutation{"the same complaint twice", twice})

	// Entries with other contents: decryption shares of a list that is
	// not to be decrypted, an empty credentials list, and overrides that
	// cancel every e-vote (so nothing is left to decrypt).
	var one elgamal.Scalar
	one.SetUint64(1)
	junk, err := f.e.DecryptionShares(1, []elgamal.Ciphertext{*f.e.Result.PublicKey.EncryptIntWithNonce(0, &one)})
	require.NoError(t, err)
	empty := bulletin.NewAdminEntry(f.e.Origin, bulletin.AdminCredentials, nil, f.e.Admin).Bytes()
	// Trustee entries whose signature does not verify.
	badShares := append([]byte{}, junk...)
	badShares[len(badShares)-1] ^= 1
	badComplaint := complaint.Bytes()
	badComplaint[len(badComplaint)-1] ^= 1
	for _, to := range targets {
		muts = append(muts, mutation{fmt.Sprintf("junk-list shares at %d", to), insert(log, to, junk)})
		muts = append(muts, mutation{fmt.Sprintf("empty credentials at %d", to), insert(log, to, empty)})
		muts = append(muts, mutation{fmt.Sprintf("unsigned shares at %d", to), insert(log, to, badShares)})
		muts = append(muts, mutation{fmt.Sprintf("unsigned complaint at %d", to), insert(log, to, badComplaint)})
	}
	muts = append(muts, mutation{"everyone overridden", insert(log, phaseStarts[2], f.e.OverridesEntry(0, 1, 2))})

	// Each administrator, trustee and stage entry with one byte of its
	// body changed (first, middle, last), re-signed with the key that
	// signed it: what its signer could post instead.
	for i, entry := range log {
		for _, at := range []string{"first", "middle", "last"} {
			flip := func(body []byte) []byte {
				b := append([]byte{}, body...)
				k := map[string]int{"first": 0, "middle": len(b) / 2, "last": len(b) - 1}[at]
				b[k] ^= 0x01
				return b
			}
			var changed []byte
			switch ty, _ := bulletin.EntryType(entry); {
			case ty == bulletin.TypeAdmin:
				a, err := bulletin.ParseAdminEntry(entry)
				require.NoError(t, err)
				changed = bulletin.NewAdminEntry(f.e.Origin, a.Kind, flip(a.Body), f.e.Admin).Bytes()
			case ty >= 1 && ty <= 5:
				en, err := threshold.ParseEntry(f.e.Setup, entry)
				require.NoError(t, err)
				en.Body = flip(en.Body)
				en.Sign(f.e.Identities[en.Sender-1].SigningKey)
				changed = en.Bytes()
			case ty == bulletin.TypeStage:
				raw := flip(entry[bulletin.EntryHeaderSize:])
				st, err := mixnet.ParseStage(append(append([]byte{}, entry[:bulletin.EntryHeaderSize]...), raw...))
				if err != nil {
					continue // does not decode: nothing to re-sign
				}
				changed = st.SignAndEncode(f.e.Identities[st.Mixer-1].SigningKey)
			default:
				continue
			}
			l := append([][]byte{}, log...)
			l[i] = changed
			muts = append(muts, mutation{fmt.Sprintf("entry %d %s byte changed, re-signed", i, at), l})
		}
	}

	fp := f.e.Fingerprint()
	base := t.TempDir()
	agreeInvalid, agreeValid := 0, 0
	for k, m := range muts {
		boardOK, why := boardAdmits(t, f.e, m.entries)
		dir := filepath.Join(base, fmt.Sprint(k))
		require.NoError(t, verifier.CopyRecord(f.dir, dir))
		require.NoError(t, verifier.RewriteLog(dir, m.entries, f.e.Signer))
		rep, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey, Election: &fp})
		require.NoError(t, err)
		verdict := "passes"
		if ff := rep.FirstFailure(); ff != nil {
			verdict = fmt.Sprintf("fails %s: %s", ff.ID, ff.Failure)
		}
		require.Equal(t, boardOK, rep.OK, "%s: the board %s (%s), the verifier %s", m.name,
			map[bool]string{true: "admits every entry", false: "refuses"}[boardOK], why, verdict)
		// --keep-going reaches the same verdict, first at the same step.
		kg, err := verifier.VerifyDir(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey, Election: &fp, KeepGoing: true})
		require.NoError(t, err)
		require.Equal(t, rep.OK, kg.OK, m.name)
		if ff := rep.FirstFailure(); ff != nil {
			require.Equal(t, ff.ID, kg.FirstFailure().ID, m.name)
		}
		if boardOK {
			agreeValid++
		} else {
			agreeInvalid++
		}
	}
	t.Logf("%d logs: %d valid and %d invalid for both", len(muts), agreeValid, agreeInvalid)
}
