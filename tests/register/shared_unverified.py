"""Shared-deployment checks written but NOT yet seen passing (issue 5 stays open).

This file is deliberately not named test_*.py, so pytest does not collect it:
these three checks never completed on the loaded development machine (20
parallel registrations; the portal outage round trip; a registration killed
right after the alias is set, whose explanation then fails to download).
Run them by hand with ``pytest tests/register/shared_unverified.py`` and move
each into its module once it passes.
"""

from __future__ import annotations

from tests.register.test_shared_faults import *
from tests.register.test_shared_faults import KILL_POINTS as _VERIFIED_POINTS
from tests.register.test_shared_server import *

UNVERIFIED_KILL_POINT = "set_registered_model_alias"


def test_registration_killed_after_the_alias_is_set(  # type: ignore[no-untyped-def]
    shared, bundle, small_model, small_reference, benefits_record
):
    assert UNVERIFIED_KILL_POINT not in _VERIFIED_POINTS
    test_registration_killed_at_any_step_leaves_no_half_record_and_reruns(
        shared, bundle, small_model, small_reference, benefits_record, UNVERIFIED_KILL_POINT
    )


def test_outage_portal_keeps_reading_and_registration_leaves_nothing_public(
    shared, bundle, tmp_path, small_model, small_reference, benefits_record
):
    record = benefits_record.model_copy(update={"slug": "outage-seen", "organisation": ORG_A})
    with shared.as_user("ds-a"):
        Register(shared.url).register_algorithm(small_model, record, reference_data=small_reference)
    resume = tmp_path / "resume"
    worker, lines = _start_worker(
        shared, bundle, "outage-mid", "create_model_version", INSYN_TEST_RESUME_FILE=str(resume)
    )
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    try:
        with shared.as_user("portal"):
            os.environ["MLFLOW_TRACKING_URI"] = shared.url
            portal = AppTest.from_function(_portal_script, default_timeout=60)
            portal.run()
            assert "outage-seen" in portal.markdown[0].value
            assert not portal.warning

            shared.server.stop(signal.SIGKILL)  # the tracking server dies

            portal.run()
            assert "outage-seen" in portal.markdown[0].value
            assert "visar uppgifter från" in portal.warning[0].value
        late = benefits_record.model_copy(update={"slug": "outage-new", "organisation": ORG_A})
        with shared.as_user("ds-a"), pytest.raises(TrackingUnreachableError, match=shared.url):
            Register(shared.url).register_algorithm(
                small_model, late, reference_data=small_reference
            )
        resume.touch()  # the paused registration goes on against the dead server
        output = "".join(lines) + worker.communicate(timeout=300)[0]
        assert worker.returncode == 1
        assert "Nothing was published" in output or "cannot be reached" in output

        shared.server.start()  # the server comes back

        with shared.as_user("portal"):
            for _ in range(30):  # recovers by itself once the server answers again
                portal.run()
                if not portal.warning:
                    break
                time.sleep(2)
            assert "outage-seen" in portal.markdown[0].value
            assert not portal.warning
            reg = Register(shared.url)
            for slug in ("outage-mid", "outage-new"):
                assert slug not in [i.slug for i in reg.search(include_unpublished=False).items]
                with pytest.raises(NotFoundError):
                    reg.get(slug)
        again = benefits_record.model_copy(update={"slug": "outage-mid", "organisation": ORG_A})
        with shared.as_user("ds-a"):
            done = Register(shared.url).register_algorithm(
                small_model, again, reference_data=small_reference
            )
        assert done.is_published
    finally:
        os.environ.pop("MLFLOW_HTTP_REQUEST_MAX_RETRIES", None)
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        if worker.poll() is None:
            worker.kill()


def test_twenty_parallel_registrations_from_four_organisations(shared, bundle):
    shared.add("data-scientist", "ds-c", ORG_C)
    shared.add("data-scientist", "ds-d", ORG_D)
    users = {"ds-a": ORG_A, "ds-b": ORG_B, "ds-c": ORG_C, "ds-d": ORG_D}
    logs = {user: bundle.with_name(f"{user}.log") for user in users}
    workers = {}
    for user, org in users.items():  # output to files: a full pipe must not stall a worker
        with logs[user].open("w") as log:
            workers[user] = subprocess.Popen(
                [sys.executable, str(WORKER), str(bundle), f"par-{user}", org, "5"],
                env=shared.env(user),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    for user, proc in workers.items():
        proc.wait(timeout=1800)
        assert proc.returncode == 0, logs[user].read_text()[-3000:]
    with shared.as_user("portal"):
        reg = Register(shared.url)
        for user, org in users.items():
            slug = f"par-{user}"
            versions = reg.client.search_model_versions(f"name = '{slug}'")
            assert sorted(int(v.version) for v in versions) == [1, 2, 3, 4, 5]
            assert all(v.tags.get("insyn.complete") == "true" for v in versions)
            model = reg.client.get_registered_model(slug)
            alias = model.aliases[cat.PUBLISHED_ALIAS]
            assert model.tags[cat.PUBLISHED_VERSION] == str(alias)
            assert model.tags[cat.ORGANISATION] == org
            assert reg.search(organisation=org).items[0].version == int(alias)
        _catalogue_index.forget(reg)
        assert {ORG_C, ORG_D} <= set(reg.filter_options().organisations)
        assert verify(reg).ok  # the audit chain stayed valid under concurrent appends
