"""The fuzzing campaign: every harness of ``tests/fuzz/harnesses.py`` under atheris
(libFuzzer, coverage-guided over jettison's instrumented bytecode), long runs.

    .venv/bin/python bench/fuzz.py campaign --runs 100000 [--jobs 2] [HARNESS ...]
    .venv/bin/python bench/fuzz.py run HARNESS --runs N     # one harness, in this process
    .venv/bin/python bench/fuzz.py replay HARNESS FILE...   # inputs through the invariant
    .venv/bin/python bench/fuzz.py minimize HARNESS FILE    # the smallest input, same crash
    .venv/bin/python bench/fuzz.py table                    # the figures, as Markdown

Each harness runs in a process of its own with a persistent corpus under
``build/fuzz/<harness>/corpus`` (seeded from the harness's seeds), so an interrupted
campaign resumes where it stopped. An input that breaks the invariant is recorded, not
fatal: the smallest input per crash signature goes to ``build/fuzz/<harness>/crashes/``
and fuzzing goes on. The campaign prints, per harness, the executions, libFuzzer's
coverage (``cov``: edges of jettison's code reached; ``ft``: features) and the crash
signatures, and writes them to ``build/fuzz/summary.json``.

Time bounds: the invariant's own alarms per input (10 s of CPU time, 120 s of wall time);
a process that stops reporting progress for ``--stall`` seconds (a hang the alarm could
not interrupt, in C code) is killed and its last input recorded as a hang. Memory: the
invariant's bound per input, and libFuzzer's ``-rss_limit_mb`` for the process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
OUT = ROOT / "build" / "fuzz"
MAX_LEN = {"image": 65536, "layer": 65536, "tar": 32768, "lint": 2048, "fix": 2048}
"""libFuzzer's -max_len per harness (default 8192: text inputs need no more; lint and fix
read a Dockerfile's first 2 KiB, which keeps them at tens of executions per second)."""


def _import_instrumented() -> None:
    """Import every jettison module under atheris's bytecode instrumentation (the targets
    import lazily; they then find the instrumented modules)."""
    import pkgutil

    import atheris

    with atheris.instrument_imports(include=["jettison"]):
        import jettison

        for info in pkgutil.walk_packages(jettison.__path__, "jettison."):
            if ".cli" in info.name or info.name.endswith("__main__"):
                continue
            __import__(info.name)


def run(name: str, runs: int, seconds: int) -> None:
    """Fuzz one harness in this process (libFuzzer takes over; it exits when done)."""
    import atheris

    from fuzz.harnesses import BY_NAME
    from fuzz.invariant import Violation, run_checked

    harness = BY_NAME[name]
    home = OUT / name
    corpus, crashes = home / "corpus", home / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in harness.seeds():
        (corpus / f"seed-{hashlib.sha1(seed).hexdigest()[:16]}").write_bytes(seed)
    _import_instrumented()
    current = home / "current"
    progress = home / "progress"
    state = {"n": 0, "written": 0.0}

    def one_input(data: bytes) -> None:
        # Progress at least once a second, whatever the rate: the supervisor calls a child
        # that writes none for --stall seconds hung (every 64 inputs was a false hang at
        # 0.5 inputs a second on a loaded machine).
        state["n"] += 1
        if time.monotonic() - state["written"] >= 1.0:
            progress.write_text(str(state["n"]))
            state["written"] = time.monotonic()
        current.write_bytes(data)
        try:
            run_checked(harness.target, data)
        except Violation as violation:
            _record(crashes, violation.kind, violation.signature, str(violation), data)

    argv = [
        sys.argv[0],
        str(corpus),
        f"-runs={runs}",
        f"-max_len={MAX_LEN.get(name, 8192)}",
        "-timeout=0",  # the invariant's alarm bounds each input (libFuzzer's would clash)
        "-rss_limit_mb=4096",
        "-print_final_stats=1",
        f"-max_total_time={seconds}",
        "-seed=1",
        f"-artifact_prefix={home}/",  # libFuzzer's own finds (slow units), not the cwd
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def _record(crashes: Path, kind: str, signature: str, text: str, data: bytes) -> None:
    """Keep the smallest input per signature, and count every hit."""
    key = hashlib.sha1(signature.encode()).hexdigest()[:12]
    meta_path = crashes / f"{key}.json"
    meta = {"signature": signature, "kind": kind, "detail": text, "hits": 0, "size": None}
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
    meta["hits"] += 1
    if meta["size"] is None or len(data) < meta["size"]:
        meta["size"] = len(data)
        meta["detail"] = text
        (crashes / f"{key}.bin").write_bytes(data)
    meta_path.write_text(json.dumps(meta, indent=1))


_STAT = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)")


def _supervise(name: str, runs: int, seconds: int, stall: int) -> dict[str, object]:
    """Run one harness in a child process until ``runs`` executions are done (restarting it
    after a stall or a libFuzzer abort), and read its figures from libFuzzer's output."""
    home = OUT / name
    home.mkdir(parents=True, exist_ok=True)
    log = home / "log.txt"
    done = 0
    cov = ft = 0
    started = time.monotonic()
    restarts = 0
    while done < runs and time.monotonic() - started < seconds:
        left = runs - done
        progress = home / "progress"
        progress.write_text("0")
        with log.open("a") as out:
            child = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "run",
                    name,
                    "--runs",
                    str(left),
                    "--seconds",
                    str(int(seconds - (time.monotonic() - started)) + 1),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
            last, last_change = "0", time.monotonic()
            while child.poll() is None:
                time.sleep(2)
                now = progress.read_text() if progress.is_file() else "0"
                if now != last:
                    last, last_change = now, time.monotonic()
                elif time.monotonic() - last_change > stall:
                    child.kill()
                    child.wait()
                    data = (home / "current").read_bytes()
                    sys.path[:0] = [str(ROOT / "tests")]
                    _record(
                        home / "crashes", "hang", "hang|stall|?", f"no progress in {stall} s", data
                    )
        text = log.read_text(errors="replace")
        session = text.rsplit("INFO: Running with entropic", 1)[-1]
        stats = _STAT.findall(session)
        executed = re.search(r"stat::number_of_executed_units: (\d+)", session)
        count = int(executed.group(1)) if executed else (int(stats[-1][0]) if stats else 0)
        if stats:
            cov, ft = max(cov, int(stats[-1][1])), max(ft, int(stats[-1][2]))
        done += max(count, 1)
        if child.returncode != 0:
            restarts += 1
            if restarts > 20:
                break
    crashes = []
    for meta_path in sorted((home / "crashes").glob("*.json")):
        meta = json.loads(meta_path.read_text())
        crashes.append({k: meta[k] for k in ("signature", "hits", "size", "detail")})
    return {
        "harness": name,
        "executions": done,
        "cov": cov,
        "ft": ft,
        "seconds": round(time.monotonic() - started),
        "restarts": restarts,
        "crashes": crashes,
    }


def campaign(names: list[str], runs: int, jobs: int, seconds: int, stall: int) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from fuzz.harnesses import HARNESSES

    chosen = names or [h.name for h in HARNESSES]
    summary_path = OUT / "summary.json"
    OUT.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {}
    with ThreadPoolExecutor(jobs) as pool:
        for result in pool.map(lambda n: _supervise(n, runs, seconds, stall), chosen):
            # Read again before each write: another campaign may share the summary.
            summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
            summary[str(result["harness"])] = result
            summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True))
            crashes = result["crashes"]
            assert isinstance(crashes, list)
            print(
                f"{result['harness']:<14} {result['executions']:>9,} execs  cov {result['cov']:>6}"
                f"  ft {result['ft']:>6}  {result['seconds']:>6} s  crashes {len(crashes)}",
                flush=True,
            )
            for crash in crashes:
                print(f"    {crash['hits']:>6} x {crash['signature']}  ({crash['size']} bytes)")
    return 0 if all(not s["crashes"] for s in summary.values()) else 1


def table() -> int:
    """The campaign's figures as a Markdown table (for bench/README.md)."""
    summary = json.loads((OUT / "summary.json").read_text())
    print("| harness | executions | cov | ft | time | crashes found |")
    print("|---|---:|---:|---:|---:|---|")
    for name, row in sorted(summary.items()):
        found = "; ".join(
            f"{c['signature'].split('|')[0]} at {c['signature'].split('|')[-1]}"
            for c in row["crashes"]
        )
        minutes = round(row["seconds"] / 60)
        print(
            f"| {name} | {row['executions']:,} | {row['cov']} | {row['ft']} | {minutes} min "
            f"| {found or 'none'} |"
        )
    return 0


def replay(name: str, files: list[str]) -> int:
    from fuzz.harnesses import BY_NAME
    from fuzz.invariant import Violation, run_checked

    failed = 0
    for file in files:
        try:
            run_checked(BY_NAME[name].target, Path(file).read_bytes())
            print(f"ok    {file}")
        except Violation as violation:
            failed += 1
            print(f"FAIL  {file}: {violation}")
    return 1 if failed else 0


def _signature(name: str, data: bytes) -> str | None:
    from fuzz.harnesses import BY_NAME
    from fuzz.invariant import Violation, run_checked

    try:
        run_checked(BY_NAME[name].target, data)
    except Violation as violation:
        return violation.signature
    return None


def minimize(name: str, file: str) -> int:
    """Shrink a recorded input while it breaks the invariant with the same signature: drop
    ever smaller pieces (halves, quarters... single bytes), then lines, until no removal
    keeps the crash (a greedy delta debugging; libFuzzer's own -minimize_crash needs a
    process that dies, and the invariant records instead). Prints the result as a Python
    bytes literal, for ``tests/fuzz/test_regressions.py``."""
    data = Path(file).read_bytes()
    wanted = _signature(name, data)
    if wanted is None:
        print(f"{file} holds the invariant: nothing to minimise", file=sys.stderr)
        return 1
    piece = max(1, len(data) // 2)
    while piece >= 1:
        start, shrunk = 0, False
        while start < len(data):
            trial = data[:start] + data[start + piece :]
            if trial != data and _signature(name, trial) == wanted:
                data, shrunk = trial, True
            else:
                start += piece
        if not shrunk:
            piece //= 2
    print(f"{len(data)} bytes, {wanted}", file=sys.stderr)
    print(repr(data))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    one = sub.add_parser("run")
    one.add_argument("harness")
    one.add_argument("--runs", type=int, default=100_000)
    one.add_argument("--seconds", type=int, default=6 * 3600)
    many = sub.add_parser("campaign")
    many.add_argument("harnesses", nargs="*")
    many.add_argument("--runs", type=int, default=100_000)
    many.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    many.add_argument("--seconds", type=int, default=6 * 3600, help="per harness")
    many.add_argument("--stall", type=int, default=120)
    sub.add_parser("table")
    again = sub.add_parser("replay")
    again.add_argument("harness")
    again.add_argument("files", nargs="+")
    small = sub.add_parser("minimize")
    small.add_argument("harness")
    small.add_argument("file")
    args = parser.parse_args()
    if args.verb == "run":
        run(args.harness, args.runs, args.seconds)
        return 0
    if args.verb == "table":
        return table()
    if args.verb == "replay":
        return replay(args.harness, args.files)
    if args.verb == "minimize":
        return minimize(args.harness, args.file)
    return campaign(args.harnesses, args.runs, args.jobs, args.seconds, args.stall)


if __name__ == "__main__":
    sys.exit(main())
