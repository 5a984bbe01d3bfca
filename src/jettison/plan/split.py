"""Split a fleet's requirements into a shared base, heavy-family groups, per-service layers
and a development file, from what each service really uses.

Pure except for reading the requirement files the services install (no network: dependency
metadata comes through ``requires``, which the caller builds). The steps, for the services
whose Dockerfile parsed (the others are already a problem of the discovery):

1. **Declared**: each service's requirements (``-r`` includes followed, constraints and
   extras left out) as :class:`Pin` values holding the original lines. The same package
   declared differently by two services (another version, URL, extras or marker) is a
   ``conflicting-pins`` warning and is never shared: each service installs its own line.
2. **Needed**: declared packages the service's code imports, the servers its command runs,
   and the ones used without an import (drivers, server extras), then everything a needed
   package requires, transitively (through undeclared packages too: pip installs them, and
   a declared package below them keeps its pin). Development tools count only when the code
   imports them or the command runs them. Model-loading back-ends that belong to a heavy
   family (``accelerate``, ``safetensors``, the ``nvidia-*`` CUDA wheels) count as "used
   without an import" only for a service that needs that family anyway: one shared
   requirements file must not give every web service the ML stack.
3. **Families**: :func:`jettison.plan.families.family_of`, plus every package that only
   members of one family require and that no service uses directly (``scikit-learn`` when
   only ``sentence-transformers`` needs it).
4. **Base**: packages outside families needed by at least ``ceil(share_threshold * n)`` of
   the ``n`` services (all of them for one service); family packages only when every
   service needs them; then what those require, since installing them installs that too.
5. **Family groups**: a service needing families outside the base is built on the heaviest
   one's image (``ml`` > ``cv`` > ``nlp`` > ``pdf`` > ``rdf``) and installs the other
   families' packages in its own layer. A group holds what the services built on it need
   from the family, and their dependencies outside the base. A family no service is built
   on gets no group (its image would serve nobody).
6. **Per service**: ``own`` (needed, not installed by its base chain), ``dropped``
   (declared, not needed: ``dev`` or ``unused``), ``unused_shared`` (installed by its base
   chain, not needed: the price of sharing).
7. **Dev**: declared packages no service needs, with why.
8. **Options**: the index and find-links lines of the files read, deduplicated in order;
   a find-links folder (a local path) is not among them: it names a place in the service's
   image, which each service's replay maps back to the repository.

Orders are deterministic: services by name, pins by name, problems by service and place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jettison.dockerfile.launch import final_commands
from jettison.errors import ConfigError, RequirementsError
from jettison.facts.packages import dev_tool_kind, used_without_import
from jettison.imports.mapping import candidate_distributions, used_distributions
from jettison.imports.servers import servers_in_commands
from jettison.notices import Notice
from jettison.plan.families import FAMILY_ORDER, family_of
from jettison.plan.model import (
    Discovery,
    Dropped,
    Group,
    Pin,
    Service,
    ServiceImports,
    ServicePlan,
    Split,
    problem,
    problem_key,
)
from jettison.plan.requires import Requires
from jettison.requirements import load_requirements
from jettison.requirements.model import Requirement
from jettison.requirements.requirements_txt import file_text, logical_lines, physical_groups

BASE = "base"
_TEXT_KINDS = frozenset({"requirements"})
"""``Requirement.source_kind`` of lines read from a requirements file (kept verbatim)."""
_STRUCTURED = frozenset({".toml", ".yml", ".yaml"})
"""pyproject and conda files: no pip option lines in them."""
_CONDA_ONLY = "conda"
"""Conda packages of an environment.yml: not pip requirements, never planned."""
_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
    "--pre": "--pre",
}
"""pip options carried into the generated files (spelling -> canonical), as in the contract."""
_FLAGS = frozenset({"--pre"})
_EPSILON = 1e-9
"""``ceil(0.3 * 10)`` is 4 in floating point; the threshold is meant as a fraction."""

_Key = tuple[str, str | None, tuple[str, ...], str | None]
"""What a requirement line asks for: (specifier, URL, extras, marker)."""


def split(
    discovery: Discovery,
    imports: Sequence[ServiceImports],
    requires: Requires,
    *,
    share_threshold: float = 0.5,
) -> Split:
    """Plan the requirements of ``discovery``'s services (see the module docstring).

    ``imports`` holds what each service imports (missing services import nothing);
    ``share_threshold`` is the fraction of services that must need a package for the base
    to install it. Raises :class:`ConfigError` when it is outside [0, 1].
    """
    if not 0.0 <= share_threshold <= 1.0:
        raise ConfigError(
            f"share threshold {share_threshold} is not a fraction",
            hint="give a value from 0 to 1 (0.5: packages needed by half of the services)",
        )
    planned = sorted((s for s in discovery.services if s.parsed is not None), key=_name)
    reader = _Reader()
    declared = {s.name: reader.declare(s) for s in planned}
    problems: list[Notice] = [*reader.problems()]
    if not planned:
        return Split(groups=(), services=(), dev=(), options=(), problems=tuple(problems))

    by_service = {i.service: i for i in reversed(imports)}
    metadata = _Metadata(requires, declared)
    needs = {s.name: _needs(s, declared[s.name], by_service.get(s.name), metadata) for s in planned}
    conflicting = _conflicts(planned, declared)
    families = _families(needs.values(), metadata)
    plan = _Planner(planned, declared, needs, conflicting, families, metadata, share_threshold)

    problems.extend(_conflict_problems(planned, declared, conflicting))
    for service in planned:
        problems.extend(
            _undeclared(service.name, declared[service.name], by_service.get(service.name), needs)
        )
    problems.extend(metadata.problems(needs))
    problems.sort(key=problem_key)
    return Split(
        groups=plan.groups(),
        services=tuple(plan.service_plan(s.name) for s in planned),
        dev=plan.dev(),
        options=reader.options(declared[s.name].files for s in planned),
        problems=tuple(problems),
    )


# -- declared -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Declared:
    """One service's requirements: name -> its lines (reading order) and what they ask."""

    pins: Mapping[str, tuple[Pin, ...]]
    keys: Mapping[str, frozenset[_Key]]
    files: tuple[Path, ...]
    """Every requirements file read (includes followed), for the pip options they hold."""

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.pins)


@dataclass
class _Reader:
    """Reads requirement files once for every service that installs them."""

    _texts: dict[Path, str | None] = field(default_factory=dict)
    _groups: dict[Path, dict[int, str]] = field(default_factory=dict)
    """File -> first line number -> the physical lines of that logical line."""
    _problems: dict[tuple[Path, int, str], list[str]] = field(default_factory=dict)
    _errors: list[Notice] = field(default_factory=list)

    def declare(self, service: Service) -> _Declared:
        try:
            found = load_requirements(service.context, list(service.requirement_files))
        except RequirementsError as exc:
            self._errors.append(
                problem(
                    "unreadable-requirements",
                    "error",
                    f"{exc}; the service is planned without its requirements",
                    service=service.name,
                )
            )
            return _Declared({}, {}, ())
        for path, line, message in found.problems:
            self._problems.setdefault((path, line, message), []).append(service.name)
        pins: dict[str, list[tuple[_Key, Pin]]] = {}
        for requirement in found.requirements:
            if requirement.group != "main" or requirement.source_kind == _CONDA_ONLY:
                continue
            key = _key_of(requirement)
            pin = Pin(requirement.name, self._line(requirement), requirement.file, requirement.line)
            entries = pins.setdefault(requirement.name, [])
            if all(k != key for k, _pin in entries):
                entries.append((key, pin))
        kept = {name: _without_bare(entries) for name, entries in pins.items()}
        return _Declared(
            pins={name: tuple(p for _k, p in entries) for name, entries in kept.items()},
            keys={name: frozenset(k for k, _p in entries) for name, entries in kept.items()},
            files=found.files,
        )

    def problems(self) -> list[Notice]:
        out = list(self._errors)
        for (path, line, message), services in self._problems.items():
            only = services[0] if len(set(services)) == 1 else None
            out.append(
                problem("unreadable-requirements", "warning", message, only, path=path, line=line)
            )
        return out

    def options(self, files: Iterable[Iterable[Path]]) -> tuple[str, ...]:
        """pip option lines of ``files`` (per service, in reading order), deduplicated."""
        out: dict[str, None] = {}
        for service_files in files:
            for path in service_files:
                text = None if path.suffix.lower() in _STRUCTURED else self._text(path)
                for _number, line in logical_lines(text or ""):
                    out.update(dict.fromkeys(_option_lines(line)))
        return tuple(out)

    def _line(self, requirement: Requirement) -> str:
        """The requirement as written: its physical lines (continuations, ``--hash``
        options, comments) for a requirements file, the declared string elsewhere."""
        if requirement.source_kind not in _TEXT_KINDS:
            return requirement.raw
        if requirement.file not in self._groups:
            text = self._text(requirement.file)
            self._groups[requirement.file] = {
                start: "\n".join(lines).strip() for start, lines in physical_groups(text or "")
            }
        written = self._groups[requirement.file].get(requirement.line)
        if written is None:
            return requirement.raw
        logical = "".join(line for _n, line in logical_lines(written)).strip()
        return written if logical == requirement.raw else requirement.raw

    def _text(self, path: Path) -> str | None:
        if path not in self._texts:
            self._texts[path] = file_text(path)
        return self._texts[path]


def _key_of(requirement: Requirement) -> _Key:
    return (
        requirement.specifier.replace(" ", ""),
        requirement.url,
        tuple(sorted(requirement.extras)),
        requirement.marker,
    )


def _without_bare(entries: list[tuple[_Key, Pin]]) -> list[tuple[_Key, Pin]]:
    """A bare ``numpy`` next to ``numpy==1.26.4`` asks nothing more: pip intersects them."""
    specific = [(key, pin) for key, pin in entries if key != ("", None, (), None)]
    return specific or entries


def _option_lines(line: str) -> list[str]:
    """``--index-url URL``... of one logical line (comments stripped), canonical spelling."""
    text = line.split(" #", 1)[0].strip()
    if not text.startswith("-") or text.startswith("#"):
        return []
    words = text.split()
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        spelling, _eq, value = word.partition("=")
        if spelling not in _OPTIONS and spelling[:2] in ("-i", "-f") and len(spelling) > 2:
            spelling, value = spelling[:2], spelling[2:]  # -ihttps://...
        option = _OPTIONS.get(spelling)
        if option is None:
            continue
        if option in _FLAGS:
            out.append(option)
            continue
        if not value and index < len(words):
            value = words[index]
            index += 1
        if value and not (option == "--find-links" and _local_path(value)):
            out.append(f"{option} {value}")
    return out


def _local_path(value: str) -> bool:
    """A folder or ``file:`` URL: where it is depends on where the file was copied, so each
    service's installs carry it themselves (:mod:`jettison.plan.pip_inputs`)."""
    return "://" not in value or value.startswith("file:")


# -- needed -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Needs:
    """What one service needs: declared names, every distribution installed on the way
    (``reached``, undeclared ones included), and the names it uses directly."""

    needed: frozenset[str]
    reached: frozenset[str]
    roots: frozenset[str]


class _Metadata:
    """``requires`` asked once per requirement, with the dependency edges it gave."""

    def __init__(self, requires: Requires, declared: Mapping[str, _Declared]) -> None:
        self._requires = requires
        self._any_pin: dict[str, tuple[Pin, ...]] = {}
        for service in sorted(declared):
            for name, pins in declared[service].pins.items():
                self._any_pin.setdefault(name, pins)
        self._memo: dict[tuple[Pin, ...], frozenset[str] | None] = {}
        self.edges: dict[str, set[str]] = {}
        """Name -> every name it was found to require (over all services' pins)."""
        self.unknown: dict[str, Pin] = {}
        """Declared names whose requirements ``requires`` could not tell, with a pin."""

    def deps(self, name: str, pins: tuple[Pin, ...] | None) -> frozenset[str]:
        """What ``name`` (declared as ``pins``, or not declared) requires; empty if unknown."""
        asked = pins or self._any_pin.get(name) or (Pin(name, name, Path(), 0),)
        if asked not in self._memo:
            answers = [self._requires(pin) for pin in asked]
            known = [a for a in answers if a is not None]
            self._memo[asked] = frozenset().union(*known) if known else None
        found = self._memo[asked]
        if found is None:
            if pins:
                self.unknown.setdefault(name, pins[0])
            return frozenset()
        found = found - {name}
        self.edges.setdefault(name, set()).update(found)
        return found

    def problems(self, needs: Mapping[str, _Needs]) -> list[Notice]:
        needed = frozenset().union(*(n.needed for n in needs.values()))
        return [
            problem(
                "no-metadata",
                "info",
                f"what {name} requires is unknown (offline, or not on the package index): "
                "its own dependencies were not followed",
                path=pin.source,
                line=pin.lineno,
            )
            for name, pin in sorted(self.unknown.items())
            if name in needed
        ]


def _needs(
    service: Service,
    declared: _Declared,
    imports: ServiceImports | None,
    metadata: _Metadata,
) -> _Needs:
    names = declared.names
    modules = imports.modules if imports is not None else frozenset()
    commands = final_commands(service.parsed) if service.parsed is not None else []
    roots = set(used_distributions(modules, names)) | (servers_in_commands(commands) & names)
    quiet_family: set[str] = set()
    for name in names:
        if not used_without_import(name) or dev_tool_kind(name) is not None:
            continue
        if family_of(name) is None:
            roots.add(name)
        else:
            quiet_family.add(name)
    while True:
        needed, reached = _closure(roots, declared, metadata)
        present = {family_of(name) for name in reached} - {None}
        more = {name for name in quiet_family if family_of(name) in present} - roots
        if not more:
            return _Needs(frozenset(needed), frozenset(reached), frozenset(roots))
        roots |= more


def _closure(
    roots: Iterable[str], declared: _Declared, metadata: _Metadata
) -> tuple[set[str], set[str]]:
    """(declared names needed, every name reached) from ``roots`` through dependencies;
    development tools are not followed unless they are roots."""
    root_set = set(roots)
    reached: set[str] = set()
    stack = sorted(root_set, reverse=True)
    while stack:
        name = stack.pop()
        if name in reached:
            continue
        reached.add(name)
        for dependency in sorted(metadata.deps(name, declared.pins.get(name)), reverse=True):
            if dependency in reached:
                continue
            if dev_tool_kind(dependency) is not None and dependency not in root_set:
                continue
            stack.append(dependency)
    return reached & declared.names, reached


# -- families, conflicts ------------------------------------------------------------------------


def _families(needs: Iterable[_Needs], metadata: _Metadata) -> dict[str, str]:
    """Name -> family for every distribution reached: the tables, then packages that only
    members of one family require and that no service uses directly."""
    all_needs = list(needs)
    reached_set = frozenset().union(*(n.reached for n in all_needs))
    reached = sorted(reached_set)
    direct = frozenset().union(*(n.roots for n in all_needs))
    families = {name: f for name in reached if (f := family_of(name)) is not None}
    requirers: dict[str, set[str]] = {}
    for name, dependencies in metadata.edges.items():
        for dependency in dependencies:
            requirers.setdefault(dependency, set()).add(name)
    changed = True
    while changed:
        changed = False
        for name in reached:
            users = requirers.get(name, set()) & reached_set
            if name in families or name in direct or not users:
                continue
            found = {families.get(user) for user in users}
            if len(found) == 1 and None not in found:
                families[name] = str(found.pop())
                changed = True
    return families


def _conflicts(planned: Sequence[Service], declared: Mapping[str, _Declared]) -> frozenset[str]:
    asks: dict[str, set[frozenset[_Key]]] = {}
    for service in planned:
        for name, keys in declared[service.name].keys.items():
            asks.setdefault(name, set()).add(keys)
    return frozenset(name for name, variants in asks.items() if len(variants) > 1)


def _conflict_problems(
    planned: Sequence[Service], declared: Mapping[str, _Declared], conflicting: frozenset[str]
) -> list[Notice]:
    out: list[Notice] = []
    for name in sorted(conflicting):
        variants: dict[str, list[str]] = {}
        for service in planned:
            pins = declared[service.name].pins.get(name)
            if pins:
                text = " + ".join(f"`{_one_line(pin.line)}`" for pin in pins)
                variants.setdefault(text, []).append(service.name)
        described = "; ".join(f"{text} ({', '.join(users)})" for text, users in variants.items())
        out.append(
            problem(
                "conflicting-pins",
                "warning",
                f"{name} is declared differently by different services: {described}; it is "
                "not shared, each service installs its own line",
            )
        )
    return out


def _undeclared(
    service: str,
    declared: _Declared,
    imports: ServiceImports | None,
    needs: Mapping[str, _Needs],
) -> list[Notice]:
    if imports is None:
        return []
    out: list[Notice] = []
    reached = needs[service].reached
    for module in sorted(imports.modules):
        if any(c in declared.pins for c in candidate_distributions(module)):
            continue
        where = " (from shared code)" if module in imports.via_shared else ""
        installed = [c for c in candidate_distributions(module, variants=False) if c in reached]
        if installed:
            detail = (
                f"; {installed[0]} comes only as a dependency of another package: declare it "
                "to pin its version"
            )
        else:
            detail = ": the image may fail to import it"
        out.append(
            problem(
                "undeclared-import",
                "warning",
                f"imports {module}{where}, which no requirement of the service declares{detail}",
                service=service,
            )
        )
    return out


# -- the plan -----------------------------------------------------------------------------------


class _Planner:
    """Base, family groups and per-service layers from the needs of every service."""

    def __init__(
        self,
        planned: Sequence[Service],
        declared: Mapping[str, _Declared],
        needs: Mapping[str, _Needs],
        conflicting: frozenset[str],
        families: Mapping[str, str],
        metadata: _Metadata,
        share_threshold: float,
    ) -> None:
        self.names = [s.name for s in planned]
        self.declared = declared
        self.needs = needs
        self.conflicting = conflicting
        self.families = families
        self.metadata = metadata
        self.all_declared = frozenset().union(*(d.names for d in declared.values()))
        self.all_needed = frozenset().union(*(n.needed for n in needs.values()))
        count = len(self.names)
        self.required = min(count, max(1, math.ceil(share_threshold * count - _EPSILON)))
        self.threshold = share_threshold
        self.base = self._base()
        self.chain_family = {name: self._heaviest(name) for name in self.names}
        self.family_groups = {
            family: self._family_group(family)
            for family in FAMILY_ORDER
            if family in self.chain_family.values()
        }

    # -- groups ---------------------------------------------------------------------------------

    def _count(self, name: str) -> int:
        return sum(name in self.needs[service].needed for service in self.names)

    def _base(self) -> frozenset[str]:
        everyone = len(self.names)
        chosen: set[str] = set()
        for name in sorted(self.all_needed):
            if name in self.conflicting:
                continue
            count = self._count(name)
            if name not in self.families:
                if count >= self.required:
                    chosen.add(name)
            elif everyone > 1 and count == everyone:
                chosen.add(name)
        return frozenset(self._with_dependencies(chosen, frozenset()))

    def _heaviest(self, service: str) -> str | None:
        # A family package pinned differently by different services is installed in each
        # service's own layer, so it gives no reason to build on a family base.
        outside = self.needs[service].needed - self.base - self.conflicting
        present = {self.families[n] for n in outside if n in self.families}
        return next((family for family in FAMILY_ORDER if family in present), None)

    def _family_group(self, family: str) -> frozenset[str]:
        members = [s for s in self.names if self.chain_family[s] == family]
        chosen = {
            name
            for service in members
            for name in self.needs[service].needed
            if self.families.get(name) == family and name not in self.base
        }
        chosen -= self.conflicting
        return frozenset(self._with_dependencies(chosen, self.base))

    def _with_dependencies(self, chosen: set[str], below: frozenset[str]) -> set[str]:
        """``chosen`` plus the declared packages they require, transitively (pip installs
        them with ``chosen`` anyway; listing them keeps their pins), except what ``below``
        (the parent image) has and packages pinned differently by different services."""
        out = set(chosen)
        seen = set(chosen)
        stack = sorted(chosen)
        while stack:
            name = stack.pop()
            for dependency in sorted(self.metadata.edges.get(name, ())):
                if dependency in seen or dependency in below:
                    continue
                if dev_tool_kind(dependency) is not None and dependency not in self.all_needed:
                    continue  # as in the needs: a development tool only when used
                seen.add(dependency)
                stack.append(dependency)
                if dependency in self.all_declared and dependency not in self.conflicting:
                    out.add(dependency)
        return out

    def chain(self, service: str) -> frozenset[str]:
        """What the images a service is built on install."""
        family = self.chain_family[service]
        return self.base | (self.family_groups[family] if family is not None else frozenset())

    def groups(self) -> tuple[Group, ...]:
        count = len(self.names)
        if count == 1:
            reason = "the requirements of the only service outside heavy families"
        else:
            reason = (
                f"needed by at least {self.required} of {count} services (share threshold "
                f"{self.threshold:g}), family packages needed by all, and their dependencies"
            )
        out = [
            Group(
                BASE,
                self._pins(self.base, self.names),
                tuple(s for s in self.names if self.chain_family[s] is None),
                reason,
            )
        ]
        for family, names in self.family_groups.items():
            members = tuple(s for s in self.names if self.chain_family[s] == family)
            out.append(
                Group(
                    family,
                    self._pins(names, members),
                    members,
                    f"{family} packages needed by {', '.join(members)} and their dependencies "
                    "outside base",
                )
            )
        return tuple(out)

    def _pins(self, names: Iterable[str], prefer: Sequence[str]) -> tuple[Pin, ...]:
        """The lines of ``names``, each from the first service of ``prefer`` (else of all)
        that declares it."""
        out: list[Pin] = []
        for name in sorted(names):
            for service in (*prefer, *self.names):
                pins = self.declared[service].pins.get(name)
                if pins:
                    out.extend(pins)
                    break
        return tuple(out)

    # -- services -------------------------------------------------------------------------------

    def service_plan(self, service: str) -> ServicePlan:
        declared = self.declared[service]
        needed = self.needs[service].needed
        chain = self.chain(service)
        own = [pin for name in sorted(needed - chain) for pin in declared.pins[name]]
        dropped = [
            _dropped(name, f"not imported by {service}'s code or run by its command")
            for name in sorted(declared.names - needed)
        ]
        return ServicePlan(
            service=service,
            base_group=self.chain_family[service] or BASE,
            own=tuple(own),
            needed=needed,
            dropped=tuple(dropped),
            unused_shared=tuple(sorted(chain - needed)),
        )

    def dev(self) -> tuple[tuple[Pin, Dropped], ...]:
        out: list[tuple[Pin, Dropped]] = []
        for name in sorted(self.all_declared - self.all_needed):
            pin = self._pins([name], self.names)[0]
            out.append((pin, _dropped(name, "no service imports it or runs it")))
        return tuple(out)


def _dropped(name: str, why: str) -> Dropped:
    kind = dev_tool_kind(name)
    if kind is not None:
        return Dropped(name, "dev", f"{kind}; {why}")
    return Dropped(name, "unused", f"{why}, and no package needed requires it")


# -- helpers ------------------------------------------------------------------------------------


def _name(service: Service) -> str:
    return service.name


def _one_line(text: str) -> str:
    return " ".join(part.strip().rstrip("\\").strip() for part in text.splitlines())
