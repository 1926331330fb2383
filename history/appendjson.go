package history

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Hand-written encoders for the values workloads record on every operation.
// encoding/json's reflection and its intermediate buffers were ~4% of a
// simulated run; these append exactly the bytes json.Marshal produces for
// the same value (appendjson_test.go checks that against json.Marshal), so
// histories stay byte-identical.

// AppendJSON appends v encoded exactly as json.Marshal(v) encodes it.
func (v RegisterValue) AppendJSON(b []byte) []byte {
	b = append(b, `{"key":`...)
	b = appendJSONString(b, v.Key)
	if v.Value != nil {
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, *v.Value, 10)
	}
	if v.Version != nil {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(*v.Version), 10)
	}
	if v.Expect != nil {
		b = append(b, `,"expect":`...)
		b = strconv.AppendInt(b, int64(*v.Expect), 10)
	}
	if v.Watch {
		b = append(b, `,"watch":true`...)
	}
	return append(b, '}')
}

// Encode returns v as an Op.Value: EncodeValue(v) without reflection.
func (v RegisterValue) Encode() json.RawMessage {
	return v.AppendJSON(make([]byte, 0, registerValueCap(v)))
}

// registerValueCap is a capacity that fits v's encoding in one allocation
// for ordinary keys (longer keys just grow the slice).
func registerValueCap(v RegisterValue) int { return 80 + len(v.Key) }

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it. Strings of plain printable ASCII without characters that
// encoding/json escapes (quote, backslash, and the HTML-sensitive <, >, &)
// are copied verbatim; anything else (control characters, non-ASCII, which
// involves invalid-UTF-8 and U+2028/U+2029 rules) is left to encoding/json
// itself, so the output is identical by construction.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			// (A copy, so s itself never escapes: callers' values
			// and the pointers beside s can stay on the stack.)
			enc, _ := json.Marshal(strings.Clone(s)) // marshalling a string cannot fail
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
