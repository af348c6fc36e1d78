"""Pure computation: queueing, forecasting, scheduling, simulation, routing and KPIs.

Engines import only the standard library, NumPy/SciPy, OR-Tools, statsforecast, DuckDB/PyArrow
and each other — never the database, the web framework, ``platform`` or ``domains``.
"""
