package main

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"filippo.io/edwards25519"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/vectors"
	"github.com/urnavote/urna/zkp"
)

// Trustee ceremony vectors (spec/threshold.md), in the manner of the C2SP
// CCTV cocktail-dkg vectors: complete transcripts of 2-of-2 and 3-of-5
// key generations with the trustees' secrets, so that every intermediate
// value can be checked, and threshold decryptions with the ceremonies'
// key shares. Every ceremony draws its randomness (identities, polynomials,
// share encryption, proof nonces) from its own family of the seed, so a
// new ceremony never changes another's vectors.

// dkgNames are the trustees' names, in index order.
var dkgNames = []string{"alice", "bob", "carol", "dave", "erin"}

// dkgCeremony is a ceremony being run by the generator.
type dkgCeremony struct {
	label     string
	r         *rng
	s         *threshold.Setup
	ids       []*threshold.Identity // trustee j is ids[j-1]
	dealers   []*threshold.Dealer
	committed map[uint32]bool // trustees whose dealer state is an input
	entries   []*threshold.Entry
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("vectorgen: dkg: %v", err))
	}
	return v
}

// newDKG creates the trustees of a t-of-n ceremony and their dealers.
func newDKG(label string, t, n int) *dkgCeremony {
	c := &dkgCeremony{label: label, r: newRNG(label), committed: map[uint32]bool{}}
	c.s = &threshold.Setup{Threshold: t, Election: []byte("urna test vectors: " + label)}
	for j := 0; j < n; j++ {
		id := must(threshold.NewIdentity(dkgNames[j], c.r))
		c.ids = append(c.ids, id)
		c.s.Trustees = append(c.s.Trustees, id.Public())
	}
	for _, id := range c.ids {
		c.dealers = append(c.dealers, must(threshold.NewDealer(c.s, id, c.r)))
	}
	return c
}

func (c *dkgCeremony) all() []uint32 {
	out := make([]uint32, c.s.N())
	for k := range out {
		out[k] = uint32(k + 1)
	}
	return out
}

func (c *dkgCeremony) id(i uint32) *threshold.Identity   { return c.ids[i-1] }
func (c *dkgCeremony) dealer(i uint32) *threshold.Dealer { return c.dealers[i-1] }
func (c *dkgCeremony) post(es ...*threshold.Entry)       { c.entries = append(c.entries, es...) }

// snapshot returns a copy of the entry list.
func (c *dkgCeremony) snapshot() []*threshold.Entry { return slices.Clone(c.entries) }

// signed returns an entry of the ceremony signed by trustee sender.
func (c *dkgCeremony) signed(typ threshold.EntryType, sender uint32, body []byte) *threshold.Entry {
	e := &threshold.Entry{Type: typ, Ceremony: c.s.Hash(), Sender: sender, Body: body}
	e.Sign(c.id(sender).SigningKey)
	return e
}

func (c *dkgCeremony) commit(who ...uint32) {
	for _, i := range who {
		c.post(must(c.dealer(i).Commit()))
		c.committed[i] = true
	}
}

func (c *dkgCeremony) deal(who ...uint32) {
	for _, i := range who {
		c.post(must(c.dealer(i).Deal(c.entries, c.r)))
	}
}

func (c *dkgCeremony) check(who ...uint32) {
	var all []*threshold.Entry
	for _, j := range who {
		all = append(all, must(threshold.Check(c.s, c.id(j), c.entries))...)
	}
	c.post(all...)
}

func (c *dkgCeremony) respond(who ...uint32) {
	var all []*threshold.Entry
	for _, i := range who {
		all = append(all, must(c.dealer(i).Respond(c.entries))...)
	}
	c.post(all...)
}

func (c *dkgCeremony) run(who ...uint32) {
	c.commit(who...)
	c.deal(who...)
	c.check(who...)
	c.respond(who...)
}

// coeffs returns dealer i's polynomial, which ends its dealer state.
func (c *dkgCeremony) coeffs(i uint32) []elgamal.Scalar {
	b := must(c.dealer(i).MarshalBinary())
	t := c.s.Threshold
	out := make([]elgamal.Scalar, t)
	off := len(b) - t*elgamal.ScalarSize
	for k := range out {
		must(out[k].SetCanonicalBytes(b[off+k*elgamal.ScalarSize : off+(k+1)*elgamal.ScalarSize]))
	}
	return out
}

// eval returns f_i(j).
func (c *dkgCeremony) eval(i, j uint32) *elgamal.Scalar {
	a := c.coeffs(i)
	xs := new(elgamal.Scalar).SetUint64(uint64(j))
	acc := new(elgamal.Scalar).Set(&a[len(a)-1])
	for k := len(a) - 2; k >= 0; k-- {
		acc.MultiplyAdd(acc, xs, &a[k])
	}
	return acc
}

// commitmentEncodings returns C_i,k = a_i,k·G encoded, k = 0..t−1.
func (c *dkgCeremony) commitmentEncodings(i uint32) [][]byte {
	var out [][]byte
	for _, a := range c.coeffs(i) {
		out = append(out, new(elgamal.Element).ScalarBaseMult(&a).Bytes())
	}
	return out
}

// commitmentEntry returns dealer i's commitment entry with the given
// encodings and a proof of a_i,0 under ctx (the right one if nil), signed.
func (c *dkgCeremony) commitmentEntry(i uint32, encs [][]byte, ctx *zkp.Context) *threshold.Entry {
	if ctx == nil {
		h := c.s.Hash()
		ctx = &zkp.Context{Election: h[:], Prover: i}
	}
	a := c.coeffs(i)
	p := must(zkp.ProveSchnorr(ctx, &a[0], c.r))
	var b []byte
	for _, e := range encs {
		b = append(b, e...)
	}
	return c.signed(threshold.TypeCommitment, i, append(b, p.Bytes()...))
}

// replaceCommitment replaces dealer i's commitment entry among the entries.
func (c *dkgCeremony) replaceCommitment(i uint32, e *threshold.Entry) {
	for k, x := range c.entries {
		if x.Type == threshold.TypeCommitment && x.Sender == i {
			c.entries[k] = e
			return
		}
	}
	panic("vectorgen: dkg: no commitment entry to replace")
}

// dealManual returns dealer i's shares entry with the correct shares f_i(j)
// and the round-1 hash of the current entries, for a dealer whose
// Dealer.Deal refuses (its commitment entry among the entries is not its
// state's own valid one).
func (c *dkgCeremony) dealManual(i uint32) *threshold.Entry {
	body := &threshold.SharesBody{Round1: threshold.Round1Hash(c.s, c.entries)}
	for _, j := range c.all() {
		if j == i {
			continue
		}
		sealed := must(threshold.SealShare(c.r, c.s.Trustee(j).TransportKey, c.s.Hash(), i, j, c.eval(i, j)))
		body.Shares = append(body.Shares, threshold.EncryptedShare{Recipient: j, Sealed: sealed})
	}
	return c.signed(threshold.TypeShares, i, body.Bytes())
}

// corruptShare replaces the share for victim in a shares entry with an
// encryption of a random scalar and signs the entry again, as the
// rehearsal of `urna trustee deal` does.
func (c *dkgCeremony) corruptShare(e *threshold.Entry, victim uint32) *threshold.Entry {
	body := must(threshold.ParseSharesBody(e.Body, e.Sender, c.s.N()))
	for k := range body.Shares {
		if body.Shares[k].Recipient == victim {
			body.Shares[k].Sealed = must(threshold.SealShare(c.r, c.s.Trustee(victim).TransportKey, c.s.Hash(), e.Sender, victim, c.r.scalar()))
		}
	}
	return c.signed(threshold.TypeShares, e.Sender, body.Bytes())
}

func entriesHex(es []*threshold.Entry) string {
	var b []byte
	for _, e := range es {
		b = append(b, e.Bytes()...)
	}
	return hx(b)
}

// transcript returns a dkg/transcript case of entries; with secrets it
// gives every trustee's identity and the dealer state of every trustee
// that posted a commitment.
func (c *dkgCeremony) transcript(comment string, entries []*threshold.Entry, secrets bool) *vectors.Case {
	in := map[string]string{"setup": hx(c.s.Bytes()), "entries": entriesHex(entries)}
	if secrets {
		for _, j := range c.all() {
			in[fmt.Sprintf("identity_%d", j)] = hx(must(c.id(j).MarshalBinary()))
			if c.committed[j] {
				in[fmt.Sprintf("dealer_state_%d", j)] = hx(must(c.dealer(j).MarshalBinary()))
			}
		}
	}
	return &vectors.Case{Type: "dkg/transcript", Comment: comment, Inputs: in}
}

// validAs adds a valid case and checks that its outputs include want.
func (s *set) validAs(c *vectors.Case, want map[string]string) {
	s.valid(c)
	for k, v := range want {
		if got := c.Outputs[k]; got != v && s.err == nil {
			s.err = fmt.Errorf("%s: %q: output %s is %q, want %q", c.Type, c.Comment, k, got, v)
		}
	}
}

// invalidAs adds an invalid case and checks its error class.
func (s *set) invalidAs(c *vectors.Case, class string) {
	n := len(s.cases)
	s.invalid(c)
	if len(s.cases) > n && c.Error != class && s.err == nil {
		s.err = fmt.Errorf("%s: %q: error class %s, want %s", c.Type, c.Comment, c.Error, class)
	}
}

// dkgCeremonies are the finished ceremonies both families use.
type dkgCeremonies struct {
	two, three, cheat, absent *dkgCeremony
	// cheatSilent is the cheating ceremony before the cheater's response.
	cheatSilent []*threshold.Entry
}

func finishedCeremonies() *dkgCeremonies {
	cs := &dkgCeremonies{}
	cs.two = newDKG("dkg/2-of-2", 2, 2)
	cs.two.run(cs.two.all()...)
	cs.three = newDKG("dkg/3-of-5", 3, 5)
	cs.three.run(cs.three.all()...)

	// Dealer 2 sends trustee 4 a wrong share; trustee 4 complains.
	c := newDKG("dkg/3-of-5/cheater", 3, 5)
	c.commit(c.all()...)
	c.deal(1)
	c.post(c.corruptShare(must(c.dealer(2).Deal(c.entries, c.r)), 4))
	c.deal(3, 4, 5)
	c.check(c.all()...)
	cs.cheatSilent = c.snapshot()
	c.respond(c.all()...)
	cs.cheat = c

	cs.absent = newDKG("dkg/3-of-5/absent", 3, 5)
	cs.absent.run(1, 2, 3, 4)
	return cs
}

func dkgTranscriptVectors() *set {
	s := &set{}
	cs := finishedCeremonies()
	two, three := cs.two, cs.three
	all5 := "1,2,3,4,5"

	// Complete ceremonies.
	s.validAs(two.transcript("2-of-2: both trustees run every round; no complaints", two.entries, true),
		map[string]string{"qualified": "1,2", "disqualified": "", "complaints": ""})
	s.validAs(three.transcript("3-of-5: every trustee runs every round; no complaints", three.entries, true),
		map[string]string{"qualified": all5, "disqualified": "", "complaints": ""})
	clean := s.cases[len(s.cases)-1].Outputs
	s.validAs(cs.cheat.transcript("3-of-5: dealer 2 seals a random scalar to trustee 4 instead of f_2(4) (entry re-signed); trustee 4 complains (reason 2, Feldman), dealer 2 reveals f_2(4) in a response and stays qualified; trustee 4's key share uses the revealed share, share_2_4 is the random scalar", cs.cheat.entries, true),
		map[string]string{"qualified": all5, "disqualified": "", "complaints": "4:2:2"})
	s.validAs(cs.cheat.transcript("3-of-5: the same cheating dealer 2 does not answer trustee 4's complaint: dealer 2 is disqualified", cs.cheatSilent, true),
		map[string]string{"qualified": "1,3,4,5", "disqualified": "2", "complaints": "4:2:2"})
	s.validAs(cs.absent.transcript("3-of-5: trustee 5 is absent and posts nothing: it is not a qualified dealer but still gets a key share (Finish without a dealer state)", cs.absent.entries, true),
		map[string]string{"qualified": "1,2,3,4", "disqualified": "5"})

	// Identical copies count once, and the order of entries does not matter.
	doubled := append(three.snapshot(), three.entries...)
	s.validAs(three.transcript("3-of-5 with every entry posted twice: byte-identical copies count once, same result as the clean ceremony", doubled, true), clean)
	reversed := three.snapshot()
	slices.Reverse(reversed)
	s.validAs(three.transcript("3-of-5 with the entries in reverse order: same result as the clean ceremony", reversed, true), clean)

	// Dealer-level rejections: a smaller qualified set.
	for _, v := range []struct {
		label, comment string
		encs           func(c *dkgCeremony) [][]byte
		ctx            func(h [32]byte) *zkp.Context
	}{
		{"identity-commitment", "dealer 2's commitment C_2,1 is the identity (entry re-signed, proof valid): dealer 2 is disqualified",
			func(c *dkgCeremony) [][]byte { e := c.commitmentEncodings(2); e[1] = make([]byte, 32); return e }, nil},
		{"non-canonical-commitment", "dealer 2's commitment C_2,2 is a non-canonical encoding (all 0xff; entry re-signed): dealer 2 is disqualified",
			func(c *dkgCeremony) [][]byte {
				e := c.commitmentEncodings(2)
				e[2] = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
				return e
			}, nil},
		{"proof-other-index", "dealer 2's Schnorr proof was made for prover index 3 (entry re-signed): dealer 2 is disqualified",
			func(c *dkgCeremony) [][]byte { return c.commitmentEncodings(2) },
			func(h [32]byte) *zkp.Context { return &zkp.Context{Election: h[:], Prover: 3} }},
		{"proof-other-ceremony", "dealer 2's Schnorr proof was made under another ceremony hash (entry re-signed): dealer 2 is disqualified",
			func(c *dkgCeremony) [][]byte { return c.commitmentEncodings(2) },
			func([32]byte) *zkp.Context { return &zkp.Context{Election: make([]byte, 32), Prover: 2} }},
	} {
		c := newDKG("dkg/3-of-5/"+v.label, 3, 5)
		c.commit(c.all()...)
		var ctx *zkp.Context
		if v.ctx != nil {
			ctx = v.ctx(c.s.Hash())
		}
		c.replaceCommitment(2, c.commitmentEntry(2, v.encs(c), ctx))
		c.deal(1)
		c.post(c.dealManual(2)) // correct shares
		c.deal(3, 4, 5)
		c.check(c.all()...)
		c.respond(1, 3, 4, 5)
		s.validAs(c.transcript("3-of-5: "+v.comment+"; the others deal, check and finish without it", c.entries, true),
			map[string]string{"qualified": "1,3,4,5", "disqualified": "2", "complaints": ""})
	}

	{
		c := newDKG("dkg/3-of-5/equivocating-commitment", 3, 5)
		c.commit(c.all()...)
		c.post(must(must(threshold.NewDealer(c.s, c.id(4), c.r)).Commit()))
		c.deal(1, 2, 3, 5)
		c.check(c.all()...)
		c.respond(1, 2, 3, 5)
		s.validAs(c.transcript("3-of-5: dealer 4 posts two different commitment entries, from two polynomials (equivocation; both count in the round-1 hash): dealer 4 is disqualified and cannot deal; dealer_state_4 is the first polynomial", c.entries, true),
			map[string]string{"qualified": "1,2,3,5", "disqualified": "4"})
	}
	{
		c := newDKG("dkg/3-of-5/equivocating-shares", 3, 5)
		c.commit(c.all()...)
		commitments := c.snapshot()
		c.deal(c.all()...)
		c.post(must(c.dealer(5).Deal(commitments, c.r))) // same shares, fresh encryption
		c.check(c.all()...)
		c.respond(c.all()...)
		s.validAs(c.transcript("3-of-5: dealer 5 posts two different shares entries (the same shares encrypted twice; equivocation): dealer 5 is disqualified", c.entries, true),
			map[string]string{"qualified": "1,2,3,4", "disqualified": "5"})
	}
	{
		c := newDKG("dkg/3-of-5/round1-mismatch", 3, 5)
		c.commit(1, 2, 3, 4)
		c.deal(1) // before trustee 5's commitment
		c.commit(5)
		c.deal(2, 3, 4, 5)
		c.check(c.all()...)
		c.respond(c.all()...)
		s.validAs(c.transcript("3-of-5: dealer 1 deals before dealer 5's commitment entry is posted, so its shares entry carries a round-1 hash that is not the transcript's: dealer 1 is disqualified", c.entries, true),
			map[string]string{"qualified": "2,3,4,5", "disqualified": "1"})
	}
	{
		c := *cs.cheat
		c.entries = slices.Clone(cs.cheatSilent)
		c.r = newRNG("dkg/3-of-5/cheater/wrong-response")
		wrong := &threshold.ResponseBody{Complainer: 4}
		wrong.Share.Add(c.eval(2, 4), new(elgamal.Scalar).SetUint64(1))
		c.post(c.signed(threshold.TypeResponse, 2, wrong.Bytes()))
		s.validAs(c.transcript("3-of-5: the cheating dealer 2 answers trustee 4's complaint with f_2(4) + 1, which fails the Feldman check: dealer 2 is disqualified", c.entries, true),
			map[string]string{"qualified": "1,3,4,5", "disqualified": "2", "complaints": "4:2:2"})
	}
	{
		es := append(three.snapshot(), three.signed(threshold.TypeComplaint, 3, (&threshold.ComplaintBody{Accused: 9, Reason: threshold.ReasonFeldman}).Bytes()))
		s.validAs(three.transcript("3-of-5 plus a signed complaint from trustee 3 accusing trustee 9, who does not exist (a malformed body): trustee 3 is disqualified as a dealer", es, true),
			map[string]string{"qualified": "1,2,4,5", "disqualified": "3"})
		es = append(three.snapshot(), three.signed(threshold.TypeComplaint, 3, (&threshold.ComplaintBody{Accused: 3, Reason: threshold.ReasonFeldman}).Bytes()))
		s.validAs(three.transcript("3-of-5 plus a complaint of trustee 3 against itself, which is ignored: same qualified set and keys as the clean ceremony", es, true),
			map[string]string{"qualified": all5, "public_key": clean["public_key"], "key_share_3": clean["key_share_3"]})
	}

	// The ceremony fails: fewer than t qualified dealers.
	{
		c := newDKG("dkg/2-of-2/absent", 2, 2)
		c.run(1)
		s.invalidAs(c.transcript("2-of-2: trustee 2 is absent; 1 qualified dealer, threshold 2", c.entries, false), vectors.ErrClassTooFewQualified)
		c = newDKG("dkg/3-of-5/three-absent", 3, 5)
		c.run(1, 2)
		s.invalidAs(c.transcript("3-of-5: trustees 3, 4 and 5 are absent; 2 qualified dealers, threshold 3", c.entries, false), vectors.ErrClassTooFewQualified)
		c = newDKG("dkg/3-of-5/late-commitment", 3, 5)
		c.commit(1, 2, 3, 4)
		c.deal(1, 2, 3, 4)
		c.commit(5)
		c.deal(5)
		s.invalidAs(c.transcript("3-of-5: dealer 5's commitment entry arrives after dealers 1 to 4 dealt, which changes the round-1 hash and disqualifies all four; 1 qualified dealer", c.entries, false), vectors.ErrClassTooFewQualified)
	}

	// The transcript is invalid: an entry that cannot be attributed.
	entryCases(s, three)

	// The setup is invalid.
	for _, v := range []struct {
		comment string
		mutate  func(st *threshold.Setup)
	}{
		{"threshold 0", func(st *threshold.Setup) { st.Threshold = 0 }},
		{"threshold 6 with 5 trustees", func(st *threshold.Setup) { st.Threshold = 6 }},
		{"trustees 2 and 4 have the same name", func(st *threshold.Setup) { st.Trustees[3].Name = st.Trustees[1].Name }},
		{"trustees 1 and 5 have the same signing key", func(st *threshold.Setup) { st.Trustees[4].SigningKey = st.Trustees[0].SigningKey }},
	} {
		st := *three.s
		st.Trustees = slices.Clone(three.s.Trustees)
		v.mutate(&st)
		vc := three.transcript("setup: "+v.comment, three.entries, false)
		vc.Inputs["setup"] = hx(st.Bytes())
		s.invalidAs(vc, vectors.ErrClassSetup)
	}
	vc := three.transcript("setup: one trailing byte after the last trustee", three.entries, false)
	vc.Inputs["setup"] = hx(append(three.s.Bytes(), 0))
	s.invalidAs(vc, vectors.ErrClassSetup)
	setupCases(s, three)
	return s
}

// setupCases adds a dkg/transcript case, without entries, for each
// condition under which a setup does not decode (spec/threshold.md §1),
// each a mutation of the setup of the clean 3-of-5 ceremony c.
func setupCases(s *set, c *dkgCeremony) {
	add := func(comment string, enc []byte) {
		vc := &vectors.Case{Type: "dkg/transcript", Comment: "setup (no entries): " + comment,
			Inputs: map[string]string{"setup": hx(enc), "entries": ""}}
		s.invalidAs(vc, vectors.ErrClassSetup)
	}
	mutated := func(f func(st *threshold.Setup)) []byte {
		st := *c.s
		st.Trustees = slices.Clone(c.s.Trustees)
		f(&st)
		return st.Bytes()
	}
	good := c.s.Bytes()

	enc := slices.Clone(good)
	enc[0] = 'U'
	add("the domain string starts \"Urna\"", enc)
	add("cut short: the last byte of trustee 5's transport key is missing", good[:len(good)-1])
	add("no trustee (n = 0, t = 1)", mutated(func(st *threshold.Setup) { st.Trustees = nil; st.Threshold = 1 }))
	{
		r := newRNG("dkg/setup/65-trustees")
		st := &threshold.Setup{Threshold: 3, Election: c.s.Election}
		for j := 1; j <= threshold.MaxTrustees+1; j++ {
			st.Trustees = append(st.Trustees, must(threshold.NewIdentity(fmt.Sprintf("trustee %d", j), r)).Public())
		}
		add("65 trustees, each valid and distinct (n > 64)", st.Bytes())
	}
	add("an election label of 1025 bytes", mutated(func(st *threshold.Setup) { st.Election = bytes.Repeat([]byte{'e'}, threshold.MaxElectionLen+1) }))
	for _, v := range []struct{ comment, name string }{
		{"trustee 2's name is empty", ""},
		{"trustee 2's name is 256 bytes", strings.Repeat("b", threshold.MaxNameLength+1)},
		{"trustee 2's name is not UTF-8", "b\xffb"},
		{"trustee 2's name has a line feed", "bo\nb"},
		{"trustee 2's name has U+00A0 NO-BREAK SPACE (category Zs, not printable)", "bo\u00a0b"},
		{"trustee 2's name starts with U+0020", " bob"},
		{"trustee 2's name ends with U+0020", "bob "},
	} {
		add(v.comment, mutated(func(st *threshold.Setup) { st.Trustees[1].Name = v.name }))
	}
	for _, v := range []struct {
		comment string
		key     []byte
	}{
		{"trustee 3's signing key is the identity (small order)", edwardsEncoding(1)},
		{"trustee 3's signing key has y = 0, a point of order 4", edwardsEncoding(0)},
		{"trustee 3's signing key is not a point of edwards25519", edwardsNotOnCurve()},
		{"trustee 3's signing key is a non-canonical encoding (y + p) of a point of large order", edwardsNonCanonical()},
	} {
		add(v.comment, mutated(func(st *threshold.Setup) { st.Trustees[2].SigningKey = v.key }))
	}
	for _, v := range []struct{ comment, key string }{
		{"trustee 4's transport key has its top bit set", ""},
		{"trustee 4's transport key is u = p + 9, not reduced", "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
		{"trustee 4's transport key is u = 0 (small order)", "0000000000000000000000000000000000000000000000000000000000000000"},
		{"trustee 4's transport key is a point of order 8", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"},
	} {
		add(v.comment, mutated(func(st *threshold.Setup) {
			k := slices.Clone(st.Trustees[3].TransportKey.Bytes())
			if v.key == "" {
				k[31] |= 0x80
			} else {
				k = must(hex.DecodeString(v.key))
			}
			st.Trustees[3].TransportKey = must(ecdh.X25519().NewPublicKey(k))
		}))
	}
	add("trustees 2 and 5 have the same transport key", mutated(func(st *threshold.Setup) { st.Trustees[4].TransportKey = st.Trustees[1].TransportKey }))
}

// edwardsP is 2^255 − 19.
var edwardsP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// edwardsEncoding returns the 32-byte little-endian encoding of y (sign
// bit clear).
func edwardsEncoding(y int64) []byte { return leBytes(big.NewInt(y)) }

func leBytes(v *big.Int) []byte {
	b := v.FillBytes(make([]byte, 32))
	slices.Reverse(b)
	return b
}

// edwardsNotOnCurve returns the encoding of the smallest y ≥ 2 for which
// no x exists.
func edwardsNotOnCurve() []byte {
	for y := int64(2); ; y++ {
		if _, err := new(edwards25519.Point).SetBytes(edwardsEncoding(y)); err != nil {
			return edwardsEncoding(y)
		}
	}
}

// edwardsNonCanonical returns y + p for the smallest y ≥ 2 that is a
// point of large order with y + p < 2^255.
func edwardsNonCanonical() []byte {
	for y := int64(2); y < 19; y++ {
		p, err := new(edwards25519.Point).SetBytes(edwardsEncoding(y))
		if err == nil && new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 0 {
			return leBytes(new(big.Int).Add(edwardsP, big.NewInt(y)))
		}
	}
	panic("vectorgen: no y below 19 is a point of large order")
}

// resignRaw signs an entry encoding again, whatever its header says.
func resignRaw(b []byte, key ed25519.PrivateKey) []byte {
	n := len(b) - ed25519.SignatureSize
	sig := ed25519.Sign(key, append([]byte("urna/v1/dkg/entry"), b[:n]...))
	return append(b[:n:n], sig...)
}

// entryCases adds the invalid transcripts of the clean 3-of-5 ceremony c
// with one entry changed, added or cut: each is an entry that cannot be
// attributed to a trustee, so the whole transcript is rejected.
func entryCases(s *set, c *dkgCeremony) {
	r := newRNG("dkg/3-of-5/entries")
	add := func(comment string, es []*threshold.Entry, raw []byte) {
		vc := c.transcript("3-of-5: "+comment, es, false)
		if raw != nil {
			vc.Inputs["entries"] = hx(raw)
		}
		s.invalidAs(vc, vectors.ErrClassEntry)
	}
	with := func(k int, e *threshold.Entry) []*threshold.Entry {
		es := c.snapshot()
		es[k] = e
		return es
	}
	// c.entries: commitments of 1..5 (0..4), then shares of 1..5 (5..9).
	commit2, shares3 := c.entries[1], c.entries[7]

	other := *c.s
	other.Election = []byte("another election")
	d := must(threshold.NewDealer(&other, c.id(3), r))
	add("plus dealer 3's commitment entry of another ceremony (another election context, same trustees)", append(c.snapshot(), must(d.Commit())), nil)

	e := *shares3
	e.Sig[10] ^= 0x01
	add("dealer 3's shares entry with a byte of its signature flipped", with(7, &e), nil)
	e = *shares3
	e.Body = slices.Clone(e.Body)
	e.Body[100] ^= 0x01
	add("dealer 3's shares entry with a byte of an encrypted share flipped, not re-signed", with(7, &e), nil)
	add("dealer 3's shares entry signed by trustee 4", with(7, func() *threshold.Entry {
		e := *shares3
		e.Sign(c.id(4).SigningKey)
		return &e
	}()), nil)

	encs := c.commitmentEncodings(2)
	add("dealer 2's commitment entry with t−1 = 2 commitments (re-signed)", with(1, c.commitmentEntry(2, encs[:2], nil)), nil)
	extra := new(elgamal.Element).ScalarBaseMult(r.scalar()).Bytes()
	add("dealer 2's commitment entry with t+1 = 4 commitments (re-signed)", with(1, c.commitmentEntry(2, append(encs, extra), nil)), nil)

	for _, sender := range []uint32{0, 6} {
		e := *commit2
		e.Sender = sender
		e.Sign(c.id(2).SigningKey)
		add(fmt.Sprintf("dealer 2's commitment entry with sender %d, not a trustee index (re-signed by trustee 2)", sender), with(1, &e), nil)
	}

	e = *shares3
	e.Body = e.Body[:len(e.Body)-1]
	e.Sign(c.id(3).SigningKey)
	add("dealer 3's shares entry one byte short (re-signed)", with(7, &e), nil)
	add("plus a complaint entry of trustee 1 with a 6-byte body (re-signed)", append(c.snapshot(), c.signed(threshold.TypeComplaint, 1, []byte{0, 0, 0, 2, 2, 0})), nil)
	add("plus an entry of unknown type 6 from trustee 1", append(c.snapshot(), c.signed(6, 1, nil)), nil)

	raw := func(mut func(b []byte)) []byte {
		var out []byte
		for k, e := range c.entries {
			b := e.Bytes()
			if k == 7 {
				mut(b)
				b = resignRaw(b, c.id(3).SigningKey)
			}
			out = append(out, b...)
		}
		return out
	}
	add("dealer 3's shares entry with version 2 (re-signed)", nil, raw(func(b []byte) { b[4] = 2 }))
	add("dealer 3's shares entry with magic \"urnb\" (re-signed)", nil, raw(func(b []byte) { b[3] = 'b' }))
	var all []byte
	for _, e := range c.entries {
		all = append(all, e.Bytes()...)
	}
	add("the last entry is cut short by one byte", nil, all[:len(all)-1])
}

// keyShares finishes the ceremony for every trustee: with its dealer state
// if it posted a commitment, without otherwise.
func (c *dkgCeremony) keyShares() (*threshold.Result, map[uint32]*threshold.KeyShare) {
	res := must(threshold.VerifyCeremony(c.s, c.entries))
	out := map[uint32]*threshold.KeyShare{}
	for _, j := range c.all() {
		var ks *threshold.KeyShare
		var err error
		if c.committed[j] {
			_, ks, err = c.dealer(j).Finish(c.entries)
		} else {
			_, ks, err = threshold.Finish(c.s, c.id(j), c.entries)
		}
		out[j] = must(ks, err)
	}
	return res, out
}

// dkgDecryption is a list of ciphertexts under a finished ceremony's key
// and every trustee's decryption-shares entry for it.
type dkgDecryption struct {
	c      *dkgCeremony
	r      *rng
	res    *threshold.Result
	ks     map[uint32]*threshold.KeyShare
	cts    []elgamal.Ciphertext
	shares map[uint32]*threshold.Entry
}

func (c *dkgCeremony) decryption(plaintexts ...uint64) *dkgDecryption {
	d := &dkgDecryption{c: c, r: newRNG(c.label + "/decryption"), shares: map[uint32]*threshold.Entry{}}
	d.res, d.ks = c.keyShares()
	d.cts = d.encrypt(plaintexts...)
	for _, j := range c.all() {
		d.shares[j] = d.decrypt(j, d.cts)
	}
	return d
}

func (d *dkgDecryption) encrypt(plaintexts ...uint64) []elgamal.Ciphertext {
	out := make([]elgamal.Ciphertext, len(plaintexts))
	for l, m := range plaintexts {
		out[l].Set(d.res.PublicKey.EncryptIntWithNonce(m, d.r.scalar()))
	}
	return out
}

func (d *dkgDecryption) decrypt(j uint32, cts []elgamal.Ciphertext) *threshold.Entry {
	return must(d.ks[j].Decrypt(d.c.s, d.c.id(j).SigningKey, threshold.Unverified(cts), d.r))
}

// pick returns the decryption-shares entries of the given trustees.
func (d *dkgDecryption) pick(js ...uint32) []*threshold.Entry {
	var out []*threshold.Entry
	for _, j := range js {
		out = append(out, d.shares[j])
	}
	return out
}

// tamper returns trustee j's entry with share D_j,l replaced by D_j,l + G,
// signed again.
func (d *dkgDecryption) tamper(j uint32, l int) *threshold.Entry {
	body := must(threshold.ParseDecryptionSharesBody(d.shares[j].Body))
	body.Shares[l].Add(&body.Shares[l], elgamal.NewGeneratorElement())
	return d.c.signed(threshold.TypeDecryptionShares, j, body.Bytes())
}

func (d *dkgDecryption) vector(comment string, shares []*threshold.Entry) *vectors.Case {
	var cts []byte
	for l := range d.cts {
		cts = append(cts, d.cts[l].Bytes()...)
	}
	return &vectors.Case{Type: "dkg/decryption", Comment: comment, Inputs: map[string]string{
		"setup":              hx(d.c.s.Bytes()),
		"entries":            entriesHex(d.c.entries),
		"ciphertexts":        hx(cts),
		"decryption_entries": entriesHex(shares),
	}}
}

func dkgDecryptionVectors() *set {
	s := &set{}
	cs := finishedCeremonies()

	two := cs.two.decryption(0, 1, 7)
	s.validAs(two.vector("2-of-2: the decryption shares of both trustees", two.pick(1, 2)),
		map[string]string{"plaintexts": "0,1,7"})
	s.invalidAs(two.vector("2-of-2: only trustee 1's decryption shares", two.pick(1)), vectors.ErrClassTooFewShares)

	d := cs.three.decryption(0, 1, 2, 3, 1000, 65535)
	want := map[string]string{"plaintexts": "0,1,2,3,1000,65535"}
	s.validAs(d.vector("3-of-5: the decryption shares of trustees 1, 2 and 3", d.pick(1, 2, 3)), want)
	clean := s.cases[len(s.cases)-1].Outputs
	s.validAs(d.vector("3-of-5: the decryption shares of trustees 2, 4 and 5, in reverse order", d.pick(5, 4, 2)), clean)
	s.validAs(d.vector("3-of-5: the decryption shares of all five trustees", d.pick(1, 2, 3, 4, 5)), clean)
	s.validAs(d.vector("3-of-5: trustees 1 to 4, with trustee 2's share of ciphertext 1 replaced by D + G (entry re-signed): its proof fails, that share alone is excluded, and ciphertext 1 is decrypted by trustees 1, 3 and 4",
		append(d.pick(1), d.tamper(2, 1), d.shares[3], d.shares[4])), clean)
	other := d.decrypt(3, d.encrypt(5, 6))
	s.validAs(d.vector("3-of-5: trustees 1, 2 and 4, plus trustee 3's entry for another ciphertext list, which is ignored",
		append(d.pick(1, 2), other, d.shares[4])), clean)
	second := d.decrypt(3, d.cts)
	s.validAs(d.vector("3-of-5: trustees 1, 2 and 4, plus two different entries of trustee 3 for this list (equivocation: trustee 3 is excluded)",
		append(d.pick(1, 2, 3), second, d.shares[4])), clean)

	s.invalidAs(d.vector("3-of-5: only trustees 1 and 2", d.pick(1, 2)), vectors.ErrClassTooFewShares)
	s.invalidAs(d.vector("3-of-5: trustees 1 and 2, plus trustee 3's entry for another ciphertext list, which is ignored",
		append(d.pick(1, 2), other)), vectors.ErrClassTooFewShares)
	s.invalidAs(d.vector("3-of-5: trustees 1, 2 and 3, with trustee 3's share of ciphertext 2 replaced by D + G (entry re-signed): ciphertext 2 has 2 valid shares",
		append(d.pick(1, 2), d.tamper(3, 2))), vectors.ErrClassTooFewShares)
	bad := *d.shares[3]
	bad.Sig[0] ^= 0x01
	s.invalidAs(d.vector("3-of-5: trustees 1, 2 and 3, with a byte of trustee 3's signature flipped: its entry is ignored",
		append(d.pick(1, 2), &bad)), vectors.ErrClassTooFewShares)
	s.invalidAs(d.vector("3-of-5: trustees 1, 2 and 3, plus a second, different entry of trustee 3 for this list (equivocation: trustee 3 is excluded)",
		append(d.pick(1, 2, 3), second)), vectors.ErrClassTooFewShares)
	forged := d.c.signed(threshold.TypeDecryptionShares, 3, slices.Clone(d.shares[1].Body))
	s.invalidAs(d.vector("3-of-5: trustees 1 and 2, plus trustee 1's decryption shares signed by trustee 3: their proofs fail against VK_3",
		append(d.pick(1, 2), forged)), vectors.ErrClassTooFewShares)
	id := d.vector("3-of-5: ciphertext 0 has the identity as α", d.pick(1, 2, 3))
	id.Inputs["ciphertexts"] = hx(make([]byte, 32)) + id.Inputs["ciphertexts"][64:]
	s.invalidAs(id, vectors.ErrClassIdentity)

	cheat := cs.cheat.decryption(4, 2)
	s.validAs(cheat.vector("3-of-5 with a cheating dealer that answered the complaint: trustees 2 (the cheater), 3 and 4 (whose key share includes the share dealer 2 revealed)",
		cheat.pick(2, 3, 4)), map[string]string{"plaintexts": "4,2"})
	absent := cs.absent.decryption(9, 0, 3)
	s.validAs(absent.vector("3-of-5 in which trustee 5 was absent from the key generation: trustees 3, 4 and 5 (trustee 5 holds a key share all the same)",
		absent.pick(3, 4, 5)), map[string]string{"plaintexts": "9,0,3"})
	return s
}
