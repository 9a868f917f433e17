"""Serving an analyzer as a go-plugin plugin: the magic-cookie check, a gRPC
server on a private Unix socket with go-plugin's own services beside tdw's,
and the one handshake line on stdout (docs/protocol.md, "Handshake")."""

import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from concurrent import futures
from datetime import datetime, timezone

import grpc

from tdw._goplugin import (grpc_broker_pb2_grpc, grpc_controller_pb2, grpc_controller_pb2_grpc,
                           grpc_stdio_pb2_grpc, health_pb2, health_pb2_grpc)
from tdw.v1 import analyzer_pb2_grpc

from ._host import CHANNEL_OPTIONS
from ._server import PROTOCOL_VERSION, AnalyzerServicer

# The go-plugin handshake tdw's host and plugins agree on (internal/rpc/protocol.go).
MAGIC_COOKIE_KEY = "TDW_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "5f1c0e0a-tdw-training-dynamics-workbench"
CORE_PROTOCOL_VERSION = 1

SERVER_OPTIONS = CHANNEL_OPTIONS


class _Health(health_pb2_grpc.HealthServicer):
    def Check(self, request, context):
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


class _Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    def __init__(self, stop):
        self._stop = stop

    def Shutdown(self, request, context):
        # Stop after answering, so the host sees the reply.
        threading.Timer(0.05, self._stop).start()
        return grpc_controller_pb2.Empty()


class _Stdio(grpc_stdio_pb2_grpc.GRPCStdioServicer):
    """Holds the host's stdio stream open and sends nothing: a Python
    plugin's output goes to stderr directly (the host logs it), and stdout
    carries only the handshake."""

    def __init__(self, stopped):
        self._stopped = stopped

    def StreamStdio(self, request, context):
        while not self._stopped.wait(1.0) and context.is_active():
            pass
        return
        yield


class _HclogJSON(logging.Formatter):
    """One JSON object per line, as hclog writes them, so the host re-logs
    each record at its level under the plugin's name."""

    LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn", logging.ERROR: "error",
              logging.CRITICAL: "error"}

    def format(self, record):
        entry = {"@level": self.LEVELS.get(record.levelno, "info"), "@message": record.getMessage(),
                 "@module": record.name,
                 "@timestamp": datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        tb = getattr(record, "traceback", None)
        if tb:
            entry["traceback"] = tb
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _setup_logging():
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(_HclogJSON())
    root = logging.getLogger()
    root.handlers[:] = [h]
    # go-plugin re-logs each line at its level; the host's own level filters.
    root.setLevel(logging.DEBUG)


def _check_environment(name):
    """Refuses to run outside a host: without the magic cookie, or when the
    host speaks no protocol version this plugin does."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(f"{name} is a tdw analyzer plugin: tdw-host runs it (tdw-host analyze), "
                         "it does nothing when run by hand\n")
        sys.exit(1)
    versions = os.environ.get("PLUGIN_PROTOCOL_VERSIONS")
    if versions and str(PROTOCOL_VERSION) not in versions.split(","):
        sys.stderr.write(f"{name}: the host speaks protocol versions {versions}; this plugin speaks {PROTOCOL_VERSION}\n")
        sys.exit(1)


def build_server(servicer, socket_path, stop_event):
    """A started gRPC server on ``socket_path`` serving ``servicer`` and
    go-plugin's services; stop_event is set when the host shuts it down."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=SERVER_OPTIONS)

    def stop():
        server.stop(grace=1)
        stop_event.set()

    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    grpc_broker_pb2_grpc.add_GRPCBrokerServicer_to_server(servicer.broker, server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(_Controller(stop), server)
    grpc_stdio_pb2_grpc.add_GRPCStdioServicer_to_server(_Stdio(stop_event), server)
    health_pb2_grpc.add_HealthServicer_to_server(_Health(), server)
    if server.add_insecure_port("unix:" + socket_path) == 0:
        raise OSError(f"cannot listen on unix socket {socket_path}")
    server.start()
    return server


def _serve(impl):
    _check_environment(getattr(impl, "name", "") or type(impl).__name__)
    _setup_logging()
    # Stray prints would break the protocol: Python's stdout goes to stderr
    # from here on; the handshake uses the real stdout.
    out = sys.stdout
    sys.stdout = sys.stderr
    # Ctrl-C reaches the whole process group; the host decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        servicer = AnalyzerServicer(impl)
    except ValueError as e:
        sys.stderr.write(f"{e}\n")
        sys.exit(1)
    sock_dir = tempfile.mkdtemp(prefix="tdw-plugin-", dir=os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or None)
    path = os.path.join(sock_dir, "plugin.sock")
    stopped = threading.Event()
    try:
        server = build_server(servicer, path, stopped)
        out.write(f"{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{path}|grpc\n")
        out.flush()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        stopped.wait()
        server.stop(grace=1).wait(2)
    finally:
        shutil.rmtree(sock_dir, ignore_errors=True)


def serve_analyzer(analyzer):
    """Serves a per-checkpoint analyzer (an object with name, version,
    kind = "per-checkpoint", begin, analyze and end; see tdw.plugin.Analyzer)
    to the host until the host closes it. Call it from the script that
    analyzer.json's command runs. Run by hand, it says so and exits 1."""
    _serve(analyzer)


def serve_cross_epoch(analyzer):
    """Serves a cross-epoch analyzer (name, version, kind = "cross-epoch",
    analyze_across; see tdw.plugin.CrossEpochAnalyzer) like serve_analyzer."""
    _serve(analyzer)
