"""``python -m register.cli``: the same as the ``insyn`` command."""

import sys

from register.cli import main

sys.exit(main())
