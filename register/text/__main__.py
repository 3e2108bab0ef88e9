"""``python -m register.text check|compile|template`` (see :func:`register.text.main`)."""

import sys

from register.text import main

sys.exit(main())
