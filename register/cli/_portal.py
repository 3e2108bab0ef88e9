"""Starting the portal: find the installed router and give Streamlit a folder of its own.

The router (``streamlit_app.py``) ships beside the ``app_pages`` package, in a checkout
or in site-packages. Streamlit serves static files only from ``static/`` next to its
main script, and an installation may be read-only and shared, so the portal runs from a
small main script that :func:`write_main_script` puts in a folder of the register's home
(``$INSYN_HOME/portal``); that script runs the installed router, and its ``static/``
holds the open-data exports.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from register._errors import InsynError

__all__ = [
    "MAIN_SCRIPT",
    "ROUTER_MISSING_MESSAGE",
    "portal_folder",
    "router_path",
    "streamlit_command",
    "write_main_script",
]

PORTAL_PACKAGE = "app_pages"
ROUTER_NAME = "streamlit_app.py"
ROUTER_MISSING_MESSAGE = (
    "The portal is not installed: no {router} beside the {package} package ({where}). "
    "Reinstall insyn."
)
# No docstring: Streamlit's "magic" would print it on the page.
MAIN_SCRIPT = """\
# Written by `insyn serve` on every start; edits are overwritten.
# Runs the portal of the installed insyn. Streamlit serves the folder static/ beside
# this file at /app/static/ (the open-data exports are in static/exports/).
import sys
from pathlib import Path

ROUTER = Path({router!r})
if str(ROUTER.parent) not in sys.path:
    sys.path.insert(0, str(ROUTER.parent))
exec(
    compile(ROUTER.read_bytes(), str(ROUTER), "exec"),
    {{"__name__": "__main__", "__file__": str(ROUTER)}},
)
"""


def router_path() -> Path:
    """The portal's router of the insyn that this interpreter imports (checkout or install).

    Raises :class:`InsynError` (:data:`ROUTER_MISSING_MESSAGE`) when it is not there.
    """
    spec = importlib.util.find_spec(PORTAL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    where = locations[0] if locations else "not importable"
    router = Path(locations[0]).resolve().parent / ROUTER_NAME if locations else None
    if router is None or not router.is_file():
        raise InsynError(
            ROUTER_MISSING_MESSAGE.format(router=ROUTER_NAME, package=PORTAL_PACKAGE, where=where)
        )
    return router


def portal_folder(home: Path) -> Path:
    """The folder, under the register's home, the portal's main script and ``static/`` live in."""
    return home / "portal"


def write_main_script(folder: Path, router: Path | None = None) -> Path:
    """Write ``folder/streamlit_app.py`` that runs ``router`` (default :func:`router_path`).

    The file is replaced atomically and only when its text changes, so a portal already
    running from the same folder is not restarted. Returns the script's path.
    """
    router = router or router_path()
    text = MAIN_SCRIPT.format(router=str(router))
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / ROUTER_NAME
    if script.is_file() and script.read_text("utf-8") == text:
        return script
    partial = folder / f".{ROUTER_NAME}.{os.getpid()}.tmp"
    partial.write_text(text, "utf-8")
    partial.replace(script)
    return script


# A served portal watches no source files (a file watcher per session cost about a third of
# each visit's CPU time) and leaves garbage collection to Python instead of a full collection
# after every script run (another quarter): see README "Portal under load".
SERVING_OPTIONS = [
    "--server.fileWatcherType",
    "none",
    "--server.runOnSave",
    "false",
    "--runner.postScriptGC",
    "false",
]


def streamlit_command(main: Path, *, port: int, address: str, static: bool) -> list[str]:
    """The command that serves ``main`` headless on ``address:port``, without usage stats;
    ``static`` turns on serving of ``main``'s ``static/`` folder at ``/app/static/``."""
    command = [sys.executable, "-m", "streamlit", "run", str(main)]
    command += ["--server.port", str(port), "--server.address", address]
    command += ["--server.headless", "true"]
    command += SERVING_OPTIONS
    if static:
        command += ["--server.enableStaticServing", "true"]
    return [*command, "--browser.gatherUsageStats", "false"]
