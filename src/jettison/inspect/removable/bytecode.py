"""``bytecode``: compiled Python bytecode (``*.pyc``, ``*.pyo``), which imports regenerate.

Only bytecode whose source is in the image counts (``pkg/__pycache__/mod.cpython-311.pyc``
needs ``pkg/mod.py``, a legacy ``pkg/mod.pyc`` needs ``pkg/mod.py``): sourceless bytecode is
the program itself, and removing it breaks the import.

Rolls up by owner: one row per distribution or package owning bytecode (path: the deepest
directory holding all of its bytecode, e.g. ``.../site-packages/torch``); unowned bytecode by
the environment it lives in: ``.../site-packages/PACKAGE`` in a Python environment, the
``lib/python3.X`` directory of a standard library, else the file's top-level directory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from jettison.inspect.removable._cause import Cause, Claim, PathPatterns, Unclaimed, common_dir

BYTECODE_SUFFIXES = (".pyc", ".pyo")
ENVIRONMENT_ROOTS = PathPatterns(
    r"(.+?/(?:site|dist)-packages/[^/]+)/.+",
    r"((?:.+/)?lib/python3(?:\.\d+)?)/.+",
    r"([^/]+)/.+",
)


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    owner_of = unclaimed.ownership.owner_of
    owned: dict[str, list[str]] = defaultdict(list)
    for path in unclaimed.ending(*BYTECODE_SUFFIXES):
        if not _has_source(unclaimed, path):
            continue
        owner = owner_of(path)
        if owner is not None:
            owned[owner].append(path)
        else:
            yield Claim((path,), _environment_root(path))
    for owner, paths in owned.items():
        row = common_dir(paths)
        yield Claim(paths, row, owner)


def _has_source(unclaimed: Unclaimed, path: str) -> bool:
    # String operations, not posixpath's (paths are normalised): 10,000 calls on BERT.
    directory, _, name = path.rpartition("/")
    parent, _, last = directory.rpartition("/")
    if last == "__pycache__":
        directory = parent
    source = f"{name.partition('.')[0]}.py"
    return unclaimed.resolver.exists(f"{directory}/{source}" if directory else source)


def _environment_root(path: str) -> str:
    return ENVIRONMENT_ROOTS.rollup(path) or ""


CAUSE = Cause(
    code="bytecode",
    title="Python bytecode",
    advice=(
        "Bytecode is regenerated from the .py sources at import. Don't ship it: set "
        "PYTHONDONTWRITEBYTECODE=1, install with `pip install --no-compile` (and without uv's "
        "`--compile-bytecode`), don't run `compileall`, and `find / -name __pycache__ -prune "
        "-exec rm -rf {} +` in the same RUN that installs. Trade-off: every start pays for "
        "compiling what it imports (the container does not write the .pyc back when "
        "PYTHONDONTWRITEBYTECODE is set or the filesystem is read-only), which can add seconds "
        "to the cold start of large frameworks."
    ),
    find=find,
)
