package storage

import (
	"fmt"
	"slices"
)

// scannedLog is one log file as recovery read it.
type scannedLog struct {
	name    string
	data    []byte
	recs    []parsedRecord // valid records before the first problem
	problem *FileProblem   // first problem, nil when the file is clean
	// inconsistent marks a problem no crash can cause (valid records out of
	// zxid order, a first record that does not match the file name).
	inconsistent bool
}

func (s *Store) maxBodyBytes() int { return s.opts.MaxRecordBytes + zxidBytes }

func scanLogFile(name string, nameZxid int64, data []byte, maxBody int, prevZxid int64) scannedLog {
	sc := scannedLog{name: name, data: data}
	if err := checkFileHeader(data, logMagic); err != nil {
		sc.problem = &FileProblem{File: name, Offset: 0, Reason: err.Error()}
		return sc
	}
	for off := int64(fileHeaderBytes); off < int64(len(data)); {
		r, st, why := parseRecord(data, off, maxBody)
		switch {
		case st != recOK:
			sc.problem = &FileProblem{File: name, Offset: off, Reason: why}
		case r.Zxid <= prevZxid:
			sc.problem = &FileProblem{File: name, Offset: off, Reason: fmt.Sprintf("zxid %#x not above %#x", r.Zxid, prevZxid)}
			sc.inconsistent = true
		case len(sc.recs) == 0 && r.Zxid != nameZxid:
			sc.problem = &FileProblem{File: name, Offset: off, Reason: fmt.Sprintf("first zxid %#x does not match the name", r.Zxid)}
			sc.inconsistent = true
		}
		if sc.problem != nil {
			return sc
		}
		sc.recs = append(sc.recs, r)
		prevZxid, off = r.Zxid, r.endOff
	}
	return sc
}

// validRecordAfter reports whether any valid record with a zxid above
// minZxid starts at or after offset from. It tries every offset, because the
// damaged record's length field cannot be trusted; the checks in parseRecord
// (length bound, Adler32 range, end marker, checksum) reject garbage fast.
func validRecordAfter(data []byte, from int64, minZxid int64, maxBody int) bool {
	for off := from; off+recordBytes(0) <= int64(len(data)); off++ {
		if r, st, _ := parseRecord(data, off, maxBody); st == recOK && r.Zxid > minZxid {
			return true
		}
	}
	return false
}

func (s *Store) recoverLog(names []string, rec *Recovery) error {
	files, err := s.scanLog(zxidsOf(names, logPrefix))
	if err != nil {
		return err
	}
	files, err = s.repairLog(files, rec)
	if err != nil {
		return err
	}
	return s.loadLog(files, rec)
}

// scanLog reads every log file; scanning in order stops at the first
// problem, later files are only read (to tell a torn tail from corruption).
func (s *Store) scanLog(zxids []int64) ([]scannedLog, error) {
	var files []scannedLog
	prev, damaged := int64(0), false
	for _, z := range zxids {
		data, err := s.disk.ReadFile(logName(z))
		if err != nil {
			return nil, err
		}
		if damaged {
			files = append(files, scannedLog{name: logName(z), data: data})
			continue
		}
		sc := scanLogFile(logName(z), z, data, s.maxBodyBytes(), prev)
		if n := len(sc.recs); n > 0 {
			prev = sc.recs[n-1].Zxid
		}
		damaged = sc.problem != nil
		files = append(files, sc)
	}
	return files, nil
}

// repairLog cuts a torn tail (or, if asked, corruption) and returns the
// files that remain.
func (s *Store) repairLog(files []scannedLog, rec *Recovery) ([]scannedLog, error) {
	p := slices.IndexFunc(files, func(f scannedLog) bool { return f.problem != nil })
	if p < 0 {
		return files, nil
	}
	bad := files[p]
	if s.isCorruption(files, p) {
		if !s.opts.TruncateCorrupt {
			return nil, fmt.Errorf("%w: log %s, and valid records follow it", ErrCorrupt, bad.problem)
		}
		rec.Stats.CorruptionTruncated = bad.problem
	} else {
		rec.Stats.TornTail = bad.problem
	}
	for _, f := range files[p+1:] {
		if err := s.removeFile(f.name, rec); err != nil {
			return nil, err
		}
		rec.Stats.TornBytes += int64(len(f.data))
	}
	rec.Stats.TornBytes += int64(len(bad.data)) - bad.problem.Offset
	if len(bad.recs) == 0 {
		return files[:p], s.removeFile(bad.name, rec)
	}
	if err := s.disk.Truncate(bad.name, bad.problem.Offset); err != nil {
		return nil, err
	}
	bad.data = bad.data[:bad.problem.Offset]
	bad.problem = nil
	files[p] = bad
	return files[:p+1], nil
}

// isCorruption decides whether the first problem (in files[p]) is more than
// a torn tail. Only the newest log file can hold unsynced bytes (see the
// package doc), so damage in an older file, or followed by any valid record,
// is corruption of synced data.
func (s *Store) isCorruption(files []scannedLog, p int) bool {
	bad := files[p]
	if bad.inconsistent || p < len(files)-1 {
		return true
	}
	minZxid := int64(0)
	if n := len(bad.recs); n > 0 {
		minZxid = bad.recs[n-1].Zxid
	}
	return validRecordAfter(bad.data, bad.problem.Offset+1, minZxid, s.maxBodyBytes())
}

func (s *Store) removeFile(name string, rec *Recovery) error {
	rec.Stats.RemovedFiles = append(rec.Stats.RemovedFiles, name)
	return s.disk.Remove(name)
}

// loadLog hands the records above the snapshot to the caller and sets up the
// append side after the last one.
func (s *Store) loadLog(files []scannedLog, rec *Recovery) error {
	lastRecord := int64(0)
	for _, f := range files {
		if len(f.recs) == 0 {
			if err := s.removeFile(f.name, rec); err != nil { // a header and nothing else
				return err
			}
			continue
		}
		for _, r := range f.recs {
			if rec.HasSnapshot && r.Zxid <= rec.SnapshotZxid {
				rec.Stats.RecordsSkipped++
				continue
			}
			rec.Records = append(rec.Records, Record{Zxid: r.Zxid, Payload: slices.Clone(r.Payload)})
		}
		last := f.recs[len(f.recs)-1]
		lastRecord = last.Zxid
		s.log.files = append(s.log.files, logFile{
			name: f.name, firstZxid: f.recs[0].Zxid, lastZxid: last.Zxid,
			sizeBytes: last.endOff, records: len(f.recs),
		})
	}
	rec.LastZxid = max(lastRecord, rec.SnapshotZxid)
	s.log.lastZxid, s.log.writtenZxid, s.log.durableZxid = rec.LastZxid, lastRecord, rec.LastZxid
	if len(s.log.files) > 0 {
		// What a crash left may be unsynced; the next file must not get a
		// byte before it is durable (and a repair cut must be durable too).
		s.log.issueSync(s.log.current().name, lastRecord, true)
	}
	return nil
}
