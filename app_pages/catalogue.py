"""Catalogue: find an algorithm by free text and filters, one page of results at a time."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages import _data
from app_pages._format import escape_markdown
from app_pages._guard import guarded
from app_pages._sections import algorithm_link, plain
from app_pages._text import current_language, localized, t, t_enum
from register import AlgorithmSummary

# Session keys of the paging state: the query shown and the page tokens walked so far.
QUERY_KEY = "catalogue_query"
TOKENS_KEY = "catalogue_tokens"
FILTERS = (
    ("organisation", "catalogue.filter.organisation", ""),
    ("theme", "catalogue.filter.theme", "theme"),
    ("status", "catalogue.filter.status", "status"),
    ("risk", "catalogue.filter.risk", "risk"),
)


def search_form(uri: str) -> tuple[str, str | None, str | None, str | None, str | None]:
    """The search box and one filter per catalogue field; returns the query."""
    text = st.text_input(
        t("catalogue.search"), key="catalogue_text", help=t("catalogue.search_help")
    )
    options = _data.filter_options(uri)
    chosen: list[str | None] = []
    for column, (field, label, group) in zip(st.columns(len(FILTERS)), FILTERS, strict=True):
        choices: list[str | None] = [None, *options[field]]
        value = column.selectbox(
            t(label),
            choices,
            key=f"catalogue_{field}",
            format_func=partial(option_text, group, current_language()),
        )
        chosen.append(value)
    organisation, theme, status, risk = chosen
    return text.strip(), organisation, theme, status, risk


def option_text(group: str, lang: str, value: str | None) -> str:
    """A filter option as shown in ``lang``: "All" for no filter, enum values translated."""
    if value is None:
        return t_enum("catalogue.filter", "all", lang)
    return t_enum(group, value, lang) if group else value


def page_tokens(query: tuple[object, ...]) -> list[str | None]:
    """The page tokens walked for ``query``; a new query starts again at page 1."""
    if st.session_state.get(QUERY_KEY) != query:
        st.session_state[QUERY_KEY] = query
        st.session_state[TOKENS_KEY] = [None]
    tokens: list[str | None] = st.session_state[TOKENS_KEY]
    return tokens


def result_card(item: AlgorithmSummary) -> None:
    """One algorithm: name, who runs it, status, risk, short description and a link."""
    name = localized(item.name)
    with st.container(border=True):
        st.header(escape_markdown(name), anchor=False)
        meta = t(
            "catalogue.meta",
            organisation=item.organisation,
            theme=t_enum("theme", item.theme),
            status=t_enum("status", item.status),
            risk=t_enum("risk", item.risk_category),
        )
        plain(meta)
        plain(localized(item.short_description))
        algorithm_link(item.slug, t("catalogue.open", name=name))


def is_narrowed(
    query: tuple[str, str | None, str | None, str | None, str | None], tokens: list[str | None]
) -> bool:
    """Whether the reader searched, filtered or paged: only then can "nothing matches" be
    the reason for an empty result (else the register holds no published algorithm)."""
    return any(query) or len(tokens) > 1


def previous_page() -> None:
    st.session_state[TOKENS_KEY].pop()


def next_page(token: str) -> None:
    st.session_state[TOKENS_KEY].append(token)


def pager(tokens: list[str | None], next_token: str | None) -> None:
    """Previous and Next buttons that walk the page tokens (no full reload)."""
    previous, label, following = st.columns([1, 2, 1])
    previous.button(
        t("catalogue.previous"),
        disabled=len(tokens) <= 1,
        on_click=previous_page,
        key="catalogue_previous",
    )
    label.caption(t("catalogue.page", number=len(tokens)))
    following.button(
        t("catalogue.next"),
        disabled=next_token is None,
        on_click=next_page,
        args=(next_token,),
        key="catalogue_next",
    )


def catalogue_page() -> None:
    st.title(t("catalogue.title"))
    st.write(t("catalogue.intro"))
    uri = _data.tracking_uri()
    query = search_form(uri)
    tokens = page_tokens(query)
    items, next_token = _data.search(uri, *query, tokens[-1], _data.PAGE_SIZE)
    if not items:
        st.info(t("catalogue.empty" if is_narrowed(query, tokens) else "catalogue.empty_register"))
    for item in items:
        result_card(item)
    if len(tokens) > 1 or next_token:
        pager(tokens, next_token)


guarded(catalogue_page)
