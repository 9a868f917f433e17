"""The host's callback service as a plugin reaches it: through go-plugin's
broker, which tells the plugin where the host serves each broker id."""

import threading

import grpc

from tdw.v1 import host_pb2, host_pb2_grpc

from . import _frames
from ._types import EvalResult, GradResult, Host

# Limits matching the host's (internal/rpc/options.go).
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 << 20),
    ("grpc.max_send_message_length", 64 << 20),
]


class Broker:
    """The plugin's side of go-plugin's GRPCBroker: the host streams ConnInfo
    messages (service id, network, address) on StartStream, and the plugin
    dials the address of the id a run names."""

    def __init__(self):
        self._cond = threading.Condition()
        self._infos = {}
        self._closed = False

    def StartStream(self, request_iterator, context):
        """Consumes the host's ConnInfo stream until the host hangs up; sends nothing."""
        try:
            for info in request_iterator:
                with self._cond:
                    self._infos[info.service_id] = info
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
        return
        yield  # a generator: the (empty) reply stream

    def dial(self, service_id, timeout=5.0):
        """A gRPC channel to the host's service ``service_id``, waiting up to
        ``timeout`` seconds for its address (go-plugin's own limit)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: service_id in self._infos or self._closed, timeout)
            info = self._infos.pop(service_id, None)
        if not ok or info is None:
            raise ConnectionError(f"dial host service: no address for broker id {service_id} within {timeout:g}s")
        if info.network == "unix":
            target = "unix:" + info.address
        elif info.network == "tcp":
            target = info.address
        else:
            raise ConnectionError(f"dial host service: unknown network {info.network!r}")
        return grpc.insecure_channel(target, options=CHANNEL_OPTIONS)


class HostClient(Host):
    """run.host: the Host service over a channel the broker dialed."""

    def __init__(self, channel):
        self.channel = channel
        self._stub = host_pb2_grpc.HostStub(channel)

    def evaluate(self, replace=None, split="all", return_logits=False):
        def frames():
            yield host_pb2.EvaluateFrame(info=host_pb2.EvaluateInfo(split=split, return_logits=return_logits))
            for f in _frames.group_frames("replace", replace or {}):
                yield host_pb2.EvaluateFrame(tensor=f)

        outcome, asm = None, _frames.Assembler()
        for reply in self._stub.Evaluate(frames()):
            if reply.WhichOneof("kind") == "outcome":
                outcome = reply.outcome
            else:
                asm.add(reply.tensor)
        if outcome is None:
            raise _frames.MalformedStream("host Evaluate reply holds no outcome")
        logits = _frames.group_tensors(asm.finish(), ["logits"], copy=True)["logits"].get("logits")
        return EvalResult(loss=outcome.loss, accuracy=outcome.accuracy, logits=logits)

    def forward(self, hooks, positions="all"):
        if isinstance(hooks, str):
            hooks = [hooks]
        asm = _frames.Assembler()
        for f in self._stub.Forward(host_pb2.ForwardRequest(hooks=list(hooks), positions=positions)):
            asm.add(f)
        return _frames.group_tensors(asm.finish(), ["hooks"], copy=True)["hooks"]

    def gradient(self, names=None, split="all"):
        if isinstance(names, str):
            names = [names]
        outcome, asm = None, _frames.Assembler()
        for reply in self._stub.Gradient(host_pb2.GradientRequest(names=list(names or []), split=split)):
            if reply.WhichOneof("kind") == "outcome":
                outcome = reply.outcome
            else:
                asm.add(reply.tensor)
        if outcome is None:
            raise _frames.MalformedStream("host Gradient reply holds no outcome")
        grads = _frames.group_tensors(asm.finish(), ["gradients"], copy=True)["gradients"]
        return GradResult(loss=outcome.loss, grads=grads)

    def close(self):
        self.channel.close()
