"""The try-it form tells, in Swedish, in a real Chromium: never a silent refusal.

A number above the range the model saw is accepted: the estimate is shown, with a
Swedish note below the field and beside the result. Values that cannot be used get a
Swedish message directly below their own field (and no estimate).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser._portal import open_page, settle
from tests.browser.conftest import screenshot

HOUSING = "housing-guarantee"
RATIO, HISTORY = "pirat", "chist"  # payments / income (0,056–0,75); credit history (whole)


@pytest.fixture(scope="module")
def housing(browser_register: str) -> Any:
    from register import Register

    return Register(browser_register).get(HOUSING)


def _label(housing: Any, name: str) -> str:
    return str(housing.record.feature(name).label.sv)


def _maximum(housing: Any, name: str) -> float:
    return float(next(f for f in housing.input_profile.features if f.name == name).maximum)


def _open_tryit(page: Any, portal: str) -> None:
    open_page(page, portal + f"/algorithm?slug={HOUSING}")
    page.get_by_role("tab", name="Prova själv").click()
    settle(page)


def _submit(page: Any) -> None:
    page.get_by_role("button", name="Visa uppskattning").click()
    settle(page)


def _alert(page: Any, text: str) -> Any:
    """The alert (error or warning box) whose text contains ``text``, once visible."""
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=text).first
    alert.wait_for(state="visible", timeout=30_000)
    return alert


def _below(page: Any, field_label: str, alert: Any) -> None:
    """The alert stands directly below the field, in the field's column."""
    field = page.get_by_label(field_label, exact=True).bounding_box()
    box = alert.bounding_box()
    assert box["y"] >= field["y"] + field["height"] - 1
    assert box["y"] - (field["y"] + field["height"]) < 80
    assert abs(box["x"] - field["x"]) < 40


def test_a_value_above_the_range_is_accepted_with_a_swedish_note(
    page: Any, portal: str, housing: Any
) -> None:
    label = _label(housing, RATIO)
    maximum = _maximum(housing, RATIO)
    bound = f"{maximum:g}".replace(".", ",")
    _open_tryit(page, portal)
    page.get_by_label(label, exact=True).fill("0,9")
    _submit(page)
    note = (
        f"Modellen har inte sett några fall med ett värde över {bound}; "
        "uppskattningen är mer osäker."
    )
    below = page.locator('[data-testid="stForm"] [data-testid="stAlert"]').filter(has_text=note)
    below.first.wait_for(state="visible", timeout=30_000)
    _below(page, label, below.first)
    _alert(page, f"{label}: {note}")  # beside the result
    main = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "Modellens uppskattning" in main
    screenshot(page, "09-tryit-outside-range-sv")


def test_values_that_cannot_be_used_get_a_swedish_message_below_their_field(
    page: Any, portal: str, housing: Any
) -> None:
    ratio, history = _label(housing, RATIO), _label(housing, HISTORY)
    _open_tryit(page, portal)
    page.get_by_label(ratio, exact=True).fill("−0,2")
    page.get_by_label(history, exact=True).fill("2,5")
    _submit(page)
    sign = _alert(page, "Värdet kan inte vara negativt")
    _below(page, ratio, sign)
    whole = _alert(page, "Skriv ett heltal, utan decimaler (du skrev 2,5)")
    _below(page, history, whole)
    _alert(page, "Några värden kan inte användas.")
    main = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "Modellens uppskattning" not in main
    assert "must be" not in main  # no English rule
    screenshot(page, "10-tryit-field-messages-sv")
