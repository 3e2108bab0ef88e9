"""Portal replicas behind a proxy: the README's nginx configuration is the file the load
benchmark runs, it balances by a browser's cookie rather than its address, and a replica can
listen where a proxy reaches it while linking its open data to the public address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.portal_load import nginx_site
from register.cli import build_parser
from register.cli._portal import streamlit_command
from register.cli._serve import public_base

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx.conf"
DOCS = [ROOT / "README.md", ROOT / "deploy" / "README-shared.md"]
SECTION = "### 5. Portal replicas behind a proxy"


def _section(doc: Path) -> str:
    text = doc.read_text("utf-8")
    start = text.index(SECTION)
    return text[start : text.index("\n### ", start + len(SECTION))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_documented_nginx_config_is_the_tested_file(doc):
    blocks = re.findall(r"```nginx\n(.*?)```", _section(doc), flags=re.S)
    assert blocks[0] == CONFIG.read_text("utf-8")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_deployment_text_pins_no_citizen_by_address(doc):
    section = _section(doc)
    assert "8501–8503" not in section and "8501-8503" not in section
    assert not re.search(r"^\s*ip_hash;", section, flags=re.M)
    assert "insyn serve --address 0.0.0.0" in section


def test_replicas_are_chosen_by_the_browsers_route_cookie():
    text = CONFIG.read_text("utf-8")
    assert "hash $insyn_route consistent;" in text
    assert "add_header Set-Cookie $insyn_route_cookie always;" in text
    assert not re.search(r"^\s*ip_hash;", text, flags=re.M)


def test_the_benchmark_runs_the_file_on_loopback():
    site = nginx_site([18501, 18502], 18080)
    assert "listen 127.0.0.1:18080;" in site and "ssl_certificate" not in site
    assert re.findall(r"server (127\.0\.0\.1:\d+)", site) == ["127.0.0.1:18501", "127.0.0.1:18502"]
    assert "10.0.0." not in site
    # everything else is the documented file, line for line
    kept = [line for line in CONFIG.read_text("utf-8").splitlines() if line in site.splitlines()]
    assert len(kept) == len(CONFIG.read_text("utf-8").splitlines()) - 6


def test_a_replica_listens_where_told_and_links_its_open_data_to_the_public_address():
    args = build_parser().parse_args(
        ["serve", "--address", "0.0.0.0", "--public-url", "https://insyn.example.se/"]
    )
    assert public_base(args) == "https://insyn.example.se"
    command = streamlit_command(Path("main.py"), port=args.port, address=args.address, static=True)
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    local = build_parser().parse_args(["serve", "--port", "8600"])
    assert public_base(local) == "http://127.0.0.1:8600"
