package election

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/strictjson"
)

// ManifestVersion is the only manifest version this package accepts.
const ManifestVersion = 1

// HashDomain prefixes the canonical encoding when hashing a manifest.
const HashDomain = "urna/v1/manifest"

// MaxHomomorphicChoices is the most choices a homomorphically tallied
// contest may have: each choice costs one ciphertext and one 0/1 proof per
// ballot.
const MaxHomomorphicChoices = 64

// MaxMixnetPartyListChoices is the most choices (lists plus candidates) a
// mixnet party-list contest may have: its ballot names the one selected
// choice in two bytes, as 1 + its index, 0 being a blank vote.
const MaxMixnetPartyListChoices = 65535

// MaxRankedOptions is the most options a ranked contest may have: a ranked
// ballot names an option in one byte, as 1 + its index.
const MaxRankedOptions = 255

// RevotingPolicy says what happens when a voter votes more than once.
type RevotingPolicy string

const (
	// RevotingForbid accepts only the first e-vote (Denmark 2008: the
	// e-vote is binding).
	RevotingForbid RevotingPolicy = "forbid"
	// RevotingLastCounts counts only each voter's last vote (Norway).
	RevotingLastCounts RevotingPolicy = "last-counts"
)

// ContestKind is the kind of question a contest asks.
type ContestKind string

const (
	// Referendum: pick one of two or more options, or none.
	Referendum ContestKind = "referendum"
	// PartyList: pick one list or one candidate of a list, or none
	// (Danish practice).
	PartyList ContestKind = "party-list"
	// Approval: pick between Min and Max of the options.
	Approval ContestKind = "approval"
	// Ranked: rank up to Max of the options.
	Ranked ContestKind = "ranked"
)

// TallyMethod says how a contest is counted.
type TallyMethod string

const (
	// Homomorphic: ballots hold one 0/1 ciphertext per choice; the
	// ciphertexts are added up and only the sums are decrypted.
	Homomorphic TallyMethod = "homomorphic"
	// Mixnet: ballots are shuffled by a verifiable mix and then decrypted
	// one by one.
	Mixnet TallyMethod = "mixnet"
)

// Manifest describes an election: its identity, key, rules and contests.
// Use ParseManifest to read one; a Manifest built in code should be checked
// with Validate before use.
type Manifest struct {
	Version   int            `json:"version"`
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	PublicKey string         `json:"public_key"` // hex of the election public key (from urna trustee finish/verify)
	Revoting  RevotingPolicy `json:"revoting"`
	Contests  []Contest      `json:"contests"`
}

// Contest is one question on the ballot.
type Contest struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Kind    ContestKind `json:"kind"`
	Tally   TallyMethod `json:"tally"`
	Min     int         `json:"min"`
	Max     int         `json:"max"`
	Options []Option    `json:"options,omitempty"` // referendum, approval, ranked
	Lists   []List      `json:"lists,omitempty"`   // party-list
}

// Option is one answer of a referendum, approval or ranked contest.
type Option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// List is a party list of a party-list contest. Its name may be empty: the
// list is then shown by its letter.
type List struct {
	Letter     string      `json:"letter"`
	Name       string      `json:"name"`
	Candidates []Candidate `json:"candidates"`
}

// Candidate is a person standing on a list, in the list's order.
type Candidate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ManifestError is one problem found by Validate. Contest, List, Option and
// Candidate locate it (by ID or letter, or "#N" for the N-th, counting
// from 1, when it has none); Field is the JSON field at fault, if any.
type ManifestError struct {
	Contest   string
	List      string
	Option    string
	Candidate string
	Field     string
	Problem   string
}

func (e *ManifestError) Error() string {
	var b strings.Builder
	add := func(what, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s %q: ", what, v)
		}
	}
	add("contest", e.Contest)
	add("list", e.List)
	add("option", e.Option)
	add("candidate", e.Candidate)
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// ManifestErrors returns every *ManifestError in err, which may be a single
// one or a list joined by Validate. It returns nil for other errors.
func ManifestErrors(err error) []*ManifestError {
	var me *ManifestError
	if errors.As(err, &me) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			var out []*ManifestError
			for _, e := range j.Unwrap() {
				out = append(out, ManifestErrors(e)...)
			}
			return out
		}
		return []*ManifestError{me}
	}
	return nil
}

// JSONError is a problem with the JSON of a manifest or a result: Path
// names the member (such as contests[0].max) and Code the kind of problem.
type JSONError = strictjson.Error

// ParseManifest decodes a manifest from strict JSON (spec/manifest.md §1:
// any member order and whitespace, but no duplicate, unknown or missing
// member, integers in canonical form, nothing after the object) and
// validates it. A JSON problem is a *JSONError.
func ParseManifest(jsonBytes []byte) (*Manifest, error) {
	n, err := strictjson.Decode(jsonBytes)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m := &Manifest{}
	o := n.Object("version", "id", "title", "public_key", "revoting", "contests")
	m.Version = o.Get("version").Int()
	m.ID = o.Get("id").Str()
	m.Title = o.Get("title").Str()
	m.PublicKey = o.Get("public_key").Str()
	m.Revoting = RevotingPolicy(o.Get("revoting").Str())
	for _, cn := range o.Get("contests").Elems() {
		co := cn.Object("id", "title", "kind", "tally", "min", "max", "options?", "lists?")
		c := Contest{
			ID: co.Get("id").Str(), Title: co.Get("title").Str(),
			Kind: ContestKind(co.Get("kind").Str()), Tally: TallyMethod(co.Get("tally").Str()),
			Min: co.Get("min").Int(), Max: co.Get("max").Int(),
		}
		if on := co.Get("options"); on.Present() {
			for _, e := range on.Elems() {
				oo := e.Object("id", "label")
				c.Options = append(c.Options, Option{ID: oo.Get("id").Str(), Label: oo.Get("label").Str()})
			}
		}
		if ln := co.Get("lists"); ln.Present() {
			for _, e := range ln.Elems() {
				lo := e.Object("letter", "name?", "candidates")
				l := List{Letter: lo.Get("letter").Str()}
				if nn := lo.Get("name"); nn.Present() {
					l.Name = nn.Str()
				}
				for _, ce := range lo.Get("candidates").Elems() {
					cd := ce.Object("id", "name")
					l.Candidates = append(l.Candidates, Candidate{ID: cd.Get("id").Str(), Name: cd.Get("name").Str()})
				}
				c.Lists = append(c.Lists, l)
			}
		}
		m.Contests = append(m.Contests, c)
	}
	if err := n.Err(); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// JSON returns the manifest's canonical JSON (spec/manifest.md §1.1), the
// exact bytes of a manifest entry on the board.
func (m *Manifest) JSON() []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // the types above always marshal
	}
	return append(b, '\n')
}

// name locates an item by its identifier, or by position when it has none.
func name(id string, i int) string {
	if id == "" {
		return "#" + strconv.Itoa(i+1)
	}
	return id
}

// checkText reports what is wrong with s as manifest text, or "".
func checkText(s string, required bool) string {
	switch {
	case s == "" && required:
		return "must not be empty"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// Validate checks every rule of spec/manifest.md. It returns nil, a single
// *ManifestError, or all problems joined with errors.Join (see
// ManifestErrors).
func (m *Manifest) Validate() error {
	var errs []error
	report := func(e ManifestError) { errs = append(errs, &e) }
	text := func(loc ManifestError, field, s string, required bool) {
		if p := checkText(s, required); p != "" {
			loc.Field, loc.Problem = field, p
			report(loc)
		}
	}

	if m.Version != ManifestVersion {
		report(ManifestError{Field: "version", Problem: fmt.Sprintf("unsupported version %d, want %d", m.Version, ManifestVersion)})
	}
	text(ManifestError{}, "id", m.ID, true)
	text(ManifestError{}, "title", m.Title, true)
	if _, err := m.ElectionKey(); err != nil {
		report(ManifestError{Field: "public_key", Problem: strings.TrimPrefix(err.Error(), "public key: ")})
	}
	switch m.Revoting {
	case RevotingForbid, RevotingLastCounts:
	default:
		report(ManifestError{Field: "revoting", Problem: fmt.Sprintf("unknown policy %q, want %q or %q", m.Revoting, RevotingForbid, RevotingLastCounts)})
	}
	if len(m.Contests) == 0 {
		report(ManifestError{Field: "contests", Problem: "the manifest has no contests"})
	}
	seen := map[string]bool{}
	for i := range m.Contests {
		c := &m.Contests[i]
		if c.ID != "" && seen[c.ID] {
			report(ManifestError{Contest: c.ID, Field: "id", Problem: "duplicate contest ID"})
		}
		seen[c.ID] = true
		errs = append(errs, c.validate(name(c.ID, i))...)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func (c *Contest) validate(cname string) []error {
	var errs []error
	report := func(e ManifestError) {
		e.Contest = cname
		errs = append(errs, &e)
	}
	text := func(loc ManifestError, field, s string, required bool) {
		if p := checkText(s, required); p != "" {
			loc.Field, loc.Problem = field, p
			report(loc)
		}
	}
	text(ManifestError{}, "id", c.ID, true)
	text(ManifestError{}, "title", c.Title, true)

	// What each kind needs: its tally method, whether it has options or
	// lists, and the bounds on max.
	// A party-list contest may be tallied either way (wantTally "").
	var wantTally TallyMethod
	minOptions, maxMax := 0, 0
	switch c.Kind {
	case Referendum:
		wantTally, minOptions, maxMax = Homomorphic, 2, 1
	case Approval:
		wantTally, minOptions, maxMax = Homomorphic, 1, len(c.Options)
	case Ranked:
		wantTally, minOptions, maxMax = Mixnet, 2, len(c.Options)
	case PartyList:
		maxMax = 1
	default:
		report(ManifestError{Field: "kind", Problem: fmt.Sprintf("unknown kind %q, want %q, %q, %q or %q", c.Kind, Referendum, PartyList, Approval, Ranked)})
	}
	switch c.Tally {
	case Homomorphic, Mixnet:
		if wantTally != "" && c.Tally != wantTally {
			report(ManifestError{Field: "tally", Problem: fmt.Sprintf("a %s contest must be tallied %q", c.Kind, wantTally)})
		}
	default:
		report(ManifestError{Field: "tally", Problem: fmt.Sprintf("unknown method %q, want %q or %q", c.Tally, Homomorphic, Mixnet)})
	}

	// A blank vote is always possible.
	if c.Min != 0 {
		report(ManifestError{Field: "min", Problem: fmt.Sprintf("must be 0, got %d: a blank vote is always possible", c.Min)})
	}
	if c.Max < c.Min {
		report(ManifestError{Field: "max", Problem: fmt.Sprintf("max %d is less than min %d", c.Max, c.Min)})
	} else if c.Max < 1 {
		report(ManifestError{Field: "max", Problem: fmt.Sprintf("must be at least 1, got %d", c.Max)})
	}
	switch c.Kind {
	case Referendum, PartyList:
		if c.Max > 1 {
			report(ManifestError{Field: "max", Problem: fmt.Sprintf("a %s contest allows one choice: max must be 1, got %d", c.Kind, c.Max)})
		}
	case Approval, Ranked:
		if c.Max > maxMax && len(c.Options) >= minOptions {
			report(ManifestError{Field: "max", Problem: fmt.Sprintf("max %d is more than the %d options", c.Max, len(c.Options))})
		}
	}
	if c.Kind == Ranked && c.Max > elgamal.MaxDataSize {
		report(ManifestError{Field: "max", Problem: fmt.Sprintf("%d ranks: data too large for the ballot encoding (at most %d)", c.Max, elgamal.MaxDataSize)})
	}
	if c.Kind == Ranked && len(c.Options) > MaxRankedOptions {
		report(ManifestError{Field: "options", Problem: fmt.Sprintf("%d options: a ranked contest has at most %d", len(c.Options), MaxRankedOptions)})
	}
	if p := checkDataEncodable(c); p != "" {
		report(ManifestError{Field: "max", Problem: p})
	}

	// Options and lists.
	if c.Kind == PartyList {
		if len(c.Options) > 0 {
			report(ManifestError{Field: "options", Problem: "a party-list contest has lists, not options"})
		}
		if len(c.Lists) == 0 {
			report(ManifestError{Field: "lists", Problem: "a party-list contest needs at least one list"})
		}
	} else if c.Kind != "" {
		if len(c.Lists) > 0 {
			report(ManifestError{Field: "lists", Problem: fmt.Sprintf("a %s contest has options, not lists", c.Kind)})
		}
		if len(c.Options) < minOptions {
			report(ManifestError{Field: "options", Problem: fmt.Sprintf("a %s contest needs at least %d options, got %d", c.Kind, minOptions, len(c.Options))})
		}
	}
	optionIDs := map[string]bool{}
	for i, o := range c.Options {
		loc := ManifestError{Option: name(o.ID, i)}
		text(loc, "id", o.ID, true)
		text(loc, "label", o.Label, true)
		if o.ID != "" && optionIDs[o.ID] {
			loc.Field, loc.Problem = "id", "duplicate option ID in this contest"
			report(loc)
		}
		optionIDs[o.ID] = true
	}
	letters := map[string]bool{}
	for _, l := range c.Lists {
		letters[l.Letter] = true
	}
	candidateIDs := map[string]bool{}
	seenLetters := map[string]bool{}
	for i, l := range c.Lists {
		loc := ManifestError{List: name(l.Letter, i)}
		text(loc, "letter", l.Letter, true)
		if n := utf8.RuneCountInString(l.Letter); n > 3 {
			loc.Field, loc.Problem = "letter", fmt.Sprintf("must be 1 to 3 characters, got %d", n)
			report(loc)
		}
		if l.Letter != "" && seenLetters[l.Letter] {
			loc.Field, loc.Problem = "letter", "duplicate list letter in this contest"
			report(loc)
		}
		seenLetters[l.Letter] = true
		text(loc, "name", l.Name, false) // a list may have no name
		if len(l.Candidates) == 0 {
			loc.Field, loc.Problem = "candidates", "a list needs at least one candidate"
			report(loc)
		}
		for j, cand := range l.Candidates {
			cloc := ManifestError{List: loc.List, Candidate: name(cand.ID, j)}
			text(cloc, "id", cand.ID, true)
			text(cloc, "name", cand.Name, true)
			switch {
			case cand.ID != "" && candidateIDs[cand.ID]:
				cloc.Field, cloc.Problem = "id", "duplicate candidate ID in this contest"
				report(cloc)
			case cand.ID != "" && letters[cand.ID]:
				cloc.Field, cloc.Problem = "id", "a candidate ID must differ from every list letter of the contest"
				report(cloc)
			}
			candidateIDs[cand.ID] = true
		}
	}
	if c.Tally == Homomorphic {
		if n := c.numChoices(); n > MaxHomomorphicChoices {
			report(ManifestError{Problem: fmt.Sprintf("%d choices: a homomorphic contest has at most %d", n, MaxHomomorphicChoices)})
		}
	}
	if c.Tally == Mixnet && c.Kind == PartyList {
		if n := c.numChoices(); n > MaxMixnetPartyListChoices {
			report(ManifestError{Problem: fmt.Sprintf("%d choices: a mixnet party-list contest has at most %d (data too large for the ballot encoding)", n, MaxMixnetPartyListChoices)})
		}
	}
	return errs
}

// ElectionKey decodes the election public key: lowercase hex of a
// canonical, non-identity ristretto255 element.
func (m *Manifest) ElectionKey() (*elgamal.PublicKey, error) {
	if len(m.PublicKey) != 2*elgamal.ElementSize {
		return nil, fmt.Errorf("public key: want %d hex digits, got %d", 2*elgamal.ElementSize, len(m.PublicKey))
	}
	if strings.ToLower(m.PublicKey) != m.PublicKey {
		return nil, errors.New("public key: hex digits must be lowercase")
	}
	raw, err := hex.DecodeString(m.PublicKey)
	if err != nil {
		return nil, errors.New("public key: not hex")
	}
	pk, err := elgamal.ParsePublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", errors.Unwrap(err))
	}
	return pk, nil
}

// ChoiceKind says what selecting a choice means.
type ChoiceKind int

const (
	// OptionChoice selects an option of a referendum, approval or ranked
	// contest.
	OptionChoice ChoiceKind = iota
	// ListChoice is a list vote in a party-list contest.
	ListChoice
	// CandidateChoice is a personal vote for a candidate in a party-list
	// contest; it also counts for the candidate's list.
	CandidateChoice
)

// Choice is one position of a contest's ballot layout.
type Choice struct {
	Kind ChoiceKind
	// ID is the option ID, the list letter or the candidate ID; unique
	// within the contest.
	ID string
	// Label is what the voter sees: the option label, the list letter
	// and name ("A Socialdemokratiet", or just "A" for a nameless list),
	// or the candidate's name.
	Label string
	// List is the letter of the list of a ListChoice or CandidateChoice.
	List string
}

// Layout returns the contest's ballot layout: referendum, approval and
// ranked contests have their options in order; a party-list contest has
// every list (list votes) followed by every candidate of every list, in
// list order and then candidate order (personal votes). A homomorphic
// ballot holds one 0/1 ciphertext per choice, in this order; a blank
// vote selects nothing.
func (c *Contest) Layout() []Choice {
	out := make([]Choice, 0, c.numChoices())
	if c.Kind != PartyList {
		for _, o := range c.Options {
			out = append(out, Choice{Kind: OptionChoice, ID: o.ID, Label: o.Label})
		}
		return out
	}
	for _, l := range c.Lists {
		out = append(out, Choice{Kind: ListChoice, ID: l.Letter, Label: l.Label(), List: l.Letter})
	}
	for _, l := range c.Lists {
		for _, cand := range l.Candidates {
			out = append(out, Choice{Kind: CandidateChoice, ID: cand.ID, Label: cand.Name, List: l.Letter})
		}
	}
	return out
}

// Choices returns the IDs of Layout, in ballot order: option IDs, or list
// letters followed by candidate IDs.
func (c *Contest) Choices() []string {
	layout := c.Layout()
	out := make([]string, len(layout))
	for i, ch := range layout {
		out[i] = ch.ID
	}
	return out
}

func (c *Contest) numChoices() int {
	if c.Kind != PartyList {
		return len(c.Options)
	}
	n := len(c.Lists)
	for _, l := range c.Lists {
		n += len(l.Candidates)
	}
	return n
}

// Label is how the list is shown: its letter and name, or its letter
// alone when it has no name.
func (l *List) Label() string {
	if l.Name == "" {
		return l.Letter
	}
	return l.Letter + " " + l.Name
}

// Value tags of the canonical encoding (spec/manifest.md §3).
const (
	tagInt    = 0x01
	tagString = 0x02
	tagList   = 0x03
)

type encoder struct{ b []byte }

func (e *encoder) int(v int) {
	e.b = append(e.b, tagInt)
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(int64(v)))
}

func (e *encoder) string(s string) {
	e.b = append(e.b, tagString)
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) list(n int) {
	e.b = append(e.b, tagList)
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(n))
}

// Bytes returns the canonical binary encoding of the manifest (spec/
// manifest.md §3): every field in a fixed order, each value tagged with its
// type and strings and lists prefixed with their length. Equal manifests
// have equal encodings however their JSON was formatted.
func (m *Manifest) Bytes() []byte {
	e := &encoder{}
	e.int(m.Version)
	e.string(m.ID)
	e.string(m.Title)
	e.string(m.PublicKey)
	e.string(string(m.Revoting))
	e.list(len(m.Contests))
	for _, c := range m.Contests {
		e.string(c.ID)
		e.string(c.Title)
		e.string(string(c.Kind))
		e.string(string(c.Tally))
		e.int(c.Min)
		e.int(c.Max)
		e.list(len(c.Options))
		for _, o := range c.Options {
			e.string(o.ID)
			e.string(o.Label)
		}
		e.list(len(c.Lists))
		for _, l := range c.Lists {
			e.string(l.Letter)
			e.string(l.Name)
			e.list(len(l.Candidates))
			for _, cand := range l.Candidates {
				e.string(cand.ID)
				e.string(cand.Name)
			}
		}
	}
	return e.b
}

// Hash returns the manifest hash, SHA-256(HashDomain ‖ Bytes()).
// Every proof of the election binds it.
func (m *Manifest) Hash() [32]byte {
	h := sha256.New()
	h.Write([]byte(HashDomain))
	h.Write(m.Bytes())
	var out [32]byte
	h.Sum(out[:0])
	return out
}
