"""The explanation charts draw a label for every bar, in full (issue 15: 7 bars, 4 labels)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from app_pages._charts import MIN_BAND, TITLE_AND_AXIS, contributions_chart, importance_chart

BARS = 7
LABELS = [
    "Age",
    "Reason for job loss",
    "Years of education completed before the job was lost",
    "Married",
    "State unemployment rate",
    "Replacement rate of the unemployment benefit",
    "Tenure",
]


def _table() -> pd.DataFrame:
    values = [0.31, -0.22, 0.15, -0.09, 0.05, -0.03, 0.01]
    return pd.DataFrame(
        {
            "label": LABELS,
            "value": values,
            "text": [f"{v:+.2f}" for v in values],
            "direction": ["raises" if v >= 0 else "lowers" for v in values],
        }
    )


def _importance() -> dict[str, Any]:
    return importance_chart(_table(), title="What matters", axis_title="Effect").to_dict()


def _contributions() -> dict[str, Any]:
    chart = contributions_chart(
        _table(), title="Your estimate", axis_title="Effect", raises="raises", lowers="lowers"
    )
    return chart.to_dict()


def _views(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


@pytest.mark.parametrize("build", [_importance, _contributions], ids=["importance", "try-it"])
def test_every_bar_gets_its_label_and_room_for_it(build: Any) -> None:
    spec = build()
    for view in _views(spec):
        y = view["encoding"]["y"]
        axis = y["axis"]
        # Vega hides overlapping labels unless told not to, and cuts long ones with "…".
        assert axis["labelOverlap"] is False
        assert axis["labelLimit"] >= 600
        # The chart grows with the bars: at least MIN_BAND pixels a bar, besides the room
        # its title and value axis take (Streamlit fits them into the same height).
        height = view.get("height", spec.get("height"))
        assert height >= BARS * MIN_BAND + TITLE_AND_AXIS
        # Each label is shown whole: its wrapped lines hold every word, in order.
        (rows,) = spec["datasets"].values()
        shown = [row[y["field"]] for row in rows]
        assert [" ".join(label.split("\n")) for label in shown] == LABELS
        assert "split(" in axis["labelExpr"]  # the wrapped lines are drawn as lines


def test_a_long_label_wraps_into_lines_and_the_bar_grows_with_it() -> None:
    spec = _importance()
    (rows,) = spec["datasets"].values()
    long = next(row["axis_label"] for row in rows if row["label"] == LABELS[2])
    assert "\n" in long and all(len(line) <= 40 for line in long.split("\n"))
    lines = max(row["axis_label"].count("\n") + 1 for row in rows)
    assert spec["height"] >= BARS * lines * 15 + TITLE_AND_AXIS  # each line of a label has room
