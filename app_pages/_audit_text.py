"""Text catalogue of the auditor page and the review section (merged into ``_text.MESSAGES``)."""

from __future__ import annotations

AUDIT_MESSAGES: dict[str, dict[str, str]] = {
    "nav.auditor": {"sv": "Granskning", "en": "Audit"},
    "audit.title": {"sv": "Granskning: {name}", "en": "Audit: {name}"},
    "audit.intro": {
        "sv": "För granskare: hur förklaringen togs fram, skillnader mellan grupper, "
        "kontroller som kan köras om, granskningar och en logg som inte kan ändras i "
        "efterhand utan att det syns.",
        "en": "For auditors: how the explanation was made, differences between groups, "
        "checks that can be re-run, reviews, and a log that cannot be changed afterwards "
        "without it showing.",
    },
    "audit.version": {"sv": "Version {version}", "en": "Version {version}"},
    "audit.missing_slug": {
        "sv": "Ange vilken algoritm som ska granskas (?slug=...).",
        "en": "Say which algorithm to audit (?slug=...).",
    },
    "audit.bad_version": {
        "sv": "Versionen {version} är inte ett heltal.",
        "en": "The version {version} is not a whole number.",
    },
    "audit.not_found": {"sv": "Algoritmen hittades inte.", "en": "The algorithm was not found."},
    "audit.provenance.title": {"sv": "Förklaringens ursprung", "en": "Explanation provenance"},
    "audit.provenance.explainer": {"sv": "Förklaringsmetod", "en": "Explainer"},
    "audit.provenance.shap": {"sv": "SHAP-version", "en": "SHAP version"},
    "audit.provenance.sklearn": {"sv": "scikit-learn-version", "en": "scikit-learn version"},
    "audit.provenance.estimator": {"sv": "Modelltyp", "en": "Model class"},
    "audit.provenance.seed": {"sv": "Slumpfrö", "en": "Seed"},
    "audit.provenance.background": {"sv": "Jämförelserader", "en": "Background rows"},
    "audit.provenance.background_hash": {
        "sv": "Jämförelseradernas SHA-256",
        "en": "Background SHA-256",
    },
    "audit.provenance.rows": {"sv": "Förklarade rader", "en": "Explained rows"},
    "audit.provenance.additivity": {
        "sv": "Största additivitetsfel",
        "en": "Largest additivity error",
    },
    "audit.provenance.fingerprint": {
        "sv": "Förklaringens fingeravtryck",
        "en": "Explanation fingerprint",
    },
    "audit.column.what": {"sv": "Uppgift", "en": "Item"},
    "audit.column.value": {"sv": "Värde", "en": "Value"},
    "audit.fairness.title": {"sv": "Rättvisa mellan grupper", "en": "Fairness by group"},
    "audit.fairness.intro": {
        "sv": "Modellens beslut på utvärderingsdata, per grupp. Grupper med färre än {minimum} "
        "personer redovisas inte. Trösklar: lägsta andel positiva utfall minst {four_fifths} % "
        "av högsta (fyrafemtedelsregeln); andel rätt upptäckta och felaktigt utpekade skiljer "
        "högst {difference} procentenheter.",
        "en": "The model's decisions on evaluation data, by group. Groups with fewer than "
        "{minimum} people are not reported. Thresholds: the lowest selection rate at least "
        "{four_fifths}% of the highest (four-fifths rule); true- and false-positive rates "
        "differ by at most {difference} percentage points.",
    },
    "audit.fairness.none": {
        "sv": "Versionen registrerades utan utvärderingsdata; inga gruppjämförelser finns.",
        "en": "The version was registered without evaluation data; no group comparison exists.",
    },
    "audit.fairness.attribute": {
        "sv": "Skyddad uppgift: {attribute}",
        "en": "Protected attribute: {attribute}",
    },
    "audit.fairness.grouping": {"sv": "Indelning: {grouping}", "en": "Grouping: {grouping}"},
    "audit.fairness.too_few": {"sv": "för få för att redovisas", "en": "too few to report"},
    "audit.fairness.overall": {"sv": "Alla", "en": "Overall"},
    "audit.fairness.flagged": {"sv": "Flaggad: {finding}", "en": "Flagged: {finding}"},
    "audit.column.group": {"sv": "Grupp", "en": "Group"},
    "audit.column.selection_rate": {"sv": "Andel positiva utfall", "en": "Selection rate"},
    "audit.column.true_positive_rate": {"sv": "Andel rätt upptäckta", "en": "True-positive rate"},
    "audit.column.false_positive_rate": {
        "sv": "Andel felaktigt utpekade",
        "en": "False-positive rate",
    },
    "audit.column.precision": {"sv": "Precision", "en": "Precision"},
    "audit.column.count": {"sv": "Antal", "en": "Count"},
    "audit.checks.title": {"sv": "Kontroller av förklaringen", "en": "Explanation checks"},
    "audit.checks.none": {
        "sv": "Inga lagrade kontroller för den här versionen.",
        "en": "No stored checks for this version.",
    },
    "audit.checks.additivity": {
        "sv": "Additivitet: största fel",
        "en": "Additivity: largest error",
    },
    "audit.checks.reproducibility": {"sv": "Reproducerbarhet", "en": "Reproducibility"},
    "audit.checks.identical": {
        "sv": "identisk ({rows} rader omräknade)",
        "en": "identical ({rows} rows recomputed)",
    },
    "audit.checks.different": {
        "sv": "största skillnad {difference} ({rows} rader omräknade)",
        "en": "largest difference {difference} ({rows} rows recomputed)",
    },
    "audit.checks.passed": {"sv": "godkänd", "en": "passed"},
    "audit.checks.failed": {"sv": "underkänd", "en": "failed"},
    "audit.stability.title": {
        "sv": "Stabilitet mot föregående version",
        "en": "Stability against the previous version",
    },
    "audit.stability.none": {
        "sv": "Det finns ingen tidigare version att jämföra med.",
        "en": "There is no previous version to compare with.",
    },
    "audit.stability.spearman": {
        "sv": "Rangkorrelation av vikterna (Spearman)",
        "en": "Rank correlation of importances (Spearman)",
    },
    "audit.stability.entered": {"sv": "Nya bland de fem viktigaste", "en": "Entered the top five"},
    "audit.stability.left": {"sv": "Lämnade de fem viktigaste", "en": "Left the top five"},
    "audit.stability.changed": {
        "sv": "Andel rader med ändrat beslut",
        "en": "Share of rows whose decision changed",
    },
    "audit.influence.title": {
        "sv": "Skyddade uppgifters inflytande",
        "en": "Influence of protected attributes",
    },
    "audit.influence.attribute": {"sv": "Skyddad uppgift", "en": "Protected attribute"},
    "audit.influence.direct": {"sv": "Direkt andel av |SHAP|", "en": "Direct share of |SHAP|"},
    "audit.influence.not_input": {"sv": "inte en indata", "en": "not a model input"},
    "audit.influence.proxies": {"sv": "Starkaste ställföreträdare", "en": "Strongest proxies"},
    "audit.influence.proxy_share": {
        "sv": "Andel via starka ställföreträdare",
        "en": "Share through strong proxies",
    },
    "audit.reviews.title": {"sv": "Granskningar", "en": "Reviews"},
    "audit.reviews.none": {
        "sv": "Ingen har granskat den här versionen ännu.",
        "en": "No one has reviewed this version yet.",
    },
    "audit.reviews.item": {
        "sv": "{outcome} – {organisation}, {date}",
        "en": "{outcome} – {organisation}, {date}",
    },
    "audit.reviews.checks": {"sv": "Byggde på: {checks}", "en": "Relied on: {checks}"},
    "audit.outcome.approved": {"sv": "Godkänd", "en": "Approved"},
    "audit.outcome.approved_with_remarks": {
        "sv": "Godkänd med anmärkningar",
        "en": "Approved with remarks",
    },
    "audit.outcome.concerns": {"sv": "Invändningar", "en": "Concerns"},
    "audit.log.title": {"sv": "Granskningslogg", "en": "Audit log"},
    "audit.log.ok": {
        "sv": "Kedjan är kontrollerad: alla {entries} poster och filer stämmer.",
        "en": "The chain is verified: all {entries} entries and files match.",
    },
    "audit.log.broken": {"sv": "Kedjan är bruten:", "en": "The chain is broken:"},
    "audit.log.head": {
        "sv": "Kedjans senaste hash (post {sequence}): {hash}",
        "en": "Chain head hash (entry {sequence}): {hash}",
    },
    "audit.log.column.sequence": {"sv": "Nr", "en": "No."},
    "audit.log.column.time": {"sv": "Tid (UTC)", "en": "Time (UTC)"},
    "audit.log.column.event": {"sv": "Händelse", "en": "Event"},
    "audit.log.column.version": {"sv": "Version", "en": "Version"},
    "audit.log.column.hash": {"sv": "Hash", "en": "Hash"},
    "audit.event.registered": {"sv": "registrerad", "en": "registered"},
    "audit.event.explanation_computed": {"sv": "förklaring beräknad", "en": "explanation computed"},
    "audit.event.record_changed": {"sv": "beskrivning ändrad", "en": "record changed"},
    "audit.event.published": {"sv": "publicerad", "en": "published"},
    "audit.event.retired": {"sv": "avvecklad", "en": "retired"},
    "audit.event.review_added": {"sv": "granskning tillagd", "en": "review added"},
    "audit.download": {
        "sv": "Ladda ner granskningsrapporten (HTML)",
        "en": "Download the audit report (HTML)",
    },
    "audit.link": {"sv": "Granskning av den här versionen", "en": "Audit of this version"},
}


def install(messages: dict[str, dict[str, str]]) -> None:
    """Add the audit texts to ``messages`` (idempotent)."""
    messages.update(AUDIT_MESSAGES)
