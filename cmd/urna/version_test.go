package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func syntheticBuildInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "github.com/urnavote/urna/cmd/urna",
		Main: debug.Module{
			Path:    "github.com/urnavote/urna",
			Version: "v0.1.0",
			Sum:     "h1:mainmainmainmainmainmainmainmainmainmainmai=",
		},
		Deps: []*debug.Module{
			{
				Path:    "filippo.io/edwards25519",
				Version: "v1.2.0",
				Sum:     "h1:crnVqOiS4jqYleHd9vaKZ+HKtHfllngJIiOpNpoJsjo=",
			},
			{
				Path:    "github.com/urfave/cli/v2",
				Version: "v2.27.7",
				Replace: &debug.Module{
					Path:    "example.com/fork/cli",
					Version: "v2.27.8",
					Sum:     "h1:forkforkforkforkforkforkforkforkforkforkfor=",
				},
			},
		},
		Settings: []debug.BuildSetting{
			{Key: "-compiler", Value: "gc"},
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-03-01T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
}

func TestVersionText(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, newBuildReport(syntheticBuildInfo()).writeText(&out))
	got := out.String()

	for _, want := range []string{
		"github.com/urnavote/urna v0.1.0 h1:mainmainmainmainmainmainmainmainmainmainmai=",
		"git",
		"0123456789abcdef0123456789abcdef01234567",
		"2026-03-01T12:00:00Z",
		"go1.26.8",
		runtime.GOOS + "/" + runtime.GOARCH,
		"CGO_ENABLED=0",
		"filippo.io/edwards25519 v1.2.0 h1:crnVqOiS4jqYleHd9vaKZ+HKtHfllngJIiOpNpoJsjo=",
		"github.com/urfave/cli/v2 v2.27.7 => example.com/fork/cli v2.27.8 h1:forkforkforkforkforkforkforkforkforkforkfor=",
	} {
		assert.Contains(t, got, want)
	}
	assert.Regexp(t, `(?m)^modified +true$`, got)
	assert.NotContains(t, got, unknown)
}

func TestVersionJSON(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, newBuildReport(syntheticBuildInfo()).writeJSON(&out))

	var r buildReport
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	assert.Equal(t, "0123456789abcdef0123456789abcdef01234567", r.VCS.Revision)
	assert.Equal(t, "true", r.VCS.Modified)
	assert.Equal(t, "go1.26.8", r.GoVersion)
	require.Len(t, r.Deps, 2)
	assert.Equal(t, module{
		Path:    "filippo.io/edwards25519",
		Version: "v1.2.0",
		Sum:     "h1:crnVqOiS4jqYleHd9vaKZ+HKtHfllngJIiOpNpoJsjo=",
	}, r.Deps[0])
	require.NotNil(t, r.Deps[1].Replace)
	assert.Equal(t, "h1:forkforkforkforkforkforkforkforkforkforkfor=", r.Deps[1].Replace.Sum)
	// vcs.* settings are reported once, under "vcs", not again as build settings.
	assert.Equal(t, []setting{{"-compiler", "gc"}, {"CGO_ENABLED", "0"}}, r.Settings)

	// The field names are an output format that scripts may rely on.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &raw))
	for _, key := range []string{"module", "vcs", "go_version", "goos", "goarch", "build_settings", "deps"} {
		assert.Contains(t, raw, key)
	}
}

func TestVersionWithoutVCS(t *testing.T) {
	// What go run, go test and -buildvcs=false builds record.
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/urnavote/urna", Version: "(devel)"},
	}
	r := newBuildReport(info)
	assert.Equal(t, vcsInfo{System: unknown, Revision: unknown, Time: unknown, Modified: unknown}, r.VCS)
	assert.Empty(t, r.Deps)

	var out bytes.Buffer
	require.NoError(t, r.writeText(&out))
	assert.Regexp(t, `(?m)^revision +unknown$`, out.String())
	assert.Regexp(t, `(?m)^modified +unknown$`, out.String())
	assert.Contains(t, out.String(), "go build -buildvcs=true ./cmd/urna")

	out.Reset()
	require.NoError(t, r.writeJSON(&out))
	assert.Contains(t, out.String(), `"deps": []`, "no deps is an empty list, not null")
}
