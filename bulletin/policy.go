package bulletin

import (
	"errors"
	"fmt"
	"strings"
)

// Phase is a phase of the election on the board (spec/board.md §3). The
// administrator moves the board from one phase to the next with a phase
// entry; each phase admits only its own entry types.
type Phase uint8

const (
	PhaseSetup       Phase = 0 // genesis
	PhaseKeyCeremony Phase = 1 // trustee ceremony entries, manifest, credentials
	PhaseOpen        Phase = 2 // ballots and challenges
	PhaseClosed      Phase = 3 // overrides
	PhaseMixing      Phase = 4 // mix stages
	PhaseDecrypting  Phase = 5 // decryption shares, result
	PhasePublished   Phase = 6 // nothing more
	numPhases              = 7
	phaseNamesJoined       = "setup, key-ceremony, open, closed, mixing, decrypting, published"
)

var phaseNames = [numPhases]string{"setup", "key-ceremony", "open", "closed", "mixing", "decrypting", "published"}

func (p Phase) String() string {
	if int(p) < numPhases {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase %d", uint8(p))
}

// ParsePhase returns the phase with the given name.
func ParsePhase(s string) (Phase, error) {
	for i, n := range phaseNames {
		if n == s {
			return Phase(i), nil
		}
	}
	return 0, fmt.Errorf("bulletin: unknown phase %q (one of %s)", s, phaseNamesJoined)
}

// MarshalText implements encoding.TextMarshaler.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Reason is the typed reason of a rejected submission (spec/board.md §6).
type Reason string

const (
	// ReasonMalformed: the entry does not decode.
	ReasonMalformed Reason = "malformed"
	// ReasonTooLarge: the submission exceeds the size limit.
	ReasonTooLarge Reason = "too-large"
	// ReasonWrongElection: the entry belongs to another board, ceremony
	// or election.
	ReasonWrongElection Reason = "wrong-election"
	// ReasonPhase: the entry type is not admitted in the current phase,
	// such as a ballot after close or decryption shares before it.
	ReasonPhase Reason = "phase"
	// ReasonUnauthorised: the signer is not the administrator, a
	// registered trustee or mixer, as the entry type requires.
	ReasonUnauthorised Reason = "unauthorised"
	// ReasonNotEligible: the ballot's credential is not on the list.
	ReasonNotEligible Reason = "not-eligible"
	// ReasonInvalid: a signature, proof or consistency check failed.
	ReasonInvalid Reason = "invalid"
	// ReasonDuplicate: the entry repeats a unique value already on the
	// board (a tracking code, a ciphertext α, a trustee's entry of the
	// same kind) without being the same entry.
	ReasonDuplicate Reason = "duplicate"
	// ReasonRevoteForbidden: the credential has voted and the manifest
	// forbids re-voting.
	ReasonRevoteForbidden Reason = "revote-forbidden"
	// ReasonChallenged: the ballot was opened by a Benaloh challenge and
	// can never be cast.
	ReasonChallenged Reason = "challenged"
	// ReasonAlreadyCast: a challenge names a ballot already cast.
	ReasonAlreadyCast Reason = "already-cast"
	// ReasonBadOpening: a challenge's opening has the ballot's hash but
	// does not open it: some revealed randomness does not re-encrypt to
	// the ballot's ciphertext, or the recovered choices are not valid for
	// the manifest (election.OpenBallot).
	ReasonBadOpening Reason = "bad-opening"
	// ReasonOutOfOrder: the entry comes too late or too early within its
	// phase, such as a commitment after shares were dealt, or a phase
	// change whose preconditions do not hold.
	ReasonOutOfOrder Reason = "out-of-order"
)

// Reasons lists every rejection reason, in the order reports print them.
var Reasons = []Reason{ReasonMalformed, ReasonTooLarge, ReasonWrongElection, ReasonPhase, ReasonUnauthorised,
	ReasonNotEligible, ReasonInvalid, ReasonDuplicate, ReasonRevoteForbidden, ReasonChallenged, ReasonAlreadyCast,
	ReasonBadOpening, ReasonOutOfOrder}

// ErrRejected is matched by every *RejectError.
var ErrRejected = errors.New("bulletin: rejected")

// RejectError is the board's refusal of a submission, with its reason and
// what exactly failed.
type RejectError struct {
	Reason Reason
	Detail string
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("rejected (%s): %s", e.Reason, e.Detail)
}

// Is makes errors.Is(err, ErrRejected) hold.
func (e *RejectError) Is(target error) bool { return target == ErrRejected }

func reject(r Reason, format string, args ...any) *RejectError {
	return &RejectError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ParseReason checks that s names a reason.
func ParseReason(s string) (Reason, error) {
	for _, r := range Reasons {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("bulletin: unknown rejection reason %q", s)
}

// admitted lists, per phase, the entry kinds it admits, for messages.
var admitted = [numPhases]string{
	"the genesis entry and the move to the key ceremony",
	"trustee ceremony entries, the manifest, credentials and the move to open",
	"ballots, challenges and the move to closed",
	"overrides and the move to mixing",
	"mix stages and the move to decrypting",
	"decryption shares, the result and the move to published",
	"nothing: the election is published",
}

func phaseReject(p Phase, what string) *RejectError {
	return reject(ReasonPhase, "%s not admitted in phase %s, which admits %s", what, p, admitted[p])
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(s, "s"))
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Phase) UnmarshalText(b []byte) error {
	q, err := ParsePhase(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
