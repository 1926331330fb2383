package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Type is an op record's type.
type Type string

// The four record types, as in Jepsen.
const (
	Invoke Type = "invoke"
	OK     Type = "ok"
	Fail   Type = "fail"
	Info   Type = "info"
)

// Valid reports whether t is one of the four record types.
func (t Type) Valid() bool { return t == Invoke || t == OK || t == Fail || t == Info }

// NemesisProcess is the process number of nemesis records; it serialises as
// the string "nemesis".
const NemesisProcess = -1

// ClusterProcess is the process number of what the harness saw the cluster
// itself do — not a client's operation, not a fault: for example a
// session's closeSession committed by the quorum (FSessionClosed). It
// serialises as the string "cluster".
const ClusterProcess = -2

// FSessionClosed is a cluster record: the quorum committed the closing of
// the record's Session (expiry or the client's closeSession) at its Zxid,
// at its Time; Node is the server that committed it.
const FSessionClosed = "session-closed"

// Op is one history record.
type Op struct {
	Index   int             // position in the history, strictly increasing
	Time    int64           // ns since run start (simulated or wall)
	Process int             // client process number; NemesisProcess for faults
	Type    Type            // invoke, ok, fail or info
	F       string          // the operation's function, per workload
	Value   json.RawMessage // workload-specific JSON (see values.go); nil if none
	Node    string          // server that served it, if known
	Zxid    int64           // zxid from the reply header; 0 if none
	Session int64           // ZooKeeper session id; 0 if not recorded
	Error   string          // ZooKeeper error name ("NONODE", "CONNECTIONLOSS") or "timeout"
}

// IsNemesis reports whether the record belongs to the nemesis.
func (o Op) IsNemesis() bool { return o.Process == NemesisProcess }

// IsCluster reports whether the record is a cluster record.
func (o Op) IsCluster() bool { return o.Process == ClusterProcess }

// IsClient reports whether the record belongs to a client process.
func (o Op) IsClient() bool { return o.Process >= 0 }

// IsCompletion reports whether the record completes an invocation.
func (o Op) IsCompletion() bool { return o.Type == OK || o.Type == Fail || o.Type == Info }

// Decode unmarshals the op's value into v.
func (o Op) Decode(v any) error {
	if len(o.Value) == 0 {
		return fmt.Errorf("op %d (%s %s): no value", o.Index, o.Type, o.F)
	}
	if err := json.Unmarshal(o.Value, v); err != nil {
		return fmt.Errorf("op %d (%s %s): value: %w", o.Index, o.Type, o.F, err)
	}
	return nil
}

// EncodeValue encodes v as a compact JSON value for Op.Value. It returns an
// error rather than panicking so workloads can surface bad values.
func EncodeValue(v any) (json.RawMessage, error) {
	if rv, ok := v.(RegisterValue); ok { // the hot one: no reflection
		return rv.Encode(), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// MarshalJSON writes the record with keys in the documented fixed order.
func (o Op) MarshalJSON() ([]byte, error) {
	if !o.Type.Valid() {
		return nil, fmt.Errorf("history: op %d: invalid type %q", o.Index, o.Type)
	}
	b := make([]byte, 0, 96+len(o.Value))
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(o.Index), 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, o.Time, 10)
	b = append(b, `,"process":`...)
	switch o.Process {
	case NemesisProcess:
		b = append(b, `"nemesis"`...)
	case ClusterProcess:
		b = append(b, `"cluster"`...)
	default:
		b = strconv.AppendInt(b, int64(o.Process), 10)
	}
	b = appendStringField(b, "type", string(o.Type))
	b = appendStringField(b, "f", o.F)
	if len(o.Value) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, o.Value); err != nil {
			return nil, fmt.Errorf("history: op %d: value is not JSON: %w", o.Index, err)
		}
		b = append(b, `,"value":`...)
		b = append(b, buf.Bytes()...)
	}
	if o.Node != "" {
		b = appendStringField(b, "node", o.Node)
	}
	if o.Zxid != 0 {
		b = append(b, `,"zxid":`...)
		b = strconv.AppendInt(b, o.Zxid, 10)
	}
	if o.Session != 0 {
		b = append(b, `,"session":`...)
		b = strconv.AppendInt(b, o.Session, 10)
	}
	if o.Error != "" {
		b = appendStringField(b, "error", o.Error)
	}
	return append(b, '}'), nil
}

func appendStringField(b []byte, key, val string) []byte {
	s, _ := json.Marshal(val) // marshalling a string cannot fail
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return append(b, s...)
}

// wireOp mirrors Op for decoding; pointers detect missing required keys.
type wireOp struct {
	Index   *int            `json:"index"`
	Time    int64           `json:"time"`
	Process json.RawMessage `json:"process"`
	Type    *Type           `json:"type"`
	F       string          `json:"f"`
	Value   json.RawMessage `json:"value"`
	Node    string          `json:"node"`
	Zxid    int64           `json:"zxid"`
	Session int64           `json:"session"`
	Error   string          `json:"error"`
}

// UnmarshalJSON reads one record; index, process and type are required.
func (o *Op) UnmarshalJSON(b []byte) error {
	var w wireOp
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	if w.Index == nil {
		return errors.New("missing index")
	}
	if w.Type == nil {
		return errors.New("missing type")
	}
	if !w.Type.Valid() {
		return fmt.Errorf("type %q is not invoke, ok, fail or info", *w.Type)
	}
	proc, err := decodeProcess(w.Process)
	if err != nil {
		return err
	}
	if string(w.Value) == "null" {
		w.Value = nil
	}
	*o = Op{Index: *w.Index, Time: w.Time, Process: proc, Type: *w.Type, F: w.F, Value: w.Value,
		Node: w.Node, Zxid: w.Zxid, Session: w.Session, Error: w.Error}
	return nil
}

func decodeProcess(raw json.RawMessage) (int, error) {
	if len(raw) == 0 {
		return 0, errors.New("missing process")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "nemesis":
			return NemesisProcess, nil
		case "cluster":
			return ClusterProcess, nil
		}
		return 0, fmt.Errorf("process %q is neither a number nor \"nemesis\" or \"cluster\"", s)
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("process %s is neither a number nor \"nemesis\" or \"cluster\"", raw)
	}
	if n < 0 {
		return 0, fmt.Errorf("process %d is negative (use \"nemesis\" or \"cluster\")", n)
	}
	return n, nil
}
