package bulletin_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/internal/scenario"
)

func newElection(t *testing.T, o scenario.Options) *scenario.Election {
	t.Helper()
	e, err := scenario.New(o)
	require.NoError(t, err)
	return e
}

// resultBody is a well-formed result entry body for e that counts
// nothing, which the board refuses once it recounts.
func resultBody(e *scenario.Election) []byte {
	cl := &election.Cleansed{Manifest: e.Manifest, Counts: election.CleanseCounts{Rejected: map[string]int{}}}
	return election.NewReport(cl, nil).ResultJSON()
}

// boardResult is the result b recounts, which it admits.
func boardResult(t *testing.T, b *bulletin.Board) []byte {
	t.Helper()
	r, err := b.Result()
	require.NoError(t, err)
	return r
}

func TestPolicySetupAndCeremony(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 3, Seed: 2})
	other := newElection(t, scenario.Options{Voters: 3, Seed: 3, Origin: "urna.example/other"})
	b := openBoard(t, e, bulletin.NewMemoryStore())

	rejected(t, b, []byte("garbage"), bulletin.ReasonMalformed)
	rejected(t, b, e.ManifestEntry(), bulletin.ReasonOutOfOrder) // before genesis
	rejected(t, b, other.Genesis(), bulletin.ReasonWrongElection)
	// A genesis signed by a key other than the one it names.
	g := &bulletin.Genesis{Admin: other.Admin.Public().(ed25519.PublicKey), Setup: e.Setup.Bytes()}
	forged := bulletin.NewAdminEntry(e.Origin, bulletin.AdminGenesis, g.Bytes(), e.Admin).Bytes()
	rejected(t, b, forged, bulletin.ReasonUnauthorised)
	post(t, b, e.Genesis())
	rejected(t, b, e.Genesis()[:len(e.Genesis())-1], bulletin.ReasonMalformed)
	// Admin entries signed by someone else.
	fake := bulletin.NewAdminEntry(e.Origin, bulletin.AdminPhase, bulletin.PhaseEntryBody(bulletin.PhaseKeyCeremony), other.Admin).Bytes()
	rejected(t, b, fake, bulletin.ReasonUnauthorised)
	// Ceremony entries before the key ceremony phase; skipping a phase.
	rejected(t, b, e.CeremonyEntries[0], bulletin.ReasonPhase)
	rejected(t, b, e.Phase(bulletin.PhaseOpen), bulletin.ReasonOutOfOrder)
	post(t, b, e.Phase(bulletin.PhaseKeyCeremony))
	// Another ceremony's entries.
	rejected(t, b, other.CeremonyEntries[0], bulletin.ReasonWrongElection)
	// The manifest before the ceremony succeeded.
	rejected(t, b, e.ManifestEntry(), bulletin.ReasonOutOfOrder)
	n := len(e.CeremonyEntries)/2 - 1 // the commitments, the round entry opening the shares, the shares
	for _, c := range e.CeremonyEntries[:n+1] {
		post(t, b, c)
	}
	// A commitment after shares were dealt: round 1 is closed. (A second,
	// different commitment of trustee 1 is also an equivocation; the
	// round check comes first.)
	d, err := threshold.NewDealer(e.Setup, e.Identities[0], scenario.Rand(99))
	require.NoError(t, err)
	late, err := d.Commit()
	require.NoError(t, err)
	rejected(t, b, late.Bytes(), bulletin.ReasonOutOfOrder)
	// An identical re-post is idempotent.
	r := post(t, b, e.CeremonyEntries[0])
	require.True(t, r.Existing)
	for _, c := range e.CeremonyEntries[n+1:] {
		post(t, b, c)
	}
	// The manifest must carry the ceremony's key.
	bad := *e.Manifest
	bad.PublicKey = other.Manifest.PublicKey
	rejected(t, b, e.ResultEntry(nil)[:0], bulletin.ReasonMalformed)
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminManifest, bad.JSON(), e.Admin).Bytes(), bulletin.ReasonInvalid)
	// Non-canonical manifest JSON.
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminManifest, append(e.Manifest.JSON(), ' '), e.Admin).Bytes(), bulletin.ReasonMalformed)
	rejected(t, b, e.Phase(bulletin.PhaseOpen), bulletin.ReasonOutOfOrder) // no manifest yet
	post(t, b, e.ManifestEntry())
	rejected(t, b, e.ManifestEntry()[:0], bulletin.ReasonMalformed)
	rejected(t, b, e.Phase(bulletin.PhaseOpen), bulletin.ReasonOutOfOrder) // no credentials yet
	// After the manifest, the ceremony is over.
	rejected(t, b, late.Bytes(), bulletin.ReasonPhase)
	post(t, b, e.CredentialsEntry())
	rejected(t, b, e.CredentialsEntry()[:len(e.CredentialsEntry())-3], bulletin.ReasonMalformed)
	dup := bulletin.NewAdminEntry(e.Origin, bulletin.AdminCredentials,
		election.MarshalPublicList(e.Registrar.PublicList()[:1]), e.Admin).Bytes()
	rejected(t, b, dup, bulletin.ReasonDuplicate)
	post(t, b, e.Phase(bulletin.PhaseOpen))
	rejected(t, b, e.CredentialsEntry()[:0], bulletin.ReasonMalformed)
	rejected(t, b, dup, bulletin.ReasonPhase)
}

func TestPolicyBallots(t *testing.T) {
	for _, policy := range []election.RevotingPolicy{election.RevotingLastCounts, election.RevotingForbid} {
		t.Run(string(policy), func(t *testing.T) {
			m := scenario.Approval1of5()
			m.Revoting = policy
			e := newElection(t, scenario.Options{Voters: 4, Manifest: m, Seed: 4})
			other := newElection(t, scenario.Options{Voters: 4, Manifest: m, Seed: 5})
			b := openBoard(t, e, bulletin.NewMemoryStore())
			ballot, _, _, err := e.Ballot(0, election.Choices{"council": {1}})
			require.NoError(t, err)
			rejected(t, b, ballot, bulletin.ReasonPhase) // not open yet
			setUp(t, e, b)

			first := post(t, b, ballot)
			again := post(t, b, ballot)
			require.True(t, again.Existing)
			require.Equal(t, first.Index, again.Index)

			// Re-vote.
			revote, _, _, err := e.Ballot(0, election.Choices{"council": {2}})
			require.NoError(t, err)
			if policy == election.RevotingForbid {
				rejected(t, b, revote, bulletin.ReasonRevoteForbidden)
			} else {
				post(t, b, revote)
			}
			// Another election's ballot; a credential not on the list.
			foreign, _, _, err := other.Ballot(1, election.Choices{"council": {1}})
			require.NoError(t, err)
			rejected(t, b, foreign, bulletin.ReasonWrongElection)
			stranger, err := election.NewCredential(scenario.Rand(7))
			require.NoError(t, err)
			sb, _, err := election.EncryptBallot(e.Manifest, stranger, election.Choices{"council": {0}}, scenario.Rand(8))
			require.NoError(t, err)
			rejected(t, b, bulletin.BallotEntry(sb.Bytes()), bulletin.ReasonNotEligible)
			// A tampered signature or proof.
			tampered := append([]byte(nil), ballot...)
			tampered[len(tampered)-1] ^= 1
			rejected(t, b, tampered, bulletin.ReasonInvalid)
			_, b1, _, err := e.Ballot(1, election.Choices{"council": {3}})
			require.NoError(t, err)
			enc := b1.Bytes()
			enc[64+64+100] ^= 1 // inside the first 0/1 proof
			_, err = election.ParseBallot(e.Manifest, enc)
			if err == nil {
				rejected(t, b, bulletin.BallotEntry(enc), bulletin.ReasonInvalid)
			} else {
				rejected(t, b, bulletin.BallotEntry(enc), bulletin.ReasonMalformed)
			}
			// Reused randomness: the same random stream for another voter
			// gives the same α values.
			x, _, err := election.EncryptBallot(e.Manifest, e.Credential(2), election.Choices{"council": {4}}, scenario.Rand(77))
			require.NoError(t, err)
			y, _, err := election.EncryptBallot(e.Manifest, e.Credential(3), election.Choices{"council": {4}}, scenario.Rand(77))
			require.NoError(t, err)
			require.True(t, x.Contests[0].Selections[0].C.Alpha.Equal(&y.Contests[0].Selections[0].C.Alpha) == 1)
			post(t, b, bulletin.BallotEntry(x.Bytes()))
			rejected(t, b, bulletin.BallotEntry(y.Bytes()), bulletin.ReasonDuplicate)

			// A challenge spoils its ballot; a cast ballot cannot be challenged.
			entry, cb, op, err := e.Ballot(1, election.Choices{"council": {0}})
			require.NoError(t, err)
			post(t, b, bulletin.ChallengeEntry(cb.Bytes(), op.Bytes()))
			rejected(t, b, entry, bulletin.ReasonChallenged)
			_, _, op2, err := e.Ballot(1, election.Choices{"council": {0}})
			require.NoError(t, err)
			rejected(t, b, bulletin.ChallengeEntry(cb.Bytes(), op2.Bytes()), bulletin.ReasonInvalid) // not its opening
			_, fb, _, err := e.Ballot(0, election.Choices{"council": {1}})
			require.NoError(t, err)
			_ = fb
			_, firstBallot, fo, err := e.Ballot(3, election.Choices{"council": {2}})
			require.NoError(t, err)
			post(t, b, bulletin.BallotEntry(firstBallot.Bytes()))
			rejected(t, b, bulletin.ChallengeEntry(firstBallot.Bytes(), fo.Bytes()), bulletin.ReasonAlreadyCast)

			post(t, b, e.Phase(bulletin.PhaseClosed))
			late, _, _, err := e.Ballot(2, election.Choices{"council": {0}})
			require.NoError(t, err)
			rejected(t, b, late, bulletin.ReasonPhase)
			counts := b.RejectionCounts()
			require.Positive(t, counts[bulletin.ReasonPhase])
			require.Positive(t, counts[bulletin.ReasonDuplicate])
		})
	}
}

func TestPolicyMixAndDecrypt(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 5, Trustees: 3, Threshold: 2, Manifest: scenario.Danish(), Seed: 6})
	b := openBoard(t, e, bulletin.NewMemoryStore())
	setUp(t, e, b)
	r := rand.New(rand.NewPCG(3, 4))
	for v := range 5 {
		entry, _, _, err := e.Ballot(v, e.RandomChoices(r))
		require.NoError(t, err)
		post(t, b, entry)
	}
	post(t, b, e.Phase(bulletin.PhaseClosed))
	post(t, b, e.OverridesEntry(4))
	require.True(t, post(t, b, e.OverridesEntry(4)).Existing)
	rejected(t, b, e.OverridesEntry(3, 4), bulletin.ReasonDuplicate)
	rejected(t, b, e.Phase(bulletin.PhaseDecrypting), bulletin.ReasonOutOfOrder)
	post(t, b, e.Phase(bulletin.PhaseMixing))
	require.Equal(t, []string{"council"}, b.MixContests())
	in, pos, err := b.MixInput("council")
	require.NoError(t, err)
	require.Len(t, in, 4)                                                        // voter 5 overridden
	rejected(t, b, e.Phase(bulletin.PhaseDecrypting), bulletin.ReasonOutOfOrder) // not mixed
	st, err := e.MixStage(1, pos, in)
	require.NoError(t, err)
	// A stage signed by a non-mixer: re-sign with a foreign key by
	// flipping the signature.
	bad := append([]byte(nil), st...)
	bad[len(bad)-1] ^= 1
	rejected(t, b, bad, bulletin.ReasonUnauthorised)
	post(t, b, st)
	// One stage is not enough at threshold 2.
	rejected(t, b, e.Phase(bulletin.PhaseDecrypting), bulletin.ReasonOutOfOrder)
	// The same mixer again; a stage of a stale list.
	in2, pos2, err := b.MixInput("council")
	require.NoError(t, err)
	again, err := e.MixStage(1, pos2, in2)
	require.NoError(t, err)
	rejected(t, b, again, bulletin.ReasonDuplicate)
	stale, err := e.MixStage(2, pos, in)
	require.NoError(t, err)
	rejected(t, b, stale, bulletin.ReasonInvalid)
	st2, err := e.MixStage(2, pos2, in2)
	require.NoError(t, err)
	post(t, b, st2)
	// Shares before decrypting.
	junk, err := e.DecryptionShares(1, []elgamal.Ciphertext{in[0][0]})
	require.NoError(t, err)
	rejected(t, b, junk, bulletin.ReasonPhase)
	post(t, b, e.Phase(bulletin.PhaseDecrypting))
	// Shares of a list that is not to be decrypted (a single ballot).
	rejected(t, b, junk, bulletin.ReasonInvalid)
	rejected(t, b, e.ResultEntry(resultBody(e)), bulletin.ReasonOutOfOrder)
	for _, l := range b.DecryptionLists() {
		sh, err := e.DecryptionShares(1, l.Ciphertexts)
		require.NoError(t, err)
		post(t, b, sh)
		// A different entry of trustee 1 for the same list.
		sh2, err := e.DecryptionShares(1, l.Ciphertexts)
		require.NoError(t, err)
		rejected(t, b, sh2, bulletin.ReasonDuplicate)
		sh3, err := e.DecryptionShares(3, l.Ciphertexts)
		require.NoError(t, err)
		post(t, b, sh3)
	}
	rejected(t, b, e.ResultEntry([]byte(`not json`)), bulletin.ReasonMalformed)
	// Strict decoding (spec/result.md): duplicate, unknown and missing
	// members, counts that are not integers, and other serialisations of
	// a valid result are malformed, and the detail names the member.
	good := string(boardResult(t, b))
	accepted := regexp.MustCompile(`"ballots_accepted": [0-9]+,`).FindString(good)
	require.NotEmpty(t, accepted)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, []byte(good)))
	for bad, detail := range map[string]string{
		strings.Replace(good, accepted, accepted+` "ballots_accepted": 7,`, 1):        "result: ballots_accepted: duplicate member",
		strings.Replace(good, accepted, accepted+` "spoilt": 0,`, 1):                  "result: spoilt: unknown member",
		strings.Replace(good, accepted, ``, 1):                                        "result: ballots_accepted: missing member",
		strings.Replace(good, accepted, `"ballots_accepted": 4.0000000000000001,`, 1): "result: ballots_accepted: not an integer: 4.0000000000000001 has a fraction",
		strings.Replace(good, accepted, `"ballots_accepted": 4e0,`, 1):                "result: ballots_accepted: not an integer in canonical form: 4e0 has an exponent",
		compact.String(): "result: not in canonical form (post Report.ResultJSON, spec/result.md)",
		`{}`:             "result: election: missing member",
	} {
		require.NotEqual(t, good, bad)
		_, err := b.Submit(context.Background(), e.ResultEntry([]byte(bad)))
		var rej *bulletin.RejectError
		require.ErrorAs(t, err, &rej, detail)
		require.Equal(t, bulletin.ReasonMalformed, rej.Reason, detail)
		require.Equal(t, detail, rej.Detail)
	}
	// A canonical result with other counts than the board's is invalid:
	// the board recounts (spec/board.md §4.1), as the verifier's V13 does.
	_, err = b.Submit(context.Background(), e.ResultEntry(resultBody(e)))
	var rej *bulletin.RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, bulletin.ReasonInvalid, rej.Reason)
	require.Contains(t, rej.Detail, "the board recounts")
	post(t, b, e.ResultEntry([]byte(good)))
	post(t, b, e.Phase(bulletin.PhasePublished))
	rejected(t, b, e.ResultEntry([]byte(`{"x":1}`)), bulletin.ReasonPhase)
	rejected(t, b, e.Phase(bulletin.PhasePublished+1), bulletin.ReasonOutOfOrder)
}

func TestPolicyNoBallots(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 2, Manifest: scenario.Danish(), Seed: 9})
	b := openBoard(t, e, bulletin.NewMemoryStore())
	setUp(t, e, b)
	for _, p := range []bulletin.Phase{bulletin.PhaseClosed, bulletin.PhaseMixing, bulletin.PhaseDecrypting} {
		post(t, b, e.Phase(p))
	}
	require.Empty(t, b.MixContests())
	require.Empty(t, b.DecryptionLists())
	post(t, b, e.ResultEntry(boardResult(t, b)))
	post(t, b, e.Phase(bulletin.PhasePublished))
}

// TestPolicyCeremonyRounds: each trustee entry kind only in its round of
// the ceremony, rounds opened one at a time by the administrator, and the
// manifest only once the ceremony is closed (spec/board.md §3.1).
func TestPolicyCeremonyRounds(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 3, Seed: 12})
	b := openBoard(t, e, bulletin.NewMemoryStore())
	post(t, b, e.Genesis())
	rejected(t, b, e.Round(bulletin.RoundShares), bulletin.ReasonPhase)
	post(t, b, e.Phase(bulletin.PhaseKeyCeremony))
	// e.CeremonyEntries: c1 c2 [shares] s1 s2 [complaints] [responses] [closed].
	c1, c2, sh, s1, s2 := e.CeremonyEntries[0], e.CeremonyEntries[1], e.CeremonyEntries[2], e.CeremonyEntries[3], e.CeremonyEntries[4]
	rejected(t, b, s1, bulletin.ReasonOutOfOrder) // shares in round 1
	rejected(t, b, e.Round(bulletin.RoundComplaints), bulletin.ReasonOutOfOrder)
	rejected(t, b, e.Round(bulletin.RoundClosed), bulletin.ReasonOutOfOrder)
	post(t, b, c1)
	post(t, b, sh)
	rejected(t, b, c2, bulletin.ReasonOutOfOrder) // round 1 is closed
	post(t, b, s1)
	rejected(t, b, e.ManifestEntry(), bulletin.ReasonOutOfOrder)
	post(t, b, e.Round(bulletin.RoundComplaints))
	rejected(t, b, s2, bulletin.ReasonOutOfOrder) // round 2 is closed
	post(t, b, e.Round(bulletin.RoundResponses))
	post(t, b, e.Round(bulletin.RoundClosed))
	rejected(t, b, e.Round(bulletin.RoundClosed+1), bulletin.ReasonOutOfOrder)
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminRound, []byte{3, 4}, e.Admin).Bytes(), bulletin.ReasonMalformed)
	// Only trustee 1 dealt: the ceremony fails (2 of 2 needed), so the
	// manifest is refused all the same.
	rejected(t, b, e.ManifestEntry(), bulletin.ReasonOutOfOrder)
}

// TestPolicyRestart: the administrator abandons a ceremony and starts a
// new one with another setup (spec/board.md §3.1); the old ceremony's
// entries no longer count, and no restart follows the manifest.
func TestPolicyRestart(t *testing.T) {
	e := newElection(t, scenario.Options{Voters: 3, Seed: 13, Restart: true})
	b := openBoard(t, e, bulletin.NewMemoryStore())
	post(t, b, e.Genesis())
	restart := e.CeremonyEntries[1]
	rejected(t, b, restart, bulletin.ReasonPhase) // not before the key ceremony
	post(t, b, e.Phase(bulletin.PhaseKeyCeremony))
	old := e.CeremonyEntries[0] // a commitment of the first ceremony
	post(t, b, old)
	post(t, b, restart)
	// The first ceremony's setup again: refused.
	r := post(t, b, restart) // the same entry again: idempotent
	require.True(t, r.Existing)
	g, err := bulletin.ParseAdminEntry(e.Genesis())
	require.NoError(t, err)
	gen, err := bulletin.ParseGenesis(g.Body)
	require.NoError(t, err)
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminRestart, gen.Setup, e.Admin).Bytes(), bulletin.ReasonInvalid)
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminRestart, []byte("junk"), e.Admin).Bytes(), bulletin.ReasonMalformed)
	// A commitment of the abandoned ceremony is another election's now.
	d, err := threshold.NewDealer(&threshold.Setup{Threshold: e.Setup.Threshold, Election: append([]byte("abandoned: "), e.Setup.Election...), Trustees: e.Setup.Trustees}, e.Identities[1], scenario.Rand(5))
	require.NoError(t, err)
	c, err := d.Commit()
	require.NoError(t, err)
	rejected(t, b, c.Bytes(), bulletin.ReasonWrongElection)
	for _, en := range e.CeremonyEntries[2:] {
		post(t, b, en)
	}
	post(t, b, e.ManifestEntry())
	third := *e.Setup
	third.Election = []byte("a third ceremony")
	rejected(t, b, bulletin.NewAdminEntry(e.Origin, bulletin.AdminRestart, third.Bytes(), e.Admin).Bytes(), bulletin.ReasonOutOfOrder)
}
