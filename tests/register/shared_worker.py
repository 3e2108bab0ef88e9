"""A registering process for the shared-deployment tests (run as a script, not collected).

``python shared_worker.py BUNDLE SLUG ORGANISATION COUNT [PAUSE_AFTER]``: registers
COUNT versions of SLUG for ORGANISATION in parallel threads with the model and
reference data pickled in BUNDLE (test data made by the test itself). With
PAUSE_AFTER (an MlflowClient method name, or ``HttpWriter.<method>`` for a request to
the writer service) it prints ``PAUSED <method>`` after
that call and waits (until $INSYN_TEST_RESUME_FILE exists, if set), so the test
can SIGKILL it exactly there or stop the server first.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    bundle, slug, organisation, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    pause_after = sys.argv[5] if len(sys.argv) > 5 else None
    from mlflow import MlflowClient

    from register import Register, parse_record

    with open(bundle, "rb") as handle:
        model, reference, record = pickle.load(handle)
    record = parse_record({**record, "slug": slug, "organisation": organisation})
    target: type = MlflowClient
    method = pause_after
    if pause_after and pause_after.startswith("HttpWriter."):
        from register.audit._writer_http import HttpWriter

        target, method = HttpWriter, pause_after.split(".", 1)[1]
    if pause_after and method:
        original = getattr(target, method)

        def paused(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = original(self, *args, **kwargs)
            print(f"PAUSED {pause_after}", flush=True)
            resume = os.environ.get("INSYN_TEST_RESUME_FILE")
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not (resume and os.path.exists(resume)):
                time.sleep(0.2)
            setattr(target, method, original)  # pause once
            return result

        setattr(target, method, paused)
    # Explanations one at a time in this process (CPU-bound; concurrent explains stalled under
    # load); the store writes, which this worker exists to race, still run concurrently.
    from register.lifecycle import _publish as _lifecycle

    explain, explain_lock = _lifecycle.explain, threading.Lock()

    def one_at_a_time(*args, **kwargs):  # type: ignore[no-untyped-def]
        with explain_lock:
            return explain(*args, **kwargs)

    _lifecycle.explain = one_at_a_time  # type: ignore[assignment]
    errors: list[BaseException] = []

    def one() -> None:
        try:
            Register().register_algorithm(model, record, reference_data=reference)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for exc in errors:
        print(f"ERROR {type(exc).__name__}: {exc}", flush=True)
    print("DONE", flush=True)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
