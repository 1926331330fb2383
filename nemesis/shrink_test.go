package nemesis

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestDropTakesTheMatchingStop(t *testing.T) {
	cases := []struct {
		text string
		drop int
		want string
	}{
		{"1s kill leader\n2s restart all\n3s heal\n", 0, "3s heal\n"},
		// The restart also restarts the other kill, so it stays.
		{"1s kill one\n2s kill leader\n3s restart all\n", 0, "2s kill leader\n3s restart all\n"},
		{"1s kill s1\n2s kill s2\n3s restart s1\n4s restart s2\n", 0, "2s kill s2\n4s restart s2\n"},
		{"1s start partition bridge\n2s clock skew s1 1s\n3s stop partition\n4s clock reset\n", 0,
			"2s clock skew s1 1s\n4s clock reset\n"},
		// Dropping a stop leaves the fault open until the heal.
		{"1s pause one\n2s resume all\n3s heal\n", 1, "1s pause one\n3s heal\n"},
		{"1s heal\n", 5, "1s heal\n"},
	}
	for _, c := range cases {
		got := mustParse(t, c.text).Drop(c.drop).String()
		if got != c.want {
			t.Errorf("Drop(%d) of\n%s= %q, want %q", c.drop, c.text, got, c.want)
		}
	}
}

func TestNamedStopOfUnkilledNodeIsInvalid(t *testing.T) {
	if _, err := Parse("1s kill s1\n2s restart s2"); err == nil {
		t.Fatal("restart s2 after kill s1 accepted")
	}
	if _, err := Parse("1s kill leader\n2s restart s2"); err != nil {
		t.Fatalf("restart s2 after kill leader (maybe s2) rejected: %v", err)
	}
}

func TestShortenFaultMovesTheStopEarlier(t *testing.T) {
	s := mustParse(t, "0s start partition bridge\n4s kill one\n10s stop partition\n20s heal\n")
	got, ok := s.ShortenFault(0)
	if want := "0s start partition bridge\n4s kill one\n5s stop partition\n20s heal\n"; !ok || got.String() != want {
		t.Fatalf("ShortenFault(0) = %v %q, want %q", ok, got, want)
	}
	got, ok = got.ShortenFault(0)
	if want := "0s start partition bridge\n2.5s stop partition\n4s kill one\n20s heal\n"; !ok || got.String() != want {
		t.Fatalf("second ShortenFault(0) = %v %q, want %q", ok, got, want)
	}
	if _, ok := s.ShortenFault(3); ok {
		t.Fatal("ShortenFault of a heal succeeded")
	}
}

func TestTruncateHealsWhatIsOpen(t *testing.T) {
	s := mustParse(t, "1s kill one\n20s restart all\n")
	if got, want := s.Truncate(10*time.Second).String(), "1s kill one\n10s heal\n"; got != want {
		t.Fatalf("Truncate = %q, want %q", got, want)
	}
	if got := s.Truncate(time.Minute).String(); got != s.String() {
		t.Fatalf("Truncate past the end = %q", got)
	}
}

// Every edit of a valid schedule is valid: a shrinker can apply them blindly.
func TestShrinkEditsKeepSchedulesValidRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSchedule.Draw(t, "schedule")
		before := s.String()
		for i := range s.Steps {
			if err := s.Drop(i).Check(); err != nil {
				t.Fatalf("Drop(%d): %v\n%s", i, err, s)
			}
			if len(s.Drop(i).Steps) >= len(s.Steps) {
				t.Fatalf("Drop(%d) did not shrink\n%s", i, s)
			}
			sh, ok := s.ShortenFault(i)
			if err := sh.Check(); err != nil || (ok && sh.String() == s.String()) {
				t.Fatalf("ShortenFault(%d) = %v, %v\n%s", i, ok, err, s)
			}
		}
		cut := time.Duration(rapid.Int64Range(0, int64(s.End())+1).Draw(t, "cut"))
		tr := s.Truncate(cut)
		if err := tr.Check(); err != nil || !tr.EndsHealed() {
			t.Fatalf("Truncate(%v): %v, healed %v\n%s", cut, err, tr.EndsHealed(), s)
		}
		if s.String() != before {
			t.Fatal("an edit modified the receiver")
		}
	})
}
