"""``jettison rules``: list the lint rules, or explain some (codes or prefixes)."""

from __future__ import annotations

import click

from jettison import api
from jettison.cli.exits import EXIT_OK, exit_with
from jettison.cli.output import CONTEXT_SETTINGS, format_option
from jettison.render import formats, render


@click.command("rules", context_settings=CONTEXT_SETTINGS)
@click.argument("codes", metavar="[CODE]...", nargs=-1)
@format_option(formats("rules"), "Report format: terminal or JSON (versioned schema).")
def rules_cmd(codes: tuple[str, ...], fmt: str) -> None:
    """List the lint rules: code, severity, name and what each finds.

    With CODE (a code such as JT302, or a prefix such as JT3 for a family), explain those
    rules: an example and its fix, the family, the hadolint equivalent.

    \b
    Examples:
      jettison rules
      jettison rules JT302
      jettison rules JT1 -f json
    """

    def run() -> int:
        report = api.rules([c for value in codes for c in value.replace(",", " ").split()])
        click.echo(render("rules", report, fmt), nl=False)
        return EXIT_OK

    exit_with(run)
