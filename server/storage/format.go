package storage

import (
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"slices"
	"strconv"
	"strings"
)

const (
	logMagic         uint32 = 0x5a4b4c47 // "ZKLG", FileTxnLog.TXNLOG_MAGIC
	snapMagic        uint32 = 0x5a4b534e // "ZKSN", FileSnap.SNAP_MAGIC
	formatVersion    int32  = 2
	fileHeaderBytes         = 16 // magic int32, version int32, dbid int64
	recordHeadBytes         = 12 // checksum int64, length int32
	zxidBytes               = 8
	endOfRecord      byte   = 'B' // FileTxnLog's EOR marker
	snapEnd          byte   = '/'
	snapTrailerBytes        = 9 // checksum int64, '/'
	snapFixedBytes          = fileHeaderBytes + zxidBytes + 8 + snapTrailerBytes

	logPrefix      = "log."
	snapPrefix     = "snapshot."
	tmpSuffix      = ".tmp"
	acceptedEpochF = "acceptedEpoch"
	currentEpochF  = "currentEpoch"
)

// Record is one log entry.
type Record struct {
	Zxid    int64
	Payload []byte
}

func logName(zxid int64) string  { return logPrefix + strconv.FormatUint(uint64(zxid), 16) }
func snapName(zxid int64) string { return snapPrefix + strconv.FormatUint(uint64(zxid), 16) }

// parseName extracts the zxid from "<prefix><hex>", rejecting temp files and
// anything else.
func parseName(name, prefix string) (int64, bool) {
	hex, ok := strings.CutPrefix(name, prefix)
	if !ok || hex == "" || len(hex) > 16 {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return 0, false
	}
	return int64(v), true
}

func appendFileHeader(b []byte, magic uint32) []byte {
	b = binary.BigEndian.AppendUint32(b, magic)
	b = binary.BigEndian.AppendUint32(b, uint32(formatVersion))
	return binary.BigEndian.AppendUint64(b, 0) // dbid, always 0 in ZooKeeper
}

func checkFileHeader(b []byte, magic uint32) error {
	if len(b) < fileHeaderBytes {
		return fmt.Errorf("header truncated at %d bytes", len(b))
	}
	if m := binary.BigEndian.Uint32(b); m != magic {
		return fmt.Errorf("bad magic %#x", m)
	}
	if v := int32(binary.BigEndian.Uint32(b[4:])); v != formatVersion {
		return fmt.Errorf("unsupported version %d", v)
	}
	return nil
}

func recordBytes(payloadLen int) int64 {
	return recordHeadBytes + zxidBytes + int64(payloadLen) + 1
}

func appendRecord(b []byte, zxid int64, payload []byte) []byte {
	start := len(b)
	b = slices.Grow(b, int(recordBytes(len(payload))))
	b = binary.BigEndian.AppendUint64(b, 0) // checksum, filled in below
	b = binary.BigEndian.AppendUint32(b, uint32(zxidBytes+len(payload)))
	b = binary.BigEndian.AppendUint64(b, uint64(zxid))
	b = append(b, payload...)
	body := b[start+recordHeadBytes:]
	binary.BigEndian.PutUint64(b[start:], uint64(adler32.Checksum(body)))
	return append(b, endOfRecord)
}

// recordStatus classifies the bytes at one offset of a log file.
type recordStatus int

const (
	recOK    recordStatus = iota
	recShort              // the file ends inside the record
	recBad                // a complete record that fails its checks
)

// parsedRecord is a record found at some offset; Payload aliases the file.
type parsedRecord struct {
	Record
	endOff int64
}

// parseRecord decodes the record at b[off:]. maxBody bounds the length field
// so that garbage never makes it allocate or slice past what b holds.
func parseRecord(b []byte, off int64, maxBody int) (parsedRecord, recordStatus, string) {
	rest := b[off:]
	if len(rest) < recordHeadBytes {
		return parsedRecord{}, recShort, "record header truncated"
	}
	sum := binary.BigEndian.Uint64(rest)
	n := int64(int32(binary.BigEndian.Uint32(rest[8:])))
	if n < zxidBytes || n > int64(maxBody) {
		return parsedRecord{}, recBad, fmt.Sprintf("bad record length %d", n)
	}
	if sum>>32 != 0 {
		return parsedRecord{}, recBad, "checksum field out of Adler32 range"
	}
	total := recordHeadBytes + n + 1
	if int64(len(rest)) < total {
		return parsedRecord{}, recShort, "record truncated"
	}
	body := rest[recordHeadBytes : recordHeadBytes+n]
	if rest[total-1] != endOfRecord {
		return parsedRecord{}, recBad, "missing end-of-record marker"
	}
	if uint64(adler32.Checksum(body)) != sum {
		return parsedRecord{}, recBad, "checksum mismatch"
	}
	rec := Record{Zxid: int64(binary.BigEndian.Uint64(body)), Payload: body[zxidBytes:]}
	return parsedRecord{Record: rec, endOff: off + total}, recOK, ""
}

func encodeSnapshot(zxid int64, payload []byte) []byte {
	b := make([]byte, 0, snapFixedBytes+len(payload))
	b = appendFileHeader(b, snapMagic)
	b = binary.BigEndian.AppendUint64(b, uint64(zxid))
	b = binary.BigEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, payload...)
	b = binary.BigEndian.AppendUint64(b, uint64(adler32.Checksum(b)))
	return append(b, snapEnd)
}

// decodeSnapshot validates a whole snapshot file and returns its zxid and
// payload (aliasing b).
func decodeSnapshot(b []byte) (int64, []byte, error) {
	if err := checkFileHeader(b, snapMagic); err != nil {
		return 0, nil, err
	}
	if len(b) < snapFixedBytes {
		return 0, nil, fmt.Errorf("snapshot truncated at %d bytes", len(b))
	}
	zxid := int64(binary.BigEndian.Uint64(b[fileHeaderBytes:]))
	n := binary.BigEndian.Uint64(b[fileHeaderBytes+zxidBytes:])
	if n != uint64(len(b)-snapFixedBytes) {
		return 0, nil, fmt.Errorf("snapshot length %d does not match file size %d", n, len(b))
	}
	end := len(b) - snapTrailerBytes
	if b[len(b)-1] != snapEnd {
		return 0, nil, fmt.Errorf("missing snapshot end marker")
	}
	if got, want := uint64(adler32.Checksum(b[:end])), binary.BigEndian.Uint64(b[end:]); got != want {
		return 0, nil, fmt.Errorf("snapshot checksum mismatch")
	}
	return zxid, b[fileHeaderBytes+zxidBytes+8 : end], nil
}

// encodeEpoch writes the value as ZooKeeper's writeLongToFile does, plus a
// newline that marks the write complete (ZooKeeper's reader, readLine,
// ignores it).
func encodeEpoch(epoch int64) []byte { return []byte(strconv.FormatInt(epoch, 10) + "\n") }

func decodeEpoch(b []byte) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("epoch file: %q is not a number", truncateForError(b))
	}
	return v, nil
}

func truncateForError(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}

// EpochOf is the epoch part of a zxid.
func EpochOf(zxid int64) int64 { return int64(uint64(zxid) >> 32) }
