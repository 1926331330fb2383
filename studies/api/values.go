package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `The api workload drives random operations over the whole client API; its
checker replays the quorum's committed txns through the reference spec
(package model) and holds every reply and watch event to it.

    f "api"     invoke {"op":"create /api/a \"d17\" ephemeral","n":12}
                ok/fail {"op":…,"session":S,"xid":X,"result":{…}} when the
                    server answered (fail: a ZooKeeper error such as NONODE);
                info {"op":…,"session":S,"xid":X} when no answer came
                    (xid 0: the request was never sent).
                Op.Zxid is the reply header's zxid: the txn's for a write,
                the serving server's last applied txn for a read.
    f "notify"  a watch event or a session state change reached the worker:
                an invoke and an ok back to back on the worker's event
                process, value {"event":"NodeDataChanged","path":"/api/a"} or
                {"state":"disconnected"} (connected, disconnected, expired,
                closed; "protocolError" with a "detail" when the server
                broke the protocol, such as a reply out of order).
                Workers sometimes pipeline: several ops in flight on one
                session, each on a process number of its own.

An operation's text form (APIOp.String) round-trips through ParseAPIOp, as
pebble's metamorphic operations do, so a failing run's operations can be
listed, edited and replayed.
`

// FAPI is the f of api records.
const FAPI = "api"

// APIValue is the value of "api" records.
type APIValue struct {
	Op string `json:"op"`
	// N numbers the worker's operations in the order drawn, from 1 (a
	// pipelined group shares one; final-phase reads have none):
	// scenarios' skip_ops names them.
	N       int        `json:"n,omitempty"`
	Session int64      `json:"session,omitempty"`
	Xid     int32      `json:"xid,omitempty"`
	Result  *APIResult `json:"result,omitempty"`
}

// APIResult is a server's answer to one api op (or one op of a multi).
type APIResult struct {
	Err      string      `json:"err,omitempty"` // ZooKeeper error name; "" for OK
	Path     string      `json:"path,omitempty"`
	Data     *string     `json:"data,omitempty"`
	Stat     *APIStat    `json:"stat,omitempty"`
	Children []string    `json:"children,omitempty"`
	Number   *int32      `json:"number,omitempty"` // getAllChildrenNumber
	Results  []APIResult `json:"results,omitempty"`
}

// APIStat is a znode Stat, field for field.
type APIStat struct {
	Czxid          int64 `json:"czxid"`
	Mzxid          int64 `json:"mzxid"`
	Ctime          int64 `json:"ctime"`
	Mtime          int64 `json:"mtime"`
	Version        int32 `json:"version"`
	Cversion       int32 `json:"cversion"`
	Aversion       int32 `json:"aversion"`
	EphemeralOwner int64 `json:"ephemeralOwner"`
	DataLength     int32 `json:"dataLength"`
	NumChildren    int32 `json:"numChildren"`
	Pzxid          int64 `json:"pzxid"`
}

// APIEvent is the value of an api worker's "notify" record.
type APIEvent struct {
	Event  string `json:"event,omitempty"` // a watch event's type
	Path   string `json:"path,omitempty"`
	State  string `json:"state,omitempty"`  // a session state change, or "protocolError"
	Detail string `json:"detail,omitempty"` // protocolError: what the server did wrong
}

// APIOp is one operation of the api workload. Kinds and their fields:
//
//	create PATH DATA MODE          MODE: persistent, ephemeral,
//	                               persistent-sequential, ephemeral-sequential, container
//	delete PATH VERSION            VERSION -1: any
//	setData PATH DATA VERSION
//	check PATH VERSION             (inside multi only)
//	exists|getData|getChildren|getChildren2 PATH [watch]
//	getAllChildrenNumber PATH
//	getEphemerals PREFIX
//	sync PATH
//	addWatch PATH MODE             MODE: persistent, persistent-recursive
//	removeWatches PATH TYPE        TYPE: children, data, any, persistent,
//	                               persistent-recursive
//	multi [OP; OP; …]              create, delete, setData, check
//	multiRead [OP; OP; …]          getData, getChildren
//	close                          end the session (a new one starts)
type APIOp struct {
	Kind    string
	Path    string
	Data    string
	Mode    string
	Version int32
	Watch   bool
	Ops     []APIOp
}

// API op kinds.
const (
	APICreate               = "create"
	APIDelete               = "delete"
	APISetData              = "setData"
	APICheck                = "check"
	APIExists               = "exists"
	APIGetData              = "getData"
	APIGetChildren          = "getChildren"
	APIGetChildren2         = "getChildren2"
	APIGetAllChildrenNumber = "getAllChildrenNumber"
	APIGetEphemerals        = "getEphemerals"
	APISync                 = "sync"
	APIMulti                = "multi"
	APIMultiRead            = "multiRead"
	APIAddWatch             = "addWatch"
	APIRemoveWatches        = "removeWatches"
	APIClose                = "close"
)

// APIWatchModes are addWatch's modes, in ZooKeeper's order (0, 1).
var APIWatchModes = []string{"persistent", "persistent-recursive"}

// APIWatcherTypes are removeWatches' types, in ZooKeeper's order (1 to 5).
var APIWatcherTypes = []string{"children", "data", "any", "persistent", "persistent-recursive"}

// APIModes are the create modes an APIOp names, in ZooKeeper's flag order.
var APIModes = []string{"persistent", "ephemeral", "persistent-sequential", "ephemeral-sequential", "container"}

// IsWrite reports whether the op becomes a txn when the server accepts it.
func (o APIOp) IsWrite() bool {
	switch o.Kind {
	case APICreate, APIDelete, APISetData, APIMulti, APIClose:
		return true
	}
	return false
}

// String is the op's text form.
func (o APIOp) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

func (o APIOp) write(b *strings.Builder) {
	b.WriteString(o.Kind)
	switch o.Kind {
	case APICreate:
		fmt.Fprintf(b, " %s %s %s", o.Path, strconv.Quote(o.Data), o.Mode)
	case APIDelete, APICheck:
		fmt.Fprintf(b, " %s %d", o.Path, o.Version)
	case APISetData:
		fmt.Fprintf(b, " %s %s %d", o.Path, strconv.Quote(o.Data), o.Version)
	case APIExists, APIGetData, APIGetChildren, APIGetChildren2:
		b.WriteString(" " + o.Path)
		if o.Watch {
			b.WriteString(" watch")
		}
	case APIGetAllChildrenNumber, APIGetEphemerals, APISync:
		b.WriteString(" " + o.Path)
	case APIAddWatch, APIRemoveWatches:
		b.WriteString(" " + o.Path + " " + o.Mode)
	case APIMulti, APIMultiRead:
		b.WriteString(" [")
		for i, sub := range o.Ops {
			if i > 0 {
				b.WriteString("; ")
			}
			sub.write(b)
		}
		b.WriteString("]")
	}
}

// ParseAPIOp parses an op's text form.
func ParseAPIOp(s string) (APIOp, error) {
	toks, err := apiTokens(s)
	if err != nil {
		return APIOp{}, fmt.Errorf("api op %q: %w", s, err)
	}
	p := apiParser{toks: toks}
	op, err := p.op(false)
	if err == nil && p.i != len(p.toks) {
		err = fmt.Errorf("unexpected %q after the op", p.toks[p.i])
	}
	if err != nil {
		return APIOp{}, fmt.Errorf("api op %q: %w", s, err)
	}
	return op, nil
}

// apiTokens splits s into words, quoted strings (kept quoted), "[", "]" and ";".
func apiTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '[' || c == ']' || c == ';':
			toks = append(toks, s[i:i+1])
			i++
		case c == '"':
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return nil, fmt.Errorf("bad quoted string at %d", i)
			}
			toks = append(toks, q)
			i += len(q)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" [];\"", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type apiParser struct {
	toks []string
	i    int
}

func (p *apiParser) next() (string, bool) {
	if p.i >= len(p.toks) {
		return "", false
	}
	p.i++
	return p.toks[p.i-1], true
}

func (p *apiParser) word(what string) (string, error) {
	t, ok := p.next()
	if !ok || t == "[" || t == "]" || t == ";" || strings.HasPrefix(t, `"`) {
		return "", fmt.Errorf("want %s", what)
	}
	return t, nil
}

func (p *apiParser) quoted() (string, error) {
	t, ok := p.next()
	if !ok || !strings.HasPrefix(t, `"`) {
		return "", fmt.Errorf("want quoted data")
	}
	return strconv.Unquote(t)
}

func (p *apiParser) version() (int32, error) {
	t, err := p.word("a version")
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(t, 10, 32)
	if err != nil || v < -1 {
		return 0, fmt.Errorf("bad version %q", t)
	}
	return int32(v), nil
}

func (p *apiParser) op(nested bool) (APIOp, error) {
	kind, err := p.word("an op")
	if err != nil {
		return APIOp{}, err
	}
	o := APIOp{Kind: kind}
	switch kind {
	case APIClose:
	case APICreate:
		if o.Path, err = p.word("a path"); err == nil {
			if o.Data, err = p.quoted(); err == nil {
				o.Mode, err = p.word("a create mode")
				if err == nil && !slices.Contains(APIModes, o.Mode) {
					err = fmt.Errorf("unknown create mode %q", o.Mode)
				}
			}
		}
	case APIDelete, APICheck:
		if o.Path, err = p.word("a path"); err == nil {
			o.Version, err = p.version()
		}
	case APISetData:
		if o.Path, err = p.word("a path"); err == nil {
			if o.Data, err = p.quoted(); err == nil {
				o.Version, err = p.version()
			}
		}
	case APIExists, APIGetData, APIGetChildren, APIGetChildren2:
		if o.Path, err = p.word("a path"); err == nil && p.i < len(p.toks) && p.toks[p.i] == "watch" {
			o.Watch = true
			p.i++
		}
	case APIGetAllChildrenNumber, APIGetEphemerals, APISync:
		o.Path, err = p.word("a path")
	case APIAddWatch, APIRemoveWatches:
		modes := APIWatchModes
		if kind == APIRemoveWatches {
			modes = APIWatcherTypes
		}
		if o.Path, err = p.word("a path"); err == nil {
			o.Mode, err = p.word("a watch mode")
			if err == nil && !slices.Contains(modes, o.Mode) {
				err = fmt.Errorf("unknown %s mode %q (known: %s)", kind, o.Mode, strings.Join(modes, ", "))
			}
		}
	case APIMulti, APIMultiRead:
		if nested {
			return o, fmt.Errorf("%s inside a multi", kind)
		}
		o.Ops, err = p.list()
	default:
		return o, fmt.Errorf("unknown op %q", kind)
	}
	return o, err
}

func (p *apiParser) list() ([]APIOp, error) {
	if t, ok := p.next(); !ok || t != "[" {
		return nil, fmt.Errorf("want [")
	}
	var ops []APIOp
	if p.i < len(p.toks) && p.toks[p.i] == "]" {
		p.i++
		return ops, nil
	}
	for {
		sub, err := p.op(true)
		if err != nil {
			return nil, err
		}
		ops = append(ops, sub)
		t, ok := p.next()
		switch {
		case ok && t == "]":
			return ops, nil
		case !ok || t != ";":
			return nil, fmt.Errorf("want ; or ]")
		}
	}
}
