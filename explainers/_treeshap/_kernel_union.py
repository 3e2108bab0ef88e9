"""Fast kernel: one walk per (row, tree) for the whole background at once.

For a fixed explained row ``x`` the pair algorithm of :mod:`._kernel` is run for
all background rows ``r`` simultaneously. The walk carries the *live* set of
background rows as a bitset (``nr`` bits); a node is visited once when any
background row's pair walk visits it, so the union of the pair walks replaces
their sum (shap walks every (x, r, tree) separately). Per node:

* the split's feature ``j`` is fixed to ``r`` (``x`` failed an earlier ``j``
  split on this path): both children, each with the live rows going there;
* otherwise the ``x`` child keeps every live row; rows that go the other way
  and had not yet failed ``j`` now fix ``j`` to ``x`` (their count ``a_r`` of
  ``x``-fixed features grows: this node is one of their divergences); then the
  other child is visited with ``j`` fixed to ``r`` (``u`` grows) and only with
  the live rows that go there and never failed ``j``.

A leaf with value ``v`` gives each live ``r`` the pair terms
``P = v W[a_r+u, a_r-1]`` and ``Q = -v W[a_r+u, a_r]``. Every row keeps a small
stack of its open divergences; a finished subtree's ``(P, Q)`` goes to the
innermost one, and a divergence whose both children are done adds
``s_r (P_x-child + Q_r-child)`` to its feature and passes the sums up. These
are exactly shap's ``pos_lst``/``neg_lst`` sums in shap's order, so with
float32 ``W``/leaf values (``precision="shap"``) the numbers repeat shap's
float32 rounding; with float64 they are exact. ``s_r`` is 1 (identity) or
shap's per-reference logistic rescale factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from ._bits import cttz64
from ._kernel import _go_left, _predict_row

_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@njit(nogil=True, cache=True)
def left_rows(R, tr, out, start, stop, offset=0):  # type: ignore[no-untyped-def]
    """Fill ``out[node - offset, k] = 1`` for ``start <= node < stop`` when background
    row ``k`` goes left at internal ``node`` (leaves stay 0)."""
    (
        left,
        _right,
        feature,
        threshold,
        default_left,
        missing_mode,
        cat_row,
        cat_left,
        cat_known,
        _value,
    ) = tr
    for node in range(start, stop):
        if left[node] < 0:
            continue
        j = feature[node]
        for k in range(R.shape[0]):
            if _go_left(
                R[k, j], node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known
            ):
                out[node - offset, k] = 1


def left_matrix(R: np.ndarray, tr: tuple, map_: Callable[..., Any] = map) -> np.ndarray:
    """``out[node, k] = 1`` when background row ``k`` goes left at internal ``node``;
    node ranges are filled through ``map_`` (a thread pool's map runs them in parallel)."""
    n_nodes = tr[0].shape[0]
    out = np.zeros((n_nodes, R.shape[0]), dtype=np.uint8)
    bounds = np.linspace(0, n_nodes, 9).astype(np.int64)
    list(map_(lambda i: left_rows(R, tr, out, bounds[i], bounds[i + 1]), range(8)))
    return out


def background_classes(
    goes_left: np.ndarray, roots: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per tree, merge background rows that go the same way at every node of that tree.

    Such rows have identical pair attributions for any ``x``, so the walk runs over
    classes weighted by their summed rescale factors. Returns ``classes[t, k]`` (class
    of row ``k`` in tree ``t``), ``bits[node, w]`` (bit ``g``: class ``g`` goes left)
    and ``all_bits[t, w]`` (the classes that exist in tree ``t``).
    """
    n_nodes, nr = goes_left.shape
    nw = (nr + 63) // 64
    bounds = np.append(roots, n_nodes)
    classes = np.zeros((roots.shape[0], nr), dtype=np.int64)
    bits = np.zeros((n_nodes, nw), dtype=np.uint64)
    all_bits = np.zeros((roots.shape[0], nw), dtype=np.uint64)
    for t in range(roots.shape[0]):
        block = goes_left[bounds[t] : bounds[t + 1]]
        classes[t], bits[bounds[t] : bounds[t + 1]], all_bits[t] = _tree_classes(block, nw)
    return classes, bits, all_bits


def walk_classes(
    R: np.ndarray,
    tr: tuple,
    roots: np.ndarray,
    walk: np.ndarray,
    map_: Callable[..., Any] = map,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`background_classes` for the trees at ``walk`` only (rows of ``classes`` and
    ``all_bits`` in ``walk``'s order), without a byte per (node, row) of the other trees:
    each walked tree's directions are computed, merged and dropped in turn."""
    n_nodes, nr = tr[0].shape[0], R.shape[0]
    nw = (nr + 63) // 64
    ordered = np.sort(roots)
    stops = dict(zip(ordered.tolist(), [*ordered[1:].tolist(), n_nodes], strict=True))
    classes = np.zeros((walk.shape[0], nr), dtype=np.int64)
    bits = np.zeros((n_nodes, nw), dtype=np.uint64)
    all_bits = np.zeros((walk.shape[0], nw), dtype=np.uint64)

    def one(t: int) -> None:
        start = int(walk[t])
        stop = stops[start]
        block = np.zeros((stop - start, nr), dtype=np.uint8)
        left_rows(R, tr, block, start, stop, start)
        classes[t], bits[start:stop], all_bits[t] = _tree_classes(block, nw)

    list(map_(one, range(walk.shape[0])))
    return classes, bits, all_bits


def _tree_classes(block: np.ndarray, nw: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One tree's (class of each row, per-node class bits, the classes that exist) from
    its ``block[node - root, k]`` directions."""
    # one byte string per background row; big-endian packing keeps the node order
    packed_rows = np.ascontiguousarray(np.packbits(block, axis=0).T)
    keys = packed_rows.view(np.dtype((np.void, packed_rows.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    unique = block[:, first]
    packed = np.zeros((block.shape[0], nw * 8), dtype=np.uint8)
    packed[:, : (unique.shape[1] + 7) // 8] = np.packbits(unique, axis=1, bitorder="little")
    return inverse.reshape(-1), packed.view("<u8"), all_bits_for(unique.shape[1], nw)


@njit(nogil=True, cache=True)
def _tree_union(root, x, tr, RL, all_bits, W, scale, phi, ws, rs):  # type: ignore[no-untyped-def]
    (
        left,
        right,
        feature,
        threshold,
        default_left,
        missing_mode,
        cat_row,
        cat_left,
        cat_known,
        value,
    ) = tr
    fr_node, fr_phase, fr_live, fr_old, fr_evs, fr_u, F, in_u, cnt, ev_r, fr_xl = ws
    rs_px, rs_nx, rs_stage, rs_j, rs_sp = rs
    nw = all_bits.shape[0]
    zero = W[0, 0]
    u = 0
    ev_top = 0
    top = 0
    fr_node[0] = root
    fr_phase[0] = 0
    for w in range(nw):
        fr_live[0, w] = all_bits[w]
    while top >= 0:
        node = fr_node[top]
        if left[node] < 0:
            v = value[node]
            for w in range(nw):
                b = fr_live[top, w]
                while b != _ZERO:
                    r = w * 64 + np.int64(cttz64(b))
                    b &= b - _ONE
                    a = cnt[r]
                    n_fixed = a + u
                    if n_fixed == 0:
                        continue
                    P = zero
                    Q = zero
                    if a > 0:
                        P = v * W[n_fixed, a - 1]
                    if u > 0:
                        Q = -v * W[n_fixed, a]
                    # hand (P, Q) to r's innermost open divergence, closing finished ones
                    d = rs_sp[r] - 1
                    while d >= 0:
                        if rs_stage[r, d] == 0:
                            rs_px[r, d] = P
                            rs_nx[r, d] = Q
                            rs_stage[r, d] = 1
                            break
                        phi[rs_j[r, d]] += scale[r] * (rs_px[r, d] + Q)
                        P = rs_px[r, d] + P
                        Q = rs_nx[r, d] + Q
                        rs_sp[r] = d
                        d -= 1
            top -= 1
            continue
        j = feature[node]
        phase = fr_phase[top]
        if phase == 0:
            if in_u[j]:
                fr_phase[top] = 3
                nonempty = False
                for w in range(nw):
                    c = fr_live[top, w] & RL[node, w]
                    fr_live[top + 1, w] = c
                    nonempty = nonempty or c != _ZERO
                if nonempty:
                    top += 1
                    fr_node[top] = left[node]
                    fr_phase[top] = 0
                continue
            xl = _go_left(
                x[j], node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known
            )
            fr_xl[top] = xl
            fr_evs[top] = ev_top
            for w in range(nw):
                other = ~RL[node, w] if xl else RL[node, w]
                new = fr_live[top, w] & other & ~F[j, w] & all_bits[w]
                fr_old[top, w] = F[j, w]
                F[j, w] |= new
                while new != _ZERO:
                    r = w * 64 + np.int64(cttz64(new))
                    new &= new - _ONE
                    cnt[r] += 1
                    d = rs_sp[r]
                    rs_stage[r, d] = 0
                    rs_j[r, d] = j
                    rs_sp[r] = d + 1
                    ev_r[ev_top] = r
                    ev_top += 1
                fr_live[top + 1, w] = fr_live[top, w]
            fr_phase[top] = 1
            top += 1
            fr_node[top] = left[node] if xl else right[node]
            fr_phase[top] = 0
            continue
        if phase == 1:
            for e in range(fr_evs[top], ev_top):
                cnt[ev_r[e]] -= 1
            ev_top = fr_evs[top]
            xl = fr_xl[top] != 0
            nonempty = False
            for w in range(nw):
                F[j, w] = fr_old[top, w]
                other = ~RL[node, w] if xl else RL[node, w]
                c = fr_live[top, w] & other & ~F[j, w] & all_bits[w]
                fr_live[top + 1, w] = c
                nonempty = nonempty or c != _ZERO
            fr_phase[top] = 2
            fr_u[top] = 0
            if nonempty:
                fr_u[top] = 1
                in_u[j] = True
                u += 1
                top += 1
                fr_node[top] = right[node] if xl else left[node]
                fr_phase[top] = 0
            continue
        if phase == 2:
            if fr_u[top] == 1:
                in_u[j] = False
                u -= 1
            top -= 1
            continue
        if phase == 3:
            fr_phase[top] = 4
            nonempty = False
            for w in range(nw):
                c = fr_live[top, w] & ~RL[node, w] & all_bits[w]
                fr_live[top + 1, w] = c
                nonempty = nonempty or c != _ZERO
            if nonempty:
                top += 1
                fr_node[top] = right[node]
                fr_phase[top] = 0
            continue
        top -= 1


@njit(nogil=True, cache=True)
def shap_rows_union(
    X, margin_r, roots, tr, tr_pred, base, logistic, W, max_depth, RL, classes, all_bits
):  # type: ignore[no-untyped-def]
    """Interventional SHAP values (n x m) of the rows of ``X`` (see module docstring).

    ``tr`` is walked (its value dtype and ``W``'s dtype set the arithmetic:
    float64 exact, or float32 to reproduce shap), ``tr_pred`` gives margins.
    """
    n = X.shape[0]
    m = X.shape[1]
    nr = margin_r.shape[0]
    nw = all_bits.shape[1]
    depth = max_depth + 2
    nest = min(m, max_depth) + 1
    out = np.zeros((n, m), dtype=np.float64)
    ws = (
        np.zeros(depth, dtype=np.int64),
        np.zeros(depth, dtype=np.int8),
        np.zeros((depth + 1, nw), dtype=np.uint64),
        np.zeros((depth, nw), dtype=np.uint64),
        np.zeros(depth, dtype=np.int64),
        np.zeros(depth, dtype=np.int8),
        np.zeros((m, nw), dtype=np.uint64),
        np.zeros(m, dtype=np.bool_),
        np.zeros(nr, dtype=np.int64),
        np.zeros(depth * nr, dtype=np.int64),
        np.zeros(depth, dtype=np.int8),
    )
    rs = (
        np.zeros((nr, nest), dtype=W.dtype),
        np.zeros((nr, nest), dtype=W.dtype),
        np.zeros((nr, nest), dtype=np.int8),
        np.zeros((nr, nest), dtype=np.int64),
        np.zeros(nr, dtype=np.int64),
    )
    scale = np.ones(nr, dtype=np.float64)
    weight = np.zeros(nr, dtype=np.float64)
    for i in range(n):
        x = X[i]
        if logistic:
            mx = _predict_row(x, roots, tr_pred, base)
            sx = 1.0 / (1.0 + np.exp(-mx))
            for k in range(nr):
                mr = margin_r[k]
                scale[k] = 1.0
                if mx != mr:
                    scale[k] = (sx - 1.0 / (1.0 + np.exp(-mr))) / (mx - mr)
        row = out[i]
        for t in range(roots.shape[0]):
            for k in range(nr):
                weight[k] = 0.0
            for k in range(nr):
                weight[classes[t, k]] += scale[k]
            _tree_union(roots[t], x, tr, RL, all_bits[t], W, weight, row, ws, rs)
        for j in range(m):
            row[j] /= nr
    return out


def all_bits_for(nr: int, nw: int | None = None) -> np.ndarray:
    """Bitset with the first ``nr`` bits set (``nw`` words, default just enough)."""
    nw = (nr + 63) // 64 if nw is None else nw
    bits = np.zeros(nw, dtype=np.uint64)
    for k in range(nr):
        bits[k >> 6] |= np.uint64(1) << np.uint64(k & 63)
    return bits
