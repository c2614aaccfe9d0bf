// Package spectest holds only tests. They check that the protocol
// specification in spec/ keeps up with the code: every domain-separation
// label and identity prefix in the module (each string literal starting
// with "urna/" or "urna-"), and every exported constant of the protocol
// packages, appears in some spec/*.md file, and every relative link
// between spec files points to a file that exists.
//
// The convention for writing labels in the spec is given in
// spec/labels.md: a label is written as its Go string literal would print
// it with strconv.Quote, without the surrounding quotes, so a trailing
// zero byte appears as \x00 and a trailing newline as \n.
package spectest
