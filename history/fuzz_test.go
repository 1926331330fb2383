package history

import (
	"bytes"
	"testing"
)

// FuzzRead: any input either reads as a history that re-encodes and reads
// back identically, or yields an error; it never panics.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"index":0,"time":1,"process":0,"type":"invoke","f":"read","value":{"key":"k"}}` + "\n" +
		`{"index":1,"time":2,"process":0,"type":"ok","f":"read","value":{"key":"k","value":1,"version":1},"zxid":3}`))
	f.Add([]byte(`{"index":0,"time":1,"process":"nemesis","type":"info","f":"kill","value":{"nodes":["s1"]}}`))
	f.Add([]byte("{\"index\":0,\"ti"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteAll(&buf, ops); err != nil {
			t.Fatalf("a history Read accepted cannot be written: %v", err)
		}
		again, err := Read(&buf)
		if err != nil || len(again) != len(ops) {
			t.Fatalf("re-read: %v (%d vs %d ops)", err, len(again), len(ops))
		}
	})
}
