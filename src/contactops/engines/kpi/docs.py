"""``docs/metrics.md``, generated from the catalog so the page can never disagree with the code.

Regenerate with ``python -m contactops.engines.kpi.docs > docs/metrics.md``; a test fails when the
committed page is stale.
"""

from __future__ import annotations

from dataclasses import fields

from contactops.engines.kpi.catalog import (
    AGENT_TIME,
    CATALOG,
    FIRST_ANSWERED_TIME,
    FIRST_LEG_TIME,
    GROUPS,
    LEG_TIME,
    PARAMETER_DOCS,
    SCHEDULE_TIME,
    SURVEY_TIME,
    TICKET_TIME,
    Group,
    Kpi,
    KpiParameters,
)

GROUP_TITLES: dict[Group, str] = {
    "volume": "Volume",
    "speed": "Speed of answer",
    "service_level": "Service level",
    "handling": "Handling",
    "quality": "Resolution and repeats",
    "workforce": "Workforce",
    "cost": "Cost",
    "experience": "Customer experience",
}

INTRO = """\
# Metrics

ContactOps computes every figure from one event log with one definition. Connectors, the
simulator and the live router all write the same canonical events; the KPI engine derives one
*leg* per contact per queue visit from them and computes every metric below from the legs, the
agent-state log, published schedules, survey answers and the ticket event log, in DuckDB. A
number therefore means the same thing on every page, in every export, in the API and in the
tests. Where vendors disagree (service level above all), the catalog offers the variants side by
side under their own ids and says which vendor each follows.

This page is generated from `src/contactops/engines/kpi/catalog.py`
(`python -m contactops.engines.kpi.docs > docs/metrics.md`); edit the catalog, not this page."""

RULES = f"""\
## Time attribution and other rules

- **Legs.** {LEG_TIME} Intervals are left-closed `[start, start + interval)`.
- **Contacts (FCR, resolution rate).** {FIRST_ANSWERED_TIME}
- **Contacts (repeat rate).** {FIRST_LEG_TIME}
- **Surveys.** {SURVEY_TIME}
- **Agent time.** {AGENT_TIME}
- **Scheduled time (adherence, conformance).** {SCHEDULE_TIME}
- **Tickets.** {TICKET_TIME}
- **Local time.** Intervals, days, weeks (ISO, starting Monday) and months are those of the
  report's time zone. An interval starts at the last instant the local clock read its start
  time: on the night clocks go back, 02:00–02:30 exists twice and is reported twice, with its
  own UTC offset; on the night they go forward, the skipped times have no interval.
- **Grouping.** By interval, time of day, weekday, day, week, month, queue, channel, agent
  (the answering agent for leg KPIs), team (from the agent → team mapping) and tenant. Every
  ratio is Σ numerator ÷ Σ denominator over the group, never an average of ratios.
- **Nulls.** A ratio or mean with a zero denominator is null, never 0 or NaN. Counts are whole
  numbers; ratios are fractions from 0 to 1 (NPS from −100 to 100)."""


def _parameters_table() -> str:
    defaults = KpiParameters()
    lines = [
        "## Parameters",
        "",
        "Every figure is computed with these values and shows the ones it used.",
        "",
        "| parameter | default | meaning |",
        "|---|---|---|",
    ]
    for field in fields(KpiParameters):
        value = getattr(defaults, field.name)
        if value is None:
            shown = "not set"
        elif isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, tuple):
            shown = ", ".join(value) or "none"
        else:
            shown = f"{value:g}"
        lines.append(f"| `{field.name}` | {shown} | {PARAMETER_DOCS[field.name]} |")
    return "\n".join(lines)


def _kpi_section(k: Kpi) -> str:
    parameters = ", ".join(f"`{p}`" for p in k.parameters) or "—"
    return "\n".join(
        [
            f"### {k.name} (`{k.id}`)",
            "",
            f"*{k.short}*",
            "",
            f"- **Formula:** {k.formula}",
            f"- **Unit:** {k.unit} · **Better:** {k.better} · **Parameters:** {parameters}"
            f" · **Source:** {k.source}",
            "",
            k.definition,
        ]
    )


def render_metrics_markdown() -> str:
    """The whole metrics page: intro, parameters, attribution rules, one section per group."""
    sections = [INTRO, _parameters_table(), RULES]
    for group in GROUPS:
        members = [k for k in CATALOG if k.group == group]
        if members:
            sections.append(f"## {GROUP_TITLES[group]}")
            sections.extend(_kpi_section(k) for k in members)
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    print(render_metrics_markdown(), end="")
