package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/vectors"
	"github.com/urnavote/urna/zkp"
)

// Ballot vectors (spec/ballot.md): encrypted, signed ballots for a small
// manifest and the openings of the Benaloh challenge. Everything random
// (the election key, the credentials, the encryption randomness and the
// proof nonces) comes from the family's seeded stream, read in that
// order; Ed25519 signatures are deterministic. An implementation that
// encrypts with the same randomness in the same order reproduces the
// ballots byte for byte.

// ballotManifest is the vectors' manifest: a referendum, a 1-of-5
// approval and a ranked contest counted by the mixnet, under a key from
// the seed.
func ballotManifest(pk *elgamal.PublicKey) *election.Manifest {
	opts := func(ids ...string) []election.Option {
		var out []election.Option
		for _, id := range ids {
			out = append(out, election.Option{ID: id, Label: strings.ToUpper(id[:1]) + id[1:]})
		}
		return out
	}
	m := &election.Manifest{
		Version:   1,
		ID:        "vectors-2026",
		Title:     "Test vector election",
		PublicKey: hx(pk.Bytes()),
		Revoting:  election.RevotingForbid,
		Contests: []election.Contest{
			{ID: "bridge", Title: "Build the bridge?", Kind: election.Referendum, Tally: election.Homomorphic, Min: 0, Max: 1, Options: opts("yes", "no")},
			{ID: "mascot", Title: "Choose a mascot", Kind: election.Approval, Tally: election.Homomorphic, Min: 0, Max: 1, Options: opts("owl", "fox", "heron", "badger", "otter")},
			{ID: "board", Title: "Rank the board candidates", Kind: election.Ranked, Tally: election.Mixnet, Min: 0, Max: 3, Options: opts("ada", "ben", "cai", "dora")},
		},
	}
	check(m.Validate())
	return m
}

// manifestText is the manifest's canonical JSON (spec/manifest.md §1.1),
// the exact bytes of a manifest entry.
func manifestText(m *election.Manifest) string { return string(m.JSON()) }

func choicesText(ch election.Choices) string {
	b, err := json.Marshal(ch)
	check(err)
	return string(b)
}

// signer returns the Ed25519 key of a credential, to re-sign mutated
// ballots.
func signer(cred *election.Credential) ed25519.PrivateKey {
	text := strings.TrimSuffix(strings.TrimPrefix(string(cred.Bytes()), election.CredentialPrefix), "\n")
	seed, err := base64.RawURLEncoding.DecodeString(text)
	check(err)
	return ed25519.NewKeyFromSeed(seed)
}

// resign replaces the credential and signature of an encoded ballot.
func resign(b []byte, priv ed25519.PrivateKey) []byte {
	out := append([]byte(nil), b...)
	copy(out[32:64], priv.Public().(ed25519.PublicKey))
	msg := append([]byte(election.BallotSignatureDomain), out[:len(out)-ed25519.SignatureSize]...)
	copy(out[len(out)-ed25519.SignatureSize:], ed25519.Sign(priv, msg))
	return out
}

// plusG returns b with G added to the element at off.
func plusG(b []byte, off int) []byte {
	out := append([]byte(nil), b...)
	e, err := new(elgamal.Element).SetCanonicalBytes(b[off : off+elgamal.ElementSize])
	check(err)
	copy(out[off:], e.Add(e, elgamal.NewGeneratorElement()).Bytes())
	return out
}

// plusOne returns b with 1 added to the scalar at off.
func plusOne(b []byte, off int) []byte {
	out := append([]byte(nil), b...)
	s, err := new(elgamal.Scalar).SetCanonicalBytes(b[off : off+elgamal.ScalarSize])
	check(err)
	copy(out[off:], s.Add(s, new(elgamal.Scalar).SetUint64(1)).Bytes())
	return out
}

// contestOffsets returns where each contest of a ballot for m starts.
func contestOffsets(m *election.Manifest) []int {
	off := 64
	var out []int
	for i := range m.Contests {
		c := &m.Contests[i]
		out = append(out, off)
		if c.Tally == election.Mixnet {
			off += elgamal.CiphertextSize + zkp.RandomnessProofSize(1)
			continue
		}
		lo, hi := election.ProofRange(c)
		off += len(c.Choices())*(elgamal.CiphertextSize+zkp.ZeroOneProofSize) + zkp.RangeProofSize(lo, hi)
	}
	return out
}

func ballotVectors() *set {
	s := &set{}
	r := newRNG("election/ballot")
	m := ballotManifest(r.key().PublicKey())
	mt := manifestText(m)
	cred, err := election.NewCredential(r)
	check(err)
	other, err := election.NewCredential(r)
	check(err)

	type cast struct {
		comment string
		choices election.Choices
		ballot  []byte
		opening *election.Opening
	}
	var casts []cast
	for _, tc := range []struct {
		comment string
		choices election.Choices
	}{
		{"yes, the heron, and cai, ada and dora ranked in that order", election.Choices{"bridge": {0}, "mascot": {2}, "board": {2, 0, 3}}},
		{"a blank ballot: nothing selected in any contest", election.Choices{}},
		{"no, no mascot, and a single preference for ben", election.Choices{"bridge": {1}, "board": {1}}},
	} {
		b, o, err := election.EncryptBallot(m, cred, tc.choices, r)
		check(err)
		casts = append(casts, cast{tc.comment, tc.choices, b.Bytes(), o})
		s.valid(&vectors.Case{Type: "election/ballot", Comment: tc.comment,
			Inputs: map[string]string{"manifest": mt, "ballot": hx(b.Bytes())}})
	}

	// Mutations of the first ballot.
	b0 := casts[0].ballot
	off := contestOffsets(m)
	priv := signer(cred)
	bad := func(comment string, mt string, b []byte) {
		s.invalid(&vectors.Case{Type: "election/ballot", Comment: comment,
			Inputs: map[string]string{"manifest": mt, "ballot": hx(b)}})
	}
	zo := elgamal.CiphertextSize + zkp.ZeroOneProofSize
	bad("the α of the bridge contest's first ciphertext plus G, not re-signed: the signature fails", mt, plusG(b0, off[0]))
	bad("the α of the bridge contest's first ciphertext plus G, re-signed by the voter: the 0/1 proof fails", mt, resign(plusG(b0, off[0]), priv))
	bad("the β of the mascot contest's third ciphertext plus G, re-signed: the 0/1 proof fails", mt, resign(plusG(b0, off[1]+2*zo+elgamal.ElementSize), priv))
	bad("the board contest's data ciphertext α plus G, re-signed: the randomness proof fails", mt, resign(plusG(b0, off[2]), priv))
	bad("the first scalar of the bridge contest's first 0/1 proof plus 1, re-signed", mt, resign(plusOne(b0, off[0]+elgamal.CiphertextSize+4*elgamal.ElementSize), priv))
	bad("the first element of the mascot contest's range proof plus G, re-signed", mt, resign(plusG(b0, off[1]+5*zo), priv))
	bad("the board contest's randomness proof response plus 1, re-signed", mt, resign(plusOne(b0, off[2]+elgamal.CiphertextSize+elgamal.ElementSize), priv))
	flip := append([]byte(nil), b0...)
	flip[len(flip)-40] ^= 0x01
	bad("one bit of the signature flipped", mt, flip)
	bad("the ballot re-signed by another eligible credential: its proofs are bound to the first", mt, resign(b0, signer(other)))
	m2 := *m
	m2.Title = "Another election"
	m2.Contests = m.Contests
	mt2 := manifestText(&m2)
	bad("a valid ballot checked against another election's manifest (title changed)", mt2, b0)
	h2 := m2.Hash()
	moved := append([]byte(nil), b0...)
	copy(moved, h2[:])
	bad("the election hash rewritten to another election's and re-signed: the proofs are bound to the first", mt2, resign(moved, priv))
	bad("the ballot truncated by one byte", mt, b0[:len(b0)-1])
	bad("the ballot extended by one byte", mt, append(append([]byte(nil), b0...), 0))

	// Openings.
	for _, c := range casts {
		s.valid(&vectors.Case{Type: "election/opening", Comment: "opening of the ballot: " + c.comment,
			Inputs: map[string]string{"manifest": mt, "ballot": hx(c.ballot), "opening": hx(c.opening.Bytes()), "choices": choicesText(c.choices)}})
	}
	o0 := casts[0].opening.Bytes()
	badOpen := func(comment string, ballot, opening []byte, ch election.Choices) {
		s.invalid(&vectors.Case{Type: "election/opening", Comment: comment,
			Inputs: map[string]string{"manifest": mt, "ballot": hx(ballot), "opening": hx(opening), "choices": choicesText(ch)}})
	}
	badOpen("other choices in the referendum (no for yes)", b0, o0, election.Choices{"bridge": {1}, "mascot": {2}, "board": {2, 0, 3}})
	badOpen("other choices in the approval (the owl for the heron)", b0, o0, election.Choices{"bridge": {0}, "mascot": {0}, "board": {2, 0, 3}})
	badOpen("the same candidates ranked in another order", b0, o0, election.Choices{"bridge": {0}, "mascot": {2}, "board": {0, 2, 3}})
	badOpen("a blank vote claimed for a non-blank ballot", b0, o0, election.Choices{})
	badOpen("the opening of the first ballot against the second", casts[1].ballot, o0, casts[0].choices)
	badOpen("the first randomness scalar plus 1", b0, plusOne(o0, 32), casts[0].choices)
	badOpen("the opening truncated by one byte", b0, o0[:len(o0)-1], casts[0].choices)

	// Openings that have their ballot's hash but do not open it: the
	// choices cannot be recovered (spec/ballot.md §6.1). The ballots are
	// re-signed but their proofs are not remade: only the opening check is
	// exercised.
	pk, err := m.ElectionKey()
	check(err)
	junk := &election.Opening{Ballot: casts[0].opening.Ballot}
	for _, rs := range casts[0].opening.Randomness {
		var js []elgamal.Scalar
		for range rs {
			js = append(js, *r.scalar())
		}
		junk.Randomness = append(junk.Randomness, js)
	}
	badOpen("the ballot's hash with random scalars: the first does not re-encrypt (α ≠ r·G for the bridge contest's choice 0)", b0, junk.Bytes(), casts[0].choices)
	// forged re-encrypts one ciphertext of the first ballot under fresh
	// randomness, re-signs the ballot and returns it with its opening.
	forged := func(contest, choice int, plain *elgamal.Element) ([]byte, []byte) {
		b, err := election.ParseBallot(m, b0)
		check(err)
		o, err := election.ParseOpening(m, o0)
		check(err)
		rr := r.scalar()
		ct := pk.EncryptWithNonce(plain, rr)
		if b.Contests[contest].Data != nil {
			b.Contests[contest].Data = ct
		} else {
			b.Contests[contest].Selections[choice].C = *ct
		}
		o.Randomness[contest][choice] = *rr
		enc := resign(b.Bytes(), priv)
		o.Ballot = sha256.Sum256(enc)
		return enc, o.Bytes()
	}
	two := new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(2))
	fb, fo := forged(0, 1, two)
	badOpen("the bridge contest's choice 1 encrypts 2 under the revealed randomness: neither 0 nor 1", fb, fo, casts[0].choices)
	fb, fo = forged(1, 0, elgamal.NewGeneratorElement())
	badOpen("the mascot contest (max 1) encrypts 1 for the owl and for the heron: two selections, over the limit", fb, fo, casts[0].choices)
	fb, fo = forged(2, 0, elgamal.NewGeneratorElement())
	badOpen("the board contest's data ciphertext encrypts G, which is not a data element", fb, fo, casts[0].choices)
	e, err := elgamal.EncodeData([]byte{5, 0, 0})
	check(err)
	fb, fo = forged(2, 0, e)
	badOpen("the board contest's data ciphertext encrypts the data 05 00 00: choice 5 of a 4-choice contest", fb, fo, casts[0].choices)
	return s
}
