"""Numba kernels: exact interventional TreeSHAP in float64.

For one explained row ``x``, one background row ``r`` and one tree, the
interventional Shapley values are (Lundberg et al. 2020, "Interventional Tree
SHAP"): walk the tree; where ``x`` and ``r`` go the same way, or the split's
feature is already fixed to ``x`` or ``r`` on this path, follow that single
child; where they part on a new feature, visit both children with the feature
fixed to ``x`` (``M+1, N+1``) and to ``r`` (``N+1``). A leaf with value ``v``
reached with ``N`` fixed features, ``M`` of them from ``x``, contributes
``v * (M-1)! (N-M)! / N!`` to each ``x``-fixed feature and
``-v * M! (N-M-1)! / N!`` to each ``r``-fixed feature. Sums are carried up to
the node where each feature was fixed, so a leaf costs O(1).

The explained scale follows shap: identity (average of ``r``) or, for
``transform == logistic``, each ``(x, r)`` attribution in margin space is scaled
by ``(sigmoid(f(x)) - sigmoid(f(r))) / (f(x) - f(r))`` (factor 1 when equal).

Loop order is row (parallel) -> tree -> background row, so one tree's nodes
stay in cache while all background rows are paired with ``x``.
"""

from __future__ import annotations

import os
from fractions import Fraction
from math import factorial

import numpy as np
from numba import njit

_ZERO_THRESHOLD = 1e-35  # lightgbm kZeroThreshold


def weight_table(max_n: int) -> np.ndarray:
    """``W[n, k] = k! (n-1-k)! / n!`` for ``1 <= n <= max_n``, ``0 <= k < n``, correctly rounded."""
    size = max(int(max_n), 1) + 1
    table = np.zeros((size, size), dtype=np.float64)
    for n in range(1, size):
        for k in range(n):
            table[n, k] = float(Fraction(factorial(k) * factorial(n - 1 - k), factorial(n)))
    return table


@njit(inline="always", cache=True)
def _go_left(val, node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known):  # type: ignore[no-untyped-def]
    mode = missing_mode[node]
    if val != val:
        if mode == 1:
            val = 0.0
        else:
            return default_left[node] != 0
    if mode == 2 and abs(val) <= _ZERO_THRESHOLD:
        return default_left[node] != 0
    c = cat_row[node]
    if c >= 0:
        if val < 0.0 or val >= 256.0:
            return default_left[node] != 0
        iv = int(val)
        if (cat_left[c, iv >> 5] >> np.uint32(iv & 31)) & np.uint32(1):
            return True
        if (cat_known[c, iv >> 5] >> np.uint32(iv & 31)) & np.uint32(1):
            return False
        return default_left[node] != 0
    return val <= threshold[node]


@njit(cache=True)
def _predict_row(x, roots, tr, base):  # type: ignore[no-untyped-def]
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
    margin = base
    for t in range(roots.shape[0]):
        node = roots[t]
        while left[node] >= 0:
            j = feature[node]
            if _go_left(
                x[j], node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known
            ):
                node = left[node]
            else:
                node = right[node]
        margin += value[node]
    return margin


@njit(cache=True)
def predict_margin(X, roots, tr, base):  # type: ignore[no-untyped-def]
    """Model margin per row: ``base + sum of leaf values`` (in tree order)."""
    out = np.empty(X.shape[0], dtype=np.float64)
    for i in range(X.shape[0]):
        out[i] = _predict_row(X[i], roots, tr, base)
    return out


@njit(cache=True)
def _pair_tree(root, x, r, tr, W, fstate, st_node, st_rchild, st_px, st_nx, st_phase, phi):  # type: ignore[no-untyped-def]
    """Add the interventional SHAP values of one tree for the pair ``(x, r)`` to ``phi``."""
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
    node = root
    sp = 0
    M = 0
    N = 0
    while True:
        while left[node] >= 0:
            j = feature[node]
            xl = _go_left(
                x[j], node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known
            )
            s = fstate[j]
            if s == 1:
                node = left[node] if xl else right[node]
                continue
            rl = _go_left(
                r[j], node, threshold, default_left, missing_mode, cat_row, cat_left, cat_known
            )
            if s == -1 or xl == rl:
                node = left[node] if rl else right[node]
                continue
            st_node[sp] = node
            st_phase[sp] = 0
            st_rchild[sp] = left[node] if rl else right[node]
            sp += 1
            fstate[j] = 1
            M += 1
            N += 1
            node = left[node] if xl else right[node]
        v = value[node]
        pos = W[0, 0]  # a typed zero: float64, or float32 in shap-compatible mode
        neg = W[0, 0]
        if N > 0:
            if M > 0:
                pos = v * W[N, M - 1]
            if M < N:
                neg = -v * W[N, M]
        descend = False
        while sp > 0:
            top = sp - 1
            j = feature[st_node[top]]
            if st_phase[top] == 0:
                st_px[top] = pos
                st_nx[top] = neg
                st_phase[top] = 1
                fstate[j] = -1
                M -= 1
                node = st_rchild[top]
                descend = True
                break
            phi[j] += st_px[top] + neg
            pos = st_px[top] + pos
            neg = st_nx[top] + neg
            fstate[j] = 0
            N -= 1
            sp -= 1
        if not descend:
            return


@njit(nogil=True, cache=True)
def shap_rows(X, R, margin_r, roots, tr, tr_pred, base, logistic, W, max_depth):  # type: ignore[no-untyped-def]
    """Interventional SHAP values (n x m) of the rows of ``X`` against background ``R``.

    ``tr`` is walked for the attributions, ``tr_pred`` gives the margins; in
    shap-compatible mode ``tr`` carries float32 thresholds/values and ``W`` is
    float32 (shap's ``Node`` struct), so every pair sum rounds like shap's.
    """
    n = X.shape[0]
    m = X.shape[1]
    nr = R.shape[0]
    n_trees = roots.shape[0]
    out = np.zeros((n, m), dtype=np.float64)
    for i in range(n):
        x = X[i]
        fstate = np.zeros(m, dtype=np.int8)
        st_node = np.empty(max_depth + 1, dtype=np.int64)
        st_rchild = np.empty(max_depth + 1, dtype=np.int64)
        st_px = np.zeros(max_depth + 1, dtype=W.dtype)
        st_nx = np.zeros(max_depth + 1, dtype=W.dtype)
        st_phase = np.empty(max_depth + 1, dtype=np.int8)
        row = out[i]
        if logistic:
            buf = np.zeros((nr, m), dtype=np.float64)
            for t in range(n_trees):
                for k in range(nr):
                    _pair_tree(
                        roots[t],
                        x,
                        R[k],
                        tr,
                        W,
                        fstate,
                        st_node,
                        st_rchild,
                        st_px,
                        st_nx,
                        st_phase,
                        buf[k],
                    )
            mx = _predict_row(x, roots, tr_pred, base)
            sx = 1.0 / (1.0 + np.exp(-mx))
            for k in range(nr):
                mr = margin_r[k]
                scale = 1.0
                if mx != mr:
                    scale = (sx - 1.0 / (1.0 + np.exp(-mr))) / (mx - mr)
                for j in range(m):
                    row[j] += buf[k, j] * scale
        else:
            for t in range(n_trees):
                for k in range(nr):
                    _pair_tree(
                        roots[t],
                        x,
                        R[k],
                        tr,
                        W,
                        fstate,
                        st_node,
                        st_rchild,
                        st_px,
                        st_nx,
                        st_phase,
                        row,
                    )
        for j in range(m):
            row[j] /= nr
    return out


def shap_weight_table(max_depth: int) -> np.ndarray:
    """shap's ``memoized_weights`` as float32, including its C ``int`` arithmetic.

    ``W[n, k] = (float) (1.0 / (n * bin_coeff(n - 1, k)))`` where ``bin_coeff``
    multiplies before dividing in 32-bit ints (it wraps for n > ~30, as shap's does).
    """
    size = max(int(max_depth), 1) + 1
    table = np.zeros((size, size), dtype=np.float32)
    for n in range(1, size):
        for k in range(n):
            denom = (n * (_c_bin_coeff(n - 1, k) % 2**32)) % 2**32
            table[n, k] = np.float32(1.0 / denom) if denom else np.float32(np.inf)
    return table


def _wrap32(value: int) -> int:
    return (value + 2**31) % 2**32 - 2**31


def _c_bin_coeff(n: int, k: int) -> int:
    res = 1
    if k > n - k:
        k = n - k
    for i in range(k):
        res = _wrap32(res * (n - i))
        res = res // (i + 1) if res >= 0 else -((-res) // (i + 1))
    return res


def thread_count(n_jobs: int | None) -> int:
    """Threads for an sklearn-style ``n_jobs`` (``-1``/``None``: every core)."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs < 0:
        return max(1, cores + 1 + n_jobs) if n_jobs is not None and n_jobs < -1 else cores
    return max(1, int(n_jobs))
