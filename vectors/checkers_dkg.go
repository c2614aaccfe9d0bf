package vectors

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
)

// Checkers of the trustee ceremony (spec/threshold.md): complete DKG
// transcripts with the trustees' secrets for the intermediate values, and
// threshold decryption with the decryption-shares entries of a finished
// ceremony.

func init() {
	checkers["dkg/transcript"] = checkDKGTranscript
	checkers["dkg/decryption"] = checkDKGDecryption
}

// dlogMax is the largest plaintext integer of dkg/decryption vectors.
const dlogMax = 1<<16 - 1

// entryHeaderLen is the length of an entry header: magic (4), version,
// type, ceremony hash (32), sender (4), body length (4).
const entryHeaderLen = 4 + 1 + 1 + 32 + 4 + 4

// ceremonyEntries splits the named input into entries, which are
// self-delimiting, and decodes each with threshold.ParseEntry: an entry
// that does not decode, belongs to another ceremony, names no trustee or
// whose signature fails makes the transcript invalid.
func ceremonyEntries(c *Case, s *threshold.Setup, name string) ([]*threshold.Entry, error) {
	encs, err := splitEntries(in(c, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([]*threshold.Entry, len(encs))
	for k, b := range encs {
		if out[k], err = threshold.ParseEntry(s, b); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", name, k, err)
		}
	}
	return out, nil
}

// splitEntries splits b into entries by the body length in their headers.
func splitEntries(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		n, err := threshold.EntryLength(b)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out), err)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out, nil
}

// rawEntry decodes the fields of an entry without checking anything, for
// threshold.Combine, which checks (and ignores what fails) itself. A wrong
// magic or version is not kept, so such an entry's signature fails.
func rawEntry(b []byte) *threshold.Entry {
	e := &threshold.Entry{
		Type:   threshold.EntryType(b[5]),
		Sender: binary.BigEndian.Uint32(b[38:42]),
		Body:   append([]byte(nil), b[entryHeaderLen:len(b)-ed25519.SignatureSize]...),
	}
	copy(e.Ceremony[:], b[6:38])
	copy(e.Sig[:], b[len(b)-ed25519.SignatureSize:])
	return e
}

func joinIndices(js []uint32) string {
	s := make([]string, len(js))
	for k, j := range js {
		s[k] = strconv.FormatUint(uint64(j), 10)
	}
	return strings.Join(s, ",")
}

// optional returns the decoded hex input name and whether it is present.
func optional(c *Case, name string) ([]byte, bool) {
	if _, ok := c.Inputs[name]; !ok {
		return nil, false
	}
	return in(c, name), true
}

// dkgSecrets decodes the trustees' identities and dealer states of a
// transcript case. They are the vector's own data, not a case outcome, so
// any inconsistency is a bug in the file and panics.
func dkgSecrets(c *Case, s *threshold.Setup) (ids []*threshold.Identity, dealers []*threshold.Dealer, coeffs [][]elgamal.Scalar) {
	n := s.N()
	ids = make([]*threshold.Identity, n+1)
	dealers = make([]*threshold.Dealer, n+1)
	coeffs = make([][]elgamal.Scalar, n+1)
	for j := uint32(1); int(j) <= n; j++ {
		b, ok := optional(c, fmt.Sprintf("identity_%d", j))
		if !ok {
			continue
		}
		id, err := threshold.ParseIdentity(b)
		if err != nil {
			panic(fmt.Sprintf("vector %s: identity_%d: %v", c.Type, j, err))
		}
		pub, t := id.Public(), s.Trustee(j)
		if pub.Name != t.Name || !pub.SigningKey.Equal(t.SigningKey) || !pub.TransportKey.Equal(t.TransportKey) {
			panic(fmt.Sprintf("vector %s: identity_%d is not trustee %d of the setup", c.Type, j, j))
		}
		ids[j] = id
	}
	for i := uint32(1); int(i) <= n; i++ {
		b, ok := optional(c, fmt.Sprintf("dealer_state_%d", i))
		if !ok {
			continue
		}
		if ids[i] == nil {
			panic(fmt.Sprintf("vector %s: dealer_state_%d without identity_%d", c.Type, i, i))
		}
		d, err := threshold.ParseDealerState(s, ids[i], b)
		if err != nil {
			panic(fmt.Sprintf("vector %s: dealer_state_%d: %v", c.Type, i, err))
		}
		dealers[i] = d
		// The coefficients a_0..a_{t−1} end the state (ParseDealerState
		// has checked them).
		cs := make([]elgamal.Scalar, s.Threshold)
		off := len(b) - s.Threshold*elgamal.ScalarSize
		for k := range cs {
			cs[k].SetCanonicalBytes(b[off+k*elgamal.ScalarSize : off+(k+1)*elgamal.ScalarSize])
		}
		coeffs[i] = cs
	}
	return ids, dealers, coeffs
}

// evalPoly returns Σ_k a_k·x^k.
func evalPoly(a []elgamal.Scalar, x uint32) *elgamal.Scalar {
	xs := new(elgamal.Scalar).SetUint64(uint64(x))
	acc := new(elgamal.Scalar).Set(&a[len(a)-1])
	for k := len(a) - 2; k >= 0; k-- {
		acc.MultiplyAdd(acc, xs, &a[k])
	}
	return acc
}

// checkDKGTranscript verifies a ceremony transcript and recomputes its
// public result and, from the secrets given, every intermediate value:
// the decrypted shares, the complaints of round 3 and the key shares.
func checkDKGTranscript(c *Case) (map[string]string, error) {
	s, err := threshold.ParseSetup(in(c, "setup"))
	if err != nil {
		return nil, err
	}
	entries, err := ceremonyEntries(c, s, "entries")
	if err != nil {
		return nil, err
	}
	res, err := threshold.VerifyCeremony(s, entries)
	if err != nil {
		return nil, err
	}
	h := s.Hash()
	r1 := threshold.Round1Hash(s, entries)
	var vks []byte
	for _, vk := range res.VerificationKeys {
		vks = append(vks, vk.Bytes()...)
	}
	var disq []uint32
	for j := uint32(1); int(j) <= s.N(); j++ {
		if _, ok := res.Disqualified[j]; ok {
			disq = append(disq, j)
		}
	}
	out := map[string]string{
		"ceremony_hash":     hx(h[:]),
		"round1_hash":       hx(r1[:]),
		"qualified":         joinIndices(res.Qualified),
		"disqualified":      joinIndices(disq),
		"public_key":        hx(res.PublicKey.Bytes()),
		"verification_keys": hx(vks),
	}

	ids, dealers, coeffs := dkgSecrets(c, s)
	n := uint32(s.N())

	// Complaints: every trustee with an identity runs round 3 on the
	// transcript.
	complained := map[[2]uint32]bool{}
	var complaints []string
	for j := uint32(1); j <= n; j++ {
		if ids[j] == nil {
			continue
		}
		cs, err := threshold.Check(s, ids[j], entries)
		if err != nil {
			return nil, fmt.Errorf("round 3 for trustee %d: %w", j, err)
		}
		for _, e := range cs {
			b, err := threshold.ParseComplaintBody(e.Body, s.N())
			if err != nil {
				return nil, fmt.Errorf("round 3 for trustee %d: %w", j, err) // unreachable
			}
			complained[[2]uint32{b.Accused, j}] = true
			complaints = append(complaints, fmt.Sprintf("%d:%d:%d", j, b.Accused, b.Reason))
		}
	}
	out["complaints"] = strings.Join(complaints, ",")

	// Shares: open every share of a dealer with exactly one distinct,
	// well-formed shares entry that is addressed to a trustee with an
	// identity. With the dealer's state, a share must be f_i(j) unless j
	// complains against i.
	for i := uint32(1); i <= n; i++ {
		var distinct []*threshold.Entry
		for _, e := range entries {
			if e.Type == threshold.TypeShares && e.Sender == i &&
				!slices.ContainsFunc(distinct, func(x *threshold.Entry) bool { return bytes.Equal(x.Bytes(), e.Bytes()) }) {
				distinct = append(distinct, e)
			}
		}
		if len(distinct) != 1 {
			continue
		}
		body, err := threshold.ParseSharesBody(distinct[0].Body, i, s.N())
		if err != nil {
			continue
		}
		for k := range body.Shares {
			sh := &body.Shares[k]
			j := sh.Recipient
			if ids[j] == nil {
				continue
			}
			v, err := threshold.OpenShare(ids[j].TransportKey, h, i, j, &sh.Sealed)
			if err != nil {
				continue
			}
			if coeffs[i] != nil && !complained[[2]uint32{i, j}] && v.Equal(evalPoly(coeffs[i], j)) != 1 {
				return nil, fmt.Errorf("share from dealer %d to trustee %d is not f_%d(%d), and trustee %d does not complain", i, j, i, j, j)
			}
			out[fmt.Sprintf("share_%d_%d", i, j)] = hx(v.Bytes())
		}
	}

	// Key shares: Dealer.Finish with a dealer state, Finish without.
	for j := uint32(1); j <= n; j++ {
		if ids[j] == nil {
			continue
		}
		var ks *threshold.KeyShare
		if dealers[j] != nil {
			_, ks, err = dealers[j].Finish(entries)
		} else {
			_, ks, err = threshold.Finish(s, ids[j], entries)
		}
		if err != nil {
			return nil, fmt.Errorf("finish for trustee %d: %w", j, err)
		}
		out[fmt.Sprintf("key_share_%d", j)] = hx(ks.X.Bytes())
	}
	return out, nil
}

// checkDKGDecryption verifies a ceremony, then combines the
// decryption-shares entries for a list of ciphertexts and recovers the
// plaintext integers.
func checkDKGDecryption(c *Case) (map[string]string, error) {
	s, err := threshold.ParseSetup(in(c, "setup"))
	if err != nil {
		return nil, err
	}
	entries, err := ceremonyEntries(c, s, "entries")
	if err != nil {
		return nil, err
	}
	res, err := threshold.VerifyCeremony(s, entries)
	if err != nil {
		return nil, err
	}
	b := in(c, "ciphertexts")
	if len(b)%elgamal.CiphertextSize != 0 {
		return nil, fmt.Errorf("ciphertexts: %w: %d bytes, not a multiple of %d", elgamal.ErrLength, len(b), elgamal.CiphertextSize)
	}
	cts := make([]elgamal.Ciphertext, len(b)/elgamal.CiphertextSize)
	for l := range cts {
		if _, err := cts[l].SetCanonicalBytes(b[l*elgamal.CiphertextSize : (l+1)*elgamal.CiphertextSize]); err != nil {
			return nil, fmt.Errorf("ciphertext %d: %w", l, err)
		}
	}
	encs, err := splitEntries(in(c, "decryption_entries"))
	if err != nil {
		return nil, fmt.Errorf("decryption_entries: %w", err)
	}
	des := make([]*threshold.Entry, len(encs))
	for k, b := range encs {
		des[k] = rawEntry(b)
	}
	ms, err := threshold.Combine(s, res, cts, des)
	if err != nil {
		return nil, err
	}
	table, err := elgamal.NewDLogTable(dlogMax)
	if err != nil {
		return nil, err
	}
	var msgs []byte
	ints := make([]string, len(ms))
	for l, m := range ms {
		msgs = append(msgs, m.Bytes()...)
		v, err := table.Lookup(m)
		if err != nil {
			return nil, fmt.Errorf("plaintext %d: %w", l, err)
		}
		ints[l] = strconv.FormatUint(v, 10)
	}
	return map[string]string{
		"public_key": hx(res.PublicKey.Bytes()),
		"messages":   hx(msgs),
		"plaintexts": strings.Join(ints, ","),
	}, nil
}
