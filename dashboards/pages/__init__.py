"""The dashboard's pages, one per module; each a :class:`panel.viewable.Viewer` over a
:class:`twinbench.workbench.Workbench`.

========================  ================================================================
``overview``              the line, its data, its plan's headline KPIs and wear alerts
``maintenance``           failure probability and remaining useful life per machine
``schedule``              the week's schedule, its on-time risk in the twin, approval
``supply``                the supply plan: flows, production and stock, approval
``whatif``                a what-if built from widgets, run and compared with the base
``ask``                   questions to the twin, checked answers, an HTML report
``shared``                what pages share: tables, KPI numbers, the signed-in user,
                          the approval gate
========================  ================================================================
"""
