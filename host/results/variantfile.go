package results

import (
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/variant"
)

// VariantFile returns the path of a file in v's folder (a name such as
// variant_summary.json, not a path), refused with an ErrEscape error when
// it resolves outside the results folder v was opened in.
func VariantFile(v *variant.Variant, name string) (string, error) {
	root := filepath.Dir(filepath.Dir(v.Dir()))
	p := filepath.Join(v.Dir(), filepath.Base(name))
	if err := within(root, p); err != nil {
		return "", err
	}
	return p, nil
}
