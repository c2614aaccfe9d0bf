package threshold

import (
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// dkgtRand is a deterministic randomness source for tests.
func dkgtRand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return mrand.NewChaCha8(s)
}

// dkgtCeremony drives a ceremony in tests: trustee i is ids[i-1] and, once
// it has committed, dealers[i-1].
type dkgtCeremony struct {
	tb      testing.TB
	s       *Setup
	ids     []*Identity
	dealers []*Dealer
	rnd     io.Reader
	entries []*Entry
}

func newDKGT(tb testing.TB, t, n int, seed uint64) *dkgtCeremony {
	tb.Helper()
	c := &dkgtCeremony{tb: tb, rnd: dkgtRand(seed), s: &Setup{Threshold: t, Election: []byte("dkg test election")}}
	for i := 1; i <= n; i++ {
		id, err := NewIdentity(fmt.Sprintf("trustee-%d", i), c.rnd)
		require.NoError(tb, err)
		c.ids = append(c.ids, id)
		c.s.Trustees = append(c.s.Trustees, id.Public())
	}
	require.NoError(tb, c.s.Validate())
	c.dealers = make([]*Dealer, n)
	return c
}

func (c *dkgtCeremony) all() []uint32 {
	var out []uint32
	for i := 1; i <= c.s.N(); i++ {
		out = append(out, uint32(i))
	}
	return out
}

func (c *dkgtCeremony) id(i uint32) *Identity { return c.ids[i-1] }
func (c *dkgtCeremony) dealer(i uint32) *Dealer {
	require.NotNil(c.tb, c.dealers[i-1], "trustee %d has no dealer", i)
	return c.dealers[i-1]
}

func (c *dkgtCeremony) post(es ...*Entry) { c.entries = append(c.entries, es...) }

func (c *dkgtCeremony) commit(who ...uint32) {
	c.tb.Helper()
	for _, i := range who {
		d, err := NewDealer(c.s, c.id(i), c.rnd)
		require.NoError(c.tb, err)
		require.Equal(c.tb, i, d.Index())
		c.dealers[i-1] = d
		e, err := d.Commit()
		require.NoError(c.tb, err)
		c.post(e)
	}
}

func (c *dkgtCeremony) deal(who ...uint32) {
	c.tb.Helper()
	for _, i := range who {
		e, err := c.dealer(i).Deal(c.entries, c.rnd)
		require.NoError(c.tb, err)
		c.post(e)
	}
}

// check runs round 3 for who and returns the complaints (also posted).
func (c *dkgtCeremony) check(who ...uint32) []*Entry {
	c.tb.Helper()
	var all []*Entry
	for _, j := range who {
		cs, err := Check(c.s, c.id(j), c.entries)
		require.NoError(c.tb, err)
		all = append(all, cs...)
	}
	c.post(all...)
	return all
}

func (c *dkgtCeremony) respond(who ...uint32) []*Entry {
	c.tb.Helper()
	var all []*Entry
	for _, i := range who {
		rs, err := c.dealer(i).Respond(c.entries)
		require.NoError(c.tb, err)
		all = append(all, rs...)
	}
	c.post(all...)
	return all
}

// run plays every round for the participants.
func (c *dkgtCeremony) run(who ...uint32) {
	c.commit(who...)
	c.deal(who...)
	c.check(who...)
	c.respond(who...)
}

// finish ends the ceremony for every trustee: with its dealer state if it
// has one, without otherwise.
func (c *dkgtCeremony) finish() (*Result, map[uint32]*KeyShare) {
	c.tb.Helper()
	var first *Result
	shares := map[uint32]*KeyShare{}
	for _, j := range c.all() {
		var res *Result
		var ks *KeyShare
		var err error
		if d := c.dealers[j-1]; d != nil {
			res, ks, err = d.Finish(c.entries)
		} else {
			res, ks, err = Finish(c.s, c.id(j), c.entries)
		}
		require.NoError(c.tb, err, "trustee %d", j)
		require.Equal(c.tb, j, ks.Index)
		require.Equal(c.tb, c.s.Hash(), ks.Ceremony)
		if first == nil {
			first = res
		} else {
			require.Equal(c.tb, dkgtSummary(first), dkgtSummary(res))
		}
		shares[j] = ks
	}
	return first, shares
}

// dkgtResult is a Result in comparable form.
type dkgtResult struct {
	PublicKey        []byte
	VerificationKeys [][]byte
	Qualified        []uint32
	Disqualified     map[uint32]string
}

func dkgtSummary(r *Result) dkgtResult {
	out := dkgtResult{Qualified: r.Qualified, Disqualified: r.Disqualified}
	if r.PublicKey != nil {
		out.PublicKey = r.PublicKey.Bytes()
	}
	for _, vk := range r.VerificationKeys {
		out.VerificationKeys = append(out.VerificationKeys, vk.Bytes())
	}
	return out
}

// dkgtLagrange interpolates the shares of the trustees in set at 0.
func dkgtLagrange(set []uint32, shares map[uint32]*KeyShare) *elgamal.Scalar {
	x := elgamal.NewScalar()
	for _, j := range set {
		num := new(elgamal.Scalar).SetUint64(1)
		den := new(elgamal.Scalar).SetUint64(1)
		js := new(elgamal.Scalar).SetUint64(uint64(j))
		for _, m := range set {
			if m == j {
				continue
			}
			ms := new(elgamal.Scalar).SetUint64(uint64(m))
			num.Multiply(num, ms)
			den.Multiply(den, new(elgamal.Scalar).Subtract(ms, js))
		}
		lambda := num.Multiply(num, den.Invert(den))
		x.MultiplyAdd(lambda, &shares[j].X, x)
	}
	return x
}

// dkgtSubsets returns every k-element subset of 1..n (n is small).
func dkgtSubsets(n, k int) [][]uint32 {
	var out [][]uint32
	var rec func(start int, cur []uint32)
	rec = func(start int, cur []uint32) {
		if len(cur) == k {
			out = append(out, append([]uint32(nil), cur...))
			return
		}
		for i := start; i <= n; i++ {
			rec(i+1, append(cur, uint32(i)))
		}
	}
	rec(1, nil)
	return out
}

// checkKeys checks the result and key shares against the dealers'
// polynomials: H = Σ_{i∈Q} a_i,0·G, x_j = Σ_{i∈Q} f_i(j), x_j·G = VK_j, any
// t shares interpolate to x with x·G = H, and t−1 shares do not.
func (c *dkgtCeremony) checkKeys(res *Result, shares map[uint32]*KeyShare) {
	c.tb.Helper()
	t, n := c.s.Threshold, c.s.N()
	x := elgamal.NewScalar()
	h := elgamal.NewElement()
	for _, i := range res.Qualified {
		d := c.dealer(i)
		x.Add(x, &d.coeffs[0])
		h.Add(h, new(elgamal.Element).ScalarBaseMult(&d.coeffs[0]))
	}
	require.Equal(c.tb, 1, res.PublicKey.Element().Equal(h), "H = Σ C_i,0")
	require.Equal(c.tb, 1, res.PublicKey.Element().Equal(new(elgamal.Element).ScalarBaseMult(x)))
	require.Len(c.tb, res.VerificationKeys, n)
	for j := uint32(1); int(j) <= n; j++ {
		want := elgamal.NewScalar()
		for _, i := range res.Qualified {
			want.Add(want, c.dealer(i).eval(j))
		}
		require.Equal(c.tb, 1, want.Equal(&shares[j].X), "x_%d", j)
		require.Equal(c.tb, 1, new(elgamal.Element).ScalarBaseMult(&shares[j].X).Equal(res.VerificationKeys[j-1]), "VK_%d", j)
	}
	for _, set := range dkgtSubsets(n, t) {
		got := dkgtLagrange(set, shares)
		require.Equal(c.tb, 1, got.Equal(x), "subset %v", set)
		require.Equal(c.tb, 1, new(elgamal.Element).ScalarBaseMult(got).Equal(res.PublicKey.Element()))
	}
	if t > 1 {
		for _, set := range dkgtSubsets(n, t-1) {
			got := dkgtLagrange(set, shares)
			require.Equal(c.tb, 0, got.Equal(x), "t−1 shares %v must not give x", set)
			require.Equal(c.tb, 0, new(elgamal.Element).ScalarBaseMult(got).Equal(res.PublicKey.Element()))
		}
	}
}

func TestDKGFullCeremonies(t *testing.T) {
	for _, tc := range []struct{ t, n int }{{1, 1}, {2, 2}, {2, 3}, {3, 5}, {7, 7}, {1, 4}} {
		t.Run(fmt.Sprintf("%d-of-%d", tc.t, tc.n), func(t *testing.T) {
			c := newDKGT(t, tc.t, tc.n, uint64(100*tc.t+tc.n))
			c.run(c.all()...)
			require.Len(t, c.entries, 2*tc.n, "no complaints, no responses")
			res, shares := c.finish()
			require.Equal(t, c.all(), res.Qualified)
			require.Empty(t, res.Disqualified)
			c.checkKeys(res, shares)

			v, err := VerifyCeremony(c.s, c.entries)
			require.NoError(t, err)
			require.Equal(t, dkgtSummary(res), dkgtSummary(v))
		})
	}
}

// dkgtBadDeal is dealer i's shares entry with wrong shares for the
// victims: f_i(j)+1 if feldman, else bytes that do not decrypt.
func (c *dkgtCeremony) badDeal(i uint32, feldman bool, victims ...uint32) *Entry {
	c.tb.Helper()
	d := c.dealer(i)
	body := &SharesBody{Round1: Round1Hash(c.s, c.entries)}
	bad := map[uint32]bool{}
	for _, v := range victims {
		bad[v] = true
	}
	for _, j := range c.all() {
		if j == i {
			continue
		}
		share := d.eval(j)
		if bad[j] && feldman {
			share.Add(share, new(elgamal.Scalar).SetUint64(1))
		}
		sealed, err := SealShare(c.rnd, c.s.Trustee(j).TransportKey, c.s.Hash(), i, j, share)
		require.NoError(c.tb, err)
		if bad[j] && !feldman {
			sealed[40] ^= 1
		}
		body.Shares = append(body.Shares, EncryptedShare{Recipient: j, Sealed: sealed})
	}
	e := &Entry{Type: TypeShares, Ceremony: c.s.Hash(), Sender: i, Body: body.Bytes()}
	e.Sign(c.id(i).SigningKey)
	return e
}

// signed returns an entry of the ceremony signed by sender's key.
func (c *dkgtCeremony) signed(typ EntryType, sender uint32, body []byte) *Entry {
	e := &Entry{Type: typ, Ceremony: c.s.Hash(), Sender: sender, Body: body}
	e.Sign(c.id(sender).SigningKey)
	return e
}

// cheat runs a 3-of-5 ceremony up to round 3 in which dealer 2 sends a
// wrong share to trustee 4, and returns it.
func dkgtCheat(t *testing.T, feldman bool) *dkgtCeremony {
	c := newDKGT(t, 3, 5, 7)
	c.commit(c.all()...)
	c.deal(1, 3, 4, 5)
	c.post(c.badDeal(2, feldman, 4))
	complaints := c.check(c.all()...)
	require.Len(t, complaints, 1)
	require.Equal(t, uint32(4), complaints[0].Sender)
	body, err := ParseComplaintBody(complaints[0].Body, 5)
	require.NoError(t, err)
	want := ReasonFeldman
	if !feldman {
		want = ReasonDecrypt
	}
	require.Equal(t, ComplaintBody{Accused: 2, Reason: want}, *body)
	return c
}

func TestDKGCheaterResponds(t *testing.T) {
	for _, feldman := range []bool{true, false} {
		t.Run(fmt.Sprintf("feldman=%v", feldman), func(t *testing.T) {
			c := dkgtCheat(t, feldman)
			responses := c.respond(c.all()...)
			require.Len(t, responses, 1)
			require.Equal(t, uint32(2), responses[0].Sender)
			r, err := ParseResponseBody(responses[0].Body, 5)
			require.NoError(t, err)
			require.Equal(t, uint32(4), r.Complainer)
			require.Equal(t, 1, r.Share.Equal(c.dealer(2).eval(4)))

			res, shares := c.finish() // trustee 4 takes the revealed share
			require.Equal(t, c.all(), res.Qualified)
			require.Empty(t, res.Disqualified)
			c.checkKeys(res, shares)
		})
	}
}

func TestDKGCheaterSilent(t *testing.T) {
	c := dkgtCheat(t, true)
	c.respond(1, 3, 4, 5)
	res, shares := c.finish()
	require.Equal(t, []uint32{1, 3, 4, 5}, res.Qualified)
	require.Equal(t, map[uint32]string{2: "did not answer the complaint of trustee 4"}, res.Disqualified)
	c.checkKeys(res, shares)
}

func TestDKGCheaterRespondsWrongly(t *testing.T) {
	c := dkgtCheat(t, true)
	wrong := &ResponseBody{Complainer: 4}
	wrong.Share.Add(c.dealer(2).eval(4), new(elgamal.Scalar).SetUint64(1))
	c.post(c.signed(TypeResponse, 2, wrong.Bytes()))
	res, shares := c.finish()
	require.Equal(t, []uint32{1, 3, 4, 5}, res.Qualified)
	require.Contains(t, res.Disqualified[2], "response to trustee 4")
	require.Contains(t, res.Disqualified[2], "Feldman")
	c.checkKeys(res, shares)
}

func TestDKGCheaterRespondsTwice(t *testing.T) {
	c := dkgtCheat(t, true)
	c.respond(2)
	wrong := &ResponseBody{Complainer: 4}
	wrong.Share.Add(c.dealer(2).eval(4), new(elgamal.Scalar).SetUint64(1))
	c.post(c.signed(TypeResponse, 2, wrong.Bytes()))
	res, _ := c.finish()
	require.Equal(t, []uint32{1, 3, 4, 5}, res.Qualified)
	require.Equal(t, "2 different responses to trustee 4 (equivocation)", res.Disqualified[2])
}

func TestDKGAbsentTrustee(t *testing.T) {
	c := newDKGT(t, 3, 5, 11)
	c.run(1, 2, 3, 4)
	res, shares := c.finish() // trustee 5 finishes without a dealer state
	require.Equal(t, []uint32{1, 2, 3, 4}, res.Qualified)
	require.Equal(t, map[uint32]string{5: "no commitment entry; no shares entry"}, res.Disqualified)
	c.checkKeys(res, shares)
}

func TestDKGAbsentTrusteeAndSilentCheater(t *testing.T) {
	c := newDKGT(t, 3, 5, 12)
	c.commit(1, 2, 3, 4)
	c.deal(1, 3, 4)
	c.post(c.badDeal(2, true, 1))
	c.check(c.all()...)
	c.respond(1, 3, 4)
	res, shares := c.finish()
	require.Equal(t, []uint32{1, 3, 4}, res.Qualified)
	require.Equal(t, map[uint32]string{
		2: "did not answer the complaint of trustee 1",
		5: "no commitment entry; no shares entry",
	}, res.Disqualified)
	c.checkKeys(res, shares)
}

// A trustee that did not complain about a bad share from a dealer that
// qualified has no key share; the others finish.
func TestDKGFinishMissedComplaint(t *testing.T) {
	c := newDKGT(t, 2, 3, 13)
	c.commit(c.all()...)
	c.deal(1, 2)
	c.post(c.badDeal(3, false, 2))
	c.check(1) // trustee 2 never checks
	res, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 2, 3}, res.Qualified)

	got, ks, err := c.dealer(2).Finish(c.entries)
	require.ErrorContains(t, err, "trustee 2 has no key share")
	require.ErrorContains(t, err, "dealer 3")
	require.ErrorIs(t, err, ErrShareDecrypt)
	require.Nil(t, ks)
	require.Equal(t, dkgtSummary(res), dkgtSummary(got))
	_, _, err = c.dealer(1).Finish(c.entries)
	require.NoError(t, err)
}

func TestDKGFinishNeedsDealerState(t *testing.T) {
	c := newDKGT(t, 2, 3, 14)
	c.run(c.all()...)
	res, ks, err := Finish(c.s, c.id(2), c.entries)
	require.ErrorContains(t, err, "use Dealer.Finish")
	require.Nil(t, ks)
	require.NotNil(t, res)

	// A dealer state that did not make the posted commitment.
	other, err := NewDealer(c.s, c.id(2), dkgtRand(99))
	require.NoError(t, err)
	_, _, err = other.Finish(c.entries)
	require.ErrorContains(t, err, "not made from this dealer state")
	_, err = other.Respond(c.entries)
	require.ErrorContains(t, err, "not made from this dealer state")
}

func TestDKGFinishRejectsBadCeremony(t *testing.T) {
	c := newDKGT(t, 3, 5, 15)
	c.run(1, 2)
	_, _, err := c.dealer(1).Finish(c.entries)
	require.ErrorIs(t, err, ErrTooFewQualified)
}

func TestDKGDeal(t *testing.T) {
	c := newDKGT(t, 2, 3, 16)
	c.commit(2, 3)
	d, err := NewDealer(c.s, c.id(1), c.rnd)
	require.NoError(t, err)
	_, err = d.Deal(c.entries, c.rnd)
	require.ErrorContains(t, err, "own commitment entry is not among the entries")

	c.commit(1)
	c.deal(1)
	again, err := c.dealer(1).Deal(c.entries, c.rnd)
	require.NoError(t, err)
	require.Equal(t, c.entries[len(c.entries)-1].Bytes(), again.Bytes(), "dealing again returns the posted entry")

	// Shares are sealed to each recipient.
	body, err := ParseSharesBody(again.Body, 1, 3)
	require.NoError(t, err)
	require.Equal(t, Round1Hash(c.s, c.entries), body.Round1)
	for _, sh := range body.Shares {
		got, err := OpenShare(c.id(sh.Recipient).TransportKey, c.s.Hash(), 1, sh.Recipient, &sh.Sealed)
		require.NoError(t, err)
		require.Equal(t, 1, got.Equal(c.dealer(1).eval(sh.Recipient)))
	}
}

func TestDKGCommitDeterministic(t *testing.T) {
	c := newDKGT(t, 3, 4, 17)
	c.commit(2)
	e, err := c.dealer(2).Commit()
	require.NoError(t, err)
	require.Equal(t, c.entries[0].Bytes(), e.Bytes())
	parsed, err := ParseEntry(c.s, e.Bytes())
	require.NoError(t, err)
	body, err := ParseCommitmentBody(parsed.Body, 3)
	require.NoError(t, err)
	for k := range body.Commitments {
		require.Equal(t, 1, body.Commitments[k].Equal(new(elgamal.Element).ScalarBaseMult(&c.dealer(2).coeffs[k])))
	}
}

func TestDKGCheckAndRespondIdempotent(t *testing.T) {
	c := dkgtCheat(t, true)
	again := c.check(4)
	require.Len(t, again, 1)
	c.respond(2)
	c.respond(2)
	res, _ := c.finish()
	require.Equal(t, c.all(), res.Qualified)
}

func TestDKGNewDealerErrors(t *testing.T) {
	c := newDKGT(t, 2, 3, 18)
	stranger, err := NewIdentity("stranger", c.rnd)
	require.NoError(t, err)
	_, err = NewDealer(c.s, stranger, c.rnd)
	require.ErrorContains(t, err, "not a trustee")
	_, err = Check(c.s, stranger, nil)
	require.ErrorContains(t, err, "not a trustee")

	mixed := &Identity{Name: "mixed", SigningKey: c.id(1).SigningKey, TransportKey: c.id(2).TransportKey}
	_, err = NewDealer(c.s, mixed, c.rnd)
	require.ErrorContains(t, err, "another transport key")

	_, err = NewDealer(c.s, c.id(1), zeroReader{})
	require.ErrorContains(t, err, "zero scalars")
	_, err = NewDealer(c.s, c.id(1), io.LimitReader(c.rnd, 70))
	require.Error(t, err)

	bad := *c.s
	bad.Threshold = 4
	_, err = NewDealer(&bad, c.id(1), c.rnd)
	require.ErrorIs(t, err, ErrSetup)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestDealerState(t *testing.T) {
	c := newDKGT(t, 3, 4, 19)
	c.commit(3)
	d := c.dealer(3)
	b, err := d.MarshalBinary()
	require.NoError(t, err)
	require.Len(t, b, len("urna/v1/dkg/dealer-state\n")+32+4+3*32)
	h := c.s.Hash()
	require.Equal(t, "urna/v1/dkg/dealer-state\n", string(b[:25]))
	require.Equal(t, h[:], b[25:57])
	require.Equal(t, []byte{0, 0, 0, 3}, b[57:61])

	back, err := ParseDealerState(c.s, c.id(3), b)
	require.NoError(t, err)
	e1, err := d.Commit()
	require.NoError(t, err)
	e2, err := back.Commit()
	require.NoError(t, err)
	require.Equal(t, e1.Bytes(), e2.Bytes())

	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	for name, tc := range map[string]struct {
		b    []byte
		id   *Identity
		want string
	}{
		"short":        {b[:len(b)-1], c.id(3), "bytes, want"},
		"long":         {append(append([]byte(nil), b...), 0), c.id(3), "bytes, want"},
		"domain":       {mutate(func(b []byte) []byte { b[0] ^= 1; return b }), c.id(3), "domain"},
		"ceremony":     {mutate(func(b []byte) []byte { b[30] ^= 1; return b }), c.id(3), "another ceremony"},
		"index":        {mutate(func(b []byte) []byte { b[60] = 2; return b }), c.id(3), "state of trustee 2"},
		"other id":     {b, c.id(2), "state of trustee 3"},
		"noncanonical": {mutate(func(b []byte) []byte { copy(b[61+32:], dkgtFF[:]); return b }), c.id(3), "a_1"},
		"zero":         {mutate(func(b []byte) []byte { clear(b[61+64:]); return b }), c.id(3), "a_2"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseDealerState(c.s, tc.id, tc.b)
			require.ErrorIs(t, err, ErrDealerState)
			require.ErrorContains(t, err, tc.want)
		})
	}

	other := *c.s
	other.Election = []byte("another election")
	_, err = ParseDealerState(&other, c.id(3), b)
	require.ErrorContains(t, err, "another ceremony")
}

var dkgtFF = [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}

// BenchmarkDKG3of5 runs a whole 3-of-5 ceremony: every round for every
// trustee, VerifyCeremony and Finish for all.
func BenchmarkDKG3of5(b *testing.B) {
	c := newDKGT(b, 3, 5, 20)
	b.ReportAllocs()
	var verify time.Duration
	for b.Loop() {
		c.entries = nil
		c.run(c.all()...)
		start := time.Now()
		_, err := VerifyCeremony(c.s, c.entries)
		verify += time.Since(start)
		require.NoError(b, err)
		c.finish()
	}
	b.ReportMetric(float64(verify.Microseconds())/float64(b.N), "µs-verify/op")
}
