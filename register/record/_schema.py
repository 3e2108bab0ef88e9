"""The transparency record: what a municipality publishes about one algorithm.

A record is a frozen pydantic model that refuses unknown fields. Every text a
citizen reads is a :class:`LocalizedText` with Swedish required and English
optional. :func:`load_record` reads a ``record.yaml``; :func:`parse_record`
validates a mapping. Both raise :class:`RecordValidationError`, which lists
every broken rule at once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    HttpUrl,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from register.record._base import LocalizedText, NonEmpty, _Model
from register.record._catalogue_tags import store_limit_problems
from register.record._errors import (
    DATA_NOT_MAPPING,
    FILE_NOT_FOUND,
    FILE_NOT_MAPPING,
    FILE_NOT_READABLE,
    RULE_CONTACT,
    RULE_MAX_CHARS,
    SLUG_PATTERN,
    TOP_LEVEL,
    UNNAMED_SOURCE,
    Problem,
    RecordValidationError,
    RuleProblem,
    cross_field_problems,
    dotted,
    is_slug,
    kind_of,
    raw_cross_field_problems,
    rules_error,
    short_value,
)
from register.record._guard import bound_problems, read_yaml_record
from register.record._labels import (
    FavourableOutcome,
    ProtectedAttribute,
    ValueLabel,
    find_value_label,
    label_problems,
    same_code,
)

SCHEMA_VERSION = 1
NAME_MAX_CHARS = 120
SHORT_DESCRIPTION_MAX_CHARS = 400
ORGANISATION_MAX_CHARS = 120
# The department is part of the catalogue's search tag, which the store keeps in a
# 5,000-character column; this bound keeps every record inside the store's limits.
DEPARTMENT_MAX_CHARS = 1000
LANGUAGES = ("sv", "en")


def _email(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("invalid_email", "not a valid email address") from None


def _url(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("invalid_url", "not a valid http(s) URL") from None


Email = Annotated[EmailStr, WrapValidator(_email)]
Url = Annotated[HttpUrl, WrapValidator(_url)]


class Theme(StrEnum):
    """The area of municipal work an algorithm belongs to."""

    SOCIAL_SERVICES = "social_services"
    ELDER_CARE = "elder_care"
    EDUCATION = "education"
    HOUSING = "housing"
    LABOUR_MARKET = "labour_market"
    PERMITS = "permits"
    FINANCE = "finance"
    HEALTH = "health"
    OTHER = "other"


class Status(StrEnum):
    """Where the algorithm is in its life."""

    IN_DEVELOPMENT = "in_development"
    IN_USE = "in_use"
    RETIRED = "retired"


class RiskCategory(StrEnum):
    """Risk category in the sense of the EU AI Act (Regulation (EU) 2024/1689)."""

    PROHIBITED = "prohibited"
    HIGH_RISK = "high_risk"
    LIMITED = "limited"
    MINIMAL = "minimal"


def _max_chars(limit: int) -> Callable[[LocalizedText], LocalizedText]:
    def check(text: LocalizedText) -> LocalizedText:
        problems: list[RuleProblem] = [
            (
                (lang,),
                RULE_MAX_CHARS.format(max_length=limit),
                short_value(value, length=True),
            )
            for lang, value in (("sv", text.sv), ("en", text.en))
            if value is not None and len(value) > limit
        ]
        if problems:
            raise rules_error(problems)
        return text

    return check


class Contact(_Model):
    """Where the public reaches the people responsible; at least one way is given."""

    email: Email | None = None
    url: Url | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Contact:
        if self.email is None and self.url is None:
            raise rules_error([((), RULE_CONTACT, "neither email nor url")])
        return self


class Considerations(_Model):
    proportionality: LocalizedText
    alternatives: LocalizedText


class LegalReference(_Model):
    title: NonEmpty
    url: Url


class LegalBasis(_Model):
    text: LocalizedText
    references: tuple[LegalReference, ...]


class DecisionProcess(_Model):
    output_use: LocalizedText
    human_decides: bool
    objection: LocalizedText


class Risk(_Model):
    category: RiskCategory
    management: LocalizedText


class ImpactAssessment(_Model):
    kind: Literal["dpia", "fria", "other"]
    title: NonEmpty
    url: Url | None = None
    completed: dt.date | None = None


class DataSection(_Model):
    sources: LocalizedText
    personal_data: bool
    protected_attributes: tuple[NonEmpty, ...] = ()
    protected_labels: tuple[ProtectedAttribute, ...] = ()


class FeatureDescription(_Model):
    """One model input: the column name and what it means in plain words.

    ``changeable``: whether the person could change it; ``change_direction``: which
    way a number can realistically move (``lower``, ``higher`` or ``either``);
    ``change_to``: the categories a person can move to (empty: any known category).
    What-if suggestions respect all three.
    """

    name: NonEmpty
    label: LocalizedText
    description: LocalizedText
    changeable: bool = False
    values: tuple[ValueLabel, ...] = ()
    change_direction: Literal["lower", "higher", "either"] = "either"
    change_to: tuple[NonEmpty, ...] = ()


class Technical(_Model):
    model_type: LocalizedText
    output: LocalizedText
    positive_class: NonEmpty | None = None
    favourable_outcome: FavourableOutcome | None = None
    class_labels: tuple[ValueLabel, ...] = ()
    features: tuple[FeatureDescription, ...] = Field(min_length=1)


class TransparencyRecord(_Model):
    """Everything published about one algorithm; valid by construction."""

    schema_version: Literal[1] = 1
    slug: str = Field(min_length=3, max_length=64, pattern=SLUG_PATTERN)
    name: Annotated[LocalizedText, AfterValidator(_max_chars(NAME_MAX_CHARS))]
    short_description: Annotated[
        LocalizedText, AfterValidator(_max_chars(SHORT_DESCRIPTION_MAX_CHARS))
    ]
    organisation: str = Field(min_length=1, max_length=ORGANISATION_MAX_CHARS)
    department: str = Field(min_length=1, max_length=DEPARTMENT_MAX_CHARS)
    theme: Theme
    status: Status
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    contact: Contact
    purpose: LocalizedText
    impact: LocalizedText
    considerations: Considerations
    legal_basis: LegalBasis
    decision_process: DecisionProcess
    human_oversight: LocalizedText
    risk: Risk
    impact_assessments: tuple[ImpactAssessment, ...]
    data: DataSection
    technical: Technical
    supplier: NonEmpty
    source_code: Url | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> TransparencyRecord:
        problems = cross_field_problems(
            status=self.status,
            start=self.start_date,
            end=self.end_date,
            protected=set(self.data.protected_attributes),
            features=[(f.name, f.changeable) for f in self.technical.features],
        )
        problems += label_problems(
            protected=self.data.protected_attributes,
            protected_labels=self.data.protected_labels,
            features=[(f.name, f.values) for f in self.technical.features],
            classes=self.technical.class_labels,
        )
        problems += store_limit_problems(self)
        if problems:
            raise rules_error(problems)
        return self

    @property
    def languages(self) -> tuple[str, ...]:
        """``("sv", "en")`` when every text of the record has English, else ``("sv",)``."""
        complete = all(text.en is not None for text in _texts(self))
        return LANGUAGES if complete else LANGUAGES[:1]

    def tags(self) -> dict[str, str]:
        """Searchable string tags: organisation, theme, status, risk_category, languages."""
        return {
            "organisation": self.organisation,
            "theme": self.theme.value,
            "status": self.status.value,
            "risk_category": self.risk.category.value,
            "languages": ",".join(self.languages),
        }

    def feature(self, name: str) -> FeatureDescription | None:
        """The description of the model input called ``name``, or None."""
        return next((f for f in self.technical.features if f.name == name), None)

    def column_label(self, column: str) -> LocalizedText | None:
        """The plain name of an input or a protected attribute, or None when unlabelled."""
        described = self.feature(column)
        if described is not None:
            return described.label
        attribute = self.protected_label(column)
        return attribute.label if attribute is not None else None

    def protected_label(self, name: str) -> ProtectedAttribute | None:
        """The labels the record gives the protected attribute ``name``, or None."""
        return next((a for a in self.data.protected_labels if a.name == name), None)

    def value_label(self, column: str, value: Any) -> LocalizedText | None:
        """The plain label of one raw ``value`` of an input or a protected attribute
        (codes match equal texts or equal numbers), or None when the record gives none."""
        described = self.feature(column)
        if described is not None:
            found = find_value_label(described.values, value)
            if found is not None:
                return found
        attribute = self.protected_label(column)
        return find_value_label(attribute.values, value) if attribute is not None else None

    def class_label(self, value: Any) -> LocalizedText | None:
        """The plain label of one of the model's classes (``technical.class_labels``; the
        favourable outcome's label names its class too), or None."""
        found = find_value_label(self.technical.class_labels, value)
        favourable = self.technical.favourable_outcome
        if found is None and favourable is not None and same_code(favourable.value, value):
            return favourable.label
        return found

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (ISO dates, URLs as text) parse_record reads back equal."""
        return self.model_dump(mode="json")

    def diff(self, other: TransparencyRecord) -> list[str]:
        """Sorted dotted paths of the leaf fields that differ; lists count as one leaf."""
        return sorted(_diff(self.to_json_dict(), other.to_json_dict(), ()))


def _texts(model: BaseModel) -> Iterator[LocalizedText]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, LocalizedText):
                yield item
            elif isinstance(item, BaseModel):
                yield from _texts(item)


def _diff(left: Any, right: Any, path: tuple[str, ...]) -> Iterator[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in left.keys() | right.keys():
            yield from _diff(left.get(key), right.get(key), (*path, key))
    elif left != right:
        yield ".".join(path)


def _source(data: Mapping[Any, Any]) -> str:
    slug = data.get("slug")
    if is_slug(slug):
        return repr(slug)
    return UNNAMED_SOURCE


def parse_record(data: Mapping[str, Any], *, source: str | None = None) -> TransparencyRecord:
    """Validate a mapping into a record, or raise RecordValidationError listing every problem.

    ``source`` names the record in the message (default: its slug).
    """
    if not isinstance(data, Mapping):
        raise RecordValidationError(
            source=source or UNNAMED_SOURCE,
            message=DATA_NOT_MAPPING.format(kind=kind_of(data)),
        )
    bounds = bound_problems(data)
    if bounds:
        problems = [Problem(path=dotted(p) or TOP_LEVEL, rule=r, value=v) for p, r, v in bounds]
        raise RecordValidationError(problems, source=source or _source(data))
    try:
        return TransparencyRecord.model_validate(dict(data))
    except ValidationError as error:
        raise RecordValidationError.from_validation_error(
            error, source=source or _source(data), extra=raw_cross_field_problems(data)
        ) from None


def load_record(path: str | os.PathLike[str]) -> TransparencyRecord:
    """Read and validate a ``record.yaml``; every error names the file.

    Any file is answered within about a second and with bounded memory: the
    file size, YAML anchors/aliases, nesting, number sizes and key types are
    bounded before validation (see :mod:`register.record._guard`).
    """
    file = Path(path)
    try:
        data = read_yaml_record(file)
    except FileNotFoundError:
        raise RecordValidationError(
            source=str(file), message=FILE_NOT_FOUND.format(file=file)
        ) from None
    except OSError as error:
        detail = error.strerror or type(error).__name__
        message = FILE_NOT_READABLE.format(file=file, detail=detail)
        raise RecordValidationError(source=str(file), message=message) from None
    if not isinstance(data, Mapping):
        message = FILE_NOT_MAPPING.format(file=file, kind=kind_of(data))
        raise RecordValidationError(source=str(file), message=message)
    return parse_record(data, source=str(file))
