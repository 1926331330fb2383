package zkclient

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

// QuietLogger is a go-zookeeper logger that drops everything: for
// connections whose chatter (reconnects, pings) would only fill reports.
type QuietLogger struct{}

// Printf discards the message.
func (QuietLogger) Printf(string, ...any) {}

// WaitSession waits until a go-zookeeper connection's events report an
// established session, then keeps draining them (go-zookeeper blocks if
// nobody reads its session events).
func WaitSession(events <-chan zk.Event, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return errors.New("connection closed")
			}
			if ev.State == zk.StateHasSession {
				go drainEvents(events)
				return nil
			}
		case <-deadline:
			return fmt.Errorf("no session within %v", timeout)
		}
	}
}

func drainEvents(events <-chan zk.Event) {
	for range events {
	}
}
