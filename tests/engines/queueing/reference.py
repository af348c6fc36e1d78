"""Independent high-precision references: direct sums over the birth–death chain with mpmath.

Nothing here shares code or closed forms with the engine. Erlang B and C come from the
stationary distribution πⱼ ∝ Aʲ/j!; Erlang A from the M/M/N+M chain itself: an arrival that finds
k contacts queued is served with probability y/(y + k + 1) (it must outlast k + 1 exponential
phases) and, if served, waits Σᵢ₌₀ᵏ Exp(θ(y + 1 + i)), whose CDF is the regularised incomplete
beta I_p(k + 1, y + 1) with p = 1 − e^(−θT) (Rényi's representation of order statistics).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath as mp

mp.mp.dps = 50
_NEGLIGIBLE = mp.mpf(10) ** -45


def erlang_b(servers: int, load: float) -> mp.mpf:
    """B = 1 / Σⱼ₌₀ᴺ N!/((N − j)!·Aʲ), summed term by term."""
    if servers == 0:
        return mp.mpf(1)
    a = mp.mpf(load)
    if a == 0:
        return mp.mpf(0)
    total = term = mp.mpf(1)
    for j in range(1, servers + 1):
        term *= (servers - j + 1) / a
        total += term
        if term < total * _NEGLIGIBLE:
            break
    return 1 / total


@dataclass(frozen=True)
class ErlangC:
    p_wait: mp.mpf
    service_level: mp.mpf
    asa_s: mp.mpf


def erlang_c(agents: int, load: float, aht_s: float, target_s: float) -> ErlangC:
    """C = N·B/(N − A(1 − B)); SL = 1 − C·e^(−(N − A)T/aht); ASA = C·aht/(N − A)."""
    n, a = mp.mpf(agents), mp.mpf(load)
    b = erlang_b(agents, load)
    p_wait = n * b / (n - a * (1 - b))
    sl = 1 - p_wait * mp.exp(-(n - a) * mp.mpf(target_s) / mp.mpf(aht_s))
    return ErlangC(p_wait, sl, p_wait * mp.mpf(aht_s) / (n - a))


@dataclass(frozen=True)
class ErlangA:
    p_wait: mp.mpf
    p_abandon: mp.mpf
    service_level: mp.mpf
    asa_s: mp.mpf
    occupancy: mp.mpf


def erlang_a(
    agents: int, rate_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> ErlangA:
    """Sum the M/M/N+M chain state by state, relative to π(N) = 1."""
    lam, aht, patience = mp.mpf(rate_per_s), mp.mpf(aht_s), mp.mpf(patience_s)
    theta = 1 / patience
    n = mp.mpf(agents)
    load = lam * aht
    x, y = lam / theta, n / aht / theta
    p = -mp.expm1(-theta * mp.mpf(target_s))
    below = 1 / erlang_b(agents, float(load)) - 1 if agents else mp.mpf(0)  # Σⱼ<N πⱼ/π(N)
    queued = abandoned = on_time = served_wait = mp.mpf(0)
    r = mp.mpf(1)  # π(N + k)/π(N)
    beta_cdf = 1 - (1 - p) ** (y + 1)  # I_p(1, y + 1)
    beta_term = (y + 1) * p * (1 - p) ** (y + 1)  # p^a (1 − p)^b Γ(a + b)/(Γ(a + 1)Γ(b)), a = 1
    harmonic = mp.mpf(0)
    k = 0
    while True:
        served = y / (y + k + 1)
        harmonic += 1 / (theta * (y + 1 + k))
        queued += r
        abandoned += r * (1 - served)
        on_time += r * served * beta_cdf
        served_wait += r * served * harmonic
        # I_p(a + 1, b) = I_p(a, b) − p^a (1 − p)^b / (a·B(a, b)), a = k + 1, b = y + 1.
        beta_cdf -= beta_term
        beta_term *= p * (k + 1 + y + 1) / (k + 2)
        k += 1
        r *= x / (y + k)
        if k > x - y and r < queued * _NEGLIGIBLE:
            break
    total = below + queued
    p_abandon = abandoned / total
    return ErlangA(
        p_wait=queued / total,
        p_abandon=p_abandon,
        service_level=(below + on_time) / total,
        asa_s=served_wait / total / (1 - p_abandon),
        occupancy=load * (1 - p_abandon) / n,
    )
