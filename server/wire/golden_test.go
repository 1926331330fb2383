package wire

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

// Golden packets: the bytes go-zookeeper v1.0.4 puts on the wire, written by
// hand from its structs.go (encodePacketValue: int32/int64 big-endian, bool
// one byte, string and []byte with an int32 length, nil []byte as -1, other
// slices as a count) and conn.go (connect handshake without readOnly,
// multiHeader{op, false, -1} per op, {-1, true, -1} at the end).

// hexBytes parses hex with spaces, newlines and "|" separators ignored.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad golden hex: %v", err)
	}
	return b
}

func TestGoldenConnectRequestGoZookeeper(t *testing.T) {
	// zk.Connect(servers, 4*time.Second): first handshake, no session yet,
	// emptyPassword (16 zero bytes), no readOnly byte.
	want := hexBytes(t, `0000002c | 00000000 | 0000000000000000 | 00000fa0 | 0000000000000000 |
		00000010 00000000000000000000000000000000`)
	req := ConnectRequest{TimeoutMS: 4000, Passwd: make([]byte, 16)}
	if got := EncodeConnectRequest(req); !bytes.Equal(got, want) {
		t.Fatalf("connect request\n got % x\nwant % x", got, want)
	}
	got, err := DecodeConnectRequest(want[4:], DecodeOptions{})
	if err != nil || got.HasReadOnly || !reflect.DeepEqual(got, req) {
		t.Fatalf("decoded %+v err %v", got, err)
	}
}

func TestGoldenConnectRequestWithReadOnly(t *testing.T) {
	// The Java client (3.4+) appends readOnly.
	want := hexBytes(t, `0000001f | 00000000 | 0000000100000005 | 00007530 | 0000000000abcdef |
		00000002 7077 | 01`)
	req := ConnectRequest{LastZxidSeen: 0x100000005, TimeoutMS: 30000, SessionID: 0xabcdef,
		Passwd: []byte("pw"), ReadOnly: true, HasReadOnly: true}
	if got := EncodeConnectRequest(req); !bytes.Equal(got, want) {
		t.Fatalf("connect request\n got % x\nwant % x", got, want)
	}
	got, err := DecodeConnectRequest(want[4:], DecodeOptions{})
	if err != nil || !reflect.DeepEqual(got, req) {
		t.Fatalf("decoded %+v err %v", got, err)
	}
}

func TestGoldenCreateGoZookeeper(t *testing.T) {
	// conn.Create("/a", []byte("x"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)) as xid 1.
	want := hexBytes(t, `00000032 | 00000001 00000001 |
		00000002 2f61 | 00000001 78 |
		00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65 |
		00000001`)
	req := &CreateRequest{Path: "/a", Data: []byte("x"), ACL: OpenACLUnsafe, Flags: FlagEphemeral}
	if got := EncodeRequest(1, req); !bytes.Equal(got, want) {
		t.Fatalf("create\n got % x\nwant % x", got, want)
	}
	hdr, got, err := DecodeRequest(want[4:], DecodeOptions{})
	if err != nil || hdr != (RequestHeader{Xid: 1, Type: OpCreate}) || !reflect.DeepEqual(got, req) {
		t.Fatalf("decoded %+v %#v err %v", hdr, got, err)
	}
}

func TestGoldenMultiGoZookeeper(t *testing.T) {
	// conn.Multi(&zk.CreateRequest{Path: "/m", Acl: zk.WorldACL(zk.PermRead)},
	//            &zk.DeleteRequest{Path: "/d", Version: -1}) as xid 9; Data nil -> -1.
	want := hexBytes(t, `00000056 | 00000009 0000000e |
		00000001 00 ffffffff | 00000002 2f6d | ffffffff |
		00000001 00000001 00000005 776f726c64 00000006 616e796f6e65 | 00000000 |
		00000002 00 ffffffff | 00000002 2f64 | ffffffff |
		ffffffff 01 ffffffff`)
	req := &MultiRequest{Ops: []Request{
		&CreateRequest{Path: "/m", ACL: ReadACLUnsafe},
		&DeleteRequest{Path: "/d", Version: -1},
	}}
	if got := EncodeRequest(9, req); !bytes.Equal(got, want) {
		t.Fatalf("multi\n got % x\nwant % x", got, want)
	}
	_, got, err := DecodeRequest(want[4:], DecodeOptions{})
	if err != nil || !reflect.DeepEqual(got, req) {
		t.Fatalf("decoded %#v err %v", got, err)
	}
}

func TestGoldenSetWatchesGoZookeeper(t *testing.T) {
	// sendSetWatches: setWatchesRequest{RelativeZxid, Data, Exist, Child};
	// go-zookeeper sends a nil slice as count 0, not -1.
	want := hexBytes(t, `00000028 | 00000003 00000065 | 0000000200000001 |
		00000001 00000002 2f61 | 00000000 | 00000001 00000002 2f62`)
	req := &SetWatchesRequest{RelativeZxid: 0x200000001, DataWatches: []string{"/a"},
		ExistWatches: []string{}, ChildWatches: []string{"/b"}}
	if got := EncodeRequest(3, req); !bytes.Equal(got, want) {
		t.Fatalf("setWatches\n got % x\nwant % x", got, want)
	}
}

func TestGoldenGetDataReply(t *testing.T) {
	// What a ZooKeeper server sends for getData("/a") = "hi" at zxid 0x105.
	body := hexBytes(t, `00000004 0000000000000105 00000000 | 00000002 6869 |
		0000000000000102 0000000000000105 0000018b00000001 0000018b00000002 |
		00000001 00000000 00000000 0000000000000000 00000002 00000000 0000000000000102`)
	hdr, resp, err := DecodeReply(body, OpGetData, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &GetDataResponse{Data: []byte("hi"), Stat: Stat{Czxid: 0x102, Mzxid: 0x105,
		Ctime: 0x18b00000001, Mtime: 0x18b00000002, Version: 1, DataLength: 2, Pzxid: 0x102}}
	if hdr != (ReplyHeader{Xid: 4, Zxid: 0x105}) || !reflect.DeepEqual(resp, want) {
		t.Fatalf("got %+v %#v", hdr, resp)
	}
	if again := EncodeReply(4, 0x105, ErrOK, want); !bytes.Equal(again[4:], body) {
		t.Fatalf("re-encoded\n got % x\nwant % x", again[4:], body)
	}
}

func TestGoldenWatchEvent(t *testing.T) {
	// NodeDataChanged on /a, SyncConnected: xid -1, zxid -1, err 0.
	want := hexBytes(t, `0000001e | ffffffff ffffffffffffffff 00000000 | 00000003 00000003 00000002 2f61`)
	got := EncodeWatchEvent(WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/a"})
	if !bytes.Equal(got, want) {
		t.Fatalf("event\n got % x\nwant % x", got, want)
	}
}
