package history

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes bounds one record on disk; a longer line is reported as
// corrupt rather than buffered without limit.
const MaxLineBytes = 16 << 20

// Writer writes records as JSON Lines, one Write call per record, and checks
// the same rules as Reader so a bad history is caught where it is produced.
type Writer struct {
	w     io.Writer
	check Validator
}

// NewWriter returns a Writer that appends to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write validates op against the records written before it and appends it.
func (w *Writer) Write(op Op) error {
	if err := w.check.Add(op); err != nil {
		return fmt.Errorf("history: op %d: %w", op.Index, err)
	}
	b, err := op.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.w.Write(append(b, '\n'))
	return err
}

// WriteAll writes ops to w as JSON Lines.
func WriteAll(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	hw := NewWriter(bw)
	for _, op := range ops {
		if err := hw.Write(op); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Reader reads and validates JSON Lines records.
type Reader struct {
	r     *bufio.Reader
	line  int
	check Validator
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Next returns the next record, io.EOF at a clean end, or an error naming the
// line. Blank lines are skipped.
func (r *Reader) Next() (Op, error) {
	for {
		b, err := r.readLine()
		if err != nil {
			return Op{}, err
		}
		r.line++
		if len(b) == 0 {
			continue
		}
		var op Op
		if err := op.UnmarshalJSON(b); err != nil {
			return Op{}, fmt.Errorf("history: line %d: %w", r.line, err)
		}
		if err := r.check.Add(op); err != nil {
			return Op{}, fmt.Errorf("history: line %d: %w", r.line, err)
		}
		return op, nil
	}
}

// readLine returns one line without its newline. A final line without a
// newline is returned as is (its JSON decides whether it was truncated).
func (r *Reader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLineBytes {
			return nil, fmt.Errorf("history: line %d: longer than %d bytes", r.line+1, MaxLineBytes)
		}
		switch {
		case err == nil:
			return trimEOL(line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return trimEOL(line), nil
		default:
			return nil, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-countSuffix(b, '\n')]
	return b[:len(b)-countSuffix(b, '\r')]
}

func countSuffix(b []byte, c byte) int {
	if len(b) > 0 && b[len(b)-1] == c {
		return 1
	}
	return 0
}

// Read reads a whole history.
func Read(r io.Reader) ([]Op, error) {
	hr := NewReader(r)
	var ops []Op
	for {
		op, err := hr.Next()
		if errors.Is(err, io.EOF) {
			return ops, nil
		}
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
}

// Validator checks the structural rules of a history incrementally: types,
// increasing indexes, and invoke/completion pairing per client process.
type Validator struct {
	started   bool
	lastIndex int
	open      map[int]string // process → f of its open invocation
}

// Add checks op against the records added before it.
func (v *Validator) Add(op Op) error {
	if !op.Type.Valid() {
		return fmt.Errorf("type %q is not invoke, ok, fail or info", op.Type)
	}
	if v.started && op.Index <= v.lastIndex {
		return fmt.Errorf("index %d does not increase (previous %d)", op.Index, v.lastIndex)
	}
	v.started, v.lastIndex = true, op.Index
	if !op.IsClient() {
		return nil
	}
	if v.open == nil {
		v.open = make(map[int]string)
	}
	f, isOpen := v.open[op.Process]
	if op.Type == Invoke {
		if isOpen {
			return fmt.Errorf("process %d invokes %q while %q is still open", op.Process, op.F, f)
		}
		v.open[op.Process] = op.F
		return nil
	}
	if !isOpen {
		return fmt.Errorf("process %d completes %q (%s) with no open invocation", op.Process, op.F, op.Type)
	}
	if f != op.F {
		return fmt.Errorf("process %d completes %q but invoked %q", op.Process, op.F, f)
	}
	delete(v.open, op.Process)
	return nil
}

// Validate checks a whole in-memory history with the Reader's rules.
func Validate(ops []Op) error {
	var v Validator
	for i, op := range ops {
		if err := v.Add(op); err != nil {
			return fmt.Errorf("history: record %d (index %d): %w", i, op.Index, err)
		}
	}
	return nil
}
