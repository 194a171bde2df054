"""`python -m jobs <command>`: see jobs.cli."""

import sys

from jobs.cli import main

sys.exit(main())
