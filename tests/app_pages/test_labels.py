"""The portal's label helpers: the record's label in the reader's language, the raw value
only when the record gives none, and the code beside the label only for auditors."""

from __future__ import annotations

import re
import string
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from app_pages import _charts, _format, _labels, _provenance_words, _text
from app_pages._numbers import format_scientific
from register import load_record
from register.audit import check_name, grouping_text

ROOT = Path(__file__).resolve().parents[2]
BENEFITS = load_record(ROOT / "models" / "benefits-uptake" / "record.yaml")
HOUSING = load_record(ROOT / "models" / "housing-guarantee" / "record.yaml")


@pytest.fixture(params=["sv", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for module in (_text, _format, _charts):
        monkeypatch.setattr(module, "current_language", lambda: request.param)
    return str(request.param)


def test_values_are_shown_by_their_label_in_the_readers_language(lang: str) -> None:
    sv = lang == "sv"
    assert _labels.value_text(BENEFITS, "joblost", "slack_work") == (
        "Arbetsbrist" if sv else "Slack work"
    )
    assert _labels.value_text(BENEFITS, "married", "yes") == ("Ja" if sv else "Yes")
    assert _labels.value_text(BENEFITS, "sex", "female") == ("Kvinna" if sv else "Female")
    assert _labels.column_text(BENEFITS, "nwhite") == ("Icke-vit" if sv else "Non-white")
    assert _labels.column_text(BENEFITS, "married") == ("Gift" if sv else "Married")
    # the favourable class and the other class, both in plain words
    assert _labels.class_text(BENEFITS, "yes").startswith("Personen får" if sv else "The person")
    assert _labels.class_text(HOUSING, "yes") == (
        "Ansökan avslås" if sv else "The application is denied"
    )


def test_unlabelled_values_fall_back_to_the_raw_value_numbers_in_the_readers_format(
    lang: str,
) -> None:
    assert _labels.value_text(BENEFITS, "joblost", "moon") == "moon"
    assert _labels.value_text(BENEFITS, "no_such_column", "x") == "x"
    assert _labels.column_text(BENEFITS, "no_such_column") == "no_such_column"
    assert _labels.class_text(BENEFITS, "maybe") == "maybe"
    assert _labels.value_text(BENEFITS, "age", 7.2) == ("7,2" if lang == "sv" else "7.2")
    assert _labels.value_text(BENEFITS, "age", 50.0) == "50"
    assert _labels.raw_text(-1.5) == ("\u22121,5" if lang == "sv" else "\u22121.5")
    assert _labels.raw_text(True) == "True"


def test_auditors_see_the_code_beside_the_label_and_the_code_alone_when_unlabelled(
    lang: str,
) -> None:
    sv = lang == "sv"
    assert _labels.value_with_code(BENEFITS, "sex", "female") == (
        "Kvinna (female)" if sv else "Female (female)"
    )
    assert _labels.column_with_code(BENEFITS, "sex") == ("Kön (sex)" if sv else "Sex (sex)")
    assert _labels.value_with_code(BENEFITS, "age", "<25") == "<25"
    assert _labels.column_with_code(BENEFITS, "unknown") == "unknown"


def test_a_select_box_label_is_chosen_for_a_fixed_language_outside_the_script_run() -> None:
    assert _labels.label_in(BENEFITS, "joblost", "position_abolished", "sv") == (
        "Tjänsten drogs in"
    )
    assert _labels.label_in(BENEFITS, "joblost", "position_abolished", "en") == (
        "Position abolished"
    )
    assert _labels.label_in(BENEFITS, "joblost", "unknown", "sv") == "unknown"


@pytest.mark.parametrize(
    ("stored", "sv", "en"),
    [
        (
            "categories as recorded",
            "grupperna så som de anges i uppgifterna",
            "the groups as the data record them",
        ),
        ("age bands <25, 25–34, 65+", "åldersgrupper <25, 25–34, 65+", None),
        (
            "4 quantile bands",
            "4 ungefär lika stora grupper efter värde",
            "4 groups of about equal size, by value",
        ),
        ("something a later version wrote", None, None),
    ],
)
def test_stored_groupings_are_said_in_the_readers_language(
    stored: str, sv: str | None, en: str | None
) -> None:
    # None: the stored text is shown as it is
    assert grouping_text(stored, "sv") == (sv or stored)
    assert grouping_text(stored, "en") == (en or stored)


def test_check_names_are_words_in_the_readers_language() -> None:
    assert check_name("protected_influence", "sv") == "skyddade uppgifters inflytande"
    assert check_name("reproducibility", "sv") == "reproducerbarhet"
    assert check_name("additivity", "en") == "additivity"
    assert check_name("a_new_check", "sv") == "a_new_check"


def test_numbers_on_chart_axes_and_in_scientific_notation_follow_the_language(
    lang: str,
) -> None:
    axis = _charts.number_axis("Bidrag")
    spec = (
        alt.Chart(pd.DataFrame({"value": [-1.5]})).mark_bar().encode(x=alt.X("value:Q", axis=axis))
    )
    x_axis = spec.to_dict()["encoding"]["x"]["axis"]
    if lang == "sv":
        assert "','" in x_axis["labelExpr"] and "'.'" in x_axis["labelExpr"]
    else:
        assert "labelExpr" not in x_axis and x_axis["format"] == _charts.NUMBER_FORMAT
    assert format_scientific(8.88e-16, lang) == ("8,88e-16" if lang == "sv" else "8.88e-16")


CHECKED = (
    "equal to shap.TreeExplainer within its float32 rounding on 16 rows against 100 "
    "background rows (max |difference| 2.20e-09 <= 7.63e-06)"
)
NOT_CHECKED = (
    "not compared with shap.TreeExplainer (shap 0.51 cannot read categorical splits); "
    "checked against the model's own output instead (additivity on every explained row)"
)


def test_the_explainers_stored_texts_are_said_in_the_readers_language(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_provenance_words, "current_language", lambda: lang)
    checked = _provenance_words.provenance_text(CHECKED)
    nested = _provenance_words.provenance_text(NOT_CHECKED)
    if lang == "sv":
        assert checked.startswith("lika med shap.TreeExplainer inom dess float32-avrundning")
        assert "16 rader mot 100 jämförelserader" in checked
        assert "2,20e-09 <= 7,63e-06" in checked  # the decimal comma
        assert nested.startswith("inte jämförd med shap.TreeExplainer (shap 0.51 kan inte läsa")
    else:  # English is the stored text itself
        assert (checked, nested) == (CHECKED, NOT_CHECKED)
    # a text no explainer template wrote stays as stored
    assert _provenance_words.provenance_text("a newer engine's words") == "a newer engine's words"


def test_every_explainer_text_has_its_words_in_every_language() -> None:
    for template, key in _provenance_words.TEMPLATES:
        assert set(_text.MESSAGES[key]) == set(_text.LANGUAGES), key
        # English says exactly what the explainer stored (same fields, same words)
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        english = _text.MESSAGES[key]["en"]
        assert {f for _, f, _, _ in string.Formatter().parse(english) if f} == fields, key
        filled = {f: "X" for f in fields}
        assert english.format(**filled) == re.sub(r"\{(\w+)(:[^}]*)?\}", "X", template), key
