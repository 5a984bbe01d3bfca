#!/usr/bin/env bash
# Benchmark image: build the seed article's naive BERT classifier
# (examples/bert-classifier/naive_image/Dockerfile, unmodified) and save it as a
# docker-archive, by default build/bert-naive.tar.
#
#   bench/bert-build.sh [OUT.tar] [build-example.sh options, e.g. --no-cache]
#
# This is big ON PURPOSE: `torch==2.7.0` from PyPI is the CUDA build and pulls
# several GB of nvidia-* wheels, as it would for the article's readers. Do not swap
# in the CPU wheel here, and do not run this from tests. pip inside the build sees
# PyPI only: buildah passes neither the host's environment (PIP_FIND_LINKS ...) nor
# its /opt/wheels into RUN steps. Expect 10-30 minutes and ~25 GB of free disk
# (buildah's store plus the uncompressed archive).
set -euo pipefail

export STORAGE_DRIVER="${STORAGE_DRIVER:-overlay}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/bert-naive.tar"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  OUT="$1"
  shift
fi
TAG=localhost/bert-classifier-naive:latest
NEED_GB=25

mkdir -p "$(dirname "$OUT")"
for dir in "$(dirname "$OUT")" /var/lib/containers /var/tmp; do
  [ -d "$dir" ] || continue
  free_gb=$(( $(df --output=avail -k "$dir" | tail -n1) / 1024 / 1024 ))
  if [ "$free_gb" -lt "$NEED_GB" ]; then
    echo "bert-build: only ${free_gb} GB free under $dir; need about ${NEED_GB} GB" >&2
    exit 1
  fi
done

echo "bert-build: $(date -u +%FT%TZ) start -> $OUT" >&2
start=$(date +%s)
"$ROOT/scripts/build-example.sh" --tag "$TAG" "$@" bert-classifier "$OUT"
built=$(date +%s)

echo "bert-build: smoke test (no network)" >&2
ctr=$(buildah from --pull=never "$TAG")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah run --network none "$ctr" -- python app/predictor.py sample_data/sample_text.txt
buildah run --network none "$ctr" -- cat /app/build_status.txt

echo "bert-build: $(date -u +%FT%TZ) done: build+export $((built - start))s" >&2
buildah images --format '{{.Name}}:{{.Tag}} {{.ID}} {{.Size}}' "$TAG" >&2
ls -l "$OUT" >&2
