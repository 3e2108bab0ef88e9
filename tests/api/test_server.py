"""``insyn api`` as an attacker meets it: a real uvicorn process over the demo register,
asked with plain ``urllib``. Errors are JSON with a plain message, a hostile query string
is refused and never echoed as markup, the rate limit answers 429 with Retry-After, and
no credential or tracking URI appears."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from api import RATE_LIMITED_MESSAGE
from register._facade import NOT_FOUND_MESSAGE
from tests.conftest import free_port

RATE_LIMIT = 40


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "attacker"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served(demo_tracking_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("api-home")
    command = [sys.executable, "-m", "register.cli", "--tracking-uri", demo_tracking_uri]
    command += ["api", "--port", str(port), "--rate-limit", str(RATE_LIMIT)]
    log = open(home / "api.log", "wb")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "INSYN_HOME": str(home)},
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (home / "api.log").read_text()
            assert time.monotonic() < deadline, "insyn api did not answer"
            time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _error(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers["content-type"].startswith("application/json")
    assert headers["x-content-type-options"] == "nosniff"
    return dict(json.loads(body)["error"])


def test_the_served_api_answers_errors_as_plain_json(served: str, demo_tracking_uri: str) -> None:
    seen: list[bytes] = []
    status, headers, body = _get(f"{served}/algorithms/no-such-algorithm")
    seen.append(body)
    assert status == 404
    assert _error(status, headers, body)["message"] == NOT_FOUND_MESSAGE.format(
        slug="no-such-algorithm"
    )
    status, headers, body = _get(f"{served}/algorithms?limit=%3Cscript%3Ealert(1)%3C/script%3E")
    seen.append(body)
    assert status == 422
    error = _error(status, headers, body)
    assert (error["parameter"], error["value"]) == ("limit", "<script>alert(1)</script>")
    assert b"<script>" not in body  # only inside a JSON string, escaped as JSON allows
    hostile = "q=%3Cscript%3E" + "A" * 10_000
    status, headers, body = _get(f"{served}/algorithms?{hostile}")
    seen.append(body)
    assert status in (414, 422)
    assert b"AAAA" not in body and b"script" not in body
    assert _error(status, headers, body)["status"] == status
    status, headers, body = _get(f"{served}/algorithms")
    seen.append(body)
    assert status == 200 and json.loads(body)["items"]
    assert "server" not in {k.lower() for k in headers}
    secrets = (demo_tracking_uri, "sqlite", "Traceback", os.path.expanduser("~"))
    for answer in seen:
        assert not any(secret.encode() in answer for secret in secrets)


def test_the_rate_limit_answers_429_with_retry_after(served: str) -> None:
    codes: list[int] = []
    for _ in range(RATE_LIMIT + 5):
        status, headers, body = _get(f"{served}/filters")
        codes.append(status)
        if status == 429:
            break
    assert codes[-1] == 429
    seconds = int(headers["retry-after"])
    assert seconds >= 1
    assert _error(status, headers, body)["message"] == RATE_LIMITED_MESSAGE.format(seconds=seconds)


def test_stopping_insyn_api_stops_the_server_it_started(
    demo_tracking_uri: str, tmp_path: Any
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "register.cli", "--tracking-uri", demo_tracking_uri]
    command += ["api", "--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "INSYN_HOME": str(tmp_path)},
    )
    health = f"http://127.0.0.1:{port}/api/v1/health"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(health)[0] == 200:
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        os.kill(process.pid, signal.SIGTERM)  # insyn only, as a service manager would
        process.wait(timeout=60)
        with pytest.raises(OSError):
            _get(health)  # uvicorn went with it
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
