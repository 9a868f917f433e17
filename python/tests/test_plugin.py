"""The analyzer SDK through the real protocol: frames, shared memory, the
host callbacks through go-plugin's broker, errors, and a plugin process's
handshake."""

import os
import subprocess
import sys
import textwrap
import unittest

import grpc
import numpy as np

from tdw.plugin import Analyzer, CrossEpochAnalyzer, EvalResult, GradResult, ModelConfig, Result, Stacked
from tdw.plugin.testing import AnalyzerHarness, PluginError


class RowStats(Analyzer):
    """Sums rows of every hook; remembers what it saw."""
    name, version = "row_stats", "0.2.0"

    def begin(self, run):
        self.run = run
        self.scale = run.settings["scale"]

    def analyze(self, cp):
        self.seen = cp
        out = {}
        for k, h in cp.hooks.items():
            out[k.replace(".", "_")] = (h.sum(axis=-1) * self.scale).astype(np.float32)
        writable = any(h.flags.writeable for h in cp.hooks.values())
        return Result(arrays=out, summary={"epoch": cp.epoch, "n": len(cp.hooks), "writable": writable,
                                           "w_sum": float(sum(w.sum() for w in cp.weights.values()))})

    def end(self):
        self.ended = True


class Failing(Analyzer):
    name, version = "failing", "1.0.0"

    def analyze(self, cp):
        if cp.epoch == 1:
            raise ValueError("bad epoch 1")
        if cp.epoch == 2:
            return {"x": np.zeros(3, dtype=np.complex64)}
        return {"x": np.arange(3)}


class CallsHost(Analyzer):
    name, version = "calls_host", "0.1.0"

    def begin(self, run):
        self.host = run.host

    def analyze(self, cp):
        f = self.host.forward(["blocks.0.hook_resid_post"], "last")
        e = self.host.evaluate(replace={"embed.W_E": np.ones((4, 2), np.float32)}, split="test", return_logits=True)
        g = self.host.gradient(["embed.W_E", "unembed.W_U"], split="train")
        return Result(arrays={"resid": f["blocks.0.hook_resid_post"], "logits": e.logits,
                              "grad_W_E": g.grads["embed.W_E"], "grad_W_U": g.grads["unembed.W_U"]},
                      summary={"loss": e.loss, "acc": e.accuracy, "grad_loss": g.loss, "n_grads": len(g.grads)})


class FakeHost:
    """A host whose answers are functions of the request, so the test sees
    that the request arrived whole."""

    def forward(self, hooks, positions):
        self.forward_args = (hooks, positions)
        return {h: np.full((5, 3), float(len(positions)), np.float32) for h in hooks}

    def evaluate(self, replace, split, return_logits):
        self.replaced = {k: v.copy() for k, v in replace.items()}
        return EvalResult(loss=float(replace["embed.W_E"].sum()), accuracy=0.5 if split == "test" else 0.0,
                          logits=np.arange(6, dtype=np.float32).reshape(2, 3) if return_logits else None)

    def gradient(self, names, split):
        self.gradient_args = (names, split)
        return GradResult(loss=float(len(split)),
                          grads={n: np.full((len(n), 2), i + 0.5, np.float32) for i, n in enumerate(names)})


class Trajectory(CrossEpochAnalyzer):
    name, version = "trajectory", "0.1.0"

    def analyze_across(self, run, inputs):
        st = inputs["row_stats"]
        return {"epochs": np.asarray(st.epochs), "total": st["x"].sum(axis=1), "p": np.float64(run.params["prime"])}


class HarnessTest(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)

    def check_row_stats(self, shared):
        a = RowStats()
        big = self.rng.standard_normal((300, 400)).astype(np.float32)  # 480 KB: shared when enabled
        small = self.rng.standard_normal((3, 4)).astype(np.float64)
        basis = self.rng.standard_normal((600, 120))
        with AnalyzerHarness(a, shared_memory=shared) as h:
            self.assertEqual(h.health(), 1)
            self.assertEqual(h.describe(), ("row_stats", "0.2.0", "per-checkpoint"))
            h.begin(settings={"scale": 2.0, "n": 3, "name": "x", "on": True}, params={"prime": 7},
                    model=ModelConfig(n_layers=1, d_mlp=400, act_fn="relu"), context={"basis": basis},
                    epochs=[0, 10], family="fam", variant="var", probe="train")
            self.assertEqual(a.run.settings, {"scale": 2.0, "n": 3, "name": "x", "on": True})
            self.assertIsInstance(a.run.settings["n"], int)
            self.assertEqual((a.run.family, a.run.variant, a.run.probe, a.run.epochs), ("fam", "var", "train", [0, 10]))
            self.assertEqual((a.run.model.d_mlp, a.run.model.act_fn), (400, "relu"))
            np.testing.assert_array_equal(a.run.context["basis"], basis)
            self.assertTrue(a.run.context["basis"].flags.writeable)
            self.assertIsNone(a.run.host)
            w = {"embed.W_E": np.ones((2, 2), np.float32), "unembed.W_U": np.full((2, 3), 2.0, np.float32)}
            res = h.analyze(10, hooks={"blocks.0.mlp.hook_post": big, "small": small}, weights=w)
            np.testing.assert_allclose(res.arrays["blocks_0_mlp_hook_post"], big.sum(axis=-1) * 2, rtol=1e-5)
            self.assertEqual(res.arrays["small"].dtype, np.float32)
            self.assertEqual(res.summary["epoch"].dtype, np.int64)
            self.assertEqual(res.summary["epoch"].shape, ())
            self.assertEqual(int(res.summary["epoch"]), 10)
            self.assertFalse(bool(res.summary["writable"]), "Analyze inputs must be read-only")
            self.assertEqual(float(res.summary["w_sum"]), 16.0)
            np.testing.assert_array_equal(a.seen.hooks["blocks.0.mlp.hook_post"], big)
            h.end()
            self.assertTrue(a.ended)

    def test_streamed(self):
        self.check_row_stats(shared=False)

    def test_shared_memory(self):
        self.check_row_stats(shared=True)

    def test_errors_name_the_call(self):
        with AnalyzerHarness(Failing()) as h:
            h.begin()  # Failing inherits begin: nothing to do
            with self.assertRaises(PluginError) as c:
                h.analyze(1)
            self.assertEqual(c.exception.code, grpc.StatusCode.UNKNOWN)
            self.assertIn("Analyze: ValueError: bad epoch 1", c.exception.message)
            with self.assertRaises(PluginError) as c:
                h.analyze(2)
            self.assertIn("complex64 does not travel", c.exception.message)
            # The analyzer stays usable after an error.
            self.assertEqual(list(h.analyze(3).arrays["x"]), [0, 1, 2])
            with self.assertRaises(PluginError) as c:
                h.analyze_across({})
            self.assertEqual(c.exception.code, grpc.StatusCode.UNIMPLEMENTED)

    def test_host_callbacks_through_the_broker(self):
        host = FakeHost()
        with AnalyzerHarness(CallsHost(), host=host) as h:
            h.begin()
            res = h.analyze(5)
        self.assertEqual(host.forward_args, (["blocks.0.hook_resid_post"], "last"))
        np.testing.assert_array_equal(res.arrays["resid"], np.full((5, 3), 4.0, np.float32))
        np.testing.assert_array_equal(res.arrays["logits"], np.arange(6, dtype=np.float32).reshape(2, 3))
        self.assertEqual(float(res.summary["loss"]), 8.0)
        self.assertEqual(float(res.summary["acc"]), 0.5)
        np.testing.assert_array_equal(host.replaced["embed.W_E"], np.ones((4, 2), np.float32))
        self.assertEqual(host.gradient_args, (["embed.W_E", "unembed.W_U"], "train"))
        self.assertEqual(float(res.summary["grad_loss"]), 5.0)
        self.assertEqual(int(res.summary["n_grads"]), 2)
        np.testing.assert_array_equal(res.arrays["grad_W_E"], np.full((9, 2), 0.5, np.float32))
        np.testing.assert_array_equal(res.arrays["grad_W_U"], np.full((11, 2), 1.5, np.float32))

    def test_cross_epoch(self):
        x = self.rng.standard_normal((3, 100_000)).astype(np.float32)  # 1.2 MB: several chunks
        for shared in (False, True):
            with AnalyzerHarness(Trajectory(), shared_memory=shared) as h:
                self.assertEqual(h.describe()[2], "cross-epoch")
                out = h.analyze_across({"row_stats": Stacked([0, 5, 9], {"x": x})}, params={"prime": 13})
            np.testing.assert_array_equal(out["epochs"], [0, 5, 9])
            np.testing.assert_allclose(out["total"], x.sum(axis=1), rtol=1e-5)
            self.assertEqual(float(out["p"]), 13.0)
            with AnalyzerHarness(Trajectory()) as h:
                with self.assertRaises(PluginError) as c:
                    h.begin()
                self.assertIn("cross-epoch: it has no Begin", c.exception.message)


SCRIPT = textwrap.dedent("""
    import numpy as np
    from tdw.plugin import Analyzer, serve_analyzer

    class Echo(Analyzer):
        name, version = "echo", "0.3.0"
        def analyze(self, cp):
            print("a stray print goes to stderr")
            return {"x": np.ones(2)}

    if __name__ == "__main__":
        serve_analyzer(Echo())
""")


class ProcessTest(unittest.TestCase):
    """A plugin script as the host runs it."""

    def setUp(self):
        import tempfile
        import tdw
        self.dir = tempfile.mkdtemp()
        # The script imports tdw as an installed analyzer would.
        self.env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(tdw.__file__)))
        self.script = os.path.join(self.dir, "echo.py")
        with open(self.script, "w") as f:
            f.write(SCRIPT)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.dir)

    def test_refuses_to_run_by_hand(self):
        env = {k: v for k, v in self.env.items() if k != "TDW_PLUGIN_MAGIC_COOKIE"}
        p = subprocess.run([sys.executable, self.script], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("tdw-host runs it", p.stderr)

    def test_handshake_and_calls(self):
        from tdw._goplugin import grpc_controller_pb2, grpc_controller_pb2_grpc
        from tdw.v1 import analyzer_pb2, analyzer_pb2_grpc
        env = dict(self.env, TDW_PLUGIN_MAGIC_COOKIE="5f1c0e0a-tdw-training-dynamics-workbench",
                   PLUGIN_PROTOCOL_VERSIONS="1")
        p = subprocess.Popen([sys.executable, self.script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            line = p.stdout.readline().strip()
            core, app, net, addr, proto = line.split("|")
            self.assertEqual((core, app, net, proto), ("1", "1", "unix", "grpc"))
            ch = grpc.insecure_channel("unix:" + addr)
            d = analyzer_pb2_grpc.AnalyzerStub(ch).Describe(analyzer_pb2.DescribeAnalyzerRequest(protocol_version=1))
            self.assertEqual((d.name, d.version, d.kind, d.protocol_version), ("echo", "0.3.0", "per-checkpoint", 1))
            stub = analyzer_pb2_grpc.AnalyzerStub(ch)
            stub.Begin(iter([analyzer_pb2.BeginFrame(run=analyzer_pb2.RunInfo())]))
            frames = list(stub.Analyze(iter([analyzer_pb2.AnalyzeFrame(checkpoint=analyzer_pb2.CheckpointInfo(epoch=1))])))
            self.assertEqual(frames[0].header.name, "x")
            grpc_controller_pb2_grpc.GRPCControllerStub(ch).Shutdown(grpc_controller_pb2.Empty())
            ch.close()
            self.assertEqual(p.wait(timeout=30), 0)
            self.assertEqual(p.stdout.read(), "", "nothing but the handshake on stdout")
            err = p.stderr.read()
            self.assertIn("a stray print goes to stderr", err)
            self.assertFalse(os.path.exists(addr), "socket left behind")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


if __name__ == "__main__":
    unittest.main()
