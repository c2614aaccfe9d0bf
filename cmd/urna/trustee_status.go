package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/urnavote/urna/elgamal/threshold"
)

func trusteeShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "say which ceremony a setup or entry file belongs to (anyone)",
		UsageText: "urna trustee show [--setup FILE] FILE...",
		Description: `show prints, for each file, what it is: a ceremony setup (its ceremony
hash, election, threshold and trustees) or ceremony entries (their type,
sender and ceremony hash). With --setup, entries are also checked against
that ceremony (signature and sender) and their senders named. Trustees
compare the ceremony hash over a second channel: the same hash means the
same trustees, keys and threshold.`,
		Flags:  []cli.Flag{&cli.StringFlag{Name: "setup", Usage: "the ceremony setup `FILE`, to check entries against"}},
		Action: trusteeShow,
	}
}

func trusteeShow(c *cli.Context) error {
	if c.NArg() == 0 {
		return errorWithHint("show takes the files to show", "give a setup file or entry files")
	}
	var s *threshold.Setup
	if c.String("setup") != "" {
		var err error
		if s, err = loadSetup(c); err != nil {
			return err
		}
	}
	w := c.App.Writer
	for _, path := range c.Args().Slice() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if setup, err := threshold.ParseSetup(b); err == nil {
			fmt.Fprintf(w, "%s: ceremony setup\n", path)
			printCeremony(w, setup)
			continue
		}
		for k := 0; len(b) > 0; k++ {
			n, err := threshold.EntryLength(b)
			if err == nil && string(b[:4]) != "urna" {
				err = fmt.Errorf("no entry header")
			}
			if err != nil {
				return errorWithHint(fmt.Sprintf("%s: entry %d: neither a ceremony setup nor a ceremony entry: %v", path, k+1, err),
					"give the files 'urna trustee setup', commit, deal, check, respond or decrypt wrote")
			}
			// The header: magic, version, type, ceremony hash, sender.
			typ := threshold.EntryType(b[5])
			ceremony, sender := b[6:38], binary.BigEndian.Uint32(b[38:42])
			line := fmt.Sprintf("%s: entry %d: %s of trustee %d, ceremony %x", path, k+1, typ, sender, ceremony)
			if s != nil {
				if e, err := threshold.ParseEntry(s, b[:n]); err != nil {
					line += fmt.Sprintf(": NOT an entry of this ceremony: %v", err)
				} else {
					line += fmt.Sprintf(" (%s), signature valid", s.Trustee(e.Sender).Name)
				}
			}
			fmt.Fprintln(w, line)
			b = b[n:]
		}
	}
	return nil
}

func trusteeStatusCommand(flags ...cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "say what your next step in the ceremony is, and what is missing",
		UsageText: "urna trustee status --setup FILE --key FILE [--absent N]... [ENTRY-FILE...]",
		Description: `status reads the ceremony entries you have received (give every entry
file) and tells you where the ceremony stands for you: which trustees'
commitments, shares or responses are still missing, and which command
to run next.`,
		Flags:  flags,
		Action: trusteeStatus,
	}
}

func trusteeStatus(c *cli.Context) error {
	s, id, index, err := loadTrustee(c)
	if err != nil {
		return err
	}
	entries, err := loadEntries(c, s)
	if err != nil {
		return err
	}
	w := c.App.Writer
	has := func(t threshold.EntryType, j uint32) bool {
		for _, e := range entries {
			if e.Type == t && e.Sender == j {
				return true
			}
		}
		return false
	}
	me := trusteeRef{index, id.Name}
	next := func(format string, args ...any) error {
		fmt.Fprintf(w, "%s: next: %s\n", me, fmt.Sprintf(format, args...))
		return nil
	}
	absent, err := absentTrustees(c, s)
	if err != nil {
		return err
	}
	missingCommit := missingFrom(s, entries, threshold.TypeCommitment, absent)
	if !has(threshold.TypeCommitment, index) {
		return next("'urna trustee commit' (round 1), and send the commitment to every trustee")
	}
	if len(missingCommit) > 0 {
		fmt.Fprintf(w, "%s: waiting for the commitments of %s (or agree to go on without them: --absent)\n", me, joinRefs(missingCommit))
		return nil
	}
	if !has(threshold.TypeShares, index) {
		return next("'urna trustee deal' (round 2), and send the shares to every trustee")
	}
	skip := map[uint32]bool{index: true}
	for j := range absent {
		skip[j] = true
	}
	if missing := missingFrom(s, entries, threshold.TypeShares, skip); len(missing) > 0 {
		fmt.Fprintf(w, "%s: waiting for the shares of %s\n", me, joinRefs(missing))
		return nil
	}
	// Complaints against this trustee that it has not answered.
	var unanswered []string
	for _, e := range entries {
		if e.Type != threshold.TypeComplaint {
			continue
		}
		body, err := threshold.ParseComplaintBody(e.Body, s.N())
		if err != nil || body.Accused != index {
			continue
		}
		answered := false
		for _, r := range entries {
			if r.Type == threshold.TypeResponse && r.Sender == index && len(r.Body) >= 4 && binary.BigEndian.Uint32(r.Body[:4]) == e.Sender {
				answered = true
			}
		}
		if !answered {
			unanswered = append(unanswered, trusteeRef{e.Sender, s.Trustee(e.Sender).Name}.String())
		}
	}
	if len(unanswered) > 0 {
		return next("'urna trustee respond' to the complaints of %s (round 4)", strings.Join(unanswered, ", "))
	}
	return next("'urna trustee check' (round 3) if you have not: it says whether to complain; then, once complaints are answered, 'urna trustee finish'")
}

// ceremonyGaps says, for each trustee, which step of the ceremony is
// missing from entries and who must redo what, for finish's error.
func ceremonyGaps(s *threshold.Setup, entries []*threshold.Entry) []string {
	var out []string
	for _, m := range missingFrom(s, entries, threshold.TypeCommitment, nil) {
		out = append(out, fmt.Sprintf("%s has no commitment: it runs 'urna trustee commit', or the others go on without it", m))
	}
	committed := map[uint32]bool{}
	for _, e := range entries {
		if e.Type == threshold.TypeCommitment {
			committed[e.Sender] = true
		}
	}
	skip := map[uint32]bool{}
	for i := range s.Trustees {
		skip[uint32(i+1)] = !committed[uint32(i+1)]
	}
	for _, m := range missingFrom(s, entries, threshold.TypeShares, skip) {
		out = append(out, fmt.Sprintf("%s committed but has no shares entry: it runs 'urna trustee deal'", m))
	}
	for _, e := range entries {
		if e.Type != threshold.TypeComplaint {
			continue
		}
		body, err := threshold.ParseComplaintBody(e.Body, s.N())
		if err != nil {
			continue
		}
		answered := false
		for _, r := range entries {
			if r.Type == threshold.TypeResponse && r.Sender == body.Accused && len(r.Body) >= 4 && binary.BigEndian.Uint32(r.Body[:4]) == e.Sender {
				answered = true
			}
		}
		if !answered {
			out = append(out, fmt.Sprintf("%s has not answered the complaint of %s: it runs 'urna trustee respond'",
				trusteeRef{body.Accused, s.Trustee(body.Accused).Name}, trusteeRef{e.Sender, s.Trustee(e.Sender).Name}))
		}
	}
	return out
}
