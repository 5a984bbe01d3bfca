#!/usr/bin/env bash
# Set everything up on a fresh Debian bookworm machine (as root) and run the main job:
#
#   scripts/setup.sh
#
# 1. apt: what scripts/apt-packages.txt lists (only what is missing): buildah, skopeo,
#    debootstrap and the tools the tests use (podman, chromium, docker.io, a registry...)
# 2. .venv with jettison installed editable, with the dev extras
#    (re-installed only when pyproject.toml changes)
# 3. the local stand-in base images (scripts/base-images.sh)
# 4. the example service examples/text-service, built and saved as
#    build/text-service.tar (docker-archive)
# 5. .venv/bin/jettison optimize on a copy of examples/text-service: fix, build the
#    original and the optimized image, inspect both, run the self test in both
#
# Every step is skipped when its result is already there, so a re-run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root (apt-get, buildah, debootstrap)" >&2; exit 1; }

step "system packages"
# What jettison and its tests use (scripts/apt-packages.txt, the list .ci/run installs).
mapfile -t APT_PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' scripts/apt-packages.txt)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # An engine of another packaging (docker-ce) is kept: docker.io would replace it.
  if [ "$pkg" = docker.io ] && command -v dockerd >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
else
  echo "all present: ${APT_PACKAGES[*]}" >&2
fi

step "python environment (.venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.jettison-install-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x .venv/bin/jettison ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
else
  echo "jettison already installed in .venv (pyproject.toml unchanged)" >&2
fi

step "stand-in base images"
scripts/base-images.sh

step "example image build/text-service.tar"
scripts/build-example.sh --no-base-images text-service build/text-service.tar

# The main job: optimize the naive example and prove the result still works. It runs on a
# copy under build/ so the checkout stays clean and a re-run starts afresh.
step "jettison optimize examples/text-service (on a copy in build/optimize/text-service)"
rm -rf build/optimize/text-service
mkdir -p build/optimize
cp -r examples/text-service build/optimize/text-service
ca=()
# Outbound HTTPS may go through an intercepting proxy whose CA only the host trusts: let
# pip inside the builds see the host's bundle (mounted, never written into the images).
[ -f /etc/ssl/certs/ca-certificates.crt ] && ca=(--ca-bundle /etc/ssl/certs/ca-certificates.crt)
exec .venv/bin/jettison optimize build/optimize/text-service \
  --smoke "python app/main.py --selftest" "${ca[@]}"
