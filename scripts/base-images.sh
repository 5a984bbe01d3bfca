#!/usr/bin/env bash
# Build local stand-ins for the official base images that our examples and
# integration tests start FROM, with debootstrap + buildah, because no container
# registry can be reached on our machines.
#
#   scripts/base-images.sh            # build what is missing or out of date
#   scripts/base-images.sh --force    # rebuild all of them
#   scripts/base-images.sh --list     # print the image names and exit
#
# Images (all in buildah's local store, under the names the official images have,
# so unmodified Dockerfiles such as `FROM python:3.11` resolve to them):
#
#   docker.io/library/debian:bookworm       debootstrap minbase, as is
#   docker.io/library/debian:bookworm-slim  same rootfs, slimmed like Debian's
#                                           official slim images (no docs/man/locales)
#   docker.io/library/python:3.11-slim      debian:bookworm-slim + python3, pip, venv
#   docker.io/library/python:3.11           debian:bookworm + python3, pip, venv,
#                                           build-essential, -dev headers, git, curl
#   docker.io/library/python:3.10           the SAME image as python:3.11: the seed
#                                           article's BERT Dockerfile says
#                                           `FROM python:3.10`; this stand-in carries
#                                           Debian's Python 3.11, not 3.10.
#
# How they differ from the official images: Python is Debian's (/usr/bin/python3,
# with `python` and `pip` symlinks in /usr/local/bin), so `pip install` as root puts
# packages in /usr/local/lib/python3.11/dist-packages (not .../site-packages), and
# Debian's own Python modules live in /usr/lib/python3/dist-packages.
# EXTERNALLY-MANAGED is removed so that pip installs system-wide as in the official
# images.
#
# Pulling: buildah looks a short name like `python:3.11` up in its local store
# first (via the alias docker.io/library/python in
# /etc/containers/registries.conf.d/shortnames.conf) and, with the default pull
# policy, uses the local image without contacting a registry. Our build scripts
# still pass --pull=never so that a missing stand-in fails at once with a clear
# error instead of after network retries.
#
# pip and the host's CA bundle: outbound HTTPS here goes through an intercepting
# proxy whose CA is only in the host's /etc/ssl/certs/ca-certificates.crt. The
# python stand-ins carry
#     /etc/pip.conf:      [global] cert = /run/host-ca.crt
#     /run/host-ca.crt:   a copy of the image's own Debian CA bundle
# and our build commands bind-mount the host bundle over that file:
#     buildah bud -v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro ...
# So the example Dockerfiles stay verbatim (plain `pip install ...`), pip trusts
# the proxy during builds, and without the mount pip still works on an ordinary
# network with Debian's public CA bundle. Because the mount point already exists
# in the base, buildah leaves no empty mount-point file in the layers it commits
# (it does when the target is missing). The host bundle is never mounted over
# /etc/ssl/certs/ca-certificates.crt itself: that breaks the install scripts of
# the ca-certificates package when a Dockerfile installs curl & co.
# The host's other pip settings (find-links /opt/wheels, extra-index-url
# file:///opt/pypi/...) are deliberately NOT copied in: those paths do not exist
# inside a build and pip must go to PyPI there.
#
# The debootstrap rootfs is made once and cached as tarballs under
# $JETTISON_CACHE/rootfs (default ~/.cache/jettison); build logs go to
# $JETTISON_CACHE/logs. Each image carries a label io.jettison.standin.recipe with a
# hash of its recipe (and of its parent's); an image whose label matches is kept,
# so re-runs take about a second. Needs root, buildah and debootstrap.
set -euo pipefail

export STORAGE_DRIVER="${STORAGE_DRIVER:-overlay}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

CACHE="${JETTISON_CACHE:-${HOME:-/root}/.cache/jettison}"
SUITE=bookworm
MIRROR="${JETTISON_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS_DIR="$CACHE/rootfs"
LOG_DIR="$CACHE/logs"

IMG_DEBIAN=docker.io/library/debian:bookworm
IMG_DEBIAN_SLIM=docker.io/library/debian:bookworm-slim
IMG_PY_SLIM=docker.io/library/python:3.11-slim
IMG_PY_FULL=docker.io/library/python:3.11
IMG_PY_310=docker.io/library/python:3.10   # alias of the full one (Python 3.11 inside!)
RECIPE_LABEL=io.jettison.standin.recipe

FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  --list)
    printf '%s\n' "$IMG_DEBIAN" "$IMG_DEBIAN_SLIM" "$IMG_PY_SLIM" "$IMG_PY_FULL" "$IMG_PY_310"
    exit 0 ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--force|--list]" >&2; exit 2 ;;
esac

log() { printf '[base-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (buildah overlay storage, debootstrap)"
for cmd in buildah debootstrap tar sha256sum flock; do
  command -v "$cmd" >/dev/null 2>&1 \
    || die "'$cmd' not found; install with: apt-get install -y buildah skopeo debootstrap"
done

mkdir -p "$ROOTFS_DIR" "$LOG_DIR"
# One run at a time (integration tests may call this from several processes).
exec 9>"$CACHE/.base-images.lock"
flock 9

sha() { sha256sum | cut -c1-16; }

# --layers: one layer per instruction, each with its own history entry. Without it
# buildah commits the whole build as one layer attributed to the LAST instruction
# (e.g. a LABEL), which would mislead any layer-by-layer analysis.
BUILD_OPTS=(--pull=never --layers --format oci)

# ---------------------------------------------------------------------------
# The shared root filesystem
# ---------------------------------------------------------------------------

# Turn a fresh debootstrap tree into what Debian's official container images
# contain: deb822 sources with updates + security, the docker-* apt settings
# (no .deb cache kept after installs, no translations), empty apt lists.
prepare_rootfs() {
  local r="$1"
  rm -f "$r/etc/apt/sources.list"
  cat > "$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat > "$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' > "$r/etc/apt/apt.conf.d/docker-no-languages"
  printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' \
    > "$r/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' \
    > "$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin \
         "$r"/var/lib/apt/lists/* "$r"/var/log/* "$r"/tmp/* "$r"/root/.cache
  mkdir -p "$r/var/lib/apt/lists/partial"
  # Files that buildah bind-mounts during RUN: have them exist (empty), so that the
  # first RUN layer of every image does not pick up empty mount-point files.
  : > "$r/etc/resolv.conf"
  : > "$r/etc/hostname"
  : > "$r/etc/hosts"
}

# Debian's official "slim" variant: docs, man pages, locales dropped, and a dpkg
# filter that keeps them out of later installs.
slim_rootfs() {
  local r="$1"
  cat > "$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# This is the "slim" variant of the Debian base image.
# Many files which are normally unnecessary in containers are excluded,
# and this configuration file keeps them that way.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  find "$r/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r"/usr/share/groff/* "$r"/usr/share/info/* "$r"/usr/share/linda/* \
         "$r"/usr/share/lintian/* "$r"/usr/share/locale/* "$r"/usr/share/man/*
}

ROOTFS_RECIPE="debootstrap --variant=minbase $SUITE $MIRROR
$(declare -f prepare_rootfs slim_rootfs)"
ROOTFS_KEY="$SUITE-minbase-$(printf '%s' "$ROOTFS_RECIPE" | sha)"
ROOTFS_TAR="$ROOTFS_DIR/$ROOTFS_KEY.tar"
ROOTFS_SLIM_TAR="$ROOTFS_DIR/$ROOTFS_KEY-slim.tar"

ensure_rootfs() {
  if [ -s "$ROOTFS_TAR" ] && [ -s "$ROOTFS_SLIM_TAR" ]; then
    return 0
  fi
  local tmp="$ROOTFS_DIR/tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "debootstrap --variant=minbase $SUITE (about a minute; log: $LOG_DIR/debootstrap.log)"
  if ! debootstrap --variant=minbase "$SUITE" "$tmp/root" "$MIRROR" \
        > "$LOG_DIR/debootstrap.log" 2>&1; then
    tail -n 20 "$LOG_DIR/debootstrap.log" >&2
    rm -rf "$tmp"
    die "debootstrap failed"
  fi
  prepare_rootfs "$tmp/root"
  # /dev is provided by the runtime; keep only the empty directory.
  tar -C "$tmp/root" --numeric-owner --exclude='./dev/*' -cf "$tmp/full.tar" .
  slim_rootfs "$tmp/root"
  tar -C "$tmp/root" --numeric-owner --exclude='./dev/*' -cf "$tmp/slim.tar" .
  mv "$tmp/full.tar" "$ROOTFS_TAR"
  mv "$tmp/slim.tar" "$ROOTFS_SLIM_TAR"
  rm -rf "$tmp"
  # Drop tarballs of older recipes.
  find "$ROOTFS_DIR" -maxdepth 1 -name "$SUITE-minbase-*.tar" \
       ! -name "$ROOTFS_KEY.tar" ! -name "$ROOTFS_KEY-slim.tar" -delete
}

# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

image_recipe() {  # NAME -> label value of the image in the store, or ""
  buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$RECIPE_LABEL\"}}" \
    "$1" 2>/dev/null || true
}

# build_image NAME RECIPE_HASH CONTEXT_DIR
# (CONTEXT_DIR/Dockerfile must already end with the LABEL line of RECIPE_HASH)
build_image() {
  local name="$1" hash="$2" ctx="$3" logf start old
  old=$(buildah inspect --type image --format '{{.FromImageID}}' "$name" 2>/dev/null || true)
  logf="$LOG_DIR/$(printf '%s' "$name" | tr '/:' '__').log"
  start=$(date +%s)
  log "building $name (log: $logf)"
  if ! buildah bud "${BUILD_OPTS[@]}" -t "$name" "$ctx" > "$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    die "building $name failed"
  fi
  [ "$(image_recipe "$name")" = "$hash" ] || die "built $name but its recipe label is wrong"
  log "built $name in $(( $(date +%s) - start ))s"
  # Drop the image this one replaces, unless something still uses it.
  if [ -n "$old" ] && [ "$old" != "$(buildah inspect --type image --format '{{.FromImageID}}' "$name")" ]; then
    buildah rmi "$old" >/dev/null 2>&1 || true
  fi
}

# need_build NAME HASH: true if the image is missing or was built from another recipe
need_build() {
  [ "$FORCE" = 1 ] && return 0
  [ "$(image_recipe "$1")" != "$2" ]
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jettison-base.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Shared shell for both python stand-ins (runs as one RUN after apt-get install).
PY_SETUP='rm -rf /var/lib/apt/lists/* \
 && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
 && ln -s /usr/bin/python3 /usr/local/bin/python \
 && ln -s /usr/bin/pip3 /usr/local/bin/pip \
 && cp /etc/ssl/certs/ca-certificates.crt /run/host-ca.crt \
 && printf "%s\n" "# jettison stand-in: builds on the jettison dev machines bind-mount the host CA" \
      "# bundle over /run/host-ca.crt (a copy of the Debian bundle otherwise)." \
      "[global]" "cert = /run/host-ca.crt" > /etc/pip.conf \
 && python --version && pip --version'

# debian:bookworm / debian:bookworm-slim --------------------------------------
df_debian() {  # TARBALL DESCRIPTION
  cat <<EOF
FROM scratch
ADD $1 /
LABEL org.opencontainers.image.description="jettison stand-in for $2 (debootstrap)"
CMD ["bash"]
EOF
}

h_debian=$(printf '%s\n%s' "${BUILD_OPTS[*]}$ROOTFS_RECIPE" "$(df_debian rootfs.tar debian:bookworm)" | sha)
h_debian_slim=$(printf '%s\n%s' "${BUILD_OPTS[*]}$ROOTFS_RECIPE" "$(df_debian rootfs.tar debian:bookworm-slim)" | sha)

for spec in "$IMG_DEBIAN|$h_debian|$ROOTFS_TAR|debian:bookworm" \
            "$IMG_DEBIAN_SLIM|$h_debian_slim|$ROOTFS_SLIM_TAR|debian:bookworm-slim"; do
  IFS='|' read -r name hash tarball desc <<<"$spec"
  if need_build "$name" "$hash"; then
    ensure_rootfs
    ctx="$WORK/$(basename "$tarball" .tar)"
    mkdir -p "$ctx"
    ln "$tarball" "$ctx/rootfs.tar" 2>/dev/null || cp "$tarball" "$ctx/rootfs.tar"
    { df_debian rootfs.tar "$desc"; echo "LABEL $RECIPE_LABEL=$hash"; } > "$ctx/Dockerfile"
    build_image "$name" "$hash" "$ctx"
  else
    log "ok $name"
  fi
done

# python:3.11-slim ------------------------------------------------------------
df_py_slim="FROM $IMG_DEBIAN_SLIM
# Debian's python3 (3.11) + pip + venv; like the official python:3.11-slim.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip python3-venv \\
 && $PY_SETUP
ENV LANG=C.UTF-8
LABEL org.opencontainers.image.description=\"jettison stand-in for python:3.11-slim (Debian bookworm python3)\"
CMD [\"python3\"]"
h_py_slim=$(printf '%s\n%s' "$h_debian_slim" "$df_py_slim" | sha)

# python:3.11 (full) -----------------------------------------------------------
# The official python:3.11 sits on buildpack-deps:bookworm: compilers, -dev
# headers, git, curl, wget, ... and keeps docs; so does this one.
df_py_full="FROM $IMG_DEBIAN
RUN apt-get update \\
 && apt-get install -y --no-install-recommends \\
      ca-certificates curl wget gnupg dirmngr git openssh-client procps \\
      unzip xz-utils bzip2 file \\
      build-essential pkg-config autoconf automake libtool \\
      python3 python3-pip python3-venv python3-dev \\
      libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev \\
      libreadline-dev libncurses-dev libxml2-dev libxslt1-dev libyaml-dev \\
      libjpeg-dev libpng-dev libcurl4-openssl-dev \\
 && $PY_SETUP
ENV LANG=C.UTF-8
LABEL org.opencontainers.image.description=\"jettison stand-in for python:3.11 / python:3.10 (Debian bookworm python3 3.11)\"
CMD [\"python3\"]"
h_py_full=$(printf '%s\n%s' "$h_debian" "$df_py_full" | sha)

for spec in "$IMG_PY_SLIM|$h_py_slim|df_py_slim" "$IMG_PY_FULL|$h_py_full|df_py_full"; do
  IFS='|' read -r name hash var <<<"$spec"
  if need_build "$name" "$hash"; then
    ctx="$WORK/$var"
    mkdir -p "$ctx"
    { printf '%s\n' "${!var}"; echo "LABEL $RECIPE_LABEL=$hash"; } > "$ctx/Dockerfile"
    build_image "$name" "$hash" "$ctx"
  else
    log "ok $name"
  fi
done

# python:3.10 -> same image as python:3.11 (see the header) --------------------
full_id=$(buildah inspect --type image --format '{{.FromImageID}}' "$IMG_PY_FULL")
alias_id=$(buildah inspect --type image --format '{{.FromImageID}}' "$IMG_PY_310" 2>/dev/null || true)
if [ "$full_id" != "$alias_id" ]; then
  buildah tag "$IMG_PY_FULL" "$IMG_PY_310"
  log "tagged $IMG_PY_310 -> $IMG_PY_FULL (Python 3.11 inside)"
else
  log "ok $IMG_PY_310 (= $IMG_PY_FULL)"
fi

buildah images --format '{{.Name}}:{{.Tag}}  {{.ID}}  {{.Size}}' \
  | grep -E '^docker\.io/library/(debian|python):' >&2 || true
