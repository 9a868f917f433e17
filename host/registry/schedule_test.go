package registry

import (
	"slices"
	"strings"
	"testing"
)

func TestScheduleEpochs(t *testing.T) {
	cases := []struct {
		spec  string
		total int
		want  []int
	}{
		{"5", 10, []int{5}},
		{"final", 7, []int{7}},
		{"0:10:5", 10, []int{0, 5, 10}},
		{"0:9:5", 10, []int{0, 5}}, // B not reached exactly
		{"1:1:3", 4, []int{1}},     // a range of one
		{" 0:4:2 , 3, final ", 6, []int{0, 2, 3, 4, 6}},
		{"0:4:2,4,final", 4, []int{0, 2, 4}}, // duplicates merge
		{"0:0:1", 0, []int{0}},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.spec)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", c.spec, err)
			continue
		}
		got, err := s.Epochs(c.total)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q.Epochs(%d) = %v, %v; want %v", c.spec, c.total, got, err, c.want)
		}
	}
}

// TestScheduleReference checks the reference project's schedule: 95
// checkpoints at 25,000 epochs.
func TestScheduleReference(t *testing.T) {
	s := MustParseSchedule("0:1400:100,1500:8500:500,9000:12900:100,13000:24500:500,final")
	eps, err := s.Epochs(25000)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 95 || eps[14] != 1400 || eps[15] != 1500 || eps[30] != 9000 || eps[94] != 25000 {
		t.Errorf("got %d epochs: %v", len(eps), eps)
	}
	if s.Max() != 24500 {
		t.Errorf("Max = %d", s.Max())
	}
}

func TestScheduleBad(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"", "empty checkpoint schedule"},
		{"  ", "empty checkpoint schedule"},
		{"0:100", `item 1 "0:100": want E, A:B:S or final`},
		{"0:100:10:2", "want E, A:B:S or final"},
		{"10,,20", `item 2 "": is empty`},
		{"ten", `"ten" is not an integer`},
		{"-5", "-5 is negative"},
		{"0:-10:5", "-10 is negative"},
		{"0:100:0", "step is 0"},
		{"100:0:10", "ends (0) before it starts (100)"},
		{"final,last", `item 2 "last"`},
		{"1.5", `"1.5" is not an integer`},
	}
	for _, c := range cases {
		_, err := ParseSchedule(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSchedule(%q) = %v, want %q", c.spec, err, c.want)
		}
	}
	s := MustParseSchedule("0:100:10")
	if _, err := s.Epochs(50); err == nil || !strings.Contains(err.Error(), "names epoch 100, beyond the run's 50 epochs") {
		t.Errorf("Epochs beyond total = %v", err)
	}
	if _, err := s.Epochs(-1); err == nil {
		t.Error("Epochs(-1) succeeded")
	}
}

func TestScheduleScale(t *testing.T) {
	cases := []struct {
		spec     string
		from, to int
		want     string
	}{
		{"0:1400:100,1500:8500:500,9000:12900:100,13000:24500:500,final", 25000, 1000, "0:56:4,60:340:20,360:516:4,520:980:20,final"},
		{"0:100:10,final", 100, 200, "0:200:20,final"},
		{"0:100:1", 100, 10, "0:10:1"}, // a step never drops below 1
		{"50", 100, 30, "15"},
		{"final", 10, 1000, "final"},
	}
	for _, c := range cases {
		s := MustParseSchedule(c.spec)
		got, err := s.Scale(c.from, c.to)
		if err != nil || got.String() != c.want {
			t.Errorf("Scale(%q, %d, %d) = %v, %v; want %s", c.spec, c.from, c.to, got, err, c.want)
			continue
		}
		// A scaled schedule always fits the run it was scaled to.
		if _, err := got.Epochs(c.to); err != nil {
			t.Errorf("scaled %q does not fit %d epochs: %v", got, c.to, err)
		}
	}
	// The number of checkpoints survives scaling up, where no step rounds to 1.
	ref := MustParseSchedule("0:1400:100,1500:8500:500,9000:12900:100,13000:24500:500,final")
	up, _ := ref.Scale(25000, 50000)
	a, _ := ref.Epochs(25000)
	b, _ := up.Epochs(50000)
	if len(a) != len(b) {
		t.Errorf("scaling up changed the count: %d -> %d", len(a), len(b))
	}
	if _, err := ref.Scale(0, 10); err == nil {
		t.Error("Scale from 0 succeeded")
	}
}

func TestScheduleStringRoundTrip(t *testing.T) {
	for _, spec := range []string{"0", "final", "0:10:2,15,final", "3:3:1"} {
		s := MustParseSchedule(spec)
		again := MustParseSchedule(s.String())
		a, _ := s.Epochs(100)
		b, _ := again.Epochs(100)
		if !slices.Equal(a, b) {
			t.Errorf("%q -> %q changes epochs", spec, s.String())
		}
	}
}
