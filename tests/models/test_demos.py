"""The demo register: built from nothing by `insyn demo`, and stable when run again."""

from __future__ import annotations

import json

from models import DEMO_SLUGS, demo_folders
from register import Register, load_record
from register.cli import main


def test_demo_register_builds_from_nothing_with_every_demo_published(demo_tracking_uri):
    reg = Register(demo_tracking_uri)
    listed = {item.slug: item for item in reg.search().items}
    assert set(listed) == set(DEMO_SLUGS)
    for folder in demo_folders():
        record = load_record(folder.record_path)
        version = reg.get(record.slug)
        assert version.is_published
        assert version.record == record
        explanation = reg.get_explanation(record.slug, version.version)
        assert explanation.metadata.rows == len(folder.build().reference_data)
        assert explanation.metadata.additivity_max_error < 1e-6
    kinds = {reg.get(slug).explainer for slug in DEMO_SLUGS}
    assert kinds == {"tree", "linear"}


def test_demo_twice_changes_nothing(demo_tracking_uri, capsys):
    reg = Register(demo_tracking_uri)
    before = {slug: [h.version for h in reg.history(slug)] for slug in DEMO_SLUGS}
    assert main(["--tracking-uri", demo_tracking_uri, "demo"]) == 0
    after = {slug: [h.version for h in reg.history(slug)] for slug in DEMO_SLUGS}
    assert after == before
    captured = capsys.readouterr()
    # Exactly the lines the README promises, and nothing on stderr (no MLflow chatter).
    lines = captured.out.splitlines()
    assert lines[: len(DEMO_SLUGS)] == [
        f"{slug}: already registered and published as version {reg.get(slug).version}; unchanged."
        for slug in DEMO_SLUGS
    ]
    review = lines[len(DEMO_SLUGS)]
    assert review.startswith("benefits-uptake: demo review ")
    assert review.endswith(" of version 1 in place.")
    assert lines[len(DEMO_SLUGS) + 1 :] == [f"Demo register ready at {demo_tracking_uri}"]
    assert captured.err == ""


def test_insyn_list_shows_the_demo_algorithms(demo_tracking_uri, capsys):
    assert main(["--tracking-uri", demo_tracking_uri, "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["slug"] for row in rows} == set(DEMO_SLUGS)
    assert all(row["published_version"] >= 1 for row in rows)


def test_demo_records_describe_every_model_input():
    for folder in demo_folders():
        record = load_record(folder.record_path)
        built = folder.build()
        assert {f.name for f in record.technical.features} == set(built.reference_data.columns)
        assert set(record.data.protected_attributes) <= set(built.evaluation_data.columns)
        assert "demonstration" in (record.short_description.en or "").lower()
