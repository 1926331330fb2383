package reports

import (
	"reflect"
	"testing"

	"github.com/zabsim/zabsim/history"
)

func TestFaultsPairsStartsWithStops(t *testing.T) {
	var b builder
	b.nemesis(1*sec, "start partition bridge", "s1", "s2", "s3")
	b.nemesis(2*sec, "kill s1", "s1")
	b.nemesis(3*sec, "kill s2", "s2")
	b.nemesis(4*sec, "restart s1", "s1") // closes only s1's kill
	b.nemesis(5*sec, "stop partition")
	b.nemesis(6*sec, "disk corrupt s3", "s3")
	b.nemesis(7*sec, "clock skew s2 1s", "s2")
	b.nemesis(8*sec, "heal") // closes s2's kill and the clock skew
	b.nemesis(9*sec, "pause leader", "s3")
	b.add(10*sec, 0, history.Invoke, "read", nil) // the history ends here
	got := Faults(b.ops)
	want := []Fault{
		{Kind: "partition", Label: "start partition bridge → s1,s2,s3", Nodes: []string{"s1", "s2", "s3"}, StartNS: 1 * sec, EndNS: 5 * sec},
		{Kind: "kill", Label: "kill s1", Nodes: []string{"s1"}, StartNS: 2 * sec, EndNS: 4 * sec},
		{Kind: "kill", Label: "kill s2", Nodes: []string{"s2"}, StartNS: 3 * sec, EndNS: 8 * sec},
		{Kind: "disk", Label: "disk corrupt s3", Nodes: []string{"s3"}, StartNS: 6 * sec, EndNS: 6 * sec, Instant: true},
		{Kind: "clock", Label: "clock skew s2 1s", Nodes: []string{"s2"}, StartNS: 7 * sec, EndNS: 8 * sec},
		{Kind: "pause", Label: "pause leader → s3", Nodes: []string{"s3"}, StartNS: 9 * sec, EndNS: 10 * sec, Open: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Faults:\n got %+v\nwant %+v", got, want)
	}
}

func TestFaultsBareKindNamesAndJepsenPairs(t *testing.T) {
	var b builder
	// Jepsen style: invoke then info for the same f is one event at the invoke.
	b.add(1*sec, history.NemesisProcess, history.Invoke, "partition", history.NemesisValue{Detail: "majority-ring"})
	b.add(1*sec+5*ms, history.NemesisProcess, history.Info, "partition", history.NemesisValue{Detail: "majority-ring"})
	b.add(3*sec, history.NemesisProcess, history.Invoke, "heal", nil)
	b.add(3*sec+1*ms, history.NemesisProcess, history.Info, "heal", nil)
	b.nemesis(4*sec, "something new", "s9")
	got := Faults(b.ops)
	want := []Fault{
		{Kind: "partition", Label: "partition majority-ring", StartNS: 1 * sec, EndNS: 3 * sec},
		{Kind: "other", Label: "something new → s9", Nodes: []string{"s9"}, StartNS: 4 * sec, EndNS: 4 * sec, Instant: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Faults:\n got %+v\nwant %+v", got, want)
	}
}

func TestFaultsToleratesOddValues(t *testing.T) {
	ops := []history.Op{
		{Index: 0, Time: 5, Process: history.NemesisProcess, Type: history.Info, F: "", Value: []byte(`[1,2]`)},
		{Index: 1, Time: 6, Process: history.NemesisProcess, Type: history.Info, F: "stop partition"}, // nothing open
		{Index: 2, Time: 7, Process: history.NemesisProcess, Type: history.Info, F: "start"},
	}
	got := Faults(ops)
	if len(got) != 2 || got[0].Kind != "other" || got[1].Kind != "other" {
		t.Fatalf("odd nemesis records: got %+v, want two one-shots of kind other", got)
	}
}
