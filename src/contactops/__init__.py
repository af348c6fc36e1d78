"""ContactOps: an operations platform for contact centers — plan, run and measure."""

__version__ = "0.1.0"
