"""The background policy: which size for which model, a stated, seeded and reproducible draw
(stratified by the predicted outcome above the cap), and old metadata still reads.

The engine's answer (``cost_grows_with_background``) is monkeypatched both ways, so these
tests hold whatever the table engine answers for a given model; the caps are lowered so the
small test data crosses them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import GradientBoostingClassifier

import explainers
from explainers import _background, _treeshap
from explainers._explain import _prepare, sample_background
from explainers._metadata import ExplanationMetadata
from explainers._result import Explanation
from tests.explainers.conftest import pipeline

TABLE_CAP = 60
GROWING_CAP = 40


@pytest.fixture()
def engine_answers(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set what the engine answers; record what it was asked; lower the caps."""
    asked: list[tuple[str, str]] = []

    def answer(grows: bool) -> None:
        def cost_grows(estimator: Any, *, model_output: str) -> bool:
            asked.append((type(estimator).__name__, model_output))
            return grows

        monkeypatch.setattr(_treeshap, "cost_grows_with_background", cost_grows)

    monkeypatch.setattr(_background, "REFERENCE_BACKGROUND_CAP", TABLE_CAP)
    monkeypatch.setattr(_background, "GROWING_COST_BACKGROUND_CAP", GROWING_CAP)
    answer.asked = asked  # type: ignore[attr-defined]
    return answer


def _policy(model: Any, requested: int | None = None) -> _background.BackgroundPolicy:
    parts, choice = _prepare(model, None)
    return _background.background_policy(parts.estimator, choice, requested)


def test_tree_models_the_tables_explain_get_the_whole_reference_up_to_the_cap(
    forest, engine_answers
) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    policy = _policy(forest)
    assert (policy.cap, policy.stratified) == (TABLE_CAP, True)
    assert policy.reason == _background.REASON_TABLES
    assert engine_answers.asked == [("RandomForestClassifier", "probability")]


def test_tree_models_whose_cost_grows_get_the_smaller_cap(forest, data, engine_answers) -> None:  # type: ignore[no-untyped-def]
    engine_answers(True)
    policy = _policy(forest)
    assert (policy.cap, policy.stratified) == (GROWING_CAP, True)
    assert policy.reason == _background.REASON_TREE_GROWS
    boosted = pipeline(GradientBoostingClassifier(n_estimators=5, random_state=0)).fit(*data)
    assert _policy(boosted).reason == _background.REASON_LOGISTIC


def test_linear_and_agnostic_models_keep_100_rows_drawn_as_before(
    logistic, bayes, data, engine_answers
) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    for model, kind in ((logistic, "linear"), (bayes, "agnostic")):
        policy = _policy(model)
        assert (policy.cap, policy.stratified) == (_background.DEFAULT_BACKGROUND_SIZE, False)
        assert policy.reason == _background.REASON_NOT_TREE.format(kind=kind)
    assert engine_answers.asked == []  # never asked: only tree models reach the engine
    exp = explainers.explain(logistic, data[0], seed=3)
    assert exp.background.equals(sample_background(data[0], 100, 3))
    assert exp.metadata.background_sampling is None
    assert exp.metadata.background_drawn.startswith("a seeded sample of 100 of the 240 reference")
    assert "because the cost of explaining a linear model grows" in exp.metadata.background_drawn


def test_an_explicit_size_is_used_as_given(forest, engine_answers) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    assert _policy(forest, 25) == _background.BackgroundPolicy(
        cap=25, stratified=False, reason=None
    )
    for bad in (0, -1, True, 2.5, "100"):
        with pytest.raises(explainers.ExplanationError, match="background_size"):
            _policy(forest, bad)  # type: ignore[arg-type]


def test_a_reference_within_the_cap_is_the_background_whole(forest, data, engine_answers) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    reference = data[0].head(TABLE_CAP)
    meta = explainers.explain(forest, reference, seed=2).metadata
    assert meta.background_size == TABLE_CAP and meta.background_sampling is None
    assert meta.background_drawn == _background.ALL_ROWS_POLICY.format(
        rows=TABLE_CAP,
        reason=_background.CAPPED.format(reason=_background.REASON_TABLES, cap=TABLE_CAP),
    )
    assert meta.background_drawn.startswith(
        f"all {TABLE_CAP} reference rows: the exact tree engine's cost does not depend"
    )


@pytest.mark.parametrize("grows", [False, True])
def test_above_the_cap_a_stratified_draw_keeps_the_class_shares_and_is_reproduced(
    forest, data, engine_answers, grows
) -> None:  # type: ignore[no-untyped-def]
    engine_answers(grows)
    reference = data[0]
    cap = GROWING_CAP if grows else TABLE_CAP
    exp = explainers.explain(forest, reference, seed=5)
    meta = exp.metadata
    sampling = meta.background_sampling
    assert meta.background_size == len(exp.background) == cap
    assert sampling is not None and sampling["by"] == "decision"
    decided = forest.predict_proba(reference)[:, 1] >= 0.5
    counts = [[int((~decided).sum()), 0], [int(decided.sum()), 0]]
    drawn = forest.predict_proba(exp.background)[:, 1] >= 0.5
    counts[0][1], counts[1][1] = int((~drawn).sum()), int(drawn.sum())
    assert sampling["strata"] == counts
    assert abs(drawn.mean() - decided.mean()) * cap < 1  # the share within one row
    assert meta.background_drawn.startswith(
        f"a seeded stratified sample of {cap} of the 240 reference rows, because "
    )
    assert "default_rng(5)" in meta.background_drawn
    again = explainers.explain(forest, reference, seed=5)
    assert again.metadata.background_sha256 == meta.background_sha256
    other = explainers.explain(forest, reference, seed=6)
    assert other.metadata.background_sha256 != meta.background_sha256
    for given_reference in (reference, None):
        checks = explainers.run_checks(forest, exp, reference=given_reference)
        assert checks.passed, checks.reproducibility
        assert checks.reproducibility["background_resampled_matches"] is (
            True if given_reference is not None else None
        )
        assert checks.additivity["stored_output_max_difference"] == 0.0


def test_a_regressor_is_stratified_by_equal_count_bins_of_its_prediction(
    regressor, data, engine_answers
) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    exp = explainers.explain(regressor, data[0], seed=1)
    sampling = exp.metadata.background_sampling
    assert sampling is not None and sampling["by"] == "output_bins"
    assert sampling["bins"] == _background.OUTPUT_BINS
    strata = sampling["strata"]
    assert [rows for rows, _ in strata] == [24] * 10
    assert [taken for _, taken in strata] == [6] * 10
    assert "equal-count bins of the model's prediction" in exp.metadata.background_drawn
    assert explainers.run_checks(regressor, exp, reference=data[0]).passed


def test_a_changed_stratum_rule_is_caught_by_the_redraw(forest, data, engine_answers) -> None:  # type: ignore[no-untyped-def]
    engine_answers(False)
    exp = explainers.explain(forest, data[0], seed=5)
    stated = exp.metadata.to_dict()
    stated["background_sampling"] = {**stated["background_sampling"], "threshold": 0.9}
    tampered = _with_metadata(exp, stated)
    checks = explainers.run_checks(forest, tampered, reference=data[0])
    assert checks.reproducibility["background_resampled_matches"] is False
    assert not checks.passed


def test_metadata_without_a_sampling_rule_reads_as_the_uniform_draw(forest, data) -> None:  # type: ignore[no-untyped-def]
    exp = explainers.explain(forest, data[0], seed=4, background_size=30)
    stated = exp.metadata.to_dict()
    assert stated["background_sampling"] is None
    del stated["background_sampling"]
    stated["background_drawn"] = "not recorded"
    old = _with_metadata(exp, stated)
    assert old.metadata.background_sampling is None
    assert ExplanationMetadata.from_dict(old.metadata.to_dict()) == old.metadata
    assert explainers.run_checks(forest, old, reference=data[0]).passed


def _with_metadata(exp: Explanation, stated: dict[str, Any]) -> Explanation:
    return Explanation(
        metadata=ExplanationMetadata.from_dict(stated),
        values=exp.values,
        predictions=exp.predictions,
        background=exp.background,
        global_importance=exp.global_importance,
        dependence=exp.dependence,
        margin_values=exp.margin_values,
    )


@settings(deadline=None)  # no wall-clock bound on a shared machine
@given(
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=12).filter(
        lambda c: sum(c) > 0
    ),
    share=st.floats(min_value=0.0, max_value=1.0),
)
def test_allocation_is_proportional_within_one_row(counts: list[int], share: float) -> None:
    rows = sum(counts)
    size = max(1, round(share * rows))
    taken = _background.allocation(np.array(counts), size)
    assert int(taken.sum()) == size
    assert np.all(taken <= np.array(counts)) and np.all(taken >= 0)
    assert np.all(np.abs(taken - size * np.array(counts) / rows) < 1)


def test_the_stratified_draw_is_the_stated_function_of_seed_and_outputs() -> None:
    outputs = np.random.default_rng(0).random(500)
    strata = _background.outcome_strata(outputs, {"by": "decision", "threshold": 0.5})
    first = _background.background_positions(500, 50, 9, strata)
    assert np.array_equal(first, _background.background_positions(500, 50, 9, strata))
    assert np.all(np.diff(first) > 0)  # reference order, no repeats
    assert not np.array_equal(first, _background.background_positions(500, 50, 10, strata))
    bins = _background.outcome_strata(np.zeros(30), {"by": "output_bins", "bins": 10})
    assert np.bincount(bins).tolist() == [3] * 10  # ties split by reference order
    frame = pd.DataFrame({"a": np.arange(500)})
    assert _background.take_rows(frame, first)["a"].tolist() == first.tolist()


def test_the_strata_follow_what_is_explained() -> None:
    from explainers._select import Choice

    forest = Choice("tree", "probability", True, 1, "yes", 2)
    margin = Choice("tree", "log_odds", True, 2, "c", 3, boosted=True)
    regression = Choice("tree", "raw", False, None, None, 0)
    assert _background.strata_rule(forest) == {"by": "decision", "threshold": 0.5}
    for choice in (margin, regression):
        assert _background.strata_rule(choice) == {"by": "output_bins", "bins": 10}
    assert "decision for class 'yes'" in _background.strata_text(
        _background.strata_rule(forest), forest
    )
    assert "bins of the model's margin of class 'c'" in _background.strata_text(
        _background.strata_rule(margin), margin
    )
    assert "bins of the model's prediction" in _background.strata_text(
        _background.strata_rule(regression), regression
    )
