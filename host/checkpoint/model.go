package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tdw-workbench/tdw/sdk"
)

// FormatVersion is the version of the tdw checkpoint conventions (metadata
// keys, float32 weights) that Save writes; Load refuses newer versions.
const FormatVersion = 1

// Metadata keys of a tdw checkpoint. "format": "pt" is what PyTorch-side
// loaders (transformers, safetensors.torch) expect to find.
const (
	MetaFormat        = "format"             // always "pt"
	MetaFormatVersion = "tdw_format_version" // FormatVersion, decimal
	MetaTDWVersion    = "tdw_version"        // version of the tdw that wrote the file
	MetaEpoch         = "epoch"              // training epoch, decimal
	MetaConfig        = "config"             // model config JSON, TransformerLens keys
)

// Meta is what a tdw checkpoint records besides its tensors.
type Meta struct {
	// Epoch is the training epoch the weights are from; -1 when the file
	// does not say (e.g. a state dict saved from Python).
	Epoch int
	// Config is the model's config as a JSON object under TransformerLens
	// HookedTransformerConfig keys; nil when the file does not hold one.
	Config json.RawMessage
	// TDWVersion is the version of tdw that wrote the file; empty if unknown.
	TDWVersion string
	// FormatVersion is the tdw checkpoint format version; 0 when the file was
	// not written by tdw.
	FormatVersion int
}

// Checkpoint is a model's weights with their Meta.
type Checkpoint struct {
	Meta
	// Path is the file the checkpoint was read from.
	Path string
	// Tensors holds every tensor of the file; floating-point ones as float32.
	Tensors map[string]*sdk.Tensor
}

// ModelConfig decodes Config into an sdk.ModelConfig. It returns an error
// naming the file if Config is absent or malformed.
func (c *Checkpoint) ModelConfig() (sdk.ModelConfig, error) {
	var mc sdk.ModelConfig
	if c.Config == nil {
		return mc, formatErr(c.Path, "", "metadata holds no %q", MetaConfig)
	}
	if err := json.Unmarshal(c.Config, &mc); err != nil {
		return mc, formatErr(c.Path, "", "metadata %q: %v", MetaConfig, err)
	}
	return mc, nil
}

// Save writes a checkpoint to path atomically (see WriteFile). Every tensor
// must be float32, as tdw checkpoints are; m.Config must be a JSON object;
// m.FormatVersion is ignored and FormatVersion written.
func Save(path string, tensors map[string]*sdk.Tensor, m Meta) error {
	for name, t := range tensors {
		if t == nil || t.DType() != sdk.Float32 {
			return fmt.Errorf("checkpoint %s: tensor %q is %v, not float32", path, name, t)
		}
	}
	md, err := metaStrings(path, m)
	if err != nil {
		return err
	}
	return WriteFile(path, tensors, md)
}

func metaStrings(path string, m Meta) (map[string]string, error) {
	md := map[string]string{
		MetaFormat:        "pt",
		MetaFormatVersion: strconv.Itoa(FormatVersion),
		MetaEpoch:         strconv.Itoa(m.Epoch),
	}
	if m.Epoch < 0 {
		return nil, fmt.Errorf("checkpoint %s: negative epoch %d", path, m.Epoch)
	}
	if m.TDWVersion != "" {
		md[MetaTDWVersion] = m.TDWVersion
	}
	if m.Config != nil {
		var c bytes.Buffer
		if err := json.Compact(&c, m.Config); err != nil || c.Len() == 0 || c.Bytes()[0] != '{' {
			return nil, fmt.Errorf("checkpoint %s: config is not a JSON object", path)
		}
		md[MetaConfig] = c.String()
	}
	return md, nil
}

// Load reads a checkpoint with ReadFloat32 and decodes its metadata. A file
// without tdw metadata (a state dict saved from Python) loads with Epoch -1
// and no Config; malformed tdw metadata, or a format version newer than
// FormatVersion, is a *FormatError naming the file.
func Load(path string) (*Checkpoint, error) {
	f, err := ReadFloat32(path)
	if err != nil {
		return nil, err
	}
	m, err := parseMeta(path, f.Metadata)
	if err != nil {
		return nil, err
	}
	return &Checkpoint{Meta: m, Path: path, Tensors: f.Tensors}, nil
}

func parseMeta(path string, md map[string]string) (Meta, error) {
	m := Meta{Epoch: -1, TDWVersion: md[MetaTDWVersion]}
	if s, ok := md[MetaFormatVersion]; ok {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return m, formatErr(path, "", "metadata %q = %q is not a version number", MetaFormatVersion, s)
		}
		if v > FormatVersion {
			return m, formatErr(path, "", "checkpoint format version %d is newer than this tdw reads (%d)", v, FormatVersion)
		}
		m.FormatVersion = v
	}
	if s, ok := md[MetaEpoch]; ok {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return m, formatErr(path, "", "metadata %q = %q is not an epoch", MetaEpoch, s)
		}
		m.Epoch = v
	}
	if s, ok := md[MetaConfig]; ok {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return m, formatErr(path, "", "metadata %q is not a JSON object: %v", MetaConfig, err)
		}
		m.Config = json.RawMessage(s)
	}
	return m, nil
}
