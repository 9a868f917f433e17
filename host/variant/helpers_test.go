package variant

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/registry"
)

// familyJSON is the real family.json of the modular-addition family.
const familyJSON = "../../model_families/modulo_addition_1layer/family.json"

// loadFamily loads a family.json from a temporary family folder holding a
// stand-in executable: the registry insists the plugin command exists, and
// these tests use the family in-process.
func loadFamily(t *testing.T, src string) *registry.FamilyManifest {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return parseFamily(t, data)
}

func parseFamily(t *testing.T, data []byte) *registry.FamilyManifest {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "modulo_addition_1layer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modulo_addition_1layer"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "family.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := registry.LoadFamily(file)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func lockfileAcquire(path string) (*lockfile.Lock, error) {
	return lockfile.Acquire(path, "test holder")
}

func nanotime() int64 { return time.Now().UnixNano() }
