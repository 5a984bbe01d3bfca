"""``plan``: discover the services of a repository, split their requirements into shared
groups, generate base and service Dockerfiles, write them, and (on request) measure.

Order of the steps, and why:

1. check the input (the root, the output folder, the options) before reading anything, so
   a typo costs nothing;
2. discover the services, follow each one's imports, split the requirements, generate the
   files: all pure after discovery, so a dry run shows exactly what would be written;
3. write the files (``write.write`` refuses to overwrite an existing output folder unless
   ``force``), *then* measure: the plan's Dockerfiles are built from the files on disk, as
   ``build.sh`` would build them.

What goes wrong with one service (an unparsable Dockerfile, conflicting pins, a failed
build) is a :class:`~jettison.plan.model.Notice` or a recorded error in the report; only bad
input raises (:class:`~jettison.errors.ConfigError` with a hint).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from jettison.builder.backend import Builder
from jettison.builder.options import BuildOptions
from jettison.errors import ConfigError
from jettison.hostpaths import exists, is_dir
from jettison.image.distribution.transport import Transport
from jettison.imageref import name_component
from jettison.notices import Notice
from jettison.plan.model import Generated, PlanReport
from jettison.progress import Progress

DEFAULT_OUT_DIR = "jettison-plan"
"""The output folder, under the repository root (discovery skips it)."""
DEFAULT_TIMEOUT_S = 120.0
_TAG_PREFIX = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)


def _ignore(_text: str) -> None:
    pass


def plan(
    root: Path | str,
    *,
    out_dir: Path | str | None = None,
    tag_prefix: str | None = None,
    share_threshold: float = 0.5,
    offline: bool = False,
    write: bool = True,
    force: bool = False,
    measure: bool = False,
    build: BuildOptions | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    progress: Progress | None = None,
    on_step: Callable[[str], None] = _ignore,
    on_line: Callable[[str], None] = _ignore,
    push_to: str | None = None,
    tls_verify: bool = True,
) -> PlanReport:
    """Plan shared base images for the services under ``root`` and return the report.

    ``out_dir`` (default ``root/jettison-plan``) must lie inside ``root``: every generated
    image is built with the root as its context. ``tag_prefix`` names the images
    (``<prefix>/base-<group>:plan``, ``<prefix>/<service>:plan``; default
    ``localhost/<root dir name>``). A package needed by at least ``share_threshold`` of the
    services goes into the shared ``base`` group. ``offline`` reads dependency metadata from
    the cache only. ``write=False`` is a dry run. ``measure`` builds every service before and
    after (each image without the layer cache), checks them (HTTP probe on the health path,
    else the image's command, within ``timeout_s``) and counts the distinct layers;
    ``build``'s options (CA bundle, mounts (not with docker), build arguments) apply to every
    build. ``push_to`` (``HOST[:PORT][/PATH]``, with ``measure``) pushes every image built
    there and reads the registry storage from what the registry then holds.
    """
    top = _root(Path(root))
    out = _out_dir(top, Path(out_dir) if out_dir is not None else None)
    prefix = _tag_prefix(tag_prefix, top)
    _check_options(share_threshold, timeout_s)
    build = build or BuildOptions()
    _check_measure_options(build, measure=measure, write=write, push_to=push_to)
    chosen = _builder(build) if measure else None
    report = _planned(top, out, prefix, share_threshold, offline=offline, on_step=on_step)
    if write:
        _write(report.generated, out, force=force, on_step=on_step)
    measurement = None
    if chosen is not None:
        from jettison.plan.measure import measure as measure_images

        measurement = measure_images(
            report.discovery,
            report.generated,
            builder=chosen,
            options=build,
            timeout_s=timeout_s,
            progress=progress,
            on_line=on_line,
            on_step=on_step,
            push_to=push_to,
            transport=Transport(tls_verify=tls_verify),
        )
    return dataclasses.replace(report, written=write, measurement=measurement)


def _write(generated: Generated, out: Path, *, force: bool, on_step: Callable[[str], None]) -> None:
    from jettison.plan.write import write as write_files

    on_step(f"write {len(generated.files)} files to {out}")
    write_files(generated, force=force)


def _check_measure_options(
    build: BuildOptions, *, measure: bool, write: bool, push_to: str | None
) -> None:
    """The build options hold, ``--push`` comes with ``--measure`` (and names a registry),
    and a measured plan is written."""
    build.validate()
    if push_to is not None:
        from jettison.plan.measure import check_registry

        check_registry(push_to)
        if not measure:
            raise ConfigError("--push pushes what --measure builds", hint="add --measure")
    if measure and not write:
        raise ConfigError(
            "measuring builds the generated files, so it cannot be a dry run",
            hint="drop --dry-run (or --measure)",
        )


def _planned(
    top: Path,
    out: Path,
    prefix: str,
    share_threshold: float,
    *,
    offline: bool,
    on_step: Callable[[str], None],
) -> PlanReport:
    """The plan of the services under ``top``, not written nor measured: discovered, their
    imports followed, their requirements split, the files generated."""
    from jettison.plan.discover import discover
    from jettison.plan.generate import generate_with_problems
    from jettison.plan.graph import service_imports
    from jettison.plan.health import with_code_health
    from jettison.plan.requires import pypi_requires
    from jettison.plan.split import split

    discovery = discover(top)
    if not discovery.services:
        raise ConfigError(
            f"no Dockerfile found under {top}",
            hint="give the repository root that holds the services' Dockerfiles "
            "(Dockerfile, Containerfile, *.Dockerfile) or a compose file",
        )
    on_step(f"found {len(discovery.services)} services under {top}; following their imports")
    imports = tuple(service_imports(service, discovery) for service in discovery.services)
    discovery = with_code_health(discovery, imports)
    on_step(
        "split the requirements"
        + (" (offline: dependencies from the cache and tables)" if offline else "")
    )
    requires = pypi_requires(offline=offline, cache_dir=None)
    planned = split(discovery, imports, requires, share_threshold=share_threshold)
    generated, rewrite_problems = generate_with_problems(
        discovery, planned, out_dir=out, tag_prefix=prefix, imports=imports
    )
    problems = [
        *discovery.problems,
        *(p for found in imports for p in found.problems),
        *planned.problems,
        *rewrite_problems,
    ]
    return PlanReport(
        root=top,
        discovery=discovery,
        imports=imports,
        split=planned,
        generated=generated,
        written=False,
        measurement=None,
        problems=sort_problems(problems),
    )


def sort_problems(problems: Sequence[Notice]) -> tuple[Notice, ...]:
    """Problems without duplicates, sorted by (service, path, line), worst first."""

    def key(p: Notice) -> tuple[str, str, int, int, str, str]:
        return (
            p.subject or "",
            p.path.as_posix() if p.path else "",
            p.line or 0,
            -p.severity,
            p.kind,
            p.message,
        )

    return tuple(sorted(set(problems), key=key))


def _root(root: Path) -> Path:
    if not exists(root):
        raise ConfigError(
            f"{root}: no such directory", hint="give the root folder of the repository to plan"
        )
    if not is_dir(root):
        raise ConfigError(
            f"{root} is a file, not a directory",
            hint="give the repository's root folder (the one holding the services), not a file",
        )
    return root.resolve()


def _out_dir(root: Path, given: Path | None) -> Path:
    out = (given if given is not None else root / DEFAULT_OUT_DIR).resolve()
    if out == root or root not in out.parents:
        raise ConfigError(
            f"output folder {out} is not inside {root}",
            hint="the generated Dockerfiles build with the repository root as their context; "
            f"pick a folder inside it (default: {DEFAULT_OUT_DIR}/)",
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output folder {out} is a file", hint="give --out a folder")
    return out


def default_tag_prefix(root: Path) -> str:
    """``localhost/<root dir name>``, lower-cased, other characters turned into dashes."""
    return f"localhost/{name_component(root.name, 'plan')}"


def _tag_prefix(given: str | None, root: Path) -> str:
    if given is None:
        return default_tag_prefix(root)
    prefix = given.strip().rstrip("/")
    if not _TAG_PREFIX.match(prefix):
        raise ConfigError(
            f"--tag-prefix {given!r} is not an image name prefix",
            hint="lower-case letters, digits, '.', '_', '-' and '/', "
            "e.g. registry.example.com/team",
        )
    return prefix


def _check_options(share_threshold: float, timeout_s: float) -> None:
    if not 0 < share_threshold <= 1:
        raise ConfigError(
            f"--share-threshold must be above 0 and at most 1, got {share_threshold:g}",
            hint="the share of services that must need a package for it to go into the shared "
            "base, e.g. 0.5 (half of them) or 1 (all of them)",
        )
    if timeout_s <= 0:
        raise ConfigError("--timeout must be positive", hint="seconds, e.g. 120")


def _builder(build: BuildOptions) -> Builder:
    from jettison.builder.core import backend

    chosen = backend(build.builder)
    build.require_mount_support(chosen)
    return chosen


__all__ = ["DEFAULT_OUT_DIR", "DEFAULT_TIMEOUT_S", "default_tag_prefix", "plan", "sort_problems"]
