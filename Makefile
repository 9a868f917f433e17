# tdw build. `make` builds the host and every plugin; `make test` runs the
# whole suite; `make run` builds and runs the main job on the embedded default.
GO ?= go

# OpenBLAS through cgo (gonum netlib) when the library is installed; the pure-Go
# BLAS fallback builds and passes the same tests without it.
OPENBLAS := $(shell ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so' && echo yes)
ifeq ($(OPENBLAS),yes)
TAGS := openblas
export CGO_LDFLAGS := $(CGO_LDFLAGS) -lopenblas
endif
TAGFLAG := $(if $(TAGS),-tags $(TAGS))

ANALYZER_PLUGINS := $(notdir $(wildcard plugins/analyzers/*))
FAMILY_PLUGINS := $(notdir $(wildcard plugins/families/*))

.PHONY: all build host plugins test test-slow bench run proto proto-python clean
all: build

build: host plugins

# The version tdw-host reports and records in metadata.json and checkpoints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

host:
	$(GO) build $(TAGFLAG) -ldflags "-X main.version=$(VERSION)" -o bin/tdw-host ./host/cmd/tdw-host

# Each plugin binary lands beside its JSON, named after its folder.
plugins:
	@set -e; for p in $(ANALYZER_PLUGINS); do \
	  echo "build analyzers/$$p/$$p"; $(GO) build $(TAGFLAG) -o analyzers/$$p/$$p ./plugins/analyzers/$$p; done
	@set -e; for p in $(FAMILY_PLUGINS); do \
	  echo "build model_families/$$p/$$p"; $(GO) build -o model_families/$$p/$$p ./plugins/families/$$p; done

test: build
	$(GO) vet $(TAGFLAG) ./...
	$(GO) test $(TAGFLAG) -timeout 20m ./...

# Slow tests (e.g. the quick preset reaching test accuracy 0.99) skip
# themselves unless TDW_SLOW=1; this runs the whole suite with them.
test-slow: build
	TDW_SLOW=1 $(GO) test $(TAGFLAG) -timeout 60m ./...

bench: build
	$(GO) test $(TAGFLAG) -run '^$$' -bench . -benchmem ./...
	$(GO) run $(TAGFLAG) ./bench/calibration
	$(GO) run ./bench/catalog

run: build
	./bin/tdw-host run

# Protocol code generation: Debian protobuf-compiler (protoc) plus the Go
# generators at the pinned versions below, installed into bin/tools. The
# generated files' headers name these versions; change them together.
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.5.1
TOOLS := $(CURDIR)/bin/tools

proto:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	PATH=$(TOOLS):$$PATH protoc -I proto \
	  --go_out=proto --go_opt=paths=source_relative \
	  --go-grpc_out=proto --go-grpc_opt=paths=source_relative \
	  proto/tdw/v1/*.proto

# The Python package's copy of the protocol (python/tdw/v1) and of go-plugin's
# own services (python/tdw/_goplugin, from python/proto): Debian's protoc
# (protobuf-compiler) with the gRPC Python generator (protobuf-compiler-grpc,
# grpc_python_plugin). The generated files are committed.
GRPC_PYTHON_PLUGIN ?= $(shell command -v grpc_python_plugin)

proto-python:
	@test -n "$(GRPC_PYTHON_PLUGIN)" || { echo "grpc_python_plugin not found: apt-get install protobuf-compiler protobuf-compiler-grpc"; exit 1; }
	protoc -I proto --python_out=python --grpc_python_out=python \
	  --plugin=protoc-gen-grpc_python=$(GRPC_PYTHON_PLUGIN) proto/tdw/v1/*.proto
	protoc -I python/proto --python_out=python --grpc_python_out=python \
	  --plugin=protoc-gen-grpc_python=$(GRPC_PYTHON_PLUGIN) python/proto/tdw/_goplugin/*.proto

clean:
	rm -rf bin
	find analyzers model_families -mindepth 2 -type f ! -name '*.json' ! -name '*.py' -delete
