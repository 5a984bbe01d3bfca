"""The files of a plan: split requirements, shared base images, service Dockerfiles, build.sh.

:func:`generate` is pure: from what discovery found and how the requirements split, it
returns every file's path (under ``out_dir``) and text, and the build order.

Every generated image is built with the repository root as its context, so one requirements
file can be copied into a base image that services in different folders build on. A
service's Dockerfile replays the image its original Dockerfile ships (the final stage and the
stages it is built ``FROM``), in order, on top of its base image; what changes is written as
a ``# jettison: CODE ...`` comment above it, the way ``jettison fix`` writes its changes:

- ``FROM`` names the shared base (``plan:base``); the install of the requirements becomes
  the service's own layer, or nothing when the bases install all it needs
  (``plan:requirements``); the ``COPY`` of requirement files goes, and so does a
  ``COPY --from=<builder>`` of the virtualenv a builder stage made (``plan:venv``);
- ``COPY``/``ADD`` sources are rebased from the service's context to the root
  (``plan:context``);
- apt installs become one layer without recommended packages; build tools and ``-dev``
  headers are installed only while pip builds, and purged in the same layer (``JT401``);
- a service without ``USER`` runs as the base image's ``app`` user (``JT601``); one with a
  known port gets a ``HEALTHCHECK`` with the image's own Python (``JT605``), never curl.

Which Dockerfiles can be replayed, and how, is :mod:`jettison.plan.replay`'s analysis; the
Dockerfile text both ``fix`` and ``plan`` write is :mod:`jettison.dockerfile.writer`'s;
writing the files is :mod:`jettison.plan.write`'s.

Build contexts: the root, for every generated image. Each generated Dockerfile has a
``Dockerfile.dockerignore`` beside it (BuildKit and buildah read it instead of the root's
``.dockerignore``): a base image sees only the plan's requirement files; a service sees
what its own context's ignore file let through, the patterns rebased to the root, so a
``secret.env`` its ``.dockerignore`` kept out stays out.

``build.sh`` builds the images in order with ``$BUILDER`` (docker by default) and passes its
arguments to every build; with buildah or podman it asks for Docker's image format, the only
one that keeps a ``HEALTHCHECK``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from jettison.dockerfile import writer
from jettison.dockerfile.ignore import dockerignore_path, read_dockerignore
from jettison.dockerfile.writer import APP_USER
from jettison.errors import ConfigError
from jettison.fix.bases import (
    CONDA_PYTHON,
)
from jettison.imageref import name_component
from jettison.notices import Notice
from jettison.plan.discover import normal
from jettison.plan.fixes import FileFixes, LintFixes, lint_fixes
from jettison.plan.model import (
    BuildStep,
    Discovery,
    Generated,
    Group,
    Pin,
    ServiceImports,
    Split,
)
from jettison.plan.pip_inputs import PipInput
from jettison.plan.replay import (
    BASE_GROUP,
    Chain,
    Part,
    Replay,
    analyse,
    base_group,
    chain_groups,
    groups_by_name,
    uses,
)

REQUIREMENTS_IN_IMAGE = "/opt/requirements"
TAG_SUFFIX = "plan"


def generate(discovery: Discovery, split: Split, *, out_dir: Path, tag_prefix: str) -> Generated:
    """Every file of the plan (paths relative to ``out_dir``) and the order to build them.

    ``out_dir`` must be inside ``discovery.root``: the generated Dockerfiles copy the
    requirement files from it with the root as build context. Raises :class:`ConfigError`
    otherwise.
    """
    return generate_with_problems(discovery, split, out_dir=out_dir, tag_prefix=tag_prefix)[0]


def generate_with_problems(
    discovery: Discovery,
    split: Split,
    *,
    out_dir: Path,
    tag_prefix: str,
    imports: Sequence[ServiceImports] = (),
) -> tuple[Generated, tuple[Notice, ...]]:
    """:func:`generate` and :func:`rewrite_problems` from one analysis of the Dockerfiles
    (each one replayed once, not once per question). ``imports`` (what each service's code
    imports and shows) decide lint's requirement fixes (:mod:`jettison.plan.fixes`)."""
    root = discovery.root
    out_rel = _out_relative(root, out_dir)
    prefix = tag_prefix.rstrip("/").lower()
    analysis = analyse(discovery, split)
    groups = groups_by_name(split)
    fixes = lint_fixes(analysis, split, imports)
    files: list[tuple[str, str]] = []

    planned = {r.service.name: r for r in analysis.replays}
    files.extend(_requirement_files(split, groups, planned, fixes))

    def tag(name: str) -> str:
        return f"{prefix}/{name}:{TAG_SUFFIX}"

    def base_tag(name: str) -> str:
        """``base`` for the common group, ``base-ml``, ``base-gpu``... for the others."""
        return tag(name if name == BASE_GROUP else f"base-{name}")

    steps: list[BuildStep] = []
    for chain in analysis.chains:
        for group_name in chain_groups(chain, analysis.replays, groups):
            name = chain.base_name(group_name)
            folder = f"bases/{name}"
            parent = None if group_name == BASE_GROUP else base_tag(chain.base_name(BASE_GROUP))
            text = _base_dockerfile(
                chain,
                groups.get(group_name),
                group_name,
                out_rel=out_rel,
                parent=parent,
                replays=[r for r in analysis.replays if uses(r, chain, group_name, groups)],
            )
            files.append((f"{folder}/Dockerfile", text))
            inputs = _chain_inputs(
                [r for r in analysis.replays if uses(r, chain, group_name, groups)]
            )
            files.append((f"{folder}/Dockerfile.dockerignore", _base_ignore(out_rel, inputs)))
            steps.append(
                BuildStep(
                    tag=base_tag(name),
                    dockerfile=out_dir / folder / "Dockerfile",
                    context=root,
                    service=None,
                    group=group_name,
                )
            )
    service_steps: list[BuildStep] = []
    for replay in analysis.replays:
        folder = f"services/{_safe_name(replay.service.name)}"
        from_tag = base_tag(replay.chain.base_name(base_group(replay.plan, groups)))
        dropped = fixes.apt_dropped.get(replay.service.name, ())
        text = _service_dockerfile(replay, root, out_rel, from_tag, dropped)
        files.append((f"{folder}/Dockerfile", text))
        files.append((f"{folder}/Dockerfile.dockerignore", _service_ignore(replay, root, out_rel)))
        service_steps.append(
            BuildStep(
                tag=tag(_safe_name(replay.service.name)),
                dockerfile=out_dir / folder / "Dockerfile",
                context=root,
                service=replay.service.name,
                group=None,
            )
        )
    for service in analysis.kept:
        service_steps.append(
            BuildStep(
                tag=tag(_safe_name(service.name)),
                dockerfile=service.dockerfile,
                context=service.context,
                service=service.name,
                group=None,
            )
        )
    service_steps.sort(key=lambda s: s.service or "")
    steps.extend(service_steps)
    files.append(("build.sh", _build_script(steps, root, out_rel)))
    generated = Generated(
        out_dir=out_dir,
        files=tuple(Path(p) for p, _ in files),
        contents=tuple(t for _, t in files),
        build_order=tuple(steps),
        kept_original=tuple(sorted(s.name for s in analysis.kept)),
    )
    return generated, (*analysis.problems, *fixes.problems)


# -- rendering ------------------------------------------------------------------------------


def _out_relative(root: Path, out_dir: Path) -> PurePosixPath:
    root, out_dir = normal(root), normal(out_dir)
    if not out_dir.is_relative_to(root) or out_dir == root:
        raise ConfigError(
            f"{out_dir}: not a folder inside {root}",
            hint="the plan's images are built with the repository root as context: give "
            "--out a folder inside it (default: jettison-plan/)",
        )
    return PurePosixPath(out_dir.relative_to(root).as_posix())


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _safe_name(name: str) -> str:
    """A service name as a path component and an image name (lower case, ``[a-z0-9._-]``);
    a name that had to change gets a short hash of itself, so two names never meet."""
    cleaned = name_component(name, "service")
    if cleaned == name:
        return name
    return f"{cleaned}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent="# ", subsequent_indent="# ")


def _pin_lines(pins: Iterable[Pin]) -> list[str]:
    """Pins as written; a line the split joined with newlines gets its continuations back."""
    out = []
    for pin in pins:
        parts = [p.strip() for p in pin.line.split("\n") if p.strip()]
        out.append(" \\\n    ".join(p.removesuffix("\\").rstrip() for p in parts))
    return out


def _fixed(pins: Iterable[Pin], fixes: FileFixes | None) -> list[str]:
    """The pins as written, with lint's fixes (each under a comment saying what changed)."""
    out: list[str] = []
    for pin in pins:
        fixed = fixes.rewritten.get(pin.name) if fixes is not None else None
        if fixed is None:
            out.extend(_pin_lines([pin]))
            continue
        out.append(fixed.comment)
        out.extend(_pin_lines([replace(pin, line="\n".join(fixed.lines))]))
    return out


def _file_options(options: Sequence[str], fixes: FileFixes | None) -> list[str]:
    return [*options, *(o for o in (fixes.options if fixes else ()) if o not in options)]


def _requirement_files(
    split: Split, groups: dict[str, Group], planned: dict[str, Replay], fixes: LintFixes
) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    options = list(split.options)
    base = groups.get(BASE_GROUP)
    base_services = sorted(planned)
    header = _comment(
        "requirements/base.txt, generated by `jettison plan`: the shared base image installs "
        "these, once, for every planned service"
        + (f" ({', '.join(base_services)})." if base_services else ".")
    )
    if base is not None and base.reason:
        header += _comment(base.reason)
    base_fixes = fixes.files.get(f"group:{BASE_GROUP}")
    files.append(
        (
            "requirements/base.txt",
            _text(
                header,
                _file_options(options, base_fixes),
                _fixed(base.pins if base else (), base_fixes),
            ),
        )
    )
    for group in groups.values():
        if group.name == BASE_GROUP:
            continue
        users = sorted(n for n, r in planned.items() if r.plan.base_group == group.name)
        header = _comment(
            f"requirements/{group.name}.txt, generated by `jettison plan`: the `{group.name}` "
            "base image installs these on top of base, for the services that need them"
            + (
                f" ({', '.join(users)})."
                if users
                else ". Not installed yet: those services keep their original Dockerfile."
            )
        )
        if group.reason:
            header += _comment(group.reason)
        group_fixes = fixes.files.get(f"group:{group.name}")
        files.append(
            (
                f"requirements/{group.name}.txt",
                _text(header, _file_options(options, group_fixes), _fixed(group.pins, group_fixes)),
            )
        )
    for plan in sorted(split.services, key=lambda p: p.service):
        if not plan.own:
            continue
        name = _safe_name(plan.service)
        if plan.service in planned:
            text = (
                f"requirements/services/{name}.txt, generated by `jettison plan`: only "
                f"{plan.service} installs these, in its own layer on its "
                f"`{planned[plan.service].chain.base_name(base_group(plan, groups))}` base "
                "image."
            )
        else:
            text = (
                f"requirements/services/{name}.txt, generated by `jettison plan`: what "
                f"{plan.service} needs besides its base images. Not installed yet: the "
                "service keeps its original Dockerfile (see the plan's problems)."
            )
        own_fixes = fixes.files.get(f"service:{plan.service}")
        files.append(
            (
                f"requirements/services/{name}.txt",
                _text(
                    _comment(text), _file_options(options, own_fixes), _fixed(plan.own, own_fixes)
                ),
            )
        )
    dev = _comment(
        "requirements/dev.txt, generated by `jettison plan`: no image installs this file. "
        "`pip install -r requirements/dev.txt` gives a developer the shared requirements "
        "and the development tools and unused packages no service needs, each with why."
    )
    lines = ["-r base.txt"]
    lines.extend(f"-r {g.name}.txt" for g in groups.values() if g.name != BASE_GROUP)
    for pin, dropped in split.dev:
        why = f"{dropped.reason}: {dropped.detail}" if dropped.detail else dropped.reason
        lines.extend(_comment(why))
        lines.extend(_pin_lines([pin]))
    files.append(("requirements/dev.txt", _text(dev, [], lines)))
    return files


def _copy_line(source: str, destination: str) -> str:
    """``COPY a b``; the JSON form when a path has a space (an --out folder may)."""
    if any(c.isspace() for c in source + destination):
        return f"COPY {json.dumps([source, destination])}"
    return f"COPY {source} {destination}"


def _text(header: Sequence[str], options: Sequence[str], lines: Sequence[str]) -> str:
    return "\n".join([*header, *options, *lines]) + "\n"


def _pip_install(
    file: str,
    options: Sequence[str],
    build_tools: Sequence[str],
    *,
    noninteractive: bool,
    inputs: Sequence[PipInput] = (),
) -> list[str]:
    """The RUN that installs one requirements file; with build tools, they are installed for
    the build and purged in the same layer, so none of them ships. ``inputs`` (the wheel
    folders and constraint files the options name) are mounted from the repository for the
    install only."""
    opts = "".join(f" {o}" for o in options)
    pip = f"pip install --no-compile{opts} -r {file}"
    flags = [i.mount() for i in inputs]
    out: list[str] = []
    if inputs:
        named = ", ".join(i.source for i in inputs)
        out.append(
            writer.change(
                "plan:pip", f"pip reads {named} from the repository (mounted, never copied)"
            )
        )
    if not build_tools:
        return [*out, writer.run([pip], flags=flags)]
    tools = " ".join(build_tools)
    return [
        *out,
        writer.change(
            "JT401", f"build tools only while pip builds, purged in the same layer: {tools}"
        ),
        writer.apt_for_one_command(build_tools, pip, noninteractive=noninteractive, flags=flags),
    ]


def _chain_options(replays: Sequence[Replay]) -> list[str]:
    """The pip options of the services a base serves: all of them (a wheel folder one
    service names finds nothing another installs); their index agrees (see replay)."""
    return list(dict.fromkeys(o for r in replays for o in r.pip_options))


def _chain_inputs(replays: Sequence[Replay]) -> list[PipInput]:
    return sorted({i for r in replays for i in r.pip_inputs})


def _chain_tools(replays: Sequence[Replay]) -> list[str]:
    return list(dict.fromkeys(t for r in replays for t in r.build_tools))


def _base_dockerfile(
    chain: Chain,
    group: Group | None,
    group_name: str,
    *,
    out_rel: PurePosixPath,
    parent: str | None,
    replays: Sequence[Replay],
) -> str:
    services = ", ".join(r.service.name for r in replays)
    name = chain.base_name(group_name)
    out = _comment(
        f"Shared base image `{name}` generated by `jettison plan`: "
        + (
            "the Python environment and the requirements most services need, installed "
            "once so every service image shares these layers."
            if parent is None
            else f"base plus the `{group_name}` requirements, for the services that need them."
        )
        + f" Services built on it: {services}."
    )
    noninteractive = chain.kind != "cpu"
    if parent is not None:
        out.append(writer.change("plan:base", f"on the shared base image {parent}"))
        out.append(f"FROM {parent}")
    else:
        out.extend(_chain_head(chain))
    pins = group.pins if group is not None else ()
    if pins:
        file = f"{REQUIREMENTS_IN_IMAGE}/{group_name}.txt"
        out.append(_copy_line(f"{out_rel}/requirements/{group_name}.txt", file))
        out.extend(
            _pip_install(
                file,
                _chain_options(replays),
                _chain_tools(replays),
                noninteractive=noninteractive,
                inputs=_chain_inputs(replays),
            )
        )
    return "\n".join(out) + "\n"


def _chain_head(chain: Chain) -> list[str]:
    """The first base image of a chain: its image, the runtime environment, the interpreter,
    the unprivileged user and the virtualenv (without the bytecode ensurepip compiles)."""
    if chain.kind == "cpu" and chain.image != chain.origin:
        out = [
            writer.change(
                "JT201",
                f"on {chain.image}, the slim variant of the services' most common base "
                f"{chain.origin}: no compilers, headers or VCS tools",
            )
        ]
    elif chain.kind == "cpu":
        out = [writer.change("plan:base", f"on the services' most common base {chain.image}")]
    else:
        out = [
            writer.change(
                "JT202",
                f"on {chain.image}, the CUDA runtime (no compiler or headers) of the GPU "
                "services' base",
            )
        ]
    out.extend([f"FROM {chain.image}", writer.RUNTIME_ENV])
    python = "python"
    if chain.kind == "cuda":
        out.append(writer.change("plan:python", "the CUDA image has no Python: Ubuntu's python3"))
        out.append(writer.apt_layer(["python3", "python3-venv"], noninteractive=True))
        python = "python3"
    elif chain.kind == "pytorch":
        out.append(
            writer.change("JT307", "the virtualenv sees the image's own torch (no second copy)")
        )
        python = CONDA_PYTHON
    out.append(writer.change("JT601", f"an unprivileged user `{APP_USER}` for the services"))
    out.append(
        writer.change(
            "removable:bytecode", "the venv without the bytecode ensurepip compiles for pip"
        )
    )
    venv = writer.venv_command(python, system_site_packages=chain.kind == "pytorch")
    out.append(
        writer.run([writer.add_user(), venv, *writer.strip_venv(tests=False, headers=False)])
    )
    return out


def _base_ignore(out_rel: PurePosixPath, inputs: Sequence[PipInput] = ()) -> str:
    """A base image reads only the requirement files from the repository, and the wheel
    folders and constraint files its install mounts."""
    lines = [
        "# Generated by `jettison plan`: the base image only copies the requirement files"
        + (" (and mounts what pip reads beside them)." if inputs else "."),
        "*",
        f"!{out_rel}/requirements",
        *(f"!{i.source}" for i in inputs),
    ]
    return "\n".join(lines) + "\n"


def _service_ignore(replay: Replay, root: Path, out_rel: PurePosixPath) -> str:
    """The service's own ignore patterns, rebased to the root, so the same files stay out
    of its image; plus the plan's requirement files, which its Dockerfile copies."""
    service = replay.service
    lines = _comment(
        "Generated by `jettison plan`: the ignore patterns of the service's own build "
        "context, from the repository root, so the same files stay out of its image."
    )
    found = dockerignore_path(service.dockerfile, service.context)
    context_rel = service.context.relative_to(root).as_posix()
    if found is not None:
        lines.append(f"# from {_relative(found, root)}")
        for pattern in read_dockerignore(found):
            negated = pattern.startswith("!")
            body = pattern[1:] if negated else pattern
            body = body.lstrip("/")
            if context_rel != ".":
                body = f"{context_rel}/{body}"
            lines.append(("!" if negated else "") + body)
    lines.append(f"!{out_rel}/requirements")
    lines.extend(f"!{i.source}" for i in replay.pip_inputs if replay.plan.own)
    return "\n".join(lines) + "\n"


def _service_dockerfile(
    replay: Replay,
    root: Path,
    out_rel: PurePosixPath,
    base_tag: str,
    apt_dropped: Sequence[str] = (),
) -> str:
    service = replay.service
    dockerfile = service.parsed
    assert dockerfile is not None
    plan = replay.plan
    noninteractive = replay.chain.kind != "cpu"
    out = _comment(
        f"Service `{service.name}` generated by `jettison plan` from "
        f"{_relative(service.dockerfile, root)} (context "
        f"{_relative(service.context, root)}): the image it ships, replayed on a shared base "
        "image."
    )
    out.append("# Every change is a `# jettison: CODE what` comment above it.")
    out.extend(i.original for i in dockerfile.global_args)
    out.append(writer.change("plan:base", f"on the shared base image {base_tag}"))
    out.append(f"FROM {base_tag}")
    own_lines: list[str] = []
    if plan.own:
        file = f"{REQUIREMENTS_IN_IMAGE}/services/{_safe_name(service.name)}.txt"
        own_lines.append(
            _copy_line(f"{out_rel}/requirements/services/{_safe_name(service.name)}.txt", file)
        )
        own_lines.extend(
            _pip_install(
                file,
                replay.pip_options,
                replay.build_tools,
                noninteractive=noninteractive,
                inputs=replay.pip_inputs,
            )
        )
    elif replay.build_tools:
        own_lines.append(
            writer.change("JT401", f"build tools not installed: {' '.join(replay.build_tools)}")
        )
    apt_lines = [writer.change(*note.split(" ", 1)) for note in replay.apt_notes]
    apt_runtime = [p for p in replay.apt_runtime if p not in apt_dropped]
    if apt_dropped:
        left = "" if apt_runtime else " (so no apt layer at all)"
        apt_lines.append(
            writer.change(
                "JT304",
                f"{' '.join(apt_dropped)} not installed{left}: its OpenCV is the -headless "
                "build, which needs no GUI libraries",
            )
        )
    if apt_runtime:
        apt_lines.append(writer.apt_layer(apt_runtime, noninteractive=noninteractive))
    parts = list(replay.parts)
    if not any(p.slot == "own" for p in parts) and own_lines:
        parts.insert(0, Part(slot="own", build_step=True))
    own_lines = own_lines or [
        writer.change("plan:requirements", "its base images install all it needs")
    ]
    groups = _filled(parts, own_lines, apt_lines)
    if replay.add_user:
        user = (
            writer.change("JT601", f"the unprivileged user `{APP_USER}` runs the service"),
            f"USER {APP_USER}",
        )
        out.extend(writer.with_user(groups, [p.build_step for p in parts], user))
    else:
        out.extend(line for group in groups for line in group)
    if replay.healthcheck is not None:
        port = service.port
        what = "answers on" if service.health_path else "accepts connections on"
        where = f"{service.health_path} at port {port}" if service.health_path else f"port {port}"
        out.append(writer.change("JT605", f"HEALTHCHECK: the service {what} {where}"))
        out.append(replay.healthcheck)
    return "\n".join(out) + "\n"


def _filled(parts: Sequence[Part], own: list[str], apt: list[str]) -> list[list[str]]:
    """Each part's lines, with its slot filled: the service's own install (the first ``own``
    slot), the apt layer."""
    groups: list[list[str]] = []
    own_done = False
    for part in parts:
        lines = list(part.lines)
        if part.slot == "own" and not own_done:
            lines.extend(own)
            own_done = True
        elif part.slot == "apt":
            lines.extend(apt)
        groups.append(lines)
    return groups


def _build_script(steps: Sequence[BuildStep], root: Path, out_rel: PurePosixPath) -> str:
    up = "/".join([".."] * len(out_rel.parts))
    lines = [
        "#!/usr/bin/env bash",
        "# Generated by `jettison plan`: builds the shared base images (parents before",
        "# children), then every service. BUILDER=docker|podman|buildah (default docker);",
        "# arguments are passed to every build (./build.sh --pull=never -v CA:/run/ca.crt:ro).",
        "set -euo pipefail",
        "BUILDER=${BUILDER:-docker}",
        "# buildah and podman write OCI images unless told otherwise, and OCI images have no",
        "# HEALTHCHECK: ask them for Docker's format.",
        "FORMAT=()",
        'case "$(basename "$BUILDER")" in buildah | podman) FORMAT=(--format docker) ;; esac',
        f'cd "$(dirname "$0")/{up}"',
    ]
    for step in steps:
        lines.append(
            f'"$BUILDER" build ${{FORMAT[@]+"${{FORMAT[@]}}"}} "$@" -t {shlex.quote(step.tag)} '
            f"-f {shlex.quote(_relative(step.dockerfile, root))} "
            f"{shlex.quote(_relative(step.context, root))}"
        )
    return "\n".join(lines) + "\n"
