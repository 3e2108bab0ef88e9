"""Citizens read probabilities and percentage points only, and the numbers they read add up.

On the demo's logistic model (explained in log-odds) and on a boosted classifier (explained
as a rescaled probability), in both languages: no page text names log-odds or an internal
scale, and the try-it's contributions plus the comparison data's average give the estimate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from streamlit.testing.v1 import AppTest

from tests.app_pages.conftest import (
    ALGORITHM,
    APP,
    BENEFITS,
    HOUSING,
    TIMEOUT,
    OpenPage,
    assert_no_exception,
    shown_tables,
    visible_text,
)

FORBIDDEN = ("log-odds", "log odds", "logit", "internal scale", "intern skala", "interna skala")
ESTIMATE = {"sv": "Modellens uppskattning: ", "en": "The model's estimate: "}
BASE = {
    "sv": re.compile(r"ger modellen i genomsnitt (\S+)\s%"),
    "en": re.compile(r"the model gives (\S+)\s% on average"),
}


def _number(text: str, lang: str) -> float:
    """A number as the page writes it in ``lang`` (sign, decimal comma, spaces)."""
    clean = text.replace("\u2212", "-").replace("\u00a0", "").replace(" ", "").rstrip("%")
    clean = clean.replace(",", ".") if lang == "sv" else clean.replace(",", "")
    return float(clean)


def _chart_texts(at: AppTest) -> str:
    """The specs of every chart on the page (axis titles, labels, tooltips), as text."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert specs, "no chart found on the page"
    return "\n".join(json.dumps(spec, ensure_ascii=False) for spec in specs)


def _submit_defaults(at: AppTest) -> None:
    at.button[0].click().run()
    assert_no_exception(at)
    assert not at.error


def _shown_sum_matches_the_estimate(at: AppTest, lang: str) -> None:
    """The contributions shown (pp) plus the average shown (%) give the estimate shown (%),
    within the rounding of the shown numbers (0.05 pp each)."""
    estimate = next(h.value for h in at.subheader if h.value.startswith(ESTIMATE[lang]))
    shown = _number(estimate.removeprefix(ESTIMATE[lang]), lang)
    base_match = BASE[lang].search(visible_text(at))
    assert base_match is not None
    base = _number(base_match.group(1), lang)
    table = next(f for f in shown_tables(at) if f.shape[1] == 4)
    unit = "procentenheter" if lang == "sv" else "percentage points"
    assert unit in str(table.columns[3])
    contributions = [_number(str(v), lang) for v in table.iloc[:, 3]]
    assert abs(sum(contributions) + base - shown) <= 0.05 * (len(contributions) + 2)


def _assert_no_internal_scale(at: AppTest) -> None:
    text = (visible_text(at) + "\n" + _chart_texts(at)).lower()
    for word in FORBIDDEN:
        assert word not in text, word


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_log_odds_model_shows_shares_and_percentage_points_that_add_up(
    open_page: OpenPage, lang: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=HOUSING)
    _assert_no_internal_scale(at)
    share = "av den samlade betydelsen" if lang == "sv" else "of the combined importance"
    assert share in visible_text(at)
    _submit_defaults(at)
    _assert_no_internal_scale(at)
    _shown_sum_matches_the_estimate(at, lang)
    axis = "Bidrag (procentenheter)" if lang == "sv" else "percentage points"
    assert axis in _chart_texts(at)


@pytest.fixture(scope="module")
def boosted_uri(
    benefits_build, benefits_record, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A register holding the benefits record with a boosted classifier as its model."""
    import shutil

    from register import Register

    home = tmp_path_factory.mktemp("boosted")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    model = clone(benefits_build.model)
    model.set_params(
        classifier=HistGradientBoostingClassifier(max_iter=20, max_depth=3, random_state=0)
    )
    frame = benefits_build.evaluation_data
    inputs = list(benefits_build.reference_data.columns)
    model.fit(frame[inputs], frame[benefits_build.label])
    reference = benefits_build.reference_data.head(120).reset_index(drop=True)
    Register(uri).register_algorithm(model, benefits_record, reference_data=reference)
    yield uri
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_boosted_classifier_shows_percentage_points_that_add_up(
    boosted_uri: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", boosted_uri)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    at.query_params["slug"] = BENEFITS
    at.switch_page(ALGORITHM).run()
    assert_no_exception(at)
    _assert_no_internal_scale(at)
    _submit_defaults(at)
    _assert_no_internal_scale(at)
    _shown_sum_matches_the_estimate(at, lang)
    unit = "procentenheter" if lang == "sv" else "percentage points"
    assert unit in _chart_texts(at)  # the try-it chart's axis


def test_importance_shares_add_up_and_keep_the_order() -> None:
    from app_pages._format import importance_shares

    shares = importance_shares([0.3, 0.1, 0.0, 0.6])
    assert sum(shares) == pytest.approx(100.0)
    assert shares == pytest.approx([30.0, 10.0, 0.0, 60.0])
    assert importance_shares([0.0, 0.0]) == [0.0, 0.0]
    assert pd.Series(shares).rank().tolist() == pd.Series([0.3, 0.1, 0.0, 0.6]).rank().tolist()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_auditor_page_says_what_citizens_see_of_a_log_odds_explanation(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages import _audit_provenance, _format, _text

    monkeypatch.setattr(_text, "current_language", lambda: lang)
    monkeypatch.setattr(_format, "current_language", lambda: lang)
    meta = {"scale": "log_odds", "positive_class": "yes", "definition": "…log-odds…"}
    rows = dict(_audit_provenance.provenance_rows(meta))
    shown = rows[_text.t("audit.provenance.citizen")]
    assert "Shapley" in shown and "yes" in shown and "log-odds" in shown
    assert ("procentenheter" if lang == "sv" else "percentage points") in shown
    regression = dict(_audit_provenance.provenance_rows({"scale": "raw", "positive_class": None}))
    assert regression[_text.t("audit.provenance.citizen")] == _text.t("audit.citizen.raw")
