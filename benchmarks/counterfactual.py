"""Time "what would change the outcome" for each demo model and print one table.

For every demo model: the counterfactual search (``explainers.find_counterfactuals``)
from the input profile's defaults and from the reference rows nearest the
decision threshold, with the number of suggestions found (toward the record's
favourable outcome, in the directions the record allows, as the portal searches).
The target is under one second per search.

    .venv/bin/python benchmarks/counterfactual.py [--rows 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20, help="reference rows near 0.5 to search")
    args = parser.parse_args()

    from explainers import find_counterfactuals
    from explainers._counterfactual import positive_probability
    from models import demo_folders
    from register import load_record, profile_from

    header = ("model", "searches", "median ms", "max ms", "with suggestions", "suggestions")
    lines = []
    for folder in demo_folders():
        built = folder.build()
        record = load_record(folder.path / "record.yaml")
        profile = profile_from(built.model, built.reference_data)
        positive = record.technical.positive_class
        favourable = record.technical.favourable_outcome
        changeable = [f.name for f in record.technical.features if f.changeable]
        probability = positive_probability(built.model, built.reference_data, positive)
        nearest = np.argsort(np.abs(probability - 0.5), kind="stable")[: args.rows]
        rows = [profile.validate(profile.defaults())]
        rows += [profile.validate(built.reference_data.iloc[int(i)].to_dict()) for i in nearest]
        # One untimed search loads what the model needs lazily.
        find_counterfactuals(built.model, rows[0], profile.features, changeable=changeable)
        seconds, found = [], []
        for row in rows:
            result = find_counterfactuals(
                built.model,
                row,
                profile.features,
                changeable=changeable,
                protected=record.data.protected_attributes,
                positive_class=positive,
                favourable_class=favourable.value if favourable is not None else None,
                directions={f.name: f.change_direction for f in record.technical.features},
                targets={f.name: f.change_to for f in record.technical.features if f.change_to},
            )
            seconds.append(result.seconds * 1000)
            found.append(len(result.suggestions))
        lines.append(
            (
                record.slug,
                str(len(rows)),
                f"{statistics.median(seconds):.0f}",
                f"{max(seconds):.0f}",
                str(sum(1 for n in found if n)),
                str(sum(found)),
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for line in lines:
        print(" | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
