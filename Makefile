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

.PHONY: all build host plugins test test-slow bench run proto proto-python clean ptx cuda-toolkit cuda-emu test-cuda-emu gpu-bundle
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
	$(GO) run $(TAGFLAG) ./bench/views

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
# (protobuf-compiler, with libprotobuf-dev for google/protobuf/*.proto) with the
# gRPC Python generator (protobuf-compiler-grpc,
# grpc_python_plugin). The generated files are committed.
GRPC_PYTHON_PLUGIN ?= $(shell command -v grpc_python_plugin)

proto-python:
	@test -n "$(GRPC_PYTHON_PLUGIN)" || { echo "grpc_python_plugin not found: apt-get install protobuf-compiler protobuf-compiler-grpc libprotobuf-dev"; exit 1; }
	protoc -I proto --python_out=python --grpc_python_out=python \
	  --plugin=protoc-gen-grpc_python=$(GRPC_PYTHON_PLUGIN) proto/tdw/v1/*.proto
	protoc -I python/proto --python_out=python --grpc_python_out=python \
	  --plugin=protoc-gen-grpc_python=$(GRPC_PYTHON_PLUGIN) python/proto/tdw/_goplugin/*.proto

# The CUDA backend's kernels as PTX (host/model/cuda/kernels/*.ptx, committed
# and embedded with go:embed: CI and builds never need nvcc). nvcc is Debian
# trixie's nvidia-cuda-toolkit 12.4 (non-free), unpacked with dpkg -x into
# bin/cuda-toolkit through a side apt configuration: its own sources list
# (trixie non-free on the Debian mirror), lists and cache under
# bin/cuda-toolkit/apt, nothing installed system-wide. The toolkit's own
# headers come from nvidia-cuda-dev (only usr/include is unpacked), and
# nvcc.profile is rewritten to find everything relative to itself. ptxas
# then assembles each PTX for sm_90 as a check. -fmad=false keeps a*b+c
# uncontracted, as the CPU runner computes it.
DEBIAN_MIRROR ?= http://deb.debian.org/debian
CUDA_TK := $(CURDIR)/bin/cuda-toolkit
CUDA_APT := $(CUDA_TK)/apt
APT_SIDE := -o Dir::Etc::SourceList=$(CUDA_APT)/sources.list -o Dir::Etc::SourceParts=/dev/null \
  -o Dir::State::Lists=$(CUDA_APT)/lists -o Dir::State::Status=$(CUDA_APT)/status \
  -o Dir::Cache=$(CUDA_APT)/cache -o APT::Sandbox::User=root
NVCC := $(CUDA_TK)/root/usr/lib/nvidia-cuda-toolkit/bin/nvcc
PTXAS := $(CUDA_TK)/root/usr/bin/ptxas
KERNELS := $(wildcard host/model/cuda/kernels/*.cu)

ptx: $(NVCC)
	@set -e; for cu in $(KERNELS); do \
	  echo "nvcc $$cu"; \
	  $(NVCC) -ptx -arch=compute_80 -fmad=false -O3 -o $${cu%.cu}.ptx $$cu; \
	  $(PTXAS) -arch=sm_90 -o /dev/null $${cu%.cu}.ptx; done

cuda-toolkit: $(NVCC)

$(NVCC):
	mkdir -p $(CUDA_APT)/lists/partial $(CUDA_APT)/cache/archives/partial $(CUDA_TK)/debs $(CUDA_TK)/root
	echo "deb $(DEBIAN_MIRROR) trixie non-free" > $(CUDA_APT)/sources.list
	touch $(CUDA_APT)/status
	apt-get -q $(APT_SIDE) update
	cd $(CUDA_TK)/debs && apt-get -q $(APT_SIDE) download nvidia-cuda-toolkit nvidia-cuda-dev
	dpkg -x $(CUDA_TK)/debs/nvidia-cuda-toolkit_*.deb $(CUDA_TK)/root
	dpkg-deb --fsys-tarfile $(CUDA_TK)/debs/nvidia-cuda-dev_*.deb | tar -x -C $(CUDA_TK)/root ./usr/include
	rm -f $(CUDA_TK)/debs/nvidia-cuda-dev_*.deb $(dir $(NVCC))nvcc.profile
	printf '%s\n' 'NVVMIR_LIBRARY_DIR = $$(_HERE_)/../libdevice' 'PATH += $$(_HERE_):$$(_HERE_)/../../../bin:' \
	  'INCLUDES += "-I$$(_HERE_)/../../../include" $$(_SPACE_)' > $(dir $(NVCC))nvcc.profile
	$(NVCC) --version

# A CPU emulator of the driver subset the CUDA backend binds, with the
# kernels compiled as C++ (host/model/cuda/emu): a test instrument for
# machines without a GPU, loaded through TDW_CUDA_LIBRARY. It checks the
# kernels' source and the Go side against the CPU runner; only a GPU checks
# the PTX and the hardware (bench/gpu/run.sh).
CUDA_EMU := $(CURDIR)/bin/cuda-emu/libcuda.so.1

cuda-emu: $(CUDA_EMU)

$(CUDA_EMU): host/model/cuda/emu/emu.cpp host/model/cuda/emu/cuda_emu.h $(KERNELS) host/model/cuda/kernels/common.cuh
	mkdir -p $(dir $@)
	$(CXX) -std=c++20 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wno-unknown-pragmas -o $@ host/model/cuda/emu/emu.cpp

test-cuda-emu: $(CUDA_EMU)
	TDW_CUDA_LIBRARY=$(CUDA_EMU) $(GO) test $(TAGFLAG) -count=1 -run 'Cuda|Auto' ./host/model/ ./host/model/cuda/

# What bench/gpu/run.sh runs on a GPU machine, built here into bin/gpu (an
# ignored folder the device tool carries): tdw-host, the family plugin and
# the test binaries of host/model and host/variant, CGO_ENABLED=0 (pure-Go
# BLAS: nothing to install there), stripped and gzipped to stay well under
# the 64 MiB a carry may hold.
GPU_BUNDLE := $(CURDIR)/bin/gpu

gpu-bundle:
	rm -rf $(GPU_BUNDLE) && mkdir -p $(GPU_BUNDLE)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(GPU_BUNDLE)/tdw-host ./host/cmd/tdw-host
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $(GPU_BUNDLE)/modulo_addition_1layer ./plugins/families/modulo_addition_1layer
	CGO_ENABLED=0 $(GO) test -c -trimpath -ldflags "-s -w" -o $(GPU_BUNDLE)/model.test ./host/model
	CGO_ENABLED=0 $(GO) test -c -trimpath -ldflags "-s -w" -o $(GPU_BUNDLE)/variant.test ./host/variant
	gzip -9 $(GPU_BUNDLE)/*
	du -sh $(GPU_BUNDLE)

clean:
	rm -rf bin
	find analyzers model_families -mindepth 2 -type f ! -name '*.json' ! -name '*.py' -delete
