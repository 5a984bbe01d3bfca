#!/usr/bin/env bash
# Benchmark: `jettison optimize` on the seed article's naive BERT classifier, CPU target.
#
#   bench/optimize-bert.sh
#
# Copies examples/bert-classifier to build/optimize/bert-classifier (fix writes its files
# next to the originals), then builds the naive image and the optimized one, whose
# builder stage installs torch from the local CPU wheel folder /opt/wheels (mounted read-only at /wheels
# during the build, never copied into the image) and the rest from PyPI. Both images run
# their CMD (the predictor prints one deterministic line) and must print the same. The
# report goes to build/optimize/bert-report.md; both images are kept
# (localhost/bert-classifier:original and :optimized). Acceptance: optimized <= 1.0 GB.
# The naive build did not reuse bench/bert-build.sh's cached layers here (that script
# builds with other options, e.g. `--format docker`): expect it to download and install
# the CUDA wheels again (minutes, ~15 GB of free disk).
set -euo pipefail

export STORAGE_DRIVER="${STORAGE_DRIVER:-overlay}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/build/optimize"
WHEELS="${WHEELS:-/opt/wheels}"
cd "$ROOT"

# The optimized Dockerfile runs on python:3.10-slim. The local stand-ins
# (scripts/base-images.sh) make python:3.10 an alias of python:3.11 (Debian's Python
# 3.11), so python:3.10-slim is the same alias of python:3.11-slim; builds never pull.
if ! buildah inspect --type image docker.io/library/python:3.10-slim >/dev/null 2>&1; then
  buildah tag docker.io/library/python:3.11-slim docker.io/library/python:3.10-slim
fi

rm -rf "$WORK/bert-classifier"
mkdir -p "$WORK"
cp -r examples/bert-classifier "$WORK/bert-classifier"

echo "optimize-bert: $(date -u +%FT%TZ) start" >&2
start=$(date +%s)
status=0
.venv/bin/jettison optimize "$WORK/bert-classifier/naive_image" \
  --context "$WORK/bert-classifier" \
  --target cpu \
  --torch-index "$WHEELS" \
  --ca-bundle /etc/ssl/certs/ca-certificates.crt \
  --timeout 600 \
  --keep-images \
  --format markdown \
  --output "$WORK/bert-report.md" \
  --force || status=$?
echo "optimize-bert: $(date -u +%FT%TZ) done in $(($(date +%s) - start))s (exit $status)" >&2
[ -f "$WORK/bert-report.md" ] && cat "$WORK/bert-report.md"
exit "$status"
