"""Score `jettison lint` on the real-world corpus: recall per class, precision at warning+.

    .venv/bin/python bench/lint_corpus.py                 # table on stdout
    .venv/bin/python bench/lint_corpus.py --misses        # also every label not found
    .venv/bin/python bench/lint_corpus.py --unreviewed    # findings at warning+ no label or
                                                          # review covers (to review by hand)
    .venv/bin/python bench/lint_corpus.py --json out.json # the figures, for comparisons

The corpus (59 real Dockerfiles of AI/ML services with the files they use) lives outside the
repository, in ``../shared/corpus`` (``JETTISON_CORPUS`` overrides); the labels are ours:
``bench/corpus/labels.tsv`` (classes in ``bench/corpus/CLASSES.md``). Labels marked doubtful
are left out of the scores.

A label is found when lint reports one of its class's codes (:data:`CLASS_CODES`) where the
class says: on the labelled instruction (``line``), in the same stage (``stage``), or
anywhere in the entry, requirement files included (``entry``). A finding at warning or above
is confirmed when it finds a label (doubtful ones included); the others are judged by hand
in ``bench/corpus/reviewed*.tsv`` (entry, code, line, verdict ok|wrong, note). Precision is
confirmed plus reviewed-ok over all judged findings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jettison import api  # noqa: E402
from jettison.dockerfile.parser import parse_dockerfile  # noqa: E402
from jettison.errors import JettisonError  # noqa: E402

CORPUS = Path(os.environ.get("JETTISON_CORPUS", ROOT.parent / "shared" / "corpus"))
LABELS = ROOT / "bench" / "corpus" / "labels.tsv"
REVIEWED = ROOT / "bench" / "corpus"
"""``reviewed*.tsv`` here: hand verdicts on findings no label confirms."""

LINE, STAGE, ENTRY = "line", "stage", "entry"

CLASS_CODES: dict[str, tuple[str, frozenset[str]]] = {
    # package managers
    "apt-lists-left": (LINE, frozenset({"JT101"})),
    "apt-no-install-recommends": (LINE, frozenset({"JT102"})),
    "apt-update-separate": (LINE, frozenset({"JT111"})),
    "distro-upgrade": (LINE, frozenset({"JT110"})),
    "pip-cache-left": (LINE, frozenset({"JT107"})),
    "conda-cache-left": (LINE, frozenset({"JT407"})),
    "uv-poetry-cache-left": (LINE, frozenset({"JT112"})),
    "apk-cache-left": (LINE, frozenset({"JT103"})),
    "yum-dnf-cache-left": (LINE, frozenset({"JT104", "JT106"})),
    "node-cache-left": (LINE, frozenset({"JT109"})),
    # layering
    "deps-after-source-copy": (STAGE, frozenset({"JT403"})),
    "delete-in-later-layer": (LINE, frozenset({"JT404"})),
    "chown-layer-duplicate": (LINE, frozenset({"JT405"})),
    "framework-reinstalled": (ENTRY, frozenset({"JT307", "JT306"})),
    # dependencies
    "dev-deps-in-image": (ENTRY, frozenset({"JT301"})),
    "unused-heavy-dep": (ENTRY, frozenset({"JT309", "JT303"})),
    "opencv-gui": (ENTRY, frozenset({"JT304"})),
    "tensorflow-full-on-cpu": (ENTRY, frozenset({"JT305"})),
    "cuda-torch-cpu-service": (ENTRY, frozenset({"JT302"})),
    "duplicate-cuda-stack": (ENTRY, frozenset({"JT306", "JT307", "JT310"})),
    "runtime-dependency-install": (ENTRY, frozenset({"JT311"})),
    # models
    "model-weights-copied": (LINE, frozenset({"JT501"})),
    "model-weights-downloaded": (LINE, frozenset({"JT502", "JT503"})),
    "training-artifacts-in-image": (LINE, frozenset({"JT504"})),
    # build tools and bases
    "build-tools-in-final": (LINE, frozenset({"JT401"})),
    "second-python-interpreter": (LINE, frozenset({"JT408"})),
    "full-base-image": (ENTRY, frozenset({"JT201"})),
    "full-framework-base": (ENTRY, frozenset({"JT204"})),
    "cuda-devel-base-runtime": (ENTRY, frozenset({"JT202"})),
    "eol-python": (LINE, frozenset({"JT203", "JT206"})),
    "eol-os-base": (LINE, frozenset({"JT203"})),
    "eol-cuda-framework-base": (LINE, frozenset({"JT203"})),
    "base-unpinned": (ENTRY, frozenset({"JT205"})),
    # supply chain and safety
    "unpinned-remote-source": (LINE, frozenset({"JT607"})),
    "add-remote-url": (LINE, frozenset({"JT603"})),
    "insecure-package-source": (LINE, frozenset({"JT608"})),
    "secret-in-env": (LINE, frozenset({"JT602"})),
    "runs-as-root": (ENTRY, frozenset({"JT601"})),
    "sudo-nopasswd": (LINE, frozenset({"JT609"})),
    # runtime
    "no-healthcheck": (ENTRY, frozenset({"JT605"})),
    "dev-server-in-prod": (ENTRY, frozenset({"JT604"})),
    "entrypoint-no-exec": (ENTRY, frozenset({"JT610"})),
    "copy-all-no-dockerignore": (LINE, frozenset({"JT402"})),
    "malformed-instruction": (LINE, frozenset({"JT001", "JT005"})),
}
"""label class -> (where a finding must be, the codes that find it)."""

AT_LEAST_WARNING = frozenset({"warning", "error"})


@dataclass(frozen=True)
class Label:
    entry: str
    cls: str
    line: int
    severity: str
    note: str
    doubtful: bool


@dataclass(frozen=True)
class Found:
    entry: str
    code: str
    severity: str
    file: str
    line: int
    end_line: int
    message: str


@dataclass(frozen=True)
class Entry:
    name: str
    dockerfile: Path
    family: str
    stages: tuple[tuple[int, int], ...]
    """(first line, last line) of each stage."""

    def stage_of(self, line: int) -> int | None:
        for index, (first, last) in enumerate(self.stages):
            if first <= line <= last:
                return index
        return None


def load_entries() -> list[Entry]:
    out = []
    with (CORPUS / "corpus.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = CORPUS / row["id"] / row["dockerfile"]
            out.append(Entry(row["id"], path, row["family"], _stages(path)))
    return out


def _stages(path: Path) -> tuple[tuple[int, int], ...]:
    try:
        parsed = parse_dockerfile(path)
    except JettisonError:
        return ()
    starts = [s.from_instruction.position.line for s in parsed.stages]
    ends = [*(s - 1 for s in starts[1:]), len(parsed.lines)]
    return tuple(zip(starts, ends, strict=True))


def load_labels() -> list[Label]:
    with LABELS.open(encoding="utf-8") as handle:
        return [
            Label(
                r["entry"],
                r["class"],
                int(r["line"]),
                r["severity"],
                r["note"],
                r["doubtful"] == "yes",
            )
            for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def load_reviews() -> dict[tuple[str, str, int], tuple[str, str]]:
    out: dict[tuple[str, str, int], tuple[str, str]] = {}
    for path in sorted(REVIEWED.glob("reviewed*.tsv")):
        with path.open(encoding="utf-8") as handle:
            rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            out.update(
                {(r["entry"], r["code"], int(r["line"])): (r["verdict"], r["note"]) for r in rows}
            )
    return out


def lint(entry: Entry) -> list[Found]:
    """The findings of ``jettison lint`` (offline, default settings) on one entry."""
    cwd = Path.cwd()
    os.chdir(CORPUS / entry.name)  # paths in the report relative to the entry
    try:
        report = api.lint([entry.dockerfile.relative_to(CORPUS / entry.name)], offline=True)
    finally:
        os.chdir(cwd)
    return [
        Found(
            entry.name,
            f.code,
            f.severity.label,
            f.file.as_posix(),
            f.line,
            f.end_line or f.line,
            f.message,
        )
        for f in report.findings
    ]


def matches(label: Label, found: Found, entry: Entry) -> bool:
    mode, codes = CLASS_CODES.get(label.cls, (ENTRY, frozenset()))
    if found.code not in codes:
        return False
    in_dockerfile = found.file == entry.dockerfile.relative_to(CORPUS / entry.name).as_posix()
    if mode == ENTRY:
        return True
    if not in_dockerfile:
        return False
    if mode == LINE:
        return found.line <= label.line <= found.end_line
    return entry.stage_of(found.line) == entry.stage_of(label.line)


@dataclass
class Score:
    labels: int = 0
    found: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.labels if self.labels else 1.0


def score(entries: list[Entry], labels: list[Label]) -> dict[str, object]:
    by_entry: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_entry[label.entry].append(label)
    reviews = load_reviews()
    per_class: dict[str, Score] = defaultdict(Score)
    misses: list[Label] = []
    confirmed, reviewed_ok, reviewed_wrong = 0, 0, 0
    unreviewed: list[Found] = []
    wrong: list[tuple[Found, str]] = []
    above_info_on_controls: list[Found] = []
    for entry in entries:
        findings = lint(entry)
        for label in by_entry[entry.name]:
            if label.doubtful:
                continue
            hit = any(matches(label, f, entry) for f in findings)
            per_class[label.cls].labels += 1
            per_class[label.cls].found += hit
            if not hit:
                misses.append(label)
        for finding in findings:
            if finding.severity not in AT_LEAST_WARNING:
                continue
            if any(matches(label, finding, entry) for label in by_entry[entry.name]):
                confirmed += 1
                continue
            verdict = reviews.get((entry.name, finding.code, finding.line))
            if verdict is None:
                unreviewed.append(finding)
            elif verdict[0] == "ok":
                reviewed_ok += 1
            else:
                reviewed_wrong += 1
                wrong.append((finding, verdict[1]))
                if entry.family == "control":
                    above_info_on_controls.append(finding)
    total = Score(
        sum(s.labels for s in per_class.values()), sum(s.found for s in per_class.values())
    )
    judged = confirmed + reviewed_ok + reviewed_wrong
    return {
        "recall": total.recall,
        "labels": total.labels,
        "found": total.found,
        "classes": {c: (s.labels, s.found, s.recall) for c, s in sorted(per_class.items())},
        "findings_judged": judged,
        "confirmed": confirmed,
        "reviewed_ok": reviewed_ok,
        "reviewed_wrong": reviewed_wrong,
        "precision": (confirmed + reviewed_ok) / judged if judged else 1.0,
        "unreviewed": unreviewed,
        "wrong": wrong,
        "misses": misses,
        "control_dismissed": above_info_on_controls,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every label not found")
    parser.add_argument(
        "--unreviewed", action="store_true", help="list warning+ findings to review by hand"
    )
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)
    if not (CORPUS / "corpus.tsv").is_file():
        print(f"no corpus at {CORPUS} (set JETTISON_CORPUS)", file=sys.stderr)
        return 2
    result = score(load_entries(), load_labels())
    classes: dict[str, tuple[int, int, float]] = result["classes"]  # type: ignore[assignment]
    print(f"{'class':32} labels found recall")
    for name, (n, hit, recall) in sorted(classes.items(), key=lambda kv: (-kv[1][0], kv[0])):
        flag = "  <75%" if n >= 5 and recall < 0.75 else ""
        print(f"{name:32} {n:6} {hit:5} {recall:6.1%}{flag}")
    print(
        f"\nrecall {result['found']}/{result['labels']} = {result['recall']:.1%} (doubtful "
        "labels left out)"
    )
    print(
        f"precision at warning+: {result['precision']:.1%} of {result['findings_judged']} "
        f"judged ({result['confirmed']} confirmed by a label, {result['reviewed_ok']} reviewed "
        f"ok, {result['reviewed_wrong']} reviewed wrong); "
        f"{len(result['unreviewed'])} not reviewed"  # type: ignore[arg-type]
    )
    print(f"controls: {len(result['control_dismissed'])} warning+ findings a reviewer dismissed")  # type: ignore[arg-type]
    if args.misses:
        print("\nmisses:")
        for label in result["misses"]:  # type: ignore[attr-defined]
            print(f"  {label.entry}:{label.line} {label.cls}: {label.note}")
    if args.unreviewed:
        print("\nunreviewed (entry, code, line, severity, message):")
        for f in result["unreviewed"]:  # type: ignore[attr-defined]
            print(f"{f.entry}\t{f.code}\t{f.line}\t{f.severity}\t{f.file}: {f.message}")
    if args.json is not None:
        figures = {
            k: v for k, v in result.items()
            if k not in {"unreviewed", "wrong", "misses", "control_dismissed"}
        }  # fmt: skip
        figures["unreviewed_count"] = len(result["unreviewed"])  # type: ignore[arg-type]
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
