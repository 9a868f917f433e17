"""The plugin side of the Analyzer service: it serves an author's analyzer
object (docs/protocol.md, "Services")."""

import logging
import threading
import traceback

import grpc
import numpy as np

from tdw.v1 import analyzer_pb2, analyzer_pb2_grpc, tensor_pb2

from . import _frames
from ._host import Broker, HostClient
from ._shm import Mappings
from ._types import CROSS_EPOCH, PER_CHECKPOINT, Checkpoint, ModelConfig, Result, Run, Stacked

PROTOCOL_VERSION = 1

log = logging.getLogger("tdw.plugin")


def describe(impl):
    """(name, version, kind) of an analyzer object, or ValueError saying what it lacks."""
    name, version = getattr(impl, "name", ""), getattr(impl, "version", "")
    kind = getattr(impl, "kind", "")
    if kind == PER_CHECKPOINT and not callable(getattr(impl, "analyze", None)):
        raise ValueError(f"analyzer {name!r} is per-checkpoint but has no analyze method")
    if kind == CROSS_EPOCH and not callable(getattr(impl, "analyze_across", None)):
        raise ValueError(f"analyzer {name!r} is cross-epoch but has no analyze_across method")
    if kind not in (PER_CHECKPOINT, CROSS_EPOCH):
        raise ValueError(f"analyzer {name!r}: kind {kind!r} is not {PER_CHECKPOINT!r} or {CROSS_EPOCH!r}")
    if not name or not version:
        raise ValueError(f"analyzer {type(impl).__name__} needs a name and a version (as in its analyzer.json)")
    return name, version, kind


def params_from_proto(p):
    out = {}
    for k, v in p.values.items():
        kind = v.WhichOneof("kind")
        if kind is None:
            raise _frames.MalformedStream(f"parameter {k!r} has no value")
        out[k] = getattr(v, kind)
    return out


def model_from_proto(m):
    return ModelConfig(n_layers=m.n_layers, d_model=m.d_model, n_heads=m.n_heads, d_head=m.d_head, d_mlp=m.d_mlp,
                       d_vocab=m.d_vocab, d_vocab_out=m.d_vocab_out, n_ctx=m.n_ctx, act_fn=m.act_fn,
                       normalization_type=m.normalization_type, attn_only=m.attn_only,
                       initializer_range=m.initializer_range, seed=m.seed,
                       architecture=m.architecture, input_encoding=m.input_encoding, d_embed=m.d_embed)


class _Abort(Exception):
    """Ends a call with a gRPC status."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def _read(method, frames, resolve, other=None):
    """Assembles the tensor frames of a request stream; ``other(msg)`` takes
    the messages that are not tensors. A malformed stream is INVALID_ARGUMENT."""
    asm = _frames.Assembler(resolve)
    try:
        for msg in frames:
            if other is not None and other(msg):
                continue
            asm.add(msg.tensor)
        return asm.finish()
    except _frames.MalformedStream as e:
        raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"{method}: {e}") from None


def _grouped(method, tensors, allowed, copy=False):
    try:
        return _frames.group_tensors(tensors, allowed, copy=copy)
    except _frames.MalformedStream as e:
        raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"{method}: {e}") from None


def _result_frames(method, res):
    """The reply frames of an analyze result (Result, dict of arrays or None)."""
    if res is None:
        res = Result()
    elif isinstance(res, dict):
        res = Result(arrays=res)
    elif not isinstance(res, Result):
        raise _Abort(grpc.StatusCode.UNKNOWN, f"{method}: returned {type(res).__name__}, want a Result or a dict of arrays")
    out = []
    try:
        for group, arrays in (("arrays", res.arrays), ("summary", res.summary)):
            for f in _frames.group_frames(group, arrays or {}):
                out.append(f)
    except ValueError as e:
        raise _Abort(grpc.StatusCode.UNKNOWN, f"{method}: {e}") from None
    return out


class AnalyzerServicer(analyzer_pb2_grpc.AnalyzerServicer):
    """Serves one analyzer object. Its methods run one at a time: a call the
    host abandoned may still be running when the next one arrives."""

    def __init__(self, impl, broker=None):
        self.impl = impl
        self.name, self.version, self.kind = describe(impl)
        self.broker = broker or Broker()
        self.maps = Mappings()
        self._calls = threading.Lock()
        self._host = None

    # --- helpers -------------------------------------------------------

    def _guard(self, method, context, f):
        """Runs f (the author's code) under the call lock, turning an
        exception into an UNKNOWN status whose message names the method; the
        traceback goes to the log (stderr)."""
        with self._calls:
            try:
                return f()
            except _Abort:
                raise
            except Exception as e:  # the author's error, reported to the host
                log.error(f"{method} failed", extra={"traceback": traceback.format_exc()})
                raise _Abort(grpc.StatusCode.UNKNOWN, f"{method}: {type(e).__name__}: {e}") from None

    def _serve(self, context, f):
        """Runs a call, ending it with the status of an _Abort."""
        try:
            return f()
        except _Abort as a:
            context.abort(a.code, a.message)

    def _run(self, ri, context_tensors):
        self._close_host()
        try:
            params, settings = params_from_proto(ri.params), params_from_proto(ri.settings)
        except _frames.MalformedStream as e:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"run params: {e}") from None
        run = Run(family=ri.family, variant=ri.variant, probe=ri.probe, params=params, settings=settings,
                  model=model_from_proto(ri.model), epochs=list(ri.epochs), context=context_tensors)
        if ri.host_broker_id:
            try:
                self._host = HostClient(self.broker.dial(ri.host_broker_id))
            except ConnectionError as e:
                raise _Abort(grpc.StatusCode.UNAVAILABLE, str(e)) from None
            run.host = self._host
        return run

    def _close_host(self):
        if self._host is not None:
            self._host.close()
            self._host = None

    def _lacks(self, method):
        return _Abort(grpc.StatusCode.UNIMPLEMENTED, f"analyzer {self.name} is {self.kind}: it has no {method}")

    # --- the service ---------------------------------------------------

    def Describe(self, request, context):
        return analyzer_pb2.AnalyzerDescription(name=self.name, version=self.version, kind=self.kind,
                                                protocol_version=PROTOCOL_VERSION)

    def AttachShared(self, request, context):
        try:
            self.maps.attach(request.region, request.path, request.size)
        except (OSError, ValueError) as e:
            log.warning("shared memory refused; the host streams instead", extra={"traceback": str(e)})
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(e))
        log.debug(f"attached shared-memory region {request.region} ({request.size} bytes)")
        return tensor_pb2.AttachSharedResponse()

    def ReleaseShared(self, request, context):
        self.maps.release(request.region)
        return tensor_pb2.ReleaseSharedResponse()

    def Begin(self, request_iterator, context):
        def call():
            if self.kind != PER_CHECKPOINT:
                raise self._lacks("Begin")
            first = next(request_iterator, None)
            if first is None or first.WhichOneof("kind") != "run":
                raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "Begin: first message is not the run")
            ts = _read("Begin", request_iterator, self.maps.resolve)
            # The run keeps its context, so shared views are copied.
            ctx = _grouped("Begin", ts, ["context"], copy=True)["context"]
            run = self._run(first.run, ctx)
            self._guard("Begin", context, lambda: self.impl.begin(run))
            return analyzer_pb2.BeginResponse()
        return self._serve(context, call)

    def Analyze(self, request_iterator, context):
        def call():
            if self.kind != PER_CHECKPOINT:
                raise self._lacks("Analyze")
            first = next(request_iterator, None)
            if first is None or first.WhichOneof("kind") != "checkpoint":
                raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "Analyze: first message is not the checkpoint")
            ts = _read("Analyze", request_iterator, self.maps.resolve)
            g = _grouped("Analyze", ts, ["hooks", "weights", "logits"])
            cp = Checkpoint(epoch=first.checkpoint.epoch, hooks=g["hooks"], weights=g["weights"],
                            logits=g["logits"].get("logits"))
            res = self._guard("Analyze", context, lambda: self.impl.analyze(cp))
            return _result_frames("Analyze", res)
        frames = self._serve(context, call)
        yield from frames or []

    def End(self, request, context):
        def call():
            if self.kind != PER_CHECKPOINT:
                raise self._lacks("End")
            try:
                end = getattr(self.impl, "end", None)
                if end is not None:
                    self._guard("End", context, end)
            finally:
                self._close_host()
            return analyzer_pb2.EndResponse()
        return self._serve(context, call)

    def AnalyzeAcross(self, request_iterator, context):
        def call():
            if self.kind != CROSS_EPOCH:
                raise self._lacks("AnalyzeAcross")
            first = next(request_iterator, None)
            if first is None or first.WhichOneof("kind") != "run":
                raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "AnalyzeAcross: first message is not the run")
            order, epochs = [], {}

            def stacked(msg):
                if msg.WhichOneof("kind") != "stacked":
                    return False
                src = msg.stacked.source
                if src in epochs:
                    raise _frames.MalformedStream(f"input {src!r} sent twice")
                epochs[src] = list(msg.stacked.epochs)
                order.append(src)
                return True

            ts = _read("AnalyzeAcross", request_iterator, self.maps.resolve, stacked)
            g = _grouped("AnalyzeAcross", ts, order)
            inputs = {src: Stacked(epochs[src], g[src]) for src in order}
            run = self._run(first.run, {})
            try:
                out = self._guard("AnalyzeAcross", context, lambda: self.impl.analyze_across(run, inputs))
            finally:
                self._close_host()
            if not isinstance(out, dict):
                raise _Abort(grpc.StatusCode.UNKNOWN, f"AnalyzeAcross: returned {type(out).__name__}, want a dict of arrays")
            return _result_frames("AnalyzeAcross", Result(arrays=out))
        frames = self._serve(context, call)
        yield from frames or []
