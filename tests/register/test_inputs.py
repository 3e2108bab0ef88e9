"""The try-it form's rules: values a citizen types are checked before the model sees them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from register import FeatureSpec, InputProfile, InputValidationError, profile_from
from register.record._inputs import (
    ABSURD_SPANS,
    INPUT_PROBLEM_LINE,
    KIND_MAGNITUDE,
    KIND_NUMBER,
    KIND_RANGE,
    KIND_SIGN,
    KIND_WHOLE,
    QUANTILE_LEVELS,
    RULE_CATEGORY,
    RULE_MAGNITUDE,
    RULE_NUMBER,
    RULE_RANGE,
    RULE_REQUIRED,
    RULE_SIGN,
    RULE_UNKNOWN,
    RULE_WHOLE,
    observed_step,
)


@pytest.fixture(scope="module")
def profile(small_model, small_reference) -> InputProfile:  # type: ignore[no-untyped-def]
    return profile_from(small_model, small_reference)


def test_profile_follows_model_inputs_and_reference_ranges(profile, small_reference):
    assert profile.names == tuple(small_reference.columns)
    age = next(f for f in profile.features if f.name == "age")
    assert age.kind == "numeric" and age.integer
    assert age.minimum == small_reference["age"].min()
    assert age.maximum == small_reference["age"].max()
    rr = next(f for f in profile.features if f.name == "rr")
    assert not rr.integer
    assert InputProfile.from_dict(profile.to_dict()).features == profile.features


def test_defaults_validate_into_one_model_ready_row(profile, small_model):
    row = profile.validate(profile.defaults())
    assert list(row.columns) == list(profile.names)
    assert len(row) == 1
    proba = small_model.predict_proba(row)
    assert 0.0 <= proba[0, 1] <= 1.0


def test_every_bad_value_is_named_with_rule_and_value(profile):
    values = dict(profile.defaults())
    age = next(f for f in profile.features if f.name == "age")
    values["age"] = age.maximum + 50
    values["tenure"] = 2.5
    values["rr"] = "lots"
    values["joblost"] = "fired by a robot"
    values.pop("married")
    values["shoe_size"] = 44
    with pytest.raises(InputValidationError) as info:
        profile.validate(values)
    message = str(info.value)
    fields = {p[0]: p[1] for p in info.value.problems}
    assert fields["tenure"] == RULE_WHOLE
    assert fields["rr"] == RULE_NUMBER
    assert fields["married"] == RULE_REQUIRED
    assert fields["shoe_size"] == RULE_UNKNOWN
    assert fields["joblost"].startswith(RULE_CATEGORY.split("{")[0])
    expected_range = RULE_RANGE.format(minimum=int(age.minimum), maximum=int(age.maximum))
    assert (
        INPUT_PROBLEM_LINE.format(field="age", rule=expected_range, value=repr(values["age"]))
        in message
    )
    assert "6 problem(s)" in message


def test_numbers_typed_as_text_are_accepted(profile):
    values = {k: str(v) for k, v in profile.defaults().items()}
    row = profile.validate(values)
    assert isinstance(row, pd.DataFrame)
    assert row["age"].dtype == "int64"


@pytest.mark.parametrize("text", ["1_5", "1e1", "1,5", "15 %", "0x0f", "١٥", "", "-"])
def test_text_that_float_would_misread_is_not_a_number(profile, text):
    # float() reads "1_5" as 15, "1e1" as 10 and Arabic-Indic "١٥" as 15: never silently.
    values = dict(profile.defaults())
    values["rr"] = text
    with pytest.raises(InputValidationError) as info:
        profile.validate(values)
    [(field, rule, _)] = [p for p in info.value.problems if p[0] == "rr"] or [("rr", "", "")]
    assert (field, rule) == ("rr", RULE_NUMBER if text else RULE_REQUIRED)


def test_plain_decimal_text_is_read_exactly(profile):
    values = dict(profile.defaults())
    rr = next(f for f in profile.features if f.name == "rr")
    middle = (rr.minimum + rr.maximum) / 2
    values["rr"] = f" {middle:.3f} "
    row = profile.validate(values)
    assert row["rr"].iloc[0] == float(f"{middle:.3f}")


def test_a_huge_value_is_shown_shortened(profile):
    values = dict(profile.defaults())
    values["rr"] = "9" * 1_000_000 + "x"
    with pytest.raises(InputValidationError) as info:
        profile.validate(values)
    assert len(str(info.value)) < 500


def test_profile_keeps_each_numbers_step_and_quantiles(profile, small_reference):
    age = next(f for f in profile.features if f.name == "age")
    assert age.step == 1.0
    assert age.quantiles[0] == age.minimum and age.quantiles[-1] == age.maximum
    assert len(age.quantiles) == len(QUANTILE_LEVELS)
    assert list(age.quantiles) == sorted(age.quantiles)
    assert age.quantiles[10] == pytest.approx(small_reference["age"].median())
    married = next(f for f in profile.features if f.name == "married")
    assert married.step is None and married.quantiles == ()


@pytest.mark.parametrize(
    ("values", "step"),
    [
        ([1, 2, 3, 6, 4], 1.0),  # a 1-6 score
        ([0.5, 1.0, 2.5, 4.0], 0.5),  # half steps
        ([10, 20, 50], 10.0),
        (np.array([1.8, 3.1, 10.6], dtype=np.float32), 0.1),  # float32 noise is not a grid
        ([0.123456789, 0.5, 0.9], None),  # continuous
        ([3.0, 3.0], None),  # one value: no step to see
    ],
)
def test_observed_step_finds_the_grid_values_lie_on(values, step):
    assert observed_step(np.asarray(values, dtype=float)) == step


def test_an_old_profile_without_step_or_quantiles_still_reads():
    old = {"name": "age", "kind": "numeric", "minimum": 18.0, "maximum": 70.0, "integer": True}
    spec = FeatureSpec.from_dict({**old, "categories": [], "default": 40})
    assert spec.step is None and spec.quantiles == ()
    profile = InputProfile.from_dict({"features": [{**old, "categories": [], "default": 40}]})
    assert InputProfile.from_dict(profile.to_dict()) == profile


def _spec(profile, name):  # type: ignore[no-untyped-def]
    return next(f for f in profile.features if f.name == name)


def test_strict_by_default_a_number_outside_the_range_is_refused_with_its_code(profile):
    values = dict(profile.defaults())
    values["age"] = _spec(profile, "age").maximum + 1
    with pytest.raises(InputValidationError) as info:
        profile.validate(values)
    assert info.value.kinds == (KIND_RANGE,)
    with pytest.raises(InputValidationError):
        profile.validate(values, outside_range="refuse")


def test_note_mode_accepts_a_number_outside_the_range_and_names_it(profile):
    age, rr = _spec(profile, "age"), _spec(profile, "rr")
    values = dict(profile.defaults())
    values["age"] = int(age.maximum) + 5
    values["rr"] = rr.minimum / 2 if rr.minimum > 0 else rr.minimum - 0.1
    row = profile.validate(values, outside_range="note")
    assert row["age"].iloc[0] == int(age.maximum) + 5 and row["age"].dtype == "int64"
    notes = {note.name: note for note in profile.outside_range(row)}
    assert notes["age"].side == "above" and notes["age"].bound == age.maximum
    assert set(notes) == ({"age", "rr"} if values["rr"] >= 0 else {"age"})
    assert profile.outside_range(profile.validate(profile.defaults())) == ()


def test_note_mode_still_refuses_what_cannot_be_meant_with_codes_and_rules(profile):
    age, tenure = _spec(profile, "age"), _spec(profile, "tenure")
    assert age.minimum >= 0
    span = max(age.maximum - age.minimum, abs(age.maximum), 1.0)
    values = dict(profile.defaults())
    values["age"] = -3
    values["tenure"] = tenure.maximum + ABSURD_SPANS * max(tenure.maximum, 1.0) * 2
    values["rr"] = "much"
    values["yrdispl"] = 2.5
    with pytest.raises(InputValidationError) as info:
        profile.validate(values, outside_range="note")
    kinds = dict(zip([p[0] for p in info.value.problems], info.value.kinds, strict=True))
    rules = {p[0]: p[1] for p in info.value.problems}
    assert kinds == {
        "age": KIND_SIGN,
        "tenure": KIND_MAGNITUDE,
        "rr": KIND_NUMBER,
        "yrdispl": KIND_WHOLE,
    }
    assert rules["age"] == RULE_SIGN.format(minimum=int(age.minimum), maximum=int(age.maximum))
    assert rules["tenure"].startswith(RULE_MAGNITUDE.split("(")[0])
    # just inside the absurd limit is accepted, with a note
    values = dict(profile.defaults())
    values["age"] = int(age.maximum + ABSURD_SPANS * span)
    assert profile.outside_range(profile.validate(values, outside_range="note"))[0].name == "age"


def test_an_unknown_outside_range_option_is_a_usage_error(profile):
    with pytest.raises(ValueError, match="outside_range"):
        profile.validate(profile.defaults(), outside_range="ignore")  # type: ignore[arg-type]
