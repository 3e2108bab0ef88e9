"""The explainers' stored provenance texts, said in the reader's language.

An explanation stores, in English, what its values are (``definition``), what they were
checked against (``verification``) and which engine computed them. Those texts are made
from the templates in :mod:`explainers` (module constants, ``str.format`` templates);
this module reads a stored text back against each template and says it again with the
catalogue's ``provenance.text.*`` entry, filling in the same values. A text no template
matches (from an older or newer explainer) is shown as stored.
"""

from __future__ import annotations

import re
import string
from functools import cache

from app_pages._text import current_language, t
from explainers import _definitions, _explain, _tree

__all__ = ["provenance_text"]

# (the explainers' template, the catalogue key that says it in the reader's language)
TEMPLATES: tuple[tuple[str, str], ...] = (
    (_definitions.EXACT_PREDICTION, "provenance.text.exact_prediction"),
    (_definitions.EXACT_FOREST_PROBABILITY, "provenance.text.exact_forest_probability"),
    (_definitions.EXACT_MARGIN, "provenance.text.exact_margin"),
    (_definitions.EXACT_MULTICLASS_MARGIN, "provenance.text.exact_multiclass_margin"),
    (_definitions.RESCALED_PROBABILITY, "provenance.text.rescaled_probability"),
    (_definitions.LINEAR_LOG_ODDS, "provenance.text.linear_log_odds"),
    (_definitions.LINEAR_RAW, "provenance.text.linear_raw"),
    (_definitions.LEGACY, "provenance.text.legacy"),
    (_tree.FAST_TREE_ENGINE, "provenance.text.fast_tree_engine"),
    (_tree.SHAP_CHECKED, "provenance.text.shap_checked"),
    (_tree.SHAP_NOT_A_CHECK, "provenance.text.shap_not_a_check"),
    (_tree.SHAP_WRONG_FOR_HGB, "provenance.text.shap_wrong_for_hgb"),
    (_tree.SHAP_NO_MULTICLASS, "provenance.text.shap_no_multiclass"),
    (_tree.SHAP_NO_CATEGORICAL, "provenance.text.shap_no_categorical"),
    (_tree.SHAP_FAILED, "provenance.text.shap_failed"),
    (_explain.VERIFIED_BY_ADDITIVITY, "provenance.text.verified_by_additivity"),
)
_NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]\d+)?")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The template as a regular expression: its literal text exact, each field any text."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def _value(text: str, lang: str) -> str:
    """A filled-in value: a nested stored text said again, decimals in the reader's format."""
    said = provenance_text(text)
    if said != text or lang != "sv":
        return said
    return _NUMBER.sub(lambda found: found.group().replace(".", ","), text)


def provenance_text(stored: str) -> str:
    """``stored`` in the reader's language when it is one of the explainers' texts; else
    as stored (never an error)."""
    lang = current_language()
    for template, key in TEMPLATES:
        found = _pattern(template).match(stored)
        if found is not None:
            return t(key, **{k: _value(v, lang) for k, v in found.groupdict().items()})
    return stored
