package probe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// save writes a probe's files (tokens int64 [rows, n_ctx], labels int64
// [rows] when not nil) into probes/{name}/, each atomically, fills rec's
// files, shape and hashes, and then records it in probes.json: a probe is
// recorded only once its files are complete. The caller holds the variant's
// lock and has checked name and content.
func save(v *variant.Variant, ix *Index, name string, rec *Record, p sdk.Dataset) error {
	dir := filepath.Join(v.ProbesDir(), name)
	if err := confined(v, dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	whole := sha256.New()
	write := func(file string, t *sdk.Tensor) (FileRecord, error) {
		var buf bytes.Buffer
		if err := artifact.EncodeNPY(&buf, t); err != nil {
			return FileRecord{}, fmt.Errorf("probe %s: %s: %w", name, file, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
			return FileRecord{}, err
		}
		whole.Write(buf.Bytes())
		sum := sha256.Sum256(buf.Bytes())
		return FileRecord{File: path.Join(name, file), SHA256: hex.EncodeToString(sum[:])}, nil
	}
	var err error
	if rec.Tokens, err = write(TokensFile, p.Tokens); err != nil {
		return err
	}
	rec.Labels = nil
	if p.Labels != nil {
		lr, err := write(LabelsFile, p.Labels)
		if err != nil {
			return err
		}
		rec.Labels = &lr
	} else if err := os.Remove(filepath.Join(dir, LabelsFile)); err != nil && !os.IsNotExist(err) {
		return err // a leftover of an unrecorded attempt must not pass for this probe's labels
	}
	rec.Rows, rec.NCtx = p.Tokens.Shape()[0], p.Tokens.Shape()[1]
	rec.SHA256 = hex.EncodeToString(whole.Sum(nil))
	rec.Created = time.Now().UTC().Format(time.RFC3339)
	ix.Probes[name] = rec
	return writeIndex(v, ix)
}
