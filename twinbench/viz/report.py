"""A self-contained HTML report from sections of text, tables and plotly figures."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

__all__ = ["HtmlReport"]


@dataclass
class HtmlReport:
    """Collect sections, then :meth:`write` one HTML file (plotly.js inlined once).

    Sections keep their order. Text is escaped: nothing in a table or a note is
    interpreted as markup.
    """

    title: str
    meta: dict[str, str] = field(default_factory=dict)
    _parts: list[str] = field(default_factory=list)
    _plotly_included: bool = False

    def heading(self, text: str) -> None:
        """Add a section heading."""
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text: str, label: str | None = None) -> None:
        """Add a paragraph; ``label`` (e.g. ``"AI-generated"``) is shown as a badge."""
        badge = f'<span class="badge">{html.escape(label)}</span> ' if label else ""
        self._parts.append(f"<p>{badge}{html.escape(text)}</p>")

    def table(self, df: pd.DataFrame, caption: str | None = None, max_rows: int = 50) -> None:
        """Add a table (first ``max_rows`` rows)."""
        cap = f"<h3>{html.escape(caption)}</h3>" if caption else ""
        body = df.head(max_rows).to_html(index=False, border=0, escape=True,
                                         float_format=lambda x: f"{x:,.4g}")
        more = (f"<p class='note'>{len(df) - max_rows} more rows not shown</p>"
                if len(df) > max_rows else "")
        self._parts.append(cap + body + more)

    def figure(self, fig: go.Figure) -> None:
        """Add an interactive plotly figure."""
        include = "inline" if not self._plotly_included else False
        self._plotly_included = True
        self._parts.append(fig.to_html(full_html=False, include_plotlyjs=include))

    def render(self) -> str:
        """The whole document as a string."""
        meta = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>"
                       for k, v in self.meta.items())
        style = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
                 "table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;"
                 "border-bottom:1px solid #ddd;text-align:right}.badge{background:#fde68a;"
                 "padding:1px 6px;border-radius:4px;font-size:.8em}.note{color:#666}")
        tags = "".join(f"<meta name='twinbench:{html.escape(k, quote=True)}' "
                       f"content='{html.escape(str(v), quote=True)}'>"
                       for k, v in self.meta.items())
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{tags}<title>"
                f"{html.escape(self.title)}</title><style>{style}</style></head><body>"
                f"<h1>{html.escape(self.title)}</h1><ul class='note'>{meta}</ul>"
                + "\n".join(self._parts) + "</body></html>")

    def write(self, path: str | Path) -> Path:
        """Write the report to ``path``."""
        path = Path(path)
        path.write_text(self.render())
        return path
