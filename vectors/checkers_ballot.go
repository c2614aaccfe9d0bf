package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
)

// Checkers of ballots (spec/ballot.md): encrypted, signed ballots and the
// openings of the Benaloh challenge.

func init() {
	checkers["election/ballot"] = checkBallot
	checkers["election/opening"] = checkOpening
}

// manifest parses the named input, the manifest's JSON text (not hex).
func manifest(c *Case, name string) (*election.Manifest, error) {
	s, ok := c.Inputs[name]
	if !ok {
		panic(fmt.Sprintf("vector %s: missing input %q", c.Type, name))
	}
	m, err := election.ParseManifest([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// ballot parses the named input as a ballot for m. A ballot of the wrong
// size is a length error.
func ballot(c *Case, m *election.Manifest, name string) (*election.Ballot, error) {
	data := in(c, name)
	b, err := election.ParseBallot(m, data)
	if err != nil {
		if size, serr := election.BallotSize(m); serr == nil && len(data) != size {
			return nil, fmt.Errorf("%s: %w: %w", name, elgamal.ErrLength, err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// checkBallot parses and verifies a ballot against the manifest and
// returns its tracking code.
func checkBallot(c *Case) (map[string]string, error) {
	m, err := manifest(c, "manifest")
	if err != nil {
		return nil, err
	}
	b, err := ballot(c, m, "ballot")
	if err != nil {
		return nil, err
	}
	if err := election.VerifyBallot(m, b); err != nil {
		return nil, err
	}
	return map[string]string{"tracking_code": election.TrackingCode(b)}, nil
}

// choices decodes the named input, a JSON object from contest ID to the
// list of selected choice indices (ranked contests: first preference
// first).
func choices(c *Case, name string) election.Choices {
	s, ok := c.Inputs[name]
	if !ok {
		panic(fmt.Sprintf("vector %s: missing input %q", c.Type, name))
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.DisallowUnknownFields()
	var ch election.Choices
	if err := d.Decode(&ch); err != nil {
		panic(fmt.Sprintf("vector %s: input %q: %v", c.Type, name, err))
	}
	if _, err := d.Token(); err != io.EOF {
		panic(fmt.Sprintf("vector %s: input %q: data after the object", c.Type, name))
	}
	return ch
}

// checkOpening checks a Benaloh opening: that it opens the ballot, with
// the choices recovered from it alone (election.OpenBallot, spec/ballot.md
// §6.1: every revealed randomness re-encrypts to its ciphertext, to 0 or
// 1 or a valid ranking, and the choices obey the manifest), and that they
// are the given choices (election.VerifyOpening, §6.2). It does not
// verify the ballot's proofs. It returns the tracking code of the opened
// ballot and the recovered choices, as JSON like the choices input (a
// blank contest left out).
func checkOpening(c *Case) (map[string]string, error) {
	m, err := manifest(c, "manifest")
	if err != nil {
		return nil, err
	}
	b, err := ballot(c, m, "ballot")
	if err != nil {
		return nil, err
	}
	data := in(c, "opening")
	o, err := election.ParseOpening(m, data)
	if err != nil {
		if len(data) != openingSize(m) {
			return nil, fmt.Errorf("opening: %w: %w", elgamal.ErrLength, err)
		}
		return nil, fmt.Errorf("opening: %w", err)
	}
	got, err := election.OpenBallot(m, b, o)
	if err != nil {
		return nil, err
	}
	if err := election.VerifyOpening(m, b, o, choices(c, "choices")); err != nil {
		return nil, err
	}
	js, err := json.Marshal(got)
	if err != nil {
		return nil, err
	}
	return map[string]string{"tracking_code": o.TrackingCode(), "choices": string(js)}, nil
}

// openingSize is the length of an opening for m: 32 bytes of ballot hash
// and one scalar per ciphertext of the ballot.
func openingSize(m *election.Manifest) int {
	n := 32
	for i := range m.Contests {
		k := len(m.Contests[i].Choices())
		if m.Contests[i].Tally == election.Mixnet {
			k = 1
		}
		n += k * elgamal.ScalarSize
	}
	return n
}
