package bulletin

import (
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/urnavote/urna/internal/strictjson"
)

// ParseRejections decodes rejections.json (spec/record.md) strictly: no
// duplicate, unknown or missing member; counts has every reason of
// Reasons and no other; counts and total are non-negative integers in
// canonical form; total is the sum of counts and the number of records,
// and each reason's count is its number of records. A JSON problem is a
// *strictjson.Error naming the member.
func ParseRejections(b []byte) (*RejectionsFile, error) {
	n, err := strictjson.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RecordRejections, err)
	}
	o := n.Object("counts", "total", "rejections")
	reasons := make([]string, len(Reasons))
	for i, r := range Reasons {
		reasons[i] = string(r)
	}
	f := &RejectionsFile{Counts: map[Reason]int64{}, Rejections: []RejectionRecord{}}
	cn := o.Get("counts").Object(reasons...)
	var sum int64
	for _, r := range Reasons {
		f.Counts[r] = int64(cn.Get(string(r)).Count())
		sum += f.Counts[r]
	}
	tn := o.Get("total")
	f.Total = int64(tn.Count())
	seen := map[Reason]int64{}
	for _, e := range o.Get("rejections").Elems() {
		ro := e.Object("time", "reason", "entry_sha256", "detail")
		rec := RejectionRecord{Reason: Reason(ro.Get("reason").Str()), Entry: ro.Get("entry_sha256").Str(), Detail: ro.Get("detail").Str()}
		ts := ro.Get("time").Str()
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			rec.Time = t
		} else if n.Err() == nil {
			ro.Get("time").Failf("not an RFC 3339 time: %q", ts)
		}
		if h, err := hex.DecodeString(rec.Entry); n.Err() == nil && (err != nil || len(h) != 32 || hex.EncodeToString(h) != rec.Entry) {
			ro.Get("entry_sha256").Failf("want 64 lowercase hex digits")
		}
		if n.Err() == nil && !slices.Contains(Reasons, rec.Reason) {
			ro.Get("reason").Failf("unknown reason %q", rec.Reason)
		}
		seen[rec.Reason]++
		f.Rejections = append(f.Rejections, rec)
	}
	switch {
	case n.Err() != nil:
	case f.Total != sum:
		tn.Failf("%d, but the counts add up to %d", f.Total, sum)
	case int64(len(f.Rejections)) != f.Total:
		tn.Failf("%d, but %d rejections are listed", f.Total, len(f.Rejections))
	default:
		for _, r := range Reasons {
			if seen[r] != f.Counts[r] {
				cn.Get(string(r)).Failf("%d, but %d rejections with this reason are listed", f.Counts[r], seen[r])
				break
			}
		}
	}
	if err := n.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", RecordRejections, err)
	}
	return f, nil
}
