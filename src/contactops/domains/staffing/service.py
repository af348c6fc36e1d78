"""Staffing calculator: check rows, staff or evaluate them with the queueing engine, in order.

One row is one interval of one queue. A row with ``agents`` (``lines`` for Erlang B) is
evaluated; a row without is solved for the fewest agents meeting its targets. Many rows are
answered together: each is checked on its own (a bad row becomes a :class:`StaffingError`, the
others still get answers), the good ones are grouped by model and by evaluate/solve, and each
group goes to the engine once as arrays (NaN where a row sets no target), so a file of a
hundred thousand rows costs six vectorised engine calls, not a hundred thousand.

Pure computation: no database and no tenant data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from contactops.domains.staffing.schemas import (
    MAX_ROWS_PER_REQUEST,
    ModelName,
    StaffingError,
    StaffingResponse,
    StaffingResult,
    StaffingRow,
)
from contactops.engines.queueing.staffing import (
    Model,
    Performance,
    Targets,
    evaluate,
    required_agents,
    scheduled_agents,
)
from contactops.platform.errors import DomainError, FieldError
from contactops.platform.i18n import format_number
from contactops.platform.i18n import gettext as _

FloatArray = npt.NDArray[np.float64]
MODELS: tuple[ModelName, ...] = ("erlang_b", "erlang_c", "erlang_a")
_ALWAYS = frozenset({"model", "calls", "interval_s", "aht_s", "agents", "shrinkage", "concurrency"})
# The optional inputs each model understands; any other field set on a row is an error.
FIELDS_FOR_MODEL: dict[str, frozenset[str]] = {
    "erlang_b": _ALWAYS | {"lines", "max_blocking"},
    "erlang_c": _ALWAYS | {"target_sl", "target_s", "target_asa_s", "max_occupancy"},
    "erlang_a": _ALWAYS
    | {"target_sl", "target_s", "target_asa_s", "max_occupancy", "max_abandon", "patience_s"},
}
# A row without a staffing level must set at least one of these (the first is named if none).
TARGETS_FOR_MODEL: dict[str, tuple[str, ...]] = {
    "erlang_b": ("max_blocking",),
    "erlang_c": ("target_sl", "target_asa_s", "max_occupancy"),
    "erlang_a": ("target_sl", "target_asa_s", "max_abandon", "max_occupancy"),
}
CHUNK_ROWS = MAX_ROWS_PER_REQUEST  # rows held in memory (and sent to the engine) at once


class InvalidRow(DomainError):
    """A row that cannot be answered; ``errors`` name every field that is wrong."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = " ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        super().__init__(detail, errors=errors)


# --- checking one row ---------------------------------------------------------------------

Unit = Literal["same", "percent", "minutes"]


@dataclass(frozen=True)
class FormField:
    """A calculator-form input: the row field it fills and the unit people type it in."""

    name: str
    row_field: str
    unit: Unit = "same"


FORM_FIELDS = (
    FormField("model", "model"),
    FormField("calls", "calls"),
    FormField("interval_minutes", "interval_s", "minutes"),
    FormField("aht_s", "aht_s"),
    FormField("agents", "agents"),
    FormField("target_sl_percent", "target_sl", "percent"),
    FormField("target_s", "target_s"),
    FormField("target_asa_s", "target_asa_s"),
    FormField("max_abandon_percent", "max_abandon", "percent"),
    FormField("max_occupancy_percent", "max_occupancy", "percent"),
    FormField("max_blocking_percent", "max_blocking", "percent"),
    FormField("patience_s", "patience_s"),
    FormField("shrinkage_percent", "shrinkage", "percent"),
    FormField("concurrency", "concurrency"),
)
_FORM_BY_ROW_FIELD = {f.row_field: f for f in FORM_FIELDS}
_WHOLE_NUMBER_FIELDS = frozenset({"agents", "lines", "concurrency"})


def _in_unit(limit: float, unit: Unit) -> str:
    """A limit on a row field, said in the unit of the form field that fills it."""
    value = limit * 100 if unit == "percent" else limit / 60 if unit == "minutes" else limit
    return format_number(round(value, 6))


def _explain(detail: ErrorDetails, unit: Unit = "same") -> str:
    """A translated sentence for one Pydantic error (its English ``msg`` as the fallback)."""
    kind, context = detail["type"], detail.get("ctx", {})
    bounds = {
        "greater_than": ("gt", _("Must be more than %(limit)s.")),
        "greater_than_equal": ("ge", _("Must be at least %(limit)s.")),
        "less_than": ("lt", _("Must be less than %(limit)s.")),
        "less_than_equal": ("le", _("Must be at most %(limit)s.")),
    }
    if kind in bounds:
        key, message = bounds[kind]
        return message % {"limit": _in_unit(float(context[key]), unit)}
    messages = {
        "missing": _("Required."),
        "extra_forbidden": _("Unknown field."),
        "int_type": _("Must be a whole number."),
        "int_from_float": _("Must be a whole number."),
        "int_parsing": _("Must be a whole number."),
        "float_type": _("Must be a number."),
        "float_parsing": _("Must be a number."),
        "finite_number": _("Must be a finite number."),
        "literal_error": _("Must be one of %(choices)s.", choices=", ".join(MODELS)),
        "model_type": _("Must be a JSON object."),
        "model_attributes_type": _("Must be a JSON object."),
        "dict_type": _("Must be a JSON object."),
        "json_invalid": _("Not valid JSON (%(reason)s).", reason=context.get("error", "")),
    }
    return messages.get(kind, detail["msg"])


def _field_errors(error: ValidationError, *, form: bool) -> list[FieldError]:
    errors = []
    for detail in error.errors():
        row_field = ".".join(str(part) for part in detail["loc"])
        form_field = _FORM_BY_ROW_FIELD.get(row_field) if form else None
        name = form_field.name if form_field else row_field
        errors.append(FieldError(name, _explain(detail, form_field.unit if form_field else "same")))
    return errors


def _rule_errors(row: StaffingRow) -> list[FieldError]:
    """What a model needs beyond each field's range: its inputs, and a staffing or a target."""
    unused = row.model_fields_set - FIELDS_FOR_MODEL[row.model]
    errors = [
        FieldError(name, _("Does not apply to %(model)s.", model=row.model))
        for name in sorted(unused)
        if getattr(row, name) is not None  # an explicit null (an empty CSV cell) is no input
    ]
    if row.model == "erlang_a" and row.patience_s is None:
        errors.append(FieldError("patience_s", _("Required for %(model)s.", model=row.model)))
    if row.target_sl is not None and row.target_s is None:
        errors.append(FieldError("target_s", _("Required with a service-level target.")))
    if row.model == "erlang_b" and row.agents is not None and row.lines is not None:
        errors.append(FieldError("lines", _("Give lines or agents, not both.")))
    targets = TARGETS_FOR_MODEL[row.model]
    if staffing_of(row) is None and all(getattr(row, name) is None for name in targets):
        errors.append(
            FieldError(
                targets[0],
                _(
                    "Give agents to evaluate, or at least one target to solve for: %(targets)s.",
                    targets=", ".join(targets),
                ),
            )
        )
    return errors


def _checked(row: StaffingRow, *, form: bool = False) -> StaffingRow:
    errors = _rule_errors(row)
    if errors:
        if form:
            errors = [
                FieldError(_FORM_BY_ROW_FIELD[e.field].name, e.message)
                if e.field in _FORM_BY_ROW_FIELD
                else e
                for e in errors
            ]
        raise InvalidRow(errors)
    return row


def validate_row(data: object) -> StaffingRow:
    """A checked row from a parsed JSON object; :class:`InvalidRow` names each wrong field."""
    try:
        row = StaffingRow.model_validate(data)
    except ValidationError as error:
        raise InvalidRow(_field_errors(error, form=False)) from None
    return _checked(row)


def parse_line(text: str | bytes) -> StaffingRow:
    """A checked row from one JSON line (bad JSON is an :class:`InvalidRow` too)."""
    try:
        row = StaffingRow.model_validate_json(text)
    except ValidationError as error:
        raise InvalidRow(_field_errors(error, form=False)) from None
    return _checked(row)


def row_from_form(values: Mapping[str, str]) -> StaffingRow:
    """A checked row from the calculator form (percent, minutes); errors name form fields.

    Empty inputs are unset; inputs the chosen model does not use are ignored, so switching the
    model does not make the hidden fields errors. A decimal comma is accepted.
    """
    model = values.get("model") or "erlang_c"
    data: dict[str, object] = {"model": model}
    errors: list[FieldError] = []
    allowed = FIELDS_FOR_MODEL.get(model, _ALWAYS)
    for field in FORM_FIELDS[1:]:
        text = (values.get(field.name) or "").strip().replace(",", ".")
        if not text or field.row_field not in allowed:
            continue
        try:
            number = float(text)
        except ValueError:
            errors.append(FieldError(field.name, _("Must be a number.")))
            continue
        if field.unit == "percent":
            number /= 100
        elif field.unit == "minutes":
            number *= 60
        if field.row_field in _WHOLE_NUMBER_FIELDS and number.is_integer():
            data[field.row_field] = int(number)
        else:
            data[field.row_field] = number
    try:
        row = StaffingRow.model_validate(data)
    except ValidationError as error:
        unparsed = {e.field for e in errors}  # already said: "Must be a number", not "Required"
        later = [e for e in _field_errors(error, form=True) if e.field not in unparsed]
        raise InvalidRow(errors + later) from None
    if errors:
        raise InvalidRow(errors)
    return _checked(row, form=True)


def staffing_of(row: StaffingRow) -> int | None:
    """The staffing a row asks to evaluate (lines or agents), or None to solve for it."""
    return row.lines if row.lines is not None else row.agents


def offered_load_erlangs(row: StaffingRow) -> float:
    """A = λ · AHT = calls / interval_s · aht_s."""
    return row.calls / row.interval_s * row.aht_s


# --- answering many rows ------------------------------------------------------------------


_NUMERIC_FIELDS = (
    "calls",
    "interval_s",
    "aht_s",
    "agents",
    "lines",
    "target_sl",
    "target_s",
    "target_asa_s",
    "max_abandon",
    "max_occupancy",
    "max_blocking",
    "patience_s",
    "shrinkage",
    "concurrency",
)
_numeric_values = attrgetter(*_NUMERIC_FIELDS)


def _columns(rows: Sequence[StaffingRow]) -> dict[str, FloatArray]:
    """Every numeric input of every row, one float array per field (NaN where unset)."""
    table = np.array([_numeric_values(row) for row in rows], dtype=np.float64)
    table = table.reshape(len(rows), len(_NUMERIC_FIELDS))
    return {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(_NUMERIC_FIELDS)}


def _given(values: FloatArray) -> FloatArray | None:
    """A target column, or None when no row sets it (the engine refuses targets a model lacks)."""
    return None if np.isnan(values).all() else values


def _thresholds(columns: dict[str, FloatArray]) -> FloatArray | None:
    """Service-level thresholds; rows without one get 0 s, and their service level is dropped
    in :func:`_results` (the engine wants a finite threshold on every row, NaN is refused)."""
    values = _given(columns["target_s"])
    return None if values is None else np.nan_to_num(values, nan=0.0)


def _performance(model: ModelName, columns: dict[str, FloatArray], evaluating: bool) -> Performance:
    """One engine call for rows of one model that are all evaluated or all solved."""
    common: dict[str, Any] = {
        "calls": columns["calls"],
        "interval_s": columns["interval_s"],
        "aht_s": columns["aht_s"],
        "concurrency": columns["concurrency"].astype(np.int64),
        "patience_s": columns["patience_s"] if model == "erlang_a" else None,
    }
    if evaluating:
        lines, agents = columns["lines"], columns["agents"]
        staffing = np.where(np.isnan(lines), agents, lines).astype(np.int64)
        return evaluate(
            Model(model), agents=staffing, service_level_s=_thresholds(columns), **common
        )
    targets = Targets(
        service_level=_given(columns["target_sl"]),
        service_level_s=_thresholds(columns),
        asa_s=_given(columns["target_asa_s"]),
        max_abandon=_given(columns["max_abandon"]),
        max_occupancy=_given(columns["max_occupancy"]),
        max_blocking=_given(columns["max_blocking"]),
    )
    return required_agents(Model(model), targets=targets, **common)


def _finite_or_none(values: FloatArray | None, size: int) -> list[float | None]:
    if values is None:
        return [None] * size
    array = np.broadcast_to(np.asarray(values, dtype=np.float64), (size,))
    return [v if math.isfinite(v) else None for v in array.tolist()]


_RESULT_LIST = TypeAdapter(list[StaffingResult])


def _results(performance: Performance, columns: dict[str, FloatArray]) -> list[StaffingResult]:
    """Rows of results from the engine's columns (non-finite values become None)."""
    size = len(columns["calls"])
    agents = np.broadcast_to(np.asarray(performance.agents, dtype=np.int64), (size,))
    service_level = performance.service_level
    if service_level is not None:
        # A row without a threshold was measured at 0 s, which is not what it asked about.
        service_level = np.where(np.isnan(columns["target_s"]), np.nan, service_level)
    results = {
        "agents": agents.tolist(),
        "scheduled_agents": scheduled_agents(agents, columns["shrinkage"]).tolist(),
        "service_level": _finite_or_none(service_level, size),
        "asa_s": _finite_or_none(performance.asa_s, size),
        "p_wait": _finite_or_none(performance.p_wait, size),
        "p_abandon": _finite_or_none(performance.p_abandon, size),
        "occupancy": _finite_or_none(performance.occupancy, size),
        "p_block": _finite_or_none(performance.p_block, size),
        "feasible": np.broadcast_to(performance.feasible, (size,)).tolist(),
    }
    names = tuple(results)
    # One validation pass in pydantic-core is several times faster than a model per row.
    return _RESULT_LIST.validate_python(
        [dict(zip(names, values, strict=True)) for values in zip(*results.values(), strict=True)]
    )


Answer = StaffingResult | StaffingError


def answer(items: Sequence[StaffingRow | StaffingError]) -> list[Answer]:
    """Results in input order; errors stay where they were. One engine call per group."""
    answers: list[Answer | None] = [i if isinstance(i, StaffingError) else None for i in items]
    groups: dict[tuple[ModelName, bool], tuple[list[int], list[StaffingRow]]] = {}
    for index, item in enumerate(items):
        if isinstance(item, StaffingRow):
            key = (item.model, staffing_of(item) is not None)
            indices, rows = groups.setdefault(key, ([], []))
            indices.append(index)
            rows.append(item)
    for (model, evaluating), (indices, rows) in groups.items():
        columns = _columns(rows)
        results = _results(_performance(model, columns, evaluating), columns)
        for index, result in zip(indices, results, strict=True):
            answers[index] = result
    complete = [a for a in answers if a is not None]
    assert len(complete) == len(items), "every row is answered"
    return complete


def _error_item(error: InvalidRow, line: int) -> StaffingError:
    return StaffingError(
        error=_("Line %(line)d: %(problems)s", line=line, problems=error.detail),
        field=error.errors[0].field if error.errors else None,
        line=line,
    )


def answer_rows(rows: Sequence[object]) -> list[Answer]:
    """Answers to parsed JSON rows (the REST batch); ``line`` in errors is the 1-based row."""
    items: list[StaffingRow | StaffingError] = []
    for line, data in enumerate(rows, start=1):
        try:
            items.append(validate_row(data))
        except InvalidRow as error:
            items.append(_error_item(error, line))
    return answer(items)


def answer_lines(
    lines: Iterable[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Answer]:
    """Answers to JSON lines, one per non-blank line, in order; errors give the file line.

    Lines are taken ``chunk_rows`` at a time so memory stays flat on any file size;
    ``progress`` is told how many lines each chunk consumed.
    """
    numbered = enumerate(lines, start=1)
    while chunk := list(islice(numbered, chunk_rows)):
        items: list[StaffingRow | StaffingError] = []
        for line, text in chunk:
            if not text.strip():
                continue
            try:
                items.append(parse_line(text))
            except InvalidRow as error:
                items.append(_error_item(error, line))
        yield from answer(items)
        if progress is not None:
            progress(len(chunk))


def calculate(data: Mapping[str, object]) -> StaffingResult:
    """The answer to one row; :class:`InvalidRow` if it is not valid."""
    (result,) = answer([validate_row(dict(data))])
    assert isinstance(result, StaffingResult)
    return result


def calculate_row(row: StaffingRow) -> StaffingResult:
    """The answer to one row already checked (by :func:`row_from_form`, say)."""
    (result,) = answer([row])
    assert isinstance(result, StaffingResult)
    return result


def response_json(answers: Sequence[Answer]) -> bytes:
    """The REST response body, serialised in one pass (no per-item validation)."""
    return StaffingResponse.model_construct(results=list(answers)).model_dump_json().encode()


# --- the curve around an answer -----------------------------------------------------------

CURVE_POINTS = 41


@dataclass(frozen=True)
class Curve:
    """Metrics of one row at staffing levels around ``answer`` (None: not applicable or
    not finite, e.g. the ASA of an overloaded Erlang C queue)."""

    answer: int
    agents: list[int]
    service_level: list[float | None] | None
    asa_s: list[float | None] | None
    occupancy: list[float | None] | None
    p_abandon: list[float | None] | None
    p_block: list[float | None] | None


def curve_agents(answer_agents: int, points: int = CURVE_POINTS) -> list[int]:
    """Staffing levels from about 25 % below the answer to 25 % above (at least ± 5)."""
    span = max(5, math.ceil(answer_agents * 0.25))
    low, high = max(1, answer_agents - span), answer_agents + span
    levels = np.linspace(low, high, min(points, high - low + 1)).round().astype(np.int64)
    return sorted({*levels.tolist(), answer_agents})


def curve(row: StaffingRow, answer_agents: int) -> Curve:
    """Service level, ASA, occupancy (abandonment, blocking) at each level near the answer."""
    agents = curve_agents(answer_agents)
    performance = evaluate(
        Model(row.model),
        calls=row.calls,
        interval_s=row.interval_s,
        aht_s=row.aht_s,
        agents=np.asarray(agents, dtype=np.int64),
        patience_s=row.patience_s if row.model == "erlang_a" else None,
        service_level_s=row.target_s,
        concurrency=row.concurrency,
    )
    size = len(agents)

    def metric(values: FloatArray | None) -> list[float | None] | None:
        return None if values is None else _finite_or_none(values, size)

    return Curve(
        answer=answer_agents,
        agents=agents,
        service_level=metric(performance.service_level) if row.target_s is not None else None,
        asa_s=metric(performance.asa_s),
        occupancy=metric(performance.occupancy),
        p_abandon=metric(performance.p_abandon),
        p_block=metric(performance.p_block),
    )
