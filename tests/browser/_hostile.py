"""A transparency record full of hostile text, for the browser tests.

Every field a municipality writes gets something that must never run, load or
break layout in a citizen's browser: HTML and ``<script>``, event handlers,
Markdown links to ``javascript:``/``data:`` addresses, Markdown images and
iframes on other hosts, Streamlit directives, LaTeX links, very long words,
and right-to-left override characters.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

SLUG = "hostile-text"
EVIL_HOST = "evil.example"
SCRIPT = "<script>window.__pwned='script'</script>"
IMG = f'<img src="http://{EVIL_HOST}/img.png" onerror="window.__pwned=\'img\'">'
MD_JS = "[klicka här](javascript:window.__pwned='mdlink')"
MD_DATA = "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)"
MD_IMAGE = f"![spårning](http://{EVIL_HOST}/pixel.png)"
IFRAME = f'<iframe src="http://{EVIL_HOST}/frame"></iframe>'
STYLE = "<style>body{display:none}</style>"
DIRECTIVE = ":red[röd] $\\href{javascript:window.__pwned='katex'}{x}$"
RLO = "\u202eTXT.EXE\u202c"
LONG = "Å" * 3000
ALL = " ".join([SCRIPT, IMG, MD_JS, MD_DATA, MD_IMAGE, IFRAME, STYLE, DIRECTIVE, RLO])


def _text(extra: str = "") -> dict[str, str]:
    return {
        "sv": f"Fientlig text {ALL} {extra}".strip(),
        "en": f"Hostile text {ALL} {extra}".strip(),
    }


def hostile_record(base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (a demo record mapping) with hostile text in every free-text field."""
    record = dict(base)
    record["slug"] = SLUG
    record["name"] = {
        "sv": f"{RLO}<b>Fientlig</b> {MD_JS}"[:120],
        "en": f"{RLO}<b>Hostile</b> {MD_JS}"[:120],
    }
    record["short_description"] = {
        "sv": f"{SCRIPT} {MD_IMAGE} {RLO} {'X' * 200}"[:400],
        "en": f"{SCRIPT} {MD_IMAGE} {RLO} {'X' * 200}"[:400],
    }
    record["organisation"] = f"Exempelkommun {RLO} <i>x</i>"
    record["department"] = f"{IMG} {MD_JS} {LONG[:500]}"
    record["purpose"] = _text(LONG)
    record["impact"] = _text()
    record["considerations"] = {"proportionality": _text(), "alternatives": _text(LONG)}
    legal = dict(base["legal_basis"])
    legal["text"] = _text()
    legal["references"] = [
        {"title": f"{MD_JS} {SCRIPT} {RLO}", "url": "https://www.riksdagen.se/"},
    ]
    record["legal_basis"] = legal
    process = dict(base["decision_process"])
    process.update(output_use=_text(), objection=_text(LONG))
    record["decision_process"] = process
    record["human_oversight"] = _text()
    record["risk"] = {**base["risk"], "management": _text()}
    record["impact_assessments"] = [
        {"kind": "dpia", "title": f"{IMG} {MD_IMAGE} {RLO}", "url": None, "completed": None}
    ]
    record["data"] = {**base["data"], "sources": _text()}
    technical = dict(base["technical"])
    technical["model_type"] = _text()
    technical["output"] = _text()
    features = []
    for feature in base["technical"]["features"]:
        label = f"{feature['name']} {IMG} {RLO}"
        features.append(
            {
                **feature,
                "label": {"sv": label, "en": label},
                "description": _text(MD_IMAGE),
            }
        )
    technical["features"] = features
    record["technical"] = technical
    record["supplier"] = f"{DIRECTIVE} {STYLE} {IFRAME}"
    return record


def hostile_folder(source: Path, target: Path) -> Path:
    """A copy of the model folder ``source`` whose record is full of hostile text."""
    shutil.copytree(source, target)
    path = target / "record.yaml"
    base = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(
        yaml.safe_dump(hostile_record(base), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target
