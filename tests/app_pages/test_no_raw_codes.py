"""A Swedish reader never meets a raw code or an English word: every page and tab of the
portal, in Swedish, after the try-it form was sent with categorical values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from register import TransparencyRecord, load_record
from tests.app_pages.conftest import (
    ABOUT,
    ALGORITHM,
    BENEFITS,
    HOUSING,
    TIMEOUT,
    OpenPage,
    assert_no_exception,
    visible_text,
)

ROOT = Path(__file__).resolve().parents[2]
AUDITOR = ROOT / "app_pages" / "auditor.py"
STATISTICS = "app_pages/statistics.py"
RECORDS = {
    slug: load_record(ROOT / "models" / slug / "record.yaml") for slug in (BENEFITS, HOUSING)
}
# English the portal used to show on Swedish pages (check names, groupings, metric names).
ENGLISH = (
    "fairness",
    "additivity",
    "reproducibility",
    "protected_influence",
    "age bands",
    "categories as recorded",
    "quantile bands",
    "Precision",
)
# Categorical values the demo sends through the try-it form (not the defaults).
SENT = {
    BENEFITS: {"joblost": "position_abolished", "married": "yes", "school12": "no"},
    HOUSING: {"single": "yes", "condomin": "no"},
}


def raw_codes(record: TransparencyRecord) -> set[str]:
    """Every text code the record labels (values, groups, classes), and the protected
    attributes' column names: what a Swedish page must show by label only."""
    codes = {v.code for f in record.technical.features for v in f.values}
    codes |= {v.code for a in record.data.protected_labels for v in a.values}
    codes |= {v.code for v in record.technical.class_labels}
    codes |= {a.name for a in record.data.protected_labels}
    return {c for c in codes if not re.fullmatch(r"[\d.\-]+", c)}


def leaks(text: str, words: set[str] | tuple[str, ...]) -> list[str]:
    """The ``words`` that occur in ``text`` as whole words (case-sensitive)."""
    return sorted(w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text))


def test_the_demo_records_have_the_codes_this_test_looks_for() -> None:
    codes = raw_codes(RECORDS[BENEFITS])
    assert {"slack_work", "position_abolished", "seasonal_job_ended", "yes", "no"} <= codes
    assert {"nwhite", "female"} <= codes
    assert leaks("Orsak: slack_work, ja", codes) == ["slack_work"]
    assert leaks("slack_workers no-show", codes) == []


@pytest.mark.parametrize("slug", [BENEFITS, HOUSING])
def test_no_raw_code_or_english_word_on_the_swedish_algorithm_page(
    open_page: OpenPage, slug: str
) -> None:
    at = open_page(ALGORITHM, lang="sv", slug=slug)
    for name, value in SENT[slug].items():
        at.selectbox(key=f"tryit_{slug}_1_sv_{name}").set_value(value)
    at.button[0].click().run()
    assert_no_exception(at)
    assert at.subheader, "the estimate is shown"
    text = visible_text(at)
    options = [option for box in at.selectbox for option in box.options]
    for name, value in SENT[slug].items():  # the form sends the raw code, shows the label
        assert at.selectbox(key=f"tryit_{slug}_1_sv_{name}").value == value
    assert leaks("\n".join([text, *options]), raw_codes(RECORDS[slug])) == []
    assert leaks(text, ENGLISH) == []
    # The labels are there instead.
    assert "Nej" in options and "Ja" in options
    if slug == BENEFITS:
        assert "Tjänsten drogs in" in text  # the reason sent, in the contributions
        assert "Kön, Icke-vit" in text  # the protected attributes by name
        assert "Personen får arbetslöshetsersättning" in text  # the outcome, not "yes"


@pytest.mark.parametrize("slug", [BENEFITS, HOUSING])
def test_no_english_word_on_the_swedish_auditor_page(demo_tracking_uri: str, slug: str) -> None:
    at = AppTest.from_file(str(AUDITOR), default_timeout=TIMEOUT)
    at.session_state["lang"] = "sv"
    at.query_params["slug"] = slug
    at.run()
    assert_no_exception(at)
    text = visible_text(at)
    assert leaks(text, ENGLISH) == []
    if slug == BENEFITS:
        # The auditor sees the label and, beside it, the code the data hold.
        assert "Skyddad uppgift: Kön (sex)" in text
        assert "Kvinna (female)" in text and "Man (male)" in text
        assert "grupperna så som de anges i uppgifterna" in text
        # the finding names the attribute by its label too
        assert "mellan grupperna för Kön (sex)." in text


def test_no_raw_code_on_the_swedish_catalogue_statistics_and_about_pages(
    open_page: OpenPage,
) -> None:
    codes = raw_codes(RECORDS[BENEFITS]) | raw_codes(RECORDS[HOUSING])
    for page in (None, STATISTICS, ABOUT):
        at = open_page(lang="sv") if page is None else open_page(page, lang="sv")
        text = visible_text(at)
        assert text.strip()
        assert leaks(text, codes) == [] and leaks(text, ENGLISH) == []
