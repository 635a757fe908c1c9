import sys

from groundplan.cli import main

sys.exit(main())
