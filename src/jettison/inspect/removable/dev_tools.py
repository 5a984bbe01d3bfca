"""``dev-tools``: Python development and test tools, and what only they pulled in.

Removable distributions are found on the ``Requires-Dist`` graph of the installed ones:

* roots are the distributions no other installed one requires; a group of distributions
  requiring each other in a cycle that nothing else requires is a root group (``torch`` and
  old ``triton`` require each other: without this, neither would be a root);
* a root group is a dev root when every member is a dev tool (the table lint's JT301 reads,
  :data:`jettison.facts.packages.DEV_TOOLS` and its prefixes), else a runtime root;
* kept = every distribution reachable from a runtime root; the rest is removable. That is
  each dev tool nothing at runtime requires, plus its exclusive dependencies (``tornado``
  reached only through ``jupyter``). A dev tool that a runtime distribution requires (say
  ``black``, imported by ``datamodel-code-generator``) is kept: removing it would break that
  distribution.

Requirements whose marker can only hold when an extra is requested (``extra == "test"``)
are ignored; every other marker is taken as true (a requirement for another platform or
Python keeps a distribution rather than risk removing a needed one). Requirements on
distributions that are not installed are ignored. Debian packages are left to ``toolchain``.

Rolls up by distribution: one row per removable distribution, its path the ``.dist-info``
directory and its owner ``python:NAME``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from jettison.facts.packages import dev_tool_kind
from jettison.inspect.attribution.model import PythonDist
from jettison.inspect.removable._cause import Cause, Claim, Unclaimed

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def is_dev_tool(name: str) -> bool:
    return dev_tool_kind(canonicalize_name(name)) is not None


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    ownership = unclaimed.ownership
    dists = removable_dists(ownership.python.values())
    owner_names = [f"python:{canonicalize_name(dist.name)}" for dist in dists]
    wanted = set(owner_names)
    owned: dict[str, set[str]] = defaultdict(set)
    for path, owner in ownership.owner_by_path.items():
        if owner in wanted:  # the files of the removable dists only, not of every owner
            owned[owner].add(path)
    for dist, owner in zip(dists, owner_names, strict=True):
        paths = [path for path in sorted(owned[owner].union(dist.files)) if path in unclaimed]
        yield Claim(paths, dist.dist_info, owner)


def removable_dists(dists: Iterable[PythonDist]) -> list[PythonDist]:
    """The installed distributions no runtime root needs, by name."""
    by_name: dict[str, PythonDist] = {canonicalize_name(d.name): d for d in dists}
    edges: dict[str, list[str]] = {}
    for name, dist in sorted(by_name.items()):
        requires = {required_name(line) for line in dist.requires}
        edges[name] = sorted(r for r in requires if r in by_name and r != name)
    components = strongly_connected(edges)
    component_of = {name: i for i, members in enumerate(components) for name in members}
    required = {
        component_of[r]
        for name, requires in edges.items()
        for r in requires
        if component_of[r] != component_of[name]
    }
    seeds = [
        name
        for i, members in enumerate(components)
        if i not in required and not all(is_dev_tool(m) for m in members)
        for name in members
    ]
    kept = _closure(seeds, edges)
    return [by_name[name] for name in sorted(by_name) if name not in kept]


def required_name(line: str) -> str | None:
    """Canonical name a ``Requires-Dist`` line requires without extras, else None."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        # Unparsable: keep the edge (losing it could make a needed distribution removable).
        match = _NAME.match(line)
        return canonicalize_name(match.group(1)) if match else None
    if requirement.marker is not None and not applies_without_extras(requirement.marker):
        return None
    return canonicalize_name(requirement.name)


def applies_without_extras(marker: Marker) -> bool:
    """Whether ``marker`` can be true when no extra is requested.

    Three-valued: ``extra`` comparisons are evaluated with ``extra == ""`` (as pip does for a
    plain install); every other comparison might be true. An unexpected marker structure
    counts as applying.
    """
    try:
        return _possible(marker._markers)
    except (AttributeError, TypeError, ValueError):
        return True


def _possible(node: object) -> bool:
    if isinstance(node, tuple) and len(node) == 3:
        return _possible_atom(*node)
    if not isinstance(node, list):
        raise TypeError(f"unexpected marker node {node!r}")
    # A flat list of operands joined by "and"/"or"; "and" binds tighter, as in packaging.
    groups: list[list[bool]] = [[]]
    for item in node:
        if item == "or":
            groups.append([])
        elif item != "and":
            groups[-1].append(_possible(item))
    return any(all(group) for group in groups)


def _possible_atom(lhs: object, op: object, rhs: object) -> bool:
    names = [_variable(lhs), _variable(rhs)]
    if "extra" not in names:
        return True
    other = rhs if names[0] == "extra" else lhs
    value, operator = getattr(other, "value", None), getattr(op, "value", None)
    if operator == "==" or operator == "===":
        return value == ""
    return True


def _variable(node: object) -> str | None:
    """The name of a marker variable (``extra``, ``python_version``), else None."""
    value = getattr(node, "value", None)
    return value if type(node).__name__ == "Variable" and isinstance(value, str) else None


def strongly_connected(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Strongly connected components of a graph (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in edges:
        if root in index:
            continue
        visit(root)
        work = [(root, iter(edges[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    visit(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members: list[str] = []
                    while not members or members[-1] != node:
                        members.append(stack.pop())
                        on_stack.discard(members[-1])
                    components.append(sorted(members))
    return components


def _closure(seeds: Iterable[str], edges: Mapping[str, Sequence[str]]) -> set[str]:
    reached: set[str] = set()
    pending = list(seeds)
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(edges[name])
    return reached


CAUSE = Cause(
    code="dev-tools",
    title="Python development and test tools",
    advice=(
        "Test runners, linters, notebooks and debuggers (and the dependencies only they pulled "
        "in) are not needed to serve. Install them only where they are used: keep them in a "
        "dev/test requirements file or extra (`pip install .[test]` in CI, not in the image), "
        "or build in one stage and copy only the runtime environment into the final stage "
        "(multi-stage build). `pip uninstall` in a later RUN does not shrink the image."
    ),
    find=find,
)
