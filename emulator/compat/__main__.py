"""`python emulator/compat ...` (the folder as a path, as emulator/run starts
it) or `python -m compat ...` (from emulator/)."""

import os
import sys

if not __package__:
    # Started as a path: Python put this folder first on sys.path, where
    # http.py would shadow the standard library's `http`.  Import the
    # package from the folder above instead.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or os.curdir) != here]
    sys.path.insert(0, os.path.dirname(here))
    from compat.cli import main
else:
    from .cli import main

main()
