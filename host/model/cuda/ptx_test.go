package cuda

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPTXMatchesKernels checks the committed PTX against the Go
// declarations: every kernel the engine launches is an entry of its module
// with exactly the declared parameter types, every entry is declared, and
// the PTX targets compute_80 (JIT-compiled by the driver for newer GPUs).
func TestPTXMatchesKernels(t *testing.T) {
	entries := map[string]map[string]Entry{}
	for _, k := range Kernels {
		if _, ok := entries[k.Module]; ok {
			continue
		}
		src, err := PTX(k.Module)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(src, "\n.target sm_80\n") || !strings.Contains(src, "\n.address_size 64\n") {
			t.Errorf("%s.ptx: want .target sm_80 and .address_size 64", k.Module)
		}
		entries[k.Module] = map[string]Entry{}
		for _, e := range Entries(src) {
			entries[k.Module][e.Name] = e
		}
	}
	declared := map[string]bool{}
	for _, k := range Kernels {
		declared[k.Module+"/"+k.Name] = true
		e, ok := entries[k.Module][k.Name]
		if !ok {
			t.Errorf("%s.ptx has no entry %s", k.Module, k.Name)
			continue
		}
		var want []string
		for _, a := range k.Params {
			want = append(want, a.PTXType())
		}
		if !slices.Equal(e.Params, want) {
			t.Errorf("%s: PTX parameters %v, Go declares %v", k.Name, e.Params, want)
		}
	}
	for mod, es := range entries {
		for name := range es {
			if !declared[mod+"/"+name] {
				t.Errorf("%s.ptx: entry %s is not declared in kernels.go", mod, name)
			}
		}
	}
}

// TestPTXUpToDate checks that every kernels/*.cu has its embedded PTX and
// no PTX lacks its source (git keeps no file times, so staleness itself is
// what TestPTXMatchesKernels and make ptx's byte-identical output catch),
// and that the PTX comes from the nvcc release make ptx uses.
func TestPTXUpToDate(t *testing.T) {
	cus, _ := filepath.Glob("kernels/*.cu")
	if len(cus) == 0 {
		t.Fatal("no kernels/*.cu")
	}
	var ptxs []string
	_ = fs.WalkDir(ptxFS, "kernels", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			ptxs = append(ptxs, strings.TrimSuffix(filepath.Base(p), ".ptx"))
		}
		return nil
	})
	for _, cu := range cus {
		base := strings.TrimSuffix(filepath.Base(cu), ".cu")
		if !slices.Contains(ptxs, base) {
			t.Errorf("%s has no embedded kernels/%s.ptx: run make ptx", cu, base)
			continue
		}
		src, _ := PTX(base)
		if !strings.Contains(src, "Cuda compilation tools, release 12.4") {
			t.Errorf("kernels/%s.ptx: not from the nvcc 12.4 that make ptx uses", base)
		}
	}
	if len(ptxs) != len(cus) {
		t.Errorf("%d PTX files for %d .cu files", len(ptxs), len(cus))
	}
	if _, err := os.Stat("kernels/common.cuh"); err != nil {
		t.Error(err)
	}
}

// TestEntriesParse checks the PTX entry parser on a hand-written header.
func TestEntriesParse(t *testing.T) {
	src := ".version 8.4\n.target sm_80\n\n.visible .entry k1(\n\t.param .u64 k1_param_0,\n\t.param .f32 k1_param_1\n)\n{\n}\n" +
		".visible .entry k2()\n{\n}\n.func helper(\n\t.param .u32 x\n)\n"
	es := Entries(src)
	if len(es) != 2 || es[0].Name != "k1" || !slices.Equal(es[0].Params, []string{".u64", ".f32"}) || es[1].Name != "k2" || len(es[1].Params) != 0 {
		t.Fatalf("entries %+v", es)
	}
}
