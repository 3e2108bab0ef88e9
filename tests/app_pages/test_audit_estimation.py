"""The auditor's provenance table states how model-agnostic values were computed and their error."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import explainers._agnostic as agnostic
from app_pages import _audit_provenance, _audit_sections, _format, _provenance_words, _text
from app_pages._numbers import format_scientific
from explainers import explain
from explainers._agnostic import Plan


@pytest.fixture(params=["sv", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_text, "current_language", lambda: request.param)
    monkeypatch.setattr(_format, "current_language", lambda: request.param)
    monkeypatch.setattr(_audit_provenance, "current_language", lambda: request.param)
    monkeypatch.setattr(_provenance_words, "current_language", lambda: request.param)
    return str(request.param)


@pytest.fixture(scope="module")
def model_and_data() -> tuple[Any, pd.DataFrame]:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(80, 4)), columns=["a", "b", "c", "d"])
    y = (X["a"] - X["b"] * X["c"] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=200, random_state=0).fit(X, y)
    return model, X


def _rows(meta: dict[str, Any]) -> dict[str, str]:
    return dict(_audit_sections.provenance_rows(meta))


def test_sampled_values_show_method_and_estimated_error(
    lang: str, model_and_data: tuple[Any, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, X = model_and_data
    monkeypatch.setattr(agnostic, "plan_for", lambda *_: Plan("permutation_sampling", 8))
    meta = explain(model, X.iloc[:30], background_size=12).metadata.to_dict()
    estimation = meta["estimation"]
    rows = _rows(meta)
    exact_label = _text.t("audit.provenance.exact")
    error_label = _text.t("audit.provenance.error")
    assert rows[exact_label] == _text.t("no")
    shown = rows[error_label]
    # in the reader's number format: 1,23e-02 in Swedish, 1.23e-02 in English
    assert format_scientific(estimation["standard_error_max"], lang) in shown
    assert format_scientific(estimation["standard_error_typical"], lang) in shown
    share = _format.format_number(100 * estimation["standard_error_max_relative"], 2)
    assert share in shown
    method = rows[_text.t("audit.provenance.method")]
    low = _format.format_number(estimation["permutations_per_row"]["min"], 0)
    assert low in method
    assert ("urval" if lang == "sv" else "sampling") in method
    drawn = rows[_text.t("audit.provenance.drawn")]
    assert "12" in drawn and "30" in drawn


def test_exact_values_say_so_and_other_explainers_show_no_estimation(
    lang: str, model_and_data: tuple[Any, pd.DataFrame]
) -> None:
    model, X = model_and_data
    meta = explain(model, X.iloc[:20], background_size=5).metadata.to_dict()
    rows = _rows(meta)
    assert rows[_text.t("audit.provenance.exact")] == _text.t("yes")
    assert rows[_text.t("audit.provenance.error")] == _text.t("audit.error.none")
    assert "16" in rows[_text.t("audit.provenance.method")]  # 2**4 coalitions per row
    meta["estimation"] = None  # a tree or linear explanation
    assert _text.t("audit.provenance.error") not in _rows(meta)


def test_tree_rows_show_the_stored_definition_and_check_once_each(
    lang: str, model_and_data: tuple[Any, pd.DataFrame]
) -> None:
    from sklearn.ensemble import RandomForestClassifier

    mlp, X = model_and_data
    y = (X["a"] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    tree_meta = explain(forest, X.iloc[:30], background_size=10, seed=4).metadata.to_dict()
    agnostic_meta = explain(mlp, X.iloc[:20], background_size=5).metadata.to_dict()
    for meta in (tree_meta, agnostic_meta):
        labels = [label for label, _ in _audit_sections.provenance_rows(meta)]
        assert len(labels) == len(set(labels))  # one row each: definition, drawn, check
    rows = _rows(tree_meta)
    definition = rows[_text.t("audit.provenance.definition")]
    verification = rows[_text.t("audit.provenance.verification")]
    assert definition == _provenance_words.provenance_text(tree_meta["definition"])
    assert verification == _provenance_words.provenance_text(tree_meta["verification"])
    if lang == "en":  # the stored statements, word for word
        assert (definition, verification) == (tree_meta["definition"], tree_meta["verification"])
    else:  # said in Swedish, the numbers with the decimal comma
        assert definition.startswith("interventionella Shapley-värden")
        assert verification.startswith("lika med shap.TreeExplainer") and "e-0" in verification
        assert "." not in verification.split("|")[-1]
    assert _text.t("audit.provenance.method") not in rows
    drawn = rows[_text.t("audit.provenance.drawn")]
    assert "10" in drawn and "30" in drawn and "default_rng(4)" in drawn
    if lang == "en":  # the stored statement, word for word
        assert drawn == tree_meta["background_drawn"]
    shown = _rows(agnostic_meta)[_text.t("audit.provenance.definition")]
    output = _text.t("audit.output.probability", label=agnostic_meta["positive_class"])
    assert shown == _text.t("audit.definition.agnostic", output=output)


def test_a_stratified_background_is_named_as_such(
    lang: str, model_and_data: tuple[Any, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.ensemble import RandomForestClassifier

    from explainers import _background, _treeshap

    monkeypatch.setattr(_treeshap, "cost_grows_with_background", lambda *a, **k: False)
    monkeypatch.setattr(_background, "REFERENCE_BACKGROUND_CAP", 20)
    _, X = model_and_data
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)
    forest.fit(X, (X["a"] > 0).astype(int))
    meta = explain(forest, X, seed=4).metadata.to_dict()
    assert meta["background_sampling"]["method"] == "stratified"
    drawn = _rows(meta)[_text.t("audit.provenance.drawn")]
    assert drawn == _text.t("audit.drawn.stratified", size=20, rows=80, seed=4)
    assert "20" in drawn and "80" in drawn and "default_rng(4)" in drawn
    assert drawn != _text.t("audit.drawn.sample", size=20, rows=80, seed=4)
