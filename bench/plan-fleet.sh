#!/usr/bin/env bash
# Benchmark: `jettison plan --measure` on examples/fleet (issue 5's acceptance).
#
#   bench/plan-fleet.sh            # reports: build/plan-fleet.{json,md}; log: build/plan-fleet.log
#
# Copies examples/fleet to build/plan-fleet (the plan writes build/plan-fleet/jettison-plan/,
# never into examples/), then runs
#
#   jettison plan build/plan-fleet --measure --builder buildah --mount /opt/wheels:/wheels \
#       --ca-bundle /etc/ssl/certs/ca-certificates.crt --format json --output build/plan-fleet.json
#
# which builds the six services from their original Dockerfiles and from the plan (no layer
# cache: each image on its own, as CI builds them), probes every /healthz in both images and
# counts registry storage with each distinct layer once. The CLI writes one format per run and
# the measured run takes about 25 minutes, so it runs once (JSON); the Markdown
# report is the same plan rendered by a `--dry-run` (nothing built, nothing written) with the
# measured figures from the JSON appended.
#
# Exit status: 0 when every build and check passed, the storage after the plan is at most
# MAX_RATIO (default 0.31: the seed expected -69%) of before, and no service that does not
# import torch ships torch after the plan; 1 otherwise; 2 when the benchmark cannot run.
#
# Environment: WHEELS (default /opt/wheels: the local folder holding torch-2.13.0+cpu),
# MAX_RATIO, CHECK_TIMEOUT (seconds per health check, default 300), BENCH_TIMEOUT (seconds for
# the whole measured run, default 14400), KEEP_IMAGES=1 keeps the measured images (by default
# they are removed at the end: twelve images of up to 2 GB; needs ~30 GB of free disk while
# it runs).
set -euo pipefail

export STORAGE_DRIVER="${STORAGE_DRIVER:-overlay}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/build/plan-fleet"
JSON="$ROOT/build/plan-fleet.json"
MARKDOWN="$ROOT/build/plan-fleet.md"
LOG="$ROOT/build/plan-fleet.log"
WHEELS="${WHEELS:-/opt/wheels}"
MAX_RATIO="${MAX_RATIO:-0.31}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
cd "$ROOT"

if ! ls "$WHEELS"/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then
  echo "plan-fleet: no torch-2.13.0+cpu wheel in $WHEELS (set WHEELS=DIR)" >&2
  exit 2
fi

rm -rf "$WORK" "$JSON" "$MARKDOWN" "$LOG"
mkdir -p "$ROOT/build"
cp -r examples/fleet "$WORK"
find "$WORK" -name __pycache__ -prune -exec rm -rf {} +

# The example installs the CPU build of torch from download.pytorch.org (the index that
# real CPU-only deployments use). There is no route to that host here: only PyPI is
# reachable. So the copy takes torch from the local wheel folder instead, which the builds
# see read-only at /wheels (--mount) and never copy into an image. Same pin, same wheel
# contents as the index serves; everything else still comes from PyPI.
sed -i 's#^--extra-index-url https://download.pytorch.org/whl/cpu$#--find-links /wheels#' \
  "$WORK/libs/requirements.txt"
if ! grep -qx -- '--find-links /wheels' "$WORK/libs/requirements.txt"; then
  echo "plan-fleet: the torch index line of libs/requirements.txt was not found" >&2
  exit 2
fi

echo "plan-fleet: $(date -u +%FT%TZ) start" >&2
start=$(date +%s)
status=0
timeout "${BENCH_TIMEOUT:-14400}" .venv/bin/jettison plan "$WORK" \
  --measure \
  --builder buildah \
  --mount "$WHEELS:/wheels" \
  --ca-bundle "$CA_BUNDLE" \
  --timeout "${CHECK_TIMEOUT:-300}" \
  --format json \
  --output "$JSON" 2> >(tee "$LOG" >&2) || status=$?
echo "plan-fleet: $(date -u +%FT%TZ) measured run done in $(($(date +%s) - start))s" \
  "(exit $status)" >&2
if [ ! -s "$JSON" ]; then
  echo "plan-fleet: no report (see $LOG)" >&2
  exit 2
fi

# The same plan as Markdown (deterministic: same files, same cached metadata), then the
# measured figures and the acceptance verdict from the JSON.
.venv/bin/jettison plan "$WORK" --dry-run --quiet --format markdown --output "$MARKDOWN" ||
  echo "# jettison plan: the Markdown rendering failed (see build/plan-fleet.json)" >"$MARKDOWN"
verdict=0
.venv/bin/python - "$JSON" "$MAX_RATIO" "$status" >>"$MARKDOWN" <<'PY' || verdict=$?
"""Append the measured table to the Markdown report; exit 1 when an acceptance check fails."""

import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
max_ratio, cli_status = float(sys.argv[2]), int(sys.argv[3])
measured = report["measurement"] or {}


def size(image):
    return "failed" if image is None else f"{image['size_bytes'] / 1e6:,.0f} MB"


imports_torch = {
    found["service"] for found in report["imports"] if "torch" in found["modules"]
}
rows = []
failures = []
if cli_status != 0:
    failures.append(f"jettison plan exited {cli_status}")
for svc in measured.get("services", []):
    name = svc["service"]
    for label in ("before", "after"):
        check = svc[f"check_{label}"]
        if not check["passed"]:
            failures.append(f"{name} ({label}): {check['kind']} failed: {check['detail']}")
    if svc["error"]:
        failures.append(f"{name}: {svc['error']}")
    if svc["ships_torch_after"] and name not in imports_torch:
        failures.append(f"{name} does not import torch but ships it after the plan")
    rows.append(
        f"| {name} | {size(svc['before'])} | {size(svc['after'])} "
        f"| {'pass' if svc['check_before']['passed'] else 'FAIL'} "
        f"| {'pass' if svc['check_after']['passed'] else 'FAIL'} "
        f"| {'yes' if name in imports_torch else 'no'} "
        f"| {'yes' if svc['ships_torch_before'] else 'no'} "
        f"| {'yes' if svc['ships_torch_after'] else 'no'} |"
    )
ratio = measured.get("storage_ratio")
if ratio is None:
    failures.append("no storage ratio (nothing measured?)")
elif ratio > max_ratio:
    failures.append(f"storage ratio {ratio:.3f} is above {max_ratio}")

out = ["", "## Benchmark (bench/plan-fleet.sh)", ""]
out.append(
    "| service | before | after | check before | check after | imports torch "
    "| torch before | torch after |"
)
out.append("|---|---:|---:|---|---|---|---|---|")
out.extend(rows)
for label in ("before", "after"):
    totals = measured.get(label)
    if totals:
        out.append(
            f"\n{label}: {totals['images']} images, {totals['sum_bytes'] / 1e9:.2f} GB added up, "
            f"{totals['distinct_layers']} distinct layers, "
            f"**{totals['distinct_bytes'] / 1e9:.2f} GB stored** (each layer once)"
        )
if ratio is not None:
    out.append(f"\nstorage ratio after/before: **{ratio:.3f}** (acceptance: <= {max_ratio})")
out.append("\n" + ("**PASS**" if not failures else "**FAIL**: " + "; ".join(failures)))
print("\n".join(out))
for line in failures:
    print(f"plan-fleet: {line}", file=sys.stderr)
if ratio is not None:
    print(f"plan-fleet: storage ratio {ratio:.3f} (max {max_ratio})", file=sys.stderr)
sys.exit(1 if failures else 0)
PY

cat "$MARKDOWN"

if [ "${KEEP_IMAGES:-0}" != 1 ]; then
  # The measured images (before, bases, after) by the tags the report names.
  .venv/bin/python -c '
import json, sys
m = json.load(open(sys.argv[1]))["measurement"] or {}
images = [s[k] for s in m.get("services", []) for k in ("before", "after")] + m.get("bases", [])
print("\n".join(sorted({i["tag"] for i in images if i})))
' "$JSON" | while read -r tag; do buildah rmi "$tag" >/dev/null 2>&1 || true; done
fi

if [ "$verdict" -ne 0 ]; then
  exit 1
fi
exit 0
