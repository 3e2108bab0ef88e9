"""Does the read API hold 50 concurrent clients over 6,000 algorithms on PostgreSQL? Print tables.

Reuses catalogue_scale.py's setup: a PostgreSQL-backed, auth-enabled tracking server with its
own databases (dropped afterwards), one real algorithm registered through the full code path (so
its record, versions and explanation have data) and generated algorithms carrying the catalogue
tags a publication writes (290 organisations; themes and statuses varied). After ``ANALYZE`` it

1. times the register's own searches (``Register.search``, as the API calls it) as the portal's
   read-only account, one call at a time;
2. starts ``insyn api`` on 127.0.0.1 (a free port, rate limit off) as that account and runs a load
   generator: ``--clients`` threads, each with its own keep-alive HTTP connection, all from one
   address. Cold phase: right after the API started, every client makes one pass over the mix
   (first catalogue page, free-text search, organisation filter, theme + status filter, paging
   with next_page_token, one algorithm, its versions, its record, its explanation, the filters).
   Warm phase: each client makes at most ``--requests`` requests drawn from the same mix, within
   ``--seconds``;
3. restarts the API with ``--limited-rate`` requests per minute and lets a few clients exceed it:
   only ``429`` answers carrying ``Retry-After`` may appear among the errors.

Latency is measured by the client from sending the request to having read the whole body. An
error is any answer but 200 (by status) or a failed request (by exception). CPU seconds are
user + system time of the API server process (and of the tracking server's processes).

    .venv/bin/python benchmarks/api_load.py                     # 6,000 algorithms, 50 clients
    .venv/bin/python benchmarks/api_load.py --total 600 --clients 10 --requests 20   # quick
    .venv/bin/python benchmarks/api_load.py --register-only     # without the API
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_line, print_table
from catalogue_scale import ROOT, VARIED_STATUSES, VARIED_THEMES, shared_catalogue

API_BASE = "/api/v1"
API_START_TIMEOUT = 120.0
REQUEST_TIMEOUT = 30.0
MISSING_API_MESSAGE = (
    "`insyn api` is not available in this checkout ({detail}). The read API is built on "
    "another branch: merge it first, or run with --register-only to measure Register.search "
    "without the API."
)
SEARCH_KINDS = ("first page", "text search", "organisation", "theme + status", "next page (token)")
# free-text queries: every algorithm, one organisation (a few dozen), ten slugs, nothing at all
TEXT_QUERIES = ("arbetslöshetsersättning", "kommun 042", "gen-0042", "finns-inte-alls")


# -- the register side: Register.search as the API would call it -----------------------------
def _median_ms(func: Callable[[], Any], repeat: int = 5) -> float:
    """Median ms of ``repeat`` calls after two unmeasured ones (every tracking-server worker
    checks a password once per auth-cache window, a PBKDF2 cost that is not the search's)."""
    times = []
    for _ in range(2 if repeat > 1 else 0):
        func()
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def register_side(url: str, reader: tuple[str, str], total: int, orgs: int) -> list[dict]:  # type: ignore[type-arg]
    """Median ms of each catalogue read through ``Register``, one call at a time."""
    from register import Register

    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = reader
    reg = Register(url)
    first = reg.search(max_results=50)
    token = first.next_page_token
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("first page (50)", lambda: reg.search(max_results=50)),
        *((f"text search {q!r}", lambda q=q: reg.search(q, max_results=50)) for q in TEXT_QUERIES),
        ("organisation filter", lambda: reg.search(organisation=f"Kommun {7 % orgs:03d}")),
        (
            "theme + status filter",
            lambda: reg.search(theme=VARIED_THEMES[3], status=VARIED_STATUSES[1]),
        ),
        ("second page (token)", lambda: reg.search(max_results=50, page_token=token)),
        ("filter values (cold)", lambda: Register(url).filter_options()),
    ]
    rows = []
    for name, func in cases:
        repeat = 1 if "cold" in name else 5
        found = func()
        count = len(found.items) if hasattr(found, "items") else "-"
        rows.append({"read": name, "median ms": f"{_median_ms(func, repeat):.0f}", "items": count})
    print(f"  register side at {total} algorithms: {rows}", file=sys.stderr)
    return rows


# -- the API server --------------------------------------------------------------------------
def _api_command(port: int, rate_limit: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "register.cli",
        "api",
        "--address",
        "127.0.0.1",
        "--port",
        str(port),
        "--rate-limit",
        str(rate_limit),
    ]


def check_api_command() -> None:
    """Stop with :data:`MISSING_API_MESSAGE` unless ``insyn api --help`` works here."""
    from register.shared._server import child_pythonpath

    env = {**os.environ, "PYTHONPATH": child_pythonpath()}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "register.cli", "api", "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        detail = "`insyn api --help` did not answer in 120 s"
        raise SystemExit(MISSING_API_MESSAGE.format(detail=detail)) from None
    if done.returncode != 0 or "--rate-limit" not in done.stdout:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        detail = f"`insyn api --help` exited {done.returncode}: {last}"
        raise SystemExit(MISSING_API_MESSAGE.format(detail=detail))


class ApiServer:
    """``insyn api`` as a child process in its own session, reading as ``reader``."""

    def __init__(self, tracking_uri: str, reader: tuple[str, str], rate_limit: int) -> None:
        from register.shared._server import child_pythonpath
        from tests.conftest import free_port

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = Path(tempfile.mkstemp(prefix="insyn-api-", suffix=".log")[1])
        env = {
            **os.environ,
            "PYTHONPATH": child_pythonpath(),
            "MLFLOW_TRACKING_URI": tracking_uri,
            "MLFLOW_TRACKING_USERNAME": reader[0],
            "MLFLOW_TRACKING_PASSWORD": reader[1],
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
        }
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen(
                _api_command(self.port, rate_limit),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 15) -> str:
        text = self._log.read_text("utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_healthy(self, timeout: float = API_START_TIMEOUT) -> float:
        """Seconds until ``/health`` answered 200; raises if the process exits or times out."""
        import httpx

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"`insyn api` exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}{API_BASE}/health", timeout=5).status_code == 200:
                    return time.monotonic() - start
            time.sleep(0.5)
        raise RuntimeError(f"`insyn api` did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.unlink(missing_ok=True)


@contextlib.contextmanager
def api_server(tracking_uri: str, reader: tuple[str, str], rate_limit: int) -> Iterator[ApiServer]:
    server = ApiServer(tracking_uri, reader, rate_limit)
    try:
        started = server.wait_healthy()
        print(f"  insyn api on {server.base} answered after {started:.1f} s", file=sys.stderr)
        yield server
    finally:
        server.stop()


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its live (and reaped) children."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


# -- the load generator ----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Target:
    """What the clients ask about: the real algorithm and the catalogue's shape."""

    slug: str
    version: int
    organisations: int


@dataclass
class Outcomes:
    """Per endpoint kind: latencies (s) of 200 answers and all, and error counts by status."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, Counter[str]] = field(default_factory=dict)
    retry_after: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.seconds.setdefault(kind, []).append(seconds)
            self.errors.setdefault(kind, Counter())
            if error is not None:
                self.errors[kind][error] += 1

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.seconds.values())


class Client:
    """One load-generating client: its own connection, a request budget and a deadline."""

    def __init__(
        self, base: str, target: Target, outcomes: Outcomes, budget: int, deadline: float, seed: int
    ) -> None:
        import httpx

        self._http = httpx.Client(base_url=base + API_BASE, timeout=REQUEST_TIMEOUT)
        self._target = target
        self._out = outcomes
        self._left = budget
        self._deadline = deadline
        self._rng = random.Random(seed)

    def close(self) -> None:
        self._http.close()

    @property
    def done(self) -> bool:
        return self._left <= 0 or time.monotonic() >= self._deadline

    def get(self, kind: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """One request, recorded under ``kind``; the JSON body of a 200, else ``None``."""
        import httpx

        if self.done:
            return None
        self._left -= 1
        start = time.perf_counter()
        try:
            response = self._http.get(path, params=params)
            body = response.content
        except httpx.HTTPError as exc:
            self._out.add(kind, time.perf_counter() - start, type(exc).__name__)
            return None
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            error = str(response.status_code)
            if response.status_code == 429:
                after = response.headers.get("Retry-After")
                error = "429 with Retry-After" if after else "429 without Retry-After"
                if after:
                    with self._out.lock:
                        self._out.retry_after.append(after)
            self._out.add(kind, seconds, error)
            return None
        try:
            data = response.json() if body else None
        except ValueError:
            self._out.add(kind, seconds, "200 but not JSON")
            return None
        self._out.add(kind, seconds, None)
        return data

    # the mix: each action is one request except paging (a first page, then its next pages)
    def first_page(self) -> None:
        self.get("first page", "/algorithms")

    def text_search(self) -> None:
        self.get("text search", "/algorithms", {"q": self._rng.choice(TEXT_QUERIES)})

    def organisation(self) -> None:
        org = f"Kommun {self._rng.randrange(self._target.organisations):03d}"
        self.get("organisation", "/algorithms", {"organisation": org})

    def theme_status(self) -> None:
        params = {
            "theme": self._rng.choice(VARIED_THEMES),
            "status": self._rng.choice(VARIED_STATUSES),
        }
        self.get("theme + status", "/algorithms", params)

    def paging(self, pages: int = 3) -> None:
        page = self.get("first page", "/algorithms", {"limit": 50})
        for _ in range(pages):
            token = page.get("next_page_token") if isinstance(page, dict) else None
            if not token:
                return
            page = self.get("next page (token)", "/algorithms", {"limit": 50, "page_token": token})

    def algorithm(self) -> None:
        self.get("one algorithm", f"/algorithms/{self._target.slug}")

    def versions(self) -> None:
        self.get("versions", f"/algorithms/{self._target.slug}/versions")

    def record(self) -> None:
        t = self._target
        self.get("record", f"/algorithms/{t.slug}/versions/{t.version}")

    def explanation(self) -> None:
        t = self._target
        self.get("explanation", f"/algorithms/{t.slug}/versions/{t.version}/explanation")

    def filters(self) -> None:
        self.get("filters", "/filters")

    def actions(self) -> list[tuple[Callable[[], None], int]]:
        """Every action with its weight in the warm mix (searches weigh most)."""
        return [
            (self.first_page, 3),
            (self.text_search, 3),
            (self.organisation, 3),
            (self.theme_status, 2),
            (self.paging, 1),
            (self.algorithm, 2),
            (self.versions, 1),
            (self.record, 1),
            (self.explanation, 1),
            (self.filters, 1),
        ]

    def same_algorithm(self) -> None:
        """The one algorithm until the budget or the deadline runs out."""
        while not self.done:
            self.algorithm()

    def cold_pass(self) -> None:
        """Every action once, in this client's own order."""
        actions = [action for action, _ in self.actions()]
        self._rng.shuffle(actions)
        for action in actions:
            action()

    def warm(self) -> None:
        """Weighted random actions until the budget or the deadline runs out."""
        actions, weights = zip(*self.actions(), strict=True)
        while not self.done:
            self._rng.choices(actions, weights)[0]()


def run_phase(
    base: str,
    target: Target,
    *,
    clients: int,
    budget: int,
    seconds: float,
    work: Callable[[Client], None],
    seed: int,
) -> tuple[Outcomes, float]:
    """Run ``work`` on ``clients`` threads started together; returns outcomes and wall s."""
    outcomes = Outcomes()
    deadline = time.monotonic() + seconds
    pool = [Client(base, target, outcomes, budget, deadline, seed + i) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def run(client: Client) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        try:
            work(client)
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in pool]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=30)
    start = time.perf_counter()
    for thread in threads:  # every client stops by its deadline + one request's timeout
        thread.join(timeout=max(deadline - time.monotonic(), 0) + REQUEST_TIMEOUT + 5)
    return outcomes, time.perf_counter() - start


# -- tables ----------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile ``p`` (0-100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def _row(kind: str, seconds: Sequence[float], errors: Counter[str]) -> dict[str, Any]:
    ms = [1000 * s for s in seconds]
    shown = ", ".join(f"{k}: {n}" for k, n in sorted(errors.items())) or "none"
    return {
        "endpoint": kind,
        "requests": len(ms),
        "p50 ms": f"{percentile(ms, 50):.0f}" if ms else "-",
        "p90 ms": f"{percentile(ms, 90):.0f}" if ms else "-",
        "p99 ms": f"{percentile(ms, 99):.0f}" if ms else "-",
        "max ms": f"{max(ms):.0f}" if ms else "-",
        "errors": shown,
    }


def latency_table(outcomes: Outcomes) -> tuple[list[dict[str, Any]], float]:
    """Rows per endpoint kind, all searches together, and everything; and the search median."""
    rows = [_row(k, outcomes.seconds[k], outcomes.errors[k]) for k in sorted(outcomes.seconds)]
    searches = [s for k in SEARCH_KINDS for s in outcomes.seconds.get(k, [])]
    search_errors: Counter[str] = sum(
        (outcomes.errors.get(k, Counter()) for k in SEARCH_KINDS), Counter()
    )
    everything = [s for v in outcomes.seconds.values() for s in v]
    all_errors: Counter[str] = sum(outcomes.errors.values(), Counter())
    rows.append(_row("all searches", searches, search_errors))
    rows.append(_row("all", everything, all_errors))
    median = 1000 * statistics.median(searches) if searches else float("nan")
    return rows, median


def print_phase(name: str, outcomes: Outcomes, wall: float, cpu: dict[str, float]) -> float:
    rows, median = latency_table(outcomes)
    rate = outcomes.count / wall if wall else 0.0
    spent = ", ".join(f"{k} {v:.1f} s" for k, v in cpu.items())
    print(f"\n{name}: {outcomes.count} requests in {wall:.1f} s ({rate:.1f}/s); CPU: {spent}")
    print(f"{machine_line()}\n")
    print_table(rows)
    return median


def _cpu_now(api: ApiServer, tracking_pid: int) -> dict[str, float]:
    return {
        "API server": api.cpu_seconds(),
        "tracking server": tree_cpu_seconds(tracking_pid),
        "load generator": time.process_time(),
    }


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in before}


def load_phases(shared: Any, target: Target, args: argparse.Namespace) -> None:
    """The cold and warm phases against an API with its rate limit off."""
    tracking_pid = shared.server.process.pid
    with api_server(shared.url, shared.reader, rate_limit=0) as api:
        before = _cpu_now(api, tracking_pid)
        cold, wall = run_phase(
            api.base,
            target,
            clients=args.clients,
            budget=50,
            seconds=args.seconds,
            work=Client.cold_pass,
            seed=1000,
        )
        middle = _cpu_now(api, tracking_pid)
        print_phase(
            f"Cold: {args.clients} clients, each one pass over the mix right after the API started",
            cold,
            wall,
            _spent(before, middle),
        )
        single, wall = run_phase(
            api.base,
            target,
            clients=1,
            budget=min(args.requests * 2, 200),
            seconds=args.seconds,
            work=Client.warm,
            seed=1500,
        )
        single_done = _cpu_now(api, tracking_pid)
        single_median = print_phase(
            "Single client, warm: one request at a time (latency without queueing)",
            single,
            wall,
            _spent(middle, single_done),
        )
        middle = single_done
        warm, wall = run_phase(
            api.base,
            target,
            clients=args.clients,
            budget=args.requests,
            seconds=args.seconds,
            work=Client.warm,
            seed=2000,
        )
        after = _cpu_now(api, tracking_pid)
        median = print_phase(
            f"Warm: {args.clients} clients, at most {args.requests} requests each, "
            f"{args.seconds:.0f} s at most",
            warm,
            wall,
            _spent(middle, after),
        )
        per_request = 1000 * (after["API server"] - middle["API server"]) / max(warm.count, 1)
        print(
            f"\nSearch median (goal: under 200 ms): single client {single_median:.0f} ms "
            f"({'met' if single_median < 200 else 'NOT met'}), {args.clients} concurrent clients "
            f"{median:.0f} ms ({'met' if median < 200 else 'NOT met'}). API server CPU "
            f"{per_request:.1f} ms per request with {args.clients} clients."
        )


def rate_limit_phase(shared: Any, target: Target, args: argparse.Namespace) -> bool:
    """A low rate limit, exceeded on purpose; True when every error is a 429 with Retry-After."""
    clients = min(args.clients, 5)
    budget = max(2 * args.limited_rate // clients + 1, 4)
    with api_server(shared.url, shared.reader, rate_limit=args.limited_rate) as api:
        outcomes, wall = run_phase(
            api.base,
            target,
            clients=clients,
            budget=budget,
            seconds=60,
            work=Client.same_algorithm,
            seed=3000,
        )
    errors: Counter[str] = sum(outcomes.errors.values(), Counter())
    ok = outcomes.count - sum(errors.values())
    rows = [{"answer": "200", "requests": ok}]
    rows += [{"answer": k, "requests": n} for k, n in sorted(errors.items())]
    print(
        f"\nRate limit {args.limited_rate}/min: {clients} clients from 127.0.0.1, "
        f"{budget} requests each, {outcomes.count} in {wall:.1f} s\n"
    )
    print_table(rows)
    unexpected = {k: n for k, n in errors.items() if k != "429 with Retry-After"}
    values = sorted(set(outcomes.retry_after), key=lambda v: (len(v), v))
    shown = ", ".join(values[:5]) + (" ..." if len(values) > 5 else "")
    print(f"Retry-After values seen: {shown or '-'}")
    print(
        "Every error was a 429 with Retry-After."
        if not unexpected and errors
        else f"UNEXPECTED: errors other than 429 with Retry-After: {unexpected or 'no 429 at all'}"
    )
    return not unexpected and bool(errors)


# -- main ------------------------------------------------------------------------------------
def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=6000, help="algorithms in the catalogue")
    parser.add_argument("--organisations", type=int, default=290)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=40, help="warm requests per client")
    parser.add_argument("--seconds", type=float, default=300, help="time limit of each phase")
    parser.add_argument("--limited-rate", type=int, default=60, help="rate limit of phase 3")
    parser.add_argument("--tracking-workers", type=int, default=4)
    parser.add_argument("--register-only", action="store_true", help="skip the API phases")
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 10_000:
        parser.error("--clients must be 1..200 and --requests 1..10000")

    if not args.register_only:
        check_api_command()  # before the minutes of setup
    signal.signal(signal.SIGTERM, _interrupt)  # stop everything as Ctrl-C does
    print(f"{machine_line()}", file=sys.stderr)
    with shared_catalogue(workers=args.tracking_workers) as shared:
        print(f"filling to {args.total} algorithms ...", file=sys.stderr)
        start = time.perf_counter()
        shared.fill(0, args.total - 1, args.organisations, varied=True)
        fill_seconds = time.perf_counter() - start
        shared.analyze()
        target = Target(slug=shared.record.slug, version=1, organisations=args.organisations)
        print(
            f"\nRegister side: {args.total} algorithms ({args.total - 1} generated in "
            f"{fill_seconds:.0f} s + {shared.record.slug}), {args.organisations} organisations, "
            "after ANALYZE; Register.search as the portal's account, one call at a time, "
            "median of 5\n"
        )
        print_table(register_side(shared.url, shared.reader, args.total, args.organisations))
        if args.register_only:
            return
        load_phases(shared, target, args)
        held = rate_limit_phase(shared, target, args)
    print(f"\n{machine_line()}")
    if not held:
        sys.exit(1)


if __name__ == "__main__":
    main()
