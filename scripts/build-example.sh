#!/usr/bin/env bash
# Build one of the example services with buildah and save it as an archive.
#
#   scripts/build-example.sh [options] NAME_OR_DIR OUT.tar
#
#   NAME_OR_DIR   an example name (text-service, bert-classifier) or a directory
#   OUT.tar       where to write the image (docker-archive, like `docker save`)
#
# Options:
#   --oci               write an oci-archive instead of a docker-archive
#   --tag REF           image name in buildah's store and in the archive
#                       (default: localhost/NAME:latest)
#   -f, --file PATH     Dockerfile, relative to the example directory
#                       (default: Dockerfile, else naive_image/Dockerfile)
#   --ca-bundle PATH    CA bundle to bind-mount at /run/host-ca.crt during RUN
#                       (default: $JETTISON_CA_BUNDLE or the host's
#                       /etc/ssl/certs/ca-certificates.crt); --no-ca-bundle: none
#   --no-cache          rebuild every layer
#   --force-export      write OUT.tar even if it already holds this very image
#   --no-base-images    do not run scripts/base-images.sh first
#
# The build context is the example directory itself (as in the article's repo:
# `docker build -f naive_image/Dockerfile .`). Builds use `--pull=never`: the
# base images are the local stand-ins made by scripts/base-images.sh (no registry
# is reachable), `--layers` (layer cache, like docker build) and `--format docker`
# (Docker image config/manifest, as `docker build` makes).
#
# pip inside the build: the stand-in python images carry /etc/pip.conf with
# `cert = /run/host-ca.crt` and we bind-mount the host CA bundle there, so
# unmodified Dockerfiles can `pip install` through the machine's TLS-intercepting
# proxy (see scripts/base-images.sh). buildah does not pass the host environment
# (PIP_FIND_LINKS, PIP_CERT, ...) into RUN steps, and the host's /opt/wheels is not
# mounted: pip in the build sees PyPI only.
set -euo pipefail

export STORAGE_DRIVER="${STORAGE_DRIVER:-overlay}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "build-example: error: $*" >&2; exit 1; }

transport=docker-archive
tag=""
dockerfile=""
ca_bundle="${JETTISON_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
no_cache=()
force_export=0
base_images=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --oci) transport=oci-archive ;;
    --docker) transport=docker-archive ;;
    --tag) tag="${2:?--tag needs a value}"; shift ;;
    -f|--file) dockerfile="${2:?$1 needs a value}"; shift ;;
    --ca-bundle) ca_bundle="${2:?--ca-bundle needs a value}"; shift ;;
    --no-ca-bundle) ca_bundle="" ;;
    --no-cache) no_cache=(--no-cache) ;;
    --force-export) force_export=1 ;;
    --no-base-images) base_images=0 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ "${#args[@]}" = 2 ] || { usage >&2; exit 2; }
src="${args[0]}"
out="${args[1]}"

if [ -d "$src" ]; then
  ctx="$(cd "$src" && pwd)"
elif [ -d "$ROOT/examples/$src" ]; then
  ctx="$ROOT/examples/$src"
else
  die "no example named '$src' (looked in $ROOT/examples)"
fi
name="$(basename "$ctx")"

if [ -z "$dockerfile" ]; then
  if [ -f "$ctx/Dockerfile" ]; then
    dockerfile=Dockerfile
  elif [ -f "$ctx/naive_image/Dockerfile" ]; then
    dockerfile=naive_image/Dockerfile
    name="$name-naive"      # the article's image is bert-classifier-naive
  else
    die "no Dockerfile in $ctx (use -f)"
  fi
fi
[ -f "$ctx/$dockerfile" ] || die "no such Dockerfile: $ctx/$dockerfile"
[ -n "$tag" ] || tag="localhost/$name:latest"

mount_args=()
if [ -n "$ca_bundle" ]; then
  [ -f "$ca_bundle" ] || die "CA bundle not found: $ca_bundle"
  mount_args=(-v "$(readlink -f "$ca_bundle"):/run/host-ca.crt:ro")
fi

if [ "$base_images" = 1 ]; then
  "$ROOT/scripts/base-images.sh"
fi

mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

echo "build-example: building $tag from $ctx/$dockerfile" >&2
start=$(date +%s)
buildah bud --pull=never --layers --format docker "${no_cache[@]}" \
  "${mount_args[@]}" -f "$ctx/$dockerfile" -t "$tag" "$ctx"
built=$(date +%s)

# A docker-archive names its config blob after the image ID: if OUT.tar already
# holds this image under this tag, exporting again (10-20 s per GB) is pointless.
archive_is_current() {
  [ "$transport" = docker-archive ] && [ "$force_export" = 0 ] && [ -s "$out" ] || return 1
  local id
  id=$(buildah inspect --type image --format '{{.FromImageID}}' "$tag") || return 1
  python3 - "$out" "$id" "$tag" <<'PY'
import json, sys, tarfile
path, image_id, tag = sys.argv[1:]
try:
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
except Exception:
    sys.exit(1)
ok = (len(manifest) == 1 and manifest[0]["Config"] in (image_id + ".json", "sha256:" + image_id)
      and tag in (manifest[0].get("RepoTags") or []))
sys.exit(0 if ok else 1)
PY
}

if archive_is_current; then
  echo "build-example: $out already holds this image; not exporting again" >&2
else
  # Write next to the target, then move: never leave a half-written archive.
  tmp="$out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  rm -f "$tmp"
  if [ "$transport" = docker-archive ]; then
    buildah push --quiet "$tag" "docker-archive:$tmp:$tag"
  else
    buildah push --quiet "$tag" "oci-archive:$tmp:$tag"
  fi
  mv -f "$tmp" "$out"
  trap - EXIT
fi
done_=$(date +%s)

size_store=$(buildah images --format '{{.Size}}' "$tag" | head -n1)
size_tar=$(stat -c %s "$out")
echo "build-example: image $tag: ${size_store} in buildah's store" >&2
echo "build-example: $transport $out: $size_tar bytes ($(numfmt --to=si --round=nearest "$size_tar")B)" >&2
echo "build-example: build $((built - start))s, export $((done_ - built))s" >&2
