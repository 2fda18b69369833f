"""``python -m ldcat``: the same as the ``ldcat`` console script."""

import sys

from ldcat.cli import main

sys.exit(main())
