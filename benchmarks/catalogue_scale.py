"""Does the catalogue stay fast at 3,000 algorithms from 290 organisations? Print one table.

Starts a PostgreSQL-backed, auth-enabled tracking server (its own databases,
dropped afterwards), registers one real algorithm through the full code path
(so its page can be rendered), then fills the catalogue with generated
algorithms: a registered model per algorithm carrying exactly the catalogue
tags ``register.store._catalogue.catalogue_tags`` writes on publication, from a real
record with a new slug and organisation (the fast generator; no model files).
At 30 and at 3,000 algorithms it times, as the portal's read-only account:
the first catalogue page, a free-text search, an organisation filter, the
filter values (cold and cached), and the catalogue and algorithm pages rendered
with Streamlit's AppTest.

    .venv/bin/python benchmarks/catalogue_scale.py [--total 3000] [--organisations 290]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")


def _timed(func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of ``repeat`` calls (NaN, with the error on stderr, if a call fails)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            func()
        except Exception as exc:
            print(
                f"  failed after {time.perf_counter() - start:.1f} s: {exc}"[:300], file=sys.stderr
            )
            return float("nan")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Varied catalogue fields for a fill with ``varied=True``: the themes and statuses cycle, so
# a theme + status filter selects a part of the catalogue, as it would in a real register.
VARIED_THEMES = (
    "social_services",
    "elder_care",
    "education",
    "housing",
    "labour_market",
    "permits",
    "finance",
    "health",
    "other",
)
VARIED_STATUSES = ("in_development", "in_use")


def fill(
    url: str,
    admin: tuple[str, str],
    record_data: dict,  # type: ignore[type-arg]
    start: int,
    stop: int,
    orgs: int,
    *,
    varied: bool = False,
) -> None:
    """Create the generated algorithms ``gen-<start>`` .. ``gen-<stop - 1>`` (organisation
    ``Kommun <i % orgs>``), each a registered model carrying exactly the catalogue tags a
    publication writes, from ``record_data`` with a new slug (and, if ``varied``, a theme
    and status that cycle through ``VARIED_THEMES`` / ``VARIED_STATUSES``)."""
    from register import parse_record
    from register.store import MlflowStore, StoreConflictError
    from register.store import _catalogue as cat

    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = admin
    store = MlflowStore(url)

    def one(i: int) -> None:
        fields = {"slug": f"gen-{i:05d}", "organisation": f"Kommun {i % orgs:03d}"}
        if varied:
            fields["theme"] = VARIED_THEMES[i % len(VARIED_THEMES)]
            fields["status"] = VARIED_STATUSES[(i // len(VARIED_THEMES)) % len(VARIED_STATUSES)]
        record = parse_record({**record_data, **fields})
        tags = cat.catalogue_tags(record, status=record.status.value)
        tags[cat.PUBLISHED] = "true"
        tags[cat.PUBLISHED_VERSION] = "1"
        with contextlib.suppress(StoreConflictError):  # a retried create that had gone through
            store.create_registered_model(record.slug, tags=tags)

    pool = ThreadPoolExecutor(max_workers=12)
    try:
        list(pool.map(one, range(start, stop)))
    finally:  # on Ctrl-C or an error, the creates not yet started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _stale_statistics(url: str, reader: tuple[str, str]) -> float:
    """One organisation search right after the bulk load, before ANALYZE."""
    from register import Register

    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = reader
    return _timed(lambda: Register(url).search(organisation="Kommun 008"), repeat=1)


def _measure(url: str, reader: tuple[str, str], slug: str) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from register import Register

    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = reader
    os.environ["MLFLOW_TRACKING_URI"] = url
    reg = Register(url)
    row = {
        "first page (50)": _timed(lambda: reg.search(max_results=50)),
        "text search": _timed(lambda: reg.search("bostad", max_results=50)),
        "organisation filter": _timed(lambda: reg.search(organisation="Kommun 007")),
    }

    def cold() -> None:
        Register(url).filter_options()

    row["filter values (cold)"] = _timed(cold, repeat=1)
    reg.filter_options()
    row["filter values (cached)"] = _timed(reg.filter_options)

    def catalogue_page() -> None:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.run()
        assert not at.exception, [e.value for e in at.exception]

    def algorithm_page() -> None:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.run()
        at.query_params["slug"] = slug
        at.switch_page("app_pages/algorithm.py").run()
        assert not at.exception, [e.value for e in at.exception]

    import streamlit as st

    # cold: the portal process has nothing cached; warm: a later visitor, caches filled
    st.cache_data.clear()
    st.cache_resource.clear()
    row["catalogue page (AppTest, cold)"] = _timed(catalogue_page, repeat=1)
    row["catalogue page (AppTest, warm)"] = _timed(catalogue_page)
    st.cache_data.clear()
    st.cache_resource.clear()
    row["catalogue + algorithm page (AppTest, cold)"] = _timed(algorithm_page, repeat=1)
    row["catalogue + algorithm page (AppTest, warm)"] = _timed(algorithm_page)
    print(f"  measured: {row}", file=sys.stderr)
    return row


@dataclass(frozen=True, kw_only=True)
class SharedCatalogue:
    """A running PostgreSQL-backed, auth-enabled tracking server with one real algorithm."""

    url: str
    database: str
    admin: tuple[str, str]
    reader: tuple[str, str]
    record: Any  # the real algorithm's TransparencyRecord
    server: Any  # register.shared._server.SharedServer

    def fill(self, start: int, stop: int, orgs: int, *, varied: bool = False) -> None:
        """:func:`fill` the generated algorithms ``start`` .. ``stop - 1`` into this server."""
        fill(self.url, self.admin, self.record.to_json_dict(), start, stop, orgs, varied=varied)

    def analyze(self) -> None:
        """``ANALYZE`` the register's database (what autovacuum does after a bulk load)."""
        from register.shared._server import analyze_database

        analyze_database(self.database)


@contextlib.contextmanager
def shared_catalogue(*, workers: int = 4) -> Iterator[SharedCatalogue]:
    """Start a tracking server on 127.0.0.1 (free port, ``workers`` workers) over two new
    databases, the writer service, a read-only account ``portal``, and register the
    benefits-uptake demo through the full code path; on leaving (also on an error or
    Ctrl-C) stop both services and drop both databases."""
    from models import load_folder
    from register import Register, load_record
    from register.cli._admin import start_writer
    from register.shared._admin import AdminClient
    from register.shared._server import SharedServer, create_database, drop_database
    from tests.conftest import free_port

    name = f"insyn_bench_{secrets.token_hex(4)}"
    admin = ("admin", secrets.token_urlsafe(24))
    reader = ("portal", secrets.token_urlsafe(18))
    writer = ("ds-bench", secrets.token_urlsafe(18))
    home = Path(tempfile.mkdtemp(prefix="insyn-bench-"))
    server = None
    writer_service = None
    try:
        server = SharedServer(
            backend_uri=create_database(name),
            auth_db_uri=create_database(f"{name}_auth"),
            home=home,
            port=free_port(),
            admin_password=admin[1],
            workers=workers,
        )
        print(f"starting the tracking server ({server.url}) ...", file=sys.stderr)
        server.start()
        client = AdminClient(server.url, *admin)
        # registrations append to the audit log through the writer service
        writer_service = start_writer(server.url, client, home, free_port(), 10, "127.0.0.1")
        client.add_reader(*reader)
        folder = load_folder(ROOT / "models" / "benefits-uptake")
        record = load_record(folder.record_path)
        client.add_data_scientist(record.organisation, *writer)
        built = folder.build()
        os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = writer
        Register(server.url).register_algorithm(
            built.model, record, reference_data=built.reference_data
        )
        yield SharedCatalogue(
            url=server.url,
            database=name,
            admin=admin,
            reader=reader,
            record=record,
            server=server,
        )
    finally:
        if writer_service is not None:
            writer_service.stop()
        if server is not None:
            server.stop()
        drop_database(name)
        drop_database(f"{name}_auth")
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--organisations", type=int, default=290)
    parser.add_argument("--small", type=int, default=30)
    args = parser.parse_args()

    rows = {}
    with shared_catalogue() as shared:
        shared.fill(0, args.small - 1, args.organisations)
        rows[args.small] = _measure(shared.url, shared.reader, shared.record.slug)
        print(f"filling to {args.total} algorithms ...", file=sys.stderr)
        start = time.perf_counter()
        shared.fill(args.small - 1, args.total - 1, args.organisations)
        fill_seconds = time.perf_counter() - start
        stale = _stale_statistics(shared.url, shared.reader)
        shared.analyze()  # what autovacuum does within a minute of a bulk load
        rows[args.total] = _measure(shared.url, shared.reader, shared.record.slug)

    sizes = list(rows)
    print(
        f"\nCatalogue on PostgreSQL + basic auth, {args.organisations} organisations "
        f"(median seconds; filled {args.total - args.small} in {fill_seconds:.0f} s)\n"
    )
    print(f"| {'measurement':<44} | " + " | ".join(f"{n:>7} alg." for n in sizes) + " |")
    print(f"|{'-' * 46}|" + "|".join("-" * 13 for _ in sizes) + "|")
    for key in rows[sizes[0]]:
        print(f"| {key:<44} | " + " | ".join(f"{rows[n][key]:>11.3f}" for n in sizes) + " |")
    print(
        f"\nThe {args.total} column is measured after ANALYZE (autovacuum's job; it is off on "
        f"some machines). Right after the bulk load, before ANALYZE, one organisation "
        f"search took {stale:.1f} s: PostgreSQL planned the tag joins with row estimates of 1."
    )


if __name__ == "__main__":
    main()
