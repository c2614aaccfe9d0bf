package strictjson

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ in, path, problem string }{
		{`{"a":1,"a":2}`, "a", "duplicate member"},
		{`{"x":{"a":1,"b":[{"a":1,"\u0061":2}]}}`, "x.b[0].a", "duplicate member"},
		{`{"a":1} {}`, "", "data after the value"},
		{`{"a":1`, "", "want ',' or '}'"},
		{`[1,]`, "[1]", "unexpected character"},
		{`{"a":01}`, "a", "leading zero"},
		{`{"a":1 "b":2}`, "", `want ',' or '}' after member "a"`},
		{`{"a":1.}`, "a", "no digit after '.'"},
		{`{"a":+1}`, "a", "unexpected character '+'"},
		{"{\"a\":\"\x01\"}", "a", "control character"},
		{"{\"a\":\"\xff\"}", "a", "invalid UTF-8"},
		{`{"a":"\ud800"}`, "a", "lone surrogate"},
		{`{"a":"\udc00\ud800"}`, "a", "lone surrogate"},
		{`{"a":"\x"}`, "a", "invalid escape"},
		{`{"a":"\u12g4"}`, "a", "invalid \\u escape"},
		{`{"a":tru}`, "a", "invalid literal"},
		{"\ufeff{}", "", "unexpected character"},
		{``, "", "unexpected end"},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), strings.Repeat("[0]", MaxDepth), "nested more than"},
	} {
		_, err := Parse([]byte(tc.in))
		require.Error(t, err, tc.in)
		var e *Error
		require.ErrorAs(t, err, &e, tc.in)
		require.Equal(t, tc.path, e.Path, tc.in)
		require.Contains(t, e.Problem, tc.problem, tc.in)
	}
}

func TestParseAccepts(t *testing.T) {
	v, err := Parse([]byte(" {\"a\" : [1, -2.5e+3, true, false, null, \"\\u00e6\\ud83d\\ude00\\/\"], \"b\":{}}\r\n\t"))
	require.NoError(t, err)
	require.Equal(t, "a", v.Members[0].Name)
	el := v.Members[0].Value.Elems
	require.Equal(t, "-2.5e+3", el[1].Text)
	require.Equal(t, "æ😀/", el[5].Text)
	require.Equal(t, Object, v.Members[1].Value.Kind)
}

func TestInt(t *testing.T) {
	for in, want := range map[string]string{
		`0`:                    "",
		`22`:                   "",
		`-7`:                   "",
		`22.0000000000000001`:  "has a fraction",
		`22.0`:                 "has a fraction",
		`2.2e1`:                "has an exponent",
		`22E0`:                 "has an exponent",
		`-0`:                   "-0",
		`99999999999999999999`: "out of range",
	} {
		n, err := Decode([]byte(`{"n":` + in + `}`))
		require.NoError(t, err)
		v := n.Object("n").Get("n").Int()
		if want == "" {
			require.NoError(t, n.Err(), in)
			require.Equal(t, in, strconv.Itoa(v))
			continue
		}
		require.ErrorContains(t, n.Err(), "n: ", in)
		require.ErrorContains(t, n.Err(), want, in)
	}
	n, _ := Decode([]byte(`{"n":-1}`))
	n.Get("n").Count()
	require.ErrorContains(t, n.Err(), "n: negative count -1")
	require.Contains(t, IntProblem("007"), "leading zero")
}

func TestObject(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"b":"x"}`:         "",
		`{"b":"x","a":1,"c":2}`:   "",
		`{"a":1}`:                 "b: missing member",
		`{"a":1,"b":"x","d":0}`:   "d: unknown member",
		`{"a":1,"b":"x","d.e":0}`: `["d.e"]: unknown member`,
		`{"a":"1","b":"x"}`:       "a: want a number, got a string",
		`[]`:                      "top level: want an object, got an array",
	} {
		n, err := Decode([]byte(in))
		require.NoError(t, err)
		o := n.Object("a", "b", "c?")
		o.Get("a").Int()
		o.Get("b").Str()
		if c := o.Get("c"); c.Present() {
			c.Int()
		}
		if want == "" {
			require.NoError(t, n.Err(), in)
		} else {
			require.EqualError(t, n.Err(), want, in)
		}
	}
	// The first problem is kept.
	n, _ := Decode([]byte(`{"l":[{"v":1.5},{"v":"x"}]}`))
	for _, e := range n.Object("l").Get("l").Elems() {
		e.Object("v").Get("v").Int()
	}
	require.EqualError(t, n.Err(), "l[0].v: not an integer: 1.5 has a fraction")
}

// encode writes v as compact JSON, with encoding/json's string escaping.
func encode(v *Value) string {
	switch v.Kind {
	case Null:
		return "null"
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Number:
		return v.Text
	case String:
		b, _ := json.Marshal(v.Text)
		return string(b)
	case Array:
		var s []string
		for _, e := range v.Elems {
			s = append(s, encode(e))
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	var s []string
	for _, m := range v.Members {
		b, _ := json.Marshal(m.Name)
		s = append(s, string(b)+":"+encode(m.Value))
	}
	return "{" + strings.Join(s, ",") + "}"
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[true,false,null,"x\u00e6\n"],"c":{"d":-1.5e3}}`,
		`{"a":1,"a":2}`, `[1,2.0,2e1,-0,01]`, `"\ud83d\ude00"`, `{"contests":[{"votes":22.0000000000000001}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		if err != nil {
			var e *Error
			require.ErrorAs(t, err, &e)
			return
		}
		require.True(t, json.Valid(b), "accepted invalid JSON %q", b)
		enc := encode(v)
		w, err := Parse([]byte(enc))
		require.NoError(t, err)
		require.Equal(t, v, w)
		require.Equal(t, enc, encode(w))
	})
}
