"""Running an analyzer in a test through the real protocol, in-process (the
Python side of sdk/sdktest).

    from tdw.plugin.testing import AnalyzerHarness

    with AnalyzerHarness(MyAnalyzer(), shared_memory=True) as h:
        h.begin(settings={"threshold": 0.9}, context={"fourier_basis": basis}, model=ModelConfig(n_layers=1))
        res = h.analyze(100, hooks={"blocks.0.mlp.hook_post": acts})
        h.end()

The harness plays the host: it serves the analyzer on a Unix socket with the
same gRPC server a plugin process uses, sends tensors as frames (or, with
``shared_memory``, through a shared-memory region the plugin attaches), and
serves ``host`` (an object with forward, evaluate and gradient) as the host callback
service through go-plugin's broker stream.
"""

import mmap
import os
import queue
import shutil
import tempfile
import threading
from concurrent import futures

import grpc
import numpy as np

from tdw._goplugin import grpc_broker_pb2, grpc_broker_pb2_grpc, health_pb2, health_pb2_grpc
from tdw.v1 import analyzer_pb2, analyzer_pb2_grpc, host_pb2, host_pb2_grpc, tensor_pb2

from . import _frames
from ._host import CHANNEL_OPTIONS
from ._serve import build_server
from ._server import PROTOCOL_VERSION, AnalyzerServicer
from ._types import ModelConfig, Result, Stacked

SHARED_THRESHOLD = 256 << 10  # the host's: smaller tensors are streamed


class PluginError(RuntimeError):
    """A call the analyzer answered with an error status."""

    def __init__(self, code, message):
        super().__init__(f"{code.name}: {message}")
        self.code, self.message = code, message


def _params(d):
    p = tensor_pb2.Params()
    for k, v in (d or {}).items():
        if isinstance(v, bool):
            p.values[k].bool = v
        elif isinstance(v, (int, np.integer)):
            p.values[k].int = int(v)
        elif isinstance(v, (float, np.floating)):
            p.values[k].float = float(v)
        elif isinstance(v, str):
            p.values[k].str = v
        else:
            raise TypeError(f"parameter {k!r} is {type(v).__name__}: only int, float, str and bool travel")
    return p


def _model(m):
    m = m or ModelConfig()
    return tensor_pb2.ModelConfig(**{k: getattr(m, k) for k in m.__dataclass_fields__})


class _HostServicer(host_pb2_grpc.HostServicer):
    """Serves a test's host object as the Host service."""

    def __init__(self, impl):
        self.impl = impl

    def Evaluate(self, request_iterator, context):
        first = next(request_iterator)
        asm = _frames.Assembler()
        for f in request_iterator:
            asm.add(f.tensor)
        replace = _frames.group_tensors(asm.finish(), ["replace"])["replace"]
        res = self.impl.evaluate(replace=replace, split=first.info.split, return_logits=first.info.return_logits)
        yield host_pb2.EvaluateReply(outcome=host_pb2.EvaluateOutcome(loss=res.loss, accuracy=res.accuracy))
        if first.info.return_logits and res.logits is not None:
            for f in _frames.tensor_frames("logits", "logits", res.logits):
                yield host_pb2.EvaluateReply(tensor=f)

    def Forward(self, request, context):
        yield from _frames.group_frames("hooks", self.impl.forward(list(request.hooks), request.positions))

    def Gradient(self, request, context):
        res = self.impl.gradient(names=list(request.names), split=request.split)
        yield host_pb2.GradientReply(outcome=host_pb2.GradientOutcome(loss=res.loss))
        for f in _frames.group_frames("gradients", res.grads):
            yield host_pb2.GradientReply(tensor=f)


class _Region:
    """A host-side shared-memory region: a file mapped read-write."""

    def __init__(self, size):
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        fd, self.path = tempfile.mkstemp(prefix="tdw-test-", dir=base)
        try:
            os.ftruncate(fd, size)
            self.map = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        self.size = size

    def close(self):
        self.map.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class AnalyzerHarness:
    """The host's side of one analyzer connection (see the module doc)."""

    def __init__(self, analyzer, shared_memory=False, host=None):
        self._dir = tempfile.mkdtemp(prefix="tdw-harness-")
        self._stopped = threading.Event()
        self._server = build_server(AnalyzerServicer(analyzer), os.path.join(self._dir, "plugin.sock"), self._stopped)
        self._channel = grpc.insecure_channel("unix:" + os.path.join(self._dir, "plugin.sock"), options=CHANNEL_OPTIONS)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self.shared_memory = shared_memory
        self.region_id = 0
        self._region = None
        self._host_server, self._broker_q, self._broker_call = None, None, None
        if host is not None:
            self._start_host(host)

    # --- setup ---------------------------------------------------------

    def _start_host(self, host):
        path = os.path.join(self._dir, "host.sock")
        self._host_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=CHANNEL_OPTIONS)
        host_pb2_grpc.add_HostServicer_to_server(_HostServicer(host), self._host_server)
        self._host_server.add_insecure_port("unix:" + path)
        self._host_server.start()
        self._broker_q = queue.Queue()
        broker = grpc_broker_pb2_grpc.GRPCBrokerStub(self._channel)
        self._broker_call = broker.StartStream(iter(self._broker_q.get, None))
        self._broker_q.put(grpc_broker_pb2.ConnInfo(service_id=7, network="unix", address=path))
        self.host_broker_id = 7

    def close(self):
        """Stops the analyzer's server and the host's."""
        if self._broker_q is not None:
            self._broker_q.put(None)
        if self._host_server is not None:
            self._host_server.stop(0)
        self._channel.close()
        self._server.stop(0)
        if self._region is not None:
            self._region.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- calls ---------------------------------------------------------

    def _call(self, f):
        try:
            return f()
        except grpc.RpcError as e:
            raise PluginError(e.code(), e.details()) from None

    def health(self):
        """The health status go-plugin's Ping sees (1 = SERVING)."""
        return health_pb2_grpc.HealthStub(self._channel).Check(health_pb2.HealthCheckRequest(service="plugin")).status

    def describe(self):
        """(name, version, kind) as the analyzer describes itself."""
        d = self._call(lambda: self.stub.Describe(analyzer_pb2.DescribeAnalyzerRequest(protocol_version=PROTOCOL_VERSION)))
        if d.protocol_version != PROTOCOL_VERSION:
            raise PluginError(grpc.StatusCode.FAILED_PRECONDITION, f"protocol version {d.protocol_version}")
        return d.name, d.version, d.kind

    def _run_info(self, family, variant, params, settings, model, epochs, probe=""):
        return analyzer_pb2.RunInfo(family=family, variant=variant, probe=probe, params=_params(params), settings=_params(settings),
                                    model=_model(model), epochs=list(epochs or []),
                                    host_broker_id=getattr(self, "host_broker_id", 0) if self._host_server else 0)

    def _tensor_frames(self, named):
        """Frames of [(group, name, array)]: large arrays by shared-memory
        reference when shared_memory is on, the rest streamed."""
        refs = self._share(named) if self.shared_memory else {}
        for group, name, a in named:
            yield from _frames.tensor_frames(group, name, a, refs.get((group, name)))

    def _share(self, named):
        big = [(g, n, np.ascontiguousarray(a)) for g, n, a in named if np.asarray(a).nbytes >= SHARED_THRESHOLD]
        if not big:
            return {}
        need = sum((a.nbytes + 63) & ~63 for _, _, a in big)
        if self._region is None or self._region.size < need:
            if self._region is not None:
                self._call(lambda: self.stub.ReleaseShared(tensor_pb2.ReleaseSharedRequest(region=self.region_id)))
                self._region.close()
            self._region = _Region(need)
            self.region_id += 1
            r = self._region
            self._call(lambda: self.stub.AttachShared(tensor_pb2.AttachSharedRequest(region=self.region_id, path=r.path, size=r.size)))
        refs, off = {}, 0
        for g, n, a in big:
            _frames.as_array(a, f"{g}/{n}")  # refuses what cannot travel before writing
            self._region.map[off:off + a.nbytes] = a.astype(a.dtype.newbyteorder("<")).tobytes()
            refs[(g, n)] = tensor_pb2.SharedRef(region=self.region_id, offset=off)
            off += (a.nbytes + 63) & ~63
        return refs

    def begin(self, settings=None, params=None, model=None, context=None, epochs=None, family="", variant="", probe=""):
        """Begin with a run built from the arguments (context: {name: array})."""
        ri = self._run_info(family, variant, params, settings, model, epochs, probe)

        def frames():
            yield analyzer_pb2.BeginFrame(run=ri)
            for f in self._tensor_frames([("context", k, v) for k, v in sorted((context or {}).items())]):
                yield analyzer_pb2.BeginFrame(tensor=f)
        self._call(lambda: self.stub.Begin(frames()))

    def analyze(self, epoch, hooks=None, weights=None, logits=None):
        """Analyze one checkpoint; returns a Result of numpy arrays."""
        named = [("hooks", k, v) for k, v in sorted((hooks or {}).items())]
        named += [("weights", k, v) for k, v in sorted((weights or {}).items())]
        if logits is not None:
            named.append(("logits", "logits", logits))

        def frames():
            yield analyzer_pb2.AnalyzeFrame(checkpoint=analyzer_pb2.CheckpointInfo(epoch=epoch))
            for f in self._tensor_frames(named):
                yield analyzer_pb2.AnalyzeFrame(tensor=f)
        g = self._reply(lambda: self.stub.Analyze(frames()), ["arrays", "summary"])
        return Result(arrays=g["arrays"], summary=g["summary"])

    def end(self):
        self._call(lambda: self.stub.End(analyzer_pb2.EndRequest()))

    def analyze_across(self, inputs, settings=None, params=None, model=None, epochs=None, family="", variant="", probe=""):
        """AnalyzeAcross over ``inputs`` ({source: Stacked}); returns {name: array}."""
        ri = self._run_info(family, variant, params, settings, model, epochs, probe)

        def frames():
            yield analyzer_pb2.AcrossFrame(run=ri)
            for src in sorted(inputs):
                st = inputs[src]
                yield analyzer_pb2.AcrossFrame(stacked=analyzer_pb2.StackedInfo(source=src, epochs=[int(e) for e in st.epochs]))
                for f in self._tensor_frames([(src, k, v) for k, v in sorted(st.arrays.items())]):
                    yield analyzer_pb2.AcrossFrame(tensor=f)
        return self._reply(lambda: self.stub.AnalyzeAcross(frames()), ["arrays"])["arrays"]

    def _reply(self, call, groups):
        def collect():
            asm = _frames.Assembler()
            for f in call():
                asm.add(f)
            return _frames.group_tensors(asm.finish(), groups, copy=True)
        return self._call(collect)


__all__ = ["AnalyzerHarness", "PluginError", "ModelConfig", "Result", "Stacked"]
