"""One declared requirement, wherever it was declared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Requirement:
    """A dependency as declared, with where it was declared.

    ``name`` is canonical (PEP 503); ``specifier`` the version specifier text (``==2.7.0``,
    ``>=1,<2``, empty when unpinned); ``group`` is ``main`` for what a plain install takes,
    else the optional-dependency extra, dependency group or Poetry group it belongs to.
    """

    name: str
    specifier: str
    file: Path
    line: int
    raw: str
    """The line (or TOML/YAML value) as written."""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    """A direct reference (``pkg @ https://...``, a VCS URL or a local path)."""
    group: str = "main"
    index_url: str | None = None
    """An index the file points this requirement at (``--index-url``/``--extra-index-url``
    lines in effect, or a Poetry/uv source), when known."""
    source_kind: str = "requirements"
    """``requirements``, ``pyproject``, ``setup.py``, ``conda``, or ``pip-in-conda`` (the
    ``pip:`` list of an environment.yml). Constraint files (``-c``) give requirements in group
    ``constraint``, which nothing installs."""
    section: str = ""
    """The pyproject table it is declared in (``project``, ``project.optional-dependencies``,
    ``dependency-groups``, ``tool.uv`` for uv's dev-dependencies,
    ``tool.poetry.group.dev.dependencies``...); empty for other files. Extras and dependency
    groups may share a name, but installers take them differently (``uv sync`` installs the
    ``dev`` group, never the ``dev`` extra)."""

    @property
    def pinned(self) -> bool:
        """Exactly one version (``==X`` without wildcard, ``===X``) or a direct URL."""
        spec = self.specifier.replace(" ", "")
        if self.url:
            return True
        if spec.startswith("===") and "," not in spec:
            return True
        return spec.startswith("==") and "," not in spec and "*" not in spec


@dataclass(frozen=True)
class RequirementSet:
    """Everything declared in the files read, plus what could not be read (as notes)."""

    requirements: tuple[Requirement, ...]
    files: tuple[Path, ...]
    """Every file read, includes (``-r``/``-c``) followed."""
    index_urls: tuple[str, ...] = ()
    """``--index-url``/``--extra-index-url``/``--find-links`` seen, in order."""
    problems: tuple[tuple[Path, int, str], ...] = ()
    """(file, line, message) for lines that could not be understood; lint reports them."""

    def named(self, name: str) -> list[Requirement]:
        return [r for r in self.requirements if r.name == name]

    def main(self) -> list[Requirement]:
        return [r for r in self.requirements if r.group == "main"]
