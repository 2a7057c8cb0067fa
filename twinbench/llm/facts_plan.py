"""Fact sheets of the week's schedule and of a simulation (registered on import)."""

from __future__ import annotations

from typing import Any

import numpy as np

from twinbench.llm.facts import FactSheet, register_facts, spec_vocabulary

__all__: list[str] = []


@register_facts("twinbench.optimize.schedule.solve.Schedule")
def _schedule_facts(s: Any, spec: Any = None, on_time: Any = None, top: int = 5
                    ) -> FactSheet:
    """Facts of a schedule; ``on_time`` (order, p_on_time[, p_on_time_edd]) from its
    replay in the twin adds the risk per order."""
    p = s.problem
    sheet = FactSheet("schedule", f"production schedule of {len(p.jobs)} orders "
                      f"({p.n_ops} operations on {len(p.machines)} machines)")
    sheet.vocabulary |= set(p.machines) | set(map(str, p.jobs.index))
    if "station" in p.ops:
        sheet.vocabulary |= set(p.ops["station"])
    if spec is not None:
        sheet.vocabulary |= spec_vocabulary(spec)
    k = s.kpis
    sheet.add("solver status", str(s.status))
    if s.gap == s.gap:
        sheet.add("optimality gap", s.gap, "1")
    sheet.add("makespan", k["makespan"], "h")
    sheet.add("orders late in the plan", k["tardy_jobs"], "", role="risk" if k["tardy_jobs"]
              else "value")
    sheet.add("weighted tardiness", k["weighted_tardiness"], "h")
    sheet.add("setup time", k["setup_hours"], "h", role="driver")
    sheet.add("energy cost", k["energy_cost"], "EUR", role="driver")
    sheet.add("machine utilisation", k["utilisation"], "1")
    busy = (s.table.assign(d=s.table["end"] - s.table["start"])
            .groupby("machine")["d"].sum().sort_values(ascending=False))
    if len(busy):
        m = str(busy.index[0])
        sheet.add("busiest machine", m, entities=[m], role="bottleneck")
        sheet.add(f"planned hours on {m}", float(busy.iloc[0]), "h", entities=[m],
                  role="bottleneck")
    mt = s.table[s.table["job"] == "MAINT"]
    for r in mt.itertuples(index=False):
        sheet.add(f"maintenance on {r.machine} starts", str(getattr(r, "start_time", r.start)),
                  entities=[r.machine], role="value")
    for r in s.binding.head(top).itertuples(index=False):
        sheet.add(f"binding: {r.constraint}: shadow price", r.shadow_price, "",
                  role="binding")
    if on_time is not None and len(on_time):
        sheet.add("mean on-time probability in the twin", float(on_time["p_on_time"].mean()),
                  "1")
        if "p_on_time_edd" in on_time:
            sheet.add("mean on-time probability with EDD dispatching",
                      float(on_time["p_on_time_edd"].mean()), "1")
        risky = on_time[on_time["p_on_time"] < 0.9].sort_values("p_on_time").head(top)
        for r in risky.itertuples(index=False):
            sheet.add(f"on-time probability of order {r.order}", float(r.p_on_time), "1",
                      entities=[str(r.order)], role="risk")
        if len(risky):
            o = str(risky["order"].iloc[0])
            sheet.add("recommended action", f"expedite order {o} or add capacity for it",
                      entities=[o], role="action")
    return sheet


@register_facts("twinbench.twin.simulation.SimulationResult")
def _simulation_facts(res: Any, spec: Any = None, top: int = 5) -> FactSheet:
    ds = res.ds
    sheet = FactSheet("simulation", f"simulation of the line over {res.options['horizon_h']} "
                      f"hours, {ds.sizes['replication']} replications")
    sheet.vocabulary |= {str(x) for x in ds["station"].values} | {
        str(x) for x in ds["order"].values}
    if spec is not None:
        sheet.vocabulary |= spec_vocabulary(spec)
    summ = res.summary()
    line = summ[summ["station"] == ""].set_index("kpi")
    for kpi, name in (("throughput", "throughput"), ("oee", "OEE"), ("flow_time", "flow time"),
                      ("wip", "work in process"), ("energy_cost", "energy cost")):
        if kpi in line.index:
            r = line.loc[kpi]
            sheet.add(f"mean {name}", r["mean"], r["unit"])
            sheet.add(f"{name} 95% interval low", r["ci_low"], r["unit"])
            sheet.add(f"{name} 95% interval high", r["ci_high"], r["unit"])
    bn = res.bottlenecks()
    if len(bn):
        st = str(bn["station"].iloc[0])
        sheet.add("bottleneck station", st, entities=[st], role="bottleneck")
        sheet.add(f"share of hours {st} is the sole bottleneck", float(bn["sole"].iloc[0]),
                  "1", entities=[st], role="bottleneck")
    ot = res.on_time()
    risky = ot[np.isfinite(ot["p_on_time"]) & (ot["p_on_time"] < 0.9)]
    for r in risky.sort_values("p_on_time").head(top).itertuples(index=False):
        sheet.add(f"on-time probability of order {r.order}", float(r.p_on_time), "1",
                  entities=[str(r.order)], role="risk")
    return sheet
