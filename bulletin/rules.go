package bulletin

import (
	"fmt"

	"github.com/urnavote/urna/elgamal/threshold"
)

// Round is a round of the trustee ceremony (spec/board.md §3.1). The move
// to key-ceremony opens round 1; the administrator closes each round by
// opening the next, one at a time.
type Round uint8

const (
	RoundCommitments Round = 1 // commitments
	RoundShares      Round = 2 // shares
	RoundComplaints  Round = 3 // complaints
	RoundResponses   Round = 4 // responses
	RoundClosed      Round = 5 // the ceremony is over: the manifest may follow
	numRounds              = 6
)

var roundNames = [numRounds]string{"", "commitments", "shares", "complaints", "responses", "closed"}

func (r Round) String() string {
	if r > 0 && int(r) < numRounds {
		return roundNames[r]
	}
	return fmt.Sprintf("round %d", uint8(r))
}

// ParseRound returns the round with the given name.
func ParseRound(s string) (Round, error) {
	for i, n := range roundNames {
		if i > 0 && n == s {
			return Round(i), nil
		}
	}
	return 0, fmt.Errorf("bulletin: unknown ceremony round %q (one of shares, complaints, responses, closed)", s)
}

// Kind is what an entry is, for the phase rules.
type Kind uint8

const (
	KindGenesis Kind = iota + 1
	KindPhase
	KindManifest
	KindCredentials
	KindOverrides
	KindResult
	KindCommitment
	KindShares
	KindComplaint
	KindResponse
	KindDecryptionShares
	KindStage
	KindBallot
	KindChallenge
	KindRound
	KindRestart
)

var kindNames = [...]string{"", "the genesis entry", "a phase entry", "the manifest", "a credentials entry", "an overrides entry",
	"the result", "a commitment entry", "a shares entry", "a complaint entry", "a response entry",
	"a decryption-shares entry", "a mix stage", "a ballot", "a challenge", "a round entry", "a restart of the ceremony"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// KindOfCeremony returns the Kind of a trustee entry type.
func KindOfCeremony(t threshold.EntryType) Kind {
	switch t {
	case threshold.TypeCommitment:
		return KindCommitment
	case threshold.TypeShares:
		return KindShares
	case threshold.TypeComplaint:
		return KindComplaint
	case threshold.TypeResponse:
		return KindResponse
	}
	return KindDecryptionShares
}

// admits is the phase that admits each kind (spec/board.md §3).
var admits = map[Kind]Phase{
	KindGenesis: PhaseSetup, KindManifest: PhaseKeyCeremony, KindCredentials: PhaseKeyCeremony,
	KindCommitment: PhaseKeyCeremony, KindShares: PhaseKeyCeremony, KindComplaint: PhaseKeyCeremony,
	KindResponse: PhaseKeyCeremony, KindBallot: PhaseOpen, KindChallenge: PhaseOpen, KindOverrides: PhaseClosed,
	KindStage: PhaseMixing, KindDecryptionShares: PhaseDecrypting, KindResult: PhaseDecrypting,
	KindRound: PhaseKeyCeremony, KindRestart: PhaseKeyCeremony,
}

// roundOf is the ceremony round that admits each trustee entry kind.
var roundOf = map[Kind]Round{
	KindCommitment: RoundCommitments, KindShares: RoundShares,
	KindComplaint: RoundComplaints, KindResponse: RoundResponses,
}

// Event is one entry as the rules see it: its kind and the few fields of
// it that the rules look at.
type Event struct {
	Kind  Kind
	Index int64 // the entry's index in the log
	// Next is the phase a phase entry moves to.
	Next Phase
	// NextRound is the ceremony round a round entry opens.
	NextRound Round
	// Sender is the trustee of a trustee entry; Complainer the trustee a
	// response answers (the first 4 bytes of its body).
	Sender, Complainer uint32
	// List is the list hash of a decryption-shares entry.
	List [32]byte
	// Lists is, for the result, the number of lists to decrypt
	// (spec/board.md §4.9).
	Lists int
	// ShortChain, for the move to decrypting, describes a mix chain with
	// fewer than t stages, or is empty if there is none.
	ShortChain string
}

// Rules is the sequencing part of the posting policy (spec/board.md §3,
// §4): which phase admits which kind of entry, what each phase move
// requires, and which entries may appear only once. The board applies it
// to each submission and the verifier to each logged entry (V3), so the
// two cannot disagree. It knows nothing of signatures, proofs or bodies:
// those are checked by whoever applies it.
type Rules struct {
	Phase     Phase
	Threshold int // t, from the genesis setup

	genesis     bool
	manifest    bool
	credentials int
	result      bool
	round       Round
	ceremony    map[[3]uint32]bool           // (kind, sender, complainer)
	shares      map[[32]byte]map[uint32]bool // list hash → trustees
}

// NewRules returns the rules of an empty board.
func NewRules() *Rules {
	return &Rules{ceremony: map[[3]uint32]bool{}, shares: map[[32]byte]map[uint32]bool{}}
}

// Genesis reports whether the genesis entry has been applied.
func (r *Rules) Genesis() bool { return r.genesis }

// Check returns why e is not admissible where the log stands, or nil. It
// makes the checks of spec/board.md §3 and §4 that depend only on what
// came before, in the order of §4.
func (r *Rules) Check(e *Event) *RejectError {
	switch e.Kind {
	case KindGenesis:
		if e.Index != 0 {
			return reject(ReasonOutOfOrder, "genesis must be entry 0, the board has %s", plural(int(e.Index), "entry"))
		}
		return nil
	case KindPhase:
		return r.checkMove(e)
	}
	// Before genesis, an administrator or trustee entry is out of order;
	// anything else is simply not admitted in phase setup.
	if !r.genesis && e.Kind != KindStage && e.Kind != KindBallot && e.Kind != KindChallenge {
		return reject(ReasonOutOfOrder, "%s before the genesis entry", e.Kind)
	}
	if want, ok := admits[e.Kind]; !ok {
		return reject(ReasonMalformed, "unknown %s", e.Kind)
	} else if r.Phase != want {
		return phaseReject(r.Phase, e.Kind.String())
	}
	switch e.Kind {
	case KindManifest:
		if r.manifest {
			return reject(ReasonDuplicate, "a manifest is already on the board")
		}
		if r.round != RoundClosed {
			return reject(ReasonOutOfOrder, "the manifest comes after the ceremony, which is in round %d (%s): the administrator closes it with a round entry (spec/board.md §3.1)", r.round, r.round)
		}
	case KindRestart:
		if r.manifest {
			return reject(ReasonOutOfOrder, "restart: the ceremony ended with the manifest")
		}
	case KindRound:
		if e.NextRound != r.round+1 || int(e.NextRound) >= numRounds {
			return reject(ReasonOutOfOrder, "round: cannot move the ceremony from round %d (%s) to %s; the next round is %d (%s)", r.round, r.round, e.NextRound, r.round+1, r.round+1)
		}
	case KindCommitment, KindShares, KindComplaint, KindResponse:
		if r.manifest {
			return phaseReject(r.Phase, e.Kind.String()+" after the manifest (the ceremony ends with the manifest)")
		}
		if want := roundOf[e.Kind]; r.round != want {
			return reject(ReasonOutOfOrder, "%s of trustee %d in round %d (%s) of the ceremony; it belongs to round %d (%s) (spec/board.md §3.1)", e.Kind, e.Sender, r.round, r.round, want, want)
		}
		// A second entry, even with the same body under another
		// signature, would make the ceremony see equivocation
		// (spec/threshold.md §3 compares whole entries). Several
		// complaints count as one.
		if e.Kind != KindComplaint && r.ceremony[ceremonyKey(e)] {
			what := ""
			if e.Kind == KindResponse {
				what = fmt.Sprintf(" to trustee %d", e.Complainer)
			}
			return reject(ReasonDuplicate, "trustee %d already posted %s%s; a different one would be equivocation", e.Sender, e.Kind, what)
		}
	case KindDecryptionShares:
		if r.shares[e.List][e.Sender] {
			return reject(ReasonDuplicate, "trustee %d already posted decryption shares for the list %x…", e.Sender, e.List[:8])
		}
	case KindResult:
		if r.result {
			return reject(ReasonDuplicate, "the result is already on the board")
		}
		if done := r.complete(); done < e.Lists {
			return reject(ReasonOutOfOrder, "result: %d of the %s to decrypt have decryption shares from at least t = %d trustees; the result comes after all of them",
				done, plural(e.Lists, "list"), r.Threshold)
		}
	}
	return nil
}

func ceremonyKey(e *Event) [3]uint32 {
	k := [3]uint32{uint32(e.Kind), e.Sender, 0}
	if e.Kind == KindResponse {
		k[2] = e.Complainer
	}
	return k
}

// complete returns the number of lists with shares from at least t
// distinct trustees.
func (r *Rules) complete() int {
	n := 0
	for _, ts := range r.shares {
		if len(ts) >= r.Threshold {
			n++
		}
	}
	return n
}

func (r *Rules) checkMove(e *Event) *RejectError {
	if !r.genesis {
		return reject(ReasonOutOfOrder, "a phase entry before the genesis entry")
	}
	if e.Next != r.Phase+1 || int(e.Next) >= numPhases {
		return reject(ReasonOutOfOrder, "phase: cannot move from %s to %s; the next phase is %s", r.Phase, e.Next, r.Phase+1)
	}
	switch e.Next {
	case PhaseOpen:
		if !r.manifest {
			return reject(ReasonOutOfOrder, "phase: cannot open before the manifest is on the board")
		}
		if r.credentials == 0 {
			return reject(ReasonOutOfOrder, "phase: cannot open before credentials are on the board")
		}
	case PhaseDecrypting:
		// At least t stages by distinct mixers: fewer trustees than could
		// decrypt together can then never link a ballot to its voter.
		if e.ShortChain != "" {
			return reject(ReasonOutOfOrder, "phase: %s, the threshold requires %d", e.ShortChain, r.Threshold)
		}
	case PhasePublished:
		if !r.result {
			return reject(ReasonOutOfOrder, "phase: cannot publish before the result is on the board")
		}
	}
	return nil
}

// Apply records e, which Check admitted, as on the board.
func (r *Rules) Apply(e *Event) {
	switch e.Kind {
	case KindGenesis:
		r.genesis = true
	case KindPhase:
		r.Phase = e.Next
		if e.Next == PhaseKeyCeremony {
			r.round = RoundCommitments
		}
	case KindRound:
		r.round = e.NextRound
	case KindRestart:
		// A new ceremony: round 1 again, and no entry of the old one.
		r.round = RoundCommitments
		clear(r.ceremony)
	case KindManifest:
		r.manifest = true
	case KindCredentials:
		r.credentials++
	case KindResult:
		r.result = true
	case KindDecryptionShares:
		if r.shares[e.List] == nil {
			r.shares[e.List] = map[uint32]bool{}
		}
		r.shares[e.List][e.Sender] = true
	}
	switch e.Kind {
	case KindCommitment, KindShares, KindComplaint, KindResponse:
		r.ceremony[ceremonyKey(e)] = true
	}
}

// Result reports whether the result is on the board.
func (r *Rules) Result() bool { return r.result }
