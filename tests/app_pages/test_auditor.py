"""The auditor page and the public review section, with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.conftest import (
    BENEFITS,
    HOUSING,
    TIMEOUT,
    assert_no_exception,
    shown_tables,
    visible_text,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "app_pages" / "auditor.py"


def open_auditor(lang: str = "sv", **params: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert_no_exception(at)
    return at


def test_auditor_page_shows_every_section_in_english(demo_tracking_uri: str) -> None:
    at = open_auditor("en", slug=BENEFITS, version="1")
    text = visible_text(at)
    for expected in (
        "Explanation provenance",
        "Fairness by group",
        "Protected attribute: Sex (sex)",
        "Protected attribute: Non-white (nwhite)",
        "Protected attribute: Age (age)",
        "Female (female)",
        "Grouping: the groups as the data record them",
        "Explanation checks",
        "Stability against the previous version",
        "Influence of protected attributes",
        "Reviews",
        "Exempelkommuns internrevision",
        "Audit log",
        "The chain is verified",
        "registered",
        "review added",
    ):
        assert expected in text, expected
    assert "shap" in text.lower() and "0.51" in text
    # which definition the numbers follow, how the background was drawn, what was checked
    assert "interventional Shapley values of the predicted probability of class" in text
    from register import Register

    meta = Register(demo_tracking_uri).get_explanation(BENEFITS, 1).metadata
    size = f"{meta.background_size} of the {meta.rows} reference rows"  # the engine's choice
    drawn = f"all {meta.rows} reference rows" if meta.background_size == meta.rows else size
    assert drawn in text
    assert "equal to shap.TreeExplainer within its float32 rounding" in text
    assert len(at.get("download_button")) == 1


def test_too_small_groups_are_never_shown_as_numbers(demo_tracking_uri: str) -> None:
    from register import Register

    fairness = Register(demo_tracking_uri).get_fairness(BENEFITS, 1)
    assert fairness is not None
    public = fairness.public_dict()
    at = open_auditor("sv", slug=BENEFITS, version="1")
    tables = shown_tables(at)
    for attribute in public["attributes"]:
        for group in attribute["groups"]:
            if group["too_few"]:
                # a group by its label with its code beside it, or by its code when unlabelled
                names = {group["group"]} | {
                    n
                    for t in tables
                    if "Grupp" in t.columns
                    for n in t["Grupp"]
                    if str(n).endswith(f" ({group['group']})")
                }
                shown = [t for t in tables if "Grupp" in t.columns and names & set(t["Grupp"])]
                assert shown
                row = shown[0][shown[0]["Grupp"].isin(names)].iloc[0]
                assert set(row.iloc[1:]) == {"för få för att redovisas"}
    for attribute in public["attributes"]:
        for group in attribute["groups"]:
            assert group["too_few"] or group["count"] >= 10
            if group["too_few"]:
                continue
            for rate, interval in group["intervals"].items():  # each rate: interval or too few
                assert (interval is None) == (rate in group["too_few_rates"])
                assert interval is None or group["denominators"][rate] >= 10
    # every rate column has its interval column beside it
    columns = next(t for t in tables if "Grupp" in t.columns).columns
    assert "Andel felaktigt utpekade, intervall (95 %)" in columns


def test_unknown_version_and_missing_slug_explain_themselves(demo_tracking_uri: str) -> None:
    at = open_auditor("en", slug=HOUSING, version="99")
    assert "The algorithm was not found." in visible_text(at)
    assert at.selectbox(key="auditor_slug").label == "Algorithm to audit"  # pick another


BENEFITS_SV = "Stöd för uppsökande information om arbetslöshetsersättning (demonstration)"
HOUSING_SV = "Stöd för bedömning av kommunal hyresgaranti (demonstration)"


def test_without_slug_the_page_lists_the_algorithms_and_picking_one_audits_it(
    demo_tracking_uri: str,
) -> None:
    at = open_auditor("sv")
    text = visible_text(at)
    assert "?slug" not in text  # nobody is asked to edit the address
    assert "Granskning" in [title.value for title in at.title]
    picker = at.selectbox(key="auditor_slug")
    assert picker.label == "Algoritm att granska"
    assert picker.options == [BENEFITS_SV, HOUSING_SV]  # plain names, in Swedish
    assert picker.value is None and not at.header  # nothing audited before a pick
    picker.set_value(HOUSING).run()
    assert_no_exception(at)
    assert at.query_params["slug"] == HOUSING  # the address names the pick: shareable
    assert f"Granskning: {HOUSING_SV}" in [title.value.replace("\\", "") for title in at.title]
    assert "Rättvisa mellan grupper" in visible_text(at)
    assert at.selectbox(key="auditor_slug").value == HOUSING
    at.selectbox(key="auditor_slug").set_value(BENEFITS).run()
    assert at.query_params["slug"] == BENEFITS
    assert f"Granskning: {BENEFITS_SV}" in [title.value.replace("\\", "") for title in at.title]


def test_a_slug_in_the_address_is_picked_in_the_list(demo_tracking_uri: str) -> None:
    at = open_auditor("en", slug=BENEFITS)
    picker = at.selectbox(key="auditor_slug")
    assert picker.value == BENEFITS
    assert "Outreach support on unemployment benefits (demonstration)" in picker.options


def test_every_audit_table_shows_all_its_rows_and_cuts_no_cell(demo_tracking_uri: str) -> None:
    from register import Register

    meta = Register(demo_tracking_uri).get_explanation(BENEFITS, 1).metadata
    at = open_auditor("en", slug=BENEFITS, version="1")
    tables = shown_tables(at)  # asserts that no table is a scrolling st.dataframe
    assert len(at.table) == len(tables) >= 5
    provenance = tables[0]
    values = dict(zip(provenance.iloc[:, 0], provenance.iloc[:, 1], strict=True))
    # the explainer's name in full, with its class (it was cut in a narrow grid cell)
    explainer = values["Explainer"].replace("\u200b", "")
    assert explainer == f"{meta.explainer} ({meta.explainer_class})"
    entries = Register(demo_tracking_uri).audit_entries(BENEFITS)
    log = tables[-1]
    assert len(log) == len(entries)  # every entry of the log, none behind a scroll bar


def test_review_section_shows_reviews_and_head(demo_tracking_uri: str) -> None:
    from register import Register

    head = Register(demo_tracking_uri).audit_head()

    def page() -> None:
        import streamlit as st

        from app_pages._audit_sections import review_section
        from app_pages._data import get_version, tracking_uri

        st.session_state["lang"] = "en"
        review_section(get_version(tracking_uri(), "benefits-uptake", None))

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    text = visible_text(at).replace("\u200b", "")  # the portal may break long words
    assert "Approved with remarks – Exempelkommuns internrevision, 2025-11-20" in text
    assert head.hash in text


def test_fairness_section_shows_too_few_instead_of_numbers() -> None:
    def page() -> None:
        import streamlit as st

        from app_pages._audit_sections import fairness_section

        st.session_state["lang"] = "en"
        group = {
            "selection_rate": 0.5,
            "true_positive_rate": 0.5,
            "false_positive_rate": 0.1,
            "precision": 0.7,
            "count": 40.0,
        }
        hidden = dict.fromkeys(group)
        fairness_section(
            {
                "min_group_size": 10,
                "thresholds": {"four_fifths": 0.8, "max_rate_difference": 0.1},
                "attributes": [
                    {
                        "attribute": "sex",
                        "grouping": "categories as recorded",
                        "overall": {**group, "count": 85.0},
                        "groups": [
                            {"group": "female", **group, "too_few": False},
                            {"group": "male", **group, "too_few": False},
                            {"group": "other", **hidden, "too_few": True},
                        ],
                        "flags": [],
                        "finding": {"sv": "Inga skillnader.", "en": "No differences."},
                    }
                ],
            }
        )

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    table = shown_tables(at)[0]
    other = table[table["Group"] == "other"].iloc[0]
    assert set(other.iloc[1:]) == {"too few to report"}
    assert "No differences." in visible_text(at)


def test_fairness_table_shows_intervals_and_hides_a_rate_over_too_few_people() -> None:
    def page() -> None:
        import streamlit as st

        from app_pages._audit_sections import fairness_section

        st.session_state["lang"] = "sv"
        rates = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")
        group = {
            "group": "a",
            "selection_rate": 0.76,
            "true_positive_rate": 0.773,
            "false_positive_rate": None,
            "precision": 0.987,
            "count": 200,
            "too_few": False,
            "intervals": {
                "selection_rate": [0.6946, 0.8175],
                "true_positive_rate": [0.7073, 0.8302],
                "false_positive_rate": None,
                "precision": [0.9532, 0.9984],
            },
            "denominators": dict(zip(rates, (200, 194, None, 152), strict=True)),
            "too_few_rates": ["false_positive_rate"],
        }
        fairness_section(
            {
                "min_group_size": 10,
                "min_denominator": 10,
                "thresholds": {"four_fifths": 0.8, "max_rate_difference": 0.1},
                "attributes": [
                    {
                        "attribute": "sex",
                        "grouping": "categories as recorded",
                        "overall": {k: v for k, v in group.items() if k != "group"},
                        "groups": [group, {**group, "group": "b"}],
                        "flags": [],
                        "uncertain": ["four_fifths"],
                        "finding": {"sv": "En skillnad som kan bero på slumpen.", "en": "-"},
                    }
                ],
            }
        )

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    table = shown_tables(at)[0]
    table = table.map(lambda cell: str(cell).replace("\u00a0", " "))  # as the reader reads it
    row = table[table["Grupp"] == "a"].iloc[0]
    assert row["Andel positiva utfall"] == "76,0 %"
    assert row["Andel positiva utfall, intervall (95 %)"] == "69,5–81,8 %"
    assert row["Andel felaktigt utpekade"] == "för få för att redovisas"
    assert row["Andel felaktigt utpekade, intervall (95 %)"] == "–"
    text = visible_text(at)
    assert "Clopper–Pearson" in text and "minst 10 personer" in text
    # a difference that could be chance is a notice, not a warning
    assert len(at.info) == 1 and "En skillnad som kan bero på slumpen" in at.info[0].value
    assert not at.warning


def test_publishing_despite_failed_checks_is_a_warning_with_reason_and_numbers() -> None:
    def page() -> None:
        import streamlit as st

        from app_pages._audit_sections import override_warning

        st.session_state["lang"] = "en"
        override = {
            "reason": "Reviewed by the model owner <b>today</b>.",
            "checks": [
                {"check": "additivity", "max_error": 0.031, "tolerance": 0.0001},
                {"check": "reproducibility", "max_difference": 0.025, "tolerance": 0.0001},
            ],
        }
        entries = [
            {"event": "published", "version": 1, "details": {}},
            {"event": "published", "version": 2, "details": {"override": override}},
        ]
        override_warning(entries, 2)
        override_warning(entries, 1)  # published with checks passing: no warning

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    assert len(at.warning) == 1
    raw = at.warning[0].value
    assert "\\<b\\>" in raw  # the publisher's text is escaped, never markup
    warning = raw.replace("\\", "")
    assert "Published although a check failed" in warning
    assert "largest error 3.10e-02" in warning and "largest difference 2.50e-02" in warning
    assert "Reviewed by the model owner" in warning
    assert len(at.dataframe) == 0 and len(at.table) == 0  # a warning, not a table cell


def test_without_slug_an_empty_register_says_it_is_empty(
    empty_store_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_store_uri)
    at = open_auditor("sv")
    assert "Registret innehåller inga algoritmer ännu." in visible_text(at)
    assert not at.selectbox  # nothing to pick, and no empty list to open
