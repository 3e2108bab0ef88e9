"""What would change the outcome: suggestions reach the favourable outcome with the model,
in plausible steps, and respect the record."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explainers import ExplanationError, find_counterfactuals
from explainers._cf_steps import CATEGORY_COST, candidates, numeric_cost
from explainers._counterfactual import (
    BAD_THRESHOLD,
    NOT_ONE_ROW,
    UNKNOWN_FAVOURABLE,
    positive_probability,
)

ROOT = Path(__file__).resolve().parents[2]


class Demo:
    """A demo model with its record, input profile and reference rows."""

    def __init__(self, slug: str) -> None:
        from models import load_folder
        from register import load_record, profile_from

        built = load_folder(ROOT / "models" / slug).build()
        self.model, self.reference = built.model, built.reference_data
        self.record = load_record(ROOT / "models" / slug / "record.yaml")
        self.profile = profile_from(self.model, self.reference)
        self.positive = self.record.technical.positive_class
        self.changeable = [f.name for f in self.record.technical.features if f.changeable]
        self.protected = list(self.record.data.protected_attributes)

    def row(self, index: int) -> Any:
        return self.profile.validate(self.reference.iloc[index].to_dict())

    def search(self, index: int, **kwargs: Any) -> Any:
        options = {"changeable": self.changeable, "protected": self.protected}
        return find_counterfactuals(
            self.model,
            self.row(index),
            self.profile.features,
            positive_class=self.positive,
            **{**options, **kwargs},
        )

    def rows_near_threshold(self, count: int) -> list[int]:
        p = positive_probability(self.model, self.reference, self.positive)
        order = np.argsort(np.abs(p - 0.5), kind="stable")
        return [int(i) for i in order[:count]]


@pytest.fixture(scope="module")
def housing() -> Demo:
    return Demo("housing-guarantee")


@pytest.fixture(scope="module")
def benefits() -> Demo:
    return Demo("benefits-uptake")


def _check_suggestions(demo: Demo, index: int, result: Any) -> None:
    given = demo.reference.iloc[index].to_dict()
    specs = {f.name: f for f in demo.profile.features}
    before = result.probability >= 0.5
    for suggestion in result.suggestions:
        assert 1 <= len(suggestion.changes) <= 2
        for change in suggestion.changes:
            assert change.feature in demo.changeable
            assert change.feature not in demo.protected
            spec = specs[change.feature]
            if spec.kind == "categorical":
                assert change.suggested in spec.categories
            else:
                assert spec.minimum <= change.suggested <= spec.maximum
                if spec.integer:
                    assert float(change.suggested).is_integer()
        row = demo.profile.validate(suggestion.values(given))
        after = positive_probability(demo.model, row, demo.positive)[0]
        assert (after >= 0.5) != before, "a suggestion must really flip the model's output"
        assert after == pytest.approx(suggestion.probability)


def test_suggestions_flip_the_model_and_touch_only_changeable_inputs(housing: Demo) -> None:
    offered = 0
    for index in housing.rows_near_threshold(8):
        result = housing.search(index)
        _check_suggestions(housing, index, result)
        assert len(result.suggestions) <= 3
        offered += len(result.suggestions)
    assert offered > 0, "rows near the threshold should have some reasonable change"


def test_protected_inputs_are_never_suggested_even_if_marked_changeable(benefits: Demo) -> None:
    everything = [f.name for f in benefits.profile.features]
    for index in benefits.rows_near_threshold(5):
        result = benefits.search(index, changeable=everything, max_cost=2.0)
        assert not set(result.searched) & set(benefits.protected)
        for suggestion in result.suggestions:
            assert not set(suggestion.features) & set(benefits.protected)
        assert result.suggestions, "with every unprotected input free, something flips"


def test_unchangeable_inputs_are_never_suggested(benefits: Demo) -> None:
    for index in benefits.rows_near_threshold(5):
        result = benefits.search(index)
        assert set(result.searched) <= set(benefits.changeable)
        _check_suggestions(benefits, index, result)


def test_search_is_deterministic_and_fast(housing: Demo, benefits: Demo) -> None:
    for demo in (housing, benefits):
        index = demo.rows_near_threshold(1)[0]
        first, second = demo.search(index), demo.search(index)
        assert repr(first.suggestions) == repr(second.suggestions)
        assert first.seconds < 1.0 and second.seconds < 1.0


def test_nothing_reasonable_gives_no_suggestions(housing: Demo) -> None:
    index = housing.rows_near_threshold(1)[0]
    result = housing.search(index, changeable=[])
    assert result.suggestions == () and result.searched == ()
    assert result.complete


def test_bad_arguments_are_plain_errors(housing: Demo) -> None:
    rows = housing.profile.validate(housing.reference.iloc[0].to_dict())
    two = pd.concat([rows, rows], ignore_index=True)
    with pytest.raises(ExplanationError) as caught:
        find_counterfactuals(housing.model, two, housing.profile.features, changeable=[])
    assert str(caught.value) == NOT_ONE_ROW.format(count=2)
    with pytest.raises(ExplanationError) as caught:
        find_counterfactuals(
            housing.model, rows, housing.profile.features, changeable=[], threshold=1.0
        )
    assert str(caught.value) == BAD_THRESHOLD.format(value=1.0)


# -- toward the favourable outcome ---------------------------------------------------
def _synthetic(classes: int = 2) -> tuple[Any, pd.DataFrame, Any]:
    """A LogisticRegression on a tiny frame: ``debts`` (whole numbers 0-10), ``score``
    (half steps 0-5), ``plan`` (a category) and ``group`` (protected). Class 1 is
    refusal: the favourable outcome is class 0."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from register import profile_from

    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "debts": rng.integers(0, 11, n),
            "score": rng.integers(0, 11, n) / 2,
            "plan": rng.choice(["basic", "plus"], n),
            "group": rng.choice(["g1", "g2"], n),
        }
    )
    risk = frame["debts"] + 1.5 * frame["score"] + 2 * (frame["plan"] == "plus")
    noisy = risk + rng.normal(0, 1.5, n)
    if classes == 2:
        label = (noisy > 9).astype(int)
    else:
        label = np.select([noisy < 6, noisy < 11], ["low", "mid"], "high")
    model = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", StandardScaler(), ["debts", "score"]),
                        ("cat", OneHotEncoder(), ["plan", "group"]),
                    ]
                ),
            ),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    ).fit(frame, label)
    return model, frame, profile_from(model, frame)


@pytest.fixture(scope="module")
def synthetic() -> tuple[Any, pd.DataFrame, Any]:
    return _synthetic()


def _search_synthetic(synthetic: Any, index: int, **kwargs: Any) -> Any:
    model, frame, profile = synthetic
    options = {
        "changeable": ["debts", "score", "plan", "group"],
        "protected": ["group"],
        "favourable_class": 0,
        **kwargs,
    }
    row = profile.validate(frame.iloc[index].to_dict())
    return find_counterfactuals(model, row, profile.features, **options)


def test_suggestions_only_lead_to_the_favourable_class_zero(synthetic: Any) -> None:
    model, frame, profile = synthetic
    refused = positive_probability(model, frame) >= 0.5
    checked = 0
    for index in np.flatnonzero(refused)[:12]:
        result = _search_synthetic(synthetic, int(index))
        assert not result.already_favourable and result.favourable_class == 0
        assert result.probability >= 0.5
        for suggestion in result.suggestions:
            values = suggestion.values(frame.iloc[int(index)].to_dict())
            after = model.predict_proba(profile.validate(values))[0]
            assert after[1] < 0.5 and after[0] > 0.5, "a suggestion must reach class 0"
            assert after[1] == pytest.approx(suggestion.probability)
            assert "group" not in suggestion.features
            checked += 1
    assert checked > 0


def test_a_person_already_favourable_gets_no_suggestions_and_the_flag(synthetic: Any) -> None:
    model, frame, _ = synthetic
    granted = np.flatnonzero(positive_probability(model, frame) < 0.5)
    for index in granted[:5]:
        result = _search_synthetic(synthetic, int(index))
        assert result.already_favourable
        assert result.suggestions == ()
        assert result.probability < 0.5
    # The same rows without a direction get changes that flip them toward refusal:
    # which is exactly why the portal must not show them without a favourable outcome.
    undirected = _search_synthetic(synthetic, int(granted[0]), favourable_class=None)
    assert not undirected.already_favourable and undirected.favourable_class is None


def test_an_unknown_favourable_class_is_a_plain_error(synthetic: Any) -> None:
    with pytest.raises(ExplanationError) as caught:
        _search_synthetic(synthetic, 0, favourable_class="granted")
    assert str(caught.value) == UNKNOWN_FAVOURABLE.format(value="granted", classes="0, 1")


def test_steps_stay_on_the_features_grid_and_range(synthetic: Any) -> None:
    model, frame, profile = synthetic
    specs = {f.name: f for f in profile.features}
    assert specs["debts"].step == 1 and specs["score"].step == 0.5
    refused = np.flatnonzero(positive_probability(model, frame) >= 0.5)
    seen = 0
    for index in refused[:20]:
        for suggestion in _search_synthetic(synthetic, int(index), max_cost=2.0).suggestions:
            for change in suggestion.changes:
                spec = specs[change.feature]
                if spec.kind == "numeric":
                    assert spec.minimum <= change.suggested <= spec.maximum
                    assert float(change.suggested / spec.step).is_integer()
                    seen += 1
    assert seen > 0


def _percentile(spec: Any, value: float) -> float:
    """The documented cost curve, written out: the share of the reference data at
    ``value``, linear between the stored quantiles, equal quantiles at their middle."""
    levels = np.linspace(0, 1, len(spec.quantiles))
    points = sorted(set(spec.quantiles))
    shares = [
        float(np.mean([lv for q, lv in zip(spec.quantiles, levels, strict=True) if q == p]))
        for p in points
    ]
    return float(np.interp(value, points, shares))


def test_the_cheapest_favourable_change_is_found_by_brute_force(synthetic: Any) -> None:
    model, frame, profile = synthetic
    specs = {f.name: f for f in profile.features}
    grid = {
        "debts": [float(v) for v in range(0, 11)],
        "score": [v / 2 for v in range(0, 11)],
        "plan": ["basic", "plus"],
    }

    def cost(name: str, given: Any, value: Any) -> float:
        if specs[name].kind == "categorical":
            return CATEGORY_COST
        return abs(_percentile(specs[name], value) - _percentile(specs[name], float(given)))

    # Every row on the grid, asked of the model once: favourable when P(class 1) < 0.5.
    names = list(grid)
    table = pd.DataFrame(list(itertools.product(*grid.values())), columns=names)
    outcome: dict[tuple[Any, ...], dict[str, bool]] = {}
    for group in ("g1", "g2"):
        table["group"] = group
        p = model.predict_proba(table[list(frame.columns)])[:, 1]
        for key, value in zip(table[names].itertuples(index=False), p, strict=True):
            outcome.setdefault(tuple(key), {})[group] = bool(value < 0.5)

    def favourable(values: dict[str, Any]) -> bool:
        key = (float(values["debts"]), float(values["score"]), values["plan"])
        return outcome[key][values["group"]]

    refused = np.flatnonzero(positive_probability(model, frame) >= 0.5)
    for index in refused[:4]:
        given = frame.iloc[int(index)].to_dict()
        expected: list[tuple[float, tuple[str, ...]]] = []
        alone = set()
        for name, values in grid.items():
            options = [
                (cost(name, given[name], v), v)
                for v in values
                if v != given[name] and favourable({**given, name: v})
            ]
            if options:
                alone.add(name)
                expected.append((min(options)[0], (name,)))
        for first, second in itertools.combinations(sorted(grid), 2):
            if {first, second} & alone:
                continue
            options = [
                (cost(first, given[first], a) + cost(second, given[second], b), (a, b))
                for a in grid[first]
                for b in grid[second]
                if a != given[first]
                and b != given[second]
                and favourable({**given, first: a, second: b})
            ]
            if options:
                expected.append((min(options)[0], (first, second)))
        assert expected, "every refused row here can reach the favourable outcome"
        result = _search_synthetic(synthetic, int(index), limit=10, max_cost=10.0)
        found = sorted((round(s.cost, 9), s.features) for s in result.suggestions)
        assert found == sorted((round(c, 9), f) for c, f in expected)


def test_more_classes_favourable_means_the_highest_probability() -> None:
    model, frame, profile = _synthetic(classes=3)
    classes = list(model.classes_)
    low = classes.index("low")
    proba = model.predict_proba(frame)
    best = proba.argmax(axis=1)
    tried = 0
    for index in range(len(frame)):
        row = profile.validate(frame.iloc[index].to_dict())
        result = find_counterfactuals(
            model,
            row,
            profile.features,
            changeable=["debts", "score", "plan"],
            favourable_class="low",
            max_cost=2.0,
        )
        assert result.already_favourable == (best[index] == low)
        for suggestion in result.suggestions:
            after = model.predict_proba(
                profile.validate(suggestion.values(frame.iloc[index].to_dict()))
            )[0]
            assert after[low] > max(np.delete(after, low)), "favourable: 'low' is the most likely"
            assert after[low] == pytest.approx(suggestion.probability)
            tried += 1
        if tried >= 10:
            break
    assert tried > 0


def test_on_the_housing_demo_suggestions_lead_away_from_refusal(housing: Demo) -> None:
    favourable = housing.record.technical.favourable_outcome
    assert favourable is not None and favourable.value == "no"
    for index in housing.rows_near_threshold(8):
        result = housing.search(index, favourable_class=favourable.value)
        if result.probability < 0.5:
            assert result.already_favourable and result.suggestions == ()
        for suggestion in result.suggestions:
            row = housing.profile.validate(
                suggestion.values(housing.reference.iloc[index].to_dict())
            )
            assert positive_probability(housing.model, row, "yes")[0] < 0.5


def test_profiles_without_quantiles_cost_the_share_of_the_range() -> None:
    from register import FeatureSpec

    old = FeatureSpec.from_dict(
        {"name": "x", "kind": "numeric", "minimum": 0.0, "maximum": 20.0, "integer": True}
    )
    assert old.step is None and old.quantiles == ()
    options = dict((v, c) for c, v in candidates(old, 5, 60))
    assert set(options) == set(range(0, 21)) - {5}
    assert options[15] == pytest.approx(0.5)
    # With quantiles, 25 -> 2 costs the share of people between them, not a range share.
    skewed = FeatureSpec(
        name="x",
        kind="numeric",
        minimum=0.0,
        maximum=100.0,
        integer=True,
        quantiles=(0.0, *([2.0] * 9), 10.0, *([25.0] * 9), 100.0),
    )
    assert numeric_cost(skewed, 25, 2) == pytest.approx(0.5)
    assert numeric_cost(skewed, 25, 100) == pytest.approx(0.25)


def test_numbers_move_only_the_way_the_record_allows_and_categories_only_to_targets(
    housing: Demo, benefits: Demo
) -> None:
    favourable = housing.record.technical.favourable_outcome
    directions = {f.name: f.change_direction for f in housing.record.technical.features}
    assert directions["hirat"] == "lower"
    offered = 0
    for index in housing.rows_near_threshold(12):
        given = housing.reference.iloc[index].to_dict()
        free = housing.search(index, favourable_class=favourable.value)
        result = housing.search(index, favourable_class=favourable.value, directions=directions)
        for suggestion in result.suggestions:
            offered += 1
            for change in suggestion.changes:
                assert change.suggested < given[change.feature], "these inputs only go down"
        # The restriction only removes options: whatever it keeps the free search allows.
        assert len(result.searched) == len(free.searched)
    assert offered > 0
    school = {"school12": ("yes",)}
    for index in benefits.rows_near_threshold(12):
        given = benefits.reference.iloc[index].to_dict()
        result = benefits.search(index, favourable_class="yes", targets=school)
        for suggestion in result.suggestions:
            for change in suggestion.changes:
                if change.feature == "school12":
                    assert given["school12"] == "no" and change.suggested == "yes"
