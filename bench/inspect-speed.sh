#!/usr/bin/env bash
# issue 13's acceptance: jettison inspect against dive 0.13.1, in one run, on one machine.
#
#   bench/inspect-speed.sh [RUNS]         # default 3 runs of each tool per image
#
# Needs (made once, see bench/README.md):
#   build/bert-naive.tar        bench/bert-build.sh
#   build/bert-naive-oci.tar    buildah push localhost/bert-classifier-naive:latest oci-archive:build/bert-naive-oci.tar
#   build/bert-naive2-oci.tar   the same image plus one layer (see README), pushed the same way
#   build/synth/synth.tar, build/synth/synth-oci.tar    bench/synth_image.py build/synth
# Writes build/inspect-speed/*.json and prints each table; the figures go to bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
RUNS="${1:-3}"
OUT="$ROOT/build/inspect-speed"
mkdir -p "$OUT"
cd "$ROOT"
status=0
for image in build/bert-naive.tar build/bert-naive-oci.tar build/synth/synth.tar build/synth/synth-oci.tar; do
  name="$(basename "$image" .tar)"
  echo "== $image" >&2
  "$PY" bench/inspect_vs_dive.py "$image" --runs "$RUNS" --json "$OUT/$name.json" || status=1
done
echo "== layer cache: build/bert-naive-oci.tar then build/bert-naive2-oci.tar" >&2
"$PY" bench/cache_speed.py build/bert-naive-oci.tar build/bert-naive2-oci.tar --runs "$RUNS" || status=1
exit $status
