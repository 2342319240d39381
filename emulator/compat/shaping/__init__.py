"""Response shape fixes: turn localstripe JSON into current Stripe shapes
(2025+, as async-stripe 1.0 reads them), in place.  A recursive walk over
every JSON body calls `fix_<object>` for each dict by its "object" field;
the fixes fill absent fields only, with what real Stripe would report for a
plain test-mode account.
"""

import os

from .catalog import CatalogShapes
from .fill import fill
from .invoices import InvoiceShapes
from .payments import PaymentShapes
from .subscriptions import SubscriptionShapes

# The API version async-stripe 1.0.0-rc.10 pins.  Events are rendered in the
# shapes of this version, so we label them with it (real Stripe labels events
# with the account's default API version).
API_VERSION = os.environ.get('PORTICO_STRIPE_API_VERSION', '2026-09-30.endive')


class Shaper(CatalogShapes, SubscriptionShapes, InvoiceShapes,
             PaymentShapes):
    """Turns localstripe JSON into current Stripe shapes, in place."""

    def __init__(self, layer):
        self.layer = layer
        self.state = layer.state

    def walk(self, node, parent=None):
        if isinstance(node, list):
            for x in node:
                self.walk(x, parent)
            return node
        if not isinstance(node, dict):
            return node
        kind = node.get('object')
        fixer = getattr(self, 'fix_' + kind, None) if isinstance(kind, str) \
            else None
        if fixer:
            fixer(node, parent)
        for k, v in list(node.items()):
            if isinstance(v, (dict, list)):
                self.walk(v, node)
        return node

    # ---- events (every other object's fix is in one of the mixins) -----
    def fix_event(self, ev, parent):
        # Real Stripe: every event has pending_webhooks and request.
        fill(ev, pending_webhooks=0,
             request={'id': None, 'idempotency_key': None})
        if ev.get('request') is None:
            ev['request'] = {'id': None, 'idempotency_key': None}
        ev['api_version'] = API_VERSION
