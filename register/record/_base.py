"""The building blocks every part of the transparency record shares: a frozen model
that refuses unknown fields, non-empty text, and text per language."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LocalizedText", "NonEmpty"]

NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LocalizedText(_Model):
    """A text in Swedish (required) and English (optional); surrounding blanks are stripped."""

    sv: NonEmpty
    en: NonEmpty | None = None

    def get(self, lang: str) -> str:
        """The text in ``lang``; Swedish when that language is missing."""
        if lang == "en" and self.en is not None:
            return self.en
        return self.sv
