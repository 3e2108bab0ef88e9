"""The versions tab's "Compare versions": what a reader sees when two versions differ.

A register of its own (the demo register has one version per algorithm): benefits-uptake
in two versions (a new purpose text and a classifier retrained with other settings,
evaluated on few women in version 2) and one algorithm with a single version.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.base import clone
from streamlit.testing.v1 import AppTest

from register import Register, TransparencyRecord, diff_versions
from register.history._model_diff import decision_change
from tests.app_pages.conftest import (
    ALGORITHM,
    APP,
    BENEFITS,
    TIMEOUT,
    assert_no_exception,
    shown_tables,
    visible_text,
)

SINGLE = "benefits-single"
NEW_PURPOSE = "Ett nytt syfte för version två."


@pytest.fixture(scope="module")
def two_versions_uri(
    benefits_build: Any,
    benefits_record: TransparencyRecord,
    small_model: Any,
    _store_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    home = tmp_path_factory.mktemp("diff-portal")
    shutil.copyfile(_store_template, home / "mlflow.db")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    reg = Register(uri)
    inputs = list(benefits_build.reference_data.columns)
    reference = benefits_build.reference_data.head(120).reset_index(drop=True)
    evaluation = benefits_build.evaluation_data.head(400).reset_index(drop=True)
    women = evaluation.index[evaluation["sex"] == "female"]
    retrained = clone(small_model).set_params(classifier__class_weight="balanced")
    retrained.fit(benefits_build.evaluation_data[inputs], benefits_build.evaluation_data["ui"])
    data = benefits_record.to_json_dict()
    data["purpose"]["sv"] = NEW_PURPOSE
    second = TransparencyRecord.model_validate(data)
    single = TransparencyRecord.model_validate({**benefits_record.to_json_dict(), "slug": SINGLE})
    for model, record, rows in (
        (small_model, benefits_record, evaluation),
        (retrained, second, evaluation.drop(index=women[5:])),
        (small_model, single, evaluation),
    ):
        reg.register_algorithm(
            model, record, reference_data=reference, evaluation_data=rows, label="ui"
        )
    yield uri
    shutil.rmtree(home, ignore_errors=True)


def _open(uri: str, lang: str, slug: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    at.query_params["slug"] = slug
    at.switch_page(ALGORITHM).run()
    assert_no_exception(at)
    return at


WORDS = {
    "sv": {
        "title": "Jämför versioner",
        "from": "Äldre version",
        "to": "Nyare version",
        "field": "Syfte (svenska)",
        "decisions": "referensbeslut",
        "too_few": "för få för att redovisas",
        "only_one": "Det finns bara en version än så länge.",
        "same": "Välj två olika versioner att jämföra.",
        "importance": "Vikt, version 1",
        "measure": "Mått",
    },
    "en": {
        "title": "Compare versions",
        "from": "Older version",
        "to": "Newer version",
        "field": "Purpose (Swedish)",
        "decisions": "reference decisions",
        "too_few": "too few to report",
        "only_one": "There is only one version so far",
        "same": "Choose two different versions to compare.",
        "importance": "Importance, version 1",
        "measure": "Measure",
    },
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_compare_versions_shows_what_changed(
    two_versions_uri: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = WORDS[lang]
    at = _open(two_versions_uri, lang, BENEFITS, monkeypatch)
    text = visible_text(at)
    assert words["title"] in text
    boxes = {box.label: box for box in at.selectbox}
    assert (boxes[words["from"]].value, boxes[words["to"]].value) == (1, 2)
    tables = shown_tables(at)
    fields = next(f for f in tables if words["field"] in set(f.iloc[:, 0]))
    assert list(fields.iloc[:, 0]) == [words["field"]]  # the one field that changed
    assert list(fields.iloc[0, 1:]) == [
        benefits_purpose(two_versions_uri),
        NEW_PURPOSE,
    ]
    importance = next(f for f in tables if words["importance"] in f.columns)
    assert len(importance) == 13  # every input, side by side
    diff = diff_versions(Register(two_versions_uri), BENEFITS, 1, 2)
    decisions = diff.explanation.decisions
    sentence = next(line for line in text.splitlines() if words["decisions"] in line)
    if decisions.fewer_than_ten:
        assert ("Färre än 10" if lang == "sv" else "Fewer than 10") in sentence
    else:
        assert str(decisions.changed) in sentence and str(decisions.rows) in sentence
    fairness = next(f for f in tables if words["measure"] in f.columns)
    assert words["too_few"] in set(fairness.iloc[:, 3])  # women: reported before, too few now


def benefits_purpose(uri: str) -> str:
    return Register(uri).get(BENEFITS, 1).record.purpose.sv


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_same_version_twice_asks_for_two(
    two_versions_uri: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = WORDS[lang]
    at = _open(two_versions_uri, lang, BENEFITS, monkeypatch)
    next(box for box in at.selectbox if box.label == words["from"]).set_value(2).run()
    assert_no_exception(at)
    assert words["same"] in visible_text(at)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_one_version_has_nothing_to_compare(
    two_versions_uri: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = WORDS[lang]
    at = _open(two_versions_uri, lang, SINGLE, monkeypatch)
    text = visible_text(at)
    assert words["title"] in text and words["only_one"] in text
    assert words["from"] not in text


def _show_decisions(decisions, lang):  # type: ignore[no-untyped-def]
    # Runs as an AppTest script of its own: no annotations, imports inside.
    import streamlit as st

    st.session_state["lang"] = lang
    from app_pages._diff import _decisions

    _decisions({"from": 1, "to": 2, "explanation": {"decisions": decisions}})


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_decisions_say_why_there_is_no_number_or_only_fewer_than_ten(lang: str) -> None:
    frame = pd.DataFrame({"x": range(30)})
    mismatched = decision_change(None, None, frame, ("x", "head")).to_dict()
    at = AppTest.from_function(_show_decisions, args=(mismatched, lang), default_timeout=TIMEOUT)
    at.run()
    assert_no_exception(at)
    assert mismatched["reason"][lang] in visible_text(at)
    assert "head" in visible_text(at)

    class Fixed:
        classes_ = ("no", "yes")

        def __init__(self, answers: list[str]) -> None:
            self.answers = answers

        def predict(self, rows: pd.DataFrame) -> list[str]:
            return self.answers[: len(rows)]

    few = decision_change(
        Fixed(["no"] * 30), Fixed(["yes"] * 4 + ["no"] * 26), frame, ("x",)
    ).to_dict()
    at = AppTest.from_function(_show_decisions, args=(few, lang), default_timeout=TIMEOUT)
    at.run()
    assert_no_exception(at)
    text = visible_text(at)
    assert ("Färre än 10 av 30" if lang == "sv" else "Fewer than 10 of 30") in text
    assert " 4 " not in text and "13,3" not in text and "13.3" not in text
