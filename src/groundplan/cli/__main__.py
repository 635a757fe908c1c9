"""`python -m groundplan.cli`: the same as the `groundplan` command."""

import sys

from groundplan.cli import main

sys.exit(main())
