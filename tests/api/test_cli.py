"""``insyn api`` and ``insyn serve``: the API runs in its own uvicorn process, configured by
the environment, beside the portal, and stops when the portal stops."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from register import InsynError, MemoryStore, Register
from register.cli import _api, _serve
from register.cli._main import build_parser


class _FakeProcess:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env = command, env
        self.terminated = False

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture()
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> list[_FakeProcess]:
    processes: list[_FakeProcess] = []

    def popen(command: list[str], env: dict[str, str]) -> _FakeProcess:
        processes.append(_FakeProcess(command, env))
        return processes[-1]

    monkeypatch.setattr(_api.subprocess, "Popen", popen)
    monkeypatch.setenv("INSYN_HOME", str(tmp_path))
    monkeypatch.delenv("INSYN_API_RATE_LIMIT", raising=False)
    return processes


def test_the_api_command_is_uvicorn_with_the_factory_and_no_header_trust() -> None:
    command = _api.api_command(address="127.0.0.1", port=8502)
    assert command[1:5] == ["-m", "uvicorn", "--factory", "api._serve:app_from_env"]
    assert command[command.index("--port") + 1] == "8502"
    assert "--no-proxy-headers" in command  # clients are the socket's peers


def test_serve_runs_the_api_beside_the_portal_and_stops_it(
    started: list[_FakeProcess], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    portal: list[tuple[list[str], dict[str, str]]] = []

    def call(command: list[str], env: dict[str, str]) -> int:
        assert not started[0].terminated  # the API runs while the portal does
        portal.append((command, env))
        return 0

    monkeypatch.setattr(_serve.subprocess, "call", call)
    monkeypatch.setattr(_serve, "_publish_exports", lambda *a: None)
    args = build_parser().parse_args(["serve", "--port", "8600", "--rate-limit", "30"])
    assert _serve.cmd_serve(Register(store=MemoryStore()), args) == 0
    (api,) = started
    assert api.command[api.command.index("--port") + 1] == "8601"
    assert api.env["INSYN_API_RATE_LIMIT"] == "30"
    assert portal[0][1]["INSYN_API_URL"] == "http://127.0.0.1:8601"
    assert api.terminated
    printed = capsys.readouterr().out
    assert (
        "Serving the read API on http://127.0.0.1:8601/api/v1 "
        "(OpenAPI: http://127.0.0.1:8601/api/v1/openapi.json)" in printed
    )


def test_the_api_stops_when_the_portal_is_interrupted(
    started: list[_FakeProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(command: list[str], env: dict[str, str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_serve.subprocess, "call", interrupted)
    monkeypatch.setattr(_serve, "_publish_exports", lambda *a: None)
    args = build_parser().parse_args(["serve", "--api-port", "9100"])
    with pytest.raises(KeyboardInterrupt):
        _serve.cmd_serve(Register(store=MemoryStore()), args)
    assert started[0].terminated
    assert started[0].command[started[0].command.index("--port") + 1] == "9100"


def test_insyn_api_serves_on_8502_with_the_rate_limit_of_the_environment(
    started: list[_FakeProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSYN_API_RATE_LIMIT", "0")
    args = build_parser().parse_args(["api"])
    assert _api.cmd_api(Register(store=MemoryStore()), args) == 0
    (api,) = started
    assert api.command[api.command.index("--port") + 1] == "8502"
    assert api.env["INSYN_API_RATE_LIMIT"] == "0"
    assert api.env["INSYN_API_PUBLIC_URL"] == "http://127.0.0.1:8502"


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_a_bad_rate_limit_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("INSYN_API_RATE_LIMIT", value)
    with pytest.raises(InsynError) as raised:
        _api.rate_limit_of(None)
    assert str(raised.value) == _api.BAD_RATE_LIMIT.format(value=value)


def test_stop_api_kills_a_process_that_does_not_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stubborn(_FakeProcess):
        killed = False

        def poll(self) -> int | None:
            return None

        def wait(self, timeout: float | None = None) -> int:
            if timeout is not None and not self.killed:
                raise subprocess.TimeoutExpired("uvicorn", timeout)
            return -9

        def kill(self) -> None:
            self.killed = True

    stubborn = Stubborn([], {})
    _api.stop_api(stubborn)  # type: ignore[arg-type]
    assert stubborn.terminated and stubborn.killed


def test_the_api_process_reads_its_rate_limit_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api._serve import BAD_RATE_LIMIT_MESSAGE, rate_limit_from_env

    monkeypatch.delenv("INSYN_API_RATE_LIMIT", raising=False)
    assert rate_limit_from_env() == 600
    monkeypatch.setenv("INSYN_API_RATE_LIMIT", "25")
    assert rate_limit_from_env() == 25
    monkeypatch.setenv("INSYN_API_RATE_LIMIT", "lots")
    with pytest.raises(InsynError) as raised:
        rate_limit_from_env()
    assert str(raised.value) == BAD_RATE_LIMIT_MESSAGE.format(value="lots")
