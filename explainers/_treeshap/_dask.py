"""Running the engine's chunks on a Dask cluster.

Pass any ``dask.distributed.Client`` as ``client=`` to :func:`tree_shap`::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")        # a real cluster
    # client = Client(LocalCluster(n_workers=2, processes=True, threads_per_worker=1))
    result = tree_shap(model, X, background, model_output="probability", client=client)

The prepared model (tree arrays + background, a few MB) is scattered once and
broadcast to every worker; each chunk of ``chunk_rows`` rows is one task. At
most ``2 x workers`` chunks are in flight, so memory on the client stays
bounded; results come back in row order and equal the local run exactly (the
same kernel runs on the same inputs). Workers need the same Python
environment as the client (insyn, numba, numpy). Each task uses as many threads
as its worker has.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._engine import Prepared, chunks


def _explain_chunk(prepared: Prepared, block: np.ndarray) -> np.ndarray:
    from distributed import get_worker  # noqa: PLC0415 - optional: dask is used only with a client

    try:
        threads = int(get_worker().state.nthreads)
    except Exception:  # pragma: no cover - not on a worker
        threads = 1
    return prepared.explain(block, n_jobs=threads)


def run_on_client(
    client: Any, prepared: Prepared, X: np.ndarray, chunk_rows: int
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(start, stop, values)`` per chunk, in row order, computed on ``client``."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = 2 * workers
    remote = client.scatter(prepared, broadcast=True)
    pending: deque[tuple[int, int, Any]] = deque()
    spans = iter(chunks(X.shape[0], chunk_rows))
    for start, stop in spans:
        pending.append(
            (start, stop, client.submit(_explain_chunk, remote, X[start:stop], pure=False))
        )
        if len(pending) >= window:
            a, b, fut = pending.popleft()
            yield a, b, fut.result()
    while pending:
        a, b, fut = pending.popleft()
        yield a, b, fut.result()
