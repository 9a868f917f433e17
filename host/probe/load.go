package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// Load returns the named probe of v, its tokens and labels read from its
// files after checking each against the sha256 probes.json records: a file
// that no longer matches (edited, replaced, truncated) is refused with an
// error naming it, never used. A probe v does not hold is an error wrapping
// fs.ErrNotExist.
func Load(v *variant.Variant, name string) (*sdk.Probe, *Record, error) {
	ix, err := ReadIndex(v)
	if err != nil {
		return nil, nil, err
	}
	rec, err := ix.Record(v, name)
	if err != nil {
		return nil, nil, err
	}
	tokens, err := readVerified(v, name, rec.Tokens)
	if err != nil {
		return nil, nil, err
	}
	p := &sdk.Probe{Name: name, Dataset: sdk.Dataset{Tokens: tokens}}
	if rec.Labels != nil {
		if p.Labels, err = readVerified(v, name, *rec.Labels); err != nil {
			return nil, nil, err
		}
	}
	if s := tokens.Shape(); tokens.DType() != sdk.Int64 || len(s) != 2 || s[0] != rec.Rows || s[1] != rec.NCtx {
		return nil, nil, fmt.Errorf("probe %s: %s is %v, probes.json records int64 [%d, %d]", name, filePath(v, rec.Tokens), tokens, rec.Rows, rec.NCtx)
	}
	if l := p.Labels; l != nil && (l.DType() != sdk.Int64 || l.Rank() != 1 || l.Shape()[0] != rec.Rows) {
		return nil, nil, fmt.Errorf("probe %s: %s is %v, want int64 [%d]", name, filePath(v, *rec.Labels), l, rec.Rows)
	}
	return p, rec, nil
}

// filePath is the path of a probe file record.
func filePath(v *variant.Variant, f FileRecord) string {
	return filepath.Join(v.ProbesDir(), filepath.FromSlash(f.File))
}

// readVerified reads one probe file after checking its sha256.
func readVerified(v *variant.Variant, name string, f FileRecord) (*sdk.Tensor, error) {
	path := filePath(v, f)
	if err := confined(v, path); err != nil {
		return nil, fmt.Errorf("probe %s: %w", name, err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", name, err)
	}
	if sum != f.SHA256 {
		return nil, fmt.Errorf("probe %s: %s has sha256 %s, but probes.json records %s: the file was changed after the probe was recorded, and tdw never uses a changed probe (restore the file, or record the new content under another name with tdw-host probe add)",
			name, path, sum[:12], f.SHA256[:12])
	}
	return artifact.ReadNPY(path)
}

// fileSHA256 returns the hex sha256 of a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
