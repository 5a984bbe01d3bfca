"""`jettison fix` on the real-world corpus: how many files it fixes, and whether the fixes
hold (the result parses, lint no longer reports what was fixed, every fix not made says why).

    .venv/bin/python bench/fix_corpus.py            # the figures
    .venv/bin/python bench/fix_corpus.py --details  # per entry: changes and reasons

Runs ``fix`` as ``jettison fix --unsafe-fixes --diff --offline`` would, on every entry of
``../shared/corpus`` (``JETTISON_CORPUS`` overrides); nothing is written. The fixed text is
parsed with buildkit's parser and linted again in memory with the entry's own context.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jettison.dockerfile.parser import parse_text  # noqa: E402
from jettison.errors import JettisonError  # noqa: E402
from jettison.fix.autofix import BY_CODE  # noqa: E402
from jettison.fix.core import fix  # noqa: E402
from jettison.lint.config import LintConfig  # noqa: E402
from jettison.lint.context import build_context  # noqa: E402
from jettison.lint.engine import run_rules  # noqa: E402
from jettison.lint.rules import RULES  # noqa: E402

CORPUS = Path(os.environ.get("JETTISON_CORPUS", ROOT.parent / "shared" / "corpus"))


def _no_sizes(_name: str, _spec: str) -> int | None:
    return None


def run(entry: str, dockerfile: str, details: bool) -> dict[str, object]:
    os.chdir(CORPUS / entry)
    path = Path(dockerfile)
    try:
        report = fix(path, unsafe=True, dry_run=True, sizes=_no_sizes)
    except JettisonError as exc:
        return {"entry": entry, "error": str(exc)}
    text = report.files[0].text
    parses = True
    remaining: Counter[str] = Counter()
    try:
        fixed = parse_text(text, path.resolve())
    except JettisonError:
        parses = False
    else:
        ctx = build_context(path, sizes=_no_sizes)
        ignore = next((t for p, t in report.files if p.name.endswith(".dockerignore")), None)
        if ignore is not None:  # what fix would write, as lint would read it
            patterns = (line.strip() for line in ignore.splitlines())
            ctx = dataclasses.replace(
                ctx, dockerignore=tuple(p for p in patterns if p and not p.startswith("#"))
            )
        after = run_rules(dataclasses.replace(ctx, dockerfile=fixed), RULES, LintConfig(), files=())
        claimed = {c.code for c in report.changes if c.code in BY_CODE}
        skipped = Counter(n.subject for n in report.notices if n.subject)
        found = Counter(f.code for f in after.findings if f.code in claimed)
        remaining = Counter({c: n - skipped[c] for c, n in found.items() if n > skipped[c]})
    if details:
        print(f"{entry}: {len(report.changes)} changes, {len(report.notices)} not made")
        for change in report.changes:
            print(f"   + {change.code}: {change.description}")
        for notice in report.notices:
            print(f"   - {notice.message}")
    return {
        "entry": entry,
        "changes": [c.code for c in report.changes],
        "notices": [n.message for n in report.notices],
        "parses": parses,
        "remaining": dict(remaining),
        "restructured": any(c.code not in BY_CODE for c in report.changes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    with (CORPUS / "corpus.tsv").open(encoding="utf-8") as handle:
        entries = [(r["id"], r["dockerfile"]) for r in csv.DictReader(handle, delimiter="\t")]
    cwd = Path.cwd()
    try:
        results = [run(entry, dockerfile, args.details) for entry, dockerfile in entries]
    finally:
        os.chdir(cwd)
    errors = [r for r in results if "error" in r]
    fixed = [r for r in results if r.get("changes")]
    codes: Counter[str] = Counter(c for r in results for c in r.get("changes", []))  # type: ignore[union-attr]
    unparsed = [r["entry"] for r in results if r.get("parses") is False]
    still = {r["entry"]: r["remaining"] for r in results if r.get("remaining")}
    print(
        f"entries: {len(results)}; fixed (>= 1 change): {len(fixed)} "
        f"= {len(fixed) / len(results):.0%}"
    )
    print(f"restructured to multi-stage: {sum(1 for r in results if r.get('restructured'))}")
    print(f"errors (no fix at all): {len(errors)} {[r['error'] for r in errors]}")
    print(f"rewrites that do not parse: {len(unparsed)} {unparsed}")
    print(f"fixed codes lint still reports: {len(still)} {still}")
    notices = sum(len(r.get("notices", [])) for r in results)  # type: ignore[arg-type]
    print(f"fixes not made, each with its reason: {notices}")
    print("changes by code: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
    return 0 if not unparsed and not still and len(fixed) >= 0.9 * len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
