"""JT1xx one by one: what fires, what does not, where, with which severity and saving.
(Line-by-line agreement with hadolint is in test_size_hadolint_parity.py.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jettison.inspect.report import InspectReport, PathBytes, RemovableCause
from jettison.lint.model import Finding, Rule, Severity
from jettison.lint.rules import RULES
from jettison.lint.rules.size import (
    RULES as SIZE_RULES,
)
from jettison.lint.rules.size import (
    jt101_apt_lists,
    jt102_apt_recommends,
    jt103_apk_cache,
    jt104_yum_clean,
    jt105_zypper_clean,
    jt106_dnf_clean,
    jt107_pip_cache,
    jt108_consecutive_runs,
    jt109_yarn_cache,
    jt110_distro_upgrade,
    jt111_apt_update_separate,
    jt112_uv_poetry_cache,
)

from ._stack_helpers import make_ctx, make_image, run

ROOT = Path(__file__).resolve().parents[4]
NAIVE_BERT = ROOT / "examples" / "bert-classifier" / "naive_image" / "Dockerfile"


def lint(rule: Rule, tmp_path: Path, text: str, **kwargs: object) -> list[Finding]:
    return run(rule, make_ctx(tmp_path, text, **kwargs))  # type: ignore[arg-type]


def lines(findings: list[Finding]) -> list[int]:
    return [f.line for f in findings]


def image_with_caches(*rows: tuple[str, int]) -> InspectReport:
    cause = RemovableCause(
        "package-cache",
        "Package manager caches",
        "clean up",
        sum(size for _, size in rows),
        len(rows),
        tuple(PathBytes(path, size, 1) for path, size in rows),
    )
    return dataclasses.replace(make_image(reference="build/app.tar"), removable=(cause,))


def test_registry_lists_every_size_rule_once() -> None:
    codes = [rule.code for rule in SIZE_RULES]
    assert codes == [f"JT1{n:02d}" for n in range(1, 13)]
    assert all(rule in RULES for rule in SIZE_RULES)
    peers = {rule.code: rule.peer for rule in SIZE_RULES}
    assert peers["JT101"] == "DL3009"
    assert peers["JT110"] is None


@pytest.mark.parametrize("rule", SIZE_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_docstring_saying_why(rule: Rule) -> None:
    module = __import__(rule.check.__module__, fromlist=["_"])
    assert module.__doc__ and "Why it matters" in module.__doc__


# --- JT101 ----------------------------------------------------------------------------------


def test_jt101_flags_kept_lists_with_position_and_fix(tmp_path: Path) -> None:
    text = "FROM debian:12\nWORKDIR /app\n  RUN apt-get update \\\n  && apt-get install -y curl\n"
    [finding] = lint(jt101_apt_lists.RULE, tmp_path, text)
    assert (finding.line, finding.column, finding.end_line) == (3, 3, 4)
    assert finding.file == tmp_path / "Dockerfile"
    assert "/var/lib/apt/lists" in finding.message and "apt-get update" in finding.message
    assert finding.fix and "rm -rf /var/lib/apt/lists/*" in finding.fix
    assert finding.severity is Severity.WARNING
    assert finding.saving is None


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*",
        "RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists",
        "RUN apt-get update && apt-get install -y x && apt-get distclean",
        "RUN --mount=type=cache,target=/var/lib/apt apt-get update",
        "RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update",
        "RUN apt-get install -y --no-install-recommends x",
        "RUN python3 <<EOT\nprint('apt-get update')\nEOT",
    ],
)
def test_jt101_accepts_cleaned_lists(tmp_path: Path, run_line: str) -> None:
    assert lint(jt101_apt_lists.RULE, tmp_path, f"FROM debian:12\n{run_line}\n") == []


def test_jt101_only_checks_the_final_image(tmp_path: Path) -> None:
    text = (
        "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\n"
        "FROM debian:12 AS base\nRUN apt-get update\n"
        "FROM base\nRUN echo done\n"
    )
    assert lines(lint(jt101_apt_lists.RULE, tmp_path, text)) == [4]


def test_jt101_sees_through_sudo_and_sh_c(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN sudo apt-get update\nRUN sh -c 'apt-get update'\n"
    assert lines(lint(jt101_apt_lists.RULE, tmp_path, text)) == [2, 3]


def test_jt101_measured_saving_goes_on_the_last_finding(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN apt-get update\nWORKDIR /\nRUN apt-get update\n"
    image = image_with_caches(("var/lib/apt/lists", 40_000_000), ("root/.cache/pip", 7))
    first, last = lint(jt101_apt_lists.RULE, tmp_path, text, image=image)
    assert first.saving is None
    assert last.saving is not None and last.saving.size_bytes == 40_000_000
    assert "build/app.tar" in last.saving.source and "/var/lib/apt/lists" in last.saving.source


# --- JT102 ----------------------------------------------------------------------------------


def test_jt102_names_the_packages(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl git\n"
    [finding] = lint(jt102_apt_recommends.RULE, tmp_path, text)
    assert "curl, git" in finding.message
    assert finding.fix and "--no-install-recommends" in finding.fix
    assert finding.severity is Severity.INFO


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN apt-get install -y --no-install-recommends curl",
        "RUN apt-get install -y -o APT::Install-Recommends=false curl",
        "RUN apt-get update && apt-get upgrade -y",
        "RUN aptitude install -y curl",
    ],
)
def test_jt102_accepts(tmp_path: Path, run_line: str) -> None:
    assert lint(jt102_apt_recommends.RULE, tmp_path, f"FROM debian:12\n{run_line}\n") == []


def test_jt102_respects_an_apt_conf_written_by_a_parent_stage(tmp_path: Path) -> None:
    text = (
        "FROM debian:12 AS base\n"
        "RUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/00norec\n"
        "FROM base\nRUN apt-get install -y curl\n"
        "FROM debian:12\nRUN apt-get install -y git\n"
    )
    assert lines(lint(jt102_apt_recommends.RULE, tmp_path, text)) == [6]


def test_jt102_is_info_in_a_builder_stage(tmp_path: Path) -> None:
    text = "FROM debian:12 AS build\nRUN apt-get install -y gcc\nFROM debian:12\nRUN echo\n"
    [finding] = lint(jt102_apt_recommends.RULE, tmp_path, text)
    assert finding.severity is Severity.INFO and 'stage "build"' in finding.message


# --- JT103 to JT107 and JT109: caches ------------------------------------------------------

CACHE_CASES = [
    (jt103_apk_cache.RULE, "RUN apk add curl", "RUN apk add --no-cache curl"),
    (jt104_yum_clean.RULE, "RUN yum install -y gcc", "RUN yum install -y gcc && yum clean all"),
    (
        jt105_zypper_clean.RULE,
        "RUN zypper -n in gcc",
        "RUN zypper -n in gcc && zypper clean -a",
    ),
    (
        jt106_dnf_clean.RULE,
        "RUN microdnf install -y python3",
        "RUN microdnf install -y python3 && microdnf clean all",
    ),
    (jt107_pip_cache.RULE, "RUN pip install flask", "RUN pip install --no-cache-dir flask"),
    (jt109_yarn_cache.RULE, "RUN yarn install", "RUN yarn install && yarn cache clean"),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CACHE_CASES, ids=lambda x: getattr(x, "code", ""))
def test_cache_rules_fire_and_accept_the_fix(
    rule: Rule, bad: str, good: str, tmp_path: Path
) -> None:
    [finding] = lint(rule, tmp_path, f"FROM debian:12\n{bad}\n")
    assert finding.line == 2 and finding.code == rule.code
    assert bad.removeprefix("RUN ") in finding.message
    assert finding.fix and finding.severity is rule.severity
    assert lint(rule, tmp_path, f"FROM debian:12\n{good}\n") == []


@pytest.mark.parametrize(("rule", "bad", "good"), CACHE_CASES, ids=lambda x: getattr(x, "code", ""))
def test_cache_rules_are_info_in_builder_stages(
    rule: Rule, bad: str, good: str, tmp_path: Path
) -> None:
    text = f"FROM debian:12 AS build\n{bad}\nFROM debian:12\nCOPY --from=build /x /x\n"
    [finding] = lint(rule, tmp_path, text)
    assert finding.severity is Severity.INFO


def test_jt107_pip_forms(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11\n"
        "RUN python3 -m pip install --upgrade pip\n"  # 2
        "RUN /opt/venv/bin/pip3.11 install -r requirements.txt\n"  # 3
        "RUN pipx install black && pip download x && pip wheel -w /w .\n"  # 4: fine
        "RUN pip --no-cache-dir install flask\n"  # 5: fine
        "RUN PIP_NO_CACHE_DIR=true pip install flask\n"  # 6: fine
        "RUN --mount=type=cache,target=/home/app/.cache/pip pip install flask\n"  # 7: fine
        "RUN pip install flask && pip cache purge\n"  # 8: fine
        "RUN pip install flask && rm -rf ~/.cache/pip\n"  # 9: fine
        "RUN pip install flask && rm -rf $HOME/.cache\n"  # 10: fine
    )
    assert lines(lint(jt107_pip_cache.RULE, tmp_path, text)) == [2, 3]


def test_jt107_environment_of_the_stage(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS base\nARG PIP_NO_CACHE_DIR=1\nRUN pip install a\n"  # fine
        "FROM base AS child\nRUN pip install b\n"  # ARG is not inherited: 5
        "FROM python:3.11 AS env\nENV PIP_NO_CACHE_DIR=false\n"
        "FROM env\nRUN pip install c\n"  # ENV is inherited, any boolean disables: fine
        "FROM python:3.11\nENV PIP_CACHE_DIR=/cache/pip HOME=/home/app\n"
        "RUN --mount=type=cache,target=/cache/pip pip install d\n"  # fine
        "RUN pip install e && rm -rf /home/app/.cache/pip\n"  # fine
        "RUN pip install f\n"  # 14
    )
    assert lines(lint(jt107_pip_cache.RULE, tmp_path, text)) == [5, 14]


def test_jt107_cache_mount_named_by_a_variable_and_pip_run_by_conda(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11\nENV PIP_CACHE_DIR=/.cache\n"
        'RUN --mount=type=cache,target="${PIP_CACHE_DIR}" pip install a\n'  # fine
        "RUN conda run -n env pip install ninja\n"  # 4
    )
    assert lines(lint(jt107_pip_cache.RULE, tmp_path, text)) == [4]


def test_scripts_a_run_executes_are_read(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "deps.sh").write_text(
        "#!/bin/bash\nset -e\napt-get update\napt-get install -y libpq5\npip install flask\n"
    )
    (tmp_path / "Makefile").write_text("clean:\n\trm -rf /var/lib/apt/lists/*\n")
    text = (
        "FROM python:3.11-slim\nCOPY docker/ /opt/docker/\nCOPY Makefile .\n"
        "RUN bash /opt/docker/deps.sh\n"  # 4: everything left
        "RUN bash /opt/docker/deps.sh && make clean && pip cache purge\n"  # 5: lists gone
    )
    assert lines(lint(jt101_apt_lists.RULE, tmp_path, text)) == [4]
    [recommends, _] = lint(jt102_apt_recommends.RULE, tmp_path, text)
    assert recommends.line == 4 and "libpq5" in recommends.message
    assert lines(lint(jt107_pip_cache.RULE, tmp_path, text)) == [4]


def test_jt107_saving_from_the_image(tmp_path: Path) -> None:
    image = image_with_caches(("root/.cache/pip", 2_500_000_000), ("var/lib/apt/lists", 9))
    [finding] = lint(
        jt107_pip_cache.RULE, tmp_path, "FROM python:3.11\nRUN pip install torch\n", image=image
    )
    assert finding.saving is not None and finding.saving.size_bytes == 2_500_000_000


def test_cache_saving_not_claimed_for_a_builder_stage(tmp_path: Path) -> None:
    text = "FROM python:3.11 AS b\nRUN pip install torch\nFROM python:3.11-slim\nRUN echo\n"
    image = image_with_caches(("root/.cache/pip", 100))
    [finding] = lint(jt107_pip_cache.RULE, tmp_path, text, image=image)
    assert finding.saving is None


def test_jt106_dnf_variants(tmp_path: Path) -> None:
    text = (
        "FROM fedora:40\n"
        "RUN dnf -y upgrade\n"  # 2
        "RUN dnf install -y a && rm -rf /var/cache/dnf\n"  # fine
        "RUN --mount=type=cache,target=/root/.cache/libdnf5 dnf5 install -y b\n"  # fine
        "RUN dnf clean all && dnf install -y c\n"  # 5
        "RUN dnf makecache && dnf repolist\n"  # fine
    )
    assert lines(lint(jt106_dnf_clean.RULE, tmp_path, text)) == [2, 5]


def test_jt109_yarn_cache_folder(tmp_path: Path) -> None:
    text = (
        "FROM node:20\nENV YARN_CACHE_FOLDER=/yc\n"
        "RUN --mount=type=cache,target=/yc yarn install\n"
        "RUN yarn --frozen-lockfile\n"
        "RUN yarn build\n"
    )
    assert lines(lint(jt109_yarn_cache.RULE, tmp_path, text)) == [4]


# --- JT108 ----------------------------------------------------------------------------------


def test_jt108_message_names_the_previous_run(tmp_path: Path) -> None:
    text = "FROM debian:12\nRUN python -m venv /opt/venv\n# pip next\nRUN /opt/venv/bin/pip -V\n"
    [finding] = lint(jt108_consecutive_runs.RULE, tmp_path, text)
    assert finding.line == 4 and "line 2" in finding.message
    assert finding.severity is Severity.INFO


def test_jt108_flag_order_does_not_matter(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\n"
        "RUN --network=none --mount=type=cache,target=/c echo a\n"
        "RUN --mount=type=cache,target=/c --network=none echo b\n"
    )
    assert lines(lint(jt108_consecutive_runs.RULE, tmp_path, text)) == [3]


# --- JT110 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN apt-get update && apt-get -y upgrade && rm -rf /var/lib/apt/lists/*",
        "RUN apt-get dist-upgrade -y",
        "RUN apt full-upgrade -y",
        "RUN apk upgrade --no-cache",
        "RUN dnf -y update",
        "RUN yum upgrade -y",
        "RUN zypper -n dup",
    ],
)
def test_jt110_flags_full_upgrades(tmp_path: Path, run_line: str) -> None:
    [finding] = lint(jt110_distro_upgrade.RULE, tmp_path, f"FROM debian:12\n{run_line}\n")
    assert "upgrade" in finding.message or "update" in finding.message or "dup" in finding.message
    assert finding.fix and "base image" in finding.fix


@pytest.mark.parametrize(
    "run_line",
    [
        "RUN apt-get install -y --only-upgrade openssl",
        "RUN apk upgrade openssl",
        "RUN dnf -y update openssl",
        "RUN pip install --upgrade pip",
    ],
)
def test_jt110_accepts_named_upgrades(tmp_path: Path, run_line: str) -> None:
    assert lint(jt110_distro_upgrade.RULE, tmp_path, f"FROM debian:12\n{run_line}\n") == []


def test_jt110_ignores_builder_stages(tmp_path: Path) -> None:
    text = "FROM debian:12 AS b\nRUN apt-get upgrade -y\nFROM debian:12\nRUN echo\n"
    assert lint(jt110_distro_upgrade.RULE, tmp_path, text) == []


# --- the seed example ----------------------------------------------------------------------


def test_naive_bert_example(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, NAIVE_BERT.read_text(encoding="utf-8"))
    found = {f.code: f for rule in SIZE_RULES for f in run(rule, ctx)}
    assert set(found) == {"JT101", "JT102"}
    assert found["JT101"].line == found["JT102"].line == 6
    assert "curl" in found["JT102"].message


# --- JT107: pip run by conda's environment file ---------------------------------------------


def test_jt107_pip_section_of_an_environment_file(tmp_path: Path) -> None:
    (tmp_path / "env.yml").write_text(
        "name: svc\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - flask==3.0\n"
    )
    (tmp_path / "conda-only.yml").write_text("name: c\ndependencies:\n  - numpy\n")
    text = (
        "FROM continuumio/miniconda3:24.1.2-0\nCOPY env.yml conda-only.yml /tmp/\n"
        "RUN conda env create -f /tmp/env.yml && conda clean -afy\n"  # 3: pip's cache stays
        "RUN conda env create -f /tmp/conda-only.yml && conda clean -afy\n"  # no pip: fine
        "RUN PIP_NO_CACHE_DIR=1 conda env create -f /tmp/env.yml && conda clean -afy\n"  # fine
    )
    [finding] = lint(jt107_pip_cache.RULE, tmp_path, text)
    assert finding.line == 3 and "conda env create -f /tmp/env.yml" in finding.message


# --- JT111 ----------------------------------------------------------------------------------


def test_jt111_install_relying_on_an_earlier_update(tmp_path: Path) -> None:
    text = (
        "FROM debian:12 AS base\n"
        "RUN apt-get update\n"
        "RUN apt-get install -y --no-install-recommends gcc\n"  # 3
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"  # fine
        "FROM base\n"
        "RUN apt -y install portaudio19-dev\n"  # 6: the update is in the parent stage
        "FROM debian:12\n"
        "RUN apt-get install -y curl\n"  # no update anywhere in its chain: not this rule
    )
    findings = lint(jt111_apt_update_separate.RULE, tmp_path, text)
    assert lines(findings) == [3, 6]
    assert "line 2" in findings[0].message and findings[0].severity is Severity.WARNING
    assert findings[0].fix and "same RUN" in findings[0].fix


# --- JT112 ----------------------------------------------------------------------------------


def test_jt112_poetry(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\n"
        "RUN pip install --no-cache-dir poetry && poetry install --only main\n"  # 2
        "RUN poetry install --only main\n"  # the same install again: nothing new cached
        "RUN poetry lock\n"  # 4: metadata only, info
        "RUN poetry --no-cache install --with dev\n"  # fine
        "RUN poetry install --with dev && rm -rf $(poetry config cache-dir)\n"  # fine
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --with docs\n"
        "ENV POETRY_CACHE_DIR=/tmp/poetry\n"
        "RUN poetry install --with test && rm -rf /tmp/poetry/artifacts /tmp/poetry/cache\n"
        "RUN poetry install --only-root\n"  # the project only: nothing downloaded
        "RUN poetry install --with lint\n"  # 11
    )
    findings = lint(jt112_uv_poetry_cache.RULE, tmp_path, text)
    assert [(f.line, f.severity) for f in findings] == [
        (2, Severity.WARNING),
        (4, Severity.INFO),
        (11, Severity.WARNING),
    ]
    assert "pypoetry" in findings[0].message and findings[0].fix
    assert "--no-cache" in findings[0].fix


def test_jt112_uv_is_info_unless_it_copies(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\n"
        "RUN uv sync --frozen --no-dev\n"  # 2: hard links, info
        "RUN uv pip install --system flask\n"  # 3: info
        "RUN uv sync --frozen --no-dev --link-mode copy\n"  # 4: a second copy
        "RUN UV_NO_CACHE=1 uv sync --frozen\n"  # fine
        "RUN uv sync --no-cache --extra gpu\n"  # fine
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --extra cpu\n"  # fine
        "ENV UV_LINK_MODE=copy\n"
        "RUN uv sync --frozen --no-dev && uv cache clean\n"  # fine
        "RUN uv sync --frozen --no-dev --extra x\n"  # 10
    )
    findings = lint(jt112_uv_poetry_cache.RULE, tmp_path, text)
    assert [(f.line, f.severity) for f in findings] == [
        (2, Severity.INFO),
        (3, Severity.INFO),
        (4, Severity.WARNING),
        (10, Severity.WARNING),
    ]


def test_jt112_pdm_and_builder_stages(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12 AS build\nRUN pdm install --prod\n"  # 2: info in a builder
        "FROM python:3.12-slim\nRUN pdm sync --prod\n"  # 4
        "RUN pdm install -G web && pdm cache clear\n"  # fine
    )
    findings = lint(jt112_uv_poetry_cache.RULE, tmp_path, text)
    assert [(f.line, f.severity) for f in findings] == [(2, Severity.INFO), (4, Severity.WARNING)]


def test_jt107_leaves_uv_to_jt112(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nRUN uv pip install --system flask\n"
    assert lint(jt107_pip_cache.RULE, tmp_path, text) == []
