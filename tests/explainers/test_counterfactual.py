"""What would change the outcome: suggestions flip the model and respect the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explainers import ExplanationError, find_counterfactuals
from explainers._counterfactual import BAD_THRESHOLD, NOT_ONE_ROW, positive_probability

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
