"""Publish one version when told to (stdin), so a test can kill -9 it part-way.

Usage: python -m tests.register.publish_worker TRACKING_URI SLUG VERSION
Prints "ready" once the register is warm, publishes after a line on stdin, prints "done".
"""

from __future__ import annotations

import sys

from register import Register


def main() -> None:
    uri, slug, version = sys.argv[1], sys.argv[2], int(sys.argv[3])
    reg = Register(uri)
    reg.get(slug)  # warm: imports, database connection
    print("ready", flush=True)
    sys.stdin.readline()
    reg.publish(slug, version)
    print("done", flush=True)


if __name__ == "__main__":
    main()
