"""Running builder CLIs: stream a long command's lines, or run one with a deadline; and the
two ways every backend uses them: write an archive whole or not at all, and run a named
throwaway container that a timeout removes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.builder.backend import BuildResult, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.log import TAIL_LINES, failing_step

KEEP_LINES = 200
_DRAIN_S = 10
"""How long to read what a killed command still writes before giving up on it."""


@dataclass(frozen=True)
class Streamed:
    exit_code: int
    lines: tuple[str, ...]
    """The last :data:`KEEP_LINES` lines of output (stdout and stderr interleaved)."""
    seconds: float


def _start_error(argv: Sequence[str], exc: OSError) -> BuildError:
    return BuildError(f"cannot run {argv[0]}: {exc.strerror or exc}")


def stream(argv: Sequence[str], env: Mapping[str, str], on_line: Callable[[str], None]) -> Streamed:
    """Run ``argv``, passing each line of its merged output to ``on_line`` as it comes."""
    started = time.monotonic()
    kept: deque[str] = deque(maxlen=KEEP_LINES)
    try:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise _start_error(argv, exc) from exc
    with proc:  # closes the pipe
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                kept.append(line)
                on_line(line)
            code = proc.wait()
        except BaseException:
            proc.kill()
            raise
    return Streamed(code, tuple(kept), time.monotonic() - started)


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout_s: float | None = None,
    on_timeout: Callable[[], None] | None = None,
    kill_leftovers: bool = False,
) -> Finished:
    """Run ``argv`` to the end or to ``timeout_s``, then kill its whole process group.

    ``on_timeout`` runs after the kill (e.g. to stop a container the CLI left behind).
    ``kill_leftovers`` kills the group when the command ends in time too: ``buildah run``
    with chroot isolation leaves what the command started in the background running on
    the host (even ``buildah rm`` does not stop it), in the group of ``buildah`` itself.
    """
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: a timeout kills the children too
        )
    except OSError as exc:
        raise _start_error(argv, exc) from exc
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        if on_timeout is not None:
            on_timeout()
        try:
            out, err = proc.communicate(timeout=_DRAIN_S)
        except subprocess.TimeoutExpired:  # a process outside the group holds the pipes
            proc.wait()
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            out, err = "", ""
        return Finished(-1, out, err, time.monotonic() - started, True)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    if kill_leftovers:
        # The group outlives its leader while a member runs, so its ID cannot have been
        # reused by then; an empty group just makes killpg fail.
        _kill_group(proc)
    return Finished(proc.returncode, out, err, time.monotonic() - started, False)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it finished in the meantime
        os.killpg(proc.pid, signal.SIGKILL)


def check(argv: Sequence[str], env: Mapping[str, str], what: str) -> str:
    """Run a short command; its stdout, or a BuildError with its last lines of output."""
    done = run(argv, env)
    if done.exit_code != 0:
        tail = tuple((done.stdout + done.stderr).splitlines()[-20:])
        last = tail[-1] if tail else f"exit code {done.exit_code}"
        raise BuildError(f"{what} failed: {last}", log_tail=tail)
    return done.stdout


def write_archive(
    dest: Path, argv_for: Callable[[Path], Sequence[str]], env: Mapping[str, str], what: str
) -> Path:
    """Run ``argv_for(tmp)``, a command writing an archive to ``tmp`` (a hidden name beside
    ``dest``), then move it to ``dest``: a failed or killed export leaves no partial archive
    where a reader would take it for a whole one. Returns ``dest``, resolved."""
    dest = dest.resolve()
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        check(argv_for(tmp), env, what)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def run_container(
    argv_for: Callable[[str], Sequence[str]],
    remove_argv_for: Callable[[str], Sequence[str]],
    env: Mapping[str, str],
    *,
    timeout_s: float,
) -> RunResult:
    """Run ``argv_for(name)``, a ``run --rm --name NAME ...`` of a throwaway container.

    A timeout kills the CLI, not the container (the daemon, or podman's conmon, keeps it),
    so ``remove_argv_for(name)`` then force-removes it, and what it started with it; so does
    an interruption (Ctrl-C), before it goes on.
    """
    name = f"jettison-verify-{uuid.uuid4().hex[:12]}"

    def remove() -> None:
        run(remove_argv_for(name), env, timeout_s=60)

    try:
        done = run(argv_for(name), env, timeout_s=timeout_s, on_timeout=remove)
    except BaseException:
        with contextlib.suppress(BuildError):  # the CLI could not even start
            remove()
        raise
    return RunResult(done.exit_code, done.stdout, done.stderr, done.seconds, done.timed_out)


def build_image(
    builder: str,
    tag: str,
    argv_for: Callable[[Path], Sequence[str]],
    env: Mapping[str, str],
    on_line: Callable[[str], None],
) -> BuildResult:
    """Run a builder whose command writes the image ID to an ``--iidfile``, streaming its
    output; raise a BuildError naming the failing step when it fails.

    ``argv_for(iidfile)`` gives the full command line for the builder (``builder`` names it
    in messages).
    """
    with tempfile.TemporaryDirectory(prefix="jettison-build-") as tmp:
        iidfile = Path(tmp) / "iid"
        done = stream(argv_for(iidfile), env, on_line)
        image_id = iidfile.read_text().strip() if iidfile.is_file() else ""
    tail = done.lines[-TAIL_LINES:]
    if done.exit_code != 0 or not image_id:
        step = failing_step(done.lines)
        where = f" at {step}" if step else ""
        raise BuildError(
            f"{builder} build of {tag} failed{where} (exit code {done.exit_code})",
            hint="the builder's last lines are above; fix the step and build again",
            step=step,
            log_tail=tail,
        )
    return BuildResult(tag, image_id, done.seconds, tail)
