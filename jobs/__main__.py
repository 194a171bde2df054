"""`python -m jobs <command>`: see jobs.cli."""

import os
import sys

from jobs.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # Whoever read the output stopped early (`... | head`): no traceback, as Unix tools do.
    # Python's own flush at exit would fail again on the closed pipe, so stdout goes nowhere.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
