#!/usr/bin/env bash
# Set everything up on a fresh Debian bookworm machine (as root) and run the main job:
#
#   scripts/setup.sh
#
# 1. apt: buildah, skopeo, debootstrap, zstd, python3-venv (only what is missing)
# 2. .venv with jettison installed editable, with the dev extras
#    (re-installed only when pyproject.toml changes)
# 3. the local stand-in base images (scripts/base-images.sh)
# 4. the example service examples/text-service, built and saved as
#    build/text-service.tar (docker-archive)
# 5. .venv/bin/jettison inspect build/text-service.tar
#
# Every step is skipped when its result is already there, so a re-run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root (apt-get, buildah, debootstrap)" >&2; exit 1; }

step "system packages"
APT_PACKAGES=(buildah skopeo debootstrap zstd python3-venv)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
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

step "jettison inspect build/text-service.tar"
exec .venv/bin/jettison inspect build/text-service.tar
