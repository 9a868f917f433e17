package model

import (
	"fmt"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestForwardRejectsBadInput(t *testing.T) {
	m, err := New(tinyConfig(1, false, ActReLU, false))
	if err != nil {
		t.Fatal(err)
	}
	good := sdk.FromInt64([]int64{1, 2, 3, 0, 6, 5}, 2, 3)
	cases := []struct {
		tok  *sdk.Tensor
		opts ForwardOptions
		want string
	}{
		{sdk.FromInt64([]int64{1, 2, 7}, 1, 3), ForwardOptions{}, "token 7 at [0, 2]"},
		{sdk.FromInt64([]int64{1, -1}, 1, 2), ForwardOptions{}, "token -1 at [0, 1]"},
		{sdk.FromInt64([]int64{1, 2, 3, 4, 5}, 1, 5), ForwardOptions{}, "5 positions"},
		{sdk.FromInt64([]int64{1, 2, 3}, 3), ForwardOptions{}, "shape (3,)"},
		{sdk.FromFloat32([]float32{1, 2, 3}, 1, 3), ForwardOptions{}, "dtype float32"},
		{nil, ForwardOptions{}, "no tensor"},
		{good, ForwardOptions{Hooks: []HookRequest{{Pattern: "blocks.*.mlp.hook_nope"}}}, `"blocks.*.mlp.hook_nope" matches no hook`},
		{good, ForwardOptions{Hooks: []HookRequest{{Pattern: "blocks.[.x"}}}, `hook pattern "blocks.[.x"`},
		{good, ForwardOptions{Logits: Positions{Select: ListPositions, Indices: []int{0}}}, "positions [0]"},
	}
	for _, tc := range cases {
		if _, err := m.Forward(tc.tok, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestForwardSkipsUnneededCompute checks the plan: last-position requests
// run the last block's queries and tail at one row, and a hook kept at every
// position brings them back.
func TestForwardSkipsUnneededCompute(t *testing.T) {
	c := tinyConfig(2, true, ActGELU, false)
	cases := []struct {
		hooks       map[string]Positions
		logits      Positions
		qAll, tailA bool
	}{
		{nil, PosLast, false, false},
		{nil, PosAll, true, true},
		{map[string]Positions{"blocks.1.attn.hook_pattern": PosAll}, PosLast, true, false},
		{map[string]Positions{"blocks.1.hook_resid_pre": PosAll, "blocks.1.attn.hook_k": PosAll, "blocks.1.ln1.hook_scale": PosAll, "blocks.0.hook_resid_post": PosAll}, PosLast, false, false},
		{map[string]Positions{"blocks.1.mlp.hook_post": PosAll}, PosLast, true, true},
		{map[string]Positions{"ln_final.hook_scale": PosAll}, PosLast, true, true},
		{map[string]Positions{"blocks.1.mlp.hook_post": PosLast}, PosLast, false, false},
	}
	for i, tc := range cases {
		p := newPlan(c, tc.hooks, true, tc.logits)
		if p.qAll != tc.qAll || p.tailAll != tc.tailA {
			t.Errorf("case %d: qAll %v tailAll %v, want %v %v", i, p.qAll, p.tailAll, tc.qAll, tc.tailA)
		}
	}
}

func TestParseHookRequests(t *testing.T) {
	r := ParseHookRequests("", PosLast)
	if len(r) != 1 || r[0].Pattern != "*" || r[0].Positions.Select != LastPosition {
		t.Errorf("empty list: %+v", r)
	}
	r = ParseHookRequests("blocks.*.mlp.hook_post, hook_embed", PosAll)
	if len(r) != 2 || r[1].Pattern != "hook_embed" {
		t.Errorf("%+v", r)
	}
	if _, err := ParsePositions("first"); err == nil {
		t.Error("accepted positions \"first\"")
	}
}

// TestForwardIntoReuses checks that ForwardInto writes into the previous
// cache's tensors and gives the same values as Forward.
func TestForwardIntoReuses(t *testing.T) {
	c := tinyConfig(2, true, ActGELU, false)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	tok := sdk.FromInt64([]int64{1, 2, 3, 4, 0, 6, 5, 1}, 2, 4)
	opts := ForwardOptions{Hooks: []HookRequest{{Pattern: "blocks.*.mlp.hook_post", Positions: PosLast}}}
	a, err := m.Forward(tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	post := a.Hooks["blocks.1.mlp.hook_post"]
	want := post.Clone()
	clear(post.Float32s())
	b, err := m.ForwardInto(a, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	if b.Hooks["blocks.1.mlp.hook_post"] != post {
		t.Fatal("tensor not reused")
	}
	for i, v := range want.Float32s() {
		if post.Float32s()[i] != v {
			t.Fatalf("reused value %d differs", i)
		}
	}
	opts.Hooks = []HookRequest{{Pattern: "hook_embed"}}
	c2, err := m.ForwardInto(b, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(c2.Hooks) != 1 || c2.Hooks["hook_embed"] == nil {
		t.Fatalf("kept %d hooks", len(c2.Hooks))
	}
}

// TestForwardCausalAndShortSequences checks that a sequence shorter than
// n_ctx runs (W_pos[:n]) and that, attention being causal, its logits and
// hooks equal the first positions of a longer run.
func TestForwardCausalAndShortSequences(t *testing.T) {
	for _, c := range []sdk.ModelConfig{tinyConfig(2, true, ActGELUNew, false), tinyConfig(1, false, "", true)} {
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		long := sdk.FromInt64([]int64{1, 2, 3, 4, 6, 5, 0, 2}, 2, 4)
		short := sdk.FromInt64([]int64{1, 2, 6, 5}, 2, 2)
		opts := ForwardOptions{Hooks: []HookRequest{{Pattern: "blocks.*.hook_resid_post"}}}
		a, err := m.Forward(long, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Forward(short, opts)
		if err != nil {
			t.Fatal(err)
		}
		for name, bt := range map[string]*sdk.Tensor{"logits": b.Logits, "blocks.0.hook_resid_post": b.Hooks["blocks.0.hook_resid_post"]} {
			at := a.Logits
			if name != "logits" {
				at = a.Hooks[name]
			}
			w := at.Shape()[2]
			for s := 0; s < 2; s++ {
				for p := 0; p < 2; p++ {
					for j := 0; j < w; j++ {
						got, want := bt.Float32s()[(s*2+p)*w+j], at.Float32s()[(s*4+p)*w+j]
						if !scalar.EqualWithinAbsOrRel(float64(got), float64(want), 1e-6, 1e-5) {
							t.Fatalf("%s [%d,%d,%d]: short %v, long %v", name, s, p, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestForwardConcurrent runs forwards from several goroutines on one model
// (sharing or not the kept runner) and checks each against a serial run.
func TestForwardConcurrent(t *testing.T) {
	m, err := New(tinyConfig(2, true, ActGELU, false))
	if err != nil {
		t.Fatal(err)
	}
	tok := sdk.FromInt64([]int64{1, 2, 3, 4, 6, 5, 0, 2}, 2, 4)
	opts := ForwardOptions{Hooks: []HookRequest{{Pattern: "*", Positions: PosLast}}}
	want, err := m.Forward(tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				got, err := m.Forward(tok, opts)
				if err != nil {
					errs <- err
					return
				}
				for j, v := range want.Logits.Float32s() {
					if got.Logits.Float32s()[j] != v {
						errs <- fmt.Errorf("concurrent logits differ at %d", j)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
