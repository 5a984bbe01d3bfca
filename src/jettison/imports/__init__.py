"""What the shipped code uses: imports (AST scan), import-name to distribution mapping, and
the servers a container's command runs."""

from __future__ import annotations

from jettison.imports.mapping import candidate_distributions, used_distributions
from jettison.imports.scan import DEFAULT_EXCLUDE, ImportScan, scan_imports, scan_source_tree
from jettison.imports.servers import servers_in_commands

__all__ = [
    "DEFAULT_EXCLUDE",
    "ImportScan",
    "candidate_distributions",
    "scan_imports",
    "scan_source_tree",
    "servers_in_commands",
    "used_distributions",
]
