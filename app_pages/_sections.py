"""The sections of an algorithm page that come from its transparency record.

Record text is written by many organisations: it is shown with ``st.text``
(no Markdown, no HTML) or escaped before it passes through Markdown, so no
record can inject markup. Links are only the record's validated http(s) and
email addresses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import streamlit as st

from app_pages._download import record_download, standard_downloads
from app_pages._format import escape_markdown
from app_pages._labels import class_text, column_text
from app_pages._safe import safe_plain
from app_pages._tables import show_table
from app_pages._text import localized, t, t_enum
from register import AlgorithmVersion, TransparencyRecord, VersionChange

# Absolute: `insyn serve` runs the router from a main script outside this package.
ALGORITHM_PAGE = str(Path(__file__).resolve().with_name("algorithm.py"))
CATALOGUE_PAGE = str(Path(__file__).resolve().with_name("catalogue.py"))
_UNSAFE_URL_CHARS = re.compile(r"[\s<>\\()\[\]]")


# -- building blocks -------------------------------------------------------------
def plain(text: str) -> None:
    """Record text as plain text: nothing in it is read as Markdown or HTML; control and
    bidi-override characters are removed and long words can wrap (``_safe.safe_plain``)."""
    st.text(safe_plain(text), width="stretch")


def heading(key: str) -> None:
    """A section heading from the catalogue."""
    st.header(t(key), anchor=False)  # h2 under the page title (axe: heading-order)


def fact(label_key: str, value: str) -> None:
    """One short labelled value on a line (the value is escaped)."""
    label = t(label_key)
    separator = "" if label.endswith("?") else ":"
    st.markdown(f"**{label}{separator}** {escape_markdown(value)}")


def paragraph(label_key: str, text: str) -> None:
    """A labelled block of record text, shown as plain text."""
    st.markdown(f"**{t(label_key)}**")
    plain(text)


def link(label: str, url: object) -> None:
    """A link with an escaped label to a validated http(s) or mailto address."""
    safe = _UNSAFE_URL_CHARS.sub(lambda m: quote(m.group()), str(url))
    st.markdown(f"[{escape_markdown(label)}]({safe})")


def algorithm_link(slug: str, label: str, version: int | None = None) -> None:
    """A link to the algorithm page of ``slug`` (its published version by default)."""
    params = {"slug": slug} if version is None else {"slug": slug, "version": str(version)}
    st.page_link(
        ALGORITHM_PAGE,
        label=escape_markdown(label),
        query_params=params,
        icon=":material/arrow_forward:",
    )


def catalogue_link() -> None:
    """A link back to the catalogue."""
    st.page_link(CATALOGUE_PAGE, label=t("algorithm.back"), icon=":material/arrow_back:")


def yes_no(value: bool) -> str:
    return t("yes") if value else t("no")


def date_text(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return t("not_given")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def feature_label(record: TransparencyRecord, name: str) -> str:
    """The plain-words label of a model input (its column name when undescribed)."""
    feature = record.feature(name)
    return localized(feature.label) if feature is not None else name


# -- the record ------------------------------------------------------------------
def page_header(version: AlgorithmVersion) -> None:
    """The algorithm's name and short description, above every tab of its page."""
    record = version.record
    st.title(escape_markdown(localized(record.name)), anchor=False)
    plain(localized(record.short_description))
    if not version.is_published:
        st.info(t("algorithm.not_published_version", version=version.version))


def what_it_is(version: AlgorithmVersion) -> None:
    record = version.record
    heading("section.what")
    fact("field.organisation", record.organisation)
    fact("field.department", record.department)
    fact("field.theme", t_enum("theme", record.theme.value))
    fact("field.status", t_enum("status", version.status or record.status.value))
    fact("field.start_date", date_text(record.start_date))
    if record.end_date is not None:
        fact("field.end_date", date_text(record.end_date))


def purpose_and_considerations(record: TransparencyRecord) -> None:
    heading("section.purpose")
    paragraph("field.purpose", localized(record.purpose))
    paragraph("field.impact", localized(record.impact))
    heading("section.considerations")
    paragraph("field.proportionality", localized(record.considerations.proportionality))
    paragraph("field.alternatives", localized(record.considerations.alternatives))


def legal_basis(record: TransparencyRecord) -> None:
    heading("section.legal")
    plain(localized(record.legal_basis.text))
    if record.legal_basis.references:
        st.markdown(f"**{t('field.legal_references')}**")
        for reference in record.legal_basis.references:
            link(reference.title, reference.url)


def decision_process(record: TransparencyRecord) -> None:
    process = record.decision_process
    heading("section.decision")
    paragraph("field.output_use", localized(process.output_use))
    st.markdown(f"**{t('field.human_decides')}**")
    plain(t("field.human_decides.yes" if process.human_decides else "field.human_decides.no"))
    paragraph("field.objection", localized(process.objection))
    heading("section.oversight")
    plain(localized(record.human_oversight))


def risk_and_assessments(record: TransparencyRecord) -> None:
    heading("section.risk")
    fact("field.risk_category", t_enum("risk", record.risk.category.value))
    paragraph("field.risk_management", localized(record.risk.management))
    heading("section.assessments")
    if not record.impact_assessments:
        plain(t("none"))
    for assessment in record.impact_assessments:
        title = f"{t_enum('assessment', assessment.kind)}: {assessment.title}"
        if assessment.completed is not None:
            title += f" ({t('field.assessment_completed', date=date_text(assessment.completed))})"
        if assessment.url is not None:
            link(title, assessment.url)
        else:
            plain(title)


def data_section(record: TransparencyRecord) -> None:
    heading("section.data")
    paragraph("field.sources", localized(record.data.sources))
    fact("field.personal_data", yes_no(record.data.personal_data))
    protected = [column_text(record, name) for name in record.data.protected_attributes]
    fact("field.protected_attributes", ", ".join(protected) if protected else t("none"))


def technical_section(record: TransparencyRecord) -> None:
    technical = record.technical
    heading("section.technical")
    paragraph("field.model_type", localized(technical.model_type))
    paragraph("field.output", localized(technical.output))
    if technical.positive_class is not None:
        fact("field.positive_class", class_text(record, technical.positive_class))
    st.markdown(f"**{t('field.features')}**")
    table = pd.DataFrame(
        {
            t("column.feature"): [localized(f.label) for f in technical.features],
            t("column.description"): [localized(f.description) for f in technical.features],
            t("column.changeable"): [yes_no(f.changeable) for f in technical.features],
        }
    )
    show_table(table)


def supplier_and_contact(record: TransparencyRecord) -> None:
    heading("section.supplier")
    fact("field.supplier", record.supplier)
    if record.source_code is not None:
        link(t("field.source_code"), record.source_code)
    else:
        fact("field.source_code", t("field.source_code.none"))
    heading("section.contact")
    contact_links(record)


def contact_links(record: TransparencyRecord) -> None:
    """The record's contact e-mail and web address, each as a labelled link."""
    if record.contact.email is not None:
        st.markdown(f"**{t('field.email')}:**")
        link(str(record.contact.email), f"mailto:{record.contact.email}")
    if record.contact.url is not None:
        st.markdown(f"**{t('field.web')}:**")
        link(str(record.contact.url), record.contact.url)


def contact_box(record: TransparencyRecord) -> None:
    """Right under the name and short description: how to object and whom to contact,
    so no reader has to scroll through the whole page to find them."""
    with st.container(border=True, key="contact_box"):
        st.markdown(f"**{t('contact_box.title')}**")
        plain(localized(record.decision_process.objection))
        contact_links(record)


def record_sections(version: AlgorithmVersion) -> None:
    """Every section of the record, in the order a citizen asks about them."""
    what_it_is(version)
    purpose_and_considerations(version.record)
    legal_basis(version.record)
    decision_process(version.record)
    risk_and_assessments(version.record)
    data_section(version.record)
    technical_section(version.record)
    supplier_and_contact(version.record)
    record_download(version)
    standard_downloads(version)


# -- versions ---------------------------------------------------------------------
def _aliases(aliases: Iterable[str]) -> str:
    return ", ".join(t_enum("alias", alias) for alias in aliases)


def history_section(changes: list[VersionChange]) -> None:
    """Every version: when, its status and labels, and which record fields changed."""
    heading("history.title")
    table = pd.DataFrame(
        {
            t("history.column.version"): [c.version for c in changes],
            t("history.column.date"): [date_text(c.created_at) for c in changes],
            t("history.column.status"): [t_enum("status", c.status) for c in changes],
            t("history.column.aliases"): [_aliases(c.aliases) for c in changes],
            t("history.column.changed"): [
                ", ".join(c.changed_fields) if i else t("history.first")
                for i, c in enumerate(changes)
            ],
        }
    )
    show_table(table)
