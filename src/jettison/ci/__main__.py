"""``python -m jettison.ci``: inspect with budgets, lint to SARIF, diff against a baseline,
keep one pull-request comment up to date, exit 1 when a gate is broken."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jettison.ci.dive_ci import DiveRule, read_dive_ci
from jettison.ci.forge import MARKER, ForgeError, from_environment

BUDGETS = (
    "max-size",
    "max-pull-size",
    "min-efficiency",
    "max-removable",
    "max-shadowed",
    "max-wasted",
)


def _jettison(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a jettison command as a user would; its stderr goes to the job's log."""
    return subprocess.run(
        [sys.executable, "-m", "jettison", *args], capture_output=True, text=True, check=False
    )


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jettison.ci", description=__doc__)
    parser.add_argument("--image", required=True, help="the image built from this change")
    parser.add_argument("--baseline", help="the image to compare with (target branch or a tag)")
    parser.add_argument("--dockerfile", help="lint this Dockerfile (SARIF to --sarif)")
    parser.add_argument("--sarif", default="jettison.sarif")
    parser.add_argument(
        "--budget",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"an inspect budget: {', '.join(BUDGETS)}",
    )
    parser.add_argument("--fail-if-grown", metavar="SIZE|PCT")
    parser.add_argument(
        "--dive-ci",
        default=".dive-ci",
        help="dive's CI rules, kept as gates (read when the file exists)",
    )
    parser.add_argument("--out-dir", default="jettison-ci", help="where the reports go")
    parser.add_argument("--no-comment", action="store_true")
    return parser.parse_args(argv)


def _budget_flags(pairs: Sequence[str], rules: Sequence[DiveRule]) -> list[str]:
    flags = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in BUDGETS:
            raise SystemExit(
                f"jettison-ci: error: --budget {pair!r}: use KEY=VALUE, KEY one of "
                f"{', '.join(BUDGETS)}"
            )
        flags += [f"--{key}", value]
    for rule in rules:
        if rule.budget is not None:
            flags += [f"--{rule.budget}", rule.value]
    return flags


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    try:
        rules = read_dive_ci(Path(args.dive_ci)) if Path(args.dive_ci).is_file() else []
    except ValueError as exc:
        print(f"jettison-ci: error: {exc}", file=sys.stderr)
        return 2
    inspected = _jettison("inspect", args.image, "-f", "json", *_budget_flags(args.budget, rules))
    if inspected.returncode not in (0, 1):
        sys.stderr.write(inspected.stderr)
        return 2
    report: dict[str, Any] = json.loads(inspected.stdout)
    (out / "inspect.json").write_text(inspected.stdout, encoding="utf-8")
    broken = [
        f"{b['name']} is {b['actual']}, limit {b['limit']}"
        for b in report["budgets"]
        if not b["ok"]
    ]
    broken += [message for rule in rules if (message := rule.broken_by(report)) is not None]
    lint_line = ""
    if args.dockerfile:
        linted = _jettison(
            "lint",
            args.dockerfile,
            "-f",
            "sarif",
            "-o",
            args.sarif,
            "--force",
            "--fail-on",
            "never",
            "--offline",
        )
        lint_line = _lint_summary(Path(args.sarif)) if linted.returncode == 0 else ""
    diff_md, gate = "", ""
    if args.baseline:
        extra = ["--fail-if-grown", args.fail_if_grown] if args.fail_if_grown else []
        diffed = _jettison("diff", args.baseline, args.image, "-f", "markdown", *extra)
        if diffed.returncode not in (0, 1):
            sys.stderr.write(diffed.stderr)
            return 2
        diff_md = diffed.stdout
        if diffed.returncode == 1:
            gate = diffed.stderr.strip().removeprefix("jettison: ")
            broken.append(gate)
        _jettison(
            "diff", args.baseline, args.image, "-f", "html", "-o", str(out / "diff.html"), "--force"
        )
    comment = _comment(report, broken, diff_md, lint_line)
    (out / "comment.md").write_text(comment, encoding="utf-8")
    for line in broken:
        print(f"jettison-ci: gate broken: {line}", file=sys.stderr)
    if not args.no_comment:
        _post(comment)
    return 1 if broken else 0


def _lint_summary(sarif: Path) -> str:
    try:
        runs = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
        results = [r for run in runs for r in run.get("results", [])]
    except (OSError, ValueError, KeyError):
        return ""
    return f"Lint: {len(results)} findings (uploaded as SARIF to code scanning)."


def _size(n: int) -> str:
    value, units = float(n), ("B", "kB", "MB", "GB", "TB")
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    return f"{value:.3g} {units[unit]}"


def _comment(report: dict[str, Any], broken: list[str], diff_md: str, lint_line: str) -> str:
    status = "**failed**" if broken else "passed"
    lines = [
        MARKER,
        f"## jettison: image checks {status}",
        "",
        f"Image size {_size(report['size_bytes'])}, final filesystem "
        f"{_size(report['final_bytes'])}, dive efficiency "
        f"{report['dive']['efficiency_score'] * 100:.2f}%.",
    ]
    if broken:
        lines += ["", "Broken gates:", ""] + [f"- {line}" for line in broken]
    if lint_line:
        lines += ["", lint_line]
    if diff_md:
        body = diff_md.replace("\n## ", "\n### ", 1).removeprefix("## ")
        lines += [
            "",
            "<details open><summary>What changed against the baseline</summary>",
            "",
            "### " + body.strip(),
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def _post(comment: str) -> None:
    forge = from_environment()
    if forge is None:
        print("jettison-ci: no pull/merge request or token: comment not posted", file=sys.stderr)
        return
    try:
        action, ident = forge.upsert(comment)
    except ForgeError as exc:
        print(f"jettison-ci: warning: {exc}", file=sys.stderr)
        return
    print(f"jettison-ci: {action} {forge.name} comment {ident}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
