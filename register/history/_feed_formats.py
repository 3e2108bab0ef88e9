"""The change feed written as Atom (RFC 4287) and as JSON Feed 1.1.

Both are built from a :class:`~register.history._feed.ChangeFeed` without reading the
register again. Every text is written as text (XML-escaped by ElementTree, JSON-escaped
by ``json``) after :func:`register.clean_text`, so record text cannot become markup.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

from register.history._feed import FEED_LANGUAGES, ChangeFeed, FeedEntry
from register.record._sanitize import clean_text
from register.text import message

__all__ = [
    "ATOM_MEDIA_TYPE",
    "INSYN_NAMESPACE",
    "JSON_FEED_MEDIA_TYPE",
    "atom_feed",
    "entry_id",
    "json_feed",
]

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
# insyn's own elements in an Atom feed (chain hash, sequence, event, slug, version).
INSYN_NAMESPACE = "urn:insyn:feed:1"
EVENT_SCHEME = "urn:insyn:event"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_MEDIA_TYPE = "application/atom+xml"
JSON_FEED_MEDIA_TYPE = "application/feed+json"
FEED_PATH = "/api/v1/feed"
# Atom needs an <updated> even when nothing happened yet: the start of the epoch.
EMPTY_UPDATED = "1970-01-01T00:00:00+00:00"
DEFAULT_LANGUAGE = "sv"

LANGUAGE_MESSAGE = "Feed parameter 'lang' must be one of {known}; got {value!r}."

# Characters XML 1.0 cannot hold at all (clean_text removes most; this is the guarantee).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM_NAMESPACE)
ET.register_namespace("insyn", INSYN_NAMESPACE)


def entry_id(entry: FeedEntry) -> str:
    """The entry's stable id: a URN of its audit chain hash (the same in every language
    and format)."""
    return f"urn:insyn:audit:{entry.chain_hash}"


def _check_language(lang: str) -> None:
    if lang not in FEED_LANGUAGES:
        raise ValueError(LANGUAGE_MESSAGE.format(known=", ".join(FEED_LANGUAGES), value=lang))


def _query(feed: ChangeFeed, lang: str) -> str:
    params = {}
    if feed.organisation is not None:
        params["organisation"] = feed.organisation
    if lang != DEFAULT_LANGUAGE:
        params["lang"] = lang
    return f"?{urlencode(params)}" if params else ""


def feed_url(base_url: str, feed: ChangeFeed, lang: str, suffix: str) -> str:
    """Where the API serves this feed: ``{base_url}/api/v1/feed.{suffix}[?...]``."""
    return f"{base_url.rstrip('/')}{FEED_PATH}.{suffix}{_query(feed, lang)}"


def home_url(portal_url: str, lang: str) -> str:
    """The portal's start page (in ``lang``)."""
    tail = "" if lang == DEFAULT_LANGUAGE else f"?{urlencode({'lang': lang})}"
    return f"{portal_url.rstrip('/')}/{tail}"


def entry_url(portal_url: str, entry: FeedEntry, lang: str) -> str:
    """The portal's page of the entry's algorithm (and version, when the event has one)."""
    params: dict[str, Any] = {"slug": entry.slug}
    if entry.version is not None:
        params["version"] = entry.version
    if lang != DEFAULT_LANGUAGE:
        params["lang"] = lang
    return f"{portal_url.rstrip('/')}/algorithm?{urlencode(params)}"


def _text(value: object) -> str:
    return _NOT_XML.sub("", clean_text(value))


def _title(feed: ChangeFeed, lang: str) -> str:
    if feed.organisation is None:
        return message("feed.feed_title", lang)
    return message("feed.feed_title_organisation", lang, organisation=_text(feed.organisation))


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom_feed(feed: ChangeFeed, *, base_url: str, portal_url: str, lang: str = "sv") -> bytes:
    """The feed as an RFC 4287 Atom document (UTF-8 bytes) in ``lang``.

    Guarantees: the feed has id (its self link), title, updated, author and links
    ``self`` (``{base_url}/api/v1/feed.atom[?organisation=...]``) and ``alternate`` (the
    portal); every entry has id (:func:`entry_id`), title, updated, author (the
    organisation), a link to the algorithm's page in the portal, a summary, a category
    for its event and ``<insyn:chainHash>`` (with ``insyn:sequence``, ``insyn:event``,
    ``insyn:slug``, ``insyn:version``). All text is escaped. Raises ``ValueError`` for
    an unknown ``lang``.
    """
    _check_language(lang)
    atom = f"{{{ATOM_NAMESPACE}}}"
    insyn = f"{{{INSYN_NAMESPACE}}}"
    self_url = feed_url(base_url, feed, lang, "atom")
    root = ET.Element(f"{atom}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _sub(root, f"{atom}id", self_url)
    _sub(root, f"{atom}title", _title(feed, lang))
    _sub(root, f"{atom}subtitle", message("feed.subtitle", lang))
    _sub(root, f"{atom}updated", feed.updated or EMPTY_UPDATED)
    _sub(root, f"{atom}link", rel="self", type=ATOM_MEDIA_TYPE, href=self_url)
    _sub(root, f"{atom}link", rel="alternate", type="text/html", href=home_url(portal_url, lang))
    author = _sub(root, f"{atom}author")
    _sub(author, f"{atom}name", message("feed.author", lang))
    _sub(root, f"{atom}generator", "insyn")
    for entry in feed.entries:
        item = _sub(root, f"{atom}entry")
        _sub(item, f"{atom}id", entry_id(entry))
        _sub(item, f"{atom}title", entry.title[lang], type="text")
        _sub(item, f"{atom}updated", entry.time)
        _sub(item, f"{atom}published", entry.time)
        if entry.organisation:
            _sub(_sub(item, f"{atom}author"), f"{atom}name", entry.organisation)
        _sub(
            item,
            f"{atom}link",
            rel="alternate",
            type="text/html",
            href=entry_url(portal_url, entry, lang),
        )
        _sub(item, f"{atom}summary", entry.summary[lang], type="text")
        _sub(
            item,
            f"{atom}category",
            term=entry.event,
            scheme=EVENT_SCHEME,
            label=message(f"feed.event.{entry.event}", lang),
        )
        _sub(item, f"{insyn}chainHash", entry.chain_hash)
        _sub(item, f"{insyn}sequence", entry.sequence)
        _sub(item, f"{insyn}event", entry.event)
        _sub(item, f"{insyn}slug", entry.slug)
        if entry.version is not None:
            _sub(item, f"{insyn}version", entry.version)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def json_feed(feed: ChangeFeed, *, base_url: str, portal_url: str, lang: str = "sv") -> bytes:
    """The feed as a JSON Feed 1.1 document (UTF-8 bytes) in ``lang``.

    Guarantees: ``version``, ``title``, ``home_page_url`` (the portal), ``feed_url``
    (``{base_url}/api/v1/feed.json[?organisation=...]``), ``language``, ``authors`` and
    ``items``, each with ``id`` (:func:`entry_id`), ``url``, ``title``, ``content_text``,
    ``date_published``, ``tags`` (the event, and the organisation) and an ``_insyn``
    extension with ``chain_hash``, ``sequence``, ``event``, ``slug``, ``version`` and
    ``organisation``. Raises ``ValueError`` for an unknown ``lang``.
    """
    _check_language(lang)
    items = []
    for entry in feed.entries:
        tags = [entry.event, message(f"feed.event.{entry.event}", lang)]
        if entry.organisation:
            tags.append(_text(entry.organisation))
        item: dict[str, Any] = {
            "id": entry_id(entry),
            "url": entry_url(portal_url, entry, lang),
            "title": _text(entry.title[lang]),
            "content_text": _text(entry.summary[lang]),
            "date_published": entry.time,
            "tags": tags,
            "_insyn": {
                "about": f"{base_url.rstrip('/')}/api/v1/docs",
                "chain_hash": entry.chain_hash,
                "sequence": entry.sequence,
                "event": entry.event,
                "slug": entry.slug,
                "version": entry.version,
                "organisation": _text(entry.organisation),
            },
        }
        if entry.organisation:
            item["authors"] = [{"name": _text(entry.organisation)}]
        items.append(item)
    document = {
        "version": JSON_FEED_VERSION,
        "title": _title(feed, lang),
        "description": message("feed.subtitle", lang),
        "home_page_url": home_url(portal_url, lang),
        "feed_url": feed_url(base_url, feed, lang, "json"),
        "language": lang,
        "authors": [{"name": message("feed.author", lang)}],
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
