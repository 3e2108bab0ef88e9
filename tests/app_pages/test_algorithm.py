"""Algorithm page: record sections, explanations, try-it, history and provenance."""

from __future__ import annotations

import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.conftest import (
    ALGORITHM,
    BENEFITS,
    CATALOGUE,
    HOUSING,
    TIMEOUT,
    OpenPage,
    assert_no_exception,
    shown_tables,
    visible_text,
)

SECTIONS = {
    "sv": [
        "Vad är det här?",
        "Syfte och påverkan",
        "Avvägningar",
        "Rättslig grund",
        "Hur beslut fattas",
        "Mänsklig tillsyn",
        "Risk",
        "Konsekvensbedömningar",
        "Data",
        "Hur det fungerar tekniskt",
        "Leverantör och källkod",
        "Kontakt",
        "Vad påverkar resultatet?",
        "Hur olika värden påverkar resultatet",
        "Prova själv",
        "Versionshistorik",
        "Vilken version och förklaring visas?",
    ],
    "en": [
        "What is this?",
        "Purpose and impact",
        "Considerations",
        "Legal basis",
        "How decisions are made",
        "Human oversight",
        "Risk",
        "Impact assessments",
        "Data",
        "How it works technically",
        "Supplier and source code",
        "Contact",
        "What drives the results?",
        "How different values affect the result",
        "Try it",
        "Version history",
        "Which version and explanation is shown?",
    ],
}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("slug", [BENEFITS, HOUSING])
def test_every_section_is_shown(open_page: OpenPage, lang: str, slug: str) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=slug)
    headings = [h.value for h in (*at.header, *at.subheader)]
    for section in SECTIONS[lang]:
        assert section in headings, section
    text = visible_text(at)
    assert "Exempelkommun" in text
    if lang == "sv":
        assert "Resultatet påverkas mest av " in text
        assert "Riskkategori enligt EU:s AI-förordning: Hög risk" in text
        assert "Modellversion" in text and "SHAP-version" in text
    else:
        assert "The result is driven most by " in text
        assert "Risk category under the EU AI Act: High risk" in text
        assert "Model version" in text and "Explainer" in text


def _in_page_order(at: AppTest) -> list[str]:
    """Every heading, text, Markdown and link on the page, in the order a reader meets them."""
    found: list[str] = []

    def walk(node: Any) -> None:
        kind = getattr(node, "type", "")
        if kind in {"title", "header", "subheader", "markdown", "text", "page_link"}:
            plain = re.sub(r"(?<!\\)\*\*", "", str(node.value))  # bold markers
            found.append(re.sub(r"\\(.)", r"\1", plain))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found


@pytest.mark.parametrize(
    ("lang", "title", "objection", "explained"),
    [
        ("sv", "Frågor, eller vill du invända?", "Du kan alltid tacka nej", "Vad är det här?"),
        ("en", "Questions, or want to object?", "You can always decline", "What is this?"),
    ],
)
def test_contact_and_how_to_object_come_right_after_the_name(
    open_page: OpenPage, lang: str, title: str, objection: str, explained: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=BENEFITS)
    order = _in_page_order(at)
    name = next(i for i, item in enumerate(order) if item == at.title[0].value.replace("\\", ""))
    box = order.index(title)
    said = next(i for i, item in enumerate(order) if item.startswith(objection))
    mail = next(i for i, item in enumerate(order) if "mailto:insyn@exempelkommun.se" in item)
    first_section = order.index(explained)
    assert name < box < said < first_section  # near the top, before every section
    assert box < mail < first_section  # whom to write to, there too
    assert "https://exempelkommun.se/insyn" in "\n".join(order[box:first_section])


def test_record_text_and_feature_labels_in_english(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM, lang="en", slug=BENEFITS)
    text = visible_text(at)
    assert "Outreach support on unemployment benefits (demonstration)" in text
    # Features are named in plain words from the record, in the chart's table and the form.
    assert "Reason for job loss" in text
    assert "Reason for job loss" in [s.label for s in at.selectbox]
    assert "Contribution" not in text  # no local explanation before the form is sent


def test_importance_table_is_the_charts_text_alternative(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM, slug=BENEFITS)
    table = next(
        frame
        for frame in shown_tables(at)
        if "Genomsnittlig påverkan (procentenheter)" in frame.columns
    )
    sentence = next(t.value for t in at.text if t.value.startswith("Resultatet påverkas mest av"))
    top = list(table["Uppgift"])[:3]
    assert sentence == f"Resultatet påverkas mest av {top[0]}, {top[1]} och {top[2]}."


def test_dependence_summaries_show_counts_per_bin(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM, lang="en", slug=BENEFITS)
    tables = [f for f in shown_tables(at) if "Number of people" in f.columns]
    assert len(tables) == 13  # one per model input
    # categories by their labels, never the codes (slack_work)
    reason = next(t for t in tables if "Slack work" in set(t["Value"]))
    assert not any("slack_work" in set(t["Value"]) for t in tables)
    assert all(
        c == "too few to report" or c.replace(",", "").isdigit() for c in reason["Number of people"]
    )


def test_version_history_and_provenance(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM, slug=BENEFITS, version="1")
    history = next(f for f in shown_tables(at) if "Ändrade fält" in f.columns)
    assert list(history["Version"]) == ["1"]
    assert list(history["Märkning"]) == ["publicerad"]
    assert list(history["Ändrade fält"]) == ["(första versionen)"]
    provenance = next(
        f for f in shown_tables(at) if "Uppgift" in f.columns and "Värde" in f.columns
    )
    items = dict(zip(provenance["Uppgift"], provenance["Värde"], strict=True))
    assert items["Modellversion"] == "1"
    assert len(items["Förklaringens fingeravtryck"]) == 12
    assert items["Skala"] == "sannolikhet"


@pytest.mark.parametrize(
    ("lang", "result", "sentence", "disclaimer"),
    [
        (
            "sv",
            "Modellens uppskattning: ",
            "Det här påverkade uppskattningen mest:",
            "En människa fattar beslutet.",
        ),
        (
            "en",
            "The model's estimate: ",
            "These inputs moved the estimate most:",
            "A human decides.",
        ),
    ],
)
def test_try_it_with_good_input_explains_the_estimate(
    open_page: OpenPage, lang: str, result: str, sentence: str, disclaimer: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=BENEFITS)
    at.text_input(key=f"tryit_{BENEFITS}_1_{lang}_age").input("50")
    at.selectbox(key=f"tryit_{BENEFITS}_1_{lang}_married").set_value("no")
    at.button[0].click().run()
    assert_no_exception(at)
    assert not at.error
    text = visible_text(at)
    estimate = next(h.value for h in at.subheader if h.value.startswith(result))
    assert estimate.endswith("\u00a0%")
    assert sentence in text
    assert disclaimer in text
    assert "50" in text  # the value typed is named beside its input
    contributions = next(f for f in shown_tables(at) if f.shape[1] == 4)
    directions = set(contributions.iloc[:, 2])
    assert directions <= ({"höjer", "sänker"} if lang == "sv" else {"raises", "lowers"})
    effects = list(contributions.iloc[:, 3])
    assert all(e[0] in "+\u2212" or e.strip("0.,") == "" for e in effects)


def _show_estimate(uri, slug, values, lang):  # type: ignore[no-untyped-def]
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


@pytest.mark.parametrize(
    ("lang", "values", "words"),
    [
        (
            "sv",
            {"age": -5},
            [
                "Några värden kan inte användas",
                "Ålder: Värdet kan inte vara negativt",
                "20 eller mer",
            ],
        ),
        ("en", {"age": 100000}, ["Some values cannot be used", "Age: The value is too far"]),
        ("sv", {"married": "kanske"}, ["Gift: Välj ett av alternativen i listan."]),
        ("en", {"joblost": "moon"}, ["Reason for job loss: Choose one of the options"]),
        ("sv", {"tenure": 2.5}, ["Skriv ett heltal, utan decimaler (du skrev 2,5)"]),
    ],
)
def test_try_it_with_bad_input_gives_the_clear_message(
    demo_tracking_uri: str, lang: str, values: dict[str, Any], words: list[str]
) -> None:
    # The form's select boxes keep categories known, so a browser cannot send some of
    # these values; the submit handler must still refuse them, in the page's language.
    at = AppTest.from_function(
        _show_estimate, args=(demo_tracking_uri, BENEFITS, values, lang), default_timeout=TIMEOUT
    ).run()
    assert_no_exception(at)
    message = visible_text(at)
    assert len(at.error) == 1
    for word in words:
        assert word in message
    assert "must be" not in message and "(given:" not in message  # no English rule
    assert "Modellens uppskattning" not in message and "The model's estimate" not in message


def test_try_it_widgets_state_the_range_and_the_known_categories(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM, slug=BENEFITS)
    age = at.text_input(key=f"tryit_{BENEFITS}_1_sv_age")
    assert "Modellens underlag har värden mellan 20 och 61." in age.help.replace("\\", "")
    married = at.selectbox(key=f"tryit_{BENEFITS}_1_sv_married")
    assert married.options == ["Nej", "Ja"]  # the labels; the values stay the codes
    assert married.value in ("no", "yes")


@pytest.mark.parametrize(
    ("lang", "typed", "note"),
    [
        (
            "sv",
            "62",
            "Modellen har inte sett några fall med ett värde över 61; "
            "uppskattningen är mer osäker.",
        ),
        (
            "en",
            "19",
            "The model has not seen any cases with a value below 20; the estimate is less certain.",
        ),
    ],
)
def test_try_it_accepts_a_value_outside_the_range_with_a_note_below_the_field(
    open_page: OpenPage, lang: str, typed: str, note: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=BENEFITS)
    at.text_input(key=f"tryit_{BENEFITS}_1_{lang}_age").input(typed)
    at.button[0].click().run()
    assert_no_exception(at)
    assert not at.error
    warnings = [w.value for w in at.warning]
    assert note in warnings  # below the field
    label = "Ålder" if lang == "sv" else "Age"
    assert f"{label}: {note}" in warnings  # beside the result
    assert any(h.value.startswith(("Modellens", "The model")) for h in at.subheader)


@pytest.mark.parametrize(
    ("lang", "params", "message"),
    [
        ("sv", {"slug": "finns-inte"}, "Algoritmen finns inte i registret"),
        ("en", {"slug": "no-such-algorithm"}, "The algorithm is not in the register"),
        ("sv", {"slug": BENEFITS, "version": "99"}, "has no version 99"),
        ("en", {"slug": BENEFITS, "version": "abc"}, "“abc” is not a version number"),
    ],
)
def test_unknown_slug_or_version_says_so_and_links_back(
    open_page: OpenPage, lang: str, params: dict[str, str], message: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, **params)
    assert message in visible_text(at)
    assert at.error
    back = at.page_link[-1]
    assert back.value == ("Tillbaka till katalogen" if lang == "sv" else "Back to the catalogue")
    assert (
        back.proto.page.endswith("catalogue")
        or CATALOGUE.endswith(back.proto.page)
        or back.proto.page == ""
    )


def test_no_slug_points_to_the_catalogue(open_page: OpenPage) -> None:
    at = open_page(ALGORITHM)
    assert "Ingen algoritm är vald" in visible_text(at)
    assert at.page_link[-1].value == "Tillbaka till katalogen"


HOSTILE_SLUGS = {
    "slash": "a/b",
    "path": "../../etc/passwd",
    "script": "<script>alert(1)</script>",
    "quotes": 'x\'" onmouseover="alert(1)',
    "markdown": "[click](javascript:alert(1))",
    "very long": "a" * 5000,
    "unicode": "algoritm-åäö-\u202e\U0001f600",
    "encoded slash": "a%2Fb",
    "uppercase": "Benefits-Uptake",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("slug", HOSTILE_SLUGS.values(), ids=HOSTILE_SLUGS.keys())
def test_a_slug_no_algorithm_can_have_gets_the_not_found_page(
    open_page: OpenPage, lang: str, slug: str
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=slug)
    text = visible_text(at)
    lead = (
        "Algoritmen finns inte i registret"
        if lang == "sv"
        else "The algorithm is not in the register"
    )
    assert lead in text
    assert "The register holds no algorithm called" in text
    assert "something went wrong" not in text.lower() and "något gick fel" not in text.lower()
    assert len(at.error) == 1
    assert "<script>" not in "".join(str(e.proto) for e in at.markdown)
    assert len(at.error[0].value) < 1000  # a very long slug is shortened
    assert at.page_link[-1].value == (
        "Tillbaka till katalogen" if lang == "sv" else "Back to the catalogue"
    )


# -- numbers typed as the reader's language writes them ---------------------------
RATE = "stateur"  # the state unemployment rate, in percent: not a whole number
FIX = {
    "sv": "Några värden kan inte användas. Meddelandet under varje fält säger varför:",
    "en": "Some values cannot be used. The message below each field says why:",
}
RATE_LABEL = {"sv": "Arbetslöshet i delstaten", "en": "State unemployment rate"}


def _rate_inside_range(demo_tracking_uri: str) -> float:
    from register import Register

    spec = next(
        f
        for f in Register(tracking_uri=demo_tracking_uri).get(BENEFITS).input_profile.features
        if f.name == RATE
    )
    assert spec.kind == "numeric" and not spec.integer
    value = int((spec.minimum + spec.maximum) / 2) + 0.5
    assert spec.minimum < value < spec.maximum and not spec.minimum <= value * 10 <= spec.maximum
    return value


def _estimate_for(uri: str, lang: str, value: float) -> str:
    at = AppTest.from_function(
        _show_estimate, args=(uri, BENEFITS, {RATE: value}, lang), default_timeout=TIMEOUT
    ).run()
    assert_no_exception(at)
    return next(h.value for h in at.subheader if h.value.startswith(("Modellens", "The model")))


@pytest.mark.parametrize(("lang", "decimal"), [("sv", ","), ("en", "."), ("sv", ".")])
def test_try_it_reads_a_decimal_as_the_readers_language_writes_it(
    open_page: OpenPage, demo_tracking_uri: str, lang: str, decimal: str
) -> None:
    value = _rate_inside_range(demo_tracking_uri)
    typed = f"{int(value)}{decimal}5"  # "7,5" in Swedish, "7.5" in English
    at = open_page(ALGORITHM, lang=lang, slug=BENEFITS)
    at.text_input(key=f"tryit_{BENEFITS}_1_{lang}_{RATE}").input(typed)
    at.button[0].click().run()
    assert_no_exception(at)
    assert not at.error
    estimate = next(h.value for h in at.subheader if h.value.startswith(("Modellens", "The model")))
    assert estimate == _estimate_for(demo_tracking_uri, lang, value)
    assert estimate != _estimate_for(demo_tracking_uri, lang, value - 0.5)
    shown = f"{int(value)},5" if lang == "sv" else f"{int(value)}.5"
    assert f"{RATE_LABEL[lang]} = {shown}" in visible_text(at) or shown in visible_text(at)


@pytest.mark.parametrize(
    ("lang", "typed", "words"),
    [
        ("en", "7,5", ["“7,5” cannot be read as a number", "with a point"]),
        ("sv", "1.500", ["”1.500” kan betyda två olika tal", "decimaler med komma"]),
        ("sv", "7,5 %", ["”7,5 %” går inte att läsa som ett tal"]),
        ("en", "1e1", ["“1e1” cannot be read as a number"]),
        ("sv", "1_5", ["”1_5” går inte att läsa som ett tal"]),
    ],
)
def test_try_it_refuses_a_number_it_cannot_read_naming_field_and_value(
    open_page: OpenPage, lang: str, typed: str, words: list[str]
) -> None:
    at = open_page(ALGORITHM, lang=lang, slug=BENEFITS)
    at.text_input(key=f"tryit_{BENEFITS}_1_{lang}_{RATE}").input(typed)
    at.button[0].click().run()
    assert_no_exception(at)
    messages = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # Markdown escapes
    assert len(messages) == 2
    below_field, summary = messages
    assert summary.startswith(FIX[lang])
    assert f"{RATE_LABEL[lang]}: {below_field}" in summary
    for word in words:
        assert word in below_field
    assert not any(h.value.startswith(("Modellens", "The model")) for h in at.subheader)


def test_tables_show_every_row_and_whole_cells(open_page: OpenPage) -> None:
    from register import Register

    record = Register().get(BENEFITS).record
    at = open_page(ALGORITHM, lang="en", slug=BENEFITS)
    tables = shown_tables(at)  # none is a scrolling st.dataframe that hides rows
    features = next(f for f in tables if "Changeable by the person" in f.columns)
    assert len(features) == len(record.technical.features)  # the last row too
    descriptions = [d.replace("\u200b", "") for d in features.iloc[:, 1]]
    assert descriptions == [f.description.get("en") for f in record.technical.features]
