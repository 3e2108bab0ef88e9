"""Each algorithm page offers its own record in every published standard format."""

from __future__ import annotations

import json

import jsonschema

from register import Register
from tests.app_pages.conftest import ALGORITHM, BENEFITS, ROOT, assert_no_exception


def test_algorithm_page_offers_the_record_in_every_standard(open_page, demo_tracking_uri):
    at = open_page(ALGORITHM, lang="en", slug=BENEFITS)
    assert_no_exception(at)
    labels = [b.label for b in at.get("download_button")]
    assert any("NL Algoritmeregister 1.0.0" in label for label in labels)
    assert any("Eurocities ATS 0.3.1" in label for label in labels)
    assert any(label.endswith("CSV") for label in labels)
    assert any("NL Algoritmeregister 1.0.10" in label for label in labels)
    assert any("UK ATRS 3.0" in label for label in labels)
    assert any("printable record in English (HTML)" in label for label in labels)
    assert any("printable record in Swedish (HTML)" in label for label in labels)
    for card in ("EU AI Act Annex VIII C", "Model Card Toolkit (JSON)", "Hugging Face (Markdown)"):
        assert any(card in label for label in labels)
    # The buttons carry the same files the register's export builds, and they validate.
    from register import record_exports

    version = Register(demo_tracking_uri).get(BENEFITS)
    files = record_exports(version)
    nl_name = next(name for name in files if name.endswith("nl-algoritmeregister-1.0.0.json"))
    document = json.loads(files[nl_name][0])
    schema = json.loads(
        (
            ROOT
            / "register"
            / "schemas"
            / "algoritmeregister-publicatiestandaard-v1.0.0.schema.json"
        ).read_text(encoding="utf-8")
    )
    for entry in document["algorithms"]:
        jsonschema.validate(entry["record"], schema)
        assert entry["slug"] == BENEFITS
    # The page's model cards carry the version's global importance (public tables only).
    from app_pages import _download

    cards = _download._exports(demo_tracking_uri, BENEFITS, version.version)
    markdown = next(content for name, (content, _) in cards.items() if name.endswith(".md"))
    assert b"### Global importance" in markdown and b"| mean absolute SHAP value |" in markdown
