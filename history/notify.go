package history

// IsNotification reports whether o records a watch event a client received
// (f "notify") rather than a request it made. Its invoke and completion are
// written back to back at the arrival time, so it has no latency, and it says
// nothing about whether the service answered requests.
func (o Op) IsNotification() bool { return o.F == FNotify }

// RequestPairs is Pairs without notifications: the client requests that
// latency, throughput and availability figures describe.
func RequestPairs(ops []Op) []Pair {
	pairs := Pairs(ops)
	out := pairs[:0]
	for _, p := range pairs {
		if !p.Invoke.IsNotification() {
			out = append(out, p)
		}
	}
	return out
}
