package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	// testscript re-executes this test binary as "urna" for each exec.
	testscript.Main(m, map[string]func(){
		"urna": main,
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// subst TEMPLATE PLACEHOLDER VALUE-FILE OUT writes TEMPLATE with
			// PLACEHOLDER replaced by the trimmed contents of VALUE-FILE,
			// so that scripts can put values made during the run, such as
			// an election key, into files they ship.
			"subst": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 4 {
					ts.Fatalf("usage: subst TEMPLATE PLACEHOLDER VALUE-FILE OUT")
				}
				value := strings.TrimSpace(ts.ReadFile(args[2]))
				out := strings.ReplaceAll(ts.ReadFile(args[0]), args[1], value)
				ts.Check(os.WriteFile(ts.MkAbs(args[3]), []byte(out), 0o644))
			},
			// setenv VAR FILE sets VAR to the trimmed contents of FILE, such
			// as an election fingerprint printed during the run.
			"setenv": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: setenv VAR FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
			// splice OUT FILE:FROM:TO... writes OUT as the concatenation of
			// the byte ranges [FROM, TO) of the files (TO empty: to the
			// end), such as an opening with one ballot's hash and another
			// ballot's randomness.
			"splice": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: splice OUT FILE:FROM:TO...")
				}
				var out []byte
				for _, a := range args[1:] {
					parts := strings.Split(a, ":")
					if len(parts) != 3 {
						ts.Fatalf("splice: %q: want FILE:FROM:TO", a)
					}
					b := []byte(ts.ReadFile(parts[0]))
					from, err := strconv.Atoi(parts[1])
					ts.Check(err)
					to := len(b)
					if parts[2] != "" {
						to, err = strconv.Atoi(parts[2])
						ts.Check(err)
					}
					if from < 0 || from > to || to > len(b) {
						ts.Fatalf("splice: %q: range out of %d bytes", a, len(b))
					}
					out = append(out, b[from:to]...)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
			},
		},
	})
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"nosuchcommand"}, "urna: unknown command \"nosuchcommand\"\nurna: hint: run 'urna help' to list the commands\n"},
		{"unknown help topic", []string{"help", "nosuchcommand"}, "urna: no help topic for \"nosuchcommand\"\n"},
		{"unknown flag", []string{"--nosuchflag"}, "urna: flag provided but not defined: -nosuchflag\nurna: hint: run 'urna --help' for usage\n"},
		{"unknown subcommand flag", []string{"version", "--nosuchflag"}, "urna: flag provided but not defined: -nosuchflag\nurna: hint: run 'urna version --help' for usage\n"},
		{"stray argument", []string{"version", "extra"}, "urna: version takes no arguments, got \"extra\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"urna"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout.String())
			assert.Contains(t, stderr.String(), tt.want)
		})
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"urna"}, {"urna", "help"}, {"urna", "--help"}} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(args, &stdout, &stderr), "args %q", args)
		assert.Contains(t, stdout.String(), "end-to-end verifiable elections", "args %q", args)
		assert.Contains(t, stdout.String(), "version", "args %q", args)
		assert.Contains(t, stdout.String(), "demo", "args %q", args)
		assert.Empty(t, stderr.String(), "args %q", args)
	}
}
