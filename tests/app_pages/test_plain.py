"""Plain-language texts: templates filled with the strongest factors, honestly scaled."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app_pages import _format, _text
from app_pages._plain import global_summary, local_summary
from app_pages._whatif import changeable_inputs, whatif_lines
from explainers import CounterfactualChange, CounterfactualResult, Suggestion
from register import load_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def record():  # type: ignore[no-untyped-def]
    return load_record(ROOT / "models" / "housing-guarantee" / "record.yaml")


@pytest.fixture(params=["sv", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_text, "current_language", lambda: request.param)
    monkeypatch.setattr(_format, "current_language", lambda: request.param)
    return str(request.param)


TABLE = pd.DataFrame(
    {
        "name": ["Small", "Biggest", "Second", "Third", "Zero"],
        "given": ["1", "2", "3", "4", "5"],
        "shap": [0.001, -0.20, 0.10, 0.05, 0.0],
    }
)


def test_local_summary_names_the_three_strongest_in_order(record, lang) -> None:  # type: ignore[no-untyped-def]
    lines = local_summary(
        TABLE, prediction=0.62, base_value=0.40, scale="probability", record=record
    )
    text = "\n".join(lines)
    factors = [line for line in lines if line.startswith("• ")]
    assert [f.split(" ")[1] for f in factors] == ["Biggest", "Second", "Third"]
    down, up = ("sänkte", "höjde") if lang == "sv" else ("lowered", "raised")
    assert down in factors[0] and up in factors[1]
    assert "20" in factors[0] and "10" in factors[1]
    assert ("62,0%" if lang == "sv" else "62.0%") in text.replace("\u00a0", "")
    assert record.decision_process.objection.get(lang) in text
    assert ("inte beslutet" if lang == "sv" else "not the decision") in text


def test_log_odds_global_summary_gives_shares_never_log_odds(lang) -> None:  # type: ignore[no-untyped-def]
    lines = global_summary(["A", "B", "C"], [0.6, 0.3, 0.1], "log_odds")
    text = "\n".join(lines)
    assert "60\u00a0%" in lines[1] and "A" in lines[1]
    assert "30\u00a0%" in lines[2] and "10\u00a0%" in lines[3]
    share = "av den samlade betydelsen" if lang == "sv" else "of the combined importance"
    assert share in text
    assert ("inte procentenheter" if lang == "sv" else "not percentage points") in text
    for word in ("log-odds", "intern", "internal"):
        assert word not in text


def test_no_human_decides_is_said_plainly(record, lang) -> None:  # type: ignore[no-untyped-def]
    data = record.to_json_dict()
    data["decision_process"]["human_decides"] = False
    from register import parse_record

    automated = parse_record(data)
    text = "\n".join(
        local_summary(TABLE, prediction=0.3, base_value=0.4, scale="probability", record=automated)
    )
    assert ("utan att en människa" if lang == "sv" else "without a person") in text


def test_global_summary(lang) -> None:  # type: ignore[no-untyped-def]
    lines = global_summary(["Aa", "Bb", "Cc", "Dd"], [0.2, 0.1, 0.05, 0.01], "probability")
    assert "Aa" in lines[0] and "Dd" not in "\n".join(lines)
    assert len([line for line in lines if line.startswith("• ")]) == 3
    regression = "\n".join(global_summary(["A"], [0.5], "raw"))
    assert "0,50" in regression or "0.50" in regression
    assert "intern" not in regression and "log-odds" not in regression


def test_whatif_lines(record, lang) -> None:  # type: ignore[no-untyped-def]
    assert changeable_inputs(record) == ["pirat", "hirat", "lvrat"]
    change = CounterfactualChange(feature="pirat", given=0.5, suggested=0.3)
    result = CounterfactualResult(
        probability=0.7,
        threshold=0.5,
        suggestions=[Suggestion(changes=[change], probability=0.45, cost=0.1)],
        searched=["pirat"],
        seconds=0.01,
        complete=True,
        favourable_class="no",
    )
    lines = whatif_lines(record, result)
    sentence = next(line for line in lines if line.startswith("• "))
    label = record.feature("pirat").label.get(lang)  # type: ignore[union-attr]
    assert label in sentence and ("0,3" if lang == "sv" else "0.3") in sentence
    assert record.technical.favourable_outcome.label.get(lang) in sentence
    empty = CounterfactualResult(
        probability=0.7,
        threshold=0.5,
        suggestions=[],
        searched=["pirat"],
        seconds=0,
        complete=True,
        favourable_class="no",
    )
    assert any(
        ("Ingen liten ändring" if lang == "sv" else "No small change") in x
        for x in whatif_lines(record, empty)
    )
