package verifier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/urnavote/urna/election"
)

func statusWord(s Status) string {
	switch s {
	case Pass:
		return "ok"
	case Fail:
		return "FAIL"
	}
	return "skip"
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// Text returns the report for a terminal: a header, one line per step,
// the failure if any, and the recomputed protocol.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", r.AnchorNote)
	fmt.Fprintf(&b, "Verification of the election record %s\n", r.Record)
	if r.Title != "" || r.ElectionID != "" {
		fmt.Fprintf(&b, "  election       %s (%s)\n", r.Title, r.ElectionID)
	}
	if r.Fingerprint != "" {
		fmt.Fprintf(&b, "  fingerprint    %s\n", r.Fingerprint)
	}
	if r.ElectionHash != "" {
		fmt.Fprintf(&b, "  manifest hash  %s\n", r.ElectionHash)
	}
	if r.Origin != "" {
		fmt.Fprintf(&b, "  board          %s (key from %s)\n", r.Origin, r.BoardKeyFrom)
		fmt.Fprintf(&b, "  log            %d entries, root %s\n", r.Size, r.Root)
	}
	b.WriteString("\n")
	for _, s := range r.Steps {
		title := s.Title + " "
		dots := max(3, 28-len([]rune(title)))
		line := fmt.Sprintf("%-4s %s%s %-4s", s.ID, title, strings.Repeat(".", dots), statusWord(s.Status))
		if s.Status != Skipped {
			if s.Summary != "" {
				line += "  " + s.Summary
			}
			line += fmt.Sprintf("  (%s)", roundDur(s.Duration))
		} else if s.Summary != "" {
			line += "  not checked: " + s.Summary
		}
		b.WriteString(line + "\n")
		if s.Failure != nil {
			fmt.Fprintf(&b, "     failed: %s\n", s.Failure)
		}
	}
	b.WriteString("\n")
	switch fs := r.Failures(); {
	case r.OK && r.Anchored:
		fmt.Fprintf(&b, "The record verifies: all %d steps passed, and it is the election with the fingerprint given (%s).\n", len(r.Steps), roundDur(r.Duration))
	case r.OK:
		fmt.Fprintf(&b, "Every one of the %d steps passed (%s), but the record is NOT ANCHORED: without the election fingerprint it is not shown to be the real election.\n", len(r.Steps), roundDur(r.Duration))
	case len(fs) == 1:
		fmt.Fprintf(&b, "The record does NOT verify: step %s (%s) failed; steps that depend on it were not checked.\n", fs[0].ID, fs[0].Title)
	default:
		ids := make([]string, len(fs))
		for i, f := range fs {
			ids[i] = f.ID
		}
		fmt.Fprintf(&b, "The record does NOT verify: steps %s failed; steps that depend on them were not checked.\n", strings.Join(ids, ", "))
	}
	if r.Result != nil {
		b.WriteString("\nRecomputed protocol (the label \"refused by the board\" is reported by the board; not covered by its checkpoints)\n\n")
		b.WriteString(r.Result.Text())
	}
	return b.String()
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

type bar struct {
	Label  string
	Votes  int
	Width  float64
	Y      int
	TextY  int
	Detail string
}

type chart struct {
	ID, Title string
	Ballots   int
	Height    int
	Bars      []bar
}

type countRow struct {
	Label  string
	Count  int
	Indent bool
}

func charts(rep *election.Report) []chart {
	var out []chart
	for _, c := range rep.Contests {
		ch := chart{ID: c.ID, Title: c.Title, Ballots: c.Ballots}
		add := func(label string, n int, detail string) {
			ch.Bars = append(ch.Bars, bar{Label: label, Votes: n, Detail: detail})
		}
		for _, o := range c.Options {
			add(o.Label, o.Votes, "")
		}
		for _, l := range c.Lists {
			label := "List " + l.Letter
			if l.Name != "" {
				label += " " + l.Name
			}
			add(label, l.Total, fmt.Sprintf("%d list votes, %d personal votes", l.ListVotes, l.Personal))
			for _, cd := range l.Candidates {
				add("  "+cd.Name, cd.Votes, "personal votes")
			}
		}
		if c.Blank != nil {
			add("Blank", *c.Blank, "")
		}
		if c.Invalid > 0 {
			add("Invalid", c.Invalid, "")
		}
		maxv := 1
		for _, b := range ch.Bars {
			maxv = max(maxv, b.Votes)
		}
		for k := range ch.Bars {
			ch.Bars[k].Width = 380 * float64(ch.Bars[k].Votes) / float64(maxv)
			ch.Bars[k].Y = 8 + 26*k
			ch.Bars[k].TextY = ch.Bars[k].Y + 15
		}
		ch.Height = 16 + 26*len(ch.Bars)
		out = append(out, ch)
	}
	return out
}

func countRows(rep *election.Report) []countRow {
	rows := []countRow{
		{Label: "Voters on the roll", Count: rep.Roll},
		{Label: "Ballots received", Count: rep.Received},
		{Label: "Ballots accepted (counted)", Count: rep.Accepted},
		{Label: "Superseded by re-votes", Count: rep.Superseded},
		{Label: "Cancelled by overrides", Count: rep.Cancelled},
	}
	total := 0
	for _, rc := range rep.Rejected {
		total += rc.Count
	}
	rows = append(rows, countRow{Label: "Rejected", Count: total})
	for _, rc := range rep.Rejected {
		rows = append(rows, countRow{Label: rc.Reason, Count: rc.Count, Indent: true})
	}
	if rep.Refused != nil {
		total := 0
		for _, rc := range rep.Refused {
			total += rc.Count
		}
		rows = append(rows, countRow{Label: "Refused by the board (reported by the board; not covered by its checkpoints)", Count: total})
		for _, rc := range rep.Refused {
			rows = append(rows, countRow{Label: rc.Reason, Count: rc.Count, Indent: true})
		}
	}
	return rows
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"dur":  roundDur,
	"mark": func(s Status) string { return map[Status]string{Pass: "✓", Fail: "✗", Skipped: "–"}[s] },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .R.Anchored}}ANCHORED{{else if .R.OK}}NOT ANCHORED{{else}}NOT VERIFIED{{end}}: verification of {{if .R.Title}}{{.R.Title}}{{else}}an election record{{end}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}
.verdict{padding:1rem 1.2rem;border-radius:.5rem;font-size:1.15rem;margin:1rem 0}
.ok{background:#e6f4ea;border:1px solid #34a853}.bad{background:#fce8e6;border:1px solid #d93025}.warn{background:#fef7e0;border:1px solid #f9ab00}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.step .mark{font-size:1.3rem;width:1.5rem}
.pass .mark{color:#188038}.fail .mark{color:#d93025}.skipped{color:#777}
.expl{color:#444;font-size:.92rem}.sum{font-size:.92rem}
.failure{background:#fce8e6;padding:.4rem .6rem;border-radius:.3rem;margin-top:.3rem;font-family:ui-monospace,monospace;font-size:.85rem;white-space:pre-wrap}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#555}dd{margin:0;font-family:ui-monospace,monospace;font-size:.88rem;word-break:break-all}
.indent{padding-left:1.8rem;color:#555}
svg text{font-size:12px;font-family:system-ui,sans-serif}
</style>
</head>
<body>
<div class="verdict {{if .R.Anchored}}ok{{else if .R.OK}}warn{{else}}bad{{end}}" id="anchor"><strong>{{.R.AnchorNote}}</strong>{{if .R.Fingerprint}}<br>Election fingerprint of this record: <code>{{.R.Fingerprint}}</code>{{end}}</div>
<h1>Verification of {{if .R.Title}}“{{.R.Title}}”{{else}}an election record{{end}}</h1>
<p>This page is the report of an independent verifier. It re-checked the published
election record on its own, trusting nothing but the election fingerprint published by the
election authority (if one was given, see the box above):
that the record is the one the board signed, that every ballot is a valid vote of an
eligible voter, that the ballots counted are exactly the ones cast, that the trustees'
shuffles and decryptions are proven correct, and that the published result is what
those ballots add up to. Nobody can read an individual vote from the record.</p>
<div class="verdict {{if .R.Anchored}}ok{{else if .R.OK}}warn{{else}}bad{{end}}">{{if .R.OK}}{{if .R.Anchored}}✓{{else}}⚠{{end}} All {{len .R.Steps}} checks passed{{if not .R.Anchored}}, but the record is not anchored (see above){{end}}.{{else}}✗ The record does <strong>not</strong> verify: step {{.Fail.ID}} ({{.Fail.Title}}) failed{{if gt (len .Fails) 1}}, and {{len .Fails}} steps in all{{end}}. Checks that depend on a failed step were not made.{{end}}</div>
<dl>
{{if .R.ElectionID}}<dt>Election</dt><dd>{{.R.Title}} ({{.R.ElectionID}})</dd>{{end}}
{{if .R.Fingerprint}}<dt>Election fingerprint</dt><dd>{{.R.Fingerprint}}</dd>{{end}}
{{if .R.ElectionHash}}<dt>Manifest hash</dt><dd>{{.R.ElectionHash}}</dd>{{end}}
<dt>Record</dt><dd>{{.R.Record}}</dd>
{{if .R.Origin}}<dt>Board</dt><dd>{{.R.Origin}} (key from {{.R.BoardKeyFrom}})</dd><dt>Log</dt><dd>{{.R.Size}} entries, root {{.R.Root}}</dd>{{end}}
<dt>Time</dt><dd>{{dur .R.Duration}}</dd>
</dl>
<h2>The checks</h2>
<table>
{{range .R.Steps}}<tr class="step {{.Status}}"><td class="mark">{{mark .Status}}</td><td><strong>{{.ID}} {{.Title}}</strong>
<div class="expl">{{.Explanation}}</div>
{{if ne .Status "skipped"}}<div class="sum">{{.Summary}} <span class="expl">({{dur .Duration}})</span></div>{{else}}<div class="expl">Not checked: {{if .Summary}}{{.Summary}}{{else}}an earlier step failed{{end}}.</div>{{end}}
{{with .Failure}}<div class="failure">{{if ge .Entry 0}}entry {{.Entry}}: {{end}}{{if .Field}}{{.Field}}: {{end}}{{.Problem}}</div>{{end}}
</td></tr>
{{end}}</table>
{{with .R.Result}}
<h2>The result, recomputed</h2>
{{range $.Charts}}<h3>{{.Title}} <span class="expl">({{.ID}}, {{.Ballots}} ballots)</span></h3>
<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 720 {{.Height}}" role="img" aria-label="Result of {{.Title}}">
{{range .Bars}}<text x="0" y="{{.TextY}}">{{.Label}}</text><rect x="230" y="{{.Y}}" width="{{printf "%.1f" .Width}}" height="20" fill="#1a73e8" rx="2"><title>{{.Label}}: {{.Votes}}{{if .Detail}} ({{.Detail}}){{end}}</title></rect><text x="{{printf "%.1f" .Width}}" dx="236" y="{{.TextY}}">{{.Votes}}</text>
{{end}}</svg>
{{end}}
<h2>Protocol</h2>
<table>
{{range $.Rows}}<tr><td{{if .Indent}} class="indent"{{end}}>{{.Label}}</td><td class="n">{{.Count}}</td></tr>
{{end}}</table>
{{end}}
</body>
</html>
`))

// HTML returns the report as a self-contained page (inline CSS and SVG,
// no external assets).
func (r *Report) HTML() ([]byte, error) {
	data := struct {
		R      *Report
		Fail   *StepResult
		Fails  []*StepResult
		Charts []chart
		Rows   []countRow
	}{R: r, Fail: r.FirstFailure(), Fails: r.Failures()}
	if r.Result != nil {
		data.Charts, data.Rows = charts(r.Result), countRows(r.Result)
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
