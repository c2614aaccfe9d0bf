// Package election implements the election domain of urna: the election
// manifest (what is being voted on, under which key and rules, and its
// canonical encoding and manifest hash), voter credentials and ballots.
//
// The manifest is the root of an election: its hash, the election context
// hash ([Manifest.Hash]), is bound into every proof of the election, and
// the ballot layout of each contest ([Contest.Choices]) fixes what a ballot
// encrypts. The rules follow Danish and Norwegian practice: a blank vote is
// always possible, Danish party-list contests let the voter pick one list
// or one candidate, and the revoting policy is either "forbid" (Denmark
// 2008: the e-vote is binding) or "last-counts" (Norway).
//
// spec/manifest.md specifies the manifest's JSON form, its validation rules
// and its canonical binary encoding byte for byte.
package election
