"""What a registration ended with, read back from the store: :func:`registration_summary`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from register.audit import _chain as _audit
from register.lifecycle._evidence import failed_checks, stored_explanation
from register.store import _catalogue as cat
from register.store._paths import CHECKS_PATH
from register.store._view import HoldsView, StoreView, view_of

__all__ = ["RegistrationSummary", "registration_summary"]


@dataclass(frozen=True, kw_only=True, slots=True)
class RegistrationSummary:
    """Explainer, definition, rows, seconds, additivity and checks of one version (read-only).

    ``explainer``: the explainer and its class; ``definition``: what the values are;
    ``rows``: reference rows explained; ``seconds``: the whole registration, if timed;
    ``checks``: gated check name (additivity, reproducibility) -> passed (a read-only
    mapping); ``override``: reason and failed checks, if overridden.
    """

    slug: str
    version: int
    published: bool
    explainer: str
    definition: str
    rows: int
    explain_seconds: float
    seconds: float | None
    additivity_max_error: float
    checks: Mapping[str, bool]
    override: dict[str, Any] | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", int(self.version))
        object.__setattr__(self, "published", bool(self.published))
        object.__setattr__(self, "rows", int(self.rows))
        object.__setattr__(self, "explain_seconds", float(self.explain_seconds))
        if self.seconds is not None:
            object.__setattr__(self, "seconds", float(self.seconds))
        object.__setattr__(self, "additivity_max_error", float(self.additivity_max_error))
        object.__setattr__(self, "checks", MappingProxyType(dict(self.checks)))

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs in plain words, in the order the CLI prints them."""
        checks = ", ".join(
            f"{name} {'passed' if ok else 'FAILED'}" for name, ok in self.checks.items()
        )
        out = [
            ("explainer", self.explainer),
            ("definition", self.definition),
            ("rows explained", str(self.rows)),
            ("explain seconds", f"{self.explain_seconds:.2f}"),
        ]
        if self.seconds is not None:
            out.append(("registration seconds", f"{self.seconds:.2f}"))
        out += [
            ("largest additivity error", f"{self.additivity_max_error:.2e}"),
            ("checks", checks or "none stored"),
        ]
        if self.override is not None:
            out.append(("published despite failed checks", str(self.override.get("reason"))))
        return out


def _definition(meta: Any) -> str:
    for name in ("definition", "value_definition"):
        found = getattr(meta, name, None)
        if isinstance(found, str) and found:
            return found
    return f"SHAP values on the {meta.scale} scale"


def registration_summary(
    view: StoreView | HoldsView, slug: str, version: int, *, seconds: float | None = None
) -> RegistrationSummary:
    """The summary of ``slug`` version ``version`` as stored (explanation metadata,
    checks, and the override in its ``published`` audit entry, if any). ``view`` may
    also be a :class:`register.Register`."""
    view = view_of(view)
    mv = view.version(slug, version)
    published = view.registered(slug).aliases.get(cat.PUBLISHED_ALIAS) == mv.version
    meta = stored_explanation(view, mv.run_id).metadata
    data = view.optional_json(mv.run_id, CHECKS_PATH)
    outcome: dict[str, bool] = {}
    if data is not None:
        for name in ("additivity", "reproducibility"):
            outcome[name] = bool((data.get(name) or {}).get("passed"))
    override = None
    if data is not None and failed_checks(data) and published:
        for entry in reversed(_audit.entries(view, slug=slug)):
            details = getattr(entry, "details", None) or {}
            if entry.event == "published" and entry.version == version:
                override = details.get("override")
                break
    return RegistrationSummary(
        slug=slug,
        version=int(version),
        published=published,
        explainer=f"{meta.explainer} ({meta.explainer_class})",
        definition=_definition(meta),
        rows=int(meta.rows),
        explain_seconds=float(meta.seconds),
        seconds=None if seconds is None else float(seconds),
        additivity_max_error=float(meta.additivity_max_error),
        checks=outcome,
        override=override,
    )
