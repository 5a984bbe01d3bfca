"""`jettison lint` on the real-world corpus, through the real CLI: no crash, deterministic
output, golden findings.

The corpus (59 Dockerfiles of AI/ML services from public repositories, with the files they
use) is other people's code and stays outside the repository, in ``../shared/corpus``
(``JETTISON_CORPUS`` overrides). The golden file keeps each entry's findings as
``code severity file:line``; ``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites it (review the diff:
it is what lint says about real Dockerfiles). ``bench/lint_corpus.py`` scores the same runs
against our labels.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest
from click.testing import CliRunner

from jettison.cli.main import cli
from jettison.render.lint.json_model import load_schema

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("JETTISON_CORPUS", ROOT.parent / "shared" / "corpus"))
GOLDEN = Path(__file__).with_name("corpus_golden.json")


def _entries() -> list[tuple[str, str]]:
    index = CORPUS / "corpus.tsv"
    if not index.is_file():
        if os.environ.get("CI"):
            raise AssertionError(f"no corpus at {CORPUS}: CI must have ../shared/corpus")
        return []
    with index.open(encoding="utf-8") as handle:
        return [(row["id"], row["dockerfile"]) for row in csv.DictReader(handle, delimiter="\t")]


ENTRIES = _entries()
pytestmark = pytest.mark.skipif(not ENTRIES, reason=f"no corpus at {CORPUS}")


def _lint(entry: str, dockerfile: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(CORPUS / entry)
    result = CliRunner().invoke(
        cli, ["lint", dockerfile, "--offline", "-f", "json"], prog_name="jettison"
    )
    return result.exit_code, result.stdout


def _summary(document: dict[str, object]) -> list[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f"{f['code']} {f['severity']} {f['file']}:{f['line']}" for f in findings]


@pytest.fixture(scope="module")
def golden() -> dict[str, list[str]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}


@pytest.fixture(scope="module")
def seen() -> dict[str, list[str]]:
    return {}


@pytest.mark.parametrize(("entry", "dockerfile"), ENTRIES, ids=[e for e, _ in ENTRIES])
def test_lint_runs_deterministically_and_matches_the_golden_findings(
    entry: str,
    dockerfile: str,
    golden: dict[str, list[str]],
    seen: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, text = _lint(entry, dockerfile, monkeypatch)
    assert code in (0, 1), text  # findings or none; never a usage error or a crash
    again_code, again = _lint(entry, dockerfile, monkeypatch)
    assert (again_code, again) == (code, text), "lint's output is not deterministic"
    document = json.loads(text)
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    assert document["notices"] == [], "a rule crashed or a notice was raised"
    findings = _summary(document)
    seen[entry] = findings
    if os.environ.get("JETTISON_UPDATE_SNAPSHOTS"):
        merged = {**golden, entry: findings}
        golden.update(merged)
        GOLDEN.write_text(json.dumps(dict(sorted(golden.items())), indent=1) + "\n")
        return
    assert entry in golden, f"{entry} has no golden findings; run with JETTISON_UPDATE_SNAPSHOTS=1"
    assert findings == golden[entry]


def test_every_golden_entry_is_in_the_corpus(golden: dict[str, list[str]]) -> None:
    if not os.environ.get("JETTISON_UPDATE_SNAPSHOTS"):
        assert sorted(golden) == sorted(e for e, _ in ENTRIES)
