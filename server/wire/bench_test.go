package wire

import "testing"

var benchStat = Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, DataLength: 64, Pzxid: 1}

func BenchmarkEncodeSetDataRequest(b *testing.B) {
	req := &SetDataRequest{Path: "/bench/node-0000000001", Data: make([]byte, 64), Version: -1}
	b.ReportAllocs()
	for b.Loop() {
		_ = EncodeRequest(7, req)
	}
}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	body := EncodeRequest(7, &SetDataRequest{Path: "/bench/node-0000000001", Data: make([]byte, 64), Version: -1})[4:]
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := DecodeRequest(body, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGetDataReply(b *testing.B) {
	body := EncodeReply(7, 9, ErrOK, &GetDataResponse{Data: make([]byte, 64), Stat: benchStat})[4:]
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := DecodeReply(body, OpGetData, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFramer frames a stream of 100 small packets delivered in 1 KiB
// chunks.
func BenchmarkFramer(b *testing.B) {
	var stream []byte
	for i := range 100 {
		stream = append(stream, EncodeRequest(int32(i), &GetDataRequest{Path: "/bench/node", Watch: true})...)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		var f Framer
		n := 0
		for off := 0; off < len(stream); off += 1024 {
			f.Push(stream[off:min(off+1024, len(stream))])
			for {
				_, ok, err := f.Next()
				if err != nil {
					b.Fatal(err)
				}
				if !ok {
					break
				}
				n++
			}
		}
		if n != 100 {
			b.Fatalf("%d frames", n)
		}
	}
}
