package cuda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingLibrary wants one line naming the library the loader could not
// open, as `--backend cuda` reports it on a machine without a driver.
func TestMissingLibrary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "libcuda.so.1")
	_, p, err := detect(path)
	if err == nil || p != nil {
		t.Fatalf("detect(%s): %v, %v; want an error", path, p, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "No such file") || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line naming %s and the loader's answer", msg, path)
	}
}

// TestLibraryWithoutDriverSymbols loads a library that is not a CUDA
// driver (the C library): every entry point is checked at load.
func TestLibraryWithoutDriverSymbols(t *testing.T) {
	_, _, err := detect("libc.so.6")
	if err == nil || !strings.Contains(err.Error(), "no symbol cuInit") {
		t.Fatalf("detect(libc.so.6): %v, want a missing cuInit", err)
	}
}

// TestLibraryEnv checks that $TDW_CUDA_LIBRARY names the library.
func TestLibraryEnv(t *testing.T) {
	t.Setenv(LibraryEnv, "")
	if got := libraryPath(); got != DefaultLibrary {
		t.Errorf("default library %q, want %q", got, DefaultLibrary)
	}
	t.Setenv(LibraryEnv, " /opt/x/libcuda.so.1 ")
	if got := libraryPath(); got != "/opt/x/libcuda.so.1" {
		t.Errorf("library %q, want the variable's path", got)
	}
}

// TestDriverWithoutDevice runs against a real driver library on a machine
// without a GPU when TDW_TEST_NODEVICE_LIBCUDA names one (make test-cuda
// unpacks Debian's): the library loads, every entry point binds, the
// version answers, and cuInit's answer comes back by name.
func TestDriverWithoutDevice(t *testing.T) {
	path := os.Getenv("TDW_TEST_NODEVICE_LIBCUDA")
	if path == "" {
		t.Skip("TDW_TEST_NODEVICE_LIBCUDA names no driver library to test against")
	}
	_, p, err := detect(path)
	if p == nil || p.DriverVersion < 12000 {
		t.Fatalf("detect(%s): probe %+v, error %v; want the driver's version", path, p, err)
	}
	if err == nil || !strings.Contains(err.Error(), "cuInit: CUDA_ERROR_NO_DEVICE (100)") {
		t.Fatalf("detect(%s): %v, want cuInit's CUDA_ERROR_NO_DEVICE", path, err)
	}
	t.Logf("driver %s (%d): %v", p.DriverString(), p.DriverVersion, err)
}
