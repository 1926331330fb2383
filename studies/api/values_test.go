package api

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// apiOpGen draws any APIOp the text form can carry: paths without spaces,
// brackets, semicolons or quotes; any data.
func apiOpGen(nested bool) *rapid.Generator[APIOp] {
	return rapid.Custom(func(t *rapid.T) APIOp {
		path := "/" + rapid.StringMatching(`[a-z0-9/._-]{0,12}`).Draw(t, "path")
		kinds := []string{APICreate, APIDelete, APISetData, APICheck, APIExists, APIGetData, APIGetChildren,
			APIGetChildren2, APIGetAllChildrenNumber, APIGetEphemerals, APISync, APIClose, APIAddWatch, APIRemoveWatches}
		if !nested {
			kinds = append(kinds, APIMulti, APIMultiRead)
		}
		o := APIOp{Kind: rapid.SampledFrom(kinds).Draw(t, "kind")}
		switch o.Kind {
		case APICreate:
			o.Path, o.Data, o.Mode = path, rapid.String().Draw(t, "data"), rapid.SampledFrom(APIModes).Draw(t, "mode")
		case APIDelete, APICheck:
			o.Path, o.Version = path, rapid.Int32Min(-1).Draw(t, "version")
		case APISetData:
			o.Path, o.Data, o.Version = path, rapid.String().Draw(t, "data"), rapid.Int32Min(-1).Draw(t, "version")
		case APIExists, APIGetData, APIGetChildren, APIGetChildren2:
			o.Path, o.Watch = path, rapid.Bool().Draw(t, "watch")
		case APIGetAllChildrenNumber, APIGetEphemerals, APISync:
			o.Path = path
		case APIAddWatch:
			o.Path, o.Mode = path, rapid.SampledFrom(APIWatchModes).Draw(t, "mode")
		case APIRemoveWatches:
			o.Path, o.Mode = path, rapid.SampledFrom(APIWatcherTypes).Draw(t, "type")
		case APIMulti, APIMultiRead:
			o.Ops = rapid.SliceOfN(apiOpGen(true), 0, 4).Draw(t, "ops")
		}
		return o
	})
}

func TestAPIOpTextRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := apiOpGen(false).Draw(t, "op")
		back, err := ParseAPIOp(op.String())
		if err != nil {
			t.Fatalf("%q: %v", op.String(), err)
		}
		if back.String() != op.String() || len(back.Ops) != len(op.Ops) || back.Data != op.Data || back.Version != op.Version || back.Mode != op.Mode {
			t.Fatalf("%q came back as %q", op.String(), back.String())
		}
	})
}

func TestAPIOpParseErrors(t *testing.T) {
	for _, s := range []string{"", "nope /a", "create /a", `create /a "x" weird`, `delete /a v1`, "multi [getData /a", `multi [multi []]`,
		`setData /a "x`, "getData /a extra", `delete /a -2`, "addWatch /a", "addWatch /a data", "removeWatches /a persistentish"} {
		if _, err := ParseAPIOp(s); err == nil || !strings.Contains(err.Error(), "api op") {
			t.Errorf("ParseAPIOp(%q) = %v, want an error", s, err)
		}
	}
}

func FuzzParseAPIOp(f *testing.F) {
	f.Add(`multi [create /api/a "d1" ephemeral; check /api 3]`)
	f.Add(`getData /api watch`)
	f.Fuzz(func(t *testing.T, s string) {
		op, err := ParseAPIOp(s)
		if err != nil {
			return
		}
		if _, err := ParseAPIOp(op.String()); err != nil {
			t.Fatalf("%q parsed, but its text %q does not: %v", s, op.String(), err)
		}
	})
}
