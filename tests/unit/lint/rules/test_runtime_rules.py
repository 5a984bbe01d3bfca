"""JT6xx one by one, and the seed examples across the three families owned here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.lint.model import Finding, Rule, Severity
from jettison.lint.rules import RULES, hygiene, size
from jettison.lint.rules.runtime import (
    RULES as RUNTIME_RULES,
)
from jettison.lint.rules.runtime import (
    jt601_root_user,
    jt602_secrets_in_env,
    jt603_add_remote_url,
    jt604_dev_server,
    jt605_no_healthcheck,
)
from support.seeds import seed_dockerfile

from ._stack_helpers import make_ctx, make_image, run

ROOT = Path(__file__).resolve().parents[4]
NAIVE_BERT = ROOT / "examples" / "bert-classifier" / "naive_image" / "Dockerfile"
TEXT_SERVICE = ROOT / "examples" / "text-service"
OWNED = (*size.RULES, *hygiene.RULES, *RUNTIME_RULES)


def lint(rule: Rule, tmp_path: Path, text: str, **kwargs: object) -> list[Finding]:
    return run(rule, make_ctx(tmp_path, text, **kwargs))  # type: ignore[arg-type]


def lines(findings: list[Finding]) -> list[int]:
    return [f.line for f in findings]


def test_registry() -> None:
    codes = [r.code for r in RUNTIME_RULES]
    assert codes == sorted(codes) and all(code.startswith("JT6") for code in codes)
    assert {f"JT60{n}" for n in range(1, 10)} | {"JT610"} <= set(codes)
    assert all(rule in RULES for rule in RUNTIME_RULES)

    assert codes == sorted(codes) and all(c.startswith("JT6") for c in codes)
    assert {f"JT60{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9)} <= set(codes)
    assert all(rule in RULES for rule in RUNTIME_RULES)


@pytest.mark.parametrize("rule", RUNTIME_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_docstring_saying_why(rule: Rule) -> None:
    module = __import__(rule.check.__module__, fromlist=["_"])
    assert module.__doc__ and "Why it matters" in module.__doc__


# --- JT601 ----------------------------------------------------------------------------------


def test_jt601_no_user_points_at_the_final_from(tmp_path: Path) -> None:
    text = "FROM python:3.11 AS b\nUSER app\nFROM python:3.11-slim\nCOPY . /app\n"
    [finding] = lint(jt601_root_user.RULE, tmp_path, text)
    assert finding.line == 3 and finding.severity is Severity.WARNING
    assert "python:3.11-slim" in finding.message and "root" in finding.message
    assert finding.fix and "USER app" in finding.fix


@pytest.mark.parametrize("user", ["root", "0", "root:root", "0:0", "${ADMIN}"])
def test_jt601_root_last(tmp_path: Path, user: str) -> None:
    text = f"FROM python:3.11\nARG ADMIN=root\nUSER app\nRUN echo\nUSER {user}\nCMD x\n"
    [finding] = lint(jt601_root_user.RULE, tmp_path, text)
    assert finding.line == 5 and f"USER {user}" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.11\nUSER root\nRUN apt-get update\nUSER 10001:10001",
        "FROM python:3.11 AS base\nUSER app\nFROM base\nCMD x",
        "FROM python:3.11\nUSER ${APP_USER}",
        "FROM gcr.io/distroless/python3-debian12:nonroot\nCOPY app /app",
        "FROM cgr.dev/chainguard/python:latest\nCOPY app /app",
        "FROM quay.io/jupyter/base-notebook:2024-05-27\nCOPY nb /home/jovyan",
    ],
)
def test_jt601_accepts(tmp_path: Path, text: str) -> None:
    assert lint(jt601_root_user.RULE, tmp_path, text + "\n") == []


@pytest.mark.parametrize(
    "base",
    [
        "mambaorg/micromamba:1.5.8",
        "mambaorg/micromamba:latest",
        "public.ecr.aws/lambda/python:3.12",
        "bitnami/pytorch:2.3.1",
        "quay.io/sclorg/python-312-c9s:c9s",
        "registry.access.redhat.com/ubi9/python-311:latest",
    ],
)
def test_jt601_bases_that_set_a_non_root_user(tmp_path: Path, base: str) -> None:
    assert lint(jt601_root_user.RULE, tmp_path, f"FROM {base}\nCOPY app /app\n") == []


@pytest.mark.parametrize("base", ["mambaorg/micromamba:0.14.1", "bitnami/minideb:bookworm"])
def test_jt601_root_flavours_of_those_families(tmp_path: Path, base: str) -> None:
    assert len(lint(jt601_root_user.RULE, tmp_path, f"FROM {base}\nCOPY app /app\n")) == 1


def test_jt601_entrypoint_script_drops_privileges(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "start.sh").write_text(
        '#!/bin/sh\nset -e\nchown -R app /data\nexec gosu app "$@"\n', encoding="utf-8"
    )
    text = (
        "FROM python:3.12-slim\nWORKDIR /srv\n"
        'ENTRYPOINT ["/srv/start.sh"]\nCMD ["uvicorn", "api:app"]\n'
        "COPY docker/start.sh ./\n"
    )
    assert lint(jt601_root_user.RULE, tmp_path, text) == []


@pytest.mark.parametrize(
    "cmd",
    [
        'CMD ["su-exec", "app", "python", "serve.py"]',
        'CMD ["setpriv", "--reuid=1000", "--regid=1000", "--init-groups", "python", "s.py"]',
        "CMD runuser -u app -- python serve.py",
    ],
)
def test_jt601_command_drops_privileges(tmp_path: Path, cmd: str) -> None:
    assert lint(jt601_root_user.RULE, tmp_path, f"FROM python:3.12-slim\n{cmd}\n") == []


@pytest.mark.parametrize(
    "script",
    [
        '#!/bin/sh\nexec gosu root "$@"\n',  # switches to root: no drop
        '#!/bin/sh\nexec "$@"\n',
    ],
)
def test_jt601_entrypoint_script_stays_root(tmp_path: Path, script: str) -> None:
    (tmp_path / "entrypoint.sh").write_text(script, encoding="utf-8")
    text = 'FROM python:3.12-slim\nCOPY entrypoint.sh /\nENTRYPOINT ["/entrypoint.sh"]\n'
    assert len(lint(jt601_root_user.RULE, tmp_path, text)) == 1


def test_jt601_distroless_root_tag_and_chainguard_dev_are_root(tmp_path: Path) -> None:
    for base in ("gcr.io/distroless/python3-debian12", "cgr.dev/chainguard/python:latest-dev"):
        assert len(lint(jt601_root_user.RULE, tmp_path, f"FROM {base}\nCMD x\n")) == 1


def test_jt601_image_user_settles_it(tmp_path: Path) -> None:
    text = "FROM python:3.11\nCMD x\n"
    unprivileged = dataclasses.replace(make_image(), user="1000")
    root = dataclasses.replace(make_image(), user="root")
    assert lint(jt601_root_user.RULE, tmp_path, text, image=unprivileged) == []
    assert len(lint(jt601_root_user.RULE, tmp_path, text, image=root)) == 1


# --- JT602 ----------------------------------------------------------------------------------


HF = "hf_" + "Q7vT2mK9xL4pR8wN3bJ6yH1cF5dG0sAaZe"  # shaped like a token, not a real one
OPENAI = "sk-proj-" + "4fT9kLm2Qx7RbW1nVc8ZpY3dHs6JgEaU0oIi"
GITHUB = "ghp_" + "9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX"
AWS_SECRET = "wJalrXUtnFEMI" + "K7MDENGbPxRfiCY9q3Lz"


def test_jt602_flags_literal_secrets_without_repeating_them(tmp_path: Path) -> None:
    """Judged by name and value shape together (issue 10): the old name-only fixture values
    (``secretvalue``, ``hunter2``) were placeholders or plain words, not secrets."""
    text = (
        f"ARG GITHUB_TOKEN={GITHUB}\n"  # 1: global, declared again below
        "FROM python:3.11\n"
        f"ENV HF_TOKEN={HF} OPENAI_API_KEY={OPENAI}\n"  # 3: one finding for both
        f"ENV AWS_SECRET_ACCESS_KEY {AWS_SECRET}\n"  # 4
        "ARG DB_PASSWORD=hunter2\n"  # 5: a plain word: info
        "ARG GITHUB_TOKEN\n"
        'ENV PGPASSWORD="changeme"\n'  # a placeholder: nothing
    )
    found = lint(jt602_secrets_in_env.RULE, tmp_path, text)
    assert lines(found) == [1, 3, 4, 5]
    assert [f.severity for f in found] == [Severity.ERROR] * 3 + [Severity.INFO]
    values = (HF, OPENAI, GITHUB, AWS_SECRET, "hunter2")
    assert all(v not in f.message for f in found for v in values)
    assert "HF_TOKEN (a Hugging Face token (hf_...)), OPENAI_API_KEY" in found[1].message
    assert "image configuration" in found[1].message
    assert "build history" in found[0].message
    assert found[1].fix and "--mount=type=secret" in found[1].fix


def test_jt602_a_secret_in_a_stage_that_does_not_ship_is_info(tmp_path: Path) -> None:
    text = (
        f"ARG HF_TOKEN={HF}\n"  # global, never declared by the final stage
        f"FROM python:3.11 AS fetch\nENV HF_TOKEN={HF}\n"
        "FROM python:3.11-slim\nCOPY --from=fetch /models /models\n"
    )
    found = lint(jt602_secrets_in_env.RULE, tmp_path, text)
    assert lines(found) == [1, 3]
    assert all(f.severity is Severity.INFO for f in found)


@pytest.mark.parametrize(
    "line",
    [
        "ARG HF_TOKEN",
        "ENV HF_TOKEN=${HF_TOKEN}",
        "ENV HF_TOKEN=$TOKEN_FROM_ARG",
        'ENV OPENAI_API_KEY=""',
        "ENV TOKENIZERS_PARALLELISM=false",
        "ENV MAX_TOKENS=4096",
        "ENV HF_HUB_ENABLE_HF_TRANSFER=1",
        "ENV DB_PASSWORD_FILE=/run/secrets/db",
        "ENV AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
        "ENV SECRET_KEY_LENGTH=50",
        "ENV USE_AUTH_TOKEN=true",
        "ENV PATH=/opt/venv/bin:$PATH",
        "ENV HF_TOKEN=/run/secrets/hf_token",
        "ENV OPENAI_API_KEY=your-openai-api-key",
        "ENV OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx",
        "ENV API_KEY=<api-key>",
        "ENV HF_TOKEN=https://example.org/token",
    ],
)
def test_jt602_accepts(tmp_path: Path, line: str) -> None:
    assert lint(jt602_secrets_in_env.RULE, tmp_path, f"FROM python:3.11\n{line}\n") == []


# --- JT603 ----------------------------------------------------------------------------------


def test_jt603(tmp_path: Path) -> None:
    text = (
        "FROM debian:12 AS b\n"
        "ADD https://example.com/a.tar.gz /opt/\n"  # 2: warning (builder, unverified)
        "ADD --checksum=sha256:abc https://example.com/b.tar.gz /opt/\n"  # builder, verified
        "FROM debian:12\n"
        "ADD --checksum=sha256:abc https://example.com/c.bin /opt/\n"  # 5: info
        "ADD https://github.com/org/repo.git#v1.0 /src\n"  # git: fine
        "ADD local.tar.gz /opt/\n"  # local: fine
        "ADD HTTPS://EXAMPLE.COM/D.BIN /opt/\n"  # 8
    )
    found = lint(jt603_add_remote_url.RULE, tmp_path, text)
    assert lines(found) == [2, 5, 8]
    assert [f.severity for f in found] == [Severity.WARNING, Severity.INFO, Severity.WARNING]
    assert "https://example.com/a.tar.gz" in found[0].message
    assert "not verified" in found[0].message and "not verified" not in found[1].message
    assert found[0].fix and "--checksum" in found[0].fix


# --- JT604 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ('CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--reload"]', "uvicorn --reload"),
        ('CMD ["python", "-m", "uvicorn", "app:app", "--reload"]', "uvicorn --reload"),
        ("CMD uvicorn app:app --reload --port 80", "uvicorn --reload"),
        ('CMD ["sh", "-c", "alembic upgrade head && gunicorn --reload app:app"]', "gunicorn"),
        ('CMD ["flask", "--app", "app", "run", "--host=0.0.0.0", "--debug"]', "debugger"),
        ('CMD ["python", "-m", "flask", "run"]', "flask run"),
        ('CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]', "Django"),
        ('CMD ["fastapi", "dev", "app/main.py"]', "fastapi dev"),
        ('CMD ["jupyter", "notebook", "--ip=0.0.0.0", "--allow-root"]', "Jupyter"),
        ('CMD ["jupyter-lab", "--ip=0.0.0.0"]', "Jupyter"),
        ('CMD ["python3", "-m", "http.server", "8000"]', "http.server"),
        ('ENTRYPOINT ["uvicorn"]\nCMD ["app:app", "--reload"]', "uvicorn --reload"),
        ('ENTRYPOINT ["tini", "--"]\nCMD ["uvicorn", "app:app", "--reload"]', "uvicorn --reload"),
    ],
)
def test_jt604_dev_servers(tmp_path: Path, command: str, why: str) -> None:
    [finding] = lint(jt604_dev_server.RULE, tmp_path, f"FROM python:3.11\n{command}\n")
    assert why in finding.message
    assert finding.fix and "production server" in finding.fix


@pytest.mark.parametrize(
    "command",
    [
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--workers", "2"]',
        'CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"]',
        'CMD ["python", "app/predictor.py", "--reload-model"]',
        'CMD ["jupyter", "nbconvert", "--execute", "report.ipynb"]',
        'CMD ["python", "manage.py", "migrate"]',
        'CMD ["uvicorn", "--reload"]\nFROM python:3.11-slim\nCMD ["uvicorn", "app:app"]',
    ],
)
def test_jt604_accepts(tmp_path: Path, command: str) -> None:
    assert lint(jt604_dev_server.RULE, tmp_path, f"FROM python:3.11\n{command}\n") == []


def test_jt604_debug_environment(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS base\nENV FLASK_DEBUG=1\n"
        "FROM base\nENV FLASK_ENV=development UVICORN_RELOAD=true\nENV FLASK_DEBUG=0\n"
        "FROM python:3.11 AS unrelated\nENV FLASK_DEBUG=1\n"
    )
    found = lint(jt604_dev_server.RULE, tmp_path, text + "FROM base\n")
    assert lines(found) == [2]
    found = lint(jt604_dev_server.RULE, tmp_path, text.rsplit("FROM python:3.11 AS", 1)[0])
    assert lines(found) == [4, 4]  # FLASK_DEBUG=1 is overridden by FLASK_DEBUG=0
    assert "FLASK_ENV=development" in found[0].message


# --- JT605 ----------------------------------------------------------------------------------


def test_jt605_exposed_port(tmp_path: Path) -> None:
    text = 'FROM python:3.11\nEXPOSE 8080/tcp\nCMD ["python", "app/main.py"]\n'
    [finding] = lint(jt605_no_healthcheck.RULE, tmp_path, text)
    assert finding.line == 2 and finding.severity is Severity.INFO
    assert "port 8080" in finding.message
    assert finding.fix and "http://localhost:8080/health" in finding.fix


def test_jt605_known_server(tmp_path: Path) -> None:
    text = 'FROM python:3.11\nCMD ["gunicorn", "-b", "0.0.0.0:80", "app:app"]\n'
    [finding] = lint(jt605_no_healthcheck.RULE, tmp_path, text)
    assert finding.line == 2 and "runs gunicorn" in finding.message
    assert "PORT" in (finding.fix or "")


@pytest.mark.parametrize(
    "text",
    [
        'FROM python:3.11\nCMD ["python", "app/predictor.py", "data.txt"]',
        "FROM python:3.11\nEXPOSE 80\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1",
        "FROM python:3.11\nEXPOSE 80\nHEALTHCHECK NONE",
        "FROM python:3.11 AS base\nHEALTHCHECK CMD true\nFROM base\nEXPOSE 80",
        'FROM python:3.11 AS b\nEXPOSE 80\nFROM python:3.11\nCMD ["python", "job.py"]',
    ],
)
def test_jt605_accepts(tmp_path: Path, text: str) -> None:
    assert lint(jt605_no_healthcheck.RULE, tmp_path, text + "\n") == []


# --- seed examples, all families owned here -----------------------------------------------


def codes(ctx_findings: list[Finding]) -> set[str]:
    return {f.code for f in ctx_findings}


def test_naive_bert_example(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, NAIVE_BERT.read_text(encoding="utf-8"))
    found = [f for rule in OWNED for f in run(rule, ctx)]
    assert codes(found) == {"JT101", "JT102", "JT601"}  # no HTTP server: no JT605
    assert all(f.file == tmp_path / "Dockerfile" for f in found)


def test_text_service_example() -> None:
    ctx = dataclasses.replace(
        make_ctx(TEXT_SERVICE, None), dockerfile=parse_dockerfile(TEXT_SERVICE / "Dockerfile")
    )
    found = [f for rule in OWNED for f in run(rule, ctx)]
    assert codes(found) == {
        "JT101",
        "JT102",
        "JT107",
        "JT108",
        "JT402",
        "JT404",
        "JT601",
        "JT605",
    }


def test_fourteen_service_template_has_nothing_above_info(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, seed_dockerfile("svc_xxx"))
    found = [f for rule in OWNED for f in run(rule, ctx)]
    assert [f for f in found if f.severity > Severity.INFO] == []
    assert codes(found) == {"JT102", "JT405"}
