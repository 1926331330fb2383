package live

import (
	"strings"
	"sync"
)

// LockedBuffer is an io.Writer and Stringer safe for concurrent use: a log
// sink that a process's output goroutines (or a node's event loop) write
// while a supervisor or test reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
