"""Portico's Stripe compatibility layer in front of the `localstripe` emulator.

localstripe (a separate GPL process, talked to over HTTP only) speaks a
2017-2019 dialect of the Stripe API.  async-stripe 1.0 expects the 2025+
shapes.  This reverse proxy closes that gap with small, explicit shims.  Every
shim says which real Stripe behaviour it stands for; anything not shimmed is
passed through unchanged.  The layer invents as little data as it can: where
it has to fill a field it uses the value real Stripe would report for a plain
test-mode account (no tax, no Connect, "classic" billing mode, ...).

State the layer adds (metadata updates, discounts, cancellation details,
invoice numbers, price lookup keys, ...) lives in a side table kept in memory
and mirrored to a small JSON file so a restart without --from-scratch keeps it.

Start with routes.py (which request goes to which module); README.md has the
module map.  Run:  python emulator/compat --port 12111 --upstream
http://127.0.0.1:12112  (or `python -m compat` from emulator/; normally
started by `emulator/run`).
"""

from .errors import StripeError, missing
from .http import Req, Resp, make_app
from .layer import Layer
from .cli import main
from .shaping import API_VERSION, Shaper
from .state import State

__all__ = ['API_VERSION', 'Layer', 'Req', 'Resp', 'Shaper', 'State',
           'StripeError', 'main', 'make_app', 'missing']
