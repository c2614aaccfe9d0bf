// Command urna runs and checks end-to-end verifiable elections.
//
// Errors follow the age CLI conventions: a lowercase message prefixed with
// "urna: " on standard error, optionally followed by "urna: hint: " lines,
// and exit status 1 (urna verify also uses 3: see its help).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// exitError is an error with its own exit status.
type exitError struct {
	error
	code int
}

func (e *exitError) Unwrap() error { return e.error }

// hintError is an error that carries advice on what to do next. Commands
// return it instead of printing, so that run prints every error one way.
type hintError struct {
	msg   string
	hints []string
}

func (e *hintError) Error() string { return e.msg }

func errorWithHint(msg string, hints ...string) error {
	return &hintError{msg: msg, hints: hints}
}

const description = `urna runs end-to-end verifiable elections. Voters encrypt their
ballots under a threshold ElGamal key over ristretto255. A public bulletin
board records every step. Trustees hold shares of the election key: they mix
the ballots with verifiable shuffles and decrypt the tally together, and no
single trustee can decrypt anything alone. Anyone can re-check the published
record.

Election-system vendors import the Go packages; trustees and auditors use
this command.`

// run is main without the process exit, so that tests and testscript can
// drive the whole CLI with their own arguments and output streams.
func run(args []string, stdout, stderr io.Writer) int {
	// The help command reports an unknown topic only through this hook.
	var unknownHelpTopic string

	app := &cli.App{
		Name:        "urna",
		Usage:       "end-to-end verifiable elections",
		UsageText:   "urna <command> [options]",
		Description: description,
		Writer:      stdout,
		ErrWriter:   stderr,
		// Without this, urfave/cli calls os.Exit itself on some errors,
		// bypassing the error format below.
		ExitErrHandler:  func(*cli.Context, error) {},
		CommandNotFound: func(_ *cli.Context, name string) { unknownHelpTopic = name },
		OnUsageError:    onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return errorWithHint(fmt.Sprintf("unknown command %q", c.Args().First()),
					"run 'urna help' to list the commands")
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			trusteeCommand(),
			electionCommand(),
			registrarCommand(),
			voteCommand(),
			tallyCommand(),
			reportCommand(),
			mixCommand(),
			boardCommand(),
			verifyCommand(),
			versionCommand(),
			demoCommand(),
		},
	}
	var setUsage func(cmds []*cli.Command)
	setUsage = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd.OnUsageError = onUsageError
			setUsage(cmd.Subcommands)
		}
	}
	setUsage(app.Commands)

	err := app.Run(args)
	if err == nil && unknownHelpTopic != "" {
		err = errorWithHint(fmt.Sprintf("no help topic for %q", unknownHelpTopic),
			"run 'urna help' to list the commands")
	}
	if err == nil {
		return 0
	}
	var he *hintError
	if strings.HasPrefix(err.Error(), "Required flag") && !errors.As(err, &he) {
		// urfave/cli reports missing flags without calling OnUsageError.
		err = errorWithHint(err.Error(), "add --help to the command to see its flags")
	}
	fmt.Fprintf(stderr, "urna: %v\n", err)
	if errors.As(err, &he) {
		for _, h := range he.hints {
			fmt.Fprintf(stderr, "urna: hint: %s\n", h)
		}
	}
	if ee := (*exitError)(nil); errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// onUsageError replaces urfave/cli's "Incorrect Usage" output, which goes to
// stdout followed by the full help text, with a one-line error and a hint.
func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	help := "urna --help"
	if isSubcommand {
		help = "urna " + c.Command.FullName() + " --help"
	}
	return errorWithHint(err.Error(), fmt.Sprintf("run '%s' for usage", help))
}

// noArgs rejects stray positional arguments, which would otherwise be
// silently ignored.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return errorWithHint(fmt.Sprintf("%s takes no arguments, got %q", c.Command.FullName(), c.Args().First()),
			fmt.Sprintf("run 'urna %s --help' for usage", c.Command.FullName()))
	}
	return nil
}
