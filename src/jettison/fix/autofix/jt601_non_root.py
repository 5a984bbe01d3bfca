"""JT601 fix (unsafe: the service may write where only root can): an unprivileged user runs
the service. The user is created after the image's last build step, so the files those
steps make stay root's and read-only to the service; the working directory itself becomes
the user's (not recursively: no layer copies its files), so it can create files there."""

from __future__ import annotations

from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.writer import APP_USER, add_user
from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip
from jettison.fix.edits import Edit
from jettison.lint.model import Finding

_BUILD_STEPS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
_NO_SHELL = ("distroless", "scratch", "chainguard/static")


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    dockerfile = fix_input.dockerfile
    final = dockerfile.final_stage
    if final is None or not fix_input.in_dockerfile(finding):
        return Skip("no final stage")
    if final.of("USER"):
        return Skip("the final stage sets USER root on purpose; change it by hand")
    base = runtime_base(dockerfile)
    name = base.ref.text if base is not None else final.base_expanded
    if any(marker in name for marker in _NO_SHELL):
        return Skip(f"{name} has no shell to create a user with")
    create = (
        f"adduser -D -u 10001 {APP_USER}"
        if base is not None and "alpine" in base.ref.tag_parts
        else add_user()
    )
    steps = [i for i in final.instructions if i.keyword in _BUILD_STEPS]
    if any(i.heredocs for i in steps[-1:]):
        return Skip("the last build step is a heredoc; add the user by hand")
    workdir = next((i.args[0] for i in reversed(final.of("WORKDIR")) if i.args), None)
    owned = [d for d in (workdir, *fix_input.writable) if d and "$" not in d]
    owned = list(dict.fromkeys(owned))
    own = f" && chown {APP_USER}:{APP_USER} {' '.join(owned)}" if owned else ""
    lines = [f"RUN {create}{own}", f"USER {APP_USER}"]
    if steps:
        after = steps[-1].position.end_line or steps[-1].position.line
    else:
        after = final.from_instruction.position.line
    if after >= len(fix_input.source_lines):
        last = fix_input.source_lines[-1]
        edit = Edit.insert(len(fix_input.source_lines), len(last), "\n" + "\n".join(lines))
    else:
        edit = Edit.insert(after + 1, 0, "\n".join(lines) + "\n")
    description = f"an unprivileged user `{APP_USER}` runs the service"
    if fix_input.writable:
        description += f", owning {', '.join(fix_input.writable)} (the service writes there)"
    return Fixed((edit,), description)


AUTOFIX = Autofix("JT601", False, "Create an unprivileged user and switch to it.", make)
