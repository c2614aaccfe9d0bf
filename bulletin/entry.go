package bulletin

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/urnavote/urna/elgamal/threshold"
)

// Board entries (spec/board.md §2). Every entry starts with the magic
// "urna", the version 1 and a type byte, so the log is self-describing:
//
//	0x01–0x05  trustee ceremony and decryption-share entries (spec/threshold.md §2)
//	0x10       mix stage (spec/mixchain.md §3)
//	0x20       administrator entry
//	0x30       blob reference
//	0x31       ballot
//	0x32       challenge (a spoiled ballot with its opening)
//
// An entry longer than MaxEntrySize is posted whole but logged as a blob
// reference: the SHA-256 and the length of the entry, which the board
// serves as a blob. Which form an entry takes depends only on its length.

const (
	entryMagic   = "urna"
	entryVersion = 1
	// EntryHeaderSize is the length of the common header: magic, version
	// and type.
	EntryHeaderSize = 4 + 1 + 1

	// TypeStage is the type of a mix stage (mixnet.StageType).
	TypeStage = 0x10
	// TypeAdmin is the type of an administrator entry.
	TypeAdmin = 0x20
	// TypeBlobRef is the type of a blob reference.
	TypeBlobRef = 0x30
	// TypeBallot is the type of a cast ballot.
	TypeBallot = 0x31
	// TypeChallenge is the type of a Benaloh challenge.
	TypeChallenge = 0x32

	// BlobRefSize is the length of a blob reference entry: header,
	// SHA-256 of the blob, u64 length.
	BlobRefSize = EntryHeaderSize + 32 + 8

	// MaxBlobSize bounds one posted entry of any form (1 GiB).
	MaxBlobSize = 1 << 30

	boardIDDomain = "urna/v1/board/id\x00"
	adminDomain   = "urna/v1/board/admin\x00"
	adminHeader   = EntryHeaderSize + 32 + 1 + 4
)

// ErrMalformed is wrapped by every entry decoding error.
var ErrMalformed = errors.New("malformed entry")

// EntryType returns the type byte of a board entry after checking its
// common header.
func EntryType(b []byte) (byte, error) {
	if len(b) < EntryHeaderSize {
		return 0, fmt.Errorf("%w: %d bytes is shorter than the %d-byte header", ErrMalformed, len(b), EntryHeaderSize)
	}
	if string(b[:4]) != entryMagic {
		return 0, fmt.Errorf("%w: header: bad magic %q", ErrMalformed, b[:4])
	}
	if b[4] != entryVersion {
		return 0, fmt.Errorf("%w: header: version %d, want %d", ErrMalformed, b[4], entryVersion)
	}
	return b[5], nil
}

func header(t byte) []byte {
	return append([]byte(entryMagic), entryVersion, t)
}

// BlobRef is the logged form of an entry longer than MaxEntrySize.
type BlobRef struct {
	Hash [32]byte // SHA-256 of the entry
	Size uint64
}

// LeafFor returns the log entry for a posted entry: the entry itself, or
// a blob reference when it is longer than MaxEntrySize.
func LeafFor(entry []byte) []byte {
	if len(entry) <= MaxEntrySize {
		return entry
	}
	r := BlobRef{Hash: sha256.Sum256(entry), Size: uint64(len(entry))}
	return r.Bytes()
}

// Bytes encodes the reference.
func (r *BlobRef) Bytes() []byte {
	b := header(TypeBlobRef)
	b = append(b, r.Hash[:]...)
	return binary.BigEndian.AppendUint64(b, r.Size)
}

// ParseBlobRef decodes a blob reference entry.
func ParseBlobRef(b []byte) (*BlobRef, error) {
	t, err := EntryType(b)
	if err != nil {
		return nil, err
	}
	if t != TypeBlobRef || len(b) != BlobRefSize {
		return nil, fmt.Errorf("%w: blob reference: type 0x%02x, %d bytes", ErrMalformed, t, len(b))
	}
	r := &BlobRef{Hash: [32]byte(b[EntryHeaderSize:]), Size: binary.BigEndian.Uint64(b[EntryHeaderSize+32:])}
	if r.Size <= MaxEntrySize || r.Size > MaxBlobSize {
		return nil, fmt.Errorf("%w: blob reference: size %d outside (%d, %d]", ErrMalformed, r.Size, MaxEntrySize, MaxBlobSize)
	}
	return r, nil
}

// Check reports whether blob is the entry r refers to.
func (r *BlobRef) Check(blob []byte) error {
	if uint64(len(blob)) != r.Size || sha256.Sum256(blob) != r.Hash {
		return fmt.Errorf("bulletin: blob %x: content does not match its reference", r.Hash[:8])
	}
	return nil
}

// BoardID returns the 32-byte identifier of the board with the given
// origin, which administrator entries are bound to.
func BoardID(origin string) [32]byte {
	return sha256.Sum256(append([]byte(boardIDDomain), origin...))
}

// AdminKind is the kind of an administrator entry.
type AdminKind uint8

const (
	// AdminGenesis opens the board: the administrator's key and the
	// trustee ceremony setup. It is entry 0.
	AdminGenesis AdminKind = 1
	// AdminPhase moves the election to the next phase.
	AdminPhase AdminKind = 2
	// AdminManifest publishes the election manifest (canonical JSON).
	AdminManifest AdminKind = 3
	// AdminCredentials publishes public credentials (32 bytes each) of
	// eligible voters.
	AdminCredentials AdminKind = 4
	// AdminOverrides lists credentials whose e-votes are cancelled, for
	// instance because the voter voted in person on paper.
	AdminOverrides AdminKind = 5
	// AdminResult publishes the result (the protocol report, JSON).
	AdminResult AdminKind = 6
	// AdminRound closes a round of the trustee ceremony and opens the
	// next (spec/board.md §3.1).
	AdminRound AdminKind = 7
	// AdminRestart abandons the trustee ceremony and starts a new one
	// with the ceremony setup in its body (spec/board.md §3.1).
	AdminRestart AdminKind = 8
)

func (k AdminKind) String() string {
	switch k {
	case AdminGenesis:
		return "genesis"
	case AdminPhase:
		return "phase"
	case AdminManifest:
		return "manifest"
	case AdminCredentials:
		return "credentials"
	case AdminOverrides:
		return "overrides"
	case AdminResult:
		return "result"
	case AdminRound:
		return "round"
	case AdminRestart:
		return "restart"
	}
	return fmt.Sprintf("admin kind %d", uint8(k))
}

// AdminEntry is an entry signed by the election administrator:
//
//	header ‖ board ID (32) ‖ kind (1) ‖ u32 len ‖ body ‖ Ed25519 signature (64)
//
// The signature covers "urna/v1/board/admin\x00" followed by everything
// before it.
type AdminEntry struct {
	Board [32]byte
	Kind  AdminKind
	Body  []byte
	Sig   [ed25519.SignatureSize]byte
}

func (a *AdminEntry) signed() []byte {
	b := header(TypeAdmin)
	b = append(b, a.Board[:]...)
	b = append(b, byte(a.Kind))
	b = binary.BigEndian.AppendUint32(b, uint32(len(a.Body)))
	return append(b, a.Body...)
}

// NewAdminEntry returns the administrator entry of the given kind and body
// for the board origin, signed with key.
func NewAdminEntry(origin string, kind AdminKind, body []byte, key ed25519.PrivateKey) *AdminEntry {
	a := &AdminEntry{Board: BoardID(origin), Kind: kind, Body: body}
	copy(a.Sig[:], ed25519.Sign(key, append([]byte(adminDomain), a.signed()...)))
	return a
}

// Bytes encodes the entry.
func (a *AdminEntry) Bytes() []byte { return append(a.signed(), a.Sig[:]...) }

// Verify checks the signature under the administrator key.
func (a *AdminEntry) Verify(key ed25519.PublicKey) bool {
	return len(key) == ed25519.PublicKeySize && ed25519.Verify(key, append([]byte(adminDomain), a.signed()...), a.Sig[:])
}

// ParseAdminEntry decodes an administrator entry. It checks the framing,
// not the signature or the body.
func ParseAdminEntry(b []byte) (*AdminEntry, error) {
	t, err := EntryType(b)
	if err != nil {
		return nil, err
	}
	if t != TypeAdmin {
		return nil, fmt.Errorf("%w: type 0x%02x is not an administrator entry", ErrMalformed, t)
	}
	if len(b) < adminHeader+ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: administrator entry of %d bytes is truncated", ErrMalformed, len(b))
	}
	a := &AdminEntry{Board: [32]byte(b[EntryHeaderSize:]), Kind: AdminKind(b[EntryHeaderSize+32])}
	n := binary.BigEndian.Uint32(b[EntryHeaderSize+33:])
	if uint64(len(b)) != uint64(adminHeader)+uint64(n)+ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: administrator entry: body length %d does not match the entry's %d bytes", ErrMalformed, n, len(b))
	}
	if a.Kind < AdminGenesis || a.Kind > AdminRestart {
		return nil, fmt.Errorf("%w: administrator entry: unknown kind %d", ErrMalformed, a.Kind)
	}
	a.Body = append([]byte(nil), b[adminHeader:adminHeader+int(n)]...)
	copy(a.Sig[:], b[adminHeader+int(n):])
	return a, nil
}

// Genesis is the body of the genesis entry: the administrator's Ed25519
// key followed by the trustee ceremony setup (spec/threshold.md §1).
type Genesis struct {
	Admin ed25519.PublicKey
	Setup []byte
}

// Bytes encodes the genesis body.
func (g *Genesis) Bytes() []byte { return append(append([]byte(nil), g.Admin...), g.Setup...) }

// ParseGenesis splits a genesis body; the setup is decoded by the caller.
func ParseGenesis(b []byte) (*Genesis, error) {
	if len(b) <= ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: genesis body of %d bytes", ErrMalformed, len(b))
	}
	if err := threshold.CheckSigningKey(b[:32]); err != nil {
		return nil, fmt.Errorf("%w: genesis: administrator key: %v", ErrMalformed, err)
	}
	return &Genesis{Admin: ed25519.PublicKey(append([]byte(nil), b[:32]...)), Setup: append([]byte(nil), b[32:]...)}, nil
}

// BallotEntry returns the entry that casts the encoded ballot.
func BallotEntry(ballot []byte) []byte { return append(header(TypeBallot), ballot...) }

// ChallengeEntry returns the entry that publishes a Benaloh challenge:
// the encoded ballot followed by its encoded opening.
func ChallengeEntry(ballot, opening []byte) []byte {
	return append(append(header(TypeChallenge), ballot...), opening...)
}

// PhaseEntryBody is the body of an AdminPhase entry moving to p.
func PhaseEntryBody(p Phase) []byte { return []byte{byte(p)} }

// RoundEntryBody is the body of an AdminRound entry opening round r.
func RoundEntryBody(r Round) []byte { return []byte{byte(r)} }
