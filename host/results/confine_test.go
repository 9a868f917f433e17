package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/host/registry"
)

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestWithin(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "fam", "in"), 0o755)
	symlink(t, outside, filepath.Join(root, "fam", "out"))
	symlink(t, filepath.Join(root, "fam", "in"), filepath.Join(root, "fam", "alias"))
	for _, tc := range []struct {
		p      string
		escape bool
	}{
		{root, false},
		{filepath.Join(root, "fam", "in", "x.npz"), false},
		{filepath.Join(root, "fam", "alias", "x.npz"), false}, // a link that stays inside
		{filepath.Join(root, "..", "elsewhere"), true},
		{filepath.Join(root, "fam", "out"), true},
		{filepath.Join(root, "fam", "out", "not", "there", "yet.npz"), true}, // below a link out
	} {
		err := within(root, tc.p)
		if got := errors.Is(err, ErrEscape); got != tc.escape {
			t.Errorf("within(%s): %v, want escape %v", tc.p, err, tc.escape)
		}
	}
	// The results folder may itself be a link.
	link := filepath.Join(t.TempDir(), "results-link")
	symlink(t, root, link)
	if err := within(link, filepath.Join(link, "fam", "in", "x.npz")); err != nil {
		t.Errorf("results folder behind a link: %v", err)
	}
}

// TestSymlinkedArtifactRefused is the dashboard's known bug, fixed here:
// an epoch, summary or cross-epoch file that is a link out of results/ is
// refused by every read, whichever reader asks.
func TestSymlinkedArtifactRefused(t *testing.T) {
	a := newAnalyzed(t)
	rd := a.reader(t)
	outside := t.TempDir()
	for _, p := range []string{a.art.EpochPath("per", 0), a.art.SummaryPath("per"), a.art.CrossPath("across")} {
		moved := filepath.Join(outside, filepath.Base(p))
		if err := os.Rename(p, moved); err != nil {
			t.Fatal(err)
		}
		symlink(t, moved, p)
	}
	reads := map[string]func() error{
		"OpenEpoch":  func() error { _, err := rd.OpenEpoch("per", 0); return err },
		"EpochEntry": func() error { _, err := rd.EpochEntry("per", 0, "x"); return err },
		"Load":       func() error { _, err := rd.Load("per"); return err },
		"Summary":    func() error { _, err := rd.Summary("per"); return err },
		"Series":     func() error { _, _, err := rd.Series("per", "s", []int{0}); return err },
		"CrossEpoch": func() error { _, err := rd.CrossEpoch("across"); return err },
	}
	for name, read := range reads {
		if err := read(); !errors.Is(err, ErrEscape) {
			t.Errorf("%s through a link out of results/: %v, want an ErrEscape", name, err)
		}
	}
	if a.art.EpochOnDisk("per", 0) || a.art.CrossOnDisk("across") {
		t.Error("a link out of results/ counts as on disk")
	}
	// Epoch 10 is untouched and still reads.
	if _, err := rd.EpochEntry("per", 10, "x"); err != nil {
		t.Errorf("epoch 10: %v", err)
	}
}

func TestSymlinkedAnalysisFolderRefused(t *testing.T) {
	a := newAnalyzed(t)
	moved := filepath.Join(t.TempDir(), "analysis")
	if err := os.Rename(a.art.Dir(), moved); err != nil {
		t.Fatal(err)
	}
	symlink(t, moved, a.art.Dir())
	if _, err := a.art.Reader(); !errors.Is(err, ErrEscape) {
		t.Errorf("manifest behind a link out of results/: %v", err)
	}
}

func TestTree(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	newVariant(t, root, "fam", "fam_a1")
	tree, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := tree.MetadataInfo("fam", "fam_a1"); err != nil || fi.Size() == 0 {
		t.Errorf("MetadataInfo: %v, %v", fi, err)
	}
	if v, err := tree.Variant("fam", "fam_a1"); err != nil || v.Name != "fam_a1" {
		t.Errorf("Variant: %v, %v", v, err)
	}
	if _, err := tree.Variant("fam", "fam_a2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing variant: %v", err)
	}
	if _, err := tree.Variant("..", "x"); !errors.Is(err, ErrEscape) {
		t.Errorf("variant ../x: %v", err)
	}
	// A variant folder that is a link out of results/.
	elsewhere := t.TempDir()
	newVariant(t, elsewhere, "fam", "fam_a3")
	symlink(t, filepath.Join(elsewhere, "fam", "fam_a3"), filepath.Join(root, "fam", "fam_a3"))
	if _, err := tree.Variant("fam", "fam_a3"); !errors.Is(err, ErrEscape) {
		t.Errorf("variant linked out of results/: %v", err)
	}
	// A family folder that is a link out of results/.
	symlink(t, filepath.Join(elsewhere, "fam"), filepath.Join(root, "fam2"))
	vs, errs := tree.Variants(&registry.FamilyManifest{Name: "fam2"})
	if len(vs) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrEscape) {
		t.Errorf("family linked out of results/: %v, %v", vs, errs)
	}
	if _, err := Open(filepath.Join(root, "fam", "fam_a1", "metadata.json")); err == nil {
		t.Error("Open of a file: no error")
	}
	if got := tree.JobsJournal(); got != filepath.Join(tree.Root(), ".tdw", "jobs.json") {
		t.Errorf("JobsJournal = %s", got)
	}
}
