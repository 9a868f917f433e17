package registry

import (
	"fmt"
	"io"
	"os"
)

// maxManifestBytes bounds a manifest file: a real one is a few kilobytes, and
// a huge file (a mistake, or a binary named like a manifest) must not be read
// into memory whole.
const maxManifestBytes = 1 << 20

// readManifest reads a manifest file, refusing anything but a regular file
// of at most maxManifestBytes.
func readManifest(file string) ([]byte, error) {
	// A FIFO or device named like a manifest would block or never end.
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &ManifestError{File: file, Problems: []Problem{{Msg: "is not a regular file"}}}
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > maxManifestBytes {
		return nil, &ManifestError{File: file, Problems: []Problem{{Msg: fmt.Sprintf("file is over %d bytes; a manifest is a small JSON file", maxManifestBytes)}}}
	}
	return data, nil
}
