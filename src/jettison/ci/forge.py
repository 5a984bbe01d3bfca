"""One comment per pull request (GitHub) or merge request (GitLab), found by a marker and
edited in place: list the comments (every page), edit the first that carries the marker,
post a new one only when none does. Standard library only (urllib)."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "<!-- jettison-ci -->"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class ForgeError(Exception):
    """An API call failed; the message names the call and the status, never the token."""


@dataclass(frozen=True)
class Forge:
    name: str
    api: str
    """Base URL of the REST API."""
    comments: str
    """Path of the request's comments (GitHub's issue comments, GitLab's notes)."""
    edit: str
    """Path of one comment, ``{id}`` standing for its id."""
    edit_method: str
    headers: Mapping[str, str]

    def _call(
        self, method: str, url: str, body: Mapping[str, Any] | None = None
    ) -> tuple[Any, Mapping[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        for key, value in self.headers.items():
            request.add_header(key, value)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        where = url.split("?", 1)[0].removeprefix(self.api)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null"), dict(answer.headers)
        except urllib.error.HTTPError as exc:
            raise ForgeError(
                f"{self.name} API: {method} {where}: HTTP {exc.code} {exc.reason}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ForgeError(f"{self.name} API: {method} {where}: {reason}") from None

    def _pages(self) -> Iterator[dict[str, Any]]:
        url: str | None = f"{self.api}{self.comments}?per_page=100"
        page = 1
        while url:
            items, headers = self._call("GET", url)
            yield from items or []
            link = _NEXT.search(headers.get("Link", "") or headers.get("link", ""))
            following = headers.get("X-Next-Page") or headers.get("x-next-page")
            if link:
                url = link.group(1)
            elif following:
                page = int(following)
                url = f"{self.api}{self.comments}?per_page=100&page={page}"
            else:
                url = None

    def upsert(self, body: str) -> tuple[str, int]:
        """Edit the comment that carries :data:`MARKER`, else post one; ("edited" or
        "posted", its id)."""
        text = body if MARKER in body else f"{MARKER}\n{body}"
        for comment in self._pages():
            if MARKER in (comment.get("body") or ""):
                ident = int(comment["id"])
                self._call(
                    self.edit_method, f"{self.api}{self.edit.format(id=ident)}", {"body": text}
                )
                return "edited", ident
        created, _ = self._call("POST", f"{self.api}{self.comments}", {"body": text})
        return "posted", int(created["id"])


def from_environment(env: Mapping[str, str] = os.environ) -> Forge | None:
    """The forge this CI job runs on, with its pull/merge request; None when the job is not
    for one (a push to a branch) or no token is given."""
    if env.get("GITHUB_ACTIONS") or env.get("GITHUB_REPOSITORY"):
        number = _github_number(env)
        token = env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB_TOKEN")
        if number is None or not token:
            return None
        repo = env["GITHUB_REPOSITORY"]
        return Forge(
            "GitHub",
            env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            f"/repos/{repo}/issues/{number}/comments",
            f"/repos/{repo}/issues/comments/{{id}}",
            "PATCH",
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "jettison-ci",
            },
        )
    if env.get("GITLAB_CI") or env.get("CI_API_V4_URL"):
        iid = env.get("CI_MERGE_REQUEST_IID")
        token = env.get("JETTISON_GITLAB_TOKEN") or env.get("GITLAB_TOKEN")
        if not iid or not token:
            return None
        project = env["CI_PROJECT_ID"]
        base = f"/projects/{project}/merge_requests/{iid}/notes"
        return Forge(
            "GitLab",
            env.get("CI_API_V4_URL", "https://gitlab.com/api/v4").rstrip("/"),
            base,
            f"{base}/{{id}}",
            "PUT",
            {"PRIVATE-TOKEN": token, "User-Agent": "jettison-ci"},
        )
    return None


def _github_number(env: Mapping[str, str]) -> int | None:
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                event = json.load(handle)
            number = (event.get("pull_request") or {}).get("number") or event.get("number")
            if number:
                return int(number)
        except (OSError, ValueError):
            pass
    match = re.match(r"refs/pull/(\d+)/", env.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None
