package vectors

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/verifier"
)

// recordDir holds the sample election record and its tampered copies;
// its files are not vector cases.
const recordDir = RecordDir

// caseFS is vectors/ without the sample election record, for LoadDir.

// recordCase is an entry of record/cases.json.
type recordCase struct {
	Dir      string `json:"dir"`
	Expect   string `json:"expect"`
	Election string `json:"election,omitempty"`
	Step     string `json:"step,omitempty"`
	Comment  string `json:"comment"`
}

func loadRecordCases(t *testing.T) []recordCase {
	t.Helper()
	b, err := os.ReadFile(path.Join(recordDir, "cases.json"))
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var cases []recordCase
	require.NoError(t, dec.Decode(&cases))
	return cases
}

// TestRecord verifies the sample election record and each tampered copy
// with the board key from record/valid/board.vkey: the valid record
// passes every step, and each tampered one fails first at its step.
func TestRecord(t *testing.T) {
	cases := loadRecordCases(t)
	vkey, err := os.ReadFile(path.Join(recordDir, "valid", "board.vkey"))
	require.NoError(t, err)
	key, err := bulletin.ParseBoardKey(string(vkey))
	require.NoError(t, err)

	dirs := map[string]bool{}
	es, err := os.ReadDir(recordDir)
	require.NoError(t, err)
	for _, e := range es {
		if e.IsDir() {
			dirs[e.Name()] = true
		}
	}
	valid := 0
	for _, c := range cases {
		require.NotEmpty(t, c.Comment, c.Dir)
		_, ok := dirs[c.Dir]
		require.True(t, ok, "%s: no such directory", c.Dir)
		dirs[c.Dir] = false
		t.Run(c.Dir+"/"+c.Expect, func(t *testing.T) {
			opts := verifier.Options{BoardKey: key}
			if c.Election != "" {
				fp, err := bulletin.ParseFingerprint(c.Election)
				require.NoError(t, err)
				opts.Election = &fp
			}
			rep, err := verifier.VerifyDir(context.Background(), path.Join(recordDir, c.Dir), opts)
			require.NoError(t, err)
			switch c.Expect {
			case Valid, Unanchored:
				if c.Expect == Valid {
					valid++
				}
				require.Empty(t, c.Step)
				require.Equal(t, c.Expect == Valid, rep.Anchored, rep.Text())
				require.True(t, rep.OK, rep.Text())
				require.Nil(t, rep.FirstFailure(), rep.Text())
				require.Len(t, rep.Steps, 13)
				for _, s := range rep.Steps {
					require.Equal(t, verifier.Pass, s.Status, "%s: %s", s.ID, s.Summary)
				}
			case Invalid:
				require.NotEmpty(t, c.Step)
				require.False(t, rep.OK)
				f := rep.FirstFailure()
				require.NotNil(t, f, rep.Text())
				require.Equal(t, c.Step, f.ID, "%s: %s", f.ID, f.Failure)
			default:
				t.Fatalf("expect %q", c.Expect)
			}
		})
	}
	require.Equal(t, 2, valid, "the valid record and the restarted one")
	for d, missed := range dirs {
		require.False(t, missed, "directory %s of record/ not in cases.json", d)
	}

	// Every tampering the verifier knows has a case.
	have := map[string]bool{}
	for _, c := range cases {
		have[c.Dir] = true
	}
	for _, k := range verifier.TamperKinds {
		require.True(t, have[k], "no case for tampering %q", k)
	}
}
