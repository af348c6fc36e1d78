"""Required agents for 10,000 mixed rows: ContactOps vs pyworkforce, side by side in one run.

The same rows (30-minute intervals, 5 to 100,000 calls, AHT 120–600 s; target 80 % answered
within 20 s and occupancy at most 85 %) go through ``contactops.engines.queueing`` (one
vectorised call) and pyworkforce's ``ErlangC.required_positions`` (one Python call per row, as
it is used). Every row where the two disagree is checked against an exact high-precision
Erlang C computed with mpmath; a sample of ContactOps rows is checked the same way.

erlangccmath (PyPI) is not compared: it computes nothing locally — every call is a request to
a vendor's web service — so it cannot be timed on this machine.

Usage: ``python benchmarks/staffing.py [--rows 10000] [--seed 1] [--exact-sample 200]``
(needs the bench extra: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import mpmath
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section

from contactops.engines.queueing.staffing import Model, Targets, required_agents

INTERVAL_S = 1800.0
TARGET_SL, TARGET_S, MAX_OCCUPANCY = 0.8, 20.0, 0.85
SIZES = (
    ("typical (5–2,000 calls)", 5, 2_000, 0.6),
    ("large (2,000–20,000)", 2_000, 20_000, 0.3),
    ("very large (20,000–100,000)", 20_000, 100_000, 0.1),
)


def workload(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    band = rng.choice(len(SIZES), size=rows, p=[s[3] for s in SIZES])
    low = np.array([SIZES[b][1] for b in band], dtype=float)
    high = np.array([SIZES[b][2] for b in band], dtype=float)
    calls = np.round(np.exp(rng.uniform(np.log(low), np.log(high))))
    aht_s = np.round(rng.uniform(120, 600, size=rows))
    return band, calls, aht_s


def exact_service_level(agents: int, calls: float, aht_s: float) -> mpmath.mpf:
    """SL = 1 − C(N, A)·exp(−(N − A)·T/AHT), Erlang B by its recursion, in 60-digit arithmetic."""
    mpmath.mp.dps = 60
    load = mpmath.mpf(calls) * aht_s / INTERVAL_S
    if agents <= load:
        return mpmath.mpf(0)
    inverse_b = mpmath.mpf(1)
    for n in range(1, agents + 1):
        inverse_b = 1 + n / load * inverse_b
    b = 1 / inverse_b
    c = agents * b / (agents - load * (1 - b))
    return 1 - c * mpmath.exp(-(agents - load) * TARGET_S / aht_s)


def exact_required(calls: float, aht_s: float, start: int) -> int:
    """The fewest agents meeting both targets, searching from ``start`` in exact arithmetic.

    The occupancy cap is compared in decimal arithmetic too: 918 calls × 265 s / 1800 s is
    exactly 135.15 Erlangs, so 159 agents are exactly 85 % busy and meet a cap of 85 %.
    """
    mpmath.mp.dps = 60
    load = mpmath.mpf(int(calls)) * int(aht_s) / int(INTERVAL_S)
    cap = mpmath.mpf(str(MAX_OCCUPANCY))

    def meets(agents: int) -> bool:
        return agents * cap >= load and exact_service_level(agents, calls, aht_s) >= TARGET_SL

    agents = max(1, start - 3)
    while agents > 1 and meets(agents - 1):
        agents -= 1
    while not meets(agents):
        agents += 1
    return agents


def run_contactops(calls: np.ndarray, aht_s: np.ndarray) -> tuple[np.ndarray, float]:
    targets = Targets(
        service_level=TARGET_SL, service_level_s=TARGET_S, max_occupancy=MAX_OCCUPANCY
    )
    start = time.perf_counter()
    result = required_agents(
        Model.ERLANG_C, calls=calls, interval_s=INTERVAL_S, aht_s=aht_s, targets=targets
    )
    return np.asarray(result.agents), time.perf_counter() - start


def run_pyworkforce(calls: np.ndarray, aht_s: np.ndarray) -> tuple[np.ndarray, float]:
    from pyworkforce.queuing import ErlangC

    agents = np.empty(len(calls), dtype=np.int64)
    start = time.perf_counter()
    for i, (row_calls, row_aht_s) in enumerate(zip(calls, aht_s, strict=True)):
        model = ErlangC(
            transactions=float(row_calls),
            aht=row_aht_s / 60,
            asa=TARGET_S / 60,
            interval=INTERVAL_S / 60,
            shrinkage=0.0,
        )
        agents[i] = model.required_positions(service_level=TARGET_SL, max_occupancy=MAX_OCCUPANCY)[
            "raw_positions"
        ]
    return agents, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exact-sample", type=int, default=200)
    args = parser.parse_args()
    band, calls, aht_s = workload(args.rows, args.seed)
    ours, ours_s = run_contactops(calls, aht_s)
    peer, peer_s = run_pyworkforce(calls, aht_s)

    lines = ["| engine | band | rows | seconds | rows/s |", "|---|---|---|---|---|"]
    for name, seconds in (("ContactOps", ours_s), ("pyworkforce", peer_s)):
        lines.append(
            f"| {name} | all | {args.rows:,} | {seconds:.3f} | {args.rows / seconds:,.0f} |"
        )
    for b, (label, *_rest) in enumerate(SIZES):
        rows_in_band = calls[band == b]
        if len(rows_in_band):
            _a, s1 = run_contactops(rows_in_band, aht_s[band == b])
            _p, s2 = run_pyworkforce(rows_in_band, aht_s[band == b])
            lines.append(
                f"| ContactOps | {label} | {len(rows_in_band):,} | {s1:.3f} | "
                f"{len(rows_in_band) / s1:,.0f} |"
            )
            lines.append(
                f"| pyworkforce | {label} | {len(rows_in_band):,} | {s2:.3f} | "
                f"{len(rows_in_band) / s2:,.0f} |"
            )

    differing = np.flatnonzero(ours != peer)
    rng = np.random.default_rng(args.seed + 1)
    sample = rng.choice(args.rows, size=min(args.exact_sample, args.rows), replace=False)
    checked = sorted(set(differing.tolist()) | set(sample.tolist()))
    wrong_ours, diff_rows = [], []
    for i in checked:
        exact = exact_required(float(calls[i]), float(aht_s[i]), int(ours[i]))
        if ours[i] != exact:
            wrong_ours.append(i)
        if i in set(differing.tolist()):
            diff_rows.append(
                f"| {int(calls[i]):,} | {int(aht_s[i])} | {exact} | {ours[i]} | {peer[i]} |"
            )
    speedup = peer_s / ours_s
    body = (
        f"{args.rows:,} rows, seed {args.seed}: 60 % with 5–2,000 calls, 30 % 2,000–20,000, "
        "10 % 20,000–100,000 per 30 minutes; AHT 120–600 s; 80 % in 20 s and occupancy ≤ 85 %. "
        f"ContactOps is **{speedup:,.0f}×** pyworkforce's throughput on the same rows.\n\n"
        + "\n".join(lines)
        + f"\n\nExactness: {len(checked)} rows checked against 60-digit mpmath Erlang C (every "
        f"row where the engines differ plus a random sample of {len(sample)}); ContactOps wrong "
        f"on {len(wrong_ours)}. Rows where pyworkforce differs from ContactOps: {len(differing)}.\n"
        "\nerlangccmath (PyPI) is not in the table: it computes nothing locally, every call is a "
        "request to a vendor's web service, and this machine reaches no such service.\n"
    )
    if diff_rows:
        body += (
            "\n| calls | AHT s | exact agents | ContactOps | pyworkforce |\n|---|---|---|---|---|\n"
            + "\n".join(diff_rows[:50])
            + (f"\n\n({len(diff_rows) - 50} more rows not shown)" if len(diff_rows) > 50 else "")
        )
    print(body)
    write_section(
        "Staffing: required agents, ContactOps vs pyworkforce",
        f"python benchmarks/staffing.py --rows {args.rows} --seed {args.seed}",
        body,
    )
    if wrong_ours:
        raise SystemExit(f"ContactOps disagrees with the exact answer on rows {wrong_ours[:10]}")


if __name__ == "__main__":
    main()
