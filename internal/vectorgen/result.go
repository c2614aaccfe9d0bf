package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/vectors"
)

// Manifest and result vectors (spec/manifest.md §1, spec/result.md): the
// canonical JSON of manifests, the count of decrypted values as the
// canonical result entry body, and strict decoding of both. Every
// count's ballots are drawn from the family's seeded stream.

// resultManifests are one manifest per contest kind and one with them
// all, whose texts need escaping (<, >, &, U+2028) and have non-ASCII
// letters.
func resultManifests(pk string) []*election.Manifest {
	opts := func(ids ...string) []election.Option {
		var out []election.Option
		for _, id := range ids {
			out = append(out, election.Option{ID: id, Label: strings.ToUpper(id[:1]) + id[1:]})
		}
		return out
	}
	ref := election.Contest{ID: "euro", Title: "Skal Danmark <deltage> i euroen & ØMU?", Kind: election.Referendum,
		Tally: election.Homomorphic, Max: 1, Options: []election.Option{{ID: "ja", Label: "Ja"}, {ID: "nej", Label: "Nej"}}}
	appr := election.Contest{ID: "board", Title: "Bestyrelse (vælg op til 2)", Kind: election.Approval, Tally: election.Homomorphic,
		Max: 2, Options: opts("asta", "bo", "cai", "dorte")}
	ranked := election.Contest{ID: "chair", Title: "Formand\u2028rangordnet", Kind: election.Ranked, Tally: election.Mixnet,
		Max: 3, Options: opts("ada", "ben", "cai", "dora")}
	lists := []election.List{
		{Letter: "A", Name: "Socialdemokratiet", Candidates: []election.Candidate{{ID: "a1", Name: "Søren Ærø"}, {ID: "a2", Name: "Mette Hansen"}}},
		{Letter: "Ø", Name: "", Candidates: []election.Candidate{{ID: "o1", Name: "Åse Øby"}}},
		{Letter: "V", Name: "Venstre > Højre", Candidates: []election.Candidate{{ID: "v1", Name: "Lars Løkke"}, {ID: "v2", Name: "Inger Støjberg"}}},
	}
	party := election.Contest{ID: "ft", Title: "Folketingsvalg", Kind: election.PartyList, Tally: election.Homomorphic, Max: 1, Lists: lists}
	partyMix := party
	partyMix.ID, partyMix.Title, partyMix.Tally = "kv", "Kommunalvalg (mixnet)", election.Mixnet
	one := func(id, title string, policy election.RevotingPolicy, cs ...election.Contest) *election.Manifest {
		m := &election.Manifest{Version: 1, ID: id, Title: title, PublicKey: pk, Revoting: policy, Contests: cs}
		check(m.Validate())
		return m
	}
	return []*election.Manifest{
		one("dk-euro", "Folkeafstemning", election.RevotingLastCounts, ref),
		one("board-2026", "Bestyrelsesvalg", election.RevotingForbid, appr),
		one("chair-2026", "Formandsvalg", election.RevotingForbid, ranked),
		one("ft-2026", "Folketingsvalg", election.RevotingLastCounts, party),
		one("kv-2026", "Kommunalvalg", election.RevotingLastCounts, partyMix),
		one("all-2026", "Alle slags <valg> & afstemninger", election.RevotingForbid, ref, appr, ranked, party, partyMix),
	}
}

// resultInputs draws n ballots for m and returns the inputs of an
// election/result case: cleansing counts, the homomorphic sums and the
// mixed plaintexts, with two invalid plaintexts per mixnet contest when
// n > 0 (one not encoding data, one repeating a choice).
func resultInputs(r *rng, m *election.Manifest, n int, fixed map[string][]int) map[string]string {
	rnd := rand.New(r.r)
	in := map[string]string{
		"manifest": manifestText(m), "eligible": u(uint64(n + 9)), "received": u(uint64(n + 6)),
		"accepted": u(uint64(n)), "superseded": "2", "cancelled": "1", "rejected": "0,1,0,2,0",
	}
	var sums []string
	for _, ct := range m.Contests {
		k := len(ct.Choices())
		votes := make([]int, k)
		var mixed []string
		for b := range n {
			var sel []int
			switch {
			case fixed[ct.ID] != nil:
				if c := fixed[ct.ID][b]; c >= 0 {
					sel = []int{c}
				}
			case ct.Kind == election.Approval || ct.Kind == election.Ranked:
				sel = rnd.Perm(k)[:rnd.IntN(ct.Max+1)]
				if ct.Kind == election.Approval {
					slices.Sort(sel)
				}
			default:
				if c := rnd.IntN(k + 1); c < k {
					sel = []int{c}
				}
			}
			if ct.Tally == election.Homomorphic {
				for _, j := range sel {
					votes[j]++
				}
				continue
			}
			var data []byte
			var err error
			if ct.Kind == election.PartyList {
				data, err = election.EncodeListChoice(sel, k)
			} else {
				data, err = election.EncodeRanking(sel, ct.Max)
			}
			check(err)
			e, err := elgamal.EncodeData(data)
			check(err)
			mixed = append(mixed, hx(e.Bytes()))
		}
		if ct.Tally == election.Homomorphic {
			for _, v := range votes {
				sums = append(sums, u(uint64(v)))
			}
			continue
		}
		if n >= 2 {
			// Replace the first two ballots by invalid plaintexts: a
			// random element and a repeated choice.
			mixed[0] = hx(r.element().Bytes())
			bad := make([]byte, ct.Max)
			if ct.Kind == election.PartyList {
				bad = []byte{0xff, 0xff}
			} else {
				bad[0], bad[1] = 1, 1
			}
			e, err := elgamal.EncodeData(bad)
			check(err)
			mixed[1] = hx(e.Bytes())
		}
		in["mixed_"+ct.ID] = strings.Join(mixed, ",")
	}
	in["sums"] = strings.Join(sums, ",")
	return in
}

// replaceOnce replaces the first old in s, which must be there.
func replaceOnce(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic(fmt.Sprintf("vectorgen: %q not found", old))
	}
	return strings.Replace(s, old, new, 1)
}

// invalidJSON adds an invalid case and names, as the output path, the
// member the strict decoder reports (not for syntax errors, whose
// position a decoder may report otherwise).
func (s *set) invalidJSON(c *vectors.Case) {
	s.invalid(c)
	if c.Expect != vectors.Invalid || len(s.cases) == 0 || s.cases[len(s.cases)-1] != c {
		return
	}
	_, err := vectors.Outcome(c)
	var je *election.JSONError
	if errors.As(err, &je) && je.Code != "syntax" {
		c.Outputs = map[string]string{"path": je.Path}
	}
}

func resultVectors() *set {
	s := &set{}
	r := newRNG("election/result")
	pk := hx(r.key().PublicKey().Bytes())
	ms := resultManifests(pk)

	// The referendum count is fixed: 22 yes, 13 no, 5 blank.
	euro := make([]int, 40)
	for i := range euro {
		euro[i] = map[bool]int{true: 0, false: 1}[i < 22]
		if i >= 35 {
			euro[i] = -1
		}
	}
	counts := []struct {
		n       int
		fixed   map[string][]int
		comment string
	}{
		{40, map[string][]int{"euro": euro}, "referendum, counted homomorphically: 22 ja, 13 nej, 5 blank"},
		{30, nil, "approval with max 2, counted homomorphically: blank is null, since the sums count selections, not ballots"},
		{30, nil, "ranked with max 3, counted by the mixnet: first preferences, blank, 2 invalid plaintexts (not data; a repeated choice) and every distinct ranking by decreasing count, then by ranking"},
		{30, nil, "party-list with personal votes, counted homomorphically: a personal vote also counts for the candidate's list; list Ø has no name"},
		{30, nil, "party-list with personal votes, counted by the mixnet: 2 invalid plaintexts (not data; a choice beyond the contest's)"},
		{0, nil, "every contest kind with no accepted ballot: rankings omitted, blank 0 except for the approval (null)"},
		{12, nil, "every contest kind in one manifest: the sums in manifest order, homomorphic contests only"},
	}
	var results []string
	for i, tc := range counts {
		m := ms[min(i, len(ms)-1)]
		c := &vectors.Case{Type: "election/result", Comment: tc.comment, Inputs: resultInputs(r, m, tc.n, tc.fixed)}
		s.valid(c)
		results = append(results, c.Outputs["result"])
	}

	// Strict decoding of the result entry body.
	for i, res := range results {
		s.valid(&vectors.Case{Type: "election/result-decode", Comment: "the canonical result of election/result case " + fmt.Sprint(i),
			Inputs: map[string]string{"result": res}})
	}
	good := results[0]
	var compact bytes.Buffer
	check(json.Compact(&compact, []byte(good)))
	for _, m := range []struct{ comment, text string }{
		{"a duplicate member, the first value wrong: a decoder that keeps the first value reads 23, one that keeps the last reads 22", replaceOnce(good, `"votes": 22`, `"votes": 23,`+"\n          "+`"votes": 22`)},
		{"a duplicate member, the last value wrong", replaceOnce(good, `"votes": 22`, `"votes": 22,`+"\n          "+`"votes": 23`)},
		{"a duplicate top-level member", replaceOnce(good, `"ballots_accepted": 40,`, `"ballots_accepted": 40,`+"\n  "+`"ballots_accepted": 41,`)},
		{"an unknown member", replaceOnce(good, `"blank": 5,`, `"blank": 5,`+"\n      "+`"spoilt": 0,`)},
		{"refused_by_board, a member of the count protocol (the board's own account) but not of the result", replaceOnce(good, `"contests": [`, `"refused_by_board": [],`+"\n  "+`"contests": [`)},
		{"a missing member (invalid)", replaceOnce(good, `,`+"\n      "+`"invalid": 0`, ``)},
		{"a missing member (blank)", replaceOnce(good, `"blank": 5,`+"\n      ", ``)},
		{"a count with a fraction, equal to 22 as a binary64 float", replaceOnce(good, `"votes": 22`, `"votes": 22.0000000000000001`)},
		{"a count with a zero fraction", replaceOnce(good, `"votes": 22`, `"votes": 22.0`)},
		{"a count with an exponent", replaceOnce(good, `"votes": 22`, `"votes": 2.2e1`)},
		{"a count with a leading zero (not JSON)", replaceOnce(good, `"votes": 22`, `"votes": 022`)},
		{"a count as a string", replaceOnce(good, `"votes": 22`, `"votes": "22"`)},
		{"a negative count", replaceOnce(good, `"invalid": 0`, `"invalid": -1`)},
		{"the count -0", replaceOnce(good, `"invalid": 0`, `"invalid": -0`)},
		{"rejection reasons out of order", replaceOnce(good, `"reason": "wrong election"`, `"reason": "duplicate"`)},
		{"an unknown contest kind", replaceOnce(good, `"kind": "referendum"`, `"kind": "plebiscite"`)},
		{"data after the result", good + "{}\n"},
		{"a result that is not JSON: cut short", good[:len(good)/2]},
		{"the same result, compact: not the canonical encoding", compact.String()},
		{"the same result without the trailing newline", strings.TrimSuffix(good, "\n")},
		{"the same result with '<' and '&' not escaped", strings.NewReplacer(`\u003c`, "<", `\u0026`, "&").Replace(good)},
	} {
		s.invalidJSON(&vectors.Case{Type: "election/result-decode", Comment: m.comment, Inputs: map[string]string{"result": m.text}})
	}
	resultDecodeCases(s, good)

	// Manifests: canonical form, hash and strict decoding.
	for _, m := range ms {
		s.valid(&vectors.Case{Type: "election/manifest", Comment: "the canonical JSON of manifest " + m.ID, Inputs: map[string]string{"manifest": manifestText(m)}})
	}
	all := manifestText(ms[len(ms)-1])
	var compactM bytes.Buffer
	check(json.Compact(&compactM, []byte(all)))
	other := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&", "Ø", `\u00d8`, `"name":"",`, "").Replace(compactM.String())
	other = strings.Replace(other, `{"version":1,"id":"all-2026",`, `{"id":"all-2026","version":1,`, 1)
	s.valid(&vectors.Case{Type: "election/manifest", Comment: "a manifest as a person may write it: compact, members reordered, <, > and & unescaped, Ø escaped, a nameless list without its name member; a decoder accepts it, and its canonical JSON and hash are those of all-2026", Inputs: map[string]string{"manifest": other}})
	mgood := manifestText(ms[0])
	for _, m := range []struct{ comment, text string }{
		{"a duplicate member, the first value wrong", replaceOnce(mgood, `"max": 1,`, `"max": 2,`+"\n      "+`"max": 1,`)},
		{"a duplicate member, the last value wrong", replaceOnce(mgood, `"max": 1,`, `"max": 1,`+"\n      "+`"max": 2,`)},
		{"a duplicate member whose names differ only in escaping", replaceOnce(mgood, `"id": "dk-euro",`, `"id": "dk-euro",`+"\n  "+`"\u0069d": "dk-euro",`)},
		{"an unknown member", replaceOnce(mgood, `"label": "Ja"`, `"label": "Ja",`+"\n          "+`"colour": "red"`)},
		{"a missing member (min)", replaceOnce(mgood, `"min": 0,`+"\n      ", ``)},
		{"max with a fraction", replaceOnce(mgood, `"max": 1,`, `"max": 1.0000000000000001,`)},
		{"max with an exponent", replaceOnce(mgood, `"max": 1,`, `"max": 1e0,`)},
		{"version as a string", replaceOnce(mgood, `"version": 1,`, `"version": "1",`)},
		{"a contest id of null", replaceOnce(mgood, `"id": "euro",`, `"id": null,`)},
	} {
		s.invalidJSON(&vectors.Case{Type: "election/manifest", Comment: m.comment, Inputs: map[string]string{"manifest": m.text}})
	}
	for _, m := range ms {
		if t := manifestText(m); strings.Contains(t, `"lists": [`) {
			c := &vectors.Case{Type: "election/manifest", Comment: "manifest " + m.ID + " with an explicit empty \"options\": [] beside the lists of its party-list contest: an empty array is the same as an absent member, so a decoder accepts it, and its canonical JSON (without options) and hash are those of " + m.ID,
				Inputs: map[string]string{"manifest": replaceOnce(t, `"lists": [`, `"options": [],`+"\n      "+`"lists": [`)}}
			s.valid(c)
			if c.Outputs["canonical"] != t && s.err == nil {
				s.err = fmt.Errorf("%s: %q: canonical JSON differs from that of %s", c.Type, c.Comment, m.ID)
			}
			s.valid(&vectors.Case{Type: "election/manifest", Comment: "manifest " + m.ID + " with the list letter Ø replaced by ØÆÅ: 3 code points (6 bytes), so a valid letter (1 to 3 code points)",
				Inputs: map[string]string{"manifest": replaceOnce(t, `"letter": "Ø"`, `"letter": "ØÆÅ"`)}})
			s.invalid(&vectors.Case{Type: "election/manifest", Comment: "manifest " + m.ID + " with the list letter Ø replaced by ABCD: 4 code points, more than 3",
				Inputs: map[string]string{"manifest": replaceOnce(t, `"letter": "Ø"`, `"letter": "ABCD"`)}})
			break
		}
	}
	return s
}

// resultDecodeCases adds the election/result-decode cases of the limits
// and of the precedence among several problems (spec/result.md §4), each
// checked for its error class and path.
func resultDecodeCases(s *set, good string) {
	add := func(comment, text, class, path string) {
		c := &vectors.Case{Type: "election/result-decode", Comment: comment, Inputs: map[string]string{"result": text}}
		if class == "" {
			s.valid(c)
			return
		}
		n := len(s.cases)
		s.invalidJSON(c)
		if len(s.cases) > n && s.err == nil && (c.Error != class || c.Outputs["path"] != path) {
			s.err = fmt.Errorf("%s: %q: error %s at %q, want %s at %q", c.Type, comment, c.Error, c.Outputs["path"], class, path)
		}
	}
	votes := `"votes": 22`
	inv := `"invalid": 0`
	add("a count of 2^63 − 1, the largest: it decodes (counts are not checked against each other when decoding)",
		replaceOnce(good, votes, `"votes": 9223372036854775807`), "", "")
	add("a count of 2^63, beyond 2^63 − 1", replaceOnce(good, votes, `"votes": 9223372036854775808`), "not-integer", "contests[0].options[0].votes")
	add("a count of −2^63 − 1: out of range, which is not-integer and not the wrong-value of a negative count",
		replaceOnce(good, inv, `"invalid": -9223372036854775809`), "not-integer", "contests[0].invalid")
	add("a count of null", replaceOnce(good, inv, `"invalid": null`), "wrong-type", "contests[0].invalid")
	add("blank null in a referendum: it decodes and is canonical; only V13's comparison with the recomputed result refuses it",
		replaceOnce(good, `"blank": 5`, `"blank": null`), "", "")
	rej4 := replaceOnce(good, `,
    {
      "reason": "re-vote forbidden",
      "count": 0
    }`, ``)
	add("rejected with four entries (the last reason left out)", rej4, "wrong-value", "rejected")
	add("rejected with six entries (a sixth reason added)", replaceOnce(good, `"reason": "re-vote forbidden",
      "count": 0
    }`, `"reason": "re-vote forbidden",
      "count": 0
    },
    {
      "reason": "other",
      "count": 0
    }`), "wrong-value", "rejected")
	add("lists in a referendum contest", replaceOnce(good, `"blank": 5,`, `"lists": [],
      "blank": 5,`), "unknown-member", "contests[0].lists")
	opts := good[strings.Index(good, `"options": [`):strings.Index(good, `"blank": 5,`)]
	add("an empty options array, which must have been omitted", strings.Replace(good, opts, `"options": [],
      `, 1), "wrong-value", "contests[0].options")

	// Precedence.
	add("precedence: a duplicate member before a syntax error (the text is cut short after it): the first problem in the text, the duplicate",
		replaceOnce(good, `"ballots_accepted": 40,`, `"ballots_accepted": 40,
  "ballots_accepted": 40,`)[:len(good)/2], "duplicate-member", "ballots_accepted")
	add("precedence: a syntax error (a leading zero) before a duplicate member: the first problem in the text, the syntax error",
		replaceOnce(replaceOnce(good, `"voters_on_roll": 49`, `"voters_on_roll": 049`), votes, votes+`,
          `+votes), "syntax", "")
	add("precedence: an unknown top-level member before a duplicate member deep in the text: duplicates are found over the whole text before any member is checked",
		replaceOnce(replaceOnce(good, `"election": "dk-euro",`, `"spoilt": 0,
  "election": "dk-euro",`), votes, votes+`,
          `+votes), "duplicate-member", "contests[0].options[0].votes")
	add("precedence: an unknown member and a missing member in one object (invalid renamed spoilt): the unknown member",
		replaceOnce(good, inv, `"spoilt": 0`), "unknown-member", "contests[0].spoilt")
	add("precedence: an unknown top-level member and a negative count inside a contest: the object's members first, then the values",
		replaceOnce(replaceOnce(good, `"contests": [`, `"spoilt": 0,
  "contests": [`), inv, `"invalid": -1`), "unknown-member", "spoilt")
	add("precedence: a negative voters_on_roll and a wrong-typed contest id: the top-level values in the order of §1.1, then contests",
		replaceOnce(replaceOnce(good, `"voters_on_roll": 49`, `"voters_on_roll": -49`), `"id": "euro"`, `"id": 1`), "wrong-value", "voters_on_roll")
	add("precedence: blank and invalid both negative: invalid is checked before blank, although blank comes first in the text",
		replaceOnce(replaceOnce(good, `"blank": 5`, `"blank": -5`), inv, `"invalid": -1`), "wrong-value", "contests[0].invalid")
	add("precedence: an unknown contest kind and an unknown member in that contest: the kind, which is checked before the contest's members",
		replaceOnce(replaceOnce(good, `"kind": "referendum"`, `"kind": "plebiscite"`), inv, inv+`,
      "spoilt": 0`), "wrong-value", "contests[0].kind")
	add("precedence: a contest without kind but with options: options is an unknown member (which members are allowed depends on the kind), reported before the missing kind",
		replaceOnce(good, `"kind": "referendum",
      `, ``), "unknown-member", "contests[0].options")
	add("precedence: rejected with four entries, one of them a string: the number of entries is checked before the entries",
		replaceOnce(rej4, `{
      "reason": "wrong election",
      "count": 0
    }`, `"wrong election"`), "wrong-value", "rejected")
	add("precedence: a rejection reason out of order with a negative count: the count is checked before the reason's value",
		replaceOnce(good, `"reason": "wrong election",
      "count": 0`, `"reason": "duplicate",
      "count": -1`), "wrong-value", "rejected[0].count")
}
