"""The audit report rendered from its Jinja2 template: the same content as the report
written before the template (f-strings), in Swedish and English, and no markup from
record, review or log text."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest

from register import load_record, render_html
from register.audit import _report, labelled_finding
from tests.register._report_samples import HOSTILE, empty_report, full_report, no_checks_report

ROOT = Path(__file__).resolve().parents[2]

REPORT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong",
    "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code",
}  # fmt: skip


class Page(HTMLParser):
    """Headings, paragraphs and list items, and tables (rows of cell texts) of a report."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.headings: list[str] = []
        self.paragraphs: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._text: str | None = None
        self._cell: str | None = None
        self._row: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag in ("h1", "h2", "h3", "p", "li"):
            self._text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.tables[-1].append(self._row)
        elif tag in ("h1", "h2", "h3") and self._text is not None:
            self.headings.append(self._text)
            self._text = None
        elif tag in ("p", "li") and self._text is not None:
            self.paragraphs.append(self._text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data
        if self._text is not None:
            self._text += data


N = "\u00a0"
GROUP_TABLE_EN = [
    [
        "Group",
        "Selection rate",
        "95% interval",
        "True-positive rate",
        "95% interval",
        "False-positive rate",
        "95% interval",
        "Precision",
        "95% interval",
        "Count",
    ],
    [
        "female",
        f"30.0{N}%",
        f"18.8–43.3{N}%",
        f"50.0{N}%",
        f"31.3–68.7{N}%",
        f"10.0{N}%",
        f"2.1–26.5{N}%",
        f"66.0{N}%",
        f"41.4–85.5{N}%",
        "60",
    ],
    [
        "male",
        f"52.0{N}%",
        f"38.1–65.6{N}%",
        f"74.0{N}%",
        f"51.7–89.8{N}%",
        f"14.0{N}%",
        f"4.0–32.0{N}%",
        "too few to report",
        "–",
        "55",
    ],
    ["other", *["too few to report"] * 9],
    [
        "Overall",
        f"41.0{N}%",
        f"32.1–50.3{N}%",
        f"62.0{N}%",
        f"48.9–74.0{N}%",
        f"12.0{N}%",
        f"5.1–22.7{N}%",
        f"70.0{N}%",
        f"56.0–81.7{N}%",
        "120",
    ],
]
INTERVALS_EN = (
    "Each rate has a 95% interval: the true rates that fit the data (an exact binomial "
    "interval, Clopper–Pearson). A rate is shown only when at least 10 people are behind it. "
    "For example, the false-positive rate counts only the people whose true outcome was "
    "negative. A difference is flagged only when the intervals of two groups do not overlap; "
    "otherwise it could be chance."
)
CHECKS_TABLE_EN = [
    ["", ""],
    ["Additivity (largest error)", "1.23e-07 (≤ 0.0001)"],
    [
        "Reproducibility",
        "largest difference 2.5e-09; 50 rows, seed 7, background cdcdcdcdcdcdcdcd",
    ],
    ["Rank correlation (Spearman)", "0.988"],
    ["Entered the top five", "income"],
    ["Left the top five", "–"],
    ["Share of changed decisions", "0.031"],
]
INFLUENCE_TABLE_EN = [
    ["", "Direct share of |SHAP|", "Strongest proxies", "Share through proxies"],
    ["sex", "0.12", "job (cramers_v 0.457, |SHAP| 0.05)", "0.05"],
    ["age", "not a model input", "–", "–"],
]
LOG_TABLE_EN = [
    ["#", "time", "event", "version", "sha256"],
    ["1", "2026-11-21T10:00:00.000+00:00", "registered", "1", "1" * 16],
    ["2", "2026-11-22T10:00:00.000+00:00", "published", "2", "2" * 16],
]


def test_the_english_report_has_every_section_and_number_as_before() -> None:
    html = render_html(full_report(), "en")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    page = Page(html)
    assert page.headings == [
        "Audit report: Support",
        "Explanation provenance",
        "Fairness by group",
        "sex",
        "age",
        "Explanation checks",
        "Influence of protected attributes",
        "Reviews",
        "Audit log",
    ]
    assert page.paragraphs == [
        "Exempelkommun · benefits-uptake · version 2 · Generated 2026-11-29T12:00:00+00:00",
        INTERVALS_EN,
        "Grouping: the groups as the data record them",
        "Finding: The rate differs.",
        "Grouping: age bands <25, 25–34",
        "Finding: No differences.",
        "Approved with remarks – Internrevisionen, 2026-11-20: The audit looked. "
        "(fairness by group, additivity)",
        "Concerns – Revisorerna, 2026-11-21: Oro.",
        "The chain and every file verify.",
        f"Chain head hash: {'ab' * 32} (#3)",
    ]
    provenance, groups, age, checks, influence, log = page.tables
    assert provenance[0] == ["", ""]
    assert [row[0] for row in provenance[1:]] == list(_report.PROVENANCE_FIELDS)
    assert dict(provenance[1:])["additivity_max_error"] == "1.5e-07"
    assert dict(provenance[1:])["scale"] == "–"
    assert groups == GROUP_TABLE_EN
    assert age == [GROUP_TABLE_EN[0], ["Overall", *["–"] * 8, "5"]]
    assert checks == CHECKS_TABLE_EN
    assert influence == INFLUENCE_TABLE_EN
    assert log == LOG_TABLE_EN
    assert '<p class="flag"><strong>Finding:</strong> The rate differs.</p>' in html
    assert '<p class="ok"><strong>Finding:</strong> No differences.</p>' in html


def test_the_swedish_report_takes_every_label_from_the_swedish_catalogue() -> None:
    html = render_html(full_report(), "sv")
    assert '<html lang="sv">' in html
    page = Page(html)
    assert page.headings == [
        "Granskningsrapport: Stöd",
        "Förklaringens ursprung",
        "Rättvisa mellan grupper",
        "sex",
        "age",
        "Kontroller av förklaringen",
        "Skyddade uppgifters inflytande",
        "Granskningar",
        "Granskningslogg",
    ]
    assert page.paragraphs == [
        "Exempelkommun · benefits-uptake · version 2 · Skapad 2026-11-29T12:00:00+00:00",
        page.paragraphs[1],
        "Indelning: grupperna så som de anges i uppgifterna",
        "Slutsats: Andelen skiljer.",
        "Indelning: åldersgrupper <25, 25–34",
        "Slutsats: Inga skillnader.",
        "Godkänd med anmärkningar – Internrevisionen, 2026-11-20: Revisionen granskade. "
        "(rättvisa mellan grupper, additivitet)",
        "Invändningar – Revisorerna, 2026-11-21: Oro.",
        "Kedjan och alla filer stämmer.",
        f"Kedjans senaste hash: {'ab' * 32} (#3)",
    ]
    _, groups, _, checks, influence, log = page.tables
    assert page.paragraphs[1].startswith("Varje andel har ett osäkerhetsintervall (95 %)")
    assert "minst 10 personer" in page.paragraphs[1]
    interval = "Intervall (95 %)"
    assert groups[0] == [
        "Grupp",
        "Andel positiva utfall",
        interval,
        "Andel rätt upptäckta",
        interval,
        "Andel felaktigt utpekade",
        interval,
        "Andel rätt bland utpekade",
        interval,
        "Antal",
    ]
    assert groups[1][1:3] == ["30,0\u00a0%", "18,8–43,3\u00a0%"]
    assert groups[2][7:9] == ["för få för att redovisas", "–"]
    assert groups[3] == ["other", *["för få för att redovisas"] * 9]
    assert groups[4][0] == "Alla"
    # numbers with the Swedish decimal comma
    assert checks[1] == ["Additivitet (största fel)", "1,23e-07 (≤ 0,0001)"]
    # Before the template these words were English in the Swedish report too.
    assert checks[2] == [
        "Reproducerbarhet",
        "största skillnad 2,5e-09; 50 rader, slumpfrö 7, jämförelserader cdcdcdcdcdcdcdcd",
    ]
    assert influence[2][1] == "inte en indata"
    assert log[0] == ["#", "tid", "händelse", "version", "sha256"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "The version was registered without evaluation data; no group comparison exists.",
                "No reviews yet.",
                "Not verified.",
            ],
        ),
        (
            "sv",
            [
                "Versionen registrerades utan utvärderingsdata; inga gruppjämförelser finns.",
                "Inga granskningar ännu.",
                "Inte kontrollerad.",
            ],
        ),
    ],
)
def test_missing_parts_are_said_in_words(lang: str, expected: list[str]) -> None:
    page = Page(render_html(empty_report(), lang))
    assert [p for p in page.paragraphs if p in expected] == expected
    stability = {"en": "Stability against the previous version", "sv": "Stabilitet mot "}
    assert page.tables[1][-1][0].startswith(stability[lang])
    assert page.tables[-1] == [page.tables[-1][0]]  # the log table has a header and no rows
    no_checks = Page(render_html(no_checks_report(), lang)).paragraphs
    assert {"en": "No stored checks.", "sv": "Inga lagrade kontroller."}[lang] in no_checks


def test_a_result_stored_before_intervals_shows_its_rates_without_intervals() -> None:
    report = full_report()
    fairness = report.fairness
    assert fairness is not None
    old = {k: v for k, v in fairness.items() if k != "min_denominator"} | {"format": 1}
    old["attributes"] = [
        {
            **a,
            "groups": [
                {k: v for k, v in g.items() if k not in ("intervals", "too_few_rates")}
                for g in a["groups"]
            ],
        }
        for a in fairness["attributes"]
    ]
    page = Page(render_html(dataclasses.replace(report, fairness=old), "en"))
    assert INTERVALS_EN not in page.paragraphs
    female = page.tables[1][1]
    assert female[:3] == ["female", f"30.0{N}%", "–"]
    assert page.tables[1][2][7:9] == ["–", "–"]  # no longer said to be too few: unknown


def test_a_broken_chain_lists_every_problem() -> None:
    page = Page(render_html(full_report(broken=True), "en"))
    assert page.paragraphs[-3:-1] == ["The chain is broken:", "gone"]
    assert '<p class="flag">Kedjan är bruten:</p>' in render_html(full_report(broken=True))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_hostile_record_review_and_log_text_stays_text(lang: str) -> None:
    html = render_html(full_report(HOSTILE, broken=True), lang)
    page = Page(html)
    assert set(page.tags) <= REPORT_TAGS, set(page.tags) - REPORT_TAGS
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;" in html and "&amp;amp;" in html
    shown = "\n".join(
        [*page.headings, *page.paragraphs, *(c for t in page.tables for r in t for c in r)]
    )
    # Every place record, review or log text reaches keeps it whole, as text.
    for place in (
        "Stöd" if lang == "sv" else "Support",
        "Exempelkommun",
        "other",
        "age",
        "åldersgrupper <25, 25–34" if lang == "sv" else "age bands <25, 25–34",
        "Andelen skiljer." if lang == "sv" else "The rate differs.",
        "income",
        "job",
        "Revisionen granskade." if lang == "sv" else "The audit looked.",
        "Internrevisionen",
        "additivity",
        "gone",
        "registered",
        "exact_tree",
    ):
        assert place + HOSTILE in shown, place


def test_the_report_language_only_picks_texts_not_markup() -> None:
    html = render_html(full_report(), 'en"><script>x</script>')
    assert "<script>" not in html
    # No catalogue for that language: labels in the source language (English), record text
    # in Swedish (LocalizedText's rule).
    assert "<h1>Audit report: Stöd</h1>" in html


@pytest.mark.parametrize(
    ("lang", "attribute", "groups", "grouping"),
    [
        ("sv", "Kön (sex)", ["Kvinna (female)", "Man (male)"], "grupperna så som"),
        ("en", "Sex (sex)", ["Female (female)", "Male (male)"], "the groups as the data"),
    ],
)
def test_the_report_names_attributes_and_groups_by_label_with_the_code_beside(
    lang: str, attribute: str, groups: list[str], grouping: str
) -> None:
    record = load_record(ROOT / "models" / "benefits-uptake" / "record.yaml")
    page = Page(render_html(dataclasses.replace(full_report(), record=record), lang))
    assert attribute in page.headings
    _, table, *_ = page.tables
    assert [row[0] for row in table[1:3]] == groups
    assert table[3][0] == "other"  # a group the record does not label keeps its code
    rates = ["30,0", "50,0", "10,0", "66,0"] if lang == "sv" else ["30.0", "50.0", "10.0", "66.0"]
    assert table[1][1:9:2] == [f"{rate}\u00a0%" for rate in rates]  # each beside its interval
    assert any(p.endswith(grouping) or grouping in p for p in page.paragraphs)


@pytest.mark.parametrize(
    ("lang", "stored", "shown"),
    [
        (
            "sv",
            "Andelen positiva utfall för sex = female är 70 % av andelen för sex = male.",
            "Andelen positiva utfall för Kön (sex) = Kvinna (female) är 70 % av andelen för "
            "Kön (sex) = Man (male).",
        ),
        (
            "en",
            "No differences above the thresholds between the groups for nwhite.",
            "No differences above the thresholds between the groups for Non-white (nwhite).",
        ),
        ("en", "The rate for sex = other differs.", "The rate for Sex (sex) = other differs."),
    ],
)
def test_findings_name_the_attribute_and_groups_by_label_beside_the_code(
    lang: str, stored: str, shown: str
) -> None:
    record = load_record(ROOT / "models" / "benefits-uptake" / "record.yaml")
    attribute = "nwhite" if "nwhite" in stored else "sex"
    assert labelled_finding(stored, attribute, record, lang) == shown
    assert labelled_finding(stored, attribute, None, lang) == stored  # no record: as stored
