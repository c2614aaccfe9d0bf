package bulletin

import "time"

// SubmitBatch admits entries as one batch, in order, as the pipeline does
// with submissions that arrive together, and returns each one's outcome.
// It bypasses the queue, so that a test decides exactly what shares a
// batch.
func SubmitBatch(b *Board, entries [][]byte) ([]*Receipt, []error) {
	batch := make([]*submission, len(entries))
	for i, e := range entries {
		s := &submission{entry: e, leaf: LeafFor(e), start: time.Now(), done: make(chan outcome, 1)}
		t, err := EntryType(e)
		if err != nil {
			s.pre = reject(ReasonMalformed, "%v", err)
		}
		s.typ = t
		batch[i] = s
	}
	b.preverify(batch, b.manifest.Load())
	b.commit(batch)
	rs, errs := make([]*Receipt, len(entries)), make([]error, len(entries))
	for i, s := range batch {
		o := <-s.done
		rs[i], errs[i] = o.r, o.err
	}
	return rs, errs
}
