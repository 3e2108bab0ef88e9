"""``python -m register.cli``: the same as the ``insyn`` console script."""

import sys

from register.cli._main import main

sys.exit(main())
