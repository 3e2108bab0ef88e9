"""Faults on a shared server, for real: the server process stopped, a registering process killed.

Own server (this module stops and restarts it); nothing is mocked.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from register import NotFoundError, Register, TrackingUnreachableError
from register._facade import COMPLETE_TAG
from register.store import _catalogue as cat
from tests.conftest import free_port
from tests.register._shared import ORG_A, shared_server

WORKER = Path(__file__).with_name("shared_worker.py")
KILL_POINTS = (
    "create_run",
    "log_artifacts",
    "create_registered_model",
    "create_model_version",
    "set_model_version_tag",
    # the alias and catalogue tags are the writer service's: kill after the registration's
    # entries are logged, and after the service has logged the publication and moved the alias
    "HttpWriter.append",
    "HttpWriter.publish",
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):  # type: ignore[no-untyped-def]
    with shared_server(tmp_path_factory.mktemp("shared-faults"), free_port()) as running:
        yield running


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, small_model, small_reference, benefits_record) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("bundle") / "bundle.pkl"
    data = (small_model, small_reference.head(60), benefits_record.to_json_dict())
    path.write_bytes(pickle.dumps(data))
    return path


def _start_worker(shared, bundle: Path, slug: str, pause_after: str, **env: str):  # type: ignore[no-untyped-def]
    process = subprocess.Popen(
        [sys.executable, str(WORKER), str(bundle), slug, ORG_A, "1", pause_after],
        env={**shared.env("ds-a"), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith(f"PAUSED {pause_after}"):
            return process, lines
    process.wait(timeout=30)
    raise AssertionError("worker ended before pausing:\n" + "".join(lines[-40:]))


def _assert_nothing_half_public(reg: Register, slug: str) -> None:
    """Whatever a citizen can see of ``slug`` is a complete, readable version."""
    try:
        model = reg.client.get_registered_model(slug)
    except Exception:
        return  # not even created
    alias = model.aliases.get(cat.PUBLISHED_ALIAS)
    listed = [i.slug for i in reg.search(slug).items]
    if alias is None:
        assert slug not in listed
        return
    mv = reg.client.get_model_version(slug, str(alias))
    assert mv.tags.get(COMPLETE_TAG) == "true"
    assert reg.get(slug).record.slug == slug
    assert reg.get_explanation(slug, int(alias)).metadata.fingerprint


@pytest.mark.parametrize("step", KILL_POINTS)
def test_registration_killed_at_any_step_leaves_no_half_record_and_reruns(
    shared, bundle, small_model, small_reference, benefits_record, step
):
    slug = f"kill-{step.replace('_', '-').replace('.', '-').lower()}"
    process, _ = _start_worker(shared, bundle, slug, step)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with shared.as_user("portal"):
        _assert_nothing_half_public(Register(shared.url), slug)
    record = benefits_record.model_copy(update={"slug": slug, "organisation": ORG_A})
    with shared.as_user("ds-a"):
        done = Register(shared.url).register_algorithm(
            small_model, record, reference_data=small_reference
        )
    assert done.is_published
    with shared.as_user("portal"):
        reg = Register(shared.url)
        model = reg.client.get_registered_model(slug)
        assert model.tags[cat.PUBLISHED_VERSION] == str(model.aliases[cat.PUBLISHED_ALIAS])
        assert [i.slug for i in reg.search(slug).items] == [slug]


def _portal_script() -> None:
    """The portal's read path in miniature (AppTest runs this function's source alone)."""
    import os

    import streamlit as st

    from app_pages import _resilience
    from register import Register

    _resilience.begin_run()

    @_resilience.last_good
    def slugs(uri: str) -> list[str]:
        return [i.slug for i in Register(uri).search(max_results=100).items]

    st.write(", ".join(slugs(os.environ["MLFLOW_TRACKING_URI"])))
    _resilience.show_stale_notice("sv")


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
