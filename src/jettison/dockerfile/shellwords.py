"""Shell text as words and operators, each with where it sits in the text: the one tokeniser
every reader of RUN scripts and start scripts goes through (:mod:`jettison.dockerfile.shell`,
:mod:`jettison.dockerfile.shellscript`), and :func:`parts`, a script cut at its top-level
``&&``/``;``/newlines into pieces of its own text (what ``fix`` keeps of a RUN).

Words are read as Python's ``shlex`` reads them in POSIX mode with ``;&|()`` as punctuation
(quotes removed, a run of punctuation one token, ``<``/``>``/backquote single tokens), which
is what the command readers were written against, except where shlex is not the shell:

* ``#`` starts a comment only where a word starts (``git+https://h/r.git#egg=r`` and
  ``${V#prefix}`` are words), and the newline that ends a comment still separates commands;
* the ``&`` of a redirection (``2>&1``, ``>&2``, ``&>/dev/null``) is part of the redirection
  token (``>&``, ``&>``), not a command sent to the background.
"""

from __future__ import annotations

import bisect
import functools
import re
import shlex
from dataclasses import dataclass

_PUNCTUATION = ";&|()"
_WORD_CHARS = frozenset(
    shlex.shlex("", posix=True, punctuation_chars=_PUNCTUATION).wordchars + ":,+@%^[]{}$!#"
)
_BLANKS = frozenset(" \t\r")
_BREAKS = frozenset(" \t\r\n;&|()<>")
"""What ends a word in the shell (its metacharacters): a ``#`` after one starts a comment."""


def _is_word_char(char: str) -> bool:
    """Part of a word: shlex's word characters, and every character beyond ASCII (the shell
    splits only at its metacharacters; shlex made ``é#x`` or ``\ufffd#`` two tokens, the
    second a comment, which hid the rest of a RUN line from lint: a fuzz input)."""
    return char in _WORD_CHARS or char > "\x7f"


_REDIRECTIONS = frozenset({">", "<", ">&", "<&", "&>"})
_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
"""Longest first: how a run of punctuation reads as shell operators."""


@dataclass(frozen=True, slots=True)
class Token:
    """One word or operator of a script and where it is written (``text[start:end]``)."""

    text: str
    """The word with quotes and escapes removed, or the operator (a run of ``;&|()``, or
    ``"\\n"``)."""
    start: int
    end: int
    operator: bool = False
    plain: bool = True
    """Written exactly as ``text`` (no quote, no escape): what a shell keyword must be."""

    @property
    def redirection(self) -> bool:
        """``>``, ``<``, ``>&``, ``<&`` or ``&>`` as written (``>>`` is two): its word is the
        file (``>/dev/null``), a number before it touching it the descriptor (``2>&1``)."""
        return self.plain and not self.operator and self.text in _REDIRECTIONS


def tokens(script: str) -> list[Token] | None:
    """The words and operators of ``script`` in order; None when a quote is not closed or
    the script ends in a lone backslash. A backslash-newline is a blank."""
    found = _tokens_once(script)
    return None if found is None else list(found)


@functools.lru_cache(maxsize=2048)
def _tokens_once(script: str) -> tuple[Token, ...] | None:
    """:func:`tokens`, once per text: every rule of lint and every pass of fix reads the
    same RUN lines (tokenising them again was a quarter of fix's time)."""
    text, origin = _joined(script)
    out: list[Token] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char in _BLANKS:
            at += 1
        elif char == "#" and (at == 0 or text[at - 1] in _BREAKS):  # a comment, up to
            # (not including) the newline; a # touching the word before it is part of it
            end = text.find("\n", at)
            at = len(text) if end < 0 else end
        elif char == "\n" or (char in _PUNCTUATION and not _redirect_amp(text, at)):
            end = at + 1
            while char != "\n" and end < len(text) and text[end] in _PUNCTUATION:
                if _redirect_amp(text, end):
                    break
                end += 1
            out.append(Token(text[at:end], origin[at], origin[end - 1] + 1, operator=True))
            at = end
        elif _is_word_char(char) or char in "'\"\\":
            found = _word(text, at)
            if found is None:
                return None
            word, end, plain = found
            out.append(Token(word, origin[at], origin[end - 1] + 1, plain=plain))
            at = end
        else:  # any other character is a token of its own (``>``), a redirection's ``>&``
            joined = char == "&" or (char in "<>" and _redirect_amp(text, at + 1))
            end = at + 2 if joined else at + 1
            out.append(Token(text[at:end], origin[at], origin[end - 1] + 1))
            at = end
    return tuple(out)


def _joined(script: str) -> tuple[str, list[int]]:
    """``script`` with each backslash-newline read as one blank, and where each character
    of the result was in ``script``."""
    if "\\\n" not in script:
        return script, list(range(len(script) + 1))
    text: list[str] = []
    origin: list[int] = []
    at = 0
    while at < len(script):
        if script.startswith("\\\n", at):
            text.append(" ")
            origin.append(at)
            at += 2
            continue
        text.append(script[at])
        origin.append(at)
        at += 1
    origin.append(len(script))
    return "".join(text), origin


def _redirect_amp(text: str, at: int) -> bool:
    """The ``&`` at ``at`` belongs to a redirection (``>&``, ``<&``, ``&>``)."""
    if at >= len(text) or text[at] != "&":
        return False
    return text[at - 1 : at] in ("<", ">") or text[at + 1 : at + 2] == ">"


def _word(
    text: str, at: int, bodies: list[tuple[str, list[int]]] | None = None
) -> tuple[str, int, bool] | None:
    """The word starting at ``at``: its value, where it ends, whether it is plain. Each
    quoted string in it goes to ``bodies`` (when given) as :func:`_double_quoted` gives it."""
    out: list[str] = []
    plain = True
    while at < len(text):
        char = text[at]
        if char == "'":
            end = text.find("'", at + 1)
            if end < 0:
                return None
            out.append(text[at + 1 : end])
            if bodies is not None:
                bodies.append((text[at + 1 : end], list(range(at + 1, end + 1))))
            at, plain = end + 1, False
        elif char == '"':
            found = _double_quoted(text, at + 1)
            if found is None:
                return None
            body, starts = found
            out.append(body)
            if bodies is not None:
                bodies.append((body, starts))
            at, plain = starts[-1] + 1, False
        elif char == "\\":
            if at + 1 >= len(text):
                return None
            out.append(text[at + 1])
            at, plain = at + 2, False
        elif _is_word_char(char):
            out.append(char)
            at += 1
        else:
            break
    return "".join(out), at, plain


def _double_quoted(text: str, at: int) -> tuple[str, list[int]] | None:
    """The value of the double-quoted string whose first character is at ``at`` (``\\\\``
    and ``\\"`` read as the character escaped, any other backslash kept), and where each
    character of the value is written (an escape's backslash), then where the closing quote
    is; None when no quote closes it."""
    value: list[str] = []
    starts: list[int] = []
    while at < len(text) and text[at] != '"':
        if text[at] == "\\" and at + 1 < len(text):
            escaped = text[at + 1]
            if escaped in '\\"':
                value.append(escaped)
                starts.append(at)
            else:
                value += ("\\", escaped)
                starts += (at, at + 1)
            at += 2
            continue
        value.append(text[at])
        starts.append(at)
        at += 1
    if at >= len(text):
        return None
    starts.append(at)
    return "".join(value), starts


@dataclass(frozen=True, slots=True)
class Quoted:
    """A quoted string inside a word of a script (``sh -c 'pip install x'``): the value the
    quotes give, itself a script for a shell's ``-c``, and where it is written."""

    text: str
    starts: tuple[int, ...]
    """Where each character of ``text`` is written in the script (the backslash of an
    escape: ``\\"``), then where the closing quote is."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where ``text[start:end]`` is written in the script (escapes included)."""
        return self.starts[start], self.starts[end]


def quoted(script: str) -> list[Quoted] | None:
    """The quoted strings of the words of ``script``, in order (``["sh", "-c", "pip install
    x"]`` holds three); None when :func:`tokens` cannot read it. Quotes inside a quoted
    string are not looked into: that string is a script of its own (read it with this)."""
    found = tokens(script)
    if found is None:
        return None
    text, origin = _joined(script)
    out: list[Quoted] = []
    for token in found:
        if token.operator or token.plain:
            continue
        bodies: list[tuple[str, list[int]]] = []
        _word(text, bisect.bisect_left(origin, token.start), bodies)
        out.extend(Quoted(body, tuple(origin[at] for at in starts)) for body, starts in bodies)
    return out


def words(script: str) -> list[str]:
    """The tokens of ``script`` as text (see :func:`read`)."""
    return [text for text, _ in read(script)]


def read(script: str) -> list[tuple[str, bool]]:
    """Each token of ``script`` as text, and whether it is an operator (a quoted ``";"`` is a
    word). When the script cannot be read (an unbalanced quote): its blank-separated words,
    ``&&``, ``;``... standing alone as operators; a reader of commands never fails on a
    build script."""
    found = tokens(script)
    if found is None:
        split = script.replace("\\\n", " ").split()
        return [(w, set(w) <= set(_PUNCTUATION)) for w in split]
    return [(t.text, t.operator) for t in found]


def simple_words(script: str) -> list[str] | None:
    """The words of ``script`` when it is one simple command, a word with a ``$(...)`` kept
    as written (``rm -rf $(poetry config cache-dir)``: two words after ``rm``, where
    :func:`words` reads ``$``, ``(``, ``poetry``...); None for anything else (several
    commands, a pipeline, a subshell, backquotes, an unbalanced quote or substitution)."""
    found = whole_words(script)
    if not found or any(t.operator for t in found):
        return None
    if any(t.plain and t.text == "`" for t in _tokens_once(script) or ()):
        return None
    return [t.text for t in found]


def whole_words(script: str) -> list[Token] | None:
    """The words and operators of ``script`` with each word that holds a substitution
    (``$(...)``, ``$((...))``, backquotes) read whole, as written from the substitution on
    (``cd /usr/lib/$(uname -p)-linux-gnu`` is two words), and each run of operators cut into
    its operators (``);`` is ``)`` then ``;``). A redirection is a token of its own, never part
    of a word it touches (``x>/f``: ``x``, ``>``, ``/f``). None when a quote or a substitution
    is not closed."""
    found = _tokens_once(script)
    if found is None:
        return None
    reader = _WholeWords(script)
    for token in found:
        if not token.operator:
            reader.word(token)
            continue
        at = token.start
        for operator in _operators(token.text):
            reader.operator(operator, at)
            at += len(operator)
    return reader.out if not (reader.depth or reader.backquoted) else None


class _WholeWords:
    """:func:`whole_words`' reader: tokens in order, the current word grown while they touch."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.out: list[Token] = []
        self.depth = 0  # parentheses of a ``$(`` open in the current word
        self.backquoted = False  # a backquote open in the current word
        self.raw = False  # the current word holds a substitution: the rest of it as written
        self.end = -1  # where the last token ended

    def word(self, token: Token) -> None:
        backquote = token.plain and token.text == "`"
        if self.depth or self.backquoted:
            self._grow(self.script[self.end : token.end], token.end)
            if backquote and not self.depth:
                self.backquoted = False  # the closing backquote
        elif self._touches(token.start) and not token.redirection:
            self.raw = self.raw or backquote
            self._grow(self.script[token.start : token.end] if self.raw else token.text, token.end)
            self.backquoted = backquote
        else:
            self.out.append(Token(token.text, token.start, token.end, plain=token.plain))
            self.raw = self.backquoted = backquote
        self.end = token.end

    def operator(self, operator: str, at: int) -> None:
        end = at + len(operator)
        if self.depth or self.backquoted:
            if self.depth:
                self.depth += (operator == "(") - (operator == ")")
            self._grow(self.script[self.end : end], end)
        elif operator == "(" and self.script[at - 1 : at] == "$" and self._touches(at):
            self.depth, self.raw = 1, True
            self._grow(operator, end)
        else:
            self.out.append(Token(operator, at, end, operator=True))
        self.end = end

    def _touches(self, at: int) -> bool:
        """A word ends right at ``at``: what starts there is part of it."""
        last = self.out[-1] if self.out else None
        return self.end == at and last is not None and not (last.operator or last.redirection)

    def _grow(self, text: str, end: int) -> None:
        last = self.out[-1]
        self.out[-1] = Token(last.text + text, last.start, end, plain=False)


def _operators(run: str) -> list[str]:
    """A run of punctuation (or a newline) as the shell operators it holds, in order."""
    out: list[str] = []
    while run:
        operator = next(op for op in (*_OPERATORS, "\n") if run.startswith(op))
        out.append(operator)
        run = run[len(operator) :]
    return out


# -- a script cut into top-level parts -----------------------------------------------------------

COMPOUND = {"if": "fi", "for": "done", "while": "done", "until": "done", "case": "esac",
            "select": "done", "{": "}"}  # fmt: skip
"""The reserved words that open a compound command, each with the reserved word that closes
it. With :data:`LEADS` and ``in``, the shell's keywords: the one table every reader of
commands skips keywords with."""
LEADS = frozenset({"if", "while", "until", "then", "do", "else", "elif", "!", "{", "time"})
"""Reserved words a command follows (``if grep -q x f``, ``then pip install x``, ``! grep -q
x``, ``time make``; ``time`` is bash's)."""
KEYWORDS = frozenset({*COMPOUND, *COMPOUND.values(), *LEADS, "in"})
"""Every reserved word: not a program where a command starts (``if``, ``fi``, ``do``...)."""
_CONTINUATIONS = re.compile(r"^(?:[ \t]*\\\n)+|(?:[ \t]*\\\n)+[ \t]*$")
"""Backslash-newlines that begin or end a part: blanks, as :func:`tokens` reads them."""


@dataclass(frozen=True, slots=True)
class Part:
    """One top-level part of a script, as written (blanks around it dropped)."""

    text: str
    separator: str
    """What joined it to the next part: ``&&``, ``;`` (newlines read as ``;``), or ``""``
    for the last one."""
    simple: bool
    """One simple command: no pipeline, ``||``, compound command or subshell."""


def parts(script: str) -> list[Part] | None:
    """The top-level parts of ``script``, None when unsure.

    ``apt-get update && pip install -e . && python -m nltk.downloader punkt`` is three parts
    joined by ``&&``; an ``if ...; then ...; fi``, a ``for`` loop, a ``{ ...; }`` group, a
    subshell or a pipeline stays one part (it is not cut inside); ``$(...)`` and backquotes
    are words. Parts are joined by ``&&``, ``;`` or newlines, kept with each part, so a
    script rebuilt from some of its parts runs them with the same separators. A heredoc, an
    unbalanced quote or construct, or a command sent to the background gives None.
    """
    found = whole_words(script)
    if found is None or "<<" in script:
        return None
    reader = _PartReader(script)
    for token in found:
        if token.operator and not reader.operator(token.text, token.start):
            return None
        if not token.operator:
            reader.word(token)
    return reader.finish()


class _PartReader:
    """Reads :func:`whole_words` in order, tracking open constructs, and cuts at top-level
    separators."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.out: list[Part] = []
        self.stack: list[str] = []
        self.start = 0
        self.simple = True
        self.command_start = True  # the next word starts a command (keywords count only there)

    def word(self, token: Token) -> None:
        word = token.text if token.plain else None
        if self.command_start and word in COMPOUND:
            self.stack.append(COMPOUND[word])
            self.simple = False
        elif self.command_start and self.stack and word == self.stack[-1]:
            self.stack.pop()
        self.command_start = word in LEADS or (self.command_start and "=" in token.text)

    def operator(self, operator: str, at: int) -> bool:
        if operator in ("&&", ";", "\n") and not self.stack:
            self._add(self.script[self.start : at], operator)
            self.start, self.simple, self.command_start = at + len(operator), True, True
            return True
        if operator == "&":
            return False  # a command in the background
        if operator == "(":
            self.stack.append(")")  # a subshell
            self.simple = False
        elif operator == ")":
            if not self.stack or self.stack.pop() != ")":
                return False
            self.command_start = False
            return True
        elif not self.stack:
            self.simple = False  # a pipeline or ``||``
        self.command_start = True
        return True

    def _add(self, text: str, separator: str) -> None:
        stripped = _CONTINUATIONS.sub("", text).strip()
        if stripped:
            self.out.append(Part(stripped, ";" if separator == "\n" else separator, self.simple))
        elif self.out and separator:
            last = self.out[-1]  # ``a && \n b``: the blank part between keeps the first joiner
            self.out[-1] = Part(last.text, last.separator or separator, last.simple)

    def finish(self) -> list[Part] | None:
        if self.stack:
            return None
        self._add(self.script[self.start :], "")
        if self.out:
            last = self.out[-1]
            self.out[-1] = Part(last.text, "", last.simple)
        return self.out
