"""The auditor page's fairness table: each rate beside its 95 % interval, in the reader's
language, and "too few to report" wherever the public result holds no number.

Reads only the stored public result (:meth:`register.FairnessReport.public_dict`): a
group under the head-count limit, or a rate with fewer than the minimum number of
people in its own denominator, is already without a number there.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app_pages._format import format_number, format_percent
from app_pages._labels import value_with_code
from app_pages._text import t
from register import TransparencyRecord

RATES = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")


def _interval(group: dict[str, Any], metric: str) -> str:
    """The rate's 95 % interval as ``12,3–25,1 %`` in the reader's format; ``–`` if none."""
    interval = (group.get("intervals") or {}).get(metric)
    if not interval:
        return "–"
    low, high = (format_number(100 * float(v), 1) for v in interval)
    return f"{low}–{high}\u00a0%"


def fairness_table(
    attribute: dict[str, Any], record: TransparencyRecord | None = None
) -> pd.DataFrame:
    """One attribute's groups and overall as shown: each group by its label with the raw
    code beside it (when ``record`` labels it), each rate as a percentage beside its 95 %
    interval; a too-small group, or a rate with too few people behind it, reads "too few
    to report" instead of a number."""
    too_few = t("audit.fairness.too_few")
    name = str(attribute["attribute"])

    def shown(group: Any) -> str:
        return str(group) if record is None else value_with_code(record, name, group)

    rows = []
    for group in [
        *[{**g, "group": shown(g["group"])} for g in attribute["groups"]],
        {**attribute["overall"], "group": t("audit.fairness.overall")},
    ]:
        if group.get("too_few"):
            rows.append([group["group"], *[too_few] * (2 * len(RATES) + 1)])
            continue
        hidden = set(group.get("too_few_rates") or ())
        cells = []
        for metric in RATES:
            value = group.get(metric)
            if metric in hidden:
                cells += [too_few, "–"]
            else:
                cells += [
                    "–" if value is None else format_percent(float(value)),
                    _interval(group, metric),
                ]
        count = group.get("count")
        rows.append(
            [group["group"], *cells, "–" if count is None else format_number(float(count), 0)]
        )
    columns = [t("audit.column.group")]
    for metric in RATES:
        rate = t(f"audit.column.{metric}")
        columns += [rate, t("audit.column.interval", rate=rate)]
    return pd.DataFrame(rows, columns=[*columns, t("audit.column.count")])
