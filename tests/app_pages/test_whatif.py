"""What would change the outcome, as a citizen reads it: only toward the outcome that is
good for the person, in the record's own words, never a raw class code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _format, _text
from app_pages._outcome import expected_outcome, threshold_sentence, value_text
from app_pages._plain import outcome_sentence
from app_pages._whatif import whatif_lines
from explainers import CounterfactualChange, CounterfactualResult, Suggestion
from register import load_record, parse_record
from tests.app_pages.conftest import HOUSING, TIMEOUT, assert_no_exception

ROOT = Path(__file__).resolve().parents[2]
RAW_CODE = re.compile(r"\b(yes|no)\b")
THRESHOLD_SV = (
    "Modellen räknar med utfallet ”Ansökan avslås” när uppskattningen är 50 % eller mer, "
    "och annars med ”Ansökan avslås inte”."
)


@pytest.fixture()
def record():  # type: ignore[no-untyped-def]
    return load_record(ROOT / "models" / HOUSING / "record.yaml")


@pytest.fixture()
def swedish(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_text, "current_language", lambda: "sv")
    monkeypatch.setattr(_format, "current_language", lambda: "sv")
    return "sv"


def _result(suggestions: list[Suggestion], **kwargs: Any) -> CounterfactualResult:
    options: dict[str, Any] = {
        "probability": 0.62,
        "threshold": 0.5,
        "suggestions": suggestions,
        "searched": ["pirat", "hirat", "lvrat"],
        "seconds": 0.01,
        "complete": True,
        "favourable_class": "no",
        **kwargs,
    }
    return CounterfactualResult(**options)


def test_a_suggestion_leads_to_the_favourable_outcome_in_the_records_words(
    record: Any, swedish: str
) -> None:
    change = CounterfactualChange(feature="hirat", given=0.35, suggested=0.25)
    lines = whatif_lines(
        record, _result([Suggestion(changes=[change], probability=0.412, cost=0.1)])
    )
    sentence = next(line for line in lines if line.startswith("• "))
    assert sentence == (
        "• Om Boendekostnad i förhållande till inkomst vore 0,25 i stället för 0,35 skulle "
        "uppskattningen bli 41,2\u00a0% och utfallet troligen bli: Ansökan avslås inte."
    )
    assert "”Ansökan avslås inte”" in lines[0], "the intro says which outcome is sought"
    assert not RAW_CODE.search("\n".join(lines))


def test_a_person_already_favourable_is_told_so_without_suggestions(
    record: Any, swedish: str
) -> None:
    lines = whatif_lines(record, _result([], probability=0.219, already_favourable=True))
    assert lines == [
        "Modellen räknar redan med utfallet ”Ansökan avslås inte”, det utfall som är bra för "
        "den som bedöms. Därför visar vi inga ändringar."
    ]


def test_without_a_favourable_outcome_no_direction_is_suggested(record: Any, swedish: str) -> None:
    data = record.to_json_dict()
    data["technical"]["favourable_outcome"] = None
    old = parse_record(data)
    change = CounterfactualChange(feature="hirat", given=0.35, suggested=0.25)
    undirected = _result(
        [Suggestion(changes=[change], probability=0.41, cost=0.1)], favourable_class=None
    )
    for result in (None, undirected):
        lines = whatif_lines(old, result)
        assert lines == [
            "Kommunen har inte angett vilket utfall som är bra för den som bedöms. Därför "
            "föreslår vi inga ändringar: vi gissar inte vilken riktning som är bättre för dig."
        ]


def test_nothing_found_names_the_favourable_outcome(record: Any, swedish: str) -> None:
    text = "\n".join(whatif_lines(record, _result([])))
    assert (
        "Ingen liten ändring av de uppgifterna leder till utfallet ”Ansökan avslås inte”." in text
    )


def test_the_threshold_is_explained_in_the_records_words(record: Any, swedish: str) -> None:
    assert threshold_sentence(record) == THRESHOLD_SV
    low = outcome_sentence(0.219, "probability", record)
    assert low == (
        f"Modellen uppskattar 21,9\u00a0%. {THRESHOLD_SV} "
        "Med de här uppgifterna räknar den alltså med: Ansökan avslås inte."
    )
    assert expected_outcome(record, 0.5) == "Ansökan avslås"
    assert "gränsen" not in low and not RAW_CODE.search(low)


def test_values_are_labels_and_numbers_in_the_readers_format(record: Any, swedish: str) -> None:
    assert value_text(record, "phist", "yes") == "Ja"
    assert value_text(record, "hirat", 0.25) == "0,25"
    assert value_text(record, "lvrat", 0.1025641025641025) == "0,1026"
    assert value_text(record, "chist", 3) == "3"


def _refused_applicant(uri: str, slug: str, values: dict, lang: str) -> None:  # type: ignore[type-arg]
    # Runs as an AppTest script of its own: no annotations, imports inside.
    import os

    import streamlit as st

    os.environ["MLFLOW_TRACKING_URI"] = uri
    st.session_state["lang"] = lang
    from app_pages import _data
    from app_pages._guard import guarded
    from app_pages._tryit import show_estimate

    version = _data.get_version(uri, slug, None)
    defaults = version.input_profile.defaults()
    guarded(lambda: show_estimate(version, {**defaults, **values}))


def test_on_the_page_suggestions_never_point_toward_refusal(demo_tracking_uri: str) -> None:
    values = {"pirat": 0.5, "hirat": 0.35, "lvrat": 0.95, "chist": 6, "phist": "yes"}
    at = AppTest.from_function(
        _refused_applicant, args=(demo_tracking_uri, HOUSING, values, "sv"), default_timeout=TIMEOUT
    ).run()
    assert_no_exception(at)
    texts = [str(e.value) for e in at.text]
    start = next(i for i, x in enumerate(texts) if x.startswith("Vi har prövat"))
    section = texts[start:]
    suggestions = [x for x in section if x.startswith("• Om ")]
    assert suggestions, "this applicant is refused and can reach 'not denied'"
    for sentence in suggestions:
        assert sentence.endswith("och utfallet troligen bli: Ansökan avslås inte.")
        percent = float(re.search(r"bli (\d+,\d)\u00a0%", sentence).group(1).replace(",", "."))  # type: ignore[union-attr]
        assert percent < 50, "a suggestion must lead below the 50 % limit of refusal"
    assert not RAW_CODE.search("\n".join(section))
    everything = "\n".join(texts)
    assert THRESHOLD_SV in everything
    assert "Med de här uppgifterna räknar den alltså med: Ansökan avslås." in everything


def test_a_record_without_class_labels_never_names_a_raw_outcome(record: Any, swedish: str) -> None:
    data = record.to_json_dict()
    data["technical"]["class_labels"] = []
    only_favourable = parse_record(data)
    # The positive class "yes" has no label: the limit is said without naming outcomes.
    assert threshold_sentence(only_favourable) is None
    sentence = outcome_sentence(0.7, "probability", only_favourable)
    assert sentence.startswith("Modellen uppskattar 70,0\u00a0%.")
    assert not RAW_CODE.search(sentence)
    data["technical"]["favourable_outcome"] = {
        "value": "yes",
        "label": {"sv": "Ansökan avslås", "en": "The application is denied"},
    }
    positive_only = parse_record(data)
    # Only the positive class is named: the sentence says when it is expected.
    assert threshold_sentence(positive_only) == (
        "Modellen räknar med utfallet ”Ansökan avslås” när uppskattningen är 50 % eller mer."
    )
    assert expected_outcome(positive_only, 0.2) is None
    assert not RAW_CODE.search(outcome_sentence(0.2, "probability", positive_only))
