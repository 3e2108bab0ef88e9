"""A citizen's visit to the portal, spoken in Streamlit's own websocket protocol (no browser).

One visit is one browser: it asks for ``/`` (as a browser fetches the page, which is where
a proxy's route cookie is set), opens ``/_stcore/stream`` with that cookie and runs three
steps in one session, each finished when the server's ``script_finished`` message arrives:

1. the catalogue (``rerun_script`` with no page);
2. the algorithm page (``page_name="algorithm"``, ``query_string="slug=..."``);
3. the what-if: one try-it field changed and the form submitted (its widget states and the
   submit button's trigger, as the browser sends them), with the page's query string.

Between steps 2 and 3 it downloads the file behind the page's first download button
(``/media/...``) with the same cookie: that file lives only in the replica holding the session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

STEPS = ("catalogue", "algorithm", "what-if")
ROUTE_COOKIE = "insyn_route"
# The try-it field the what-if changes, and the value typed into it.
WHATIF_FIELD = "tenure"
WHATIF_VALUE = "12"


class VisitError(RuntimeError):
    """A step did not show its page (a script error, an error box, a missing form...)."""


@dataclass
class Run:
    """What one script run sent: seconds until ``script_finished``, widgets and texts."""

    seconds: float
    text_inputs: dict[str, str] = field(default_factory=dict)  # widget id -> form
    submit: dict[str, str] = field(default_factory=dict)  # form id -> submit button id
    downloads: list[str] = field(default_factory=list)  # /media/... urls
    headings: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


@dataclass
class Visit:
    """One finished visit: seconds per step, the route cookie, and whether the download came."""

    seconds: dict[str, float]
    route: str
    download_ok: bool


def _collect(run: Run, msg: ForwardMsg) -> None:
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "text_input":
        run.text_inputs[element.text_input.id] = element.text_input.form_id
    elif kind == "button" and element.button.is_form_submitter:
        run.submit[element.button.form_id] = element.button.id
    elif kind == "download_button" and element.download_button.url.startswith("/media/"):
        run.downloads.append(element.download_button.url)
    elif kind == "heading":
        run.headings.add(element.heading.body)
    elif kind == "exception":
        run.errors.append(f"exception: {element.exception.message}")
    elif kind == "alert" and element.alert.format == element.alert.ERROR:
        run.errors.append(f"error box: {element.alert.body[:120]}")


async def _run(ws: Any, *, query: str, page: str, widgets: list[Any] | None = None) -> Run:
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = page
    for state in widgets or []:
        message.rerun_script.widget_states.widgets.append(state)
    start = time.perf_counter()
    await ws.send(message.SerializeToString())
    run = Run(seconds=0.0)
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await ws.recv())
        _collect(run, forward)
        if forward.WhichOneof("type") == "script_finished":
            run.seconds = time.perf_counter() - start
            if forward.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                run.errors.append(f"script finished with status {forward.script_finished}")
            if run.errors:
                raise VisitError("; ".join(run.errors))
            return run


def _whatif_widgets(run: Run) -> list[Any]:
    """The try-it form's changed field and its submit trigger, as the browser sends them."""
    fields = [w for w in run.text_inputs if w.endswith(f"_{WHATIF_FIELD}")]
    if not fields or run.text_inputs[fields[0]] not in run.submit:
        raise VisitError(f"no try-it field {WHATIF_FIELD!r} in a form with a submit button")
    state = BackMsg().rerun_script.widget_states.widgets.add()
    state.id, state.string_value = fields[0], WHATIF_VALUE
    trigger = BackMsg().rerun_script.widget_states.widgets.add()
    trigger.id, trigger.trigger_value = run.submit[run.text_inputs[fields[0]]], True
    return [state, trigger]


async def visit(base: str, slug: str, http: httpx.AsyncClient) -> Visit:
    """One citizen's visit through ``base`` (``http://host:port``); raises on any failure."""
    page = await http.get(f"{base}/", headers={"Accept": "text/html"})
    page.raise_for_status()
    jar = SimpleCookie(page.headers.get("set-cookie", ""))
    route = jar[ROUTE_COOKIE].value if ROUTE_COOKIE in jar else ""
    headers = {"Cookie": f"{ROUTE_COOKIE}={route}"} if route else {}
    seconds: dict[str, float] = {}
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with connect(
        ws_url,
        subprotocols=["streamlit"],  # type: ignore[list-item]
        origin=base,  # type: ignore[arg-type]
        additional_headers=headers,
        max_size=None,
        open_timeout=120,
    ) as ws:
        catalogue = await _run(ws, query="", page="")
        seconds["catalogue"] = catalogue.seconds
        query = f"slug={slug}"
        algorithm = await _run(ws, query=query, page="algorithm")
        seconds["algorithm"] = algorithm.seconds
        download_ok = False
        if algorithm.downloads:  # a citizen saves the record while the session is open
            got = await http.get(base + algorithm.downloads[0], headers=headers)
            download_ok = got.status_code == 200 and len(got.content) > 0
        whatif = await _run(ws, query=query, page="algorithm", widgets=_whatif_widgets(algorithm))
        seconds["what-if"] = whatif.seconds
        if not whatif.headings - algorithm.headings:
            raise VisitError("the what-if showed no estimate")
    return Visit(seconds=seconds, route=route, download_ok=download_ok)
