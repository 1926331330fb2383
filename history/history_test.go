package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func genValue(t *rapid.T, label string) json.RawMessage {
	switch rapid.IntRange(0, 2).Draw(t, label+"kind") {
	case 0:
		return nil
	case 1:
		v := RegisterValue{Key: rapid.StringMatching(`k[0-9]{1,2}`).Draw(t, label+"key"),
			Value: Int64(rapid.Int64().Draw(t, label+"v"))}
		b, _ := json.Marshal(v)
		return b
	default:
		// a list-valued record, shaped as the registry study's views
		type view struct {
			Watcher string   `json:"watcher"`
			Members []string `json:"members"`
		}
		v := view{Watcher: "w1", Members: rapid.SliceOf(rapid.StringMatching(`b[0-9]`)).Draw(t, label+"m")}
		b, _ := json.Marshal(v)
		return b
	}
}

// genHistory draws a structurally valid history: per process, invocations
// alternate with completions; nemesis records are interleaved.
func genHistory(t *rapid.T) []Op {
	n := rapid.IntRange(0, 40).Draw(t, "n")
	open := map[int]string{}
	var ops []Op
	index := rapid.IntRange(0, 5).Draw(t, "start")
	var now int64
	for i := 0; i < n; i++ {
		index += rapid.IntRange(1, 3).Draw(t, "gap")
		now += rapid.Int64Range(0, 1000).Draw(t, "dt")
		p := rapid.IntRange(-1, 3).Draw(t, "process")
		op := Op{Index: index, Time: now, Process: p,
			Node:    rapid.SampledFrom([]string{"", "s1", "s2"}).Draw(t, "node"),
			Zxid:    rapid.Int64Range(0, 1<<40).Draw(t, "zxid"),
			Session: rapid.Int64Range(0, 5).Draw(t, "session"),
			Value:   genValue(t, "value"),
		}
		switch f, isOpen := open[p]; {
		case p == NemesisProcess:
			op.Type, op.F = Info, "partition"
		case isOpen:
			op.Type = rapid.SampledFrom([]Type{OK, Fail, Info}).Draw(t, "type")
			op.F = f
			op.Error = rapid.SampledFrom([]string{"", "NONODE", "timeout", "quote\"and\\back"}).Draw(t, "err")
			delete(open, p)
		default:
			op.Type, op.F = Invoke, rapid.SampledFrom([]string{"read", "write", "cas"}).Draw(t, "f")
			open[p] = op.F
		}
		ops = append(ops, op)
	}
	return ops
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := genHistory(t)
		var buf bytes.Buffer
		if err := WriteAll(&buf, ops); err != nil {
			t.Fatalf("write: %v", err)
		}
		got, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("read: %v\n%s", err, buf.String())
		}
		if len(ops) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, ops) {
			t.Fatalf("round trip changed the history:\nwant %+v\ngot  %+v", ops, got)
		}
		var again bytes.Buffer
		if err := WriteAll(&again, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatalf("re-encoding is not byte-identical")
		}
	})
}

func TestKeyOrderAndNemesis(t *testing.T) {
	ops := []Op{
		{Index: 0, Time: 5, Process: 2, Type: Invoke, F: "write", Value: json.RawMessage(`{ "key": "k1", "value": 3 }`)},
		{Index: 1, Time: 9, Process: NemesisProcess, Type: Info, F: "kill", Value: json.RawMessage(`{"nodes":["s1"]}`)},
		{Index: 2, Time: 12, Process: 2, Type: OK, F: "write", Value: json.RawMessage(`{"key":"k1","value":3}`),
			Node: "s2", Zxid: 4294967297, Session: 7, Error: ""},
		{Index: 3, Time: 13, Process: 2, Type: Invoke, F: "read"},
		{Index: 4, Time: 20, Process: 2, Type: Info, F: "read", Error: "CONNECTIONLOSS"},
	}
	var buf bytes.Buffer
	if err := WriteAll(&buf, ops); err != nil {
		t.Fatal(err)
	}
	want := `{"index":0,"time":5,"process":2,"type":"invoke","f":"write","value":{"key":"k1","value":3}}
{"index":1,"time":9,"process":"nemesis","type":"info","f":"kill","value":{"nodes":["s1"]}}
{"index":2,"time":12,"process":2,"type":"ok","f":"write","value":{"key":"k1","value":3},"node":"s2","zxid":4294967297,"session":7}
{"index":3,"time":13,"process":2,"type":"invoke","f":"read"}
{"index":4,"time":20,"process":2,"type":"info","f":"read","error":"CONNECTIONLOSS"}
`
	if buf.String() != want {
		t.Fatalf("encoding:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestReadRejectsCorruptHistories(t *testing.T) {
	good := `{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}` + "\n"
	cases := []struct{ name, text, want string }{
		{"bad type", good + `{"index":1,"time":2,"process":0,"type":"done","f":"read"}`, "line 2: type \"done\""},
		{"index backwards", good + `{"index":0,"time":2,"process":0,"type":"ok","f":"read"}`, "line 2: index 0 does not increase"},
		{"orphan completion", `{"index":0,"time":1,"process":3,"type":"ok","f":"read"}`, "line 1: process 3 completes"},
		{"f mismatch", good + `{"index":1,"time":2,"process":0,"type":"ok","f":"write"}`, "line 2: process 0 completes \"write\" but invoked \"read\""},
		{"double invoke", good + `{"index":1,"time":2,"process":0,"type":"invoke","f":"read"}`, "line 2: process 0 invokes"},
		{"truncated", good + `{"index":1,"time":2,"proc`, "line 2: unexpected EOF"},
		{"garbage", good + "\n\x00\x01\n", "line 3: invalid character"},
		{"missing type", `{"index":0,"time":1,"process":0,"f":"read"}`, "line 1: missing type"},
		{"bad process", `{"index":0,"time":1,"process":"client","type":"invoke","f":"read"}`, "line 1: process \"client\""},
		{"negative process", `{"index":0,"time":1,"process":-1,"type":"invoke","f":"read"}`, "line 1: process -1 is negative"},
		{"unknown key", `{"index":0,"time":1,"process":0,"type":"invoke","f":"read","extra":1}`, "line 1: json: unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.text))
			if err == nil {
				t.Fatalf("Read accepted a corrupt history")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestReaderStopsAtEOF(t *testing.T) {
	r := NewReader(strings.NewReader(`{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}`))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("want io.EOF, got %v", err)
	}
}

func TestWriterRejectsBadRecords(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(Op{Index: 0, Process: 0, Type: "bogus"}); err == nil {
		t.Fatal("wrote a record with an invalid type")
	}
	if err := w.Write(Op{Index: 1, Process: 0, Type: Invoke, F: "w", Value: json.RawMessage(`{bad`)}); err == nil {
		t.Fatal("wrote a record whose value is not JSON")
	}
	if err := w.Write(Op{Index: 1, Process: 1, Type: Invoke, F: "w"}); err == nil {
		t.Fatal("wrote an index that does not increase")
	}
}

func TestPairsTreatsOpenInvokeAsInfo(t *testing.T) {
	ops := []Op{
		{Index: 0, Time: 1, Process: 0, Type: Invoke, F: "write", Value: json.RawMessage(`{"key":"a","value":1}`)},
		{Index: 1, Time: 2, Process: 1, Type: Invoke, F: "read"},
		{Index: 2, Time: 3, Process: NemesisProcess, Type: Info, F: "kill"},
		{Index: 3, Time: 4, Process: 1, Type: OK, F: "read", Value: json.RawMessage(`{"key":"a","value":1,"version":1}`)},
	}
	pairs := Pairs(ops)
	if len(pairs) != 2 {
		t.Fatalf("want 2 pairs, got %d", len(pairs))
	}
	if !pairs[0].Open || pairs[0].Type() != Info || pairs[0].Complete.Index != -1 {
		t.Fatalf("open invoke not treated as info: %+v", pairs[0])
	}
	if pairs[1].Open || pairs[1].Type() != OK || pairs[1].Complete.Index != 3 {
		t.Fatalf("read not paired with its completion: %+v", pairs[1])
	}
	var v RegisterValue
	if err := pairs[1].Decode(&v); err != nil || v.Version == nil || *v.Version != 1 {
		t.Fatalf("decode completion value: %v %+v", err, v)
	}
	if got := FilterF(ops, "read"); len(got) != 2 {
		t.Fatalf("FilterF(read) = %d records", len(got))
	}
	if got := FilterProcess(ops, 0); len(got) != 1 || got[0].Index != 0 {
		t.Fatalf("FilterProcess(0) = %+v", got)
	}
	if got := Nemesis(ops); len(got) != 1 || got[0].F != "kill" {
		t.Fatalf("Nemesis = %+v", got)
	}
	if EndTime(ops) != 4 {
		t.Fatalf("EndTime = %d", EndTime(ops))
	}
}
