package zab_test

import (
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/server/zab/codec"
)

// The harness's `encode` option sends every message through the codec.
func init() {
	zab.RoundTrip = func(m zab.Message) zab.Message {
		b, err := codec.MarshalMessage(m)
		if err != nil {
			panic(err)
		}
		out, err := codec.UnmarshalMessage(b, 1<<24)
		if err != nil {
			panic(err)
		}
		return out
	}
}
