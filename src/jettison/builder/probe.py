"""The HTTP probe: start a service in a container and ask it ``GET http://127.0.0.1:PORT/PATH``.

Containers run without network (and cannot publish ports: buildah and podman run
daemonless, docker with ``--network none``), so the request is sent from *inside* the
container: one container runs :data:`SCRIPT` under ``/bin/sh``, which starts the service
in the background, polls it with whatever client the image has (its Python's ``urllib``,
else ``curl``, else ``wget``), prints the answer and stops the service.

What the script prints, so that :mod:`jettison.builder.verify` can judge and compare runs:

- stdout: ``HTTP <status>`` and the response body (at most ``limit`` bytes), only when the
  service answered; two images are compared on exactly this;
- stderr: the last lines of the service's own output (where a ``ModuleNotFoundError`` or a
  failing library shows up), then one summary line starting with ``probe:``;
- exit code 0 when the answer was 2xx, else 1.

It polls until a 2xx answer or the deadline, but stops at the first answer that waiting
cannot change (a 4xx other than 408/425/429: a wrong path stays wrong); 5xx and 429 are
retried, as a service still loading its model often says 503. Before starting the
service it checks that nothing answers on the port yet: with buildah's chroot isolation a
container shares the host's network, and a probe must not take another server's answer
for the service's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from jettison.errors import ConfigError

NAME = "jettison-probe"
"""``$0`` of the script (what ``ps`` shows)."""
BODY_LIMIT_BYTES = 4096
STOP_GRACE_S = 5
"""How long the service gets to stop after SIGTERM before SIGKILL."""
OVERHEAD_S = STOP_GRACE_S + 15
"""Added to the probe's wait for the container's own deadline: starting the container,
finding a client, stopping the service. The script's deadline comes first, so a probe
that gets no answer says so instead of being killed silently."""
_POLL_S = 0.5
_LOG_LINES = 20

# One request; writes DIR/status and DIR/body when the service answered (any status).
# -I: the app's working directory must not shadow urllib (a local http/ or urllib/).
_PYTHON_CLIENT = """\
import sys, urllib.error, urllib.request
url, out, limit, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
try:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status, body = answer.status, answer.read(limit)
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read(limit)
except Exception:
    sys.exit(1)
with open(out + "/body", "wb") as fh:
    fh.write(body)
with open(out + "/status", "w") as fh:
    fh.write(str(status))
"""

SCRIPT = rf"""
port=$1 path=$2 wait_s=$3 limit=$4
shift 4
what="GET $path on port $port"
url="http://127.0.0.1:$port$path"
dir="${{TMPDIR:-/tmp}}/.{NAME}.$$"
say() {{ echo "probe: $*" >&2; }}
mkdir -p "$dir" || {{ say "cannot create $dir for the probe's files"; exit 1; }}
trap 'rm -rf "$dir"' EXIT

client=
for py in python3 python; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -I -c 'import urllib.request' >/dev/null 2>&1
  then client=$py; break; fi
done
if [ -z "$client" ]; then
  for tool in curl wget; do
    if command -v "$tool" >/dev/null 2>&1; then client=$tool; break; fi
  done
fi
if [ -z "$client" ]; then
  say "the image has no python, curl or wget to send $what with"
  exit 1
fi

# One request within $1 seconds: 0 and DIR/status, DIR/body when anything answered.
ask() (
  rm -f "$dir/status" "$dir/body"
  unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
  case $client in
    curl)
      code=$(curl -s -L -o "$dir/body" -w '%{{http_code}}' --max-time "$1" "$url") || true
      [ -n "$code" ] && [ "$code" != 000 ] || exit 1
      echo "$code" >"$dir/status" ;;
    wget)  # busybox's wget -T crashes on some machines; timeout(1) bounds it instead
      if command -v timeout >/dev/null 2>&1; then
        timeout "$1" wget -q -S -O "$dir/body" "$url" 2>"$dir/headers"
      else
        wget -q -S -T "$1" -O "$dir/body" "$url" 2>"$dir/headers"
      fi
      code=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$dir/headers" | tail -n 1)
      [ -n "$code" ] || exit 1
      echo "$code" >"$dir/status" ;;
    *)
      "$client" -I -c '{_PYTHON_CLIENT}' "$url" "$dir" "$limit" "$1" ;;
  esac
)

if ask 2; then
  say "port $port already answers before the service starts (the container shares the" \
    "host's network?): stop what listens there, or probe another --port"
  exit 1
fi

# The service, in the background; DIR/exit appears when it ends, with its exit code.
( "$@" >"$dir/log" 2>&1 & echo $! >"$dir/pid"; wait $!; echo $? >"$dir/exit" ) >/dev/null 2>&1 &
nap() {{ sleep "$1" 2>/dev/null || sleep 1; }}

start=$(date +%s)
status=
while :; do
  left=$((start + wait_s - $(date +%s)))
  if ask "$((left > 1 ? left : 1))"; then
    status=$(cat "$dir/status")
    case $status in 5??|408|425|429) ;; *) break ;; esac
  fi
  [ -f "$dir/exit" ] && break
  [ "$left" -le 0 ] && break
  nap {_POLL_S}
done

if [ -n "$status" ]; then
  echo "HTTP $status"
  [ -f "$dir/body" ] && head -c "$limit" "$dir/body"
fi
tail -n {_LOG_LINES} "$dir/log" >&2
case $status in
  2??) say "$what: HTTP $status after $(($(date +%s) - start))s"; code=0 ;;
  ?*) say "$what: HTTP $status"; code=1 ;;
  *)
    if [ -f "$dir/exit" ]; then
      say "the service exited with code $(cat "$dir/exit") before answering $what"
    else
      say "no answer to $what within ${{wait_s}}s"
    fi
    code=1 ;;
esac

if [ ! -f "$dir/exit" ]; then
  while [ ! -s "$dir/pid" ]; do nap 0.1; done
  kill -TERM "$(cat "$dir/pid")" 2>/dev/null
  until=$(($(date +%s) + {STOP_GRACE_S}))
  while [ ! -f "$dir/exit" ] && [ "$(date +%s)" -lt "$until" ]; do nap 0.1; done
  [ -f "$dir/exit" ] || kill -KILL "$(cat "$dir/pid")" 2>/dev/null
fi
exit "$code"
"""
"""Arguments: PORT PATH WAIT_S LIMIT COMMAND..."""

_STATUS = re.compile(r"\AHTTP (\d{3})$", re.MULTILINE)


def check_path(path: str) -> str:
    """``path`` as the request line takes it: it must start with ``/`` and hold no blanks."""
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise ConfigError(
            f"probe path {path!r} is not an absolute URL path", hint="e.g. --probe /healthz"
        )
    return path


def check_port(port: int) -> int:
    if not 0 < port < 65536:
        raise ConfigError(f"port {port} is not a TCP port number", hint="1 to 65535")
    return port


def argv(command: Sequence[str], *, path: str, port: int, wait_s: float) -> tuple[str, ...]:
    """The container command that probes ``path`` on ``port`` while ``command`` runs."""
    return (
        "/bin/sh",
        "-c",
        SCRIPT,
        NAME,
        str(check_port(port)),
        check_path(path),
        str(max(1, math.ceil(wait_s))),
        str(BODY_LIMIT_BYTES),
        *command,
    )


def http_status(stdout: str) -> int | None:
    """The status the service answered with, from the script's stdout; None: no answer."""
    m = _STATUS.match(stdout)
    return int(m.group(1)) if m else None


def first_port(exposed: Sequence[str]) -> int | None:
    """The lowest TCP port of an image's ``ExposedPorts`` (``8000/tcp``, ``8000``).

    The config keeps them as a JSON object, whose order means nothing, so "the first" is
    taken to be the lowest number.
    """
    ports = []
    for spec in exposed:
        number, _, proto = spec.partition("/")
        if (proto or "tcp").lower() == "tcp" and number.isdigit():
            ports.append(int(number))
    return min(ports, default=None)
