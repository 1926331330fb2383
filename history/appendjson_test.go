package history

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRegisterValueAppendJSON checks the hand-written encoder against
// encoding/json byte for byte, including keys that need escaping.
func TestRegisterValueAppendJSON(t *testing.T) {
	keys := []string{"", "k0", "k17", "a\"b", `back\slash`, "<tag>&", "tab\there", "nl\n", "\x00\x1f\x7f",
		"héllo", "bad\xffutf8", "line\u2028sep\u2029", "emoji 😀", "/register/k3"}
	ints := []*int64{nil, Int64(0), Int64(-1), Int64(1 << 40), Int64(-1 << 63)}
	vers := []*int32{nil, Int32(0), Int32(-1), Int32(7), Int32(1<<31 - 1)}
	for _, k := range keys {
		for _, v := range ints {
			for _, ver := range vers {
				for _, exp := range vers {
					for _, w := range []bool{false, true} {
						rv := RegisterValue{Key: k, Value: v, Version: ver, Expect: exp, Watch: w}
						want, err := json.Marshal(rv)
						if err != nil {
							t.Fatal(err)
						}
						if got := rv.AppendJSON([]byte("x")); !bytes.Equal(got[1:], want) || got[0] != 'x' {
							t.Fatalf("AppendJSON(%+v) = %s, want %s", rv, got[1:], want)
						}
						got, err := EncodeValue(rv)
						if err != nil || !bytes.Equal(got, want) {
							t.Fatalf("EncodeValue(%+v) = %s, %v; want %s", rv, got, err, want)
						}
					}
				}
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "k1", "a\"b<>&\\", "\u2028", "\xff", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
