"""``python -m terminal`` runs the command line."""

import sys

from terminal.cli import main

sys.exit(main())
