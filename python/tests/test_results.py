"""The notebook API on a results tree written here, file by file, as the
formats docs describe them (make test also reads a real run)."""

import hashlib
import json
import os
import shutil
import struct
import tempfile
import unittest

import numpy as np

import tdw
from tdw.forward import ForwardError


def write_safetensors(path, tensors, meta=None):
    """A safetensors writer: header, then each tensor's bytes in name order."""
    header, blobs, off = {}, [], 0
    codes = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<f2"): "F16", np.dtype("?"): "BOOL"}
    for name in sorted(tensors):
        a = np.asarray(tensors[name], order="C")  # ascontiguousarray would make a 0-d array 1-d
        header[name] = {"dtype": codes[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class ResultsTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.rng = np.random.default_rng(11)
        fam = os.path.join(self.root, "fam")
        self.vdir = os.path.join(fam, "fam_p7_seed1")
        os.makedirs(os.path.join(self.vdir, "checkpoints"))
        os.makedirs(os.path.join(fam, "fam_p7_seed2"))  # no metadata.json: not a variant
        os.makedirs(os.path.join(self.root, ".tdw"))
        self.weights = {}
        hashes = {}
        for e in (0, 10, 20):
            w = {"embed.W_E": self.rng.standard_normal((8, 4)).astype(np.float32),
                 "blocks.0.attn.IGNORE": np.array(-1e5, np.float32)}
            self.weights[e] = w
            p = os.path.join(self.vdir, "checkpoints", "checkpoint_epoch_%05d.safetensors" % e)
            write_safetensors(p, w, {"epoch": str(e)})
            hashes[e] = "sha%d" % e
        meta = {"params": {"prime": 7, "seed": 1, "train_fraction": 0.5}, "train_losses": [3.0, 2.0], "test_losses": [3.5, 3.0],
                "test_accuracies": [0.1, 0.2], "checkpoint_epochs": [0, 10, 20],
                "checkpoints": [{"epoch": e, "sha256": hashes[e]} for e in (0, 10, 20)]}
        json.dump(meta, open(os.path.join(self.vdir, "metadata.json"), "w"))
        json.dump({"n_layers": 1, "d_vocab": 8}, open(os.path.join(self.vdir, "config.json"), "w"))
        self.write_analysis(hashes)

    def write_analysis(self, hashes):
        an = os.path.join(self.vdir, "analysis")
        os.makedirs(os.path.join(an, "nfn"))
        os.makedirs(os.path.join(an, "traj"))
        epochs = {}
        self.norm = {}
        for e in (0, 10, 20):
            self.norm[e] = self.rng.random((3, 5)).astype(np.float32)
            np.savez(os.path.join(an, "nfn", "epoch_%05d.npz" % e), norm_matrix=self.norm[e], count=np.int64(e))
            # epoch 20 was computed from another checkpoint file: stale.
            epochs[str(e)] = {"file": "nfn/epoch_%05d.npz" % e, "checkpoint_sha256": hashes[e] if e != 20 else "old"}
        np.savez(os.path.join(an, "nfn", "summary.npz"), epochs=np.array([0, 10, 20]), count=np.array([0, 10, 20]))
        np.savez(os.path.join(an, "traj", "cross_epoch.npz"), epochs=np.array([0, 10, 20]), path=np.zeros((3, 2)))
        manifest = {"format_version": 1, "analyzers": {
            "nfn": {"version": "0.1.0", "kind": "per-checkpoint", "epochs": epochs, "errors": {"30": "boom"}},
            "traj": {"version": "0.2.0", "kind": "cross-epoch", "cross_epoch": {"file": "traj/cross_epoch.npz"}}}}
        json.dump(manifest, open(os.path.join(an, "manifest.json"), "w"))

    def tearDown(self):
        shutil.rmtree(self.root)

    def test_tree(self):
        r = tdw.open_results(self.root)
        self.assertEqual(r.families(), ["fam"])
        fam = tdw.load_family("fam", self.root)
        self.assertEqual([v.name for v in fam.variants()], ["fam_p7_seed1"])
        v = fam.get_variant(prime=7, train_fraction=0.5)
        self.assertEqual(v.name, "fam_p7_seed1")
        self.assertEqual(v.config["d_vocab"], 8)
        np.testing.assert_array_equal(v.train_losses, [3.0, 2.0])
        self.assertEqual(v.checkpoint_epochs, [0, 10, 20])
        with self.assertRaises(tdw.NotFound) as c:
            fam.get_variant(prime=11)
        self.assertIn("no variant with {'prime': 11}", str(c.exception))
        with self.assertRaises(tdw.NotFound):
            r.family("other")
        with self.assertRaises(tdw.NotFound):
            fam.variant("../fam")
        os.environ["TDW_RESULTS"] = self.root
        try:
            self.assertEqual(tdw.open_results().path, os.path.abspath(self.root))
        finally:
            del os.environ["TDW_RESULTS"]

    def test_checkpoints(self):
        v = tdw.load_family("fam", self.root).variant("fam_p7_seed1")
        w, meta = v.load_checkpoint(10, with_metadata=True)
        self.assertEqual(meta, {"epoch": "10"})
        np.testing.assert_array_equal(w["embed.W_E"], self.weights[10]["embed.W_E"])
        self.assertEqual(w["blocks.0.attn.IGNORE"].shape, ())
        self.assertFalse(w["embed.W_E"].flags.writeable)
        with self.assertRaises(tdw.NotFound) as c:
            v.load_checkpoint(5)
        self.assertIn("has [0, 10, 20]", str(c.exception))
        bad = os.path.join(self.root, "bad.safetensors")
        with open(bad, "wb") as f:
            f.write(struct.pack("<Q", 1000) + b"{}")
        with self.assertRaises(tdw.FormatError):
            tdw.load_safetensors(bad)
        try:
            import torch  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError) as c:
                v.state_dict(10)
            self.assertIn("needs torch", str(c.exception))
        else:
            sd = v.state_dict(10)
            np.testing.assert_array_equal(sd["embed.W_E"].numpy(), self.weights[10]["embed.W_E"])

    def test_artifacts(self):
        v = tdw.load_family("fam", self.root).variant("fam_p7_seed1")
        a = v.artifacts
        self.assertEqual(a.available(), ["nfn", "traj"])
        self.assertEqual(a.epochs("nfn"), [0, 10, 20])
        np.testing.assert_array_equal(a.load_epoch("nfn", 10)["norm_matrix"], self.norm[10])
        s = a.load("nfn", "norm_matrix")
        self.assertEqual(list(s.keys()), ["norm_matrix"])
        np.testing.assert_array_equal(s["norm_matrix"], np.stack([self.norm[e] for e in (0, 10, 20)]))
        self.assertEqual(list(a.load("nfn").keys()), ["count", "norm_matrix"])
        sm = a.summary("nfn")
        self.assertEqual(list(sm.epochs), [0, 10, 20])
        np.testing.assert_array_equal(sm["count"], [0, 10, 20])
        self.assertEqual(a.cross_epoch("traj", ["path"])["path"].shape, (3, 2))
        with self.assertRaises(tdw.ArtifactError) as c:
            a.load_epoch("nfn", 5)
        self.assertIn("no artifact for epoch 5", str(c.exception))
        with self.assertRaises(tdw.ArtifactError):
            a.load("nfn", "nope")
        with self.assertRaises(tdw.ArtifactError):
            a.load("other")
        st = v.artifact_status(os.path.join(self.root, "no-analyzers"))
        self.assertEqual(st["nfn"]["done"], [0, 10])
        self.assertEqual(st["nfn"]["stale"], [20])
        self.assertEqual(st["nfn"]["failed"], {30: "boom"})
        self.assertEqual(st["traj"]["cross"], "done")
        # A newer installed version makes every record stale.
        inst = os.path.join(self.root, "analyzers", "nfn")
        os.makedirs(inst)
        json.dump({"name": "nfn", "version": "0.2.0", "kind": "per-checkpoint"}, open(os.path.join(inst, "analyzer.json"), "w"))
        st = v.artifact_status(os.path.join(self.root, "analyzers"))
        self.assertEqual(st["nfn"]["stale"], [0, 10, 20])

    def test_probe_and_forward_errors(self):
        v = tdw.load_family("fam", self.root).variant("fam_p7_seed1")
        np.testing.assert_array_equal(v.make_probe([[1, 2], [6, 0]]), [[1, 2, 7], [6, 0, 7]])
        with self.assertRaises(ValueError):
            v.make_probe([[7, 0]])
        with self.assertRaises(ForwardError) as c:
            v.run_with_cache(10, v.make_probe([[1, 2]]), host=os.path.join(self.root, "no-such-tdw-host"))
        self.assertIn("tdw-host not found", str(c.exception))
        fake = os.path.join(self.root, "fake-host")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'tdw-host: --hooks: bad glob' >&2\nexit 2\n")
        os.chmod(fake, 0o755)
        with self.assertRaises(ForwardError) as c:
            v.run_with_cache(10, [[1, 2, 7]], host=fake)
        self.assertIn("bad glob", str(c.exception))
        with self.assertRaises(ValueError):
            v.run_with_cache(10, [[0.5, 1.0]], host=fake)


if __name__ == "__main__":
    unittest.main()


class ProbesTest(unittest.TestCase):
    """probes/probes.json and analysis/probes/NAME/, written here as
    docs/formats/probes.md describes them."""

    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.vdir = os.path.join(self.root, "fam", "fam_p7_seed1")
        os.makedirs(os.path.join(self.vdir, "checkpoints"))
        json.dump({"params": {"prime": 7}, "checkpoints": [{"epoch": 0, "sha256": "c0"}], "checkpoint_epochs": [0]},
                  open(os.path.join(self.vdir, "metadata.json"), "w"))
        self.tokens = {"full_grid": np.array([[a, b, 7] for a in range(7) for b in range(7)], np.int64),
                       "train": np.array([[1, 2, 7], [3, 4, 7]], np.int64)}
        self.records = {}
        for name, tok in self.tokens.items():
            self.records[name] = self.write_probe(name, tok, (tok[:, 0] + tok[:, 1]) % 7)
        self.write_index()
        # Analyses over each probe; the default's in analysis/ itself.
        for sub, name, rows in (("", "full_grid", 49), ("probes/train", "train", 2)):
            d = os.path.join(self.vdir, "analysis", sub, "it")
            os.makedirs(d)
            np.savez(os.path.join(d, "epoch_00000.npz"), correct=np.ones(rows, bool))
            man = {"format_version": 3, "probe": {"name": name, "sha256": self.records[name]["sha256"]},
                   "analyzers": {"it": {"version": "1.0.0", "kind": "per-checkpoint",
                                        "epochs": {"0": {"file": "it/epoch_00000.npz", "checkpoint_sha256": "c0"}}}}}
            json.dump(man, open(os.path.join(self.vdir, "analysis", sub, "manifest.json"), "w"))
        self.v = tdw.load_family("fam", self.root).variant("fam_p7_seed1")

    def write_probe(self, name, tokens, labels):
        d = os.path.join(self.vdir, "probes", name)
        os.makedirs(d, exist_ok=True)
        rec, whole = {"description": name, "source": "family", "rows": len(tokens), "n_ctx": 3}, b""
        for key, arr in (("tokens", tokens), ("labels", labels)):
            path = os.path.join(d, key + ".npy")
            np.save(path, arr)
            data = open(path, "rb").read()
            whole += data
            rec[key] = {"file": f"{name}/{key}.npy", "sha256": hashlib.sha256(data).hexdigest()}
        rec["sha256"] = hashlib.sha256(whole).hexdigest()
        return rec

    def write_index(self):
        json.dump({"format_version": 1, "default": "full_grid", "probes": self.records},
                  open(os.path.join(self.vdir, "probes", "probes.json"), "w"))

    def tearDown(self):
        shutil.rmtree(self.root)

    def test_probes_and_their_artifacts(self):
        v = self.v
        self.assertEqual(sorted(v.probes), ["full_grid", "train"])
        self.assertEqual(v.default_probe, "full_grid")
        tok, lab = v.probe("train")
        np.testing.assert_array_equal(tok, self.tokens["train"])
        np.testing.assert_array_equal(lab, [3, 0])
        self.assertEqual(v.artifacts.load_epoch("it", 0)["correct"].shape, (49,))
        for name in (None, "full_grid"):
            self.assertEqual(v.artifacts(probe=name).dir, os.path.join(self.vdir, "analysis"))
        tr = v.artifacts(probe="train")
        self.assertEqual((tr.probe, tr.dir), ("train", os.path.join(self.vdir, "analysis", "probes", "train")))
        self.assertEqual(tr.load_epoch("it", 0)["correct"].shape, (2,))
        self.assertEqual(tr.status([0])["it"]["done"], [0])
        with self.assertRaises(tdw.NotFound) as c:
            v.artifacts(probe="test")
        self.assertIn("has no probe 'test'", str(c.exception))
        with self.assertRaises(ValueError):
            v.artifacts(probe="../x")

    def test_changed_probe(self):
        # Recorded anew with other rows: the analyses over it are stale.
        self.records["train"] = self.write_probe("train", np.array([[5, 5, 7]], np.int64), np.array([3]))
        self.write_index()
        st = self.v.artifacts(probe="train").status([0])["it"]
        self.assertEqual((st["done"], st["stale"]), ([], [0]))
        self.assertEqual(self.v.artifacts.status([0])["it"]["done"], [0])
        # A file changed on disk is refused, naming it.
        np.save(os.path.join(self.vdir, "probes", "train", "tokens.npy"), np.array([[6, 6, 7]], np.int64))
        with self.assertRaises(tdw.ProbeError) as c:
            self.v.probe("train")
        self.assertIn(os.path.join("train", "tokens.npy") + " has sha256", str(c.exception))

    def test_variant_without_probes(self):
        shutil.rmtree(os.path.join(self.vdir, "probes"))
        self.assertEqual((self.v.probes, self.v.default_probe), ({}, ""))
        self.assertEqual(self.v.artifacts.status([0])["it"]["done"], [0])
        with self.assertRaises(tdw.NotFound):
            self.v.artifacts(probe="train")
