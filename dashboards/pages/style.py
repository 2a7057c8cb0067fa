"""The dashboard's look: KPI cards, navigation, tables (one stylesheet, no outside
resources)."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
.kpi-card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
            padding: 8px 12px; height: 100px; box-sizing: border-box;
            font-family: system-ui, sans-serif; }
.kpi-title { font-size: 12px; color: #57606a; }
.kpi-value { font-size: 24px; font-weight: 600; color: #1f2328; margin: 2px 0; }
.kpi-note { font-size: 11px; color: #57606a; }
.kpi-badge { color: #fff; border-radius: 8px; padding: 1px 7px; font-size: 11px;
             margin-right: 4px; }
.alert-link .bk-btn { text-align: left; }
"""
