package main

import "github.com/urfave/cli/v2"

// reportCommand is 'urna report': the count protocol, for those who look
// for it by that name. It is 'urna tally count' under another name, so
// the two can never disagree.
func reportCommand() *cli.Command {
	var count *cli.Command
	for _, sub := range tallyCommand().Subcommands {
		if sub.Name == "count" {
			count = sub
		}
	}
	return &cli.Command{
		Name:      "report",
		Usage:     "print the count protocol of an election (the same as 'urna tally count')",
		UsageText: "urna report --manifest FILE --eligible FILE [--overrides FILE] --decrypted FILE [--json] BALLOT-FILE...",
		Description: count.Description + `

The protocol follows the Norwegian count protocol: voters on the roll,
ballots received, accepted, superseded by re-votes, cancelled by
overrides, rejected by reason, and the result per contest, list and
candidate, with blank and invalid votes. --json prints it as JSON.`,
		Flags:  count.Flags,
		Action: count.Action,
	}
}
