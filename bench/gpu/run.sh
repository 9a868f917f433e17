#!/usr/bin/env bash
# bench/gpu/run.sh OUT [BUNDLE]: everything the CUDA backend needs a GPU
# for, in one go, from the repository root of a machine with an NVIDIA GPU,
# its driver, and python3 with torch (no Go toolchain, no network needed).
#
# BUNDLE (default bin/gpu) is what `make gpu-bundle` builds here: tdw-host,
# the family plugin and the go test binaries of host/model and host/variant,
# all CGO_ENABLED=0 (pure-Go BLAS, no libopenblas needed), gzipped. Each step
# writes OUT/STEP.txt; OUT/steps.txt logs exit codes and times and
# OUT/summary.txt the timings side by side. The steps:
#   env           nvidia-smi and `tdw-host version` (the devices tdw finds)
#   model-tests   the CUDA backend against the CPU runner in the same binary:
#                 forward hooks, gradients, 200 training epochs (p=113),
#                 determinism and resume on the device, evaluation
#   tdw-bench     BenchmarkCudaCalibration: epoch, forward, train loop
#   torch         bench/gpu/torch_epoch.py: the same workloads in PyTorch
#   quick-preset  the family's quick preset trained on the GPU (test accuracy
#                 must pass 0.99), through host/variant's slow test
#   canonical     `tdw-host train --preset canonical --epochs 2500` on the
#                 GPU, for the full run's projected wall time
# It exits 1 if any step failed, after running all of them. Step limits add
# up to 510 s (a run is expected to take 3 to 4 minutes); each step's output
# is in OUT as soon as it ends, so a run cut short still reports the steps
# it finished.
set -u -o pipefail

OUT=$(realpath -m "${1:?usage: bench/gpu/run.sh OUT [BUNDLE]}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUNDLE=$(realpath "${2:-$ROOT/bin/gpu}")
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BIN=$WORK/bin
mkdir -p "$BIN"
status=0
# The CUDA tests fail, rather than skip, when no device answers.
export TDW_REQUIRE_CUDA=1

# step NAME LIMIT_S CMD...: run CMD with a time limit, output to OUT/NAME.txt.
step() {
	local name=$1 limit=$2
	shift 2
	local t0 t1 rc
	t0=$(date +%s.%N)
	timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.txt" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	awk -v n="$name" -v rc="$rc" -v a="$t0" -v b="$t1" 'BEGIN { printf "%-13s exit %3d  %7.1f s\n", n, rc, b - a }' | tee -a "$OUT/steps.txt"
	[ "$rc" -eq 0 ] || status=1
}

for f in "$BUNDLE"/*.gz; do
	gunzip -c "$f" >"$BIN/$(basename "$f" .gz)" || { echo "bad bundle file $f" | tee -a "$OUT/steps.txt"; exit 1; }
done
chmod +x "$BIN"/*
for b in tdw-host model.test variant.test modulo_addition_1layer; do
	[ -x "$BIN/$b" ] || { echo "bundle $BUNDLE lacks $b: run make gpu-bundle" | tee -a "$OUT/steps.txt"; exit 1; }
done

step env 30 bash -c "nvidia-smi; '$BIN/tdw-host' version"
step model-tests 180 env -C "$ROOT/host/model" "$BIN/model.test" \
	-test.run 'Cuda|Auto' -test.v -test.count=1 -test.timeout=170s
step tdw-bench 90 env -C "$ROOT/host/model" "$BIN/model.test" \
	-test.run '^$' -test.bench '^BenchmarkCudaCalibration$' -test.benchtime=30x -test.benchmem -test.timeout=85s
step torch 90 python3 "$ROOT/bench/gpu/torch_epoch.py" --runs 30
step quick-preset 60 env -C "$ROOT/host/variant" TDW_SLOW=1 TDW_BACKEND=cuda "$BIN/variant.test" \
	-test.run '^TestSlowQuickPresetGroks$' -test.v -test.count=1 -test.timeout=55s

fam=$WORK/families/modulo_addition_1layer
mkdir -p "$fam"
cp "$ROOT/model_families/modulo_addition_1layer/family.json" "$fam/"
cp "$BIN/modulo_addition_1layer" "$fam/"
step canonical 60 "$BIN/tdw-host" --backend cuda --results "$WORK/results" --families "$WORK/families" \
	train modulo_addition_1layer --preset canonical --epochs 2500 --quiet

python3 "$ROOT/bench/gpu/summarize.py" "$OUT" >"$OUT/summary.txt" 2>&1 || status=1
cat "$OUT/summary.txt"
exit $status
