"""One self-contained HTML file per report: treemaps of where the bytes are, sortable
tables, the diff as a second view.

No network resource of any kind: styles, script and drawings are inline; the only script is
ours (tabs, sorting). :mod:`.treemap` lays out a :class:`~jettison.inspect.tree.ByteTree`
(squarified, in Python) as plain SVG, so the picture is there before any script runs;
:mod:`.page` holds the page, the tables and the script; :mod:`.reports` the renderers the
registry names for inspect, diff, optimize and plan.
"""
