// Package bulletin implements the core of urna's bulletin board: the
// election's public record, an append-only transparency log of entries.
//
// The log is a Merkle tree in the sense of RFC 6962 §2.1 (and RFC 9162
// §2.1): record hashes are SHA-256(0x00 ‖ entry), interior hashes are
// SHA-256(0x01 ‖ left ‖ right). Tree arithmetic, proofs and tiles come from
// golang.org/x/mod/sumdb/tlog.
//
// The board commits to a tree by signing a checkpoint in the C2SP
// tlog-checkpoint format (https://c2sp.org/tlog-checkpoint), wrapped as a
// C2SP signed note (https://c2sp.org/signed-note) with an Ed25519 board key.
// Clients check inclusion and consistency proofs against checkpoints; a
// [Follower] remembers the last verified checkpoint and only moves forward
// along consistent trees, reporting equivocation as [ErrFork].
//
// Mirrors and auditors can fetch the tree as static tiles laid out as in
// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): see [Log.Tile].
//
// Storage is behind the [HashStore] interface so that durable stores can
// replace [MemoryHashStore]. The wire format is specified in
// spec/board-log.md.
package bulletin
