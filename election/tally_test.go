package election

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// tallyManifest has a referendum, a Danish party-list contest (list B has
// no name) and a ranked mixnet contest; the test holds the private key in
// place of the trustees.
func tallyManifest(t testing.TB, revoting RevotingPolicy) (*Manifest, *elgamal.PrivateKey) {
	key, err := elgamal.GenerateKey(seeded(7))
	require.NoError(t, err)
	m := &Manifest{
		Version: 1, ID: "kv-2026", Title: "Kommunalvalg 2026",
		PublicKey: hex.EncodeToString(key.PublicKey().Bytes()),
		Revoting:  revoting,
		Contests: []Contest{
			{ID: "ref", Title: "Folkeafstemning", Kind: Referendum, Tally: Homomorphic, Max: 1,
				Options: []Option{{ID: "yes", Label: "Ja"}, {ID: "no", Label: "Nej"}}},
			{ID: "council", Title: "Kommunalbestyrelse", Kind: PartyList, Tally: Homomorphic, Max: 1,
				Lists: []List{
					{Letter: "A", Name: "Socialdemokratiet", Candidates: []Candidate{{ID: "a1", Name: "Anna"}, {ID: "a2", Name: "Bent"}}},
					{Letter: "B", Candidates: []Candidate{{ID: "b1", Name: "Carl"}}},
				}},
			{ID: "mayor", Title: "Borgmester", Kind: Ranked, Tally: Mixnet, Max: 2,
				Options: []Option{{ID: "x", Label: "X"}, {ID: "y", Label: "Y"}, {ID: "z", Label: "Z"}}},
		},
	}
	require.NoError(t, m.Validate())
	return m, key
}

type voter struct {
	cred *Credential
	pub  [32]byte
}

func voters(t testing.TB, n int) []voter {
	out := make([]voter, n)
	for i := range out {
		c := testCred(t, byte(100+i))
		out[i] = voter{c, [32]byte(c.Public())}
	}
	return out
}

func pubs(vs []voter) [][32]byte {
	out := make([][32]byte, len(vs))
	for i, v := range vs {
		out[i] = v.pub
	}
	return out
}

var castSeed byte

func cast(t testing.TB, m *Manifest, v voter, ch Choices) *Ballot {
	castSeed++
	b, _, err := EncryptBallot(m, v.cred, ch, seeded(castSeed))
	require.NoError(t, err)
	return b
}

func statuses(c *Cleansed) []string {
	out := make([]string, len(c.Outcomes))
	for i, o := range c.Outcomes {
		out[i] = string(o.Status)
		if o.Reason != "" {
			out[i] += ": " + o.Reason
		}
	}
	return out
}

func TestCleanseOutcomes(t *testing.T) {
	for _, policy := range []RevotingPolicy{RevotingLastCounts, RevotingForbid} {
		t.Run(string(policy), func(t *testing.T) {
			m, _ := tallyManifest(t, policy)
			vs := voters(t, 6)
			outsider := voters(t, 7)[6]
			other, _ := tallyManifest(t, policy)
			other.ID = "other-election"

			first := cast(t, m, vs[0], Choices{"ref": {0}})
			bad := cast(t, m, vs[1], Choices{"ref": {1}})
			bad.Sig[0] ^= 1
			board := []*Ballot{
				first, // 0
				first, // 1 exact duplicate
				bad,   // 2 invalid signature
				cast(t, m, outsider, Choices{"ref": {0}}), // 3 not eligible
				cast(t, other, vs[2], Choices{}),          // 4 wrong election
				cast(t, m, vs[0], Choices{"ref": {1}}),    // 5 re-vote of voter 0
				cast(t, m, vs[3], Choices{"ref": {0}}),    // 6 overridden
				cast(t, m, vs[4], Choices{}),              // 7 plain, blank
				nil,                                       // 8 missing
			}
			c := Cleanse(m, pubs(vs[:6]), board, [][32]byte{vs[3].pub, vs[5].pub})
			want := []string{"superseded", "rejected: duplicate", "rejected: invalid", "rejected: not eligible",
				"rejected: wrong election", "accepted", "cancelled", "accepted", "rejected: invalid"}
			if policy == RevotingForbid {
				want[0], want[5] = "accepted", "rejected: re-vote forbidden"
			}
			assert.Equal(t, want, statuses(c))
			assert.Contains(t, c.Outcomes[2].Detail, "signature")
			assert.Equal(t, TrackingCode(board[3]), c.Outcomes[3].TrackingCode)

			assert.Equal(t, 9, c.Counts.Received)
			assert.Equal(t, 2, c.Counts.Accepted)
			assert.Equal(t, 1, c.Counts.Cancelled)
			wantRejected := map[string]int{ReasonDuplicate: 1, ReasonInvalid: 2, ReasonNotEligible: 1, ReasonWrongElection: 1, ReasonRevoteForbidden: 0}
			if policy == RevotingForbid {
				assert.Equal(t, 0, c.Counts.Superseded)
				wantRejected[ReasonRevoteForbidden] = 1
				assert.Equal(t, []*Ballot{board[0], board[7]}, c.Ballots)
			} else {
				assert.Equal(t, 1, c.Counts.Superseded)
				assert.Equal(t, []*Ballot{board[5], board[7]}, c.Ballots)
			}
			assert.Equal(t, wantRejected, c.Counts.Rejected)
			assert.Equal(t, c.Counts.Received, c.Counts.Accepted+c.Counts.Superseded+c.Counts.Cancelled+c.Counts.RejectedTotal())

			// Deterministic: recomputing from the same public record, with
			// the ballots re-parsed from their bytes, gives the same result.
			reparsed := make([]*Ballot, len(board))
			for i, b := range board {
				if b == nil {
					continue
				}
				mm := m
				if i == 4 {
					mm = other
				}
				var err error
				reparsed[i], err = ParseBallot(mm, b.Bytes())
				require.NoError(t, err)
			}
			again := Cleanse(m, pubs(vs[:6]), reparsed, [][32]byte{vs[5].pub, vs[3].pub})
			assert.Equal(t, c.Outcomes, again.Outcomes)
			assert.Equal(t, c.Counts, again.Counts)
			a1, err := c.Aggregate()
			require.NoError(t, err)
			a2, err := again.Aggregate()
			require.NoError(t, err)
			require.Len(t, a2, len(a1))
			for i := range a1 {
				assert.Equal(t, a1[i].Bytes(), a2[i].Bytes())
			}

			// CleanseVerified trusts the caller's verification: it checks
			// no signature (ballot 2 is now accepted) but applies every
			// other rule the same way.
			v := CleanseVerified(m, pubs(vs[:6]), board, [][32]byte{vs[3].pub, vs[5].pub})
			wantV := append([]string(nil), want...)
			wantV[2] = "accepted"
			assert.Equal(t, wantV, statuses(v))
		})
	}
}

// decryptAll decrypts with the single key standing in for the trustees.
func decryptAll(key *elgamal.PrivateKey, cts []elgamal.Ciphertext) []*elgamal.Element {
	out := make([]*elgamal.Element, len(cts))
	for i := range cts {
		out[i] = key.Decrypt(&cts[i])
	}
	return out
}

func TestFullElection(t *testing.T) {
	m, key := tallyManifest(t, RevotingLastCounts)
	vs := voters(t, 8)
	// council layout: A, B, a1, a2, b1.
	board := []*Ballot{
		cast(t, m, vs[0], Choices{"ref": {0}, "council": {0}, "mayor": {0, 1}}), // list vote A
		cast(t, m, vs[1], Choices{"ref": {0}, "council": {2}, "mayor": {1}}),    // personal a1
		cast(t, m, vs[2], Choices{"ref": {1}, "council": {4}, "mayor": {0, 1}}), // personal b1
		cast(t, m, vs[3], Choices{"ref": {1}, "council": {1}}),                  // list vote B, mayor blank
		cast(t, m, vs[4], Choices{"council": {3}, "mayor": {2, 0}}),             // ref blank, personal a2
		cast(t, m, vs[5], Choices{}),                                            // all blank
		cast(t, m, vs[6], Choices{"ref": {0}, "council": {2}, "mayor": {2}}),    // superseded below
		cast(t, m, vs[6], Choices{"ref": {1}, "council": {2}, "mayor": {1}}),    // re-vote counts
	}
	c := Cleanse(m, pubs(vs), board, nil)
	require.Equal(t, 7, c.Counts.Accepted)
	agg, err := c.Aggregate()
	require.NoError(t, err)
	require.Len(t, agg, 2+5)
	layout := AggregateLayout(m)
	require.Len(t, layout, 7)
	assert.Equal(t, "ref", layout[0].Contest)
	assert.Equal(t, "b1", layout[6].Choice.ID)

	// The mixnet contest: decrypt the inputs directly (a mix would only
	// permute them), and add one invalid plaintext in place of a ballot:
	// a ranking that repeats an option.
	var mixed []*elgamal.Element
	for _, v := range c.MixInput("mayor") {
		mixed = append(mixed, key.Decrypt(&v[0]))
	}
	require.Len(t, mixed, 7)
	bogus, err := elgamal.EncodeData([]byte{1, 1})
	require.NoError(t, err)
	mixed[5] = bogus // voter 5's blank becomes invalid
	assert.Nil(t, c.MixInput("ref"))
	assert.Nil(t, c.MixInput("nope"))

	res, err := Count(m, c, decryptAll(key, agg), map[string][]*elgamal.Element{"mayor": mixed})
	require.NoError(t, err)
	require.Len(t, res.Contests, 3)

	ref := res.Contests[0]
	assert.Equal(t, []OptionCount{{"yes", "Ja", 2}, {"no", "Nej", 3}}, ref.Options)
	require.NotNil(t, ref.Blank)
	assert.Equal(t, 2, *ref.Blank)

	council := res.Contests[1]
	require.Len(t, council.Lists, 2)
	assert.Equal(t, ListCount{Letter: "A", Name: "Socialdemokratiet", ListVotes: 1, Personal: 3, Total: 4,
		Candidates: []CandidateCount{{"a1", "Anna", 2}, {"a2", "Bent", 1}}}, council.Lists[0])
	assert.Equal(t, ListCount{Letter: "B", ListVotes: 1, Personal: 1, Total: 2,
		Candidates: []CandidateCount{{"b1", "Carl", 1}}}, council.Lists[1])
	assert.Equal(t, 1, *council.Blank)

	mayor := res.Contests[2]
	assert.Equal(t, []OptionCount{{"x", "X", 2}, {"y", "Y", 2}, {"z", "Z", 1}}, mayor.Options) // a tie, reported as such
	assert.Equal(t, 1, mayor.Invalid)
	assert.Equal(t, 1, *mayor.Blank)
	assert.Equal(t, []RankingCount{{[]string{"x", "y"}, 2}, {[]string{"y"}, 2}, {[]string{"z", "x"}, 1}}, mayor.Rankings)
	assert.Equal(t, 7, mayor.Invalid+*mayor.Blank+mayor.Options[0].Votes+mayor.Options[1].Votes+mayor.Options[2].Votes)

	// The report.
	rep := NewReport(c, res)
	text := rep.Text()
	for _, want := range []string{
		"Count protocol: Kommunalvalg 2026 (kv-2026)",
		"  voters on the roll                      8\n",
		"  ballots received                        8\n",
		"  ballots accepted                        7\n",
		"  superseded by re-votes                  1\n",
		"  list A Socialdemokratiet                4\n",
		"  list B                                  2\n",
		"      Anna                                2\n",
		"  Nej                                     3\n",
		"    x > y                                 2\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.Equal(t, text, NewReport(c, res).Text(), "stable")
	j, err := rep.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(j), `"voters_on_roll": 8`)
	assert.Contains(t, string(j), `"reason": "re-vote forbidden",`)
	assert.Contains(t, string(j), `"list_votes": 1`)
	assert.JSONEq(t, string(j), string(must(NewReport(c, res).JSON())))
	assert.NotContains(t, string(j), "refused_by_board")
	assert.NotContains(t, text, "refused by the board")

	// Submissions the board refused appear when the count comes from one.
	rep.Refused = []RejectCount{{Reason: "invalid", Count: 2}, {Reason: "phase", Count: 1}}
	text = rep.Text()
	assert.Contains(t, text, "  refused by the board                    3\n")
	assert.Contains(t, text, "    phase                                 1\n")
	j, err = rep.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(j), `"refused_by_board": [`)
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestCountErrors(t *testing.T) {
	m, key := tallyManifest(t, RevotingLastCounts)
	vs := voters(t, 2)
	c := Cleanse(m, pubs(vs), []*Ballot{cast(t, m, vs[0], Choices{"ref": {0}})}, nil)
	agg, err := c.Aggregate()
	require.NoError(t, err)
	dec := decryptAll(key, agg)
	mixed := map[string][]*elgamal.Element{"mayor": {key.Decrypt(&c.MixInput("mayor")[0][0])}}

	_, err = Count(m, c, dec[:3], mixed)
	assert.ErrorContains(t, err, "decrypted sums")
	_, err = Count(m, c, dec, nil)
	assert.ErrorContains(t, err, "mixed plaintexts")
	tooBig := slices2(dec)
	tooBig[0] = new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(2))
	_, err = Count(m, c, tooBig, mixed)
	assert.ErrorIs(t, err, elgamal.ErrDLogNotFound)
	res, err := Count(m, c, dec, mixed)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Contests[0].Options[0].Votes)
	assert.Equal(t, 1, *res.Contests[2].Blank)
}

func slices2(in []*elgamal.Element) []*elgamal.Element { return append([]*elgamal.Element(nil), in...) }

func TestApprovalBlankNotAvailable(t *testing.T) {
	m := testManifest(t) // council: approval, max 2
	vs := voters(t, 1)
	c := Cleanse(m, pubs(vs), nil, nil)
	assert.Equal(t, 0, c.Counts.Received)
	agg, err := c.Aggregate()
	require.NoError(t, err)
	require.Len(t, agg, 5+2)
	zero := make([]*elgamal.Element, len(agg))
	for i := range zero {
		zero[i] = elgamal.NewElement()
	}
	res, err := Count(m, c, zero, map[string][]*elgamal.Element{"rank": nil})
	require.NoError(t, err)
	assert.Nil(t, res.Contests[0].Blank)
	assert.Equal(t, 0, *res.Contests[1].Blank)
	assert.Contains(t, NewReport(c, res).Text(), "n/a")
}

func TestPostalExport(t *testing.T) {
	m, _ := tallyManifest(t, RevotingLastCounts)
	ids := []string{"voter-c", "voter-a", "voter-b"}
	reg, creds, err := GenerateCredentials(ids, seeded(3))
	require.NoError(t, err)
	v := func(id string) voter {
		c := creds[slices.Index(ids, id)]
		return voter{c, [32]byte(c.Public())}
	}
	board := []*Ballot{
		cast(t, m, v("voter-c"), Choices{"ref": {0}}),
		cast(t, m, v("voter-a"), Choices{"ref": {1}}),
		cast(t, m, v("voter-c"), Choices{"ref": {1}}),
		cast(t, m, v("voter-b"), Choices{}),
	}
	c := Cleanse(m, reg.PublicList(), board, [][32]byte{v("voter-b").pub})
	assert.Equal(t, []string{"voter-a", "voter-c"}, PostalExport(reg, c))
}
