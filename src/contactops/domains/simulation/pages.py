"""Page: What-if (Plan section) — edit a scenario (A), change agents, agent selection and
overflow for a variant (B), run both with the same seeds and read them side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.simulation import service
from contactops.domains.simulation.api import apply_changes
from contactops.engines.kpi.catalog import kpi
from contactops.engines.simulation.report import ALL
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import format_local_datetime
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import (
    NavItem,
    form_data,
    page_router,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("plan", _l("What-if"), "/plan/what-if", Permission.VIEW_PLAN, 50))
router = page_router()

PATH = "/plan/what-if"
TEMPLATE = "simulation/what_if.html"
EXAMPLES_DIR = Path(__file__).parent / "examples"
EXAMPLE = "two-queues"
DEFAULT_REPLICATIONS = 5
CHANGE_FIELDS = ("agents", "selection", "overflow")  # what B's panel changes, by input name
# Rows of the KPI tables, in reading order (the report holds these and a few more).
TABLE_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "abandon_rate",
    "sl_abandons_against",
    "sl_answered",
    "asa",
    "avg_wait",
    "longest_wait",
    "aht",
    "occupancy",
    "transfer_rate",
    "overflowed",
    "blocked",
    "timed_out",
    "callbacks_requested",
    "agent_hours",
)


def example_text() -> str:
    return (EXAMPLES_DIR / f"{EXAMPLE}.yaml").read_text(encoding="utf-8")


# --- where in the text a field is --------------------------------------------------------


def _path_parts(path: str) -> list[str | int]:
    """``queues[1].talk.mean_s`` → ["queues", 1, "talk", "mean_s"]."""
    parts: list[str | int] = []
    for piece in path.split("."):
        name, _sep, rest = piece.partition("[")
        if name:
            parts.append(name)
        for index in filter(None, rest.replace("]", "").split("[")):
            parts.append(int(index) if index.isdigit() else index)
    return parts


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the field ``path`` in a scenario's YAML text (the deepest part of
    the path that is there), or None when the text does not parse or the path is empty."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in _path_parts(path) if path and path != "scenario" else []:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


# --- the Variant B panel ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    name: str
    skills: str
    count_a: int | None
    count_b: str


@dataclass(frozen=True)
class QueueRow:
    code: str
    selection_a: str | None
    selection_b: str
    overflow_a: str | None
    overflow_after_b: str
    overflow_to_b: str


def _overflow_text(after_s: float, target: str) -> str:
    return _("to %(queue)s after %(seconds)s s", queue=target, seconds=f"{after_s:g}")


def panel_of(variant: service.Variant, form: FormData | None) -> tuple[list[Any], list[Any]]:
    """Rows of the Variant B panel: A's values, and B's as submitted (else A's)."""

    def posted(name: str, default: str) -> str:
        value = form.get(name) if form is not None else None
        return value if isinstance(value, str) else default

    groups = [
        GroupRow(
            g.name,
            ", ".join(f"{code} ({level})" for code, level in g.skills.items()),
            g.count,
            posted(f"b_agents.{g.name}", str(g.count)),
        )
        for g in variant.scenario.agents
    ]
    queues = []
    for q in variant.scenario.queues:
        after = f"{q.overflow.after_s:g}" if q.overflow else ""
        target = q.overflow.to if q.overflow else ""
        queues.append(
            QueueRow(
                q.code,
                q.selection.value,
                posted(f"b_selection.{q.code}", q.selection.value),
                _overflow_text(q.overflow.after_s, q.overflow.to) if q.overflow else None,
                posted(f"b_overflow_after.{q.code}", after),
                posted(f"b_overflow_to.{q.code}", target),
            )
        )
    return groups, queues


def _posted_panel(form: FormData) -> tuple[list[Any], list[Any]]:
    """The panel as submitted, when A cannot be read (so B's inputs are not lost)."""
    groups = [
        GroupRow(key.removeprefix("b_agents."), "", None, str(value))
        for key, value in form.multi_items()
        if key.startswith("b_agents.")
    ]
    queues = [
        QueueRow(
            code,
            None,
            str(value),
            None,
            str(form.get(f"b_overflow_after.{code}", "")),
            str(form.get(f"b_overflow_to.{code}", "")),
        )
        for key, value in form.multi_items()
        if key.startswith("b_selection.") and (code := key.removeprefix("b_selection."))
    ]
    return groups, queues


def changes_of(groups: list[GroupRow], queues: list[QueueRow]) -> service.Changes:
    """B's inputs → the changes to apply to A; a bad number names its input."""
    agents: dict[str, int] = {}
    for group in groups:
        try:
            agents[group.name] = int(group.count_b.strip())
        except ValueError:
            raise InvalidInput(f"agents.{group.name}", _("Enter a whole number.")) from None
    overflow: dict[str, tuple[float, str]] = {}
    for queue in queues:
        after = queue.overflow_after_b.strip()
        try:
            after_s = float(after) if after else 0.0
        except ValueError:
            raise InvalidInput(f"overflow.{queue.code}", _("Enter a number.")) from None
        overflow[queue.code] = (after_s, queue.overflow_to_b.strip())
    return service.Changes(
        agents=agents,
        selection={q.code: q.selection_b for q in queues},
        overflow=overflow,
    )


# --- reports as the page shows them ------------------------------------------------------


def _better(kpi_better: str, difference: float | None, distinct: bool) -> str | None:
    if not distinct or difference is None or difference == 0 or kpi_better == "neutral":
        return None
    return "better" if (difference > 0) == (kpi_better == "higher") else "worse"


def tables_of(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per scope (the whole center first): each KPI's A, B and B − A, and whether
    the two 95% intervals are apart (then which way is better, by the catalog)."""
    differences, distinct = service.compare_reports(a, b)
    tables = []
    for scope in a["scopes"]:
        rows = []
        for kpi_id in TABLE_KPIS:
            item = kpi(kpi_id)
            a_estimate = a["kpis"].get(scope, {}).get(kpi_id, {})
            b_estimate = b["kpis"].get(scope, {}).get(kpi_id, {})
            if a_estimate.get("mean") is None and b_estimate.get("mean") is None:
                continue
            apart = distinct[scope][kpi_id]
            rows.append(
                {
                    "kpi": item,
                    "a": a_estimate,
                    "b": b_estimate,
                    "difference": differences[scope][kpi_id],
                    "distinct": apart,
                    "verdict": _better(item.better, differences[scope][kpi_id], apart),
                }
            )
        label = _("All queues") if scope == ALL else scope
        tables.append({"scope": scope, "label": label, "rows": rows})
    return tables


def chart_of(a: dict[str, Any], b: dict[str, Any], time_zone: str) -> dict[str, Any]:
    """What simulation.js draws: for the whole center and per queue, offered and service level
    of A and B per interval (all from the KPI engine), labelled in ``time_zone``."""
    moments = sorted(
        {datetime.fromisoformat(row["interval"]) for row in [*a["intervals"], *b["intervals"]]}
    )
    days = {format_local_datetime(m, time_zone, "yyyy-MM-dd") for m in moments}
    pattern = "HH:mm" if len(days) <= 1 else "MM-dd HH:mm"
    position = {m: i for i, m in enumerate(moments)}
    queues = list(a["scopes"])  # the whole center first, then each queue
    series: dict[str, dict[str, dict[str, list[float | None]]]] = {}
    for name, report in (("a", a), ("b", b)):
        for queue in queues:
            series.setdefault(queue, {})[name] = {
                "offered": [0.0] * len(moments),
                "service_level": [None] * len(moments),
            }
        for row in report["intervals"]:
            if row["queue"] not in series:
                continue
            i = position[datetime.fromisoformat(row["interval"])]
            values = series[row["queue"]][name]
            values["offered"][i] = row["offered"]
            values["service_level"][i] = row["sl_abandons_against"]
    return {
        "times": [format_local_datetime(m, time_zone, pattern) for m in moments],
        "queues": queues,
        "queue_labels": {q: _("All queues") if q == ALL else q for q in queues},
        "series": series,
        "labels": {
            "offered_a": _("Offered, A"),
            "offered_b": _("Offered, B"),
            "service_level_a": _("Service level, A"),
            "service_level_b": _("Service level, B"),
            "contacts": _("Contacts"),
            "percent": _("Percent"),
            "time": _("Interval start (%(zone)s)", zone=time_zone),
        },
    }


def summary_of(report: dict[str, Any]) -> dict[str, Any]:
    contacts = report["contacts"]
    return {
        "replications": report["replications"],
        "contacts": sum(contacts) / len(contacts) if contacts else 0,
    }


# --- the page ----------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("day", _("Enter a date as YYYY-MM-DD.")) from None


def _error_context(error: InvalidInput, text: str) -> dict[str, str]:
    """Field → message for the form; a scenario path gets its line in the editor."""
    errors = {}
    for item in error.errors or []:
        field, message = item.field, item.message
        if field in ("replications", "day") or field.split(".")[0] in CHANGE_FIELDS:
            errors[field] = message
            continue
        if field == "scenario":
            errors["scenario"] = message
            continue
        line = line_of(text, field)
        where = _("Line %(line)s, %(field)s", line=line, field=field) if line else field
        errors["scenario"] = f"{where}: {message.removeprefix(field + ': ')}"
    return errors


def _context(
    principal: Principal,
    text: str,
    replications: str,
    form: FormData | None,
) -> tuple[dict[str, Any], service.Variant | None]:
    context: dict[str, Any] = {
        "scenario_text": text,
        "replications": replications,
        "errors": {},
        "time_zone": principal.time_zone,
    }
    try:
        variant = service.parse_scenario(text)
    except InvalidInput as error:
        context["errors"] = _error_context(error, text)
        context["groups"], context["queues"] = _posted_panel(form) if form else ([], [])
        return context, None
    context["groups"], context["queues"] = panel_of(variant, form)
    context["queue_codes"] = [q.code for q in variant.scenario.queues]
    context["start"] = format_local_datetime(variant.scenario.start, principal.time_zone, "short")
    context["scenario_zone"] = variant.scenario.time_zone
    return context, variant


@router.get(PATH)
def what_if(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    """The editor, starting from the tenant's own history (or the example, when asked or when
    the tenant has no active queue yet)."""
    args = request.query_params
    note = None
    status = 200
    errors: dict[str, str] = {}
    day_value = args.get("day", "")
    if args.get("example") == EXAMPLE:
        text = example_text()
    else:
        try:
            day = _date(day_value)
        except InvalidInput as error:
            errors, day, status = {"day": error.detail}, None, 422
        mapping = service.tenant_scenario(request.app.state.db, principal, principal.time_zone, day)
        text = service.to_yaml(mapping)
        try:
            service.variant_of(mapping)
        except InvalidInput:
            note = _(
                "This center has no active queue yet, so the editor starts from the example "
                "scenario."
            )
            text = example_text()
    context, _variant = _context(principal, text, str(DEFAULT_REPLICATIONS), None)
    context["errors"].update(errors)
    context.update(note=note, day=day_value, example=EXAMPLE)
    return render(request, TEMPLATE, context, title=_("What-if"), status_code=status)


@router.post(PATH)
def run_what_if(
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    """Run A and B (or, with action=refresh, only rebuild the B panel from the scenario)."""
    text = str(form.get("scenario", ""))
    replications_text = str(form.get("replications", "")).strip() or str(DEFAULT_REPLICATIONS)
    context, a = _context(principal, text, replications_text, form)
    context.update(day="", example=EXAMPLE, note=None)
    title = _("What-if")
    if a is None:
        return render(request, TEMPLATE, context, title=title, status_code=422)
    if form.get("action") == "refresh":
        context["groups"], context["queues"] = panel_of(a, None)
        return render(request, TEMPLATE, context, title=title)
    try:
        try:
            replications = int(replications_text)
        except ValueError:
            raise InvalidInput("replications", _("Enter a whole number.")) from None
        b = apply_changes(a, changes_of(context["groups"], context["queues"]), "changes")
        report_a = service.report_dict(service.run(a, replications))
        report_b = service.report_dict(service.run(b, replications))
    except InvalidInput as error:
        context["errors"] = _run_errors(error)
        return render(request, TEMPLATE, context, title=title, status_code=422)
    context.update(
        tables=tables_of(report_a, report_b),
        chart=chart_of(report_a, report_b, principal.time_zone),
        summary_a=summary_of(report_a),
        summary_b=summary_of(report_b),
    )
    return render(request, TEMPLATE, context, title=title)


def _run_errors(error: InvalidInput) -> dict[str, str]:
    """Errors of a run: B's inputs and replications by name; anything else about B as a whole
    (an overflow to a queue that does not exist) above the panel, under ``changes``."""
    errors = {}
    for item in error.errors:
        field = item.field.removeprefix("changes.")
        if field == "replications" or field.split(".")[0] in CHANGE_FIELDS:
            errors[field] = item.message
        else:
            errors["changes"] = item.message
    return errors
