package threshold

import (
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// verifyHonest returns a completed honest 3-of-5 ceremony.
func verifyHonest(t *testing.T, seed uint64) *dkgtCeremony {
	c := newDKGT(t, 3, 5, seed)
	c.run(c.all()...)
	return c
}

// verifyEntryError checks that VerifyCeremony rejects entries because of
// entry k.
func verifyEntryError(t *testing.T, s *Setup, entries []*Entry, k int) *CeremonyError {
	t.Helper()
	res, err := VerifyCeremony(s, entries)
	require.Nil(t, res)
	var ce *CeremonyError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "entry", ce.Check)
	require.Equal(t, k, ce.Entry)
	require.ErrorIs(t, err, ErrEntry)
	return ce
}

// commitmentBody returns dealer i's commitment body with the given
// commitments encoded and a proof made under ctx (the right one if nil).
func (c *dkgtCeremony) commitmentBody(i uint32, encs [][]byte, ctx *zkp.Context) []byte {
	c.tb.Helper()
	d := c.dealer(i)
	if ctx == nil {
		h := c.s.Hash()
		ctx = dkgProofContext(&h, i)
	}
	p, err := zkp.ProveSchnorr(ctx, &d.coeffs[0], c.rnd)
	require.NoError(c.tb, err)
	var b []byte
	for _, e := range encs {
		b = append(b, e...)
	}
	return append(b, p.Bytes()...)
}

func (c *dkgtCeremony) commitmentEncodings(i uint32) [][]byte {
	var out [][]byte
	for _, e := range c.dealer(i).commitments() {
		out = append(out, e.Bytes())
	}
	return out
}

func TestVerifyCommitmentLength(t *testing.T) {
	c := verifyHonest(t, 30)
	encs := c.commitmentEncodings(2)
	extra := new(elgamal.Element).ScalarBaseMult(elgamal.NewScalar().SetUint64(5)).Bytes()
	for name, vec := range map[string][][]byte{
		"t-1": encs[:2],
		"t+1": append(encs[:3:3], extra),
	} {
		t.Run(name, func(t *testing.T) {
			e := c.signed(TypeCommitment, 2, c.commitmentBody(2, vec, nil))
			_, err := ParseEntry(c.s, e.Bytes())
			require.ErrorIs(t, err, ErrEntry)
			require.ErrorContains(t, err, "body of")
			_, err = ParseCommitmentBody(e.Body, 3)
			require.ErrorIs(t, err, elgamal.ErrLength)

			entries := append(append([]*Entry(nil), c.entries...), e)
			ce := verifyEntryError(t, c.s, entries, len(c.entries))
			require.Equal(t, uint32(2), ce.Trustee)
			require.Equal(t, TypeCommitment, ce.Type)
			require.Contains(t, ce.Error(), "ceremony: trustee 2 (commitment entry 10): entry: invalid entry: commitment entry from trustee 2: body of")
		})
	}
}

// verifyReplaceCommitment runs a 3-of-5 ceremony in which trustee 2's
// commitment entry has the given body, and returns the result.
func verifyReplaceCommitment(t *testing.T, body func(c *dkgtCeremony) []byte) *Result {
	c := newDKGT(t, 3, 5, 31)
	c.commit(c.all()...)
	c.entries[1] = c.signed(TypeCommitment, 2, body(c))
	_, err := c.dealer(2).Deal(c.entries, c.rnd)
	require.Error(t, err, "Deal refuses when the dealer's own commitment is not its state's")
	c.deal(1, 3, 4, 5)
	c.post(c.badDeal(2, true)) // correct shares
	complaints := c.check(c.all()...)
	require.Empty(t, complaints, "a dealer with a bad commitment gets no complaints")
	c.respond(1, 3, 4, 5)
	res, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3, 4, 5}, res.Qualified)
	require.Len(t, res.Disqualified, 1)
	return res
}

func TestVerifyIdentityCommitment(t *testing.T) {
	for k := 0; k < 3; k++ {
		res := verifyReplaceCommitment(t, func(c *dkgtCeremony) []byte {
			encs := c.commitmentEncodings(2)
			encs[k] = make([]byte, 32)
			return c.commitmentBody(2, encs, nil)
		})
		require.Contains(t, res.Disqualified[2], "commitment entry: commitment C[")
		require.Contains(t, res.Disqualified[2], elgamal.ErrIdentity.Error())
	}
}

func TestVerifyNonCanonicalCommitment(t *testing.T) {
	res := verifyReplaceCommitment(t, func(c *dkgtCeremony) []byte {
		encs := c.commitmentEncodings(2)
		encs[1] = dkgtFF[:]
		return c.commitmentBody(2, encs, nil)
	})
	require.Contains(t, res.Disqualified[2], elgamal.ErrNonCanonical.Error())
}

func TestVerifyInvalidSchnorrProof(t *testing.T) {
	other := [32]byte{1, 2, 3}
	for name, ctx := range map[string]func(h *[32]byte) *zkp.Context{
		"other index":    func(h *[32]byte) *zkp.Context { return dkgProofContext(h, 3) },
		"index 0":        func(h *[32]byte) *zkp.Context { return &zkp.Context{Election: h[:]} },
		"other ceremony": func(*[32]byte) *zkp.Context { return dkgProofContext(&other, 2) },
		"binding":        func(h *[32]byte) *zkp.Context { return &zkp.Context{Election: h[:], Prover: 2, Binding: []byte{0}} },
	} {
		t.Run(name, func(t *testing.T) {
			res := verifyReplaceCommitment(t, func(c *dkgtCeremony) []byte {
				h := c.s.Hash()
				return c.commitmentBody(2, c.commitmentEncodings(2), ctx(&h))
			})
			require.Contains(t, res.Disqualified[2], "commitment entry: schnorr proof:")
			require.Contains(t, res.Disqualified[2], zkp.ErrInvalidProof.Error())
		})
	}
}

func TestVerifySenderOutOfRange(t *testing.T) {
	c := verifyHonest(t, 32)
	for _, sender := range []uint32{0, 6, 1 << 31} {
		e := &Entry{Type: TypeComplaint, Ceremony: c.s.Hash(), Sender: sender, Body: (&ComplaintBody{Accused: 1, Reason: 1}).Bytes()}
		e.Sign(c.id(1).SigningKey)
		_, err := ParseEntry(c.s, e.Bytes())
		require.ErrorContains(t, err, "is not a trustee index")
		entries := append([]*Entry{e}, c.entries...)
		ce := verifyEntryError(t, c.s, entries, 0)
		require.Zero(t, ce.Trustee)
		require.Contains(t, ce.Error(), "ceremony: complaint entry 0: entry: ")
	}
}

func TestVerifyOtherCeremony(t *testing.T) {
	c := verifyHonest(t, 33)
	other := *c.s
	other.Election = []byte("another election")
	d, err := NewDealer(&other, c.id(3), c.rnd)
	require.NoError(t, err)
	e, err := d.Commit()
	require.NoError(t, err)
	_, err = ParseEntry(c.s, e.Bytes())
	require.ErrorContains(t, err, "belongs to another ceremony")

	entries := append(append([]*Entry(nil), c.entries[:4]...), e)
	entries = append(entries, c.entries[4:]...)
	verifyEntryError(t, c.s, entries, 4)

	// Round1Hash leaves it out.
	require.Equal(t, Round1Hash(c.s, c.entries), Round1Hash(c.s, entries))
	// So do the trustee steps, which verify entries first.
	_, err = Check(c.s, c.id(1), entries)
	require.ErrorIs(t, err, ErrEntry)
	_, _, err = c.dealer(1).Finish(entries)
	require.ErrorIs(t, err, ErrEntry)
}

func TestVerifyBadSignatureAndNil(t *testing.T) {
	c := verifyHonest(t, 34)
	e := *c.entries[7]
	e.Sig[0] ^= 1
	entries := append(append([]*Entry(nil), c.entries...), &e)
	ce := verifyEntryError(t, c.s, entries, len(c.entries))
	require.Equal(t, e.Sender, ce.Trustee)
	require.ErrorContains(t, ce, "signature does not verify")

	entries[3] = nil
	_, err := VerifyCeremony(c.s, entries)
	var nilErr *CeremonyError
	require.ErrorAs(t, err, &nilErr)
	require.Equal(t, 3, nilErr.Entry)
}

func TestVerifyEquivocation(t *testing.T) {
	t.Run("commitment", func(t *testing.T) {
		c := newDKGT(t, 3, 5, 35)
		c.commit(c.all()...)
		d, err := NewDealer(c.s, c.id(4), c.rnd)
		require.NoError(t, err)
		second, err := d.Commit()
		require.NoError(t, err)
		c.post(second)
		_, err = c.dealer(4).Deal(c.entries, c.rnd)
		require.ErrorContains(t, err, "2 different commitment entries")
		c.deal(1, 2, 3, 5)
		require.Empty(t, c.check(c.all()...))
		res, err := VerifyCeremony(c.s, c.entries)
		require.NoError(t, err)
		require.Equal(t, []uint32{1, 2, 3, 5}, res.Qualified)
		require.Equal(t, map[uint32]string{4: "2 different commitment entries (equivocation); no shares entry"}, res.Disqualified)
	})
	t.Run("shares", func(t *testing.T) {
		c := newDKGT(t, 3, 5, 36)
		c.commit(c.all()...)
		commitments := append([]*Entry(nil), c.entries...)
		c.deal(c.all()...)
		second, err := c.dealer(5).Deal(commitments, c.rnd)
		require.NoError(t, err)
		c.post(second)
		_, err = c.dealer(5).Deal(c.entries, c.rnd)
		require.ErrorContains(t, err, "2 different shares entries")
		c.check(c.all()...)
		res, err := VerifyCeremony(c.s, c.entries)
		require.NoError(t, err)
		require.Equal(t, []uint32{1, 2, 3, 4}, res.Qualified)
		require.Equal(t, map[uint32]string{5: "2 different shares entries (equivocation)"}, res.Disqualified)
	})
}

func TestVerifyRound1Mismatch(t *testing.T) {
	t.Run("one late commitment", func(t *testing.T) {
		c := newDKGT(t, 3, 5, 37)
		c.commit(1, 2, 3, 4)
		c.deal(1) // before trustee 5's commitment
		c.commit(5)
		c.deal(2, 3, 4, 5)
		c.check(c.all()...)
		c.respond(c.all()...)
		res, shares := c.finish()
		require.Equal(t, []uint32{2, 3, 4, 5}, res.Qualified)
		require.Contains(t, res.Disqualified[1], "shares entry: round-1 hash")
		c.checkKeys(res, shares)
	})
	t.Run("commitment after everyone dealt", func(t *testing.T) {
		c := newDKGT(t, 3, 5, 38)
		c.commit(1, 2, 3, 4)
		c.deal(1, 2, 3, 4)
		c.commit(5)
		c.deal(5)
		res, err := VerifyCeremony(c.s, c.entries)
		require.ErrorIs(t, err, ErrTooFewQualified)
		require.Equal(t, []uint32{5}, res.Qualified)
		for i := uint32(1); i <= 4; i++ {
			require.Contains(t, res.Disqualified[i], "round-1 hash")
		}
	})
}

func TestVerifyDuplicates(t *testing.T) {
	c := dkgtCheat(t, true)
	c.respond(2)
	want, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, c.all(), want.Qualified)
	doubled := append(append([]*Entry(nil), c.entries...), c.entries...)
	// Copies, not the same pointers.
	for k, e := range doubled[len(c.entries):] {
		cp := *e
		cp.Body = append([]byte(nil), e.Body...)
		doubled[len(c.entries)+k] = &cp
	}
	got, err := VerifyCeremony(c.s, doubled)
	require.NoError(t, err)
	require.Equal(t, dkgtSummary(want), dkgtSummary(got))
	require.Equal(t, Round1Hash(c.s, c.entries), Round1Hash(c.s, doubled))
	_, shares := c.finish()
	for _, d := range c.dealers {
		_, ks, err := d.Finish(doubled)
		require.NoError(t, err)
		require.Equal(t, 1, ks.X.Equal(&shares[d.index].X))
	}
}

func TestVerifySelfComplaintIgnored(t *testing.T) {
	c := verifyHonest(t, 39)
	c.post(c.signed(TypeComplaint, 3, (&ComplaintBody{Accused: 3, Reason: ReasonFeldman}).Bytes()))
	rs, err := c.dealer(3).Respond(c.entries)
	require.NoError(t, err)
	require.Empty(t, rs)
	res, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, c.all(), res.Qualified)
}

func TestVerifyComplaintReasons(t *testing.T) {
	// Two complaints from one trustee against one dealer, with different
	// reasons, are one complaint; a single response answers both.
	c := verifyHonest(t, 40)
	c.post(c.signed(TypeComplaint, 1, (&ComplaintBody{Accused: 2, Reason: ReasonFeldman}).Bytes()))
	c.post(c.signed(TypeComplaint, 1, (&ComplaintBody{Accused: 2, Reason: ReasonDecrypt}).Bytes()))
	c.post(c.signed(TypeComplaint, 1, (&ComplaintBody{Accused: 4, Reason: ReasonDecrypt}).Bytes()))
	res, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3, 5}, res.Qualified)
	require.Equal(t, map[uint32]string{
		2: "did not answer the complaint of trustee 1",
		4: "did not answer the complaint of trustee 1",
	}, res.Disqualified)
	rs := c.respond(2, 4)
	require.Len(t, rs, 2)
	res, shares := c.finish() // false complaints: the answers reveal correct shares
	require.Equal(t, c.all(), res.Qualified)
	c.checkKeys(res, shares)
}

func TestVerifyMalformedBodies(t *testing.T) {
	for name, tc := range map[string]struct {
		typ  EntryType
		body []byte
		want string
	}{
		"complaint accused 0":      {TypeComplaint, []byte{0, 0, 0, 0, 1}, "complaint entry: complaint: accused 0"},
		"complaint accused 6":      {TypeComplaint, []byte{0, 0, 0, 6, 1}, "complaint entry: complaint: accused 6"},
		"complaint reason 3":       {TypeComplaint, []byte{0, 0, 0, 1, 3}, "complaint entry: complaint: unknown reason 3"},
		"response complainer 0":    {TypeResponse, make([]byte, 36), "response entry: response: complainer 0"},
		"response non-canonical":   {TypeResponse, append([]byte{0, 0, 0, 1}, dkgtFF[:]...), "response entry: response: share"},
		"shares recipient order":   {TypeShares, nil, "shares entry: shares: entry 0 is for trustee 2, want 1"},
		"shares to the dealer too": {TypeShares, nil, "shares entry: shares: entry 2 is for trustee 3, want 4"},
	} {
		t.Run(name, func(t *testing.T) {
			c := newDKGT(t, 3, 5, 41)
			c.commit(c.all()...)
			c.deal(1, 2, 4, 5)
			body := tc.body
			if tc.typ == TypeShares {
				good, err := c.dealer(3).Deal(c.entries, c.rnd)
				require.NoError(t, err)
				sb, err := ParseSharesBody(good.Body, 3, 5)
				require.NoError(t, err)
				if name == "shares recipient order" {
					sb.Shares[0], sb.Shares[1] = sb.Shares[1], sb.Shares[0]
				} else {
					sb.Shares[2].Recipient = 3
				}
				body = sb.Bytes()
			}
			c.post(c.signed(tc.typ, 3, body))
			if tc.typ != TypeShares {
				c.deal(3)
			}
			res, err := VerifyCeremony(c.s, c.entries)
			require.NoError(t, err)
			require.Equal(t, []uint32{1, 2, 4, 5}, res.Qualified)
			require.Len(t, res.Disqualified, 1)
			require.True(t, strings.HasPrefix(res.Disqualified[3], tc.want), res.Disqualified[3])
		})
	}
}

func TestVerifyTooFewQualified(t *testing.T) {
	c := newDKGT(t, 3, 5, 42)
	c.run(2, 4)
	res, err := VerifyCeremony(c.s, c.entries)
	require.ErrorIs(t, err, ErrTooFewQualified)
	var ce *CeremonyError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "qualified set", ce.Check)
	require.Equal(t, -1, ce.Entry)
	require.Equal(t, "ceremony: qualified set: too few qualified dealers: 2 of 5 dealers qualified, threshold 3; excluded: "+
		"trustee 1 (no commitment entry; no shares entry), trustee 3 (no commitment entry; no shares entry), trustee 5 (no commitment entry; no shares entry)", err.Error())
	require.Equal(t, []uint32{2, 4}, res.Qualified)
	require.Nil(t, res.PublicKey)
	require.Nil(t, res.VerificationKeys)

	_, err = VerifyCeremony(c.s, nil)
	require.ErrorIs(t, err, ErrTooFewQualified)
}

func TestVerifyBadSetup(t *testing.T) {
	c := verifyHonest(t, 43)
	bad := *c.s
	bad.Threshold = 0
	_, err := VerifyCeremony(&bad, c.entries)
	require.ErrorIs(t, err, ErrSetup)
	var ce *CeremonyError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "setup", ce.Check)
}

func TestVerifyIgnoresDecryptionShares(t *testing.T) {
	c := verifyHonest(t, 44)
	want, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	got, err := VerifyCeremony(c.s, append(c.entries, c.signed(TypeDecryptionShares, 2, []byte("anything"))))
	require.NoError(t, err)
	require.Equal(t, dkgtSummary(want), dkgtSummary(got))
}

func TestVerifyDeterministic(t *testing.T) {
	// A transcript with a bit of everything: an absent trustee, a dealer
	// that does not answer a complaint, one that answers, an equivocator,
	// a malformed complaint and a duplicate.
	c := newDKGT(t, 3, 7, 45)
	c.commit(1, 2, 3, 4, 5, 6)
	d, err := NewDealer(c.s, c.id(6), c.rnd)
	require.NoError(t, err)
	e, err := d.Commit()
	require.NoError(t, err)
	c.post(e)
	c.deal(1, 4, 5)
	c.post(c.badDeal(2, true, 1, 3), c.badDeal(3, false, 5))
	c.check(c.all()[:6]...)
	c.respond(1, 3, 4, 5)
	c.post(c.signed(TypeComplaint, 5, []byte{0, 0, 0, 9, 1}), c.entries[0])

	want, err := VerifyCeremony(c.s, c.entries)
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3, 4}, want.Qualified)
	require.Equal(t, map[uint32]string{
		2: "did not answer the complaint of trustee 1; did not answer the complaint of trustee 3",
		5: "complaint entry: complaint: accused 9 is not a trustee index (1 to 7)",
		6: "2 different commitment entries (equivocation); no shares entry",
		7: "no commitment entry; no shares entry",
	}, want.Disqualified)
	r := mrand.New(mrand.NewPCG(1, 2))
	for range 20 {
		shuffled := append([]*Entry(nil), c.entries...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := VerifyCeremony(c.s, shuffled)
		require.NoError(t, err)
		require.Equal(t, dkgtSummary(want), dkgtSummary(got))
		require.Equal(t, Round1Hash(c.s, c.entries), Round1Hash(c.s, shuffled))
	}
}

func TestRound1Hash(t *testing.T) {
	c := newDKGT(t, 2, 3, 46)
	c.commit(3, 1, 2)
	// Known structure: domain, then each commitment entry, by sender.
	h0 := Round1Hash(c.s, c.entries)
	reordered := []*Entry{c.entries[1], c.entries[2], c.entries[0]}
	require.Equal(t, h0, Round1Hash(c.s, reordered))
	c.deal(1)
	require.Equal(t, h0, Round1Hash(c.s, c.entries), "only commitment entries count")
	require.NotEqual(t, h0, Round1Hash(c.s, reordered[:2]))
	require.NotEqual(t, Round1Hash(c.s, nil), Round1Hash(c.s, reordered[:1]))
}

func TestCeremonyErrorFormat(t *testing.T) {
	inner := errors.New("boom")
	for _, tc := range []struct {
		e    CeremonyError
		want string
	}{
		{CeremonyError{Check: "schnorr proof", Trustee: 3, Entry: 2, Type: TypeCommitment, Err: inner}, "ceremony: trustee 3 (commitment entry 2): schnorr proof: boom"},
		{CeremonyError{Check: "entry", Trustee: 3, Entry: 2, Err: inner}, "ceremony: trustee 3 (entry 2): entry: boom"},
		{CeremonyError{Check: "entry", Entry: 0, Type: TypeShares, Err: inner}, "ceremony: shares entry 0: entry: boom"},
		{CeremonyError{Check: "qualified set", Entry: -1, Err: inner}, "ceremony: qualified set: boom"},
		{CeremonyError{Check: "x", Trustee: 1, Entry: -1}, "ceremony: trustee 1: x"},
	} {
		require.Equal(t, tc.want, tc.e.Error())
		if tc.e.Err != nil {
			require.ErrorIs(t, &tc.e, inner)
		}
	}
}

func TestDKGEvalCommitments(t *testing.T) {
	r := dkgtRand(47)
	c := make([]elgamal.Element, 4)
	for k := range c {
		a, err := elgamal.RandomScalar(r)
		require.NoError(t, err)
		c[k].ScalarBaseMult(a)
	}
	for j := uint32(0); j <= 70; j++ {
		js := new(elgamal.Scalar).SetUint64(uint64(j))
		e := new(elgamal.Element).Set(&c[0])
		dkgSmallMult(e, j)
		require.Equal(t, 1, e.Equal(new(elgamal.Element).VarTimeScalarMult(js, &c[0])), "j = %d", j)

		want := elgamal.NewElement()
		pow := new(elgamal.Scalar).SetUint64(1)
		for k := range c {
			want.Add(want, new(elgamal.Element).VarTimeScalarMult(pow, &c[k]))
			pow.Multiply(pow, js)
		}
		require.Equal(t, 1, dkgEvalCommitments(c, j).Equal(want), "j = %d", j)
	}
}
