"""``insyn``: register, publish, retire, list and show algorithms; build the demo; serve.

One module per command group: ``_register`` (register, demo, publish, retire),
``_catalogue`` (list, show), ``_serve`` (serve), ``_audit`` (audit, review, verify, head),
``_export`` (export, import), ``_admin`` (admin ...); ``_console`` is where they print and
``_main`` builds the parser and turns errors into exit codes. The console script is
``register.cli:main``.
"""

from register.cli._console import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from register.cli._main import build_parser, main

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
