"""The page every HTML report shares: header figures, tabs (views), sortable tables, the
treemap's legend; styles and script inline, nothing fetched.

Figures and table cells carry their exact values in ``data-bytes`` / ``data-v`` attributes:
the script sorts by them, and a test reads them back from the DOM to check that the page
shows the JSON report's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from jettison.render.html.treemap import legend

STYLE = """
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--good:#047857;--bad:#b91c1c}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
margin:0;background:#f9fafb}
header{padding:18px 24px 8px;background:#fff;border-bottom:1px solid var(--line)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}
.sub{color:var(--muted);margin:0 0 10px;word-break:break-all}
.figures{display:flex;flex-wrap:wrap;gap:10px 28px;margin:8px 0}
.figures div{min-width:120px}.figures dt{color:var(--muted);font-size:12px}
.figures dd{margin:0;font-size:18px;font-weight:600}
nav{display:flex;gap:4px;padding:0 24px;background:#fff;border-bottom:1px solid var(--line)}
nav button{border:0;background:none;padding:10px 14px;font:inherit;cursor:pointer;
border-bottom:3px solid transparent;color:var(--muted)}
nav button.on{border-color:#2563eb;color:var(--fg);font-weight:600}
main{padding:8px 24px 40px}section.view{display:none}section.view.on{display:block}
svg.treemap{width:100%;height:auto;display:block;background:#111827;border-radius:4px}
svg.treemap text{font:11px system-ui,sans-serif;pointer-events:none}
svg.treemap g:hover>rect{stroke:#fff;stroke-width:1.5}
svg.treemap g.leaf>rect{stroke:#1f2937;stroke-width:.4}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:8px 0 4px;font-size:12px}
.legend span::before{content:"";display:inline-block;width:11px;height:11px;
margin-right:5px;vertical-align:-1px;background:var(--c);border-radius:2px}
table{border-collapse:collapse;background:#fff;width:100%;margin:4px 0 8px}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
th{font-size:12px;color:var(--muted);cursor:pointer;user-select:none;white-space:nowrap}
th.num,td.num{text-align:right;white-space:nowrap}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
tfoot td{font-weight:600;border-bottom:0}
td.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.good{color:var(--good)}.bad{color:var(--bad)}.muted{color:var(--muted)}
.bar{display:inline-block;height:8px;border-radius:2px;margin-right:6px;
vertical-align:0;background:#93c5fd}.bar.good{background:#6ee7b7}.bar.bad{background:#fca5a5}
.note{color:var(--muted);font-size:13px}
.verdict{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:600}
.verdict.good{background:#d1fae5}.verdict.bad{background:#fee2e2}
"""

SCRIPT = """
(function(){
  var tabs=document.querySelectorAll('nav button');
  tabs.forEach(function(b){b.addEventListener('click',function(){
    tabs.forEach(function(t){t.classList.toggle('on',t===b)});
    document.querySelectorAll('section.view').forEach(function(s){
      s.classList.toggle('on',s.id===b.dataset.view)});
  })});
  document.querySelectorAll('table.sortable th').forEach(function(th,_){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0];
      var col=Array.prototype.indexOf.call(th.parentNode.children,th);
      var down=th.getAttribute('aria-sort')!=='descending';
      table.querySelectorAll('th').forEach(function(o){o.removeAttribute('aria-sort')});
      th.setAttribute('aria-sort',down?'descending':'ascending');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[col].dataset.v,y=b.cells[col].dataset.v;
        var nx=parseFloat(x),ny=parseFloat(y),r;
        if(!isNaN(nx)&&!isNaN(ny)){r=nx-ny}else{r=String(x).localeCompare(String(y))}
        return down?-r:r});
      rows.forEach(function(r){body.appendChild(r)});
    })});
  var wanted=document.getElementById(location.hash.slice(1));
  if(wanted&&wanted.classList.contains('view')){
    tabs.forEach(function(t){if(t.dataset.view===wanted.id){t.click()}})}
  document.body.dataset.ready='1';
})();
"""


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    sort: str | int | float | None = None
    """Sort key (``data-v``); the text when None."""
    css: str = ""
    bar: float | None = None
    """A bar before the text, this share (0..1) of the column's width."""


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    numeric: bool = False
    code: bool = False


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    text: str
    key: str
    """The figure's id (``fig-<key>``), for tests reading the DOM."""
    value: int | float | None = None
    """Its exact value (``data-bytes`` or ``data-v``)."""
    css: str = ""


@dataclass(frozen=True, slots=True)
class View:
    key: str
    title: str
    body: str


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    key: str,
    total: Sequence[Cell] | None = None,
) -> str:
    """A sortable table (click a header); ``total`` stays at the bottom."""
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}">{escape(c.title)}</th>' for c in columns
    )
    body = "".join(f"<tr>{_cells(columns, row)}</tr>" for row in rows)
    foot = f"<tfoot><tr>{_cells(columns, total)}</tr></tfoot>" if total else ""
    return (
        f'<table class="sortable" id="table-{escape(key)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table>"
    )


def _cells(columns: Sequence[Column], row: Sequence[Cell]) -> str:
    out = []
    for column, cell in zip(columns, row, strict=True):
        kinds = ("num" if column.numeric else "", "code" if column.code else "", cell.css)
        classes = " ".join(c for c in kinds if c)
        sort = cell.text if cell.sort is None else cell.sort
        bar = ""
        if cell.bar is not None:
            width = max(1.0, min(cell.bar, 1.0) * 120)
            bar = f'<span class="bar {escape(cell.css)}" style="width:{width:.0f}px"></span>'
        out.append(
            f'<td class="{classes}" data-v="{escape(str(sort))}">{bar}{escape(cell.text)}</td>'
        )
    return "".join(out)


def legend_html() -> str:
    items = "".join(
        f'<span style="--c:{colour}">{escape(label)}</span>' for label, colour in legend()
    )
    return f'<div class="legend" aria-label="colour: removable cause">{items}</div>'


def figures_html(figures: Sequence[Figure]) -> str:
    items = []
    for figure in figures:
        value = "" if figure.value is None else f' data-v="{figure.value}"'
        css = f' class="{escape(figure.css)}"' if figure.css else ""
        items.append(
            f"<div><dt>{escape(figure.label)}</dt>"
            f'<dd id="fig-{escape(figure.key)}"{value}{css}>{escape(figure.text)}</dd></div>'
        )
    return f'<dl class="figures">{"".join(items)}</dl>'


def page(title: str, subtitle: str, figures: Sequence[Figure], views: Sequence[View]) -> str:
    """The whole document. The first view is shown; tabs only when there are several."""
    nav = ""
    if len(views) > 1:
        nav = (
            "<nav>"
            + "".join(
                f'<button type="button" data-view="view-{escape(v.key)}"'
                f"{' class=on' if i == 0 else ''}>{escape(v.title)}</button>"
                for i, v in enumerate(views)
            )
            + "</nav>"
        )
    sections = "".join(
        f'<section class="view{" on" if i == 0 else ""}" id="view-{escape(v.key)}">'
        f"{v.body}</section>"
        for i, v in enumerate(views)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>'
        f"{figures_html(figures)}</header>{nav}<main>{sections}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
