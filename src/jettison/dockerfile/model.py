"""A parsed Dockerfile: stages of instructions, each with its position in the file.

Produced by :func:`jettison.dockerfile.parser.parse_dockerfile` from buildkit's own parser,
read by lint rules (and later by ``fix``). Values keep the text as written; ``expanded``
fields hold the result of ``ARG``/``ENV`` substitution where it could be decided statically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KEYWORDS = (
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
)
"""The instructions ``docker build`` knows."""


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of an instruction's first character; ``end_line`` inclusive."""

    line: int
    column: int = 1
    end_line: int | None = None


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    content: str


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction (``RUN``, ``COPY``...), its flags and arguments as buildkit splits them.

    ``args`` are the words after the flags (for ``RUN`` in shell form: one string, the whole
    command line with continuations joined; in exec form (``json``): the JSON array items).
    ``flags`` are the ``--name=value`` options before them (``--mount=...``, ``--from=...``).
    """

    keyword: str
    """Upper-case instruction name."""
    args: tuple[str, ...]
    flags: tuple[str, ...]
    original: str
    """The instruction as written (continuations joined by buildkit)."""
    position: Position
    stage_index: int
    """Index of the stage it belongs to; -1 for ``ARG`` before the first ``FROM``."""
    json: bool = False
    """Exec form (``["a", "b"]``) rather than shell form."""
    heredocs: tuple[Heredoc, ...] = ()
    ignored_codes: frozenset[str] = frozenset()
    """Lint codes silenced by an inline ``# jettison: ignore=JT101,JT102`` comment on the line
    before this instruction (``all`` silences every code)."""

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (or ``""`` for a bare ``--name``), None when absent."""
        prefix = f"--{name}"
        for raw in self.flags:
            if raw == prefix:
                return ""
            if raw.startswith(prefix + "="):
                return raw[len(prefix) + 1 :]
        return None

    def flag_values(self, name: str) -> list[str]:
        """Every value of a repeatable flag (``--mount`` may appear several times)."""
        prefix = f"--{name}="
        return [raw[len(prefix) :] for raw in self.flags if raw.startswith(prefix)]

    @property
    def shell_text(self) -> str:
        """The shell script a ``RUN``/``CMD``/``ENTRYPOINT`` runs: heredoc bodies included."""
        if self.json:
            return " ".join(self.args)
        text = " ".join(self.args)
        for doc in self.heredocs:
            text += "\n" + doc.content
        return text


@dataclass(frozen=True, slots=True)
class Stage:
    """``FROM base [AS name]`` and the instructions up to the next ``FROM``."""

    index: int
    base: str
    """The base image as written (``${BASE}``, ``python:3.11``, another stage's name...)."""
    base_expanded: str
    """The base after ``ARG`` substitution (equal to ``base`` when nothing to substitute)."""
    name: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]
    """Everything after the ``FROM`` line, in order."""
    platform: str | None = None

    def of(self, *keywords: str) -> list[Instruction]:
        wanted = {k.upper() for k in keywords}
        return [i for i in self.instructions if i.keyword in wanted]


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    stages: tuple[Stage, ...]
    global_args: tuple[Instruction, ...] = ()
    """``ARG`` instructions before the first ``FROM``."""
    directives: dict[str, str] = field(default_factory=dict)
    """Parser directives (``syntax``, ``escape``, ``check``) from the top comments."""
    lines: tuple[str, ...] = ()
    """The source lines, for rules that quote them."""
    build_args: dict[str, str] = field(default_factory=dict)
    """``--build-arg`` values the build is given (a compose or bake file's ``args``): they
    override the ``ARG`` defaults of the names the Dockerfile declares."""
    memo: dict[object, object] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    """What readers derive from this (immutable) parse, computed once per key (e.g. the
    steps of a stage: :func:`jettison.dockerfile.steps.steps`)."""

    @property
    def final_stage(self) -> Stage | None:
        """The stage a plain ``docker build`` produces (the last one)."""
        return self.stages[-1] if self.stages else None

    def stage_ref(self, ref: str) -> Stage | None:
        """The stage ``COPY --from=ref`` (or a ``--mount`` ``from``) names: by index or by
        name; None when ``ref`` names an image instead."""
        if ref.isdigit():
            index = int(ref)
            return self.stages[index] if index < len(self.stages) else None
        return self.stage_named(ref)

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == name.lower():
                return stage
        return None

    def instructions(self) -> list[Instruction]:
        """Every instruction in file order (global ARGs and FROM lines included)."""
        out = list(self.global_args)
        for stage in self.stages:
            out.append(stage.from_instruction)
            out.extend(stage.instructions)
        return out

    def runtime_stages(self) -> list[Stage]:
        """The final stage and every stage it is built ``FROM`` (transitively)."""
        chain: list[Stage] = []
        stage = self.final_stage
        while stage is not None and stage not in chain:
            chain.append(stage)
            stage = self.stage_named(stage.base_expanded)
        return chain
