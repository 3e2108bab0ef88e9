"""Background-aggregated kernels: exact interventional TreeSHAP at a cost that does
not depend on the background's size.

For one tree, one leaf ``L`` with value ``v`` and ``d`` distinct features on its
path, the hybrid point ``(x_S, r_rest)`` reaches ``L`` exactly when every path
feature satisfies all of ``L``'s conditions on it, with ``x``'s value for the
features in ``S`` and ``r``'s for the others. So the leaf's game depends on ``x``
only through ``a`` (the set of path features whose conditions ``x`` meets) and on
``r`` only through ``b`` (the same for ``r``): it is ``v`` when ``S`` contains
``a``-only features ``P = a \\ b`` and avoids ``Q = b \\ a``, and needs
``a | b`` to be every path feature. Its Shapley values are
``v W[|P|+|Q|, |P|-1]`` for each feature in ``P`` and ``-v W[|P|+|Q|, |P|]`` for
each in ``Q`` (Lundberg et al. 2020), averaged over the background.

Averaged over the background, only the counts ``c[b]`` of background rows per
pattern matter (Woodelf, 2025; the "pattern" form of interventional TreeSHAP).
With ``S_a[k]`` the count of rows with ``b ⊇ ~a`` and ``|a ∩ b| = k`` (a graded
superset sum), three tables per leaf give every ``x``:

* ``K[a] = -v/n Σ_k S_a[k] W[d-k, |a|-k]``: each path feature ``x`` fails;
* ``H[a] = v/n Σ_k S_a[k] W[d-k, |a|-k-1]`` and
  ``G[a] = v/n Σ_k S_a[k] W[d-1-k, |a|-1-k]``: a feature ``i`` that ``x`` meets
  gets ``H[a] - G[a \\ {i}]`` (the rows that meet ``i`` too are removed through
  the pattern without ``i``).

So the tables cost ``3 x 2^d`` floats per leaf, built once per (model,
background) in ``O(background x nodes + 2^d d^2)`` per leaf, and a row costs one
pass over the tree's nodes plus ``d`` additions per leaf, whatever the
background's size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernel import _go_left
from ._lists import list_leaf


@njit(cache=True)
def layout(
    root, left, right, feature, n_features, max_depth, lpos, leaf_d, leaf_feat_off, leaf_feats, at
):  # type: ignore[no-untyped-def]
    """Fill, for the tree at ``root``: ``lpos[node]``, the local bit of an internal
    node's feature (its order of first appearance on the path from the root, so the
    same for every leaf below); ``leaf_d[leaf]``, the leaf's distinct path features;
    and those features by local bit at ``leaf_feats[leaf_feat_off[leaf]:]`` from
    ``at`` on. Returns ``(new at, largest d in the tree)``."""
    cursor = at
    st_node = np.empty(max_depth + 2, dtype=np.int64)
    st_depth = np.empty(max_depth + 2, dtype=np.int64)
    path = np.empty(max_depth + 1, dtype=np.int64)  # ancestors of the popped node
    stamp = np.zeros(n_features, dtype=np.int64)
    pos = np.zeros(n_features, dtype=np.int64)
    distinct = np.empty(max_depth + 1, dtype=np.int64)
    version = 0
    worst = 0
    st_node[0] = root
    st_depth[0] = 0
    sp = 1
    while sp > 0:
        sp -= 1
        node = st_node[sp]
        depth = st_depth[sp]
        version += 1
        n = 0
        for k in range(depth):
            f = feature[path[k]]
            if stamp[f] != version:
                stamp[f] = version
                pos[f] = n
                distinct[n] = f
                n += 1
        if left[node] < 0:
            leaf_d[node] = n
            leaf_feat_off[node] = cursor
            for k in range(n):
                leaf_feats[cursor + k] = distinct[k]
            cursor += n
            worst = max(worst, n)
            continue
        f = feature[node]
        lpos[node] = pos[f] if stamp[f] == version else n
        path[depth] = node
        st_node[sp] = right[node]
        st_depth[sp] = depth + 1
        st_node[sp + 1] = left[node]
        st_depth[sp + 1] = depth + 1
        sp += 2
    return cursor, worst


@njit(nogil=True, cache=True)
def count_patterns(
    R,
    root,
    max_depth,
    tr,
    lpos,
    leaf_d,
    leaf_off,
    leaf_slot,
    counts,
    buf,
    met,
):  # type: ignore[no-untyped-def]
    """Add each background row's pattern ``b`` to its leaves: ``counts[leaf_off[L] + b] += 1``
    for every table leaf ``L`` of the tree at ``root``, ``buf[leaf_slot[L], k] = b`` for
    every pattern-list leaf (row ``k`` of ``R``); ``met[node]`` gains the local bits of the path
    features whose conditions (from the root to ``node``) some row meets."""
    (
        left,
        right,
        _feature,
        threshold,
        default_left,
        missing_mode,
        cat_row,
        cat_left,
        cat_known,
        _value,
    ) = tr
    feature = tr[2]
    st_node = np.empty(max_depth + 2, dtype=np.int64)
    st_fail = np.empty(max_depth + 2, dtype=np.int64)
    for k in range(R.shape[0]):
        r = R[k]
        st_node[0] = root
        st_fail[0] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            node = st_node[sp]
            fail = st_fail[sp]
            met[node] |= ~fail
            while left[node] >= 0:
                bit = np.int64(1) << lpos[node]
                if _go_left(
                    r[feature[node]],
                    node,
                    threshold,
                    default_left,
                    missing_mode,
                    cat_row,
                    cat_left,
                    cat_known,
                ):
                    st_node[sp] = right[node]
                    st_fail[sp] = fail | bit
                    node = left[node]
                else:
                    st_node[sp] = left[node]
                    st_fail[sp] = fail | bit
                    node = right[node]
                sp += 1
                met[node] |= ~fail
            full = (np.int64(1) << leaf_d[node]) - 1
            slot = leaf_slot[node]
            if slot < 0:
                counts[leaf_off[node] + (full & ~fail)] += 1.0
            else:
                buf[slot, k] = full & ~fail


@njit(nogil=True, cache=True)
def leaf_tables(counts, off, d, scale, W, H, G, K):  # type: ignore[no-untyped-def]
    """Turn one leaf's pattern counts ``counts[off:off+2^d]`` into its ``H, G, K``
    tables at the same offsets, scaled by ``scale`` (leaf value / background weight)."""
    size = 1 << d
    Z = np.zeros((size, d + 1), dtype=np.float64)
    for b in range(size):
        c = counts[off + b]
        if c != 0.0:
            ones = 0
            t = b
            while t:
                t &= t - 1
                ones += 1
            Z[b, ones] = c
    for j in range(d):
        bit = 1 << j
        for s in range(size):
            if not s & bit:
                for u in range(d + 1):
                    Z[s, u] += Z[s | bit, u]
    full = size - 1
    for a in range(size):
        na = 0
        t = a
        while t:
            t &= t - 1
            na += 1
        notA = full & ~a
        q = d - na
        h = 0.0
        g = 0.0
        kk = 0.0
        for k in range(na + 1):
            s = Z[notA, q + k]
            if s == 0.0:
                continue
            n_tot = d - k
            if na - k - 1 >= 0:
                h += s * W[n_tot, na - k - 1]
            if na - k < n_tot:
                kk -= s * W[n_tot, na - k]
            if n_tot - 1 >= 1 and na - 1 - k >= 0:
                g += s * W[n_tot - 1, na - 1 - k]
        H[off + a] = h * scale
        G[off + a] = g * scale
        K[off + a] = kk * scale


@njit(nogil=True, cache=True)
def shap_rows_tables(
    X,
    roots,
    max_depth,
    tr,
    lpos,
    leaf_d,
    leaf_off,
    leaf_feat_off,
    leaf_feats,
    met,
    H,
    G,
    K,
    ls,
    out,
):  # type: ignore[no-untyped-def]
    """Add the interventional SHAP values of the trees at ``roots`` for the rows of ``X``
    to ``out`` (n x m). Per (tree, row): one pass over the nodes where some background
    row could still meet every path condition ``x`` failed (``met``), and ``d`` table
    reads per table leaf reached (a pass over the compatible patterns of a pattern-list
    leaf, :func:`._lists.list_leaf`). Trees are the outer loop, so one tree's tables stay
    in cache for the whole block of rows."""
    list_off, list_len, list_pat, list_cnt, value, inv_total, W = ls
    acc = np.zeros(64, dtype=np.float64)
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
        _value,
    ) = tr
    st_node = np.empty(max_depth + 2, dtype=np.int64)
    st_fail = np.empty(max_depth + 2, dtype=np.int64)
    for t in range(roots.shape[0]):
        for i in range(X.shape[0]):
            x = X[i]
            phi = out[i]
            st_node[0] = roots[t]
            st_fail[0] = 0
            sp = 1
            while sp > 0:
                sp -= 1
                node = st_node[sp]
                fail = st_fail[sp]
                alive = True
                while left[node] >= 0:
                    bit = np.int64(1) << lpos[node]
                    if _go_left(
                        x[feature[node]],
                        node,
                        threshold,
                        default_left,
                        missing_mode,
                        cat_row,
                        cat_left,
                        cat_known,
                    ):
                        other = right[node]
                        node = left[node]
                    else:
                        other = left[node]
                        node = right[node]
                    if (fail | bit) & ~met[other] == 0:
                        st_node[sp] = other
                        st_fail[sp] = fail | bit
                        sp += 1
                    if fail & ~met[node] != 0:
                        alive = False
                        break
                if not alive:
                    continue
                d = leaf_d[node]
                if d == 0:
                    continue
                if list_len[node] >= 0:
                    list_leaf(
                        ((np.int64(1) << d) - 1) & ~fail,
                        d,
                        list_pat[list_off[node] : list_off[node] + list_len[node]],
                        list_cnt[list_off[node] : list_off[node] + list_len[node]],
                        value[node] * inv_total,
                        W,
                        leaf_feats[leaf_feat_off[node] : leaf_feat_off[node] + d],
                        acc,
                        phi,
                    )
                    continue
                off = leaf_off[node]
                a = ((np.int64(1) << d) - 1) & ~fail
                neg = K[off + a]
                h = H[off + a]
                if h == 0.0 and neg == 0.0:
                    continue  # no background row shares a with x: every value is 0
                fo = leaf_feat_off[node]
                for p in range(d):
                    bit = np.int64(1) << p
                    if a & bit:
                        phi[leaf_feats[fo + p]] += h - G[off + (a & ~bit)]
                    else:
                        phi[leaf_feats[fo + p]] += neg
