"""Random durations of a simulation: service, wrap-up, patience, ring, retrial delays.

Every distribution is described by its mean in seconds (what a planner knows) and, for the
log-normal, a coefficient of variation; ``empirical`` resamples observed durations (bootstrap).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Shape(enum.StrEnum):
    FIXED = "fixed"
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    EMPIRICAL = "empirical"


@dataclass(frozen=True, slots=True)
class Duration:
    """A random duration in seconds.

    - ``fixed``: always ``mean_s``;
    - ``exponential``: rate 1/``mean_s``;
    - ``lognormal``: ln X ~ N(μ, σ²) with σ² = ln(1 + cv²), μ = ln(mean_s) − σ²/2, so that
      E[X] = mean_s and sd(X) = cv·mean_s;
    - ``empirical``: drawn with replacement from ``samples_s`` (``mean_s`` is their mean).
    """

    shape: Shape
    mean_s: float
    cv: float = 1.0
    samples_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.shape == Shape.EMPIRICAL:
            if not self.samples_s:
                raise ValueError("an empirical distribution needs at least one sample")
            if min(self.samples_s) < 0 or not all(math.isfinite(s) for s in self.samples_s):
                raise ValueError("empirical samples must be finite and ≥ 0 seconds")
            return
        if not math.isfinite(self.mean_s) or self.mean_s < 0:
            raise ValueError(f"mean_s must be a finite number ≥ 0, got {self.mean_s!r}")
        if self.shape == Shape.EXPONENTIAL and self.mean_s == 0:
            raise ValueError("an exponential duration needs mean_s > 0")
        if self.shape == Shape.LOGNORMAL and (self.cv <= 0 or self.mean_s == 0):
            raise ValueError("a log-normal duration needs mean_s > 0 and cv > 0")

    @classmethod
    def fixed(cls, mean_s: float) -> Duration:
        return cls(Shape.FIXED, float(mean_s))

    @classmethod
    def exponential(cls, mean_s: float) -> Duration:
        return cls(Shape.EXPONENTIAL, float(mean_s))

    @classmethod
    def lognormal(cls, mean_s: float, cv: float) -> Duration:
        return cls(Shape.LOGNORMAL, float(mean_s), float(cv))

    @classmethod
    def empirical(cls, samples_s: Sequence[float]) -> Duration:
        samples = tuple(float(s) for s in samples_s)
        mean = sum(samples) / len(samples) if samples else 0.0
        return cls(Shape.EMPIRICAL, mean, samples_s=samples)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws."""
        if self.shape == Shape.FIXED:
            return np.full(size, self.mean_s)
        if self.shape == Shape.EXPONENTIAL:
            return rng.exponential(self.mean_s, size)
        if self.shape == Shape.LOGNORMAL:
            sigma2 = math.log1p(self.cv**2)
            return rng.lognormal(math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2), size)
        samples = np.asarray(self.samples_s, dtype=np.float64)
        return samples[rng.integers(0, samples.size, size)]
