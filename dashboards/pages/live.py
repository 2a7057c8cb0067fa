"""Live page: the plant as it streams in over OPC UA. Machine states, last values, wear now
and failure risk with their intervals, staleness, alerts and replanning proposals, pushed
to the browser once a second (a periodic callback updates the widgets in place over the
session's websocket: no reload).

The data come from a :class:`LiveFeed`: a :class:`twinbench.live.livetwin.LiveTwin` fed by
a :class:`twinbench.live.client.LiveClient` in a background thread with its own event
loop, one per server process (:func:`shared_feed`), configured from the environment:
``TWINBENCH_LIVE_URL`` (``opc.tcp://HOST:PORT/twinbench/``; unset: the page says so),
``TWINBENCH_LIVE_CERTS``, ``TWINBENCH_LIVE_USER``, ``TWINBENCH_OPCUA_PASSWORD`` and
``TWINBENCH_LIVE_DB`` (historian file; default in memory). The feed's wear filter uses the
workbench's calibrated twin, so it starts once the twin is ready.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from twinbench.workbench import Workbench

from .shared import Page, kpi_card, kpi_row, status, table
from .words import moment, num, pct

__all__ = ["LiveFeed", "LivePage", "shared_feed", "wear_band"]

STATE_WORDS = {"Executing": "running", "NotExecuting": "idle", "OutOfService": "down"}


class LiveFeed:
    """A live twin fed from a plant server in a background thread (see the module).

    Parameters
    ----------
    live
        The live twin the samples go into.
    config
        Where and how to connect (:class:`twinbench.live.client.WatchConfig`); None: the
        feed is given samples by other means (tests, a replay).
    prepare
        Called in the feed's thread before it connects (e.g. waits for the calibrated
        twin and installs the wear filter).
    """

    def __init__(self, live: Any, config: Any = None,
                 prepare: Callable[[Any], None] | None = None) -> None:
        self.live = live
        self.config = config
        self.prepare = prepare
        self.lock = threading.RLock()
        self.status = "not connected" if config is not None else "no plant server set"
        self.client = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def on_sample(self, sample: Any) -> None:
        """Process one sample under the feed's lock."""
        with self.lock:
            self.live.on_sample(sample)

    def start(self) -> LiveFeed:
        """Connect in a daemon thread (once)."""
        if self.config is None or self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="live-feed", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from twinbench.live.client import LiveClient

        if self.prepare is not None:
            self.status = "waiting for the calibrated twin"
            try:
                self.prepare(self.live)
            except Exception as err:  # the page shows why; samples are still stored
                self.status = f"no twin state ({type(err).__name__}: {err})"
        self.client = LiveClient(self.config, self.on_sample,
                                 resume_from=self.live.historian.last_times())

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            task = asyncio.create_task(self.client.run(self._stop))
            while not self._stop.is_set():
                await asyncio.sleep(0.5)
                with self.lock:
                    self.live.check_stale()
                    self.live._flush(force=True)
            await task

        asyncio.run(main())

    def stop(self) -> None:
        """Disconnect and end the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def connection(self) -> str:
        """The link in words."""
        c = self.client
        if c is None:
            return self.status
        s = c.stats
        if s.ready:
            return (f"connected to {self.config.url} ({s.connects} connection(s), "
                    f"{self.live.stats.processed:,} samples)")
        return (f"reconnecting to {self.config.url} ({s.failures} failure(s); last: "
                f"{s.last_error or '-'})")

    def view(self) -> dict[str, Any]:
        """What the page shows, read under the lock: the machines' snapshot, alerts,
        proposals, the wear and risk history and lag quantiles."""
        with self.lock:
            live = self.live
            hist = pd.DataFrame(live.history[-20000:])
            return {"machines": live.snapshot(), "alerts": live.alerts.table(),
                    "proposals": (live.proposals.table() if live.proposals is not None
                                  else pd.DataFrame()),
                    "history": hist, "lag": live.stats.lag_quantiles(),
                    "processed": live.stats.processed, "duplicates": live.stats.duplicates,
                    "late": live.stats.late, "stored": live.historian.count()}


def shared_feed(wb: Workbench) -> LiveFeed:
    """The feed of this server process, configured from the environment (module doc)."""
    from twinbench.live.client import WatchConfig
    from twinbench.live.commands import build_twin
    from twinbench.live.historian import Historian
    from twinbench.live.security import SecurityConfig
    from twinbench.live.state_filter import WearFilter

    url = os.environ.get("TWINBENCH_LIVE_URL")
    certs = os.environ.get("TWINBENCH_LIVE_CERTS")

    def make() -> LiveFeed:
        from twinbench.live.replan import WeekReplanner

        # a breakdown seen live is replanned (in a worker process) into a proposal
        replan = WeekReplanner(wb.plant.root) if url else None
        live = build_twin(Historian(os.environ.get("TWINBENCH_LIVE_DB", ":memory:")),
                          wb.plant.spec, replan=replan)
        if not url:
            return LiveFeed(live)
        cfg = WatchConfig(url, security=SecurityConfig(Path(certs)) if certs else None,
                          user=os.environ.get("TWINBENCH_LIVE_USER") or None,
                          password=os.environ.get("TWINBENCH_OPCUA_PASSWORD"))

        def prepare(lt: Any) -> None:
            from twinbench.live.alerts import ResidualMonitor

            lt.filter = WearFilter(wb.twin)
            lt.residuals = ResidualMonitor()

        return LiveFeed(live, cfg, prepare).start()

    return pn.state.as_cached(f"twinbench-live-feed:{url}", make)


def wear_band(history: pd.DataFrame, machine: str) -> go.Figure:
    """Wear now of ``machine`` over plant time with its 90 % interval, and its risk."""
    fig = go.Figure()
    h = history[history["machine"] == machine] if len(history) else history
    if len(h):
        fig.add_scatter(x=h["time"], y=h["upper"], mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=h["time"], y=h["lower"], mode="lines", line={"width": 0},
                        fill="tonexty", fillcolor="rgba(31,78,121,0.25)",
                        name="90 % interval")
        fig.add_scatter(x=h["time"], y=h["mean"], mode="lines", name="wear now",
                        line={"color": "#1f4e79"})
        fig.add_scatter(x=h["time"], y=h["risk"], mode="lines", name="P(failure, 1 week)",
                        yaxis="y2", line={"color": "#c62828", "dash": "dot"})
    fig.update_layout(title=f"{machine}: wear now (share of limit) and failure risk",
                      height=320, margin={"l": 50, "r": 50, "t": 40, "b": 40},
                      yaxis={"title": "wear [1]"},
                      yaxis2={"title": "P(failure) [1]", "overlaying": "y", "side": "right",
                              "range": [0, 1]},
                      legend={"orientation": "h", "y": -0.25}, uirevision=machine)
    return fig


def _machines_table(snap: pd.DataFrame) -> pd.DataFrame:
    if not len(snap):
        return pd.DataFrame(columns=["Machine", "State", "Last sample (plant time)"])
    return pd.DataFrame({
        "Machine": snap["machine"],
        "State": [STATE_WORDS.get(s, s) + (f" ({a})" if a else "")
                  for s, a in zip(snap["state"], snap["alarm"], strict=True)],
        "Last sample (plant time)": [moment(t) for t in snap["time"]],
        "Load [%]": [num(100 * v, 0) for v in snap["load"]],
        "Temperature [°C]": [num(v, 1) for v in snap["temperature"]],
        "Vibration [mm/s]": [num(v, 2) for v in snap["vibration"]],
        "Power [kW]": [num(v, 1) for v in snap["power"]],
        "Wear reading [1]": [num(v, 3) for v in snap["wear"]],
        "Wear now [1]": [num(v, 3) for v in snap["wear_now"]],
        "Wear 90 % interval": [f"{num(lo, 3)} to {num(hi, 3)}" for lo, hi in
                               zip(snap["wear_low"], snap["wear_high"], strict=True)],
        "P(failure, 1 week)": [pct(v) if v == v and v is not None else "-"
                               for v in snap["risk"]],
        "Risk 90 % interval": [f"{pct(lo)} to {pct(hi)}" if lo == lo and lo is not None
                               else "-" for lo, hi in
                               zip(snap["risk_low"], snap["risk_high"], strict=True)],
        "Quiet for [s]": [num(v, 1) for v in snap["quiet_s"]],
        "Stale": ["STALE" if s else "" for s in snap["stale"]]})


def _alerts_table(alerts: pd.DataFrame) -> pd.DataFrame:
    if not len(alerts):
        return pd.DataFrame(columns=["Raised", "Alert", "Machine", "What", "Active"])
    return pd.DataFrame({
        "Raised": [moment(pd.Timestamp(t, unit="s")) for t in alerts["raised"]],
        "Alert": alerts["kind"], "Machine": alerts["machine"],
        "Severity": alerts["severity"], "What": alerts["message"],
        "Active": ["yes" if a else "cleared" for a in alerts["active"]]}).head(200)


class LivePage(Page):
    """Live plant: the twin kept current by the plant's telemetry (see the module).

    Parameters
    ----------
    wb
        The plant's session.
    feed
        The live twin's feed (default :func:`shared_feed` of ``wb``).
    period_ms
        Refresh period of the browser's view [ms].
    """

    machine = param.Selector()

    def __init__(self, wb: Workbench, feed: LiveFeed | None = None, period_ms: int = 1000,
                 **params: Any) -> None:
        super().__init__(wb, **params)
        self.feed = feed if feed is not None else shared_feed(wb)
        self.period_ms = period_ms
        self.param.machine.objects = list(wb.plant.spec.machines)
        self.machine = wb.plant.spec.machines[0]
        self.link = pn.pane.Markdown("", css_classes=["live-link"])
        self.cards = kpi_row()
        self.machines = table(_machines_table(pd.DataFrame()), labels=False,
                              name="live-machines")
        self.alerts = table(_alerts_table(pd.DataFrame()), labels=False, name="live-alerts")
        self.proposals = table(pd.DataFrame(), labels=False, name="live-proposals")
        self.figure = pn.pane.Plotly(wear_band(pd.DataFrame(), self.machine),
                                     sizing_mode="stretch_width")
        self._callback = None
        self._shown: tuple | None = None  # what the widgets show (refresh skips a repeat)
        self.param.watch(lambda _e: self.refresh(), "machine")

    def refresh(self) -> None:
        """Read the feed and update the widgets in place (pushed to the browser), only
        when something shown has changed: an unchanged second sends nothing, so that an
        idle or unlinked plant costs neither the server nor the browser a redraw."""
        v = self.feed.view()
        snap = v["machines"]
        link = f"**Plant link:** {self.feed.connection()}"
        alerts, props = v["alerts"], v["proposals"]
        key = (link, self.machine, v["processed"], v["stored"], v["duplicates"], v["late"],
               len(alerts), int(alerts["active"].sum()) if len(alerts) else 0,
               str(props.values.tolist()), len(v["history"]),
               int(snap["stale"].sum()) if len(snap) else 0,
               round(float(snap["quiet_s"].max()), 0) if len(snap) else None)
        if key == self._shown:
            return
        self._shown = key
        self.link.object = link
        stale = int(snap["stale"].sum()) if len(snap) else 0
        active = v["alerts"][v["alerts"]["active"]] if len(v["alerts"]) else v["alerts"]
        lag = v["lag"]["p99"]
        cards = [
            kpi_card("Machines reporting", f"{len(snap) - stale} / {len(snap)}",
                     status(-stale, 0, -1), "stale: no sample lately"),
            kpi_card("Active alerts", num(len(active)),
                     status(len(active), 0, 2, higher_is_better=False)),
            kpi_card("Samples stored", num(v["stored"]), "info",
                     f"{num(v['duplicates'])} repeats dropped, {num(v['late'])} late"),
            kpi_card("Lag to twin (p99)", f"{num(1000 * lag, 0)} ms" if lag == lag else "-",
                     status(lag, 0.5, 1.0, higher_is_better=False) if lag == lag
                     else "info", "server time to updated state")]
        if len(self.cards.objects) == len(cards):  # the same panes, new text: no new models
            for pane, card in zip(self.cards.objects, cards, strict=True):
                pane.object = card.object
        else:
            self.cards.objects = cards
        self.machines.value = _machines_table(snap)
        self.alerts.value = _alerts_table(v["alerts"])
        self.proposals.value = v["proposals"]
        self.figure.object = wear_band(v["history"], self.machine)

    def start(self) -> None:
        """Refresh every ``period_ms`` in this browser session."""
        if self._callback is None:
            self.refresh()
            self._callback = pn.state.add_periodic_callback(self.refresh, self.period_ms)
            if pn.state.curdoc is not None:  # a closed session stops its refresh
                pn.state.on_session_destroyed(lambda _ctx: self.stop())

    def stop(self) -> None:
        """Stop refreshing."""
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    def __panel__(self) -> pn.Column:
        pn.state.onload(self.start)
        return pn.Column(
            pn.pane.Markdown("## Live plant\nThe plant's telemetry as it streams in over "
                             "OPC UA: each machine's state and last readings, the twin's "
                             "wear estimate and failure risk with their 90 % intervals, "
                             "machines gone quiet, alerts. Updated every second; nothing "
                             "is written back to the plant."),
            self.link, self.cards, self.machines,
            pn.widgets.Select.from_param(self.param.machine, name="machine", width=220),
            self.figure, pn.pane.Markdown("### Alerts"), self.alerts,
            pn.pane.Markdown("### Replanning proposals (wait for a planner's approval)"),
            self.proposals, sizing_mode="stretch_width")
