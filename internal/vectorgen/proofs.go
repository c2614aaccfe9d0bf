package main

import (
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

func check(err error) {
	if err != nil {
		panic(err)
	}
}

var dleqLayout = []field{{"A1", kCommit}, {"A2", kCommit}, {"z", kScalar}}

var zeroOneLayout = []field{{"A0", kCommit}, {"B0", kCommit}, {"A1", kCommit}, {"B1", kCommit}, {"c0", kScalar}, {"z0", kScalar}, {"z1", kScalar}}

func schnorrCases(r *rng) []proofCase {
	var out []proofCase
	for i := 0; i < 2; i++ {
		ctx := r.context(uint32(i + 1))
		x := r.scalar()
		p, err := zkp.ProveSchnorr(zctx(ctx), x, r)
		if err != nil {
			panic(err)
		}
		out = append(out, proofCase{
			comment: "knowledge of a dealer's constant term",
			ctx:     ctx,
			inputs:  map[string]string{"Y": hx(new(elgamal.Element).ScalarBaseMult(x).Bytes()), "proof": hx(p.Bytes())},
			stmt:    []field{{"Y", kCommit}},
			proof:   []field{{"R", kCommit}, {"z", kScalar}},
		})
	}
	return out
}

func dleqCases(r *rng) []proofCase {
	ctx := r.context(3)
	x := r.scalar()
	g1, g2 := r.element(), r.element()
	p, err := zkp.ProveDLEQ(zctx(ctx), x, g1, g2, r)
	check(err)
	y1 := new(elgamal.Element).ScalarMult(x, g1)
	y2 := new(elgamal.Element).ScalarMult(x, g2)
	return []proofCase{{
		comment: "equal discrete logs to two random bases",
		ctx:     ctx,
		inputs: map[string]string{"G1": hx(g1.Bytes()), "Y1": hx(y1.Bytes()), "G2": hx(g2.Bytes()),
			"Y2": hx(y2.Bytes()), "proof": hx(p.Bytes())},
		stmt:  []field{{"G1", kCommit}, {"Y1", kCommit}, {"G2", kCommit}, {"Y2", kCommit}},
		proof: dleqLayout,
	}}
}

func decryptionShareCases(r *rng) []proofCase {
	ctx := r.context(2)
	k := r.key()
	c, _, err := r.key().PublicKey().EncryptInt(5, r)
	check(err)
	share, p, err := zkp.ProveDecryptionShare(zctx(ctx), k.Scalar(), c, r)
	check(err)
	return []proofCase{{
		comment: "trustee 2's decryption share of a ciphertext",
		ctx:     ctx,
		inputs: map[string]string{"vk": hx(k.PublicKey().Bytes()), "ciphertext": hx(c.Bytes()),
			"share": hx(share.Bytes()), "proof": hx(p.Bytes())},
		stmt:  []field{{"vk", kCommit}, {"ciphertext", kCiphertext}, {"share", kCommit}},
		proof: dleqLayout,
	}}
}

func reEncryptionCases(r *rng) []proofCase {
	ctx := r.context(4)
	pk := r.key().PublicKey()
	c, _, err := pk.Encrypt(r.element(), r)
	check(err)
	c2, nonce, err := pk.ReEncrypt(c, r)
	check(err)
	p, err := zkp.ProveReEncryption(zctx(ctx), pk, c, c2, nonce, r)
	check(err)
	return []proofCase{{
		comment: "re-encryption of a ciphertext",
		ctx:     ctx,
		inputs: map[string]string{"public_key": hx(pk.Bytes()), "ciphertext": hx(c.Bytes()),
			"reencrypted": hx(c2.Bytes()), "proof": hx(p.Bytes())},
		stmt:  []field{{"public_key", kCommit}, {"ciphertext", kCiphertext}, {"reencrypted", kCiphertext}},
		proof: dleqLayout,
	}}
}

func zeroOneCases(r *rng) []proofCase {
	var out []proofCase
	pk := r.key().PublicKey()
	for m := uint64(0); m <= 1; m++ {
		ctx := r.context(0)
		c, _, p, err := zkp.EncryptZeroOne(zctx(ctx), pk, m, r)
		check(err)
		out = append(out, proofCase{
			comment: fmt.Sprintf("selection encrypting %d", m),
			ctx:     ctx,
			inputs:  map[string]string{"public_key": hx(pk.Bytes()), "ciphertext": hx(c.Bytes()), "proof": hx(p.Bytes())},
			stmt:    []field{{"public_key", kCommit}, {"ciphertext", kCiphertext}},
			proof:   zeroOneLayout,
		})
	}
	return out
}

func rangeCases(r *rng) []proofCase {
	var out []proofCase
	pk := r.key().PublicKey()
	for _, tc := range []struct{ m, min, max uint64 }{{2, 0, 3}, {5, 2, 7}, {4, 4, 4}} {
		ctx := r.context(0)
		c, nonce, err := pk.EncryptInt(tc.m, r)
		check(err)
		p, err := zkp.ProveRange(zctx(ctx), pk, c, tc.m, nonce, tc.min, tc.max, r)
		check(err)
		var layout []field
		for i := range p.Bits {
			layout = append(layout, field{fmt.Sprintf("C%d", i), kCiphertext})
			for _, f := range zeroOneLayout {
				layout = append(layout, field{fmt.Sprintf("C%d.%s", i, f.name), f.kind})
			}
		}
		if p.Exact != nil {
			layout = []field{{"A", kCommit}, {"B", kCommit}, {"z", kScalar}}
		}
		out = append(out, proofCase{
			comment: fmt.Sprintf("%d in [%d, %d]", tc.m, tc.min, tc.max),
			ctx:     ctx,
			inputs: map[string]string{"public_key": hx(pk.Bytes()), "ciphertext": hx(c.Bytes()),
				"min": u(tc.min), "max": u(tc.max), "proof": hx(p.Bytes())},
			stmt:  []field{{"public_key", kCommit}, {"ciphertext", kCiphertext}, {"min", kUint}, {"max", kUint}},
			proof: layout,
		})
	}
	return out
}

func randomnessCases(r *rng) []proofCase {
	var out []proofCase
	pk := r.key().PublicKey()
	for _, width := range []int{1, 3} {
		ctx := r.context(0)
		ms := make([]*elgamal.Element, width)
		for i := range ms {
			ms[i] = r.element()
		}
		v, rs, err := pk.EncryptVector(ms, r)
		check(err)
		p, err := zkp.ProveRandomness(zctx(ctx), pk, v, rs, r)
		check(err)
		var layout []field
		for i := 0; i < width; i++ {
			layout = append(layout, field{fmt.Sprintf("A%d", i), kCommit})
		}
		for i := 0; i < width; i++ {
			layout = append(layout, field{fmt.Sprintf("z%d", i), kScalar})
		}
		out = append(out, proofCase{
			comment: fmt.Sprintf("mixnet ballot of width %d bound to the voter credential", width),
			ctx:     ctx,
			inputs: map[string]string{"public_key": hx(pk.Bytes()), "vector": hx(v.Bytes()),
				"width": u(uint64(width)), "proof": hx(p.Bytes())},
			stmt:  []field{{"public_key", kCommit}, {"vector", kVector}},
			proof: layout,
		})
	}
	return out
}
