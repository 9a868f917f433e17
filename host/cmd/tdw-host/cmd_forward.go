package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o forwardFlags
		cmd := &cobra.Command{
			Use:   "forward --checkpoint FILE --config CONFIG.json --tokens TOKENS.npy --out CACHE.npz",
			Short: "Run one forward pass and write the logits and activation cache to an .npz",
			Long: `Run the model of a checkpoint over a token matrix and write its logits (key
"logits") and the kept hooks under their TransformerLens names into an .npz that
numpy.load reads: the engine's output, for notebooks and for checking it against
TransformerLens.

--checkpoint is a .safetensors state dict (TransformerLens names; buffers such as
blocks.L.attn.mask are ignored; F16, BF16 and F64 tensors are converted).
--config is a TransformerLens config as JSON (an attn_only model may give d_mlp
as 0 or null). --tokens is an integer .npy of shape [batch, pos], pos <= n_ctx.
--hooks keeps the hooks matching comma-separated globs ("*" also matches dots,
e.g. blocks.*.mlp.hook_post); by default every hook is kept. --positions last
keeps only the last position (that axis removed; the last query row of attention
patterns), all keeps TransformerLens' shapes.`,
			Example: `  tdw-host forward --checkpoint results/f/v/checkpoints/checkpoint_epoch_01000.safetensors \
    --config results/f/v/config.json --tokens tokens.npy --out cache.npz --hooks 'blocks.*.mlp.hook_post' --positions last`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, _ []string) error { return a.forward(o) }),
		}
		f := cmd.Flags()
		f.StringVar(&o.checkpoint, "checkpoint", "", "checkpoint .safetensors file (required)")
		f.StringVar(&o.config, "config", "", "TransformerLens config JSON (required)")
		f.StringVar(&o.tokens, "tokens", "", "integer [batch, pos] .npy (required)")
		f.StringVar(&o.out, "out", "", "output .npz (required)")
		f.StringVar(&o.hooks, "hooks", "", "comma-separated hook globs to keep (default: every hook)")
		f.StringVar(&o.positions, "positions", "all", "all or last")
		f.IntVar(&o.batch, "batch", 0, "sequences per pass (default: the engine's)")
		for _, req := range []string{"checkpoint", "config", "tokens", "out"} {
			_ = cmd.MarkFlagRequired(req)
		}
		return cmd
	})
}

type forwardFlags struct {
	checkpoint, config, tokens, out, hooks, positions string
	batch                                             int
}

func (a *app) forward(o forwardFlags) error {
	pos, err := model.ParsePositions(o.positions)
	if err != nil {
		return usageErrorf("--positions: %v", err)
	}
	if o.batch < 0 {
		return usageErrorf("--batch %d: want a positive number", o.batch)
	}
	cfg, err := model.LoadConfig(o.config)
	if err != nil {
		return err
	}
	ck, err := checkpoint.ReadFloat32(o.checkpoint)
	if err != nil {
		return err
	}
	m, err := model.FromStateDict(cfg, ck.Tensors)
	if err != nil {
		return fmt.Errorf("%s: %w", o.checkpoint, err)
	}
	tok, err := artifact.ReadNPY(o.tokens)
	if err != nil {
		return err
	}
	tok, err = asInt64(tok)
	if err != nil {
		return fmt.Errorf("%s: %w", o.tokens, err)
	}
	c, err := m.Forward(tok, model.ForwardOptions{Hooks: model.ParseHookRequests(o.hooks, pos), Logits: pos, BatchSize: o.batch})
	if err != nil {
		return fmt.Errorf("forward %s over %s: %w", o.checkpoint, o.tokens, err)
	}
	w, err := artifact.CreateNPZ(o.out, artifact.WriteOptions{})
	if err != nil {
		return err
	}
	defer w.Abort()
	if err := w.Add("logits", c.Logits); err != nil {
		return err
	}
	names := make([]string, 0, len(c.Hooks))
	for n := range c.Hooks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := w.Add(n, c.Hooks[n]); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "wrote %s: logits %s and %d hooks\n", o.out, c.Logits.ShapeString(), len(names))
	return nil
}

// asInt64 accepts any integer token array.
func asInt64(t *sdk.Tensor) (*sdk.Tensor, error) {
	switch t.DType() {
	case sdk.Int64:
		return t, nil
	case sdk.Int32, sdk.Uint8:
		v := t.AsFloat64()
		out := make([]int64, len(v))
		for i, x := range v {
			out[i] = int64(x)
		}
		return sdk.FromInt64(out, t.Shape()...), nil
	}
	return nil, fmt.Errorf("tokens are %s; want an integer array", t.DType())
}
