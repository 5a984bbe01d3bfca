#!/usr/bin/env python3
"""Time and measure `jettison inspect` against `dive --ci` on one docker-archive.

    .venv/bin/python bench/inspect_vs_dive.py [ARCHIVE] [--runs N] [--drop-caches] [--json OUT]

Runs, in one session and alternating their order, N times each (default 3):

    jettison inspect ARCHIVE --format json --no-progress          (report to a temp file)
    dive --source docker-archive ARCHIVE --ci --json OUT.json

and for every run records the child's own wall time, CPU time and peak RSS. Each child is
reaped with ``os.wait4``, which returns that child's resource usage; the deltas of
``getrusage(RUSAGE_CHILDREN)`` would not do, since its ``ru_maxrss`` is the largest of all
children reaped so far, not the last one's. Peak RSS comes from GNU time when it is
installed (see :class:`Meter`: a forked child's ``ru_maxrss`` includes its parent's memory).

Then it checks that jettison's dive-compatible figures (efficiency score, wasted bytes,
image and layer sizes, the inefficient paths in dive's order) equal dive's JSON, and prints
a table: median and minimum wall time, median CPU time, peak RSS, the jettison/dive ratios,
and what jettison found in the image (top owners, CUDA bytes, removable bytes by cause).
Besides the ratio of the medians it gives the median of the paired ratios (run i of
jettison against run i of dive, which ran right before or after it): on a host whose speed
drifts between runs (shared vCPUs), the pairs see the same conditions and the medians may not.

Bytecode: jettison's modules are compiled first (``compileall``), as ``pip install`` does
for a wheel, so the runs measure jettison as installed; ``--from-source`` skips that (then,
where ``PYTHONDONTWRITEBYTECODE`` is set, every run compiles ~70 modules from source).

Page cache: by default the archive is read once before the first run, so every run starts
warm. ``--drop-caches`` (root only) runs ``sync`` and writes 3 to /proc/sys/vm/drop_caches
before *each* run instead, so each tool reads the archive from disk.

ARCHIVE defaults to build/bert-naive.tar (``bench/bert-build.sh`` makes it; several GB).
``--json OUT`` writes the results as JSON (``-`` for stdout, the table then goes to stderr).
Exit status: 0 when the figures match, 1 when they differ, 2 when a tool fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ARCHIVE = REPO / "build" / "bert-naive.tar"
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
TOP_OWNERS = 5
JETTISON_FLAGS = ("--format", "json", "--no-progress", "--no-cache")


@dataclass(frozen=True)
class Run:
    wall_s: float
    user_s: float
    sys_s: float
    max_rss_bytes: int
    exit_code: int

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


@dataclass
class ToolResult:
    name: str
    command: list[str]
    version: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median_wall_s(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def min_wall_s(self) -> float:
        return min(r.wall_s for r in self.runs)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)

    @property
    def peak_rss_bytes(self) -> int:
        return max(r.max_rss_bytes for r in self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "version": self.version,
            "runs": [asdict(r) for r in self.runs],
            "median_wall_s": self.median_wall_s,
            "min_wall_s": self.min_wall_s,
            "median_cpu_s": self.median_cpu_s,
            "peak_rss_bytes": self.peak_rss_bytes,
        }


class ToolFailed(Exception):
    pass


# --------------------------------------------------------------------------- running


class Meter:
    """Runs a command and measures that process alone.

    Wall time is taken around the child; CPU time comes from ``os.wait4``, which returns the
    reaped child's own rusage (and that of the descendants it waited for).

    Peak RSS needs care. Linux counts in a process's ``ru_maxrss`` the memory it had *before*
    ``exec``: the copy of the forking parent. A child forked from this Python process (tens
    of MB, more once reports are loaded) would report at least that much, even for ``true``.
    So, when GNU time is installed, each tool runs under ``time -f %M``: GNU time (about
    1 MB) forks the tool and reports the tool's own ``ru_maxrss``; wall and CPU time still
    come from ``wait4`` on GNU time, which includes the tool it waited for. Without GNU time
    the ``wait4`` figure is used, and :attr:`baseline_rss_bytes` (the same measure for
    ``true``) says how much of it is this script.
    """

    def __init__(self, gnu_time: str | None) -> None:
        self.gnu_time = gnu_time
        self.method = (
            "GNU time -f %M (the tool's own ru_maxrss)"
            if gnu_time
            else "os.wait4 ru_maxrss (includes the forked benchmark process)"
        )
        self.baseline_rss_bytes = 0

    def calibrate(self, cwd: Path) -> None:
        with open(os.devnull, "w") as null:
            run, _ = self.run(["true"], null, cwd)
        self.baseline_rss_bytes = run.max_rss_bytes

    def run(self, command: list[str], stdout: TextIO, cwd: Path) -> tuple[Run, str]:
        """Run ``command`` to completion; returns its measures and its stderr."""
        with (
            tempfile.NamedTemporaryFile(mode="w+", dir=cwd, suffix=".rss") as rss,
            tempfile.TemporaryFile(mode="w+") as stderr,
        ):
            if self.gnu_time:
                command = [self.gnu_time, "-f", "%M", "-o", rss.name, "--", *command]
            start = time.perf_counter()
            proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            stderr.seek(0)
            errors = stderr.read()
            # GNU time writes "Command exited with non-zero status N" first, then %M.
            lines = rss.read().split()
            max_rss_kib = int(lines[-1]) if self.gnu_time and lines else usage.ru_maxrss
        run = Run(
            wall_s=wall,
            user_s=usage.ru_utime,
            sys_s=usage.ru_stime,
            max_rss_bytes=max_rss_kib * 1024,  # KiB on Linux
            exit_code=proc.returncode,
        )
        return run, errors


def find_gnu_time() -> str | None:
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").is_file() else None)
    if path is None:
        return None
    done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return path if "GNU" in done.stdout + done.stderr else None


def drop_caches() -> None:
    os.sync()
    DROP_CACHES.write_text("3\n")


def warm(path: Path) -> None:
    with path.open("rb") as fh:
        while fh.read(16 << 20):
            pass


def find_tool(name: str) -> str | None:
    """On PATH, or next to this interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name(name)
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


def compile_bytecode(executable: str) -> str:
    """Compile jettison's modules to bytecode, as ``pip install`` does for a wheel (its
    default), with the interpreter of ``executable``'s shebang; say what was done.

    An editable install in an environment with ``PYTHONDONTWRITEBYTECODE`` set (this
    machine's) otherwise compiles every module from source on every run: ~0.08 s of CPU
    for the ~70 modules inspect imports, a cost no installed copy pays.
    """
    try:
        first = Path(executable).read_bytes()[:256].split(b"\n", 1)[0]
    except OSError:
        return "not compiled (jettison executable unreadable)"
    interpreter = first[2:].decode(errors="replace").strip() if first.startswith(b"#!") else ""
    if not interpreter or " " in interpreter:
        return "not compiled (no plain python shebang)"
    where = subprocess.run(
        [interpreter, "-c", "import jettison, os; print(os.path.dirname(jettison.__file__))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    package = where.stdout.strip()
    if where.returncode != 0 or not package:
        return "not compiled (jettison not importable by its interpreter)"
    done = subprocess.run([interpreter, "-m", "compileall", "-q", package], check=False)
    return f"compiled ({package})" if done.returncode == 0 else "compileall failed"


def version_of(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


# --------------------------------------------------------------------------- comparing


def dive_view(dive: dict[str, Any]) -> dict[str, Any]:
    image = dive["image"]
    return {
        "efficiency_score": image["efficiencyScore"],
        "wasted_bytes": image["inefficientBytes"],
        "size_bytes": image["sizeBytes"],
        "layer_size_bytes": [layer["sizeBytes"] for layer in dive["layer"]],
        "inefficient_paths": [
            (r["file"], r["count"], r["sizeBytes"]) for r in image["fileReference"]
        ],
    }


def jettison_view(report: dict[str, Any]) -> dict[str, Any]:
    dive = report["dive"]
    return {
        "efficiency_score": dive["efficiency_score"],
        "wasted_bytes": dive["wasted_bytes"],
        "size_bytes": dive["size_bytes"],
        "layer_size_bytes": dive["layer_size_bytes"],
        "inefficient_paths": [
            ("/" + p["path"], p["count"], p["size_bytes"]) for p in dive["inefficient_paths"]
        ],
    }


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    found = []
    for key in ours:
        if ours[key] == theirs[key]:
            continue
        if key == "inefficient_paths":
            a, b = ours[key], theirs[key]
            first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            where = (
                f"first difference at #{first}: {a[first]} vs {b[first]}"
                if first is not None
                else ""
            )
            found.append(f"{key}: {len(a)} vs {len(b)} paths; {where}".rstrip("; "))
        else:
            found.append(f"{key}: jettison {ours[key]!r}, dive {theirs[key]!r}")
    return found


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What jettison found, for the table and the JSON."""
    attribution = report["attribution"]
    return {
        "size_bytes": report["size_bytes"],
        "final_bytes": report["final_bytes"],
        "pull_bytes": report["pull_bytes"],
        "layers": sum(1 for layer in report["layers"] if layer["index"] is not None),
        "files": sum(o["file_count"] for o in attribution["owners"]),
        "efficiency_score": report["dive"]["efficiency_score"],
        "wasted_bytes": report["dive"]["wasted_bytes"],
        "shadowed_bytes": report["shadowed"]["size_bytes"],
        "removable_bytes": report["removable_bytes"],
        "removable": {c["cause"]: c["size_bytes"] for c in report["removable"]},
        "cuda_bytes": attribution["cuda_bytes"],
        "cuda": {f["family"]: f["size_bytes"] for f in attribution["cuda"]},
        "top_owners": [
            {
                "owner": f"{o['kind']}:{o['name']}",
                "version": o["version"],
                "size_bytes": o["size_bytes"],
            }
            for o in attribution["owners"][:TOP_OWNERS]
        ],
    }


# --------------------------------------------------------------------------- output


def human(size: int | None) -> str:
    if size is None:
        return "-"
    value, unit = float(size), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    return f"{value:.3g} {unit}" if unit != "B" else f"{size} B"


def table(results: dict[str, Any], tools: dict[str, ToolResult]) -> str:
    j, d = tools["jettison"], tools["dive"]
    found = results["found"]
    lines = [
        f"archive   {results['archive']} ({human(results['archive_bytes'])})",
        f"image     {found['layers']} layers, {found['files']:,} files; "
        f"{human(found['size_bytes'])} in layers, {human(found['final_bytes'])} final, "
        f"pull {human(found['pull_bytes'])}",
        f"host      {results['host']['cpus']} CPUs, {results['host']['system']}; "
        f"page cache: {results['cache']}",
        f"bytecode  {results['jettison_bytecode']}",
        "",
        f"{'tool':<10}{'runs':>5}{'median wall':>13}{'min wall':>10}{'median CPU':>12}"
        f"{'peak RSS':>11}",
    ]
    for tool in (j, d):
        lines.append(
            f"{tool.name:<10}{len(tool.runs):>5}{tool.median_wall_s:>12.2f}s{tool.min_wall_s:>9.2f}s"
            f"{tool.median_cpu_s:>11.2f}s{human(tool.peak_rss_bytes):>11}"
        )
    ratio = results["ratio_jettison_to_dive"]
    lines.append(
        f"{'ratio':<10}{'':>5}{ratio['median_wall']:>12.2f}x{ratio['min_wall']:>9.2f}x"
        f"{ratio['median_cpu']:>11.2f}x{ratio['peak_rss']:>10.2f}x   (jettison / dive)"
    )
    lines.append(
        f"{'paired':<10}{'':>5}{ratio['paired_wall']:>12.2f}x{'':>10}"
        f"{ratio['paired_cpu']:>11.2f}x{'':>11}   (median of run i / run i)"
    )
    lines.append(f"versions  {j.version}; {d.version}")
    lines.append(
        f"peak RSS  {results['peak_rss_method']}; `true` measures "
        f"{human(results['baseline_rss_bytes'])} this way"
    )
    lines.append("")
    if results["dive_figures_match"]:
        lines.append(
            f"dive figures match: efficiency {found['efficiency_score']!r}, wasted "
            f"{found['wasted_bytes']:,} B, {results['inefficient_paths']:,} inefficient paths"
        )
    else:
        lines.append("dive figures DIFFER:")
        lines.extend(f"  {m}" for m in results["mismatches"])
    lines.append("")
    lines.append(f"top {TOP_OWNERS} owners")
    lines.extend(
        f"  {human(o['size_bytes']):>9}  {o['owner']}{' ' + o['version'] if o['version'] else ''}"
        for o in found["top_owners"]
    )
    cuda = ", ".join(
        f"{k} {human(v)}" for k, v in sorted(found["cuda"].items(), key=lambda kv: -kv[1])
    )
    lines.append(f"CUDA      {human(found['cuda_bytes'])}" + (f" ({cuda})" if cuda else ""))
    lines.append(
        f"shadowed  {human(found['shadowed_bytes'])}; dive wasted {human(found['wasted_bytes'])}"
    )
    lines.append(f"removable {human(found['removable_bytes'])}")
    lines.extend(
        f"  {human(size):>9}  {cause}" for cause, size in found["removable"].items() if size
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark `jettison inspect` against `dive --ci` on a docker-archive.",
    )
    parser.add_argument("archive", nargs="?", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool (default 3)")
    parser.add_argument(
        "--drop-caches", action="store_true",
        help="drop the page cache before each run (root only); default: warm it once",
    )  # fmt: skip
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON ('-': stdout)")
    parser.add_argument(
        "--jettison-arg", action="append", default=[], metavar="ARG",
        help="extra argument for `jettison inspect` (repeatable), e.g. --jettison-arg=--no-verify",
    )  # fmt: skip
    parser.add_argument(
        "--no-gnu-time", action="store_true",
        help="take peak RSS from os.wait4 even when GNU time is installed (see Meter)",
    )  # fmt: skip
    parser.add_argument(
        "--from-source", action="store_true",
        help="do not compile jettison's bytecode first (default: compile it, as pip does)",
    )  # fmt: skip
    parser.add_argument("--jettison", default=find_tool("jettison"), help="jettison executable")
    parser.add_argument("--dive", default=find_tool("dive"), help="dive executable")
    args = parser.parse_args(argv)

    archive: Path = args.archive.resolve()
    if not archive.is_file():
        hint = " (make it with bench/bert-build.sh)" if args.archive == DEFAULT_ARCHIVE else ""
        parser.error(f"{archive} does not exist{hint}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for tool in ("jettison", "dive"):
        if not getattr(args, tool):
            parser.error(f"{tool} not found; pass --{tool} PATH")
    if args.drop_caches and (os.geteuid() != 0 or not os.access(DROP_CACHES, os.W_OK)):
        parser.error("--drop-caches needs root (it writes /proc/sys/vm/drop_caches)")
    out: TextIO = sys.stderr if args.json == "-" else sys.stdout

    with tempfile.TemporaryDirectory(prefix="jettison-bench-") as tmp:
        work = Path(tmp)  # also the children's cwd: no project config is picked up
        tools = {
            "jettison": ToolResult(
                "jettison",
                [args.jettison, "inspect", str(archive), *JETTISON_FLAGS, *args.jettison_arg],
                version_of([args.jettison, "--version"]),
            ),
            "dive": ToolResult(
                "dive",
                [args.dive, "--source", "docker-archive", str(archive), "--ci", "--json"],
                version_of([args.dive, "--version"]),
            ),
        }
        bytecode = "not compiled (--from-source)"
        if not args.from_source:
            bytecode = compile_bytecode(args.jettison)
        meter = Meter(None if args.no_gnu_time else find_gnu_time())
        meter.calibrate(work)
        if not args.drop_caches:
            warm(archive)
        outputs: dict[str, list[Path]] = {"jettison": [], "dive": []}
        for index in range(args.runs):
            order = ("jettison", "dive") if index % 2 == 0 else ("dive", "jettison")
            for name in order:
                tool = tools[name]
                stdout_path = work / f"{name}-{index}.stdout"
                dive_json = work / f"{name}-{index}.json"
                command = tool.command + ([str(dive_json)] if name == "dive" else [])
                result = dive_json if name == "dive" else stdout_path
                if args.drop_caches:
                    drop_caches()
                with stdout_path.open("w") as stdout:
                    run, errors = meter.run(command, stdout, work)
                if run.exit_code != 0 or not result.is_file():
                    message = f"{name} failed (exit {run.exit_code}):\n{errors[-3000:]}"
                    print(message, file=sys.stderr)
                    return 2
                tool.runs.append(run)
                outputs[name].append(result)  # parsed after the runs: this process stays small
                print(
                    f"run {index + 1}/{args.runs} {name:<8} {run.wall_s:7.2f}s wall, "
                    f"{run.cpu_s:7.2f}s CPU, {human(run.max_rss_bytes)} peak RSS",
                    file=sys.stderr,
                )
        ours = [jettison_view(json.loads(p.read_text())) for p in outputs["jettison"]]
        theirs = [dive_view(json.loads(p.read_text())) for p in outputs["dive"]]
        found = summary(json.loads(outputs["jettison"][0].read_text()))

    mismatches = differences(ours[0], theirs[0])
    mismatches += [
        f"jettison run {i + 1} differs from run 1" for i, v in enumerate(ours) if v != ours[0]
    ]
    mismatches += [
        f"dive run {i + 1} differs from run 1" for i, v in enumerate(theirs) if v != theirs[0]
    ]
    j, d = tools["jettison"], tools["dive"]
    results: dict[str, Any] = {
        "archive": str(archive),
        "archive_bytes": archive.stat().st_size,
        "runs": args.runs,
        "cache": "cold (dropped before each run)" if args.drop_caches else "warm (read once first)",
        "host": {
            "cpus": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
        },
        "tools": {name: tool.to_json() for name, tool in tools.items()},
        "jettison_bytecode": bytecode,
        "peak_rss_method": meter.method,
        "baseline_rss_bytes": meter.baseline_rss_bytes,
        "ratio_jettison_to_dive": {
            "median_wall": j.median_wall_s / d.median_wall_s,
            "min_wall": j.min_wall_s / d.min_wall_s,
            "median_cpu": j.median_cpu_s / d.median_cpu_s,
            "peak_rss": j.peak_rss_bytes / d.peak_rss_bytes,
            "paired_wall": statistics.median(
                a.wall_s / b.wall_s for a, b in zip(j.runs, d.runs, strict=True)
            ),
            "paired_cpu": statistics.median(
                a.cpu_s / b.cpu_s for a, b in zip(j.runs, d.runs, strict=True)
            ),
        },
        "dive_figures_match": not mismatches,
        "mismatches": mismatches,
        "inefficient_paths": len(ours[0]["inefficient_paths"]),
        "found": found,
    }
    print(table(results, tools), file=out)
    if args.json == "-":
        print(json.dumps(results, indent=2))
    elif args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"results written to {args.json}", file=sys.stderr)
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
