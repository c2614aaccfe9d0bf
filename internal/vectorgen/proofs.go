package main

import (
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

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
