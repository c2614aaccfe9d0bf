package verifier

import (
	"context"
	"fmt"
	"os"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/elgamal/threshold"
)

// List is a list of ciphertexts the trustees are to decrypt (spec/board.md
// §4.9), recomputed from a verified record: the aggregate of the counted
// ballots (V9) or the output of a verified mix chain (V10).
type List struct {
	// Name is "aggregate" or "mix/<contest>".
	Name        string
	Ciphertexts []elgamal.Ciphertext
	// Hash is the list hash of spec/threshold.md §5 that decryption shares
	// name and bind.
	Hash [32]byte
}

// DecryptionLists verifies the election record in dir as a trustee must
// before decrypting anything (spec/verify.md, "Before decrypting"): steps
// V1 to V10, on a log in phase decrypting or later, anchored to the
// election fingerprint opts.Election. It returns the lists to decrypt
// only when every one of those steps passed and the record is anchored:
// the homomorphic aggregate recomputed from the counted ballots and the
// last list of every mix chain, each mixed by at least t distinct
// trustees. Otherwise the lists are nil and the report says why. Like
// VerifyDir, it returns an error only when the record cannot be read.
func DecryptionLists(ctx context.Context, dir string, opts Options) (*Report, []List, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("verifier: %w", err)
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("verifier: %s is not a directory", dir)
	}
	v := &run{ctx: ctx, dir: dir, opts: opts, rep: &Report{Record: dir}, forDecryption: true}
	rep, err := v.runSteps(10)
	if err != nil || !rep.Anchored {
		return rep, nil, err
	}
	return rep, v.lists(), nil
}

// lists returns the lists to decrypt (spec/board.md §4.9) that V9 and V10
// recomputed, with their hashes. It drops the chains' lists of vectors:
// only the flat lists are needed from here on.
func (v *run) lists() []List {
	var lists []List
	if v.aggregate != nil {
		lists = append(lists, List{Name: "aggregate", Ciphertexts: v.aggregate})
	}
	for _, ch := range v.mixTails {
		cts := make([]elgamal.Ciphertext, len(ch.tail))
		for i, x := range ch.tail {
			cts[i].Set(&x[0])
		}
		ch.tail = nil
		lists = append(lists, List{Name: "mix/" + ch.contest, Ciphertexts: cts})
	}
	for k := range lists {
		lists[k].Hash = threshold.ListHash(lists[k].Ciphertexts)
	}
	return lists
}

// Decryptable returns the list for threshold.KeyShare.Decrypt: the safe
// path for a trustee, who decrypts only lists DecryptionLists returned.
func (l *List) Decryptable() *threshold.List { return threshold.VerifiedList(l.Ciphertexts) }
