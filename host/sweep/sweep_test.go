package sweep

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseAxisExpand(t *testing.T) {
	a, err := ParseAxis(" prime = 23, 31 ")
	if err != nil || a.Param != "prime" || !reflect.DeepEqual(a.Values, []string{"23", "31"}) {
		t.Errorf("ParseAxis: %+v %v", a, err)
	}
	for _, bad := range []string{"prime", "=1,2", "prime=1,,2", "prime="} {
		if _, err := ParseAxis(bad); err == nil || !strings.HasPrefix(err.Error(), "--grid ") {
			t.Errorf("ParseAxis(%q): %v", bad, err)
		}
	}
	pts := Expand([]Axis{{"prime", []string{"23", "31"}}, {"seed", []string{"1", "2", "3"}}})
	var got []string
	for _, p := range pts {
		got = append(got, PointString([]Axis{{Param: "prime"}, {Param: "seed"}}, p))
	}
	want := []string{"prime=23 seed=1", "prime=23 seed=2", "prime=23 seed=3", "prime=31 seed=1", "prime=31 seed=2", "prime=31 seed=3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand: %q", got)
	}
}

// TestSaveLoad round-trips sweep.json and refuses files that are not one.
func TestSaveLoad(t *testing.T) {
	sw := testSweep(t, 2)
	sw.Local = &LocalOptions{Jobs: 2, Cooldown: Duration(30 * time.Second)}
	sw.Created = time.Date(2024, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	back, err := Load(sw.Paths.Results, "grid")
	if err != nil {
		t.Fatal(err)
	}
	back.dir = ""
	if !reflect.DeepEqual(back, sw) {
		t.Errorf("round trip:\n%+v\n%+v", back, sw)
	}
	b, _ := os.ReadFile(sw.Path())
	if !strings.Contains(string(b), `"cooldown": "30s"`) || !strings.Contains(string(b), `"format_version": 1`) {
		t.Errorf("sweep.json:\n%s", b)
	}
	if names, err := List(sw.Paths.Results); err != nil || !reflect.DeepEqual(names, []string{"grid"}) {
		t.Errorf("List: %v %v", names, err)
	}
	for _, c := range []struct{ from, to, msg string }{
		{`"format_version": 1`, `"format_version": 9`, "format_version 9 is newer"},
		{`"executor": "slurm"`, `"executor": "pbs"`, `executor "pbs"`},
		{`"name": "grid"`, `"name": "other"`, `name "other" does not match its folder "grid"`},
		{`"index": 1`, `"index": 4`, "variants[1]: index is 4"},
		{`"family":`, `"familly":`, `unknown field "familly"`},
	} {
		if err := os.WriteFile(sw.Path(), []byte(strings.Replace(string(b), c.from, c.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(sw.Paths.Results, "grid"); err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), sw.Path()) {
			t.Errorf("%s: %v", c.to, err)
		}
	}
	if _, err := Load(sw.Paths.Results, "absent"); err == nil || !strings.Contains(err.Error(), `no sweep "absent"`) {
		t.Errorf("absent: %v", err)
	}
	if err := CheckName("a b"); err == nil {
		t.Error("a name with a space passed")
	}
}
