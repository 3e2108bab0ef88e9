"""The text catalogue of the audit report (Swedish and English)."""

from __future__ import annotations

REPORT_TEXT: dict[str, dict[str, str]] = {
    "title": {"sv": "Granskningsrapport", "en": "Audit report"},
    "version": {"sv": "version", "en": "version"},
    "generated": {"sv": "Skapad", "en": "Generated"},
    "provenance": {"sv": "Förklaringens ursprung", "en": "Explanation provenance"},
    "fairness": {"sv": "Rättvisa mellan grupper", "en": "Fairness by group"},
    "no_fairness": {
        "sv": "Versionen registrerades utan utvärderingsdata; inga gruppjämförelser finns.",
        "en": "The version was registered without evaluation data; no group comparison exists.",
    },
    "too_few": {"sv": "för få för att redovisas", "en": "too few to report"},
    "overall": {"sv": "Alla", "en": "Overall"},
    "group": {"sv": "Grupp", "en": "Group"},
    "grouping": {"sv": "Indelning", "en": "Grouping"},
    "selection_rate": {"sv": "Andel positiva utfall", "en": "Selection rate"},
    "true_positive_rate": {"sv": "Andel rätt upptäckta", "en": "True-positive rate"},
    "false_positive_rate": {"sv": "Andel felaktigt utpekade", "en": "False-positive rate"},
    "precision": {"sv": "Precision", "en": "Precision"},
    "count": {"sv": "Antal", "en": "Count"},
    "finding": {"sv": "Slutsats", "en": "Finding"},
    "flagged": {"sv": "Flaggad", "en": "Flagged"},
    "checks": {"sv": "Kontroller av förklaringen", "en": "Explanation checks"},
    "no_checks": {"sv": "Inga lagrade kontroller.", "en": "No stored checks."},
    "additivity": {"sv": "Additivitet (största fel)", "en": "Additivity (largest error)"},
    "reproducibility": {"sv": "Reproducerbarhet", "en": "Reproducibility"},
    "identical": {"sv": "identisk", "en": "identical"},
    "max_difference": {"sv": "största skillnad", "en": "largest difference"},
    "stability": {
        "sv": "Stabilitet mot föregående version",
        "en": "Stability against the previous version",
    },
    "no_previous": {"sv": "Ingen tidigare version.", "en": "No previous version."},
    "spearman": {"sv": "Rangkorrelation (Spearman)", "en": "Rank correlation (Spearman)"},
    "entered": {"sv": "Nya bland de fem viktigaste", "en": "Entered the top five"},
    "left": {"sv": "Lämnade de fem viktigaste", "en": "Left the top five"},
    "decision_changed": {"sv": "Andel ändrade beslut", "en": "Share of changed decisions"},
    "protected": {
        "sv": "Skyddade uppgifters inflytande",
        "en": "Influence of protected attributes",
    },
    "direct_share": {"sv": "Direkt andel av |SHAP|", "en": "Direct share of |SHAP|"},
    "proxies": {"sv": "Starkaste ställföreträdare", "en": "Strongest proxies"},
    "proxy_share": {"sv": "Andel via ställföreträdare", "en": "Share through proxies"},
    "not_input": {"sv": "inte en indata", "en": "not a model input"},
    "reviews": {"sv": "Granskningar", "en": "Reviews"},
    "no_reviews": {"sv": "Inga granskningar ännu.", "en": "No reviews yet."},
    "audit_log": {"sv": "Granskningslogg", "en": "Audit log"},
    "head": {"sv": "Kedjans senaste hash", "en": "Chain head hash"},
    "verified": {"sv": "Kedjan och alla filer stämmer.", "en": "The chain and every file verify."},
    "broken": {"sv": "Kedjan är bruten:", "en": "The chain is broken:"},
    "not_verified": {"sv": "Inte kontrollerad.", "en": "Not verified."},
    "yes": {"sv": "ja", "en": "yes"},
    "no": {"sv": "nej", "en": "no"},
    "outcome.approved": {"sv": "Godkänd", "en": "Approved"},
    "outcome.approved_with_remarks": {
        "sv": "Godkänd med anmärkningar",
        "en": "Approved with remarks",
    },
    "outcome.concerns": {"sv": "Invändningar", "en": "Concerns"},
}


def text(key: str, lang: str) -> str:
    """The report text ``key`` in ``lang`` (Swedish when ``lang`` is unknown)."""
    entry = REPORT_TEXT[key]
    return entry.get(lang, entry["sv"])
