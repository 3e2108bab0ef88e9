"""`insyn serve` publishes the open-data exports at stable URLs beside the portal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from register import Register
from tests.conftest import free_port

EXPORT_URL = "http://127.0.0.1:{port}/app/static/exports/{name}"


def _get(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_running_portal_serves_the_exports_at_stable_paths(demo_tracking_uri):
    port = free_port()
    command = [sys.executable, "-m", "register.cli", "--tracking-uri", demo_tracking_uri]
    command += ["serve", "--port", str(port), "--address", "127.0.0.1"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "MLFLOW_TRACKING_URI": demo_tracking_uri},
    )
    try:
        deadline = time.monotonic() + 180
        nl = json.loads(
            _get(EXPORT_URL.format(port=port, name="nl-algoritmeregister-1.0.0.json"), deadline)
        )
        catalog = json.loads(_get(EXPORT_URL.format(port=port, name="catalog.jsonld"), deadline))
        csv = _get(EXPORT_URL.format(port=port, name="register.csv"), deadline).decode("utf-8")
        anchor = json.loads(_get(EXPORT_URL.format(port=port, name="audit-head.json"), deadline))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    published = {item.slug for item in Register(demo_tracking_uri).search().items}
    assert {entry["slug"] for entry in nl["algorithms"]} == published
    assert nl["standard_version"] == "1.0.0"
    downloads = json.dumps(catalog)
    assert f"127.0.0.1:{port}/app/static/exports/register.csv" in downloads
    assert all(slug in csv for slug in published)
    # the signed head and the writer's public key, at a stable address
    head = Register(demo_tracking_uri).signed_head()
    assert anchor["signed_head"] == head.to_dict() and head.signature
    assert list(anchor["public_keys"]) == [head.key_id]
