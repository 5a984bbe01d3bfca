"""The CI entry script (``python -m jettison.ci``) against fake GitHub and GitLab APIs on
127.0.0.1: one comment, posted once and then edited; a broken budget exits 1 and says so;
no token and no file of the user's in the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from jettison.ci.dive_ci import read_dive_ci
from jettison.ci.forge import MARKER
from support.imagewriter import ImageSpec, LayerSpec, sized, write_docker_archive

TOKEN = "ghp_s3cr3t-t0ken-value"
SECRET_FILE_TEXT = "do-not-leak: user's private notes"
SRC = Path(__file__).resolve().parents[3] / "src"


class FakeForge:
    """Plays GitHub's issue-comments API and GitLab's notes API; 2 comments per page."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = [
            {"id": 1, "body": "LGTM"},
            {"id": 2, "body": "another reviewer"},
            {"id": 3, "body": "unrelated"},
        ]
        self.calls: list[tuple[str, str, str]] = []
        self.auth: list[str] = []

    def handle(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        self.auth.append(headers.get("Authorization") or headers.get("PRIVATE-TOKEN") or "")
        self.calls.append((method, path.split("?")[0], body.decode()))
        base, _, query = path.partition("?")
        page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
        listing = base.endswith(("/comments", "/notes"))
        if method == "GET" and listing:
            items = self.comments[(page - 1) * 2 : page * 2]
            headers_out = {}
            if page * 2 < len(self.comments):
                if "/notes" in base:
                    headers_out["X-Next-Page"] = str(page + 1)
                else:
                    headers_out["Link"] = (
                        f'<{self.url}{base}?per_page=100&page={page + 1}>; rel="next"'
                    )
            return 200, items, headers_out
        if method == "POST" and listing:
            created = {"id": 100 + len(self.comments), "body": json.loads(body)["body"]}
            self.comments.append(created)
            return 201, created, {}
        if method in ("PATCH", "PUT"):
            ident = int(base.rsplit("/", 1)[1])
            for comment in self.comments:
                if comment["id"] == ident:
                    comment["body"] = json.loads(body)["body"]
                    return 200, comment, {}
        return 404, {"message": "Not Found"}, {}

    url = ""


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    fake = FakeForge()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, body, extra = fake.handle(
                self.command, self.path, self.headers, self.rfile.read(length)
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _images(tmp: Path) -> tuple[Path, Path]:
    base = LayerSpec([sized("usr/bin/tool", 3000)], created_by="ADD rootfs.tar /")
    baseline = write_docker_archive(tmp / "base.tar", ImageSpec([base]), "legacy")
    grown = ImageSpec([base, LayerSpec([sized("app/model.bin", 50_000)], created_by="COPY . /app")])
    return baseline, write_docker_archive(tmp / "head.tar", grown, "legacy")


def _run(work: Path, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB", "GITLAB", "CI_"))}
    clean.pop("http_proxy", None)
    clean.pop("HTTP_PROXY", None)
    clean.update(env, PYTHONPATH=str(SRC), no_proxy="*")
    return subprocess.run(
        [sys.executable, "-m", "jettison.ci", *(str(a) for a in args)],
        cwd=work, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text(SECRET_FILE_TEXT)
    return work


def _github_env(forge: FakeForge, work: Path) -> dict[str, str]:
    event = work.parent / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": forge.url,
        "GITHUB_REPOSITORY": "acme/svc",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": TOKEN,
    }


def _no_leak(forge: FakeForge, *runs: subprocess.CompletedProcess[str]) -> None:
    for run in runs:
        for text in (run.stdout, run.stderr):
            assert TOKEN not in text and SECRET_FILE_TEXT not in text
    for comment in forge.comments:
        assert TOKEN not in comment["body"] and SECRET_FILE_TEXT not in comment["body"]


def test_github_one_comment_posted_then_edited_and_a_broken_budget_fails(
    forge: FakeForge, tmp_path: Path
) -> None:
    baseline, head = _images(tmp_path)
    work = _workspace(tmp_path)
    env = _github_env(forge, work)
    first = _run(work, env, "--image", head, "--baseline", baseline)
    assert first.returncode == 0, first.stderr
    posted = [c for c in forge.comments if MARKER in c["body"]]
    assert len(posted) == 1
    assert "jettison: image checks passed" in posted[0]["body"]
    assert "/app/model.bin" in posted[0]["body"]
    assert [m for m, _, _ in forge.calls].count("POST") == 1

    second = _run(work, env, "--image", head, "--baseline", baseline, "--budget", "max-size=10kB")
    assert second.returncode == 1
    assert "jettison-ci: gate broken: size is" in second.stderr
    mine = [c for c in forge.comments if MARKER in c["body"]]
    assert len(mine) == 1 and mine[0]["id"] == posted[0]["id"]
    assert "image checks **failed**" in mine[0]["body"] and "size is 53,000 B" in mine[0]["body"]
    assert [m for m, _, _ in forge.calls].count("POST") == 1
    assert [m for m, _, _ in forge.calls].count("PATCH") == 1
    assert set(forge.auth) == {f"Bearer {TOKEN}"}
    _no_leak(forge, first, second)
    assert (work / "jettison-ci" / "comment.md").read_text() == mine[0]["body"]
    assert (work / "jettison-ci" / "diff.html").is_file()


def test_gitlab_notes_and_dive_rules(forge: FakeForge, tmp_path: Path) -> None:
    baseline, head = _images(tmp_path)
    work = _workspace(tmp_path)
    (work / ".dive-ci").write_text(
        "rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: disabled\n"
        "  highestUserWastedPercent: 0.1\n"
    )
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": forge.url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "5",
        "JETTISON_GITLAB_TOKEN": TOKEN,
    }
    runs = [_run(work, env, "--image", head, "--baseline", baseline, "--fail-if-grown", "10kB")
            for _ in range(2)]  # fmt: skip
    assert [r.returncode for r in runs] == [1, 1]
    assert "gate broken: the image grew by 50 kB" in runs[0].stderr
    mine = [c for c in forge.comments if MARKER in c["body"]]
    assert len(mine) == 1
    assert [m for m, _, _ in forge.calls].count("PUT") == 1
    assert forge.calls[-1][1] == f"/projects/42/merge_requests/5/notes/{mine[0]['id']}"
    assert set(forge.auth) == {TOKEN}
    _no_leak(forge, *runs)


def test_an_api_error_is_one_line_without_the_token(forge: FakeForge, tmp_path: Path) -> None:
    _, head = _images(tmp_path)
    work = _workspace(tmp_path)
    env = _github_env(forge, work) | {"GITHUB_REPOSITORY": "acme/missing"}
    forge.handle = lambda *a: (401, {"message": "Bad credentials"}, {})  # type: ignore[method-assign]
    run = _run(work, env, "--image", head)
    assert run.returncode == 0
    assert (
        "jettison-ci: warning: GitHub API: GET /repos/acme/missing/issues/7/comments: HTTP 401"
        in run.stderr
    )
    _no_leak(forge, run)


def test_dive_ci_rules(tmp_path: Path) -> None:
    path = tmp_path / ".dive-ci"
    path.write_text("rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n"
                    "  highestUserWastedPercent: disabled\n")  # fmt: skip
    rules = read_dive_ci(path)
    assert [(r.budget, r.value) for r in rules] == [
        ("min-efficiency", "0.95"),
        ("max-wasted", "20MB"),
    ]
    path.write_text("rules:\n  somethingElse: 1\n")
    with pytest.raises(ValueError, match="unknown dive rule"):
        read_dive_ci(path)


def test_the_action_and_the_template_run_the_entry_script() -> None:
    import yaml

    root = SRC.parent
    action = yaml.safe_load((root / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "python3 -m jettison.ci" in steps
    assert any("upload-sarif" in step.get("uses", "") for step in action["runs"]["steps"])
    template = yaml.safe_load((root / "ci/gitlab/jettison.gitlab-ci.yml").read_text())
    assert "python -m jettison.ci" in " ".join(template["jettison"]["script"])
