"""A RUN script cut into its top-level parts, each as written: what the multi-stage split
keeps of a RUN in the runtime stage when it drops the installs the builder ran.

``apt-get update && pip install -e . && python -m nltk.downloader punkt`` is three parts
joined by ``&&``; an ``if ...; then ...; fi``, a ``for`` loop, a ``{ ...; }`` group, a
subshell or a pipeline stays one part (it is not cut inside). Parts are joined by ``&&``,
``;`` or newlines, which are kept, so a script rebuilt from some of its parts runs them
with the same separators. Anything this scanner is not sure of (a heredoc, an unbalanced
quote or keyword, a command put in the background) makes it give up: None, and the caller
keeps the RUN whole or refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

_OPENERS = {"if": "fi", "for": "done", "while": "done", "until": "done", "case": "esac",
            "select": "done", "{": "}"}  # fmt: skip
_COMMAND_START_AFTER = frozenset({"then", "do", "else", "elif", "!", "{", "time"})


@dataclass(frozen=True, slots=True)
class Part:
    """One top-level part of a script, as written (blanks around it dropped)."""

    text: str
    separator: str
    """What joined it to the next part: ``&&``, ``;`` (newlines read as ``;``), or ``""``
    for the last one."""
    simple: bool
    """One simple command: no pipeline, ``||``, compound command or subshell."""


class _Scanner:
    """A character walk over a script that knows quotes, escapes, ``$(...)`` and comments."""

    def __init__(self, script: str) -> None:
        self.text = script
        self.at = 0

    def skip_quoted(self) -> bool:
        """Step over the quoted or substituted text starting here; False when unbalanced."""
        text, start = self.text, self.at
        char = text[start]
        if char == "\\":
            self.at = start + 2
            return True
        if char == "'":
            end = text.find("'", start + 1)
            if end < 0:
                return False
            self.at = end + 1
            return True
        if char in '"`':
            index = start + 1
            while index < len(text) and text[index] != char:
                index += 2 if text[index] == "\\" else 1
            if index >= len(text):
                return False
            self.at = index + 1
            return True
        if text.startswith("$(", start):
            depth, index = 0, start + 1
            while index < len(text):
                if text[index] == "(":
                    depth += 1
                elif text[index] == ")":
                    depth -= 1
                    if depth == 0:
                        self.at = index + 1
                        return True
                elif text[index] in "'\"\\":
                    inner = _Scanner(text)
                    inner.at = index
                    if not inner.skip_quoted():
                        return False
                    index = inner.at
                    continue
                index += 1
            return False
        self.at = start + 1
        return True


def parts(script: str) -> list[Part] | None:
    """The top-level parts of ``script`` (see the module docstring), None when unsure."""
    if "<<" in script:
        return None
    scanner = _Scanner(script)
    text = script
    out: list[Part] = []
    stack: list[str] = []
    start = 0
    simple = True
    word_start = True  # the next word starts a command (keywords count only there)
    while scanner.at < len(text):
        char = text[scanner.at]
        if char in "'\"`\\" or text.startswith("$(", scanner.at):
            if not scanner.skip_quoted():
                return None
            word_start = False
            continue
        if char == "#" and (scanner.at == 0 or text[scanner.at - 1] in " \t\n;&|"):
            end = text.find("\n", scanner.at)
            scanner.at = len(text) if end < 0 else end
            continue
        separator = _separator(text, scanner.at)
        if separator is not None:
            if separator in ("&&", ";", "\n") and not stack:
                _add(out, text[start : scanner.at], separator, simple)
                scanner.at += 1 if separator in (";", "\n") else 2
                start, simple, word_start = scanner.at, True, True
                continue
            if separator == "&":
                return None  # a command in the background
            if not stack:
                simple = False  # a pipeline or ``||``
            scanner.at += len(separator)
            word_start = True
            continue
        if char in " \t":
            scanner.at += 1
            continue
        if char == "(":
            stack.append(")")
            simple = False
            scanner.at += 1
            word_start = True
            continue
        if char == ")":
            if not stack or stack.pop() != ")":
                return None
            scanner.at += 1
            word_start = False
            continue
        word, end = _word(text, scanner.at)
        if word_start and word in _OPENERS:
            stack.append(_OPENERS[word])
            simple = False
        elif word_start and stack and word == stack[-1]:
            stack.pop()
        scanner.at = max(end, scanner.at + 1)
        word_start = word in _COMMAND_START_AFTER or (word_start and "=" in word)
    if stack:
        return None
    _add(out, text[start:], "", simple)
    if out:
        out[-1] = Part(out[-1].text, "", out[-1].simple)
    return out


def _separator(text: str, at: int) -> str | None:
    for token in ("&&", "||", ";;", "|&"):
        if text.startswith(token, at):
            return token
    char = text[at]
    if char == "&" and (text[at - 1 : at] in ("<", ">") or text[at + 1 : at + 2] == ">"):
        return None  # a redirection: 2>&1, &>file
    return char if char in ";|&\n" else None


def _word(text: str, at: int) -> tuple[str, int]:
    """The plain word starting at ``at`` (up to a blank, an operator or a quote)."""
    end = at
    while end < len(text) and text[end] not in " \t\n;&|()'\"`\\$#":
        end += 1
    return text[at:end], end


def _add(out: list[Part], text: str, separator: str, simple: bool) -> None:
    stripped = text.strip()
    if stripped:
        out.append(Part(stripped, ";" if separator == "\n" else separator, simple))
    elif out and separator:
        last = out[-1]  # ``a && \n b``: the blank part between keeps the first joiner
        out[-1] = Part(last.text, last.separator or separator, last.simple)


def join(kept: list[Part]) -> str:
    """A script that runs ``kept`` in order with their separators (the last one's dropped),
    one part a line, as :func:`jettison.dockerfile.writer.run` lays out a RUN."""
    out = ""
    for index, part in enumerate(kept):
        out += part.text
        if index < len(kept) - 1:
            joiner = part.separator or "&&"
            out += " \\\n    && " if joiner == "&&" else f"{joiner} \\\n    "
    return out
