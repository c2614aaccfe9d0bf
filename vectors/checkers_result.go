package vectors

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
)

// Checkers of the JSON a verifier reads from the log (spec/manifest.md §1,
// spec/result.md): manifests, the count and the result entry body.

func init() {
	checkers["election/manifest"] = checkManifest
	checkers["election/result"] = checkResult
	checkers["election/result-decode"] = checkResultDecode
}

// errNotCanonical is a body that decodes but is not the canonical
// encoding of what it decodes to.
var errNotCanonical = fmt.Errorf("%w: not the canonical JSON encoding", elgamal.ErrNonCanonical)

// checkManifest parses a manifest and returns its canonical JSON and
// manifest hash.
func checkManifest(c *Case) (map[string]string, error) {
	m, err := manifest(c, "manifest")
	if err != nil {
		return nil, err
	}
	h := m.Hash()
	return map[string]string{"canonical": string(m.JSON()), "hash": hx(h[:])}, nil
}

// ints decodes a comma-separated list of decimal integers ("" is empty).
func ints(c *Case, name string) []uint64 {
	s, ok := c.Inputs[name]
	if !ok {
		panic(fmt.Sprintf("vector %s: missing input %q", c.Type, name))
	}
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			panic(fmt.Sprintf("vector %s: input %q: %v", c.Type, name, err))
		}
		out = append(out, v)
	}
	return out
}

// checkResult counts the decrypted values of a manifest's contests and
// returns the canonical result.
func checkResult(c *Case) (map[string]string, error) {
	m, err := manifest(c, "manifest")
	if err != nil {
		return nil, err
	}
	rej := ints(c, "rejected")
	if len(rej) != len(election.RejectReasons) {
		panic(fmt.Sprintf("vector %s: want %d rejection counts", c.Type, len(election.RejectReasons)))
	}
	cl := &election.Cleansed{Manifest: m, Eligible: int(inUint(c, "eligible")),
		Ballots: make([]*election.Ballot, inUint(c, "accepted")),
		Counts: election.CleanseCounts{Received: int(inUint(c, "received")), Accepted: int(inUint(c, "accepted")),
			Superseded: int(inUint(c, "superseded")), Cancelled: int(inUint(c, "cancelled")), Rejected: map[string]int{}}}
	for i, r := range election.RejectReasons {
		cl.Counts.Rejected[r] = int(rej[i])
	}
	sums := []*elgamal.Element{}
	for _, v := range ints(c, "sums") {
		sums = append(sums, elgamal.NewElement().ScalarBaseMult(new(elgamal.Scalar).SetUint64(v)))
	}
	mixed := map[string][]*elgamal.Element{}
	for _, ct := range m.Contests {
		if ct.Tally != election.Mixnet {
			continue
		}
		s, ok := c.Inputs["mixed_"+ct.ID]
		if !ok {
			panic(fmt.Sprintf("vector %s: missing input mixed_%s", c.Type, ct.ID))
		}
		mixed[ct.ID] = []*elgamal.Element{}
		for _, f := range strings.Split(s, ",") {
			if f == "" {
				continue
			}
			b, err := hex.DecodeString(f)
			if err != nil {
				panic(fmt.Sprintf("vector %s: input mixed_%s: %v", c.Type, ct.ID, err))
			}
			e, err := new(elgamal.Element).SetCanonicalBytes(b)
			if err != nil {
				return nil, fmt.Errorf("mixed_%s: %w", ct.ID, err)
			}
			mixed[ct.ID] = append(mixed[ct.ID], e)
		}
	}
	res, err := election.Count(m, cl, sums, mixed)
	if err != nil {
		return nil, err
	}
	return map[string]string{"result": string(election.NewReport(cl, res).ResultJSON())}, nil
}

// checkResultDecode decodes a result entry body strictly and requires it
// to be the canonical encoding of what it decodes to.
func checkResultDecode(c *Case) (map[string]string, error) {
	s, ok := c.Inputs["result"]
	if !ok {
		panic(fmt.Sprintf("vector %s: missing input %q", c.Type, "result"))
	}
	r, err := election.ParseResult([]byte(s))
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(r.ResultJSON(), []byte(s)) {
		return nil, errNotCanonical
	}
	return nil, nil
}
