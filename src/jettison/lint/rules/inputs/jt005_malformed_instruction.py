"""JT005: an instruction that does not do what it says.

Why it matters: these build without an error, so nothing tells the author:

- text after an exec-form array (``CMD ["app"]RUN pip install x``, two instructions run
  together on one line): the builder reads the JSON array and drops the rest, so the
  second instruction never runs;
- an exec form that is not valid JSON (``CMD ['python', 'app.py']``): the builder runs the
  whole text as a shell command, brackets and quotes included, and it fails at start;
- a line continuation that swallows the next command (``rm -rf /tmp/x \\`` then
  ``apt-get upgrade`` on the next line, without ``&&``): the next command becomes arguments
  of the previous one and never runs;
- a RUN that only changes the shell it runs in (``RUN export FLASK_APP=app.py``, ``RUN cd
  /app``): nothing of it survives into later layers or the container (``info``; use
  ``ENV``/``WORKDIR``).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator

from jettison.dockerfile.model import KEYWORDS, Dockerfile, Instruction
from jettison.dockerfile.shell import commands_of
from jettison.dockerfile.shellwords import LEADS
from jettison.lint.model import Finding, LintContext, Rule, Severity

EXEC_FORMS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_FLAG = re.compile(r"^--[\w-]+(?:=\S*)?\s+")
_JSON_ATTEMPT = re.compile(r"^\[\s*[\"']")
"""An exec-form array as written (``["`` or ``['``); ``[ -f x ]`` is a shell test."""
_KEYWORD_AFTER = re.compile(rf"^({'|'.join(KEYWORDS)})\b", re.IGNORECASE)
STARTERS = frozenset(
    {"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "pip3", "conda",
     "mamba", "micromamba", "rm", "mkdir", "cd", "chmod", "chown", "ln", "mv", "cp",
     "useradd", "groupadd", "adduser", "addgroup", "export", "echo"}
)  # fmt: skip
"""Programs that start a command and are not arguments of another: a continued line that
begins with one of them, after a line that does not end with ``&&``, ``;``, ``|``...,
has become arguments."""
_NOT_ARGUMENTS_AFTER = frozenset({"install", "add", "-y", "--yes"})
"""Words after which a starter could be a package name (``apt-get install -y \\`` then
``curl``): continuing an install list is not swallowing."""
_OPERATORS = ("&&", "||", "|", ";", "(", "{", "!")
"""A line ending with one of these goes on with a new command."""
_CONNECTORS = LEADS | {"in", "-exec", "-execdir", "xargs", "sudo", "exec", "env", "nohup"}
"""Words after which the next line's first word is a command on purpose: the shell keywords a
command follows (``then``, ``do``...), ``in`` (a loop's list), and programs that run one."""
_NO_EFFECT = frozenset(
    {"export", "cd", "source", ".", "alias", "unset", "set", "pushd", "popd", "umask", "ulimit"}
)  # fmt: skip
"""Shell builtins that only change the shell they run in."""


def _rest(instruction: Instruction) -> str:
    """The instruction's text after its keyword and flags, as written on its first line."""
    text = instruction.original.split(None, 1)
    rest = text[1] if len(text) > 1 else ""
    while _FLAG.match(rest):
        rest = _FLAG.sub("", rest, count=1)
    return rest.strip()


def _exec_form(instruction: Instruction) -> tuple[str, Severity | None] | None:
    """What is wrong with an exec-form array (and a lower severity when it is harmless),
    None when nothing is."""
    rest = _rest(instruction)
    if not _JSON_ATTEMPT.match(rest):
        return None
    if not instruction.json:
        return (
            f"{instruction.keyword} {rest[:40]}... is not valid JSON (double quotes only): the "
            "builder runs the whole text as a shell command, brackets and quotes included",
            None,
        )
    try:
        _, end = json.JSONDecoder().raw_decode(rest)
    except ValueError:
        return None
    trailing = rest[end:].strip()
    if not trailing or trailing.startswith("#"):
        return None  # nothing, or a comment: dropped as its author meant
    other = _KEYWORD_AFTER.match(trailing)
    if other:
        return (
            f"{other.group(1).upper()} is run together with {instruction.keyword} on one line: "
            f"the builder reads the JSON array and drops `{trailing[:50]}`, which never runs",
            None,
        )
    return f"`{trailing[:50]}` after the JSON array is dropped by the builder", Severity.INFO


def _swallowed(dockerfile: Dockerfile, instruction: Instruction) -> str | None:
    """A continued line that turns the next command into arguments."""
    if instruction.keyword != "RUN" or instruction.json or instruction.heredocs:
        return None
    if dockerfile.directives.get("escape", "\\") != "\\":
        return None  # another continuation character (Windows images)
    first, last = instruction.position.line, instruction.position.end_line or 0
    lines = []
    for number in range(first, min(last, len(dockerfile.lines)) + 1):
        text = dockerfile.lines[number - 1].strip()
        if text.startswith("#") or text in ("", "\\"):
            continue  # comments and empty continuations: the builder drops them
        lines.append((number, text))
    for (_, line), (number, following) in itertools.pairwise(lines):
        if not line.endswith("\\"):
            continue
        words = [w for w in line[:-1].split() if not w.startswith("--")]
        if words[:1] == ["RUN"]:
            words = words[1:]
        if not words:
            continue  # RUN and its flags
        last_word = words[-1]
        if last_word.endswith(_OPERATORS) or last_word in _CONNECTORS | _NOT_ARGUMENTS_AFTER:
            continue
        nxt = following.split()
        if nxt and nxt[0] in STARTERS:
            return (
                f"the line continuation before line {number} makes `{following[:40]}` "
                f"arguments of `{' '.join(words[-3:])}`: it never runs as a command"
            )
    return None


def _no_effect(instruction: Instruction) -> bool:
    if instruction.keyword != "RUN":
        return False
    commands = commands_of(instruction)
    return bool(commands) and all(c.name in _NO_EFFECT for c in commands)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction in ctx.dockerfile.instructions():
        if instruction.keyword not in EXEC_FORMS:
            continue
        problem = _exec_form(instruction)
        swallowed = _swallowed(ctx.dockerfile, instruction) if problem is None else None
        if swallowed is not None:
            problem = (swallowed, None)
        if problem is not None:
            yield RULE.finding(
                ctx.dockerfile.path,
                instruction,
                problem[0],
                severity=problem[1],
                fix=(
                    "Put each instruction on its own line, write exec forms as JSON with double "
                    'quotes (`CMD ["python", "app.py"]`), and join commands with `&&` before a '
                    "line continuation."
                ),
            )
        elif _no_effect(instruction):
            yield RULE.finding(
                ctx.dockerfile.path,
                instruction,
                f"`{instruction.original.strip()[:60]}` only changes the shell of this RUN: "
                "nothing of it reaches later layers or the container",
                fix="Use ENV for variables and WORKDIR for the working directory.",
                severity=Severity.INFO,
            )


RULE = Rule(
    code="JT005",
    name="malformed-instruction",
    severity=Severity.WARNING,
    summary="An instruction that builds but does not do what it says (run-together lines, "
    "invalid JSON, swallowed commands, RUN export).",
    check=check,
    example=(
        "RUN apt-get update && apt-get install -y curl \\\n"
        "    rm -rf /var/lib/apt/lists/*\n"
        "RUN export FLASK_APP=app.py\n"
        "CMD ['flask', 'run']"
    ),
    fix_example=(
        "RUN apt-get update && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "ENV FLASK_APP=app.py\n"
        'CMD ["flask", "run"]'
    ),
)
