"""The background-aggregated tables against brute force and against the walk.

The tables (:mod:`explainers._treeshap._tables`, :mod:`._aggregate`) must give the
exact interventional Shapley values of an identity output: the Shapley values of
``v_x(S) = mean_z f(x_S, z_rest)``, computed here by enumerating every coalition and
calling the model's own ``predict`` on the hybrid rows; and the same numbers as the
per-row walk of the background (:mod:`._kernel_union`) and the pair-by-pair kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from math import factorial

import lightgbm
import numpy as np
import pytest
import xgboost
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from explainers._treeshap import (
    _aggregate,
    _prepared,
    cost_grows_with_background,
    prepare,
    tree_shap,
)
from explainers._treeshap._aggregate import (
    LIST_MIN_BACKGROUND,
    MAX_TABLE_FEATURES,
    TABLE_BUDGET_BYTES,
    BackgroundTables,
    TablePlan,
    _leaves_of,
)
from explainers._treeshap._errors import (
    WHY_LISTS,
    WHY_TABLES,
    WHY_WALK,
    BackgroundTooLargeError,
)
from explainers._treeshap._extract import extract
from explainers._treeshap._kernel import predict_margin
from explainers._treeshap._prepared import MAX_BACKGROUND, Prepared, to_input
from tests.explainers.test_treeshap_bruteforce import brute_force

TOL = 1e-12
Output = Callable[[np.ndarray], np.ndarray]


def shapley_of_mean_game(f: Output, X: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Shapley values (n x m) of ``v_x(S) = mean_z f(x_S, z_rest)`` for each row ``x``
    of ``X``, by enumerating all 2^m coalitions; ``f`` is called once on every hybrid."""
    n, m = X.shape
    codes = np.arange(2**m)
    masks = ((codes[:, None] >> np.arange(m)) & 1).astype(bool)  # coalition s: bit j = j in S
    hybrids = np.where(masks[None, :, None, :], X[:, None, None, :], background[None, None])
    v = f(hybrids.reshape(-1, m)).reshape(n, codes.size, background.shape[0]).mean(axis=2)
    sizes = masks.sum(axis=1)
    weight = np.array([factorial(k) * factorial(m - k - 1) / factorial(m) for k in range(m)])
    phi = np.zeros((n, m))
    for j in range(m):
        without = codes[~masks[:, j]]
        phi[:, j] = (v[:, without | (1 << j)] - v[:, without]) @ weight[sizes[without]]
    return phi


def _close(got: np.ndarray, expected: np.ndarray, *, atol: float = TOL, err_msg: str = "") -> None:
    """Equal to ``atol`` in absolute terms (no relative slack)."""
    np.testing.assert_allclose(got, expected, rtol=0, atol=atol, err_msg=err_msg)


def test_vectorised_brute_force_equals_the_per_reference_one() -> None:
    """The enumeration used here agrees with test_treeshap_bruteforce's, reference by reference."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    est = RandomForestRegressor(n_estimators=3, max_depth=4, random_state=0)
    est.fit(X, X[:, 0] * X[:, 1] + X[:, 2])
    rows, background = rng.normal(size=(2, 4)), rng.normal(size=(5, 4))
    ours = shapley_of_mean_game(est.predict, rows, background)
    theirs = np.array([brute_force(est.predict, x, background) for x in rows])
    _close(ours, theirs)


# --- models -------------------------------------------------------------------------

NAN_KINDS = ("tree", "tree-clf", "forest", "forest-clf", "extra", "extra-clf", "hgb")
KINDS = (*NAN_KINDS, "gb", "gb-clf-margin")


def _fit(kind: str, X: np.ndarray, y: np.ndarray, depth: int, seed: int) -> object:
    labels = (y > np.nanmedian(y)).astype(int)
    small = {"max_depth": depth, "random_state": seed}
    models: dict[str, Callable[[], object]] = {
        "tree": lambda: DecisionTreeRegressor(**small).fit(X, y),
        "tree-clf": lambda: DecisionTreeClassifier(**small).fit(X, labels),
        "forest": lambda: RandomForestRegressor(n_estimators=4, **small).fit(X, y),
        "forest-clf": lambda: RandomForestClassifier(n_estimators=4, **small).fit(X, labels),
        "extra": lambda: ExtraTreesRegressor(n_estimators=4, **small).fit(X, y),
        "extra-clf": lambda: ExtraTreesClassifier(n_estimators=4, **small).fit(X, labels),
        "gb": lambda: GradientBoostingRegressor(n_estimators=5, **small).fit(X, y),
        "gb-clf-margin": lambda: GradientBoostingClassifier(n_estimators=5, **small).fit(X, labels),
        "hgb": lambda: HistGradientBoostingRegressor(max_iter=5, **small).fit(X, y),
    }
    return models[kind]()


def _output(kind: str, est: object) -> tuple[str, Output]:
    """The engine's ``model_output`` and the model's own output on that scale."""
    if kind in ("tree-clf", "forest-clf", "extra-clf"):
        return "probability", lambda Z: est.predict_proba(Z)[:, 1]  # type: ignore[attr-defined]
    if kind == "gb-clf-margin":
        return "raw", lambda Z: est.decision_function(Z)  # type: ignore[attr-defined]
    return "raw", lambda Z: est.predict(Z)  # type: ignore[attr-defined]


def _data(rng: np.random.Generator, n: int, m: int, *, integer: bool, nan: bool) -> np.ndarray:
    X = rng.integers(0, 4, size=(n, m)).astype(float) if integer else rng.normal(size=(n, m))
    if nan:
        X[rng.random((n, m)) < 0.15] = np.nan
    return X


def _walk_only(e: object, background: np.ndarray) -> Prepared:
    """The same model and background with every tree on the walk (no table fits in 0 bytes,
    and no pattern lists are allowed)."""
    plan = TablePlan(e, budget_bytes=0, lists=False)
    assert plan.table_roots.size == 0 and plan.table_bytes == 0
    return Prepared(e, background, plan=plan)  # type: ignore[arg-type]


def _worst_d(plan: TablePlan, e: object, root: int) -> int:
    """The most distinct path features of any leaf of the tree at ``root``."""
    return int(plan.leaf_d[_leaves_of(e, root)].max())


# --- 1. random small models: tables == brute force == walk == pairwise ----------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_features=st.integers(2, 6),
    depth=st.integers(1, 6),
    kind=st.sampled_from(KINDS),
    n_background=st.integers(1, 8),
    integer_data=st.booleans(),
    nan=st.booleans(),
    max_features=st.integers(0, 6),
)
def test_random_models_on_tables_equal_brute_force_and_the_walk(
    seed: int,
    n_features: int,
    depth: int,
    kind: str,
    n_background: int,
    integer_data: bool,
    nan: bool,
    max_features: int,
) -> None:
    rng = np.random.default_rng(seed)
    nan = nan and kind in NAN_KINDS
    X = _data(rng, 150, n_features, integer=integer_data, nan=nan)
    filled = np.nan_to_num(X, nan=0.5)
    y = filled @ rng.normal(size=n_features) + 2 * (filled[:, 0] > 0) * filled[:, -1]
    y = y + np.isnan(X[:, 0]) + rng.normal(scale=0.3, size=X.shape[0])
    est = _fit(kind, X, y, depth, seed)
    model_output, f = _output(kind, est)
    rows = _data(rng, 3, n_features, integer=integer_data, nan=nan)
    background = _data(rng, n_background, n_features, integer=integer_data, nan=nan)

    e = extract(est, model_output=model_output)
    tables = Prepared(e, background)
    assert tables.engine_path == "insyn-tables"
    assert tables.plan is not None and tables.plan.walk_roots.size == 0
    got = tables.explain(rows, n_jobs=1)
    context = f"{kind} seed={seed} depth={depth} m={n_features} bg={n_background}"

    expected = shapley_of_mean_game(f, rows, background)
    _close(got, expected, err_msg=f"brute force: {context}")
    walked = _walk_only(e, background).explain(rows, n_jobs=1)
    _close(got, walked, err_msg=f"walk: {context}")
    pairwise = tables.explain_pairwise(rows)
    _close(got, pairwise, err_msg=f"pairwise: {context}")
    hybrid = Prepared(e, background, plan=TablePlan(e, max_features=max_features))
    _close(got, hybrid.explain(rows, n_jobs=1), err_msg=f"hybrid {max_features}: {context}")
    # 4. the base is the background's mean output, and the values add up to the output
    assert abs(tables.base_value - float(np.mean(f(background)))) <= TOL, context
    _close(got.sum(1) + tables.base_value, f(rows))


# --- 2. the hybrid: some trees on tables, the others walked ---------------------------


def _mixed_forest() -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
    """A forest whose trees have different numbers of distinct path features."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X) @ rng.normal(size=6) + np.isnan(X[:, 1])
    est = RandomForestRegressor(n_estimators=10, max_depth=5, max_features=2, random_state=3)
    est.fit(X, y)
    X[rng.random(X.shape) < 0.1] = np.nan
    return est, X, rng.normal(size=(3, 6)), X[:7]


def test_plan_with_few_features_puts_some_trees_on_tables_and_walks_the_rest() -> None:
    est, _, rows, background = _mixed_forest()
    e = extract(est, model_output="raw")
    full = TablePlan(e)
    worst = {int(r): _worst_d(full, e, int(r)) for r in e.roots}
    limit = min(worst.values())
    assert max(worst.values()) > limit, worst  # the forest really mixes
    plan = TablePlan(e, max_features=limit, lists=False)
    assert plan.table_roots.size and plan.walk_roots.size
    assert all(worst[int(r)] <= limit for r in plan.table_roots)
    assert all(worst[int(r)] > limit for r in plan.walk_roots)
    hybrid = Prepared(e, background, plan=plan)
    assert hybrid.engine_path == "insyn-tables+walk"
    got = hybrid.explain(rows, n_jobs=1)
    _close(got, shapley_of_mean_game(est.predict, rows, background))
    _close(got, Prepared(e, background).explain(rows, 1))
    _close(got.sum(1) + hybrid.base_value, est.predict(rows))
    # with pattern lists allowed, the wider leaves keep their background's patterns instead
    listed = Prepared(e, background, plan=TablePlan(e, max_features=limit))
    assert listed.engine_path == "insyn-tables+lists" and not listed.walk_roots.size
    _close(listed.explain(rows, n_jobs=1), got)


@pytest.mark.parametrize("share", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_table_budget_is_never_exceeded_and_values_stay_exact(share: float) -> None:
    est, _, rows, background = _mixed_forest()
    e = extract(est, model_output="raw")
    total = TablePlan(e).table_bytes
    budget = int(share * total)
    plan = TablePlan(e, budget_bytes=budget, lists=False)
    assert plan.table_bytes <= budget
    # the stated bytes are the tables' leaves, 3 float64 x 2^d each, and what is allocated
    leaves = np.concatenate([_leaves_of(e, int(r)) for r in plan.table_roots] or [[]])
    assert plan.table_bytes == 24 * int(np.sum(2 ** plan.leaf_d[leaves.astype(int)]))
    prepared = Prepared(e, background, plan=plan)
    got = prepared.explain(rows, n_jobs=1)
    assert prepared.tables is not None and prepared.table_bytes == plan.table_bytes
    held = prepared.tables.H.nbytes + prepared.tables.G.nbytes + prepared.tables.K.nbytes
    assert held == plan.table_bytes
    if 0 < share < 1:
        assert plan.table_roots.size and plan.walk_roots.size
        assert prepared.engine_path == "insyn-tables+walk"
    if share == 1.0:
        assert prepared.engine_path == "insyn-tables"
    _close(got, shapley_of_mean_game(est.predict, rows, background))
    # over budget with lists allowed: no tree is walked, the tables stay within budget
    listed = Prepared(e, background, plan=TablePlan(e, budget_bytes=budget))
    assert not listed.walk_roots.size and listed.plan is not None
    assert listed.plan.table_bytes <= budget
    if share < 1:
        assert listed.plan.has_lists
    _close(listed.explain(rows, n_jobs=1), got)


def _deep_forest(n_trees: int = 3) -> tuple[object, np.ndarray]:
    """Full-depth trees on 14 features: leaves with more than 12 distinct path features."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(4000, 14))
    y = np.sin(3 * X).sum(1) + rng.normal(size=X.shape[0])
    est = RandomForestRegressor(n_estimators=n_trees, max_features=None, random_state=8)
    return est.fit(X, y), X


def test_tree_too_deep_for_tables_is_walked_and_builds_no_table() -> None:
    est, X = _deep_forest()
    e = extract(est, model_output="raw")
    assert e.max_depth > MAX_TABLE_FEATURES
    plan = TablePlan(e, lists=False)
    assert plan.walk_roots.size  # some tree has a leaf with 13 distinct path features
    assert all(_worst_d(plan, e, int(r)) > MAX_TABLE_FEATURES for r in plan.walk_roots)
    leaves = sum(_leaves_of(e, int(r)).size for r in plan.table_roots)
    assert plan.table_bytes <= 24 * 2**MAX_TABLE_FEATURES * leaves  # no 2^depth blow-up
    rows, background = X[:2], X[100:103]
    prepared = Prepared(e, background)  # a small background: the walk pays better than lists
    assert prepared.walk_roots.size and prepared.table_bytes == plan.table_bytes
    got = prepared.explain(rows, n_jobs=1)
    _close(got, shapley_of_mean_game(est.predict, rows, background))
    _close(got, prepared.explain_pairwise(rows))


def test_deep_tree_with_a_large_background_keeps_pattern_lists_not_tables() -> None:
    est, X = _deep_forest()
    e = extract(est, model_output="raw")
    rows, background = X[:3], X[100 : 100 + LIST_MIN_BACKGROUND]
    prepared = Prepared(e, background)
    assert prepared.engine_path == "insyn-tables+lists" and not prepared.walk_roots.size
    plan = prepared.plan
    assert plan is not None and plan.table_bytes <= TABLE_BUDGET_BYTES
    leaves = sum(_leaves_of(e, int(r)).size for r in plan.table_roots)
    assert plan.table_bytes <= 24 * 2**MAX_TABLE_FEATURES * leaves  # no 2^depth blow-up
    got = prepared.explain(rows, n_jobs=1)
    # lists hold at most one pattern per background row and leaf
    assert prepared.table_bytes - plan.table_bytes <= 16 * LIST_MIN_BACKGROUND * leaves
    _close(got, prepared.explain_pairwise(rows))
    _close(got.sum(1) + prepared.base_value, est.predict(rows))


# --- 3. the background in blocks, and its size --------------------------------------


def test_one_block_and_many_blocks_give_identical_tables() -> None:
    rng = np.random.default_rng(4)
    X = _data(rng, 600, 5, integer=False, nan=True)
    y = (np.nan_to_num(X[:, 0]) + X[:, 1] > 0).astype(int)
    est = RandomForestClassifier(n_estimators=6, max_depth=5, random_state=4).fit(X, y)
    e = extract(est, model_output="probability")
    prepared = Prepared(e, X[:500])
    plan, background = TablePlan(e), prepared.background
    one = BackgroundTables(e, prepared.tr, [background], plan)
    many = BackgroundTables(e, prepared.tr, np.array_split(background, 37), plan)
    assert one.background_rows == many.background_rows == 500
    for name in ("H", "G", "K", "met"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name
    rows = X[500:520]
    a, b = np.zeros((20, 5)), np.zeros((20, 5))
    one.explain_into(to_input(rows, e), a)
    many.explain_into(to_input(rows, e), b)
    assert np.array_equal(a, b)
    _close(a, prepared.explain_pairwise(rows))


def test_prepared_reads_the_background_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    X = _data(rng, 700, 4, integer=True, nan=True)
    est = HistGradientBoostingRegressor(max_iter=6, max_depth=4, random_state=0)
    est.fit(X, np.nan_to_num(X) @ [1.0, -2.0, 0.5, 3.0])
    e = extract(est, model_output="raw")
    rows, background = X[:30], X[100:700]
    whole = Prepared(e, background)
    expected, base = whole.explain(rows, n_jobs=1), whole.base_value
    monkeypatch.setattr(_prepared, "BLOCK_ROWS", 7)
    blocked = Prepared(e, background)
    assert np.array_equal(blocked.explain(rows, n_jobs=1), expected)
    assert blocked.base_value == base
    # tables built and rows explained on two threads: the same numbers
    assert np.array_equal(Prepared(e, background).explain(rows, n_jobs=2), expected)


def _small_forest() -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(5000, 3))
    y = X[:, 0] * X[:, 1] + np.abs(X[:, 2]) + rng.normal(scale=0.1, size=X.shape[0])
    return RandomForestRegressor(n_estimators=5, max_depth=4, random_state=6).fit(X, y), X


def test_background_beyond_the_walks_limit_is_accepted_on_tables_and_exact() -> None:
    est, X = _small_forest()
    background, rows = X[:3000], X[4000:4004]
    assert background.shape[0] > MAX_BACKGROUND
    result = tree_shap(est, rows, background, model_output="raw", n_jobs=1)
    assert result.path == "insyn-tables"
    assert result.values is not None
    expected = shapley_of_mean_game(est.predict, rows, background)
    _close(result.values, expected)
    assert abs(result.base_value - float(np.mean(est.predict(background)))) <= TOL
    _close(result.values.sum(1) + result.base_value, est.predict(rows))


def test_table_background_limit_names_rows_and_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    est, X = _small_forest()
    monkeypatch.setattr(_prepared, "MAX_TABLE_BACKGROUND", 2500)
    with pytest.raises(BackgroundTooLargeError) as caught:
        prepare(est, X[:2501], model_output="raw")
    assert (caught.value.rows, caught.value.limit) == (2501, 2500)
    assert "2501" in str(caught.value) and "2500" in str(caught.value)
    assert WHY_TABLES in str(caught.value)


def test_walked_model_refuses_a_background_over_the_walks_limit() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(1200, 3))
    labels = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    gbc = GradientBoostingClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, labels)
    assert cost_grows_with_background(gbc, model_output="probability")  # logistic: walked
    at_limit = prepare(gbc, X[:MAX_BACKGROUND], model_output="probability")
    assert at_limit.background_rows == MAX_BACKGROUND and at_limit.walk_roots.size
    with pytest.raises(BackgroundTooLargeError) as caught:
        prepare(gbc, X[: MAX_BACKGROUND + 1], model_output="probability")
    assert (caught.value.rows, caught.value.limit) == (MAX_BACKGROUND + 1, MAX_BACKGROUND)
    message = str(caught.value)
    assert str(MAX_BACKGROUND + 1) in message and str(MAX_BACKGROUND) in message
    assert WHY_WALK in message


def test_pattern_list_model_refuses_a_background_over_the_lists_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep, X = _deep_forest(n_trees=2)
    assert cost_grows_with_background(deep, model_output="raw")  # lists grow with patterns
    monkeypatch.setattr(_prepared, "MAX_LIST_BACKGROUND", 2000)
    at_limit = prepare(deep, X[:2000], model_output="raw")
    assert at_limit.engine_path == "insyn-tables+lists"
    with pytest.raises(BackgroundTooLargeError) as caught:
        prepare(deep, X[:2001], model_output="raw")
    assert (caught.value.rows, caught.value.limit) == (2001, 2000)
    assert WHY_LISTS in str(caught.value)


# --- 4. base value and additivity on the tables ----------------------------------------


@pytest.mark.parametrize("kind", ["forest-clf", "gb", "gb-clf-margin", "hgb", "extra"])
def test_base_is_the_background_mean_and_values_add_up(kind: str) -> None:
    rng = np.random.default_rng(9)
    X = _data(rng, 800, 5, integer=False, nan=kind in NAN_KINDS)
    y = np.nan_to_num(X) @ rng.normal(size=5) + 3 * (np.nan_to_num(X[:, 2]) > 0.5)
    est = _fit(kind, X, y, 6, 9)
    model_output, f = _output(kind, est)
    background, rows = X[:400], X[400:800]
    result = tree_shap(est, rows, background, model_output=model_output, n_jobs=1)
    assert result.path == "insyn-tables" and result.values is not None
    assert abs(result.base_value - float(np.mean(f(background)))) <= TOL
    _close(result.values.sum(1) + result.base_value, f(rows))


# --- 5. whether the background's size drives the cost --------------------------------


def test_cost_grows_with_background_only_where_a_tree_is_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(10)
    X = rng.normal(size=(500, 6))
    labels = (X[:, 0] + X[:, 1] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, labels)
    gbr = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, X[:, 0] * X[:, 1])
    gbc = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, labels)
    assert not cost_grows_with_background(forest, model_output="probability")
    assert not cost_grows_with_background(gbr, model_output="raw")
    assert not cost_grows_with_background(gbc, model_output="raw")  # the margin: identity
    assert cost_grows_with_background(gbc, model_output="probability")  # logistic
    deep, _ = _deep_forest(n_trees=2)
    assert cost_grows_with_background(deep, model_output="raw")
    # a lower table limit puts the depth-4 forest's wider leaves on pattern lists, whose
    # cost grows with the background's distinct patterns
    monkeypatch.setattr(_aggregate, "MAX_TABLE_FEATURES", 2)
    assert cost_grows_with_background(forest, model_output="probability")


# --- 6. native categorical splits ------------------------------------------------------


@pytest.mark.parametrize("classifier", [False, True])
def test_categorical_hist_gradient_boosting_on_tables_equals_brute_force(classifier: bool) -> None:
    rng = np.random.default_rng(11)
    n = 1500
    X = np.column_stack(
        [
            rng.integers(0, 6, size=n).astype(float),  # categories 0..5
            rng.normal(size=n),
            rng.normal(size=n),
            rng.integers(0, 3, size=n).astype(float),  # categories 0..2
        ]
    )
    X[rng.random(n) < 0.1, 0] = np.nan
    score = np.isin(X[:, 0], [1, 4]) * X[:, 1] + (X[:, 3] == 2) - 0.5 * X[:, 2]
    cls = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    est = cls(max_iter=8, max_depth=4, categorical_features=[0, 3], random_state=0)
    est.fit(X, (score > 0).astype(int) if classifier else score)
    e = extract(est, model_output="raw")
    assert e.has_categorical and (e.cat_row >= 0).any()  # real categorical splits
    rows = X[:6].copy()
    rows[0, 0] = 9.0  # a category never seen in training
    rows[1, 3] = np.nan
    background = X[1000:1012]
    f: Output = est.decision_function if classifier else est.predict  # type: ignore[attr-defined]
    prepared = prepare(est, background, model_output="raw")
    assert prepared.engine_path == "insyn-tables"
    got = prepared.explain(rows, n_jobs=1)
    _close(got, shapley_of_mean_game(f, rows, background))
    _close(got, _walk_only(e, background).explain(rows, 1))
    _close(got.sum(1) + prepared.base_value, f(rows))


# --- XGBoost and LightGBM margins ------------------------------------------------------


def _gbm(package: str, classifier: bool) -> tuple[object, np.ndarray, Output]:
    rng = np.random.default_rng(12)
    X = _data(rng, 600, 4, integer=False, nan=True)
    filled = np.nan_to_num(X, nan=1.0)
    score = filled[:, 0] * filled[:, 1] - filled[:, 2] + 0.5 * np.isnan(X[:, 3])
    y = (score > 0).astype(int) if classifier else score
    if package == "xgboost":
        cls = xgboost.XGBClassifier if classifier else xgboost.XGBRegressor
        est = cls(n_estimators=6, max_depth=3, random_state=0, n_jobs=1).fit(X, y)
        return est, X, lambda Z: est.predict(Z, output_margin=True)
    cls = lightgbm.LGBMClassifier if classifier else lightgbm.LGBMRegressor
    est = cls(
        n_estimators=6, num_leaves=8, min_child_samples=5, verbose=-1, random_state=0, n_jobs=1
    )
    est.fit(X, y)
    return est, X, lambda Z: est.predict(Z, raw_score=True)


@pytest.mark.parametrize("classifier", [False, True])
@pytest.mark.parametrize("package", ["xgboost", "lightgbm"])
def test_gbm_margin_on_tables_equals_brute_force(package: str, classifier: bool) -> None:
    est, X, own = _gbm(package, classifier)
    rows, background = X[:5], X[100:110]
    prepared = prepare(est, background, model_output="raw")
    assert prepared.engine_path == "insyn-tables"
    e = prepared.ensemble

    def margin(Z: np.ndarray) -> np.ndarray:  # the extracted trees, in float64
        return predict_margin(to_input(Z, e), e.roots, prepared.tr, e.base_offset)

    # the extracted trees are the model: XGBoost sums its trees in float32
    tol_own = 2e-6 if package == "xgboost" else TOL
    _close(margin(X), own(X), atol=tol_own)
    got = prepared.explain(rows, n_jobs=1)
    _close(got, shapley_of_mean_game(margin, rows, background))
    _close(got, shapley_of_mean_game(own, rows, background), atol=tol_own)
    _close(got, _walk_only(e, background).explain(rows, 1))
    _close(got.sum(1) + prepared.base_value, margin(rows))


def test_pattern_lists_over_their_budget_walk_those_trees_the_same_way_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    est, X = _deep_forest()
    e = extract(est, model_output="raw")
    rows, background = X[:3], X[100 : 100 + LIST_MIN_BACKGROUND]
    free = Prepared(e, background)
    free.explain(rows, n_jobs=1)
    assert free.tables is not None
    first_tree_lists = 16 * int(free.tables.lists[1][free.tables.lists[1] > 0].sum())
    monkeypatch.setattr(_aggregate, "LIST_BUDGET_BYTES", first_tree_lists // 3)
    runs = []
    for _ in range(2):
        capped = Prepared(e, background)
        runs.append(capped.explain(rows, n_jobs=2))
        assert capped.tables is not None and capped.tables.over_budget  # some trees walked
        assert 16 * int(capped.tables.lists[2].shape[0]) <= first_tree_lists // 3
        assert capped.engine_path.endswith("+walk")
    np.testing.assert_array_equal(runs[0], runs[1])  # the same trees kept on every run
    _close(runs[0], capped.explain_pairwise(rows))
