// Package scenario builds complete elections in code, entry by entry as
// they go on the bulletin board: the trustee ceremony, the manifest,
// credentials, ballots, mix stages and decryption shares. It exists for
// tests, the board's load generator and 'urna demo', which all need a
// real election without the file-based CLI flow; nothing in it is a
// shortcut around a check.
package scenario

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"

	"golang.org/x/mod/sumdb/note"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/mixnet"
)

// Options shape an election.
type Options struct {
	Origin    string // board origin; default "urna.example/test"
	Trustees  int    // default 2
	Threshold int    // default Trustees
	Voters    int    // number of credentials; default 10
	// Manifest is the election without its public key, which the
	// ceremony fills in; nil means Approval1of5.
	Manifest *election.Manifest
	// Seed makes everything deterministic.
	Seed uint64
	// BoardKey, if set, is the board's signing key instead of one drawn
	// from the seed: another election on the same board, or made up by
	// its operator.
	BoardKey ed25519.PrivateKey
	// Restart has the ceremony of the genesis setup abandoned after one
	// commitment and restarted with the election's setup (spec/board.md
	// §3.1).
	Restart bool
}

// Election is an election built in code.
type Election struct {
	Origin    string
	Admin     ed25519.PrivateKey
	Signer    note.Signer   // the board key
	Verifier  note.Verifier // its verifier
	BoardVKey string        // the verifier key, in note format
	BoardKey  *bulletin.BoardKey
	BoardSeed ed25519.PrivateKey // the board's signing key
	// genesisSetup is the setup the genesis entry names: Setup, unless
	// the ceremony was restarted (restarts holds the restarts' bodies).
	genesisSetup *threshold.Setup
	restarts     [][]byte
	Setup        *threshold.Setup
	Identities   []*threshold.Identity
	// CeremonyEntries are the trustee ceremony's entries in posting order,
	// with the administrator's round entries between the rounds.
	CeremonyEntries [][]byte
	Result          *threshold.Result
	KeyShares       []*threshold.KeyShare
	Manifest        *election.Manifest
	// Registrar is the registrar's public mapping from voter IDs to
	// public credentials; it holds no secret.
	Registrar *election.Registrar
	VoterIDs  []string
	// Credentials are the voters' secret credentials, Credentials[v]
	// belonging to VoterIDs[v]: the scenario plays every voter, so it
	// keeps what each voter received from the registrar.
	Credentials []*election.Credential
	Rand        io.Reader
}

// Approval1of5 is a one-contest manifest: choose 1 of 5 candidates,
// counted homomorphically; the shape of the board's throughput target.
func Approval1of5() *election.Manifest {
	m := &election.Manifest{Version: 1, ID: "bench-2026", Title: "Benchmark election", Revoting: election.RevotingLastCounts}
	c := election.Contest{ID: "council", Title: "Council", Kind: election.Approval, Tally: election.Homomorphic, Min: 0, Max: 1}
	for i := range 5 {
		c.Options = append(c.Options, election.Option{ID: fmt.Sprintf("c%d", i+1), Label: fmt.Sprintf("Candidate %d", i+1)})
	}
	m.Contests = []election.Contest{c}
	return m
}

// Danish is the demo's manifest: a yes/no referendum, counted
// homomorphically, and a party-list contest with personal votes, counted
// by the mixnet.
func Danish() *election.Manifest {
	m := &election.Manifest{Version: 1, ID: "dk-demo-2026", Title: "Folkeafstemning og kommunalvalg (demo)", Revoting: election.RevotingLastCounts}
	m.Contests = []election.Contest{
		{ID: "referendum", Title: "Skal loven vedtages?", Kind: election.Referendum, Tally: election.Homomorphic, Min: 0, Max: 1,
			Options: []election.Option{{ID: "yes", Label: "Ja"}, {ID: "no", Label: "Nej"}}},
		{ID: "council", Title: "Kommunalvalg", Kind: election.PartyList, Tally: election.Mixnet, Min: 0, Max: 1,
			Lists: []election.List{
				{Letter: "A", Name: "Socialdemokratiet", Candidates: []election.Candidate{{ID: "a1", Name: "Anne Hansen"}, {ID: "a2", Name: "Bo Jensen"}}},
				{Letter: "B", Name: "Radikale Venstre", Candidates: []election.Candidate{{ID: "b1", Name: "Carla Nielsen"}}},
				{Letter: "V", Name: "Venstre", Candidates: []election.Candidate{{ID: "v1", Name: "Dan Pedersen"}, {ID: "v2", Name: "Eva Larsen"}}},
				{Letter: "Ø", Name: "", Candidates: []election.Candidate{{ID: "o1", Name: "Frej Madsen"}}},
			}},
	}
	return m
}

type chachaReader struct{ r *rand.ChaCha8 }

func (c chachaReader) Read(p []byte) (int, error) { return c.r.Read(p) }

// Rand returns a deterministic random stream for seed. It is for tests
// and demonstrations only.
func Rand(seed uint64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	copy(s[8:], "urna/scenario")
	return chachaReader{rand.NewChaCha8(s)}
}

// New runs the trustee ceremony in memory and prepares the manifest and
// credentials.
func New(o Options) (*Election, error) {
	if o.Origin == "" {
		o.Origin = "urna.example/test"
	}
	if o.Trustees == 0 {
		o.Trustees = 2
	}
	if o.Threshold == 0 {
		o.Threshold = o.Trustees
	}
	if o.Voters == 0 {
		o.Voters = 10
	}
	if o.Manifest == nil {
		o.Manifest = Approval1of5()
	}
	r := Rand(o.Seed)
	e := &Election{Origin: o.Origin, Rand: r}
	_, admin, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, err
	}
	e.Admin = admin
	_, bk, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, err
	}
	if o.BoardKey != nil {
		bk = o.BoardKey
	}
	e.BoardSeed = bk
	if e.Signer, err = bulletin.NewBoardSigner(o.Origin, bk); err != nil {
		return nil, err
	}
	if e.BoardVKey, err = bulletin.BoardVerifierKey(o.Origin, bk.Public().(ed25519.PublicKey)); err != nil {
		return nil, err
	}
	if e.Verifier, err = note.NewVerifier(e.BoardVKey); err != nil {
		return nil, err
	}
	if e.BoardKey, err = bulletin.ParseBoardKey(e.BoardVKey); err != nil {
		return nil, err
	}
	e.Setup = &threshold.Setup{Threshold: o.Threshold, Election: []byte(o.Manifest.Title)}
	for i := range o.Trustees {
		id, err := threshold.NewIdentity(fmt.Sprintf("trustee-%d", i+1), r)
		if err != nil {
			return nil, err
		}
		e.Identities = append(e.Identities, id)
		e.Setup.Trustees = append(e.Setup.Trustees, id.Public())
	}
	if err := e.Setup.Validate(); err != nil {
		return nil, err
	}
	if err := e.ceremony(); err != nil {
		return nil, err
	}
	e.genesisSetup = e.Setup
	if o.Restart {
		// The genesis names a first setup; one commitment, then the
		// administrator restarts the ceremony with the election's setup.
		first := *e.Setup
		first.Election = append([]byte(nil), "abandoned: "...)
		first.Election = append(first.Election, e.Setup.Election...)
		d, err := threshold.NewDealer(&first, e.Identities[0], r)
		if err != nil {
			return nil, err
		}
		c, err := d.Commit()
		if err != nil {
			return nil, err
		}
		e.genesisSetup = &first
		e.restarts = [][]byte{e.Setup.Bytes()}
		e.CeremonyEntries = append([][]byte{c.Bytes(), e.admin(bulletin.AdminRestart, e.Setup.Bytes())}, e.CeremonyEntries...)
	}
	m := *o.Manifest
	m.Contests = append([]election.Contest(nil), o.Manifest.Contests...)
	m.PublicKey = hex.EncodeToString(e.Result.PublicKey.Bytes())
	if err := m.Validate(); err != nil {
		return nil, err
	}
	e.Manifest = &m
	for i := range o.Voters {
		e.VoterIDs = append(e.VoterIDs, fmt.Sprintf("voter-%06d", i+1))
	}
	if e.Registrar, e.Credentials, err = election.GenerateCredentials(e.VoterIDs, r); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Election) ceremony() error {
	var entries []*threshold.Entry
	dealers := make([]*threshold.Dealer, len(e.Identities))
	for i, id := range e.Identities {
		d, err := threshold.NewDealer(e.Setup, id, e.Rand)
		if err != nil {
			return err
		}
		dealers[i] = d
		c, err := d.Commit()
		if err != nil {
			return err
		}
		entries = append(entries, c)
	}
	round1 := append([]*threshold.Entry(nil), entries...)
	for _, d := range dealers {
		s, err := d.Deal(round1, e.Rand)
		if err != nil {
			return err
		}
		entries = append(entries, s)
	}
	for _, d := range dealers {
		res, ks, err := d.Finish(entries)
		if err != nil {
			return err
		}
		e.Result = res
		e.KeyShares = append(e.KeyShares, ks)
	}
	// The administrator closes each round of the ceremony (spec/board.md
	// §3.1): the commitments, the shares, then empty rounds of complaints
	// and responses.
	n := len(e.Identities)
	for k, en := range entries {
		if k == n {
			e.CeremonyEntries = append(e.CeremonyEntries, e.Round(bulletin.RoundShares))
		}
		e.CeremonyEntries = append(e.CeremonyEntries, en.Bytes())
	}
	for _, r := range []bulletin.Round{bulletin.RoundComplaints, bulletin.RoundResponses, bulletin.RoundClosed} {
		e.CeremonyEntries = append(e.CeremonyEntries, e.Round(r))
	}
	return nil
}

// Round returns the entry opening round r of the trustee ceremony.
func (e *Election) Round(r bulletin.Round) []byte {
	return e.admin(bulletin.AdminRound, bulletin.RoundEntryBody(r))
}

func (e *Election) admin(kind bulletin.AdminKind, body []byte) []byte {
	return bulletin.NewAdminEntry(e.Origin, kind, body, e.Admin).Bytes()
}

// Genesis returns the genesis entry.
func (e *Election) Genesis() []byte { return e.admin(bulletin.AdminGenesis, e.genesisBody()) }

func (e *Election) genesisBody() []byte {
	g := &bulletin.Genesis{Admin: e.Admin.Public().(ed25519.PublicKey), Setup: e.genesisSetup.Bytes()}
	return g.Bytes()
}

// Fingerprint returns the election fingerprint (spec/board.md §9), which
// the election authority publishes before voting opens.
func (e *Election) Fingerprint() bulletin.Fingerprint {
	return bulletin.ElectionFingerprint(e.BoardKey, e.genesisBody(), e.Manifest.JSON(), e.restarts...)
}

// Phase returns the entry moving the board to p.
func (e *Election) Phase(p bulletin.Phase) []byte {
	return e.admin(bulletin.AdminPhase, bulletin.PhaseEntryBody(p))
}

// ManifestEntry returns the manifest entry.
func (e *Election) ManifestEntry() []byte { return e.admin(bulletin.AdminManifest, e.Manifest.JSON()) }

// CredentialsEntry returns the entry listing every voter's credential.
func (e *Election) CredentialsEntry() []byte {
	return e.admin(bulletin.AdminCredentials, election.MarshalPublicList(e.Registrar.PublicList()))
}

// OverridesEntry returns the entry cancelling the e-votes of voters.
func (e *Election) OverridesEntry(voters ...int) []byte {
	var list [][32]byte
	for _, v := range voters {
		pub, _ := e.Registrar.PublicCredential(e.VoterIDs[v])
		list = append(list, pub)
	}
	return e.admin(bulletin.AdminOverrides, election.MarshalPublicList(list))
}

// ResultEntry returns the result entry with the given JSON body.
func (e *Election) ResultEntry(body []byte) []byte { return e.admin(bulletin.AdminResult, body) }

// Credential returns voter v's secret credential, as delivered to them.
func (e *Election) Credential(v int) *election.Credential { return e.Credentials[v] }

// RandomChoices returns valid random choices for every contest.
func (e *Election) RandomChoices(r *rand.Rand) election.Choices {
	ch := election.Choices{}
	for _, c := range e.Manifest.Contests {
		n := len(c.Choices())
		k := c.Min + r.IntN(c.Max-c.Min+1)
		ch[c.ID] = r.Perm(n)[:k]
	}
	return ch
}

// Ballot encrypts voter v's choices and returns the ballot entry, the
// ballot and its opening.
func (e *Election) Ballot(v int, choices election.Choices) ([]byte, *election.Ballot, *election.Opening, error) {
	b, o, err := election.EncryptBallot(e.Manifest, e.Credential(v), choices, e.Rand)
	if err != nil {
		return nil, nil, nil, err
	}
	return bulletin.BallotEntry(b.Bytes()), b, o, nil
}

// BallotWith is Ballot with its own random source, for generating
// ballots on several goroutines.
func (e *Election) BallotWith(v int, choices election.Choices, r io.Reader) ([]byte, *election.Ballot, *election.Opening, error) {
	b, o, err := election.EncryptBallot(e.Manifest, e.Credential(v), choices, r)
	if err != nil {
		return nil, nil, nil, err
	}
	return bulletin.BallotEntry(b.Bytes()), b, o, nil
}

// Mixers returns the registered mixers: the trustees.
func (e *Election) Mixers() []mixnet.Mixer {
	var out []mixnet.Mixer
	for _, t := range e.Setup.Trustees {
		out = append(out, mixnet.Mixer{Name: t.Name, SigningKey: t.SigningKey})
	}
	return out
}

// MixStage has trustee mixer (from 1) shuffle input as stage position
// and returns the stage entry.
func (e *Election) MixStage(mixer int, position int, input []elgamal.CiphertextVector) ([]byte, error) {
	h := e.Setup.Hash()
	st, err := mixnet.MixStage(h[:], e.Mixers(), e.Identities[mixer-1].SigningKey, uint32(position), e.Result.PublicKey, input, e.Rand, nil)
	if err != nil {
		return nil, err
	}
	return st.Bytes(), nil
}

// DecryptionShares has trustee j (from 1) decrypt cts and returns the
// decryption-shares entry.
func (e *Election) DecryptionShares(j int, cts []elgamal.Ciphertext) ([]byte, error) {
	en, err := e.KeyShares[j-1].Decrypt(e.Setup, e.Identities[j-1].SigningKey, threshold.VerifiedList(cts), e.Rand)
	if err != nil {
		return nil, err
	}
	return en.Bytes(), nil
}
