"""Pattern-list leaves: the background's distinct patterns with their counts.

A leaf with too many distinct path features for a ``2^d`` table (or beyond the
tables' memory budget) keeps the distinct patterns ``b`` its background rows make,
with how many rows make each. An explained row with pattern ``a`` then costs one
pass over them: only patterns with ``a | b`` covering every path feature take part,
each adding its pair terms (``W[|P|+|Q|, |P|-1]`` to the features in ``P = a \\ b``,
``-W[|P|+|Q|, |P|]`` to those outside ``a``) times its count. Exact, with memory
and time bounded by the distinct patterns rather than by the background's rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, inline="always")
def list_leaf(a, d, pats, cnts, scale, W, feats, acc, phi):  # type: ignore[no-untyped-def]
    """Add one pattern-list leaf's SHAP values for the row with pattern ``a`` to ``phi``."""
    full = (np.int64(1) << d) - 1
    na = 0
    t = a
    while t:
        t &= t - 1
        na += 1
    q = d - na
    neg = 0.0
    for p in range(d):
        acc[p] = 0.0
    for s in range(pats.shape[0]):
        b = pats[s]
        if (~a & ~b) & full:
            continue
        only_x = a & ~b
        p_count = 0
        t = only_x
        while t:
            t &= t - 1
            p_count += 1
        n_tot = p_count + q
        if n_tot == 0:
            continue
        c = cnts[s]
        if q > 0:
            neg += c * W[n_tot, p_count]
        if p_count > 0:
            w = c * W[n_tot, p_count - 1]
            for p in range(d):
                if (only_x >> p) & 1:
                    acc[p] += w
    for p in range(d):
        if a & (np.int64(1) << p):
            phi[feats[p]] += scale * acc[p]
        else:
            phi[feats[p]] -= scale * neg


@njit(nogil=True, cache=True)
def distinct_patterns(buf, n_rows):  # type: ignore[no-untyped-def]
    """Per row of ``buf`` (one pattern-list leaf each), its first ``n_rows`` patterns as
    sorted distinct values with counts: ``(patterns, counts, lengths)`` with leaf ``s``'s
    at ``sum(lengths[:s])``."""
    n_slots = buf.shape[0]
    pats = np.empty(n_slots * n_rows, dtype=np.int64)
    cnts = np.empty(n_slots * n_rows, dtype=np.float64)
    lengths = np.zeros(n_slots, dtype=np.int64)
    at = 0
    for s in range(n_slots):
        row = np.sort(buf[s, :n_rows])
        start = at
        for k in range(n_rows):
            if at > start and pats[at - 1] == row[k]:
                cnts[at - 1] += 1.0
            else:
                pats[at] = row[k]
                cnts[at] = 1.0
                at += 1
        lengths[s] = at - start
    return pats[:at], cnts[:at], lengths
