"""tdw's plugin protocol (proto/tdw/v1) as generated Python code.

The *_pb2.py and *_pb2_grpc.py files here are generated and committed; do not
edit them. Regenerate them from the repository root with ``make proto-python``
(Debian's ``protoc`` from protobuf-compiler and ``grpc_python_plugin`` from
protobuf-compiler-grpc; this copy: libprotoc 3.21.12, grpc 1.51.1)::

    protoc -I proto --python_out=python --grpc_python_out=python \\
      --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) proto/tdw/v1/*.proto
"""
