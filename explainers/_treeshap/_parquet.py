"""Streaming SHAP chunks into one Parquet file (bounded memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def write_chunks(
    path: str,
    names: list[str],
    chunks: Iterable[tuple[int, int, np.ndarray]],
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write ``(start, stop, block)`` chunks, in row order, as float64 columns ``names``.

    Each chunk becomes one row group; returns the number of rows written.
    """
    schema = pa.schema([pa.field(name, pa.float64()) for name in names])
    done = 0
    with pq.ParquetWriter(path, schema) as writer:
        for start, stop, block in chunks:
            if start != done:
                raise RuntimeError(f"chunk starting at row {start} arrived after row {done}")
            arrays = [pa.array(np.ascontiguousarray(block[:, j])) for j in range(block.shape[1])]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            done = stop
            if progress is not None:
                progress(done, total)
    return done
