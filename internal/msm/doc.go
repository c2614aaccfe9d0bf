// Package msm implements fast scalar multiplication on edwards25519 for the
// parts of urna that are dominated by it: verifying batches of proofs and
// tallying many ciphertexts (multi-scalar multiplication), and encrypting
// under a long-lived election key (fixed-base multiplication).
//
// VarTimeMultiScalarMult uses Pippenger's bucket method (N. Pippenger, "On
// the evaluation of powers and monomials", SIAM J. Comput. 9(2), 1980), in
// the form analysed by Bernstein, Doumen, Lange and Oosterwijk, "Faster batch
// forgery identification" (INDOCRYPT 2012). Each scalar is cut into signed
// c-bit digits; for every window, each point is added into the bucket of its
// digit's magnitude and the buckets are combined with a running sum, so a
// term costs about one point addition per window instead of one per few bits
// as with the per-point tables of Straus' method that edwards25519 uses. The
// inputs are first normalised to affine coordinates with a single batched
// inversion, which makes every bucket addition a cheaper mixed addition.
//
// FixedBase also lives here, although it is constant time and serves a
// different purpose, because it is built from the same field-level point
// representations and formulas (affine Niels points, mixed addition, batched
// normalisation) that edwards25519 does not export.
//
// The point arithmetic follows Hisil, Wong, Carter and Dawson, "Twisted
// Edwards Curves Revisited" (ASIACRYPT 2008, https://eprint.iacr.org/2008/522)
// with a = -1, and works only through the public API of
// filippo.io/edwards25519 and its field package.
package msm
