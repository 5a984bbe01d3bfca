"""``jettison rules``: the registry listed, some rules explained, bad codes refused."""

from __future__ import annotations

import json

from click.testing import CliRunner

from jettison import api
from jettison.cli.rules_cmd import rules_cmd
from jettison.lint.rules import RULES


def test_every_rule_listed_one_a_line() -> None:
    done = CliRunner().invoke(rules_cmd, [])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in RULES]
    assert "JT101  warning  apt-lists-not-removed: " in done.stdout


def test_a_code_and_a_family_are_explained() -> None:
    done = CliRunner().invoke(rules_cmd, ["JT101", "JT6"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("JT101 apt-lists-not-removed (warning; Generic size")
    assert "hadolint DL3009" in done.stdout
    assert "  example:\n    RUN apt-get update" in done.stdout
    assert "  fixed:\n" in done.stdout
    explained = {r.code for r in api.rules(["JT101", "JT6"]).rules}
    assert explained == {"JT101"} | {r.code for r in RULES if r.code.startswith("JT6")}


def test_json() -> None:
    done = CliRunner().invoke(rules_cmd, ["jt302", "-f", "json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["asked"] == ["JT302"]
    assert [r["code"] for r in document["rules"]] == ["JT302"]


def test_an_unknown_code_is_one_line_and_a_hint() -> None:
    done = CliRunner().invoke(rules_cmd, ["JT999"])
    assert done.exit_code == 2
    assert done.stderr.startswith("jettison: error: CODE: unknown rule code 'JT999'\n  hint: ")
