package bulletin_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
)

func sampleRejections(t testing.TB) []byte {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b, err := bulletin.MarshalRejections([]bulletin.Rejection{
		{Time: at, Reason: bulletin.ReasonMalformed, Detail: "garbage"},
		{Time: at, Reason: bulletin.ReasonPhase, Detail: "after close"},
	})
	require.NoError(t, err)
	return b
}

func TestParseRejections(t *testing.T) {
	good := string(sampleRejections(t))
	f, err := bulletin.ParseRejections([]byte(good))
	require.NoError(t, err)
	require.EqualValues(t, 2, f.Total)
	require.EqualValues(t, 1, f.Counts[bulletin.ReasonPhase])
	for bad, want := range map[string]string{
		strings.Replace(good, `"phase": 1,`, `"phase": 0, "phase": 1,`, 1):           "rejections.json: counts.phase: duplicate member",
		strings.Replace(good, `"phase": 1,`, `"phase": 1, "bribed": 0,`, 1):          "rejections.json: counts.bribed: unknown member",
		strings.Replace(good, `"phase": 1,`, ``, 1):                                  "rejections.json: counts.phase: missing member",
		strings.Replace(good, `"phase": 1,`, `"phase": 1.0,`, 1):                     "rejections.json: counts.phase: not an integer: 1.0 has a fraction",
		strings.Replace(good, `"total": 2,`, `"total": 3,`, 1):                       "rejections.json: total: 3, but the counts add up to 2",
		strings.Replace(good, `"reason": "phase"`, `"reason": "malformed"`, 1):       "rejections.json: counts.malformed: 1, but 2 rejections with this reason are listed",
		strings.Replace(good, `"reason": "phase"`, `"reason": "bribed"`, 1):          `rejections.json: rejections[1].reason: unknown reason "bribed"`,
		strings.Replace(good, `"time": "2026-11-22T12:00:00Z"`, `"time": "noon"`, 1): `rejections.json: rejections[0].time: not an RFC 3339 time: "noon"`,
		good + "{}": "rejections.json: top level: at byte",
	} {
		_, err := bulletin.ParseRejections([]byte(bad))
		require.ErrorContains(t, err, want)
	}
}

func FuzzParseRejections(f *testing.F) {
	f.Add(sampleRejections(f))
	f.Add([]byte(`{"counts":{},"total":0,"rejections":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := bulletin.ParseRejections(b)
		if err != nil {
			return
		}
		var rejs []bulletin.Rejection
		for _, rec := range r.Rejections {
			var h [32]byte
			copy(h[:], mustHex(t, rec.Entry))
			rejs = append(rejs, bulletin.Rejection{Time: rec.Time, Reason: rec.Reason, Entry: h, Detail: rec.Detail})
		}
		enc, err := bulletin.MarshalRejections(rejs)
		require.NoError(t, err)
		r2, err := bulletin.ParseRejections(enc)
		require.NoError(t, err)
		require.Equal(t, r.Counts, r2.Counts)
		require.Equal(t, r.Total, r2.Total)
		require.Len(t, r2.Rejections, len(r.Rejections))
	})
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}
