"""Does the catalogue agree with the audit log? Part of :func:`register.audit._verify.verify`.

Checked for every algorithm the register or the log knows:

- every complete version has a ``registered`` entry, its run is the run that entry
  names, the run lives in its organisation's experiment (``insyn/<organisation>``
  when that exists, else the register's own experiment, as registration chose), and
  its record names the organisation the entry names;
- the ``published`` alias names the version of the log's last ``published`` entry
  (else the publication is unfinished, or was made outside insyn);
- the catalogue tags (published version, status, organisation, name, ...) and the
  version's status tag are what the log's publication and retirements imply.

The log's entries themselves are checked against their authors' roles and every
review entry must hold a readable review (:func:`check_entries`).
"""

from __future__ import annotations

from typing import Any

from register.audit._chain import AuditEntry, AuditProblem
from register.audit._publication_state import expected_tags
from register.audit._reviews import from_entry
from register.record._schema import parse_record
from register.store import _catalogue as cat
from register.store._paths import COMPLETE_TAG, ORG_EXPERIMENT, RECORD_PATH, STATUS_TAG
from register.store._protocol import ModelInfo, StoreError
from register.store._view import StoreView

VERSION_NOT_LOGGED = (
    "{slug}: version {version} has no 'registered' entry in the log; it was created outside insyn"
)
VERSION_RUN_CHANGED = (
    "{slug}: version {version} now points at run {actual}, but entry {sequence} registered "
    "it from run {logged}"
)
RUN_WRONG_EXPERIMENT = (
    "{slug}: version {version}'s run {run_id} lives in the experiment {actual!r}, not in its "
    "organisation's experiment {expected!r}"
)
RECORD_WRONG_ORGANISATION = (
    "{slug}: version {version}'s record names the organisation {actual!r}, but entry "
    "{sequence} registered it for {logged!r}"
)
RECORD_UNREADABLE = "{slug}: version {version}'s record cannot be read ({reason})"
PUBLISHED_OUTSIDE = (
    "{slug}: the published alias names version {alias}, which the log never published; "
    "it was published outside insyn (run 'insyn publish {slug} {alias}' to publish it "
    "properly, or move the alias back)"
)
PUBLICATION_UNFINISHED = (
    "{slug}: the log's last publication is version {logged} (entry {sequence}), but the "
    "published alias names {alias}; the publication is unfinished: run "
    "'insyn publish {slug} {logged}' to finish it"
)
LOGGED_VERSION_MISSING = (
    "{slug}: the log's last publication is version {logged} (entry {sequence}), which no "
    "longer exists in the register"
)
TAG_DISAGREES = "{slug}: the catalogue tag {key!r} is {actual}, but the log implies {expected}"
STATUS_DISAGREES = (
    "{slug}: version {version}'s status tag is {actual}, but the log implies {expected}"
)
OUTSIDE_ROLE = (
    "entry {sequence} ({event}): its author {username!r} in the role {role!r} may not "
    "write it ({reason})"
)
WRONG_ROLE_EVENT = "an auditor may only add reviews"
NOT_OWN_ALGORITHM = "the algorithm belongs to {owner!r}, not {organisation!r}"
REVIEW_UNREADABLE = "entry {sequence} (review_added): the review cannot be read ({reason})"
TAG_SHOWN_CHARS = 60
MODEL_PAGE_SIZE = 200


def _problem(sequence: int, event: str | None, slug: str | None, message: str) -> AuditProblem:
    return AuditProblem(sequence=sequence, event=event, artifact=None, slug=slug, message=message)


def _owners(entries: list[AuditEntry]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for entry in entries:
        if entry.event == "registered" and entry.details.get("organisation"):
            owners.setdefault(entry.slug, str(entry.details["organisation"]))
    return owners


def check_entries(view: StoreView, entries: list[AuditEntry]) -> list[AuditProblem]:
    """Entries outside their author's role, and review entries without a readable review."""
    problems: list[AuditProblem] = []
    owners = _owners(entries)
    for entry in entries:
        author = entry.author or {}
        reason = None
        if author.get("role") == "auditor" and entry.event != "review_added":
            reason = WRONG_ROLE_EVENT
        elif author.get("role") == "organisation":
            owner = owners.get(entry.slug)
            if entry.event == "review_added" or owner != author.get("organisation"):
                reason = NOT_OWN_ALGORITHM.format(
                    owner=owner, organisation=author.get("organisation")
                )
        if reason is not None:
            problems.append(
                _problem(
                    entry.sequence,
                    entry.event,
                    entry.slug,
                    OUTSIDE_ROLE.format(
                        sequence=entry.sequence,
                        event=entry.event,
                        username=author.get("username"),
                        role=author.get("role"),
                        reason=reason,
                    ),
                )
            )
        if entry.event == "review_added":
            try:
                from_entry(view, entry)
            except Exception as exc:
                problems.append(
                    _problem(
                        entry.sequence,
                        entry.event,
                        entry.slug,
                        REVIEW_UNREADABLE.format(sequence=entry.sequence, reason=exc),
                    )
                )
    return problems


def _all_models(view: StoreView) -> list[ModelInfo]:
    models: list[ModelInfo] = []
    token = None
    while True:
        page = view.store.search_registered_models(max_results=MODEL_PAGE_SIZE, page_token=token)
        models += list(page.items)
        token = page.next_page_token
        if not token:
            return models


def _expected_experiment(view: StoreView, organisation: str) -> tuple[str | None, str]:
    name = ORG_EXPERIMENT.format(organisation=organisation)
    found = view.store.get_experiment_by_name(name)  # live experiments only
    if found is not None:
        return found.experiment_id, name
    own = view.store.get_experiment_by_name(view.experiment)
    return (own.experiment_id if own is not None else None), view.experiment


def check_catalogue(view: StoreView, entries: list[AuditEntry]) -> list[AuditProblem]:
    """Every disagreement between the catalogue (registered models, versions, alias,
    tags) and the log, one problem each."""
    problems: list[AuditProblem] = []
    models = {m.name: m for m in _all_models(view)}
    logged_slugs = {e.slug for e in entries if e.version is not None}
    for slug in sorted(set(models) | logged_slugs):
        own = [e for e in entries if e.slug == slug and e.version is not None]
        model = models.get(slug)
        if model is None:
            published = [e for e in own if e.event == "published"]
            if published:
                problems.append(
                    _problem(
                        published[-1].sequence,
                        "published",
                        slug,
                        LOGGED_VERSION_MISSING.format(
                            slug=slug,
                            logged=published[-1].version,
                            sequence=published[-1].sequence,
                        ),
                    )
                )
            continue
        tags = dict(model.tags)
        alias = model.aliases.get(cat.PUBLISHED_ALIAS)
        if not own and tags.get(cat.MANAGED) != "true" and alias is None:
            continue  # not an insyn algorithm
        problems += _check_versions(view, slug, own)
        problems += _check_publication(view, slug, own, model)
    return problems


def _check_versions(view: StoreView, slug: str, own: list[AuditEntry]) -> list[AuditProblem]:
    problems: list[AuditProblem] = []
    registered = {e.version: e for e in own if e.event == "registered"}
    for mv in view.store.search_model_versions(slug):  # oldest first
        if mv.tags.get(COMPLETE_TAG) != "true":
            continue
        version = mv.version
        fields: dict[str, Any] = {"slug": slug, "version": version}
        entry = registered.get(version)
        if entry is None:
            problems.append(_problem(0, None, slug, VERSION_NOT_LOGGED.format(**fields)))
            continue
        fields["sequence"] = entry.sequence
        logged_run = str(entry.details.get("run_id"))
        if str(mv.run_id) != logged_run:
            problems.append(
                _problem(
                    entry.sequence,
                    entry.event,
                    slug,
                    VERSION_RUN_CHANGED.format(**fields, actual=mv.run_id, logged=logged_run),
                )
            )
            continue
        organisation = str(entry.details.get("organisation"))
        expected_id, expected_name = _expected_experiment(view, organisation)
        run = view.store.get_run(mv.run_id)
        if run.experiment_id != expected_id:
            actual = view.store.get_experiment(run.experiment_id).name
            problems.append(
                _problem(
                    entry.sequence,
                    entry.event,
                    slug,
                    RUN_WRONG_EXPERIMENT.format(
                        **fields, run_id=mv.run_id, actual=actual, expected=expected_name
                    ),
                )
            )
        try:
            record = parse_record(view.artifact_json(mv.run_id, RECORD_PATH))
        except Exception as exc:
            problems.append(
                _problem(
                    entry.sequence,
                    entry.event,
                    slug,
                    RECORD_UNREADABLE.format(**fields, reason=exc),
                )
            )
            continue
        if record.organisation != organisation:
            problems.append(
                _problem(
                    entry.sequence,
                    entry.event,
                    slug,
                    RECORD_WRONG_ORGANISATION.format(
                        **fields, actual=record.organisation, logged=organisation
                    ),
                )
            )
    return problems


def _shown(value: str | None) -> str:
    if value is None:
        return "missing"
    text = value if len(value) <= TAG_SHOWN_CHARS else value[: TAG_SHOWN_CHARS - 1] + "…"
    return repr(text)


def _check_publication(
    view: StoreView, slug: str, own: list[AuditEntry], model: ModelInfo
) -> list[AuditProblem]:
    tags = dict(model.tags)
    alias = model.aliases.get(cat.PUBLISHED_ALIAS)
    published = [e for e in own if e.event == "published"]
    last = published[-1] if published else None
    fields: dict[str, Any] = {"slug": slug, "alias": alias}
    if last is None and alias is None:
        if tags.get(cat.PUBLISHED) == "true":
            message = TAG_DISAGREES.format(
                slug=slug, key=cat.PUBLISHED, actual="'true'", expected="'false'"
            )
            return [_problem(0, None, slug, message)]
        return []
    if last is None or (alias is not None and alias not in {e.version for e in published}):
        return [_problem(0, None, slug, PUBLISHED_OUTSIDE.format(**fields))]
    fields.update(logged=last.version, sequence=last.sequence)
    try:
        mv = view.store.get_model_version(slug, int(str(last.version)))
    except StoreError:
        return [_problem(last.sequence, last.event, slug, LOGGED_VERSION_MISSING.format(**fields))]
    if alias != last.version:
        fields["alias"] = "no version" if alias is None else f"version {alias}"
        return [_problem(last.sequence, last.event, slug, PUBLICATION_UNFINISHED.format(**fields))]
    retired = any(e.event == "retired" and e.version == last.version for e in own)
    try:
        record = parse_record(view.artifact_json(mv.run_id, RECORD_PATH))
    except Exception:
        return []  # named by the version check
    problems = []
    for key, value in expected_tags(record, int(str(last.version)), retired).items():
        if tags.get(key) != value:
            message = TAG_DISAGREES.format(
                slug=slug, key=key, actual=_shown(tags.get(key)), expected=_shown(value)
            )
            problems.append(_problem(last.sequence, last.event, slug, message))
    status = mv.tags.get(STATUS_TAG)
    if (status == "retired") != retired:
        message = STATUS_DISAGREES.format(
            slug=slug,
            version=last.version,
            actual=_shown(status),
            expected="'retired'" if retired else "not 'retired'",
        )
        problems.append(_problem(last.sequence, last.event, slug, message))
    return problems
