"""String dimensions as integer codes: DuckDB groups, partitions and sorts integers faster.

Queue, channel and agent codes are computed once in Arrow (hash lookups, no copy of the
strings), appended to the registered tables as ``_queue``, ``_channel``, ``_agent``, carried
through every stage and turned back into strings on the few result rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True, slots=True)
class Codes:
    """Code ``i`` stands for ``values[i]``; null stays null."""

    values: pa.Array

    def table(self) -> pa.Table:
        """(code, value) rows, to join the codes back to their strings."""
        codes = pa.array(np.arange(len(self.values), dtype=np.int32))
        return pa.table({"code": codes, "value": self.values.cast(pa.string())})


def encode(columns: Sequence[pa.ChunkedArray]) -> tuple[Codes, list[pa.ChunkedArray]]:
    """One code space over the values of ``columns``, and each column as int32 codes."""
    chunks = [chunk.cast(pa.string()) for column in columns for chunk in column.chunks]
    every = pa.chunked_array(chunks, type=pa.string())
    values = pc.drop_null(pc.unique(every))
    coded = [pc.index_in(column.cast(pa.string()), value_set=values) for column in columns]
    return Codes(values), coded
