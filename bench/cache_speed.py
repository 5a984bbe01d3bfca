#!/usr/bin/env python3
"""The layer cache: a second image that shares all but its last layer with an inspected one.

    .venv/bin/python bench/cache_speed.py FIRST.tar SECOND.tar [--runs 3]

In an empty cache directory (``JETTISON_CACHE`` set to a temporary one), per run:

1. ``jettison inspect FIRST`` fills the cache (every layer read): the *first* time;
2. ``jettison inspect SECOND`` takes the shared layers from it and reads only the new one;
3. ``jettison inspect SECOND --no-cache`` reads everything, for the report to compare.

Prints wall time and peak RSS (GNU time when installed, as ``inspect_vs_dive.py`` measures)
of each, the ratio first / second, and whether the reports of 2 and 3 are identical.
Exit status 0 when they are, 1 when they differ, 2 when a run fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inspect_vs_dive import Meter, find_gnu_time, find_tool, human, warm

FLAGS = ("--format", "json", "--no-progress")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jettison", default=find_tool("jettison"))
    args = parser.parse_args(argv)
    args.first, args.second = args.first.resolve(), args.second.resolve()
    meter = Meter(find_gnu_time())
    for archive in (args.first, args.second):
        warm(archive)
    times: dict[str, list[float]] = {"first": [], "second": [], "second, --no-cache": []}
    rss: dict[str, int] = dict.fromkeys(times, 0)
    same = True
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="jettison-cache-bench-") as tmp:
            work = Path(tmp)
            os.environ["JETTISON_CACHE"] = str(work / "cache")
            steps = {
                "first": [str(args.first)],
                "second": [str(args.second)],
                "second, --no-cache": [str(args.second), "--no-cache"],
            }
            reports = {}
            for name, extra in steps.items():
                out = work / f"{len(reports)}.json"
                with out.open("w") as stdout:
                    measured, errors = meter.run(
                        [args.jettison, "inspect", *extra, *FLAGS], stdout, work
                    )
                if measured.exit_code != 0:
                    print(f"{name} failed:\n{errors[-2000:]}", file=sys.stderr)
                    return 2
                times[name].append(measured.wall_s)
                rss[name] = max(rss[name], measured.max_rss_bytes)
                reports[name] = out.read_bytes()
                print(
                    f"run {run + 1}/{args.runs} {name:<20} {measured.wall_s:7.2f}s wall, "
                    f"{human(measured.max_rss_bytes)} peak RSS",
                    file=sys.stderr,
                )
            same = same and reports["second"] == reports["second, --no-cache"]
    print(f"first  {args.first}\nsecond {args.second}")
    print(f"{'step':<22}{'median wall':>13}{'peak RSS':>11}")
    for name, values in times.items():
        print(f"{name:<22}{statistics.median(values):>12.2f}s{human(rss[name]):>11}")
    ratio = statistics.median(times["first"]) / statistics.median(times["second"])
    print(f"first / second from the cache: {ratio:.1f}x")
    verdict = "identical" if same else "DIFFER"
    print(f"reports of the second image with and without the cache: {verdict}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
