package election

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/strictjson"
)

// sampleReport counts 5 ballots of validManifest (a referendum, a
// party-list with personal votes, an approval with max 2 and a ranked
// contest with a blank and an invalid ballot).
func sampleReport(t testing.TB) *Report {
	m := validManifest()
	m.Title = "Valg <A & B>"
	cl := &Cleansed{Manifest: m, Eligible: 9, Ballots: make([]*Ballot, 5),
		Counts: CleanseCounts{Received: 8, Accepted: 5, Superseded: 1, Cancelled: 1, Rejected: map[string]int{ReasonInvalid: 1}}}
	var dec []*elgamal.Element
	for _, v := range []uint64{3, 1, 1, 0, 2, 1, 0, 3, 2, 4} {
		dec = append(dec, elgamal.NewElement().ScalarBaseMult(new(elgamal.Scalar).SetUint64(v)))
	}
	var mixed []*elgamal.Element
	for _, d := range [][]byte{{1, 2, 3}, {1, 2, 3}, {2, 0, 0}, {0, 0, 0}, {2, 2, 0}} {
		e, err := elgamal.EncodeData(d)
		require.NoError(t, err)
		mixed = append(mixed, e)
	}
	res, err := Count(m, cl, dec, map[string][]*elgamal.Element{"mayor": mixed})
	require.NoError(t, err)
	return NewReport(cl, res)
}

func TestResultJSON(t *testing.T) {
	rep := sampleReport(t)
	rep.Refused = []RejectCount{{Reason: "malformed", Count: 2}}
	b := rep.ResultJSON()
	s := string(b)
	require.NotContains(t, s, "refused_by_board")
	require.Contains(t, s, `"title": "Valg \u003cA \u0026 B\u003e",`)
	require.Contains(t, s, `"blank": null,`)
	require.True(t, strings.HasSuffix(s, "\n}\n"))
	r, err := ParseResult(b)
	require.NoError(t, err)
	require.Equal(t, b, r.ResultJSON())
	require.Nil(t, r.Refused)
	require.Equal(t, 1, r.Contests[3].Invalid)
	require.Equal(t, []string{"m1", "m2", "m3"}, r.Contests[3].Rankings[0].Ranking)

	// The report, with refused_by_board, is not a result but a report.
	full, err := rep.JSON()
	require.NoError(t, err)
	_, err = ParseResult(full)
	require.EqualError(t, err, "result: refused_by_board: unknown member")
	r, err = ParseReport(full)
	require.NoError(t, err)
	require.Equal(t, rep.Refused, r.Refused)
	require.Equal(t, b, r.ResultJSON())
}

func TestParseResultRejects(t *testing.T) {
	good := string(sampleReport(t).ResultJSON())
	mutate := func(old, new string) string {
		require.Contains(t, good, old)
		return strings.Replace(good, old, new, 1)
	}
	for _, tc := range []struct {
		in   string
		code strictjson.Code
		want string
	}{
		// The audit's cases: one value first, another later.
		{mutate(`"ballots_accepted": 5,`, `"ballots_accepted": 5, "ballots_accepted": 6,`), strictjson.Duplicate, "ballots_accepted: duplicate member"},
		{mutate(`"votes": 3`, `"votes": 4, "votes": 3`), strictjson.Duplicate, "contests[0].options[0].votes: duplicate member"},
		{mutate(`"votes": 3`, `"votes": 3.0000000000000001`), strictjson.NotInteger, "contests[0].options[0].votes: not an integer: 3.0000000000000001 has a fraction"},
		{mutate(`"votes": 3`, `"votes": 0.3e1`), strictjson.NotInteger, "contests[0].options[0].votes: not an integer in canonical form: 0.3e1 has an exponent"},
		{mutate(`"votes": 3`, `"votes": 03`), strictjson.Syntax, "contests[0].options[0].votes: at byte"},
		{mutate(`"votes": 3`, `"votes": -3`), strictjson.WrongValue, "contests[0].options[0].votes: negative count -3"},
		{mutate(`"votes": 3`, `"votes": "3"`), strictjson.WrongType, "contests[0].options[0].votes: want a number, got a string"},
		{mutate(`"blank": 1,`, `"blank": 1, "spoilt": 0,`), strictjson.Unknown, "contests[0].spoilt: unknown member"},
		{mutate(",\n      \"invalid\": 0", ``), strictjson.Missing, "contests[0].invalid: missing member"},
		{mutate(`"blank": 1,`, ``), strictjson.Missing, "contests[0].blank: missing member"},
		{mutate(`"kind": "referendum"`, `"kind": "plebiscite"`), strictjson.WrongValue, `contests[0].kind: unknown contest kind "plebiscite"`},
		{mutate(`"reason": "duplicate"`, `"reason": "dup"`), strictjson.WrongValue, `rejected[1].reason: want "duplicate", got "dup"`},
		{mutate(`"kind": "referendum",`, `"kind": "referendum", "lists": [],`), strictjson.Unknown, "contests[0].lists: unknown member"},
		{good + "{}", strictjson.Syntax, "top level: at byte"},
		{good[:len(good)-3], strictjson.Syntax, "top level: at byte"},
	} {
		_, err := ParseResult([]byte(tc.in))
		require.ErrorContains(t, err, "result: "+tc.want)
		var je *JSONError
		require.ErrorAs(t, err, &je)
		require.Equal(t, tc.code, je.Code, tc.want)
	}
}

func FuzzParseResult(f *testing.F) {
	good := sampleReport(f).ResultJSON()
	f.Add(good)
	f.Add([]byte(strings.Replace(string(good), `"votes": 3`, `"votes": 3.0`, 1)))
	f.Add([]byte(`{"election":"e","contests":[{"kind":"ranked","rankings":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResult(b)
		if err != nil {
			var je *JSONError
			require.ErrorAs(t, err, &je)
			return
		}
		enc := r.ResultJSON()
		r2, err := ParseResult(enc)
		require.NoError(t, err)
		require.Equal(t, r, r2)
		require.Equal(t, enc, r2.ResultJSON())
	})
}
