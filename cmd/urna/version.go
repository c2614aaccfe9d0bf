package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// unknown stands for build facts the binary does not record. go run, go test
// and -buildvcs=false builds carry no VCS information.
const unknown = "unknown"

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the exact build for auditors: revision, Go version, dependency hashes",
		Description: `version prints what this binary records about how it was built, so that
an auditor can check that the software being run is exactly the software
that was reviewed. The h1: hashes are Go module checksums, the same as in
go.sum and in the output of 'go version -m'.

VCS revision, time and modified flag are recorded only by 'go build' or
'go install' in a version-control checkout; 'go run', 'go test' and
-buildvcs=false builds report them as unknown. To embed them:

    go build -buildvcs=true ./cmd/urna`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			info, ok := debug.ReadBuildInfo()
			if !ok {
				return errorWithHint("this binary carries no build information",
					"build urna with module support: go build ./cmd/urna")
			}
			r := newBuildReport(info)
			if c.Bool("json") {
				return r.writeJSON(c.App.Writer)
			}
			return r.writeText(c.App.Writer)
		},
	}
}

// buildReport is what urna version prints. Its JSON field names are part of
// the command's output format: auditors may script against them.
type buildReport struct {
	Module    module    `json:"module"`
	VCS       vcsInfo   `json:"vcs"`
	GoVersion string    `json:"go_version"`
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	Settings  []setting `json:"build_settings"`
	Deps      []module  `json:"deps"`
}

type module struct {
	Path    string  `json:"path"`
	Version string  `json:"version"`
	Sum     string  `json:"sum,omitempty"`
	Replace *module `json:"replace,omitempty"`
}

type vcsInfo struct {
	System   string `json:"system"`
	Revision string `json:"revision"`
	Time     string `json:"time"`
	// Modified is "true" when the checkout had uncommitted changes at build
	// time; it stays a string so that it can say "unknown".
	Modified string `json:"modified"`
}

type setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// newBuildReport extracts the report from info. GOOS and GOARCH come from
// the running binary; everything else comes from info alone, so tests can
// pass a synthetic BuildInfo.
func newBuildReport(info *debug.BuildInfo) *buildReport {
	r := &buildReport{
		Module:    newModule(&info.Main),
		VCS:       vcsInfo{System: unknown, Revision: unknown, Time: unknown, Modified: unknown},
		GoVersion: info.GoVersion,
		GOOS:      runtime.GOOS,
		GOARCH:    runtime.GOARCH,
		Settings:  []setting{},
		Deps:      []module{},
	}
	if r.GoVersion == "" {
		r.GoVersion = runtime.Version()
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs":
			r.VCS.System = s.Value
		case "vcs.revision":
			r.VCS.Revision = s.Value
		case "vcs.time":
			r.VCS.Time = s.Value
		case "vcs.modified":
			r.VCS.Modified = s.Value
		default:
			r.Settings = append(r.Settings, setting{Key: s.Key, Value: s.Value})
		}
	}
	for _, d := range info.Deps {
		r.Deps = append(r.Deps, newModule(d))
	}
	return r
}

func newModule(m *debug.Module) module {
	out := module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if out.Version == "" {
		out.Version = unknown
	}
	if m.Replace != nil {
		rep := newModule(m.Replace)
		out.Replace = &rep
	}
	return out
}

func (r *buildReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *buildReport) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "module\t%s\n", r.Module.text())
	fmt.Fprintf(tw, "vcs\t%s\n", r.VCS.System)
	fmt.Fprintf(tw, "revision\t%s\n", r.VCS.Revision)
	fmt.Fprintf(tw, "time\t%s\n", r.VCS.Time)
	fmt.Fprintf(tw, "modified\t%s\n", r.VCS.Modified)
	fmt.Fprintf(tw, "go\t%s\n", r.GoVersion)
	fmt.Fprintf(tw, "platform\t%s/%s\n", r.GOOS, r.GOARCH)
	for _, s := range r.Settings {
		fmt.Fprintf(tw, "build\t%s=%s\n", s.Key, s.Value)
	}
	for _, d := range r.Deps {
		fmt.Fprintf(tw, "dep\t%s\n", d.text())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.VCS.Revision == unknown {
		// -buildvcs=true because GOFLAGS may carry -buildvcs=false.
		_, err := fmt.Fprintln(w, "\nThis build records no VCS revision (go run, go test and -buildvcs=false\n"+
			"omit it). For an auditable binary, run 'go build -buildvcs=true ./cmd/urna'\n"+
			"in a git checkout.")
		return err
	}
	return nil
}

// text formats m like a go.sum line, with any replacement after "=>".
func (m module) text() string {
	var b strings.Builder
	b.WriteString(m.Path + " " + m.Version)
	if m.Sum != "" {
		b.WriteString(" " + m.Sum)
	}
	if m.Replace != nil {
		b.WriteString(" => " + m.Replace.text())
	}
	return b.String()
}
