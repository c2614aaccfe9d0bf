package strictjson

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is a value at a member path, or an absent member. Its typed
// accessors check the value and, on the first problem found through any
// Node of the same document, record it for Err; later problems are
// ignored and accessors return zero values.
type Node struct {
	v    *Value
	Path string
	err  **Error
}

// Decode parses b (see Parse) and returns its top-level value.
func Decode(b []byte) (Node, error) {
	v, err := Parse(b)
	if err != nil {
		return Node{}, err
	}
	return Node{v: v, err: new(*Error)}, nil
}

// Err returns the first problem recorded, as an *Error, or nil.
func (n Node) Err() error {
	if *n.err == nil {
		return nil
	}
	return *n.err
}

// Failf records a WrongValue problem at n's path, unless a problem was
// recorded already.
func (n Node) Failf(format string, args ...any) { n.fail(WrongValue, format, args...) }

func (n Node) fail(code Code, format string, args ...any) {
	if *n.err == nil {
		*n.err = &Error{Path: n.Path, Offset: -1, Code: code, Problem: fmt.Sprintf(format, args...)}
	}
}

func (n Node) ok() bool { return *n.err == nil }

// Present reports whether the member exists.
func (n Node) Present() bool { return n.v != nil }

// IsNull reports whether the value is null.
func (n Node) IsNull() bool { return n.v != nil && n.v.Kind == Null }

func (n Node) want(k Kind) bool {
	if !n.ok() {
		return false
	}
	if n.v == nil {
		n.fail(Missing, "missing member")
		return false
	}
	if n.v.Kind != k {
		n.fail(WrongType, "want %s, got %s", k, n.v.Kind)
		return false
	}
	return true
}

// Object checks that n is an object whose members are exactly those
// named: each is required, or optional when its name ends in "?". The
// first unknown member, else the first missing required member, is the
// problem.
func (n Node) Object(members ...string) Node {
	if !n.want(Object) {
		return n
	}
	known := map[string]bool{}
	for _, m := range members {
		known[strings.TrimSuffix(m, "?")] = true
	}
	for _, m := range n.v.Members {
		if !known[m.Name] {
			Node{Path: JoinName(n.Path, m.Name), err: n.err}.fail(Unknown, "unknown member")
			return n
		}
	}
	for _, m := range members {
		if !strings.HasSuffix(m, "?") && !n.Get(m).Present() {
			Node{Path: JoinName(n.Path, m), err: n.err}.fail(Missing, "missing member")
			return n
		}
	}
	return n
}

// Get returns member name of an object; it is absent if n is not an
// object or has no such member.
func (n Node) Get(name string) Node {
	out := Node{Path: JoinName(n.Path, name), err: n.err}
	if n.v != nil && n.v.Kind == Object {
		for _, m := range n.v.Members {
			if m.Name == name {
				out.v = m.Value
			}
		}
	}
	return out
}

// Str returns a string value.
func (n Node) Str() string {
	if !n.want(String) {
		return ""
	}
	return n.v.Text
}

// Elems returns the elements of an array.
func (n Node) Elems() []Node {
	if !n.want(Array) {
		return nil
	}
	out := make([]Node, len(n.v.Elems))
	for i, e := range n.v.Elems {
		out[i] = Node{v: e, Path: JoinIndex(n.Path, i), err: n.err}
	}
	return out
}

// Int returns an integer written in canonical form: an optional '-', then
// 0 or a digit 1-9 followed by digits, without fraction or exponent, not
// -0, and in the range of int.
func (n Node) Int() int {
	if !n.want(Number) {
		return 0
	}
	if p := IntProblem(n.v.Text); p != "" {
		n.fail(NotInteger, "%s", p)
		return 0
	}
	v, err := strconv.ParseInt(n.v.Text, 10, strconv.IntSize)
	if err != nil {
		n.fail(NotInteger, "integer %s out of range", n.v.Text)
		return 0
	}
	return int(v)
}

// Count returns a non-negative integer (see Int).
func (n Node) Count() int {
	v := n.Int()
	if v < 0 {
		n.Failf("negative count %d", v)
		return 0
	}
	return v
}

// IntProblem says why the number literal s is not a canonical integer,
// or returns "".
func IntProblem(s string) string {
	digits := strings.TrimPrefix(s, "-")
	switch {
	case strings.ContainsAny(s, "eE"):
		return fmt.Sprintf("not an integer in canonical form: %s has an exponent", s)
	case strings.Contains(s, "."):
		return fmt.Sprintf("not an integer: %s has a fraction", s)
	case s == "-0":
		return "not an integer in canonical form: -0"
	case len(digits) > 1 && digits[0] == '0':
		return fmt.Sprintf("not an integer in canonical form: %s has a leading zero", s)
	case digits == "" || strings.Trim(digits, "0123456789") != "":
		return fmt.Sprintf("not an integer: %s", s)
	}
	return ""
}
