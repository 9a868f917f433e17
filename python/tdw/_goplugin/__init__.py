"""go-plugin's own services, which every plugin serves beside its own.

The host (a hashicorp/go-plugin client) dials them on the plugin's socket:
``plugin.GRPCBroker`` (extra connections, here the host's callback service),
``plugin.GRPCController`` (shutdown), ``plugin.GRPCStdio`` (stdout/stderr
mirroring) and ``grpc.health.v1.Health`` (``Check("plugin")``). The .proto
files are in python/proto/tdw/_goplugin (copied from go-plugin v1.8.0's
internal/plugin, MPL-2.0, and the standard health service's Check call).

The *_pb2.py and *_pb2_grpc.py files here are generated and committed; do not
edit them. Regenerate them from the repository root with ``make proto-python``::

    protoc -I python/proto --python_out=python --grpc_python_out=python \\
      --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) python/proto/tdw/_goplugin/*.proto
"""
