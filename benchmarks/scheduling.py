"""Shift scheduling: ContactOps against pyworkforce on the shift-count problem, and the full
agent schedule at center scale, in one run.

1. Shift counts, like with like: a week of half-hour requirements (a weekday and a weekend
   curve), 8-hour shifts. pyworkforce's ``MinAbsDifference`` and ``MinRequiredResources`` get
   one shift type per start time, each a 0/1 coverage row of the day (its format: no break
   placement, no shifts past midnight); ContactOps' ``solve_shift_counts`` gets the same starts
   with no breaks first (the objectives must agree: the same model), then the same shifts with
   a 30-minute paid break, a 30-minute unpaid lunch and a second break, each in a window, and
   starts every 30 minutes. pyworkforce gets those breaks at fixed offsets baked into its rows
   (the nearest thing its format can say). Compared: under- and over-coverage in agent-half-hours,
   shifts, solver status and wall time.
2. The agent schedule at scale: ``--agents`` agents (three quarters full time 36–40 h, the rest
   part time 20–24 h) over ``--days`` days of 30-minute slots, early/day/late/night and
   part-time templates with breaks, every labour rule on; solved by ``solve`` with
   ``--time-limit`` seconds on ``--workers`` workers (stopping early at ``--relative-gap``). At
   this size ``solve`` uses the decomposition: the shift-count relaxation's proved bound, a
   first schedule from its counts, then neighbourhood search. Reported: build and solve time,
   status, objective, best bound, relative gap = (objective − bound) / objective, coverage and
   rule slacks. (pyworkforce has no agent-level scheduler to compare with.)

Usage: ``python benchmarks/scheduling.py [--agents 200] [--days 28] [--time-limit 300]
[--count-time-limit 60] [--workers 2] [--seed 1] [--relative-gap 0] [--write]`` (needs the
bench extra: ``pip install -e '.[bench]'``). ``--write`` replaces the section "Scheduling:
ContactOps vs pyworkforce" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section

from contactops.engines.scheduling import (
    Agent,
    BreakRule,
    Problem,
    Requirements,
    Rules,
    ShiftTemplate,
    SolveOptions,
    solve,
)
from contactops.engines.scheduling.candidates import all_candidates, grid_of
from contactops.engines.scheduling.shift_counts import solve_shift_counts

SLOT_MIN = 30
SLOTS = 1440 // SLOT_MIN
HALF_HOUR_BREAKS = (
    BreakRule(30, 90, 150),
    BreakRule(30, 210, 300, paid=False),
    BreakRule(30, 360, 420),
)


def daily_curve(peak: float, floor: float, weekend: bool) -> np.ndarray:
    """Agents wanted per half hour: a morning and an afternoon peak over a night floor."""
    hours = (np.arange(SLOTS) + 0.5) * SLOT_MIN / 60
    morning = np.exp(-(((hours - 11.0) / 2.2) ** 2))
    afternoon = 0.8 * np.exp(-(((hours - 15.5) / 2.5) ** 2))
    shape = np.maximum(morning, afternoon)
    scale = 0.6 if weekend else 1.0
    return np.rint(floor + (peak - floor) * scale * shape).astype(np.int64)


def week_requirements(days: int, peak: float, floor: float) -> np.ndarray:
    return np.stack([daily_curve(peak, floor, d % 7 >= 5) for d in range(days)])


# --- part 1: shift counts ----------------------------------------------------------------


def _row(start_min: int, length_min: int, breaks_at: tuple[int, ...] = ()) -> list[int]:
    row = [0] * SLOTS
    for m in range(start_min, start_min + length_min, SLOT_MIN):
        if m < 1440:
            row[m // SLOT_MIN] = 1
    for offset in breaks_at:
        row[(start_min + offset) // SLOT_MIN] = 0
    return row


def pyworkforce_counts(
    required: np.ndarray, starts: list[int], breaks_at: tuple[int, ...], kind: str, limit_s: float
) -> dict[str, Any]:
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    coverage = {f"S{s:04d}": _row(s, 480, breaks_at) for s in starts}
    cls = MinAbsDifference if kind == "min_abs_difference" else MinRequiredResources
    began = time.perf_counter()
    solver = cls(
        num_days=required.shape[0],
        periods=SLOTS,
        shifts_coverage=coverage,
        required_resources=required.tolist(),
        max_period_concurrency=int(required.max()) * 3,
        max_shift_concurrency=int(required.max()),
        max_search_time=limit_s,
        num_search_workers=2,
    )
    solution = solver.solve()
    elapsed = time.perf_counter() - began
    scheduled = np.zeros_like(required)
    shifts = 0
    for item in solution["resources_shifts"]:
        if item["resources"] > 0:
            scheduled[item["day"]] += item["resources"] * np.array(coverage[item["shift"]])
            shifts += item["resources"]
    return {
        "status": solution["status"].lower(),
        "under": int(np.maximum(required - scheduled, 0).sum()),
        "over": int(np.maximum(scheduled - required, 0).sum()),
        "shifts": shifts,
        "wall_s": elapsed,
    }


def contactops_counts(
    required: np.ndarray, templates: tuple[ShiftTemplate, ...], kind: str, args: argparse.Namespace
) -> dict[str, Any]:
    options = SolveOptions(time_limit_s=args.count_time_limit, seed=args.seed, workers=args.workers)
    result = solve_shift_counts(
        Requirements(SLOT_MIN, {"": required}),
        templates,
        kind,  # type: ignore[arg-type]
        max_per_shift=int(required.max()),
        options=options,
    )
    return {
        "status": result.status,
        "under": int(result.coverage.under.sum()),
        "over": int(result.coverage.over.sum()),
        "shifts": result.total_shifts,
        "wall_s": result.wall_time_s,
    }


def shift_count_part(args: argparse.Namespace) -> list[str]:
    required = week_requirements(7, peak=60, floor=4)
    required[:, : 6 * 60 // SLOT_MIN] = 0  # the center opens at 06:00 …
    required[:, 22 * 60 // SLOT_MIN :] = 0  # … and closes at 22:00 (pyworkforce: one day each)
    hourly_starts = list(range(6 * 60, 14 * 60 + 1, 60))
    half_hour_starts = list(range(6 * 60, 14 * 60 + 1, 30))
    fixed_breaks = (120, 270, 390)  # the window middles, rounded to the grid
    plain = (ShiftTemplate("S", tuple(hourly_starts), 480),)
    flexible = (ShiftTemplate("S", tuple(half_hour_starts), 480, HALF_HOUR_BREAKS),)
    lines = [
        f"A week of half-hour requirements ({int(required.sum())} agent-half-hours, peak "
        f"{int(required.max())}), 8-hour shifts.",
        "",
        "| objective | side | shifts | breaks | starts | status | under | over | shifts used "
        "| wall s |",
        "|---|---|---|---|---|---|---:|---:|---:|---:|",
    ]
    for kind in ("min_abs_difference", "min_resources"):
        rows = [
            (
                "pyworkforce",
                "none",
                "hourly",
                pyworkforce_counts(required, hourly_starts, (), kind, args.count_time_limit),
            ),
            ("ContactOps", "none", "hourly", contactops_counts(required, plain, kind, args)),
            (
                "pyworkforce",
                "fixed",
                "hourly",
                pyworkforce_counts(
                    required, hourly_starts, fixed_breaks, kind, args.count_time_limit
                ),
            ),
            ("ContactOps", "windows", "30 min", contactops_counts(required, flexible, kind, args)),
        ]
        for side, breaks, starts, r in rows:
            lines.append(
                f"| {kind} | {side} | 8 h | {breaks} | {starts} | {r['status']} | {r['under']} | "
                f"{r['over']} | {r['shifts']} | {r['wall_s']:.2f} |"
            )
    return lines


# --- part 2: the agent schedule -----------------------------------------------------------


def center_problem(agents: int, days: int, seed: int) -> Problem:
    """``agents`` agents over ``days`` days; requirements sized to ~95 % of their capacity."""
    rng = np.random.default_rng(seed)

    def window(first_h: float, last_h: float) -> tuple[int, ...]:
        return tuple(range(int(first_h * 60), int(last_h * 60) + 1, SLOT_MIN))

    templates = (
        ShiftTemplate("E", window(6, 8.5), 510, HALF_HOUR_BREAKS, cost_per_hour=20.0),
        ShiftTemplate("D", window(9, 11.5), 510, HALF_HOUR_BREAKS, cost_per_hour=20.0),
        ShiftTemplate("L", window(12, 15), 510, HALF_HOUR_BREAKS, cost_per_hour=22.0),
        ShiftTemplate("N", (22 * 60,), 510, HALF_HOUR_BREAKS, cost_per_hour=26.0),
        ShiftTemplate("P", window(8, 17), 240, (BreakRule(30, 90, 150),), cost_per_hour=20.0),
    )
    people = []
    for i in range(agents):
        full = i < agents * 3 // 4
        low, high = (36.0, 40.0) if full else (20.0, 24.0)
        allowed = ("E", "D", "L", "N") if full else ("P", "E", "D")
        off = tuple(int(d) for d in rng.choice(days, size=max(1, days // 14), replace=False))
        people.append(
            Agent(
                f"A{i:03d}",
                min_hours_per_week=low,
                max_hours_per_week=high,
                templates=allowed,
                fixed_days_off=off,
            )
        )
    # On duty per day at the contract minimum: 2 half-hours per paid hour, 14 of 16 off break.
    per_day = sum(a.min_hours_per_week for a in people) * 2 * 14 / 16 / 7 * 0.95
    base = np.stack([daily_curve(100, 8, d % 7 >= 5) for d in range(days)]).astype(float)
    scale = per_day / base.sum(axis=1, keepdims=True)
    required = np.rint(base * scale).astype(np.int64)
    return Problem(
        Requirements(SLOT_MIN, {"": required}),
        templates,
        tuple(people),
        Rules(
            max_consecutive_days=6,
            min_rest_hours=11,
            max_hours_per_week=48,
            min_days_off_per_week=1,
        ),
    )


def schedule_part(args: argparse.Namespace) -> list[str]:
    began = time.perf_counter()
    problem = center_problem(args.agents, args.days, args.seed)
    grid = grid_of(problem.requirements)
    candidates = len(all_candidates(problem.templates, grid))
    options = SolveOptions(
        time_limit_s=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        relative_gap=args.relative_gap,
    )
    schedule = solve(problem, options)
    total = time.perf_counter() - began
    cover = schedule.coverage[""]
    parts = schedule.objective_parts
    worst = min((c.slack for c in schedule.rule_checks), default=float("nan"))
    return [
        f"{args.agents} agents × {args.days} days of {SLOT_MIN}-minute slots, {candidates} "
        f"candidate shifts (template × day × start), time limit {args.time_limit:g} s on "
        f"{args.workers} workers.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| status | {schedule.status} |",
        f"| wall time, model build + solve + checks (s) | {total:.1f} |",
        f"| solve() wall time, with the warm start (s) | {schedule.wall_time_s:.1f} |",
        f"| objective | {schedule.objective:.0f} |",
        f"| best bound | {schedule.best_bound:.0f} |",
        f"| relative gap | {100 * schedule.relative_gap:.2f} % |",
        f"| required agent-half-hours | {int(cover.required.sum())} |",
        f"| under-coverage | {int(cover.under.sum())} |",
        f"| over-coverage | {int(cover.over.sum())} |",
        f"| shifts | {len(schedule.assignments)} |",
        f"| cost | {parts.get('cost', float('nan')):.0f} |",
        f"| contract shortfall (minutes) | {parts.get('contract_shortfall_minutes', 0):.0f} |",
        f"| weekend / night spread | {parts.get('weekend_spread', 0):.0f} / "
        f"{parts.get('night_spread', 0):.0f} |",
        f"| smallest rule slack | {worst:g} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--count-time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--relative-gap", type=float, default=0.0)
    parser.add_argument("--skip-counts", action="store_true")
    parser.add_argument("--skip-schedule", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    body: list[str] = []
    if not args.skip_counts:
        body += ["### Shift counts (the pyworkforce problem)", "", *shift_count_part(args), ""]
    if not args.skip_schedule:
        body += ["### Agent schedule", "", *schedule_part(args), ""]
    text = "\n".join(body)
    print(text)
    if args.write:
        command = "python benchmarks/scheduling.py " + " ".join(sys.argv[1:])
        write_section("Scheduling: ContactOps vs pyworkforce", command.strip(), text)


if __name__ == "__main__":
    main()
