// Package strictjson decodes JSON (RFC 8259) strictly, for the JSON that
// urna reads from a board's log or an election record (spec/result.md §3,
// spec/manifest.md §1): no duplicate member at any depth, no unknown or
// missing member, integers only in canonical decimal form, valid UTF-8 and
// nothing after the value. Errors name the member path, such as
// contests[0].options[1].votes.
package strictjson

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts.
const MaxDepth = 32

// Error is a problem with the input: Path is the member path ("" for the
// top-level value), Offset the byte offset of a syntax error or -1, and
// Code the class of the problem.
type Error struct {
	Path    string
	Offset  int
	Code    Code
	Problem string
}

// Code classifies an Error.
type Code string

// The classes of errors.
const (
	Syntax     Code = "syntax"           // not JSON, invalid UTF-8, data after the value, too deep
	Duplicate  Code = "duplicate-member" // a member name repeated in one object
	Unknown    Code = "unknown-member"
	Missing    Code = "missing-member"
	NotInteger Code = "not-integer" // a number that is not an integer in canonical form, or out of range
	WrongType  Code = "wrong-type"
	WrongValue Code = "wrong-value" // a well-typed value the caller refused (Failf)
)

func (e *Error) Error() string {
	p := e.Path
	if p == "" {
		p = "top level"
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: at byte %d: %s", p, e.Offset, e.Problem)
	}
	return p + ": " + e.Problem
}

// Kind is the type of a JSON value.
type Kind int

// The kinds of JSON values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// Value is a parsed JSON value. Text is the string's decoded text or the
// number's literal; Members keep their order.
type Value struct {
	Kind    Kind
	Bool    bool
	Text    string
	Elems   []*Value
	Members []Member
}

// Member is one member of an object.
type Member struct {
	Name  string
	Value *Value
}

// Parse parses one JSON value with nothing but whitespace after it. It
// rejects duplicate member names (compared after unescaping), invalid
// UTF-8, lone surrogate escapes and nesting deeper than MaxDepth.
func Parse(b []byte) (*Value, error) {
	p := &parser{b: b}
	p.space()
	v, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail("", "data after the value")
	}
	return v, nil
}

type parser struct {
	b []byte
	i int
}

func (p *parser) fail(path, format string, args ...any) *Error {
	return &Error{Path: path, Offset: p.i, Code: Syntax, Problem: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) literal(path, word string) error {
	if !strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(word))]), word) {
		return p.fail(path, "invalid literal")
	}
	p.i += len(word)
	return nil
}

func (p *parser) value(path string, depth int) (*Value, error) {
	if p.i >= len(p.b) {
		return nil, p.fail(path, "unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(path, depth+1)
	case c == '[':
		return p.array(path, depth+1)
	case c == '"':
		s, err := p.str(path)
		return &Value{Kind: String, Text: s}, err
	case c == 't':
		return &Value{Kind: Bool, Bool: true}, p.literal(path, "true")
	case c == 'f':
		return &Value{Kind: Bool}, p.literal(path, "false")
	case c == 'n':
		return &Value{Kind: Null}, p.literal(path, "null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number(path)
	default:
		return nil, p.fail(path, "unexpected character %q", c)
	}
}

func (p *parser) object(path string, depth int) (*Value, error) {
	if depth > MaxDepth {
		return nil, p.fail(path, "nested more than %d deep", MaxDepth)
	}
	p.i++ // {
	v := &Value{Kind: Object}
	seen := map[string]bool{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail(path, "want a member name")
		}
		name, err := p.str(path)
		if err != nil {
			return nil, err
		}
		mpath := JoinName(path, name)
		if seen[name] {
			return nil, &Error{Path: mpath, Offset: -1, Code: Duplicate, Problem: "duplicate member"}
		}
		seen[name] = true
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail(mpath, "want ':' after the member name")
		}
		p.i++
		p.space()
		mv, err := p.value(mpath, depth)
		if err != nil {
			return nil, err
		}
		v.Members = append(v.Members, Member{name, mv})
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return v, nil
		}
		return nil, p.fail(path, "want ',' or '}' after member %q", name)
	}
}

func (p *parser) array(path string, depth int) (*Value, error) {
	if depth > MaxDepth {
		return nil, p.fail(path, "nested more than %d deep", MaxDepth)
	}
	p.i++ // [
	v := &Value{Kind: Array}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		e, err := p.value(JoinIndex(path, len(v.Elems)), depth)
		if err != nil {
			return nil, err
		}
		v.Elems = append(v.Elems, e)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		return nil, p.fail(path, "want ',' or ']' after element %d", len(v.Elems)-1)
	}
}

// number checks the RFC 8259 number grammar and keeps the literal.
func (p *parser) number(path string) (*Value, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
		if digits() > 0 {
			return nil, p.fail(path, "invalid number: leading zero")
		}
	case digits() == 0:
		return nil, p.fail(path, "invalid number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail(path, "invalid number: no digit after '.'")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail(path, "invalid number: no digit in the exponent")
		}
	}
	return &Value{Kind: Number, Text: string(p.b[start:p.i])}, nil
}

// str decodes a string starting at its opening quote.
func (p *parser) str(path string) (string, error) {
	p.i++ // "
	var sb strings.Builder
	for {
		if p.i >= len(p.b) {
			return "", p.fail(path, "unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c < 0x20:
			return "", p.fail(path, "control character 0x%02x in a string", c)
		case c == '\\':
			r, err := p.escape(path)
			if err != nil {
				return "", err
			}
			sb.WriteRune(r)
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			p.i++
		default:
			r, n := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.fail(path, "invalid UTF-8 in a string")
			}
			sb.WriteRune(r)
			p.i += n
		}
	}
}

func (p *parser) escape(path string) (rune, error) {
	if p.i+1 >= len(p.b) {
		return 0, p.fail(path, "unterminated escape")
	}
	c := p.b[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := p.hex4(path)
		if err != nil {
			return 0, err
		}
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		if r < 0xdc00 && p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
			p.i += 2
			r2, err := p.hex4(path)
			if err != nil {
				return 0, err
			}
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				return d, nil
			}
		}
		return 0, p.fail(path, "lone surrogate in a \\u escape")
	}
	p.i -= 2
	return 0, p.fail(path, "invalid escape \\%c", c)
}

func (p *parser) hex4(path string) (rune, error) {
	if p.i+4 > len(p.b) {
		return 0, p.fail(path, "short \\u escape")
	}
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, p.fail(path, "invalid \\u escape")
	}
	p.i += 4
	return rune(v), nil
}

// JoinName returns the path of member name of the value at path: a dot
// and the name, or the quoted name in brackets unless it is a plain word
// of ASCII letters, digits, '_' and '-'.
func JoinName(path, name string) string {
	plain := name != ""
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			plain = false
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}

// JoinIndex returns the path of element i of the array at path.
func JoinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
