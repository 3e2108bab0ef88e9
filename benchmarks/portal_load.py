"""The portal under load: citizen visits per second, step latencies, CPU and memory.

Builds the demo register (``insyn demo``) in a temporary ``INSYN_HOME``, starts the portal
with ``insyn serve --address 127.0.0.1 --port <free>`` and drives ``--visits`` citizen
visits, ``--concurrency`` at a time, over Streamlit's websocket
(:mod:`benchmarks._streamlit_client`: catalogue -> algorithm page -> what-if). Then the same
through two replicas behind nginx, run from ``deploy/nginx.conf`` itself (only its replica
addresses, its ``listen`` line and its certificate lines are replaced for loopback), with
nginx's access log telling which replica served each browser.

Definitions: *visits/s* = finished visits / wall seconds of the load phase; *p50/p95/p99*
per step = percentiles of the seconds from sending ``rerun_script`` to ``script_finished``;
*CPU s/visit* = CPU seconds (user + system) of the portal's processes (``insyn serve`` and
its Streamlit child, every replica) during the load phase / finished visits; *RSS* = resident
memory of the Streamlit server process(es), after one warm-up visit per replica and at the
end. Everything listens on 127.0.0.1 on free ports; at most ``--minutes`` per setup.

    .venv/bin/python benchmarks/portal_load.py [--visits 40] [--concurrency 5]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._harness import machine_line, print_table  # noqa: E402
from benchmarks._streamlit_client import STEPS, Visit, visit  # noqa: E402

NGINX_CONFIG = ROOT / "deploy" / "nginx.conf"
SLUG = "benefits-uptake"
NGINX_MISSING = (
    "nginx not found: the replica part is skipped. Install Debian's package with "
    "'apt-get install -y nginx' (this benchmark runs it itself, not the system service)."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def insyn_command() -> list[str]:
    return [sys.executable, "-m", "register.cli"]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {seconds:.0f} s")


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        procs = tree(proc.pid) if proc.poll() is None else []
        for each in reversed(procs):  # children first, then the launcher
            each.terminate()
        _gone, alive = psutil.wait_procs(procs, timeout=30)
        for each in alive:
            each.kill()
        proc.wait()


def tree(pid: int) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        for proc in tree(pid):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def server_rss_mb(pids: Sequence[int]) -> list[float]:
    """Resident memory of each replica's Streamlit process (the launcher's child)."""
    return [max(p.memory_info().rss for p in tree(pid)) / 2**20 for pid in pids]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


async def drive(base: str, visits: int, concurrency: int, seconds: float) -> dict[str, Any]:
    """``visits`` visits through ``base``, ``concurrency`` citizens at a time (all starting
    at once), stopping early after ``seconds``; returns the visits, errors and wall time."""
    done: list[Visit] = []
    errors: list[str] = []
    left = collections.deque(range(visits))
    deadline = time.monotonic() + seconds

    async def citizen(http: httpx.AsyncClient) -> None:
        while left and time.monotonic() < deadline:
            left.popleft()
            try:
                done.append(await asyncio.wait_for(visit(base, SLUG, http), 300))
            except Exception as exc:  # a failed visit is counted and shown, not fatal
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=120) as http:
        await asyncio.gather(*(citizen(http) for _ in range(concurrency)))
    return {"visits": done, "errors": errors, "wall": time.perf_counter() - start}


def measure(
    name: str, base: str, pids: Sequence[int], args: argparse.Namespace, warm: Sequence[str]
) -> dict[str, Any]:
    for url in warm:  # one visit per replica: models, explainers and tables cached
        asyncio.run(drive(url, 1, 1, args.minutes * 60))
    rss_warm = server_rss_mb(pids)
    cpu = cpu_seconds(pids)
    result = asyncio.run(drive(base, args.visits, args.concurrency, args.minutes * 60))
    cpu = cpu_seconds(pids) - cpu
    visits: list[Visit] = result["visits"]
    row: dict[str, Any] = {
        "setup": name,
        "visits": len(visits),
        "errors": len(result["errors"]),
        "visits/s": f"{len(visits) / result['wall']:.2f}",
    }
    for step in STEPS:
        values = [v.seconds[step] for v in visits]
        row[f"{step} p50/p95/p99 s"] = "/".join(
            f"{percentile(values, q):.2f}" for q in (50, 95, 99)
        )
    row["CPU s/visit"] = f"{cpu / max(len(visits), 1):.2f}"
    row["RSS MB warm"] = "+".join(f"{mb:.0f}" for mb in rss_warm)
    row["RSS MB end"] = "+".join(f"{mb:.0f}" for mb in server_rss_mb(pids))
    row["downloads ok"] = f"{sum(v.download_ok for v in visits)}/{len(visits)}"
    for error in sorted(set(result["errors"]))[:5]:
        print(f"  {name} error: {error}")
    row["_visits"] = visits
    return row


def nginx_site(ports: Sequence[int], listen: int) -> str:
    """deploy/nginx.conf for loopback: its replicas, listen port, and no certificate."""
    text = NGINX_CONFIG.read_text("utf-8")
    replicas = "".join(
        f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;\n" for port in ports
    )
    text, count = re.subn(r"(    server 10\.0\.0\.\d+:8501 [^\n]*\n)+", replicas, text)
    text, listens = re.subn(r"listen 443 ssl http2;", f"listen 127.0.0.1:{listen};", text)
    text = re.sub(r"\n\s*ssl_certificate(_key)? [^\n]*", "", text)
    if count != 1 or listens != 1:
        raise RuntimeError(f"{NGINX_CONFIG} no longer has the replica and listen lines")
    return text


def nginx_main(folder: Path, site: Path) -> str:
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n{temp}    include {site};\n"
        "    log_format insyn '$insyn_route $upstream_addr $status $request_uri';\n"
        f"    access_log {folder / 'access.log'} insyn;\n}}\n"
    )


def spread(log: Path) -> tuple[dict[str, int], int]:
    """From nginx's access log: websocket sessions per replica, and how many browsers
    (route keys) reached more than one replica."""
    replicas: dict[str, set[str]] = collections.defaultdict(set)
    sessions: collections.Counter[str] = collections.Counter()
    for line in log.read_text("utf-8").splitlines():
        route, upstream, _status, uri = line.split(" ", 3)
        if upstream == "-":
            continue
        replicas[route].add(upstream)
        if uri.startswith("/_stcore/stream"):
            sessions[upstream] += 1
    return dict(sessions), sum(len(ups) > 1 for ups in replicas.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=40, help="visits per setup")
    parser.add_argument("--concurrency", type=int, default=5, help="citizens at a time")
    parser.add_argument("--minutes", type=float, default=5.0, help="at most, per setup")
    parser.add_argument("--skip-single", action="store_true", help="only the replicas")
    args = parser.parse_args(argv)
    print(machine_line())
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="insyn-load-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        env = {**os.environ, "INSYN_HOME": str(folder / "home"), "PYTHONPATH": str(ROOT)}
        subprocess.run([*insyn_command(), "demo"], env=env, check=True, capture_output=True)
        ports = [free_port(), free_port()]
        pids = []
        for index, port in enumerate(ports):  # one after the other: each writes the exports
            command = [*insyn_command(), "serve", "--address", "127.0.0.1", "--port", str(port)]
            proc = stack.enter_context(running(command, env, folder / f"portal{index}.log"))
            wait_healthy(f"http://127.0.0.1:{port}", proc)
            pids.append(proc.pid)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        if not args.skip_single:
            rows.append(measure("1 process", urls[0], pids[:1], args, urls[:1]))
        nginx = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
        )
        if nginx is None:
            print(NGINX_MISSING)
        else:
            listen = free_port()
            site = folder / "insyn-site.conf"
            site.write_text(nginx_site(ports, listen), "utf-8")
            main_conf = folder / "nginx.conf"
            main_conf.write_text(nginx_main(folder, site), "utf-8")
            proxy = stack.enter_context(
                running([nginx, "-p", str(folder), "-c", str(main_conf)], env, folder / "nginx.out")
            )
            wait_healthy(f"http://127.0.0.1:{listen}", proxy)
            (folder / "access.log").write_text("", "utf-8")
            proxy_cpu = cpu_seconds([proxy.pid])
            row = measure("2 replicas + nginx", f"http://127.0.0.1:{listen}", pids, args, urls)
            proxy_cpu = cpu_seconds([proxy.pid]) - proxy_cpu
            sessions, crossed = spread(folder / "access.log")
            rows.append(row)
            print(
                f"nginx: sessions per replica {sorted(sessions.values())}, browsers that reached "
                f"more than one replica: {crossed}, browsers with a route cookie: "
                f"{sum(bool(v.route) for v in row['_visits'])}/{len(row['_visits'])}, nginx CPU "
                f"s/visit {proxy_cpu / max(row['visits'], 1):.3f}"
            )
    for row in rows:
        row.pop("_visits")
    print_table(rows)
    print(machine_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
