"""The export as a DCAT-AP catalogue (JSON-LD) that national data portals can harvest."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from register.export._common import ExportError

CATALOG_FILE = "catalog.jsonld"
JSONLD_MEDIA_TYPE = "application/ld+json"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FILE_TYPES = {"application/json": "JSON", "text/csv": "CSV", "application/ld+json": "JSON_LD"}
FILE_TYPES["text/markdown"] = "TXT"  # model cards: Markdown is plain text
CATALOG_MISMATCH = "The catalogue does not match the exported files: {detail}."


@dataclass(frozen=True, kw_only=True, slots=True)
class Distribution:
    """One file of the export as the catalogue describes it (read-only)."""

    name: str
    title: str
    description: str
    media_type: str
    conforms_to: str | None
    content: bytes


def _text(en: str, sv: str) -> list[dict[str, str]]:
    return [{"@value": en, "@language": "en"}, {"@value": sv, "@language": "sv"}]


def url_for(name: str, base_url: str | None) -> str:
    """The download URL of ``name``: under ``base_url``, else relative to the catalogue."""
    return f"{base_url.rstrip('/')}/{name}" if base_url else name


def catalog(
    distributions: Sequence[Distribution],
    *,
    base_url: str | None,
    publisher: str,
    generated_at: str,
    audit_head: str | None,
) -> dict[str, Any]:
    """A ``dcat:Catalog`` with one ``dcat:Dataset`` and one ``dcat:Distribution`` per file."""
    modified = {"@value": generated_at, "@type": "xsd:dateTime"}
    agent = {"@type": "foaf:Agent", "foaf:name": publisher}
    items = []
    for item in distributions:
        url = url_for(item.name, base_url)
        mime = item.media_type.split(";")[0]
        entry: dict[str, Any] = {
            "@id": url,
            "@type": "dcat:Distribution",
            "dct:title": item.title,
            "dct:description": item.description,
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": {"@id": IANA + mime},
            "dct:format": {"@id": FILE_TYPE + FILE_TYPES[mime]},
            "dct:modified": modified,
            "dcat:byteSize": {"@value": str(len(item.content)), "@type": "xsd:nonNegativeInteger"},
            "spdx:checksum": {
                "@type": "spdx:Checksum",
                "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                "spdx:checksumValue": hashlib.sha256(item.content).hexdigest(),
            },
        }
        if item.conforms_to:
            entry["dct:conformsTo"] = {"@id": item.conforms_to}
        items.append(entry)
    dataset: dict[str, Any] = {
        "@id": url_for(CATALOG_FILE, base_url) + "#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": "insyn-register",
        "dct:title": _text(
            "Algorithm transparency register (insyn)", "Register över algoritmer (insyn)"
        ),
        "dct:description": _text(
            "Transparency records of the published algorithms and their global explanations.",
            "Transparensposter för de publicerade algoritmerna och deras globala förklaringar.",
        ),
        "dct:publisher": agent,
        "dct:modified": modified,
        "dcat:keyword": ["algorithm register", "algoritmregister", "AI Act", "transparency"],
        "dcat:distribution": items,
    }
    if audit_head:
        dataset["dct:provenance"] = {
            "@type": "dct:ProvenanceStatement",
            "rdfs:label": f"Head of the register's audit chain at export: {audit_head}",
        }
    return {
        "@context": CONTEXT,
        "@id": url_for(CATALOG_FILE, base_url),
        "@type": "dcat:Catalog",
        "dct:title": _text("insyn algorithm register", "insyn algoritmregister"),
        "dct:description": _text(
            "Open data export of an algorithm transparency register.",
            "Öppna data ur ett register över algoritmer.",
        ),
        "dct:publisher": agent,
        "dct:modified": modified,
        "dcat:dataset": [dataset],
    }


def check_catalog(document: dict[str, Any], names: Sequence[str], base_url: str | None) -> None:
    """Return if the catalogue lists exactly ``names``, each fully described; else raise."""
    listed = [d for ds in document["dcat:dataset"] for d in ds["dcat:distribution"]]
    urls = sorted(d["dcat:downloadURL"]["@id"] for d in listed)
    expected = sorted(url_for(name, base_url) for name in names)
    if urls != expected:
        detail = f"lists {urls}, expected {expected}"
        raise ExportError(CATALOG_MISMATCH.format(detail=detail))
    required = ("dct:title", "dcat:accessURL", "dcat:mediaType", "dct:format")
    for item in listed:
        absent = [key for key in required if not item.get(key)]
        if absent:
            detail = f"{item['@id']} lacks {', '.join(absent)}"
            raise ExportError(CATALOG_MISMATCH.format(detail=detail))
