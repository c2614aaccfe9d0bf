package bulletin_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
)

// FuzzReceiptJSON checks that a receipt that decodes encodes to JSON that
// decodes to the same receipt, and encodes the same again.
func FuzzReceiptJSON(f *testing.F) {
	f.Add([]byte(`{"tracking_code":"abc","index":3,"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","existing":true,"inclusion_proof":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],"checkpoint":"o\n1\nx\n\n— k sig\n"}`))
	f.Add([]byte(`{"index":0,"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","inclusion_proof":[],"checkpoint":""}`))
	f.Add([]byte(`{"index":-1,"leaf_hash":"AAAA","inclusion_proof":null}`))
	f.Add([]byte(`{"index":1e3}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var r1 bulletin.Receipt
		if err := json.Unmarshal(in, &r1); err != nil {
			return
		}
		out, err := json.Marshal(&r1)
		require.NoError(t, err)
		var r2 bulletin.Receipt
		require.NoError(t, json.Unmarshal(out, &r2), "%s", out)
		require.Equal(t, r1, r2)
		out2, err := json.Marshal(&r2)
		require.NoError(t, err)
		require.Equal(t, out, out2)
	})
}

func TestReceiptJSONRoundTrip(t *testing.T) {
	r := &bulletin.Receipt{TrackingCode: "T", Index: 7, Existing: true, Checkpoint: []byte("c\n")}
	r.LeafHash[0] = 1
	r.Proof = append(r.Proof, r.LeafHash)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var got bulletin.Receipt
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, *r, got)
	require.Error(t, json.Unmarshal([]byte(`{"leaf_hash":"AAAA"}`), &got))
	require.Error(t, json.Unmarshal([]byte(`{"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","inclusion_proof":["x"]}`), &got))
}
