package scenario

import (
	"reflect"
	"testing"
)

// Every seed draws a valid configuration, the same one every time, and
// seeds draw different ones.
func TestDrawnConfigurationsAreValidAndStable(t *testing.T) {
	explore, err := ByName("explore")
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	for seed := uint64(1); seed <= 500; seed++ {
		d := explore.Drawn(seed).Defaults()
		if d.Draw || d.Name != "explore" {
			t.Fatalf("seed %d: drawn scenario %+v is still a recipe or renamed", seed, d)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("seed %d draws an invalid configuration: %v\n%s", seed, err, d.JSON())
		}
		if again := explore.Drawn(seed).Defaults(); !reflect.DeepEqual(d, again) {
			t.Fatalf("seed %d draws two configurations", seed)
		}
		if d.SessionTimeout.D().Milliseconds() < 10*d.TickTimeMS {
			t.Fatalf("seed %d: session timeout %v under 10 ticks of %d ms (the sessions checker's bound)", seed, d.SessionTimeout.D(), d.TickTimeMS)
		}
		shapes[d.summary()] = true
	}
	if len(shapes) < 490 {
		t.Fatalf("500 seeds drew only %d distinct configurations", len(shapes))
	}
}
