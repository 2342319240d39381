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

Run:  python compat.py --port 12111 --upstream http://127.0.0.1:12112
(normally started by `emulator/run`).
"""

import argparse
import asyncio
import base64
import copy
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import string
import sys
import tempfile
import time
import urllib.parse

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from multidict import CIMultiDict

log = logging.getLogger('portico.compat')

# The API version async-stripe 1.0.0-rc.10 pins.  Events are rendered in the
# shapes of this version, so we label them with it (real Stripe labels events
# with the account's default API version).
API_VERSION = os.environ.get('PORTICO_STRIPE_API_VERSION', '2026-09-30.endive')
INTERNAL_KEY = 'sk_test_portico_compat_internal'
ZERO_DECIMAL = {'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg',
                'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'}
BIG_LIMIT = '1000000'


def now():
    return int(time.time())


def rand_id(prefix, n=24):
    alphabet = string.ascii_letters + string.digits
    return prefix + ''.join(secrets.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------
# Stripe form encoding (our own implementation of the documented format:
# `a[b][0][c]=v`, `a[]=v`).
# --------------------------------------------------------------------------

_SEG = re.compile(r'\[([^\[\]]*)\]')


def parse_pairs(pairs):
    """[(key, value)] in Stripe bracket notation -> nested dicts/lists."""
    root = {}
    auto = [0]
    for key, value in pairs:
        m = re.match(r'^([^\[]+)((?:\[[^\[\]]*\])*)$', key)
        if not m:
            root[key] = value
            continue
        segs = [m.group(1)] + _SEG.findall(m.group(2))
        node = root
        for i, seg in enumerate(segs):
            if seg == '':
                auto[0] += 1
                seg = '\x00%09d' % auto[0]  # `[]`: append, keep order
            last = i == len(segs) - 1
            if last:
                node[seg] = value
            else:
                nxt = node.get(seg)
                if not isinstance(nxt, dict):
                    nxt = {}
                    node[seg] = nxt
                node = nxt
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    for k in list(node):
        node[k] = _listify(node[k])
    if node and all(k.isdigit() or k.startswith('\x00') for k in node):
        def order(k):
            return (1, k) if k.startswith('\x00') else (0, '%012d' % int(k))
        return [node[k] for k in sorted(node, key=order)]
    return node


def encode_pairs(data, prefix=None):
    """nested dicts/lists -> [(key, value)] in Stripe bracket notation."""
    out = []
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = ((str(i), v) for i, v in enumerate(data))
    else:
        return [(prefix, _scalar(data))]
    for k, v in items:
        key = k if prefix is None else '%s[%s]' % (prefix, k)
        if isinstance(v, (dict, list)):
            if not v:
                out.append((key, ''))
            else:
                out.extend(encode_pairs(v, key))
        elif v is not None:
            out.append((key, _scalar(v)))
    return out


def _scalar(v):
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    return str(v)


def to_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ('true', 'false'):
        return v.lower() == 'true'
    return v


def to_int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


# --------------------------------------------------------------------------
# Errors in Stripe's shape
# --------------------------------------------------------------------------

class StripeError(Exception):
    def __init__(self, status, message, type='invalid_request_error',
                 code=None, param=None, extra=None):
        super().__init__(message)
        self.status = status
        self.body = {'error': {'type': type, 'message': message}}
        if code is not None:
            self.body['error']['code'] = code
        if param is not None:
            self.body['error']['param'] = param
        if extra:
            self.body['error'].update(extra)


def missing(kind, id, param='id'):
    # Real Stripe: resource_missing "No such <kind>: '<id>'" -- 404 for the
    # object named in the URL, 400 for an object named in a parameter.
    return StripeError(404 if param == 'id' else 400,
                       "No such %s: '%s'" % (kind, id),
                       code='resource_missing', param=param)


# --------------------------------------------------------------------------
# Requests and responses flowing through the layer
# --------------------------------------------------------------------------

class Req:
    def __init__(self, method, path, query_pairs, body=b'', headers=None,
                 internal=False):
        self.method = method
        self.path = path
        self.query_pairs = list(query_pairs)
        self.body = body or b''
        self.headers = CIMultiDict(headers or {})
        self.internal = internal
        ctype = self.headers.get('Content-Type', '')
        # Stripe.js (and localstripe's fake of it) posts JSON as text/plain
        self.body_is_json = 'json' in ctype or \
            self.body.lstrip()[:1] == b'{'
        self._form_pairs = None

    @property
    def form_pairs(self):
        if self._form_pairs is None:
            if self.body and not self.body_is_json:
                self._form_pairs = urllib.parse.parse_qsl(
                    self.body.decode('utf-8', 'replace'),
                    keep_blank_values=True)
            else:
                self._form_pairs = []
        return self._form_pairs

    @property
    def params(self):
        """Query (GET/DELETE) + body parameters, nested."""
        pairs = list(self.query_pairs) + list(self.form_pairs)
        data = parse_pairs(pairs)
        if self.body_is_json and self.body:
            try:
                extra = json.loads(self.body)
                if isinstance(extra, dict):
                    data.update(extra)
            except ValueError:
                pass
        return data

    @property
    def auth(self):
        return self.headers.get('Authorization')

    def expand_paths(self):
        exp = self.params.get('expand')
        if isinstance(exp, str):
            exp = [exp]
        return [e for e in (exp or []) if isinstance(e, str) and e]


class Resp:
    def __init__(self, status=200, data=None, raw=None, content_type=None,
                 headers=None):
        self.status = status
        self.data = data
        self.raw = raw
        self.content_type = content_type
        self.headers = CIMultiDict(headers or {})

    @classmethod
    def error(cls, err):
        return cls(err.status, copy.deepcopy(err.body))


# --------------------------------------------------------------------------
# Side table (our additions to localstripe's state)
# --------------------------------------------------------------------------

class State:
    def __init__(self, path, from_scratch=False):
        self.path = path
        self.data = self._empty()
        if not from_scratch and path and os.path.exists(path):
            try:
                with open(path) as f:
                    loaded = json.load(f)
                self.data.update(loaded)
            except (ValueError, OSError) as e:
                log.warning('ignoring unreadable state file %s: %s', path, e)
        self.save()

    @staticmethod
    def _empty():
        return {
            'extras': {},           # object id -> fields merged into it
            'discounts': {},        # di_ id -> Discount object
            'invoice_numbers': {},  # in_ id -> "PORT-000001"
            'invoice_counter': 0,
            'webhook_targets': {},  # id -> {url, secret, events}
            'promotion_codes': {},  # promo_ id -> PromotionCode
            'schedules': {},        # sub_sched_ id -> SubscriptionSchedule
        }

    def reset(self, keep_webhooks=True):
        targets = self.data['webhook_targets']
        self.data = self._empty()
        if keep_webhooks:
            self.data['webhook_targets'] = targets
        self.save()

    def save(self):
        if not self.path:
            return
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)

    def extras(self, id):
        return self.data['extras'].get(id, {})

    def set_extras(self, id, **fields):
        ex = self.data['extras'].setdefault(id, {})
        ex.update(fields)
        self.save()
        return ex

    def invoice_number(self, id):
        nums = self.data['invoice_numbers']
        if id not in nums:
            self.data['invoice_counter'] += 1
            nums[id] = 'PORT-%06d' % self.data['invoice_counter']
            self.save()
        return nums[id]


# --------------------------------------------------------------------------
# Response shape fixes: a recursive walk keyed on "object"
# --------------------------------------------------------------------------

def fill(obj, **defaults):
    """Set fields that are absent (never overwrite what is there)."""
    for k, v in defaults.items():
        if k not in obj:
            obj[k] = v


def fill_none(obj, **defaults):
    """Set fields that are absent or null."""
    for k, v in defaults.items():
        if obj.get(k) is None:
            obj[k] = v


class Shaper:
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

    # ---- prices (on top of legacy plans) ------------------------------
    def price_from_plan(self, plan):
        # Real Stripe: every Plan is also a Price with the same id
        # (Prices API, 2020); `recurring` carries the plan's interval.
        ex = self.state.extras(plan['id'])
        metadata = ex.get('metadata', plan.get('metadata') or {})
        tiered = plan.get('billing_scheme') == 'tiered'
        return {
            'id': plan['id'],
            'object': 'price',
            'active': bool(plan.get('active', True)),
            'billing_scheme': plan.get('billing_scheme') or 'per_unit',
            'created': plan.get('created') or now(),
            'currency': plan.get('currency'),
            'custom_unit_amount': None,
            'livemode': False,
            'lookup_key': ex.get('lookup_key'),
            'metadata': metadata,
            'nickname': plan.get('nickname'),
            'product': plan.get('product'),
            'recurring': {
                'interval': plan.get('interval'),
                'interval_count': plan.get('interval_count') or 1,
                'meter': None,
                'trial_period_days': plan.get('trial_period_days'),
                'usage_type': plan.get('usage_type') or 'licensed',
            },
            'tax_behavior': ex.get('tax_behavior', 'unspecified'),
            'tiers_mode': plan.get('tiers_mode') if tiered else None,
            'transform_quantity': None,
            'type': 'recurring',
            'unit_amount': None if tiered else plan.get('amount'),
            'unit_amount_decimal': None if tiered else (
                None if plan.get('amount') is None else str(plan['amount'])),
        }

    def fix_plan(self, plan, parent):
        ex = self.state.extras(plan.get('id'))
        if 'metadata' in ex:
            plan['metadata'] = dict(ex['metadata'])

    def fix_price(self, price, parent):
        ex = self.state.extras(price.get('id'))
        if 'metadata' in ex:
            price['metadata'] = dict(ex['metadata'])

    # ---- products ------------------------------------------------------
    def fix_product(self, p, parent):
        # Real Stripe 2023+: images/marketing_features are always present
        # (possibly empty) and `updated` is the last-modified time.
        ex = self.state.extras(p.get('id'))
        for k in ('unit_label', 'images', 'marketing_features',
                  'default_price', 'tax_code', 'metadata', 'updated',
                  'package_dimensions'):
            if k in ex:
                p[k] = copy.deepcopy(ex[k])
        fill(p, images=[], marketing_features=[], default_price=None,
             package_dimensions=None, tax_code=None, unit_label=None)
        fill_none(p, updated=p.get('created') or now())

    # ---- coupons -------------------------------------------------------
    def fix_coupon(self, c, parent):
        ex = self.state.extras(c.get('id'))
        for k in ('name', 'max_redemptions', 'redeem_by'):
            if k in ex:
                c[k] = ex[k]
        fill(c, name=None, applies_to=None)

    # ---- subscriptions -------------------------------------------------
    def fix_subscription(self, sub, parent):
        sid = sub.get('id')
        ex = self.state.extras(sid)
        items = (sub.get('items') or {}).get('data') or []
        first_plan = items[0].get('plan') if items else None
        t = now()

        # localstripe keeps a trialing subscription in `incomplete` (it only
        # moves to active when an invoice is paid).  Real Stripe: status is
        # `trialing` until trial_end, trial_start is the start date.
        trial_end = sub.get('trial_end')
        if (sub.get('status') == 'incomplete' and isinstance(trial_end, int)
                and trial_end > t and not sub.get('ended_at')
                and not sub.get('latest_invoice')):
            sub['status'] = 'trialing'
        if isinstance(trial_end, int) and sub.get('trial_start') is None:
            sub['trial_start'] = sub.get('start_date')

        # Real Stripe: metadata updates are stored (localstripe drops them).
        if 'metadata' in ex:
            sub['metadata'] = dict(ex['metadata'])
        for k in ('description', 'default_payment_method', 'pause_collection',
                  'cancel_at'):
            if k in ex:
                sub[k] = copy.deepcopy(ex[k])
        # Real Stripe: `schedule` names the schedule managing the subscription.
        sub['schedule'] = ex.get('schedule')

        # Real Stripe: canceled_at is set when a cancellation is requested
        # (immediately, or when cancel_at_period_end is set).
        if sub.get('status') == 'canceled' and sub.get('canceled_at') is None:
            sub['canceled_at'] = ex.get('canceled_at') or sub.get('ended_at')
        if sub.get('cancel_at_period_end') and sub.get('canceled_at') is None:
            sub['canceled_at'] = ex.get('canceled_at')
        # Real Stripe (2025+): cancel_at_period_end also reports cancel_at.
        if sub.get('cancel_at_period_end') and sub.get('cancel_at') is None:
            sub['cancel_at'] = self._period(sub)[1]

        # Real Stripe: cancellation_details{comment, feedback, reason}.
        cd = dict(ex.get('cancellation_details') or {})
        pending = sub.get('cancel_at_period_end') or sub.get('cancel_at')
        reason = None
        if sub.get('status') == 'canceled' or pending:
            reason = 'cancellation_requested'
        sub['cancellation_details'] = {
            'comment': cd.get('comment'),
            'feedback': cd.get('feedback'),
            'reason': reason,
        }

        # Real Stripe: subscription-level discounts are a list of Discount
        # ids (objects with expand[]=discounts); pre-2025 `discount` held
        # the single Discount with its coupon embedded.
        dids = [d for d in ex.get('discounts', [])
                if d in self.state.data['discounts']]
        sub['discounts'] = list(dids)
        if dids:
            legacy = copy.deepcopy(self.state.data['discounts'][dids[0]])
            legacy['coupon'] = legacy.pop('_coupon', None)
            sub['discount'] = legacy
        else:
            sub['discount'] = None

        # Number a subscription's invoice as soon as it is referenced, so
        # numbers follow creation order (real Stripe numbers at finalization).
        li = sub.get('latest_invoice')
        if isinstance(li, str) and li.startswith('in_'):
            self.state.invoice_number(li)

        start, end = self._period(sub)
        fill_none(sub,
                  billing_cycle_anchor=(trial_end if sub.get('status')
                                        == 'trialing' else None)
                  or sub.get('start_date') or sub.get('created'))
        fill(sub,
             automatic_tax={'disabled_reason': None, 'enabled': False,
                            'liability': None},
             billing_cycle_anchor_config=None,
             billing_mode={'flexible': None, 'type': 'classic',
                           'updated_at': None},
             billing_schedules=[],
             billing_thresholds=None,
             collection_method='charge_automatically',
             currency=(first_plan or {}).get('currency') or 'usd',
             customer_account=None,
             days_until_due=None,
             default_payment_method=None,
             default_source=None,
             description=None,
             invoice_settings={'account_tax_ids': None,
                               'issuer': {'type': 'self'}},
             next_pending_invoice_item_invoice=None,
             on_behalf_of=None,
             pause_collection=None,
             payment_settings={'payment_method_options': None,
                               'payment_method_types': None,
                               'save_default_payment_method': 'off'},
             pending_invoice_item_interval=None,
             pending_setup_intent=None,
             pending_update=None,
             schedule=None,
             test_clock=None,
             transfer_data=None,
             trial_settings={'end_behavior': {
                 'missing_payment_method': 'create_invoice'}})
        if sub.get('default_tax_rates') is None:
            sub['default_tax_rates'] = []
        for item in items:
            if isinstance(item, dict):
                self._fix_item(item, sub, start, end)

    def _period(self, sub):
        start = sub.get('current_period_start') or sub.get('start_date')
        end = sub.get('current_period_end') or start
        if sub.get('status') == 'trialing' and sub.get('trial_end'):
            # Real Stripe: during a trial the period is the trial.
            start, end = sub.get('trial_start') or start, sub['trial_end']
        return start, end

    def _fix_item(self, item, sub, start, end):
        # Real Stripe (2025+): the billing period lives on each item, and
        # each item carries a full Price.
        fill(item, subscription=sub.get('id'), current_period_start=start,
             current_period_end=end, discounts=[], billing_thresholds=None)
        if isinstance(item.get('plan'), dict):
            item.setdefault('price', self.price_from_plan(item['plan']))

    def fix_subscription_item(self, item, parent):
        fill(item, discounts=[], billing_thresholds=None)
        if isinstance(item.get('plan'), dict):
            item.setdefault('price', self.price_from_plan(item['plan']))

    # ---- invoices ------------------------------------------------------
    def fix_invoice(self, inv, parent):
        iid = inv.get('id')
        status = inv.get('status')
        real = (isinstance(iid, str) and iid.startswith('in_')
                and status not in (None, 'draft'))
        amount_due = inv.get('amount_due') or 0
        amount_paid = inv.get('amount_paid') or 0
        ex = self.state.extras(iid) if iid else {}
        if 'metadata' in ex:
            inv['metadata'] = dict(ex['metadata'])
        if real:
            # Real Stripe: finalized invoices get a sequential number, a
            # PDF and a hosted invoice page.
            inv['number'] = inv.get('number') or self.state.invoice_number(iid)
            base = self.layer.public_url
            page = '%s/_compat/invoices/%s' % (base, iid)
            fill_none(inv, hosted_invoice_url=page,
                      invoice_pdf=page + '/pdf')
        fill(inv, number=None, hosted_invoice_url=None, invoice_pdf=None)
        fill(inv,
             account_country='US',
             account_name='Portico Emulator',
             account_tax_ids=None,
             amount_overpaid=0,
             amount_remaining=(0 if status in ('paid', 'void')
                               else max(0, amount_due - amount_paid)),
             amount_shipping=0,
             application=None,
             auto_advance=status == 'draft',
             automatic_tax={'disabled_reason': None, 'enabled': False,
                            'liability': None, 'provider': None,
                            'status': None},
             automatically_finalizes_at=None,
             custom_fields=None,
             customer_address=None,
             customer_name=None,
             customer_phone=None,
             customer_shipping=None,
             customer_tax_exempt='none',
             customer_tax_ids=[],
             default_payment_method=None,
             default_source=None,
             discounts=[],
             due_date=None,
             effective_at=(inv.get('status_transitions') or {})
             .get('finalized_at'),
             footer=None,
             from_invoice=None,
             issuer={'type': 'self'},
             last_finalization_error=None,
             latest_revision=None,
             on_behalf_of=None,
             payment_settings={'default_mandate': None,
                               'payment_method_options': None,
                               'payment_method_types': None},
             post_payment_credit_notes_amount=0,
             pre_payment_credit_notes_amount=0,
             rendering=None,
             shipping_cost=None,
             shipping_details=None,
             status_details=None,
             subtotal_excluding_tax=inv.get('subtotal'),
             test_clock=None,
             threshold_reason=None,
             total_discount_amounts=[],
             total_excluding_tax=((inv.get('total') or 0)
                                  - (inv.get('tax') or 0)),
             total_pretax_credit_amounts=[],
             total_taxes=[])
        if inv.get('default_tax_rates') is None:
            inv['default_tax_rates'] = []
        fill_none(inv, period_start=inv.get('created') or now(),
                  period_end=inv.get('created') or now(),
                  starting_balance=0)
        if (not inv.get('billing_reason') and inv.get('subscription')
                and isinstance(iid, str) and iid.startswith('in_')):
            inv['billing_reason'] = 'subscription'
        for line in ((inv.get('lines') or {}).get('data') or []):
            if isinstance(line, dict):
                self.fix_line_item(line, inv)

    def fix_line_item(self, line, parent):
        plan = line.get('plan') if isinstance(line.get('plan'), dict) \
            else None
        amount = line.get('amount') or 0
        proration = bool(line.get('proration'))
        fill(line,
             discount_amounts=[],
             discountable=not proration,
             discounts=[],
             pretax_credit_amounts=[],
             subtotal=amount,
             taxes=[])
        sub = line.get('subscription')
        if 'parent' not in line:
            # Real Stripe (2025+): a line says what produced it.
            if line.get('type') == 'subscription':
                line['parent'] = {
                    'type': 'subscription_item_details',
                    'invoice_item_details': None,
                    'subscription_item_details': {
                        'invoice_item': None,
                        'proration': proration,
                        'proration_details': {'credited_items': None},
                        'subscription': sub,
                        'subscription_item': line.get('subscription_item')
                        or '',
                    }}
            elif line.get('type') == 'invoiceitem':
                line['parent'] = {
                    'type': 'invoice_item_details',
                    'invoice_item_details': {
                        'invoice_item': line.get('invoice_item') or '',
                        'proration': proration,
                        'proration_details': {'credited_items': None},
                        'subscription': sub,
                    },
                    'subscription_item_details': None}
            else:
                line['parent'] = None
        if 'pricing' not in line:
            # Real Stripe (2025+): the price lives under pricing.price_details
            line['pricing'] = None if plan is None else {
                'type': 'price_details',
                'price_details': {'price': plan.get('id'),
                                  'product': plan.get('product')},
                'unit_amount_decimal': None if plan.get('amount') is None
                else str(plan['amount'])}

    # ---- payments ------------------------------------------------------
    def fix_payment_intent(self, pi, parent):
        succeeded = pi.get('status') == 'succeeded'
        fill(pi,
             amount_capturable=0,
             amount_received=pi.get('amount', 0) if succeeded else 0,
             automatic_payment_methods=None,
             confirmation_method='automatic',
             payment_method_types=['card'])

    def fix_charge(self, ch, parent):
        fill(ch,
             amount_captured=(ch.get('amount', 0) if ch.get('captured')
                              else 0),
             billing_details={'address': None, 'email': None, 'name': None,
                              'phone': None, 'tax_id': None},
             disputed=False)

    # ---- events --------------------------------------------------------
    def fix_event(self, ev, parent):
        # Real Stripe: every event has pending_webhooks and request.
        fill(ev, pending_webhooks=0,
             request={'id': None, 'idempotency_key': None})
        if ev.get('request') is None:
            ev['request'] = {'id': None, 'idempotency_key': None}
        ev['api_version'] = API_VERSION


# --------------------------------------------------------------------------
# The layer
# --------------------------------------------------------------------------

HOP_HEADERS = {'host', 'content-length', 'transfer-encoding', 'connection',
               'keep-alive', 'accept-encoding', 'content-encoding', 'server',
               'date'}

# Where to fetch an id for `expand[]`, by field name, then by id prefix.
EXPAND_BY_FIELD = {
    'customer': 'customers', 'latest_invoice': 'invoices',
    'invoice': 'invoices', 'subscription': 'subscriptions',
    'payment_intent': 'payment_intents', 'default_payment_method':
    'payment_methods', 'payment_method': 'payment_methods',
    'latest_charge': 'charges', 'charge': 'charges', 'product': 'products',
    'price': 'prices', 'default_price': 'prices', 'plan': 'plans',
    'coupon': 'coupons', 'setup_intent': 'setup_intents',
    'pending_setup_intent': 'setup_intents', 'discounts': 'discounts',
    'schedule': 'subscription_schedules',
    'promotion_code': 'promotion_codes',
}
# A phase's or schedule's length per price interval (the emulator's clock
# never advances, so these only date future phases).
INTERVAL_SECONDS = {'day': 86400, 'week': 7 * 86400, 'month': 30 * 86400,
                    'year': 365 * 86400}
EXPAND_BY_PREFIX = {
    'cus_': 'customers', 'in_': 'invoices', 'sub_': 'subscriptions',
    'pi_': 'payment_intents', 'pm_': 'payment_methods', 'ch_': 'charges',
    'prod_': 'products', 'price_': 'prices', 'plan_': 'plans',
    'seti_': 'setup_intents', 'txr_': 'tax_rates', 'di_': 'discounts',
}


class Layer:
    def __init__(self, upstream, port, public_url=None, state_file=None,
                 from_scratch=False):
        self.upstream = upstream.rstrip('/')
        self.port = port
        self.public_url = (public_url or 'http://127.0.0.1:%d' % port) \
            .rstrip('/')
        self.state = State(state_file, from_scratch)
        self.shaper = Shaper(self)
        self.session = None
        self.idem = {}          # (key, method, path) -> stored response
        self.idem_inflight = set()
        self.inner_hook_secret = 'whsec_' + secrets.token_hex(16)
        self.deliveries = []    # recent webhook delivery attempts
        self.events = []        # events synthesized by the layer (memory)
        self.routes = []
        self._route_table()

    # ---- plumbing ------------------------------------------------------
    async def start(self, app):
        self.session = ClientSession(
            timeout=ClientTimeout(total=60), connector=TCPConnector(limit=64),
            auto_decompress=True)
        await self.register_with_inner(quiet=True)

    async def stop(self, app):
        if self.session:
            await self.session.close()

    async def inner(self, method, path, query=None, data=None, json_body=None,
                    raw=None, headers=None, auth=None):
        """Call localstripe.  Returns (status, parsed JSON or None, raw
        bytes, response headers)."""
        hdrs = CIMultiDict(headers or {})
        if 'Authorization' not in hdrs:
            hdrs['Authorization'] = auth or 'Bearer ' + INTERNAL_KEY
        body = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs['Content-Type'] = 'application/json'
        elif data is not None:
            body = urllib.parse.urlencode(encode_pairs(data)).encode()
            hdrs['Content-Type'] = 'application/x-www-form-urlencoded'
        url = self.upstream + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        async with self.session.request(method, url, data=body, headers=hdrs,
                                        allow_redirects=False) as r:
            content = await r.read()
            parsed = None
            if 'json' in r.headers.get('Content-Type', ''):
                try:
                    parsed = json.loads(content)
                except ValueError:
                    parsed = None
            return r.status, parsed, content, r.headers

    async def inner_obj(self, method, path, auth=None, **kw):
        """Call localstripe; raise StripeError unless 2xx JSON."""
        status, parsed, content, _ = await self.inner(method, path, auth=auth,
                                                      **kw)
        if status >= 400 or parsed is None:
            raise self.inner_error(status, parsed, content, method, path)
        return parsed

    def inner_error(self, status, parsed, content, method, path):
        body = parsed if isinstance(parsed, dict) and 'error' in parsed \
            else None
        if body is None:
            text = content.decode('utf-8', 'replace').strip()
            if status == 404 and not isinstance(parsed, dict):
                msg = 'Unrecognized request URL (%s: %s).' % (method, path)
                return StripeError(404, msg)
            if status >= 500:
                return StripeError(status, 'localstripe failed on this '
                                   'request (%s); the emulator does not '
                                   'support it.' % (text or status),
                                   type='api_error')
            return StripeError(status, text or 'Bad request')
        err = StripeError(status, '')
        err.body = copy.deepcopy(body)
        return err

    # ---- routing -------------------------------------------------------
    def _route_table(self):
        R = self.routes.append
        ID = r'(?P<id>[^/]+)'
        R(('GET', r'/_compat/health', self.h_health))
        R(('POST', r'/_compat/webhooks', self.h_webhook_register))
        R(('GET', r'/_compat/webhooks', self.h_webhook_list))
        R(('GET', r'/_compat/webhooks/deliveries', self.h_webhook_deliveries))
        R(('DELETE', r'/_compat/webhooks/' + ID, self.h_webhook_delete))
        R(('POST', r'/_compat/inner-webhook', self.h_inner_webhook))
        R(('GET', r'/_compat/invoices/' + ID + '/pdf', self.h_invoice_pdf))
        R(('GET', r'/_compat/invoices/' + ID, self.h_invoice_page))
        R(('POST', r'/_compat/invoices/' + ID + '/pay',
           self.h_invoice_page_pay))
        R(('DELETE', r'/_config/data', self.h_reset))
        R(('POST', r'/v1/prices', self.h_price_create))
        R(('GET', r'/v1/prices', self.h_price_list))
        R(('GET', r'/v1/prices/search', self.h_unsupported))
        R(('GET', r'/v1/prices/' + ID, self.h_price_get))
        R(('POST', r'/v1/prices/' + ID, self.h_price_update))
        R(('POST', r'/v1/products', self.h_product_create))
        R(('GET', r'/v1/products', self.h_product_list))
        R(('POST', r'/v1/products/' + ID, self.h_product_update))
        R(('POST', r'/v1/coupons', self.h_coupon_create))
        R(('POST', r'/v1/coupons/' + ID, self.h_coupon_update))
        R(('POST', r'/v1/subscriptions', self.h_sub_create))
        R(('GET', r'/v1/subscriptions', self.h_sub_list))
        R(('GET', r'/v1/subscriptions/search', self.h_unsupported))
        R(('GET', r'/v1/subscriptions/' + ID, self.h_sub_get))
        R(('POST', r'/v1/subscriptions/' + ID, self.h_sub_update))
        R(('DELETE', r'/v1/subscriptions/' + ID, self.h_sub_cancel))
        R(('GET', r'/v1/subscription_items', self.h_sub_items_list))
        R(('GET', r'/v1/subscription_items/' + ID, self.h_sub_item_get))
        R(('POST', r'/v1/subscription_items/' + ID, self.h_sub_item_update))
        R(('GET', r'/v1/invoices', self.h_invoice_list))
        R(('GET', r'/v1/invoices/upcoming', self.h_invoice_upcoming))
        R(('POST', r'/v1/invoices/create_preview', self.h_invoice_preview))
        R(('POST', r'/v1/invoices/' + ID + '/pay', self.h_invoice_pay))
        R(('GET', r'/v1/customers', self.h_customer_list))
        R(('GET', r'/v1/customers/search', self.h_customer_search))
        R(('GET', r'/v1/customers/' + ID + '/payment_methods',
           self.h_customer_pms))
        R(('GET', r'/v1/payment_methods', self.h_pm_list))
        R(('POST', r'/v1/setup_intents', self.h_si_create))
        R(('POST', r'/v1/setup_intents/' + ID + '/confirm', self.h_si_confirm))
        R(('GET', r'/js\.stripe\.com/v3/', self.h_stripe_js))
        R(('GET', r'/v1/events', self.h_event_list))
        R(('GET', r'/v1/events/' + ID, self.h_event_get))
        R(('GET', r'/v1/discounts/' + ID, self.h_discount_get))
        R(('POST', r'/v1/promotion_codes', self.h_promo_create))
        R(('GET', r'/v1/promotion_codes', self.h_promo_list))
        R(('GET', r'/v1/promotion_codes/' + ID, self.h_promo_get))
        R(('POST', r'/v1/promotion_codes/' + ID, self.h_promo_update))
        R(('POST', r'/v1/subscription_schedules', self.h_schedule_create))
        R(('GET', r'/v1/subscription_schedules/' + ID, self.h_schedule_get))
        R(('POST', r'/v1/subscription_schedules/' + ID,
           self.h_schedule_update))
        R(('POST', r'/v1/subscription_schedules/' + ID + '/release',
           self.h_schedule_release))
        self.routes = [(m, re.compile('^' + p + '$'), h)
                       for m, p, h in self.routes]

    async def dispatch(self, req):
        for method, rx, handler in self.routes:
            if method == req.method:
                m = rx.match(req.path)
                if m:
                    return await handler(req, **m.groupdict())
        return await self.passthrough(req)

    async def run(self, req):
        """Dispatch, then fix shapes / expand / normalize errors."""
        try:
            if req.path.startswith('/v1/') and not req.internal:
                self.require_auth(req)
            resp = await self.dispatch(req)
        except StripeError as e:
            resp = Resp.error(e)
        if not req.path.startswith('/v1/'):
            return resp
        if resp.status >= 400:
            return self.normalize_error(req, resp)
        if isinstance(resp.data, (dict, list)):
            self.shaper.walk(resp.data)
            paths = req.expand_paths()
            if paths:
                try:
                    await self.expand(resp.data, paths, req.auth)
                except StripeError as e:
                    return Resp.error(e)
        return resp

    def require_auth(self, req):
        # Real Stripe: secret key via Bearer or Basic auth; localstripe also
        # accepts publishable keys for a few browser-side calls.
        h = req.auth or ''
        key = None
        if h.startswith('Bearer '):
            key = h[7:].strip()
        elif h.startswith('Basic '):
            try:
                key = base64.b64decode(h[6:]).decode().split(':')[0]
            except ValueError:
                key = None
        if key and key.startswith(('sk_', 'rk_')):
            return
        if req.method == 'POST' and (
                re.match(r'^/v1/(tokens|sources|payment_methods)$', req.path)
                or re.match(r'^/v1/(setup|payment)_intents/[^/]+/'
                            r'(confirm|cancel|_authenticate)', req.path)):
            return  # publishable-key calls made by Stripe.js; inner checks
        if req.method == 'GET' and re.match(
                r'^/v1/(setup|payment)_intents/[^/]+$', req.path):
            return
        raise StripeError(401, 'Invalid API Key provided: %s' % (
            (key or '')[:12] + '***' if key else 'none'),
            code='api_key_invalid' if key else None)

    def normalize_error(self, req, resp):
        # Real Stripe: errors are always JSON {"error": {type, message,
        # code?, param?}}; missing objects are 404 resource_missing; card
        # declines are type card_error.
        if not (isinstance(resp.data, dict) and 'error' in resp.data):
            text = (resp.raw or b'').decode('utf-8', 'replace').strip()
            if resp.status == 404:
                err = StripeError(404, 'Unrecognized request URL (%s: %s).'
                                  % (req.method, req.path))
            elif resp.status >= 500:
                err = StripeError(resp.status, 'localstripe failed on this '
                                  'request (%s); the emulator does not '
                                  'support it.' % (text or resp.status),
                                  type='api_error')
            else:
                err = StripeError(resp.status, text or 'Bad request')
            resp = Resp.error(err)
        e = resp.data['error']
        e.setdefault('type', 'invalid_request_error' if resp.status < 500
                     else 'api_error')
        if resp.status == 404 and 'code' not in e and \
                e.get('message') in (None, 'Not Found'):
            # Only a GET/DELETE of /v1/<things>/<id> certainly means that
            # <id> is missing; other 404s may name an id from the params.
            m = re.match(r'^/v1/([a-z_]+)/([^/]+)$', req.path)
            if m and req.method in ('GET', 'DELETE'):
                kind = m.group(1)[:-1] if m.group(1).endswith('s') \
                    else m.group(1)
                e['message'] = "No such %s: '%s'" % (kind, m.group(2))
                e['param'] = 'id'
            e['code'] = 'resource_missing'
        if e.get('message') == 'This customer has no payment method':
            # Real Stripe: 400 when charge_automatically has nothing to
            # charge.
            resp.status = 400
            e['code'] = 'resource_missing'
            e['message'] = ('This customer has no attached payment source '
                            'or default payment method.')
        if e.get('code') in ('card_declined', 'expired_card',
                             'incorrect_cvc', 'processing_error',
                             'incorrect_number', 'insufficient_funds',
                             'authentication_required'):
            e['type'] = 'card_error'
            if e.get('code') == 'card_declined':
                e.setdefault('decline_code', 'generic_decline')
        return resp

    # ---- expansion -----------------------------------------------------
    async def expand(self, data, paths, auth):
        # Real Stripe `expand[]`: replace ids along a dotted path by the
        # objects they name (lists are walked element by element).
        cache = {}
        for path in paths:
            segs = path.split('.')
            if len(segs) > 4 and not (segs[0] == 'data' and len(segs) <= 5):
                raise StripeError(400, 'You cannot expand more than 4 levels '
                                  'of a property. Property: %s' % path,
                                  param='expand')
            await self._expand(data, segs, auth, cache)

    async def _expand(self, node, segs, auth, cache):
        if isinstance(node, list):
            for x in node:
                await self._expand(x, segs, auth, cache)
            return
        if not isinstance(node, dict) or not segs:
            return
        key, rest = segs[0], segs[1:]
        if key not in node:
            if node.get('object') == 'invoice' and \
                    key in ('confirmation_secret', 'payments'):
                node[key] = await self.invoice_includable(node, key, cache)
            else:
                return
        val = node[key]
        if isinstance(val, str):
            val = await self._fetch(key, val, auth, cache)
            node[key] = val
        elif isinstance(val, list) and any(isinstance(v, str) for v in val):
            out = []
            for v in val:
                out.append(await self._fetch(key, v, auth, cache)
                           if isinstance(v, str) else v)
            node[key] = val = out
        if rest and val is not None:
            await self._expand(val, rest, auth, cache)

    async def invoice_includable(self, inv, key, cache):
        # Real Stripe (2025+): `confirmation_secret` and `payments` are
        # includable fields of an invoice (expand[]=...), derived here from
        # localstripe's invoice.payment_intent.
        pi_id = inv.get('payment_intent')
        if isinstance(pi_id, dict):
            pi_id = pi_id.get('id')
        if key == 'confirmation_secret':
            if not pi_id or inv.get('status') != 'open':
                return None
            ck = ('pi', pi_id)
            if ck not in cache:
                st, pi, _, _ = await self.inner(
                    'GET', '/v1/payment_intents/' + pi_id)
                cache[ck] = pi if st == 200 else None
            pi = cache[ck]
            return {'client_secret': pi['client_secret'],
                    'type': 'payment_intent'} if pi else None
        data = []
        if pi_id:
            st = inv.get('status')
            tr = inv.get('status_transitions') or {}
            data.append({
                'id': 'inpay_' + pi_id[3:], 'object': 'invoice_payment',
                'amount_paid': inv.get('amount_paid') if st == 'paid'
                else None,
                'amount_requested': inv.get('amount_due') or 0,
                'created': inv.get('created'),
                'currency': inv.get('currency'), 'invoice': inv.get('id'),
                'is_default': True, 'livemode': False,
                'payment': {'type': 'payment_intent',
                            'payment_intent': pi_id},
                'status': {'paid': 'paid', 'void': 'canceled'}.get(st, 'open'),
                'status_transitions': {'canceled_at': tr.get('voided_at'),
                                       'paid_at': tr.get('paid_at')}})
        return {'object': 'list', 'data': data, 'has_more': False,
                'url': '/v1/invoice_payments?invoice=%s' % inv.get('id')}

    async def _fetch(self, field, id, auth, cache):
        coll = EXPAND_BY_FIELD.get(field)
        if coll is None:
            for prefix, c in EXPAND_BY_PREFIX.items():
                if id.startswith(prefix):
                    coll = c
                    break
        if coll is None:
            return id
        ck = (coll, id)
        if ck not in cache:
            resp = await self.run(Req('GET', '/v1/%s/%s' % (coll, id), [],
                                      headers={'Authorization': auth or
                                               'Bearer ' + INTERNAL_KEY},
                                      internal=True))
            cache[ck] = resp.data if resp.status == 200 else id
        return copy.deepcopy(cache[ck])

    # ---- pass-through --------------------------------------------------
    async def passthrough(self, req, query_pairs=None, body=None,
                          strip_expand=True):
        query = req.query_pairs if query_pairs is None else query_pairs
        raw = req.body if body is None else body
        hdrs = CIMultiDict((k, v) for k, v in req.headers.items()
                           if k.lower() not in HOP_HEADERS)
        if strip_expand and req.path.startswith('/v1/'):
            # expansion is done by the layer (it also knows prices and
            # discounts, which localstripe does not)
            query = [(k, v) for k, v in query if not k.startswith('expand')]
            if raw and not req.body_is_json and body is None:
                pairs = [(k, v) for k, v in req.form_pairs
                         if not k.startswith('expand')]
                if len(pairs) != len(req.form_pairs):
                    raw = urllib.parse.urlencode(pairs).encode()
        status, parsed, content, rh = await self.inner(
            req.method, req.path, query=query, raw=raw or None, headers=hdrs)
        keep = CIMultiDict((k, v) for k, v in rh.items()
                           if k.lower() not in HOP_HEADERS
                           and k.lower() != 'content-type')
        return Resp(status, data=parsed, raw=None if parsed is not None
                    else content, content_type=rh.get('Content-Type'),
                    headers=keep)

    async def h_unsupported(self, req, **kw):
        raise StripeError(404, 'Unrecognized request URL (%s: %s). The '
                          'Stripe emulator does not implement this endpoint.'
                          % (req.method, req.path))

    # ---- lists ---------------------------------------------------------
    def paginate(self, req, items, url):
        # Real Stripe lists: newest first, limit 1..100 (default 10),
        # starting_after / ending_before cursors, has_more.
        p = req.params
        limit = to_int(p.get('limit', 10))
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise StripeError(400, 'Invalid integer: %s; limit must be '
                              'between 1 and 100' % p.get('limit'),
                              param='limit')
        ids = [x.get('id') for x in items]
        after, before = p.get('starting_after'), p.get('ending_before')
        if after:
            if after not in ids:
                raise missing('object', after, 'starting_after')
            rest = items[ids.index(after) + 1:]
            page, more = rest[:limit], len(rest) > limit
        elif before:
            if before not in ids:
                raise missing('object', before, 'ending_before')
            rest = items[:ids.index(before)]
            page, more = rest[-limit:], len(rest) > limit
        else:
            page, more = items[:limit], len(items) > limit
        return Resp(200, {'object': 'list', 'data': page, 'has_more': more,
                          'url': url})

    def newest_first(self, items):
        nums = self.state.data['invoice_numbers']

        def seq(x):  # invoices: creation order as far as the layer saw it
            n = nums.get(x.get('id') or '')
            return int(n.rsplit('-', 1)[1]) if n else 0
        indexed = list(enumerate(items))
        indexed.sort(key=lambda t: (t[1].get('created') or 0, seq(t[1]),
                                    t[0]), reverse=True)
        return [x for _, x in indexed]

    @staticmethod
    def created_filter(p, items):
        c = p.get('created')
        if isinstance(c, dict):
            ops = {'gt': lambda a, b: a > b, 'gte': lambda a, b: a >= b,
                   'lt': lambda a, b: a < b, 'lte': lambda a, b: a <= b}
            for op, fn in ops.items():
                if op in c:
                    v = to_int(c[op])
                    items = [x for x in items if fn(x.get('created', 0), v)]
        elif c not in (None, ''):
            items = [x for x in items if x.get('created') == to_int(c)]
        return items

    async def inner_list(self, path, auth, query=None):
        """Everything localstripe has, oldest first, shaped."""
        q = [('limit', BIG_LIMIT)] + list(query or [])
        body = await self.inner_obj('GET', path, query=q, auth=auth)
        return self.shaper.walk(body.get('data') or [])

    # ---- prices --------------------------------------------------------
    async def get_plan(self, id, auth=None):
        status, parsed, content, _ = await self.inner(
            'GET', '/v1/plans/' + urllib.parse.quote(id, safe=''), auth=auth)
        if status == 404:
            raise missing('price', id)
        if status >= 400 or parsed is None:
            raise self.inner_error(status, parsed, content, 'GET',
                                   '/v1/plans/' + id)
        return parsed

    async def h_price_create(self, req):
        # Real Stripe: POST /v1/prices.  Recurring prices are stored as
        # legacy plans (which real Stripe also exposes as prices).
        p = req.params
        rec = p.get('recurring')
        if not isinstance(rec, dict) or not rec.get('interval'):
            raise StripeError(400, 'The Stripe emulator only supports '
                              'recurring prices (recurring[interval] is '
                              'required).', param='recurring')
        product = p.get('product')
        if not product and isinstance(p.get('product_data'), dict):
            pd = p['product_data']
            prod = await self.run(Req(
                'POST', '/v1/products', [], urllib.parse.urlencode(
                    encode_pairs(pd)).encode(),
                {'Authorization': req.auth or 'Bearer ' + INTERNAL_KEY,
                 'Content-Type': 'application/x-www-form-urlencoded'},
                internal=True))
            if prod.status >= 400:
                return prod
            product = prod.data['id']
        if not product:
            raise StripeError(400, 'Missing required param: product.',
                              code='parameter_missing', param='product')
        currency = (p.get('currency') or '').lower()
        if not currency:
            raise StripeError(400, 'Missing required param: currency.',
                              code='parameter_missing', param='currency')
        amount = p.get('unit_amount')
        if amount is None and p.get('unit_amount_decimal') is not None:
            try:
                amount = int(float(p['unit_amount_decimal']))
            except ValueError:
                amount = p['unit_amount_decimal']
        amount = to_int(amount)
        if not isinstance(amount, int) or amount < 0:
            raise StripeError(400, 'Invalid integer: %s' % amount,
                              param='unit_amount')
        lookup_key = p.get('lookup_key') or None
        if lookup_key:
            await self.claim_lookup_key(lookup_key, None,
                                        to_bool(p.get('transfer_lookup_key')),
                                        req.auth)
        pid = rand_id('price_')
        body = {'id': pid, 'amount': amount, 'currency': currency,
                'interval': rec['interval'],
                'interval_count': to_int(rec.get('interval_count') or 1),
                'product': product,
                'usage_type': rec.get('usage_type') or 'licensed',
                'active': to_bool(p.get('active', True))}
        if p.get('nickname'):
            body['nickname'] = p['nickname']
        if isinstance(p.get('metadata'), dict):
            body['metadata'] = {k: v for k, v in p['metadata'].items()
                                if v != ''}
        if rec.get('trial_period_days'):
            body['trial_period_days'] = to_int(rec['trial_period_days'])
        status, parsed, content, _ = await self.inner(
            'POST', '/v1/plans', json_body=body, auth=req.auth)
        if status == 404:
            raise missing('product', product, 'product')
        if status >= 400 or parsed is None:
            raise self.inner_error(status, parsed, content, 'POST',
                                   '/v1/prices')
        extras = {}
        if lookup_key:
            extras['lookup_key'] = lookup_key
        if p.get('tax_behavior'):
            extras['tax_behavior'] = p['tax_behavior']
        if extras:
            self.state.set_extras(pid, **extras)
        return Resp(200, self.shaper.price_from_plan(parsed))

    async def claim_lookup_key(self, key, price_id, transfer, auth):
        # Real Stripe: lookup keys are unique; transfer_lookup_key moves one.
        for oid, ex in list(self.state.data['extras'].items()):
            if ex.get('lookup_key') == key and oid != price_id:
                if not transfer:
                    raise StripeError(
                        400, 'A price (`%s`) already uses that lookup key.'
                        % oid, param='lookup_key')
                ex.pop('lookup_key')
        self.state.save()

    async def h_price_get(self, req, id):
        plan = await self.get_plan(id, req.auth)
        return Resp(200, self.shaper.price_from_plan(plan))

    async def h_price_list(self, req):
        p = req.params
        plans = await self.inner_list('/v1/plans', req.auth)
        prices = [self.shaper.price_from_plan(x) for x in plans]
        if p.get('product'):
            prices = [x for x in prices if x['product'] == p['product']]
        if p.get('active') not in (None, ''):
            want = to_bool(p['active'])
            prices = [x for x in prices if x['active'] == want]
        if p.get('currency'):
            prices = [x for x in prices
                      if x['currency'] == p['currency'].lower()]
        if p.get('type') == 'one_time':
            prices = []
        keys = p.get('lookup_keys')
        if keys:
            keys = keys if isinstance(keys, list) else [keys]
            prices = [x for x in prices if x['lookup_key'] in keys]
        rec = p.get('recurring')
        if isinstance(rec, dict):
            if rec.get('interval'):
                prices = [x for x in prices
                          if x['recurring']['interval'] == rec['interval']]
            if rec.get('usage_type'):
                prices = [x for x in prices if x['recurring']['usage_type']
                          == rec['usage_type']]
        prices = self.created_filter(p, prices)
        return self.paginate(req, self.newest_first(prices), '/v1/prices')

    async def h_price_update(self, req, id):
        # Real Stripe: nickname, metadata, active, lookup_key, tax_behavior
        # can change on an existing price.
        p = req.params
        plan = await self.get_plan(id, req.auth)
        body = {}
        if 'nickname' in p:
            body['nickname'] = p['nickname'] or None
        if 'active' in p:
            body['active'] = to_bool(p['active'])
        if body:
            plan = await self.inner_obj('POST', '/v1/plans/' + id,
                                        json_body=body, auth=req.auth)
        if 'metadata' in p:
            cur = self.shaper.price_from_plan(plan)['metadata']
            self.state.set_extras(id, metadata=merge_metadata(
                cur, p['metadata']))
        if 'lookup_key' in p:
            key = p['lookup_key'] or None
            if key:
                await self.claim_lookup_key(
                    key, id, to_bool(p.get('transfer_lookup_key')), req.auth)
            self.state.set_extras(id, lookup_key=key)
        if p.get('tax_behavior'):
            self.state.set_extras(id, tax_behavior=p['tax_behavior'])
        return Resp(200, self.shaper.price_from_plan(plan))

    # ---- products ------------------------------------------------------
    PRODUCT_SIDE = ('unit_label', 'images', 'marketing_features',
                    'default_price', 'tax_code', 'package_dimensions')

    def split_product_params(self, p):
        body, extras = {}, {}
        for k, v in p.items():
            if k == 'expand':
                continue
            if k in self.PRODUCT_SIDE:
                # Real Stripe product fields localstripe does not store.
                if k == 'marketing_features' and isinstance(v, list):
                    v = [{'name': f.get('name')} for f in v
                         if isinstance(f, dict)]
                if v == '':
                    v = [] if k in ('images', 'marketing_features') else None
                extras[k] = v
            elif k in ('active', 'shippable'):
                body[k] = to_bool(v)
            elif k == 'default_price_data':
                continue  # handled by caller
            else:
                body[k] = v
        return body, extras

    async def h_product_create(self, req):
        p = req.params
        body, extras = self.split_product_params(p)
        meta = body.pop('metadata', None)
        if isinstance(meta, dict):
            body['metadata'] = {k: v for k, v in meta.items() if v != ''}
        prod = await self.inner_obj('POST', '/v1/products', json_body=body,
                                    auth=req.auth)
        extras['updated'] = prod.get('created') or now()
        self.state.set_extras(prod['id'], **extras)
        dpd = p.get('default_price_data')
        if isinstance(dpd, dict):
            # Real Stripe: default_price_data creates the product's price.
            dpd = dict(dpd, product=prod['id'])
            price = await self.run(Req(
                'POST', '/v1/prices', [],
                urllib.parse.urlencode(encode_pairs(dpd)).encode(),
                {'Authorization': req.auth or 'Bearer ' + INTERNAL_KEY,
                 'Content-Type': 'application/x-www-form-urlencoded'},
                internal=True))
            if price.status >= 400:
                return price
            self.state.set_extras(prod['id'], default_price=price.data['id'])
        return Resp(200, prod)

    async def h_product_update(self, req, id):
        p = req.params
        body, extras = self.split_product_params(p)
        meta = body.pop('metadata', None)
        cur = await self.inner_obj('GET', '/v1/products/' + id, auth=req.auth)
        if body:
            cur = await self.inner_obj('POST', '/v1/products/' + id,
                                       json_body=body, auth=req.auth)
        if meta is not None:
            self.shaper.fix_product(cur, None)
            extras['metadata'] = merge_metadata(cur.get('metadata') or {},
                                                meta)
        extras['updated'] = now()
        self.state.set_extras(id, **extras)
        return Resp(200, cur)

    async def h_product_list(self, req):
        p = req.params
        q = []
        if p.get('active') not in (None, ''):
            q.append(('active', p['active']))
        items = await self.inner_list('/v1/products', req.auth, q)
        ids = p.get('ids')
        if ids:
            ids = ids if isinstance(ids, list) else [ids]
            items = [x for x in items if x['id'] in ids]
        items = self.created_filter(p, items)
        return self.paginate(req, self.newest_first(items), '/v1/products')

    # ---- coupons -------------------------------------------------------
    async def h_coupon_create(self, req):
        # Real Stripe: a coupon id is generated when none is given; `name`
        # is a display name (localstripe knows neither).
        p = req.params
        body = {k: v for k, v in p.items()
                if k not in ('name', 'max_redemptions', 'redeem_by',
                             'expand', 'applies_to')}
        body.setdefault('id', rand_id('', 8))
        status, parsed, content, _ = await self.inner(
            'POST', '/v1/coupons', json_body=body, auth=req.auth)
        if status == 409:
            raise StripeError(400, 'Coupon already exists.',
                              code='resource_already_exists', param='id')
        if status >= 400 or parsed is None:
            raise self.inner_error(status, parsed, content, 'POST',
                                   '/v1/coupons')
        extras = {k: p[k] for k in ('name',) if p.get(k)}
        for k in ('max_redemptions', 'redeem_by'):
            if p.get(k):
                extras[k] = to_int(p[k])
        if extras:
            self.state.set_extras(parsed['id'], **extras)
        return Resp(200, parsed)

    async def h_coupon_update(self, req, id):
        p = req.params
        cur = await self.inner_obj('GET', '/v1/coupons/' + id, auth=req.auth)
        if 'name' in p:
            self.state.set_extras(id, name=p['name'] or None)
        if 'metadata' in p:
            status, parsed, content, _ = await self.inner(
                'POST', '/v1/coupons/' + id,
                json_body={'metadata': p['metadata']}, auth=req.auth)
            if status < 400 and parsed is not None:
                cur = parsed
        return Resp(200, cur)

    # ---- subscriptions -------------------------------------------------
    async def get_sub(self, id, auth):
        status, parsed, content, _ = await self.inner(
            'GET', '/v1/subscriptions/' + urllib.parse.quote(id, safe=''),
            auth=auth)
        if status == 404 or self.state.extras(id).get('hidden'):
            raise missing('subscription', id)
        if status >= 400 or parsed is None:
            raise self.inner_error(status, parsed, content, 'GET',
                                   '/v1/subscriptions/' + id)
        return self.shaper.walk(parsed)

    def translate_items(self, items, param='items'):
        """Real Stripe items[N][price] -> localstripe items[N][plan]."""
        if items is None:
            return None
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise StripeError(400, 'Invalid array', param=param)
        out = []
        # Real Stripe: items[N][deleted]=true removes an item; localstripe
        # can only replace its single item, so a delete+add pair becomes a
        # replacement.
        live = [it for it in items
                if not to_bool((it or {}).get('deleted', False))]
        deleted = [it for it in items if it not in live]
        for i, it in enumerate(live):
            it = dict(it or {})
            if 'price' in it:
                it['plan'] = it.pop('price')
            if 'price_data' in it:
                raise StripeError(400, 'The Stripe emulator does not support '
                                  'price_data; create a price first.',
                                  param='%s[%d][price_data]' % (param, i))
            for k in ('discounts', 'billing_thresholds'):
                it.pop(k, None)
            if 'quantity' in it:
                it['quantity'] = to_int(it['quantity'])
            if 'id' not in it and deleted and len(live) == 1:
                did = deleted[0].get('id')
                if did:
                    it['id'] = did
            out.append(it)
        if len(out) > 1:
            raise StripeError(400, 'The Stripe emulator (localstripe) '
                              'supports exactly one item per subscription.',
                              code='emulator_unsupported', param=param)
        return out

    async def resolve_discounts(self, p, auth, customer, sub_id, current):
        """Real Stripe `discounts[N][coupon|discount]` / legacy `coupon`.
        Returns a list of discount ids, or None when not requested."""
        if 'discounts' not in p and 'coupon' not in p:
            return None
        wanted = []
        if 'discounts' in p:
            ds = p['discounts']
            if ds == '':
                ds = []
            if isinstance(ds, dict):
                ds = [ds]
            for i, d in enumerate(ds or []):
                if not isinstance(d, dict):
                    continue
                param = 'discounts[%d]' % i
                if d.get('coupon'):
                    wanted.append(('coupon', d['coupon'], param + '[coupon]'))
                elif d.get('discount'):
                    wanted.append(('discount', d['discount'],
                                   param + '[discount]'))
                elif d.get('promotion_code'):
                    wanted.append(('promotion_code', d['promotion_code'],
                                   param + '[promotion_code]'))
        if p.get('coupon'):
            wanted.append(('coupon', p['coupon'], 'coupon'))
        if p.get('promotion_code'):
            wanted.append(('promotion_code', p['promotion_code'],
                           'promotion_code'))
        out = []
        for kind, value, param in wanted:
            promo = None
            if kind == 'promotion_code':
                promo = value
                value = await self.redeemable_promo(value, customer, param,
                                                    auth)
            if kind == 'discount':
                if value not in self.state.data['discounts'] or \
                        value not in current:
                    raise missing('discount', value, param)
                out.append(value)
                continue
            status, coupon, _, _ = await self.inner(
                'GET', '/v1/coupons/' + urllib.parse.quote(value, safe=''),
                auth=auth)
            if status == 404 or coupon is None:
                raise missing('coupon', value, param)
            if not coupon.get('valid', True):
                raise StripeError(400, "Coupon expired: %s" % value,
                                  param=param)
            keep = [d for d in current if self.state.data['discounts']
                    .get(d, {}).get('source', {}).get('coupon') == value]
            if keep and promo is None:
                out.append(keep[0])
                continue
            self.shaper.fix_coupon(coupon, None)
            start = now()
            end = None
            if coupon.get('duration') == 'repeating' and \
                    coupon.get('duration_in_months'):
                end = start + int(coupon['duration_in_months']) * 30 * 86400
            did = rand_id('di_')
            self.state.data['discounts'][did] = {
                'id': did, 'object': 'discount', 'checkout_session': None,
                'customer': customer, 'customer_account': None, 'end': end,
                'invoice': None, 'invoice_item': None,
                'promotion_code': promo,
                'source': {'coupon': value, 'type': 'coupon'},
                'start': start, 'subscription': sub_id,
                'subscription_item': None, '_coupon': coupon}
            out.append(did)
        if len(set(out)) != len(out):
            raise StripeError(400, 'Duplicate discounts are not allowed.',
                              param='discounts')
        return out

    SUB_DROP = ('proration_behavior', 'proration_date', 'payment_behavior',
                'collection_method', 'off_session', 'payment_settings',
                'automatic_tax', 'trial_settings', 'billing_mode',
                'expand', 'currency', 'description',
                'default_payment_method', 'pause_collection',
                'cancellation_details', 'discounts', 'coupon',
                'promotion_code', 'cancel_at_period_end', 'cancel_at',
                'days_until_due', 'invoice_settings', 'billing_thresholds',
                'on_behalf_of', 'transfer_data', 'add_invoice_items',
                'application_fee_percent', 'default_source',
                'pending_invoice_item_interval', 'billing_cycle_anchor_config')

    SUB_UPDATE_PARAMS = {
        'items', 'trial_end', 'default_tax_rates', 'proration_date',
        'proration_behavior', 'payment_behavior', 'cancel_at_period_end',
        'cancel_at', 'metadata', 'cancellation_details', 'description',
        'default_payment_method', 'pause_collection', 'discounts', 'coupon',
        'promotion_code', 'expand', 'off_session', 'collection_method',
        'payment_settings', 'billing_cycle_anchor', 'automatic_tax',
        'trial_settings', 'trial_from_plan', 'days_until_due',
        'default_source', 'invoice_settings', 'application_fee_percent',
        'on_behalf_of', 'transfer_data', 'billing_thresholds',
        'pending_invoice_item_interval', 'add_invoice_items'}

    async def h_sub_create(self, req):
        p = req.params
        customer = p.get('customer')
        body = {k: v for k, v in p.items() if k not in self.SUB_DROP}
        if 'items' in body:
            body['items'] = self.translate_items(body['items'])
        if p.get('payment_behavior') in ('allow_incomplete',
                                         'error_if_incomplete'):
            body['payment_behavior'] = p['payment_behavior']
        # Real Stripe: trial_period_days sets trial_end = now + N days
        # (localstripe records the number but never ends or reports it).
        tpd = to_int(body.pop('trial_period_days', None))
        if isinstance(tpd, int) and tpd > 0 and not body.get('trial_end'):
            body['trial_end'] = now() + tpd * 86400
        if body.get('trial_end') not in (None, 'now'):
            body['trial_end'] = to_int(body['trial_end'])
        if to_bool(body.get('trial_from_plan')) is True:
            body.pop('trial_from_plan')
            plan_id = ((body.get('items') or [{}])[0]).get('plan')
            if plan_id:
                plan = await self.get_plan(plan_id, req.auth)
                if plan.get('trial_period_days'):
                    body['trial_end'] = now() + \
                        int(plan['trial_period_days']) * 86400
        if isinstance(body.get('metadata'), dict):
            body['metadata'] = {k: v for k, v in body['metadata'].items()
                                if v != ''}
        # validate coupons before anything is created
        discounts = await self.resolve_discounts(p, req.auth, customer, None,
                                                 [])
        status, parsed, content, _ = await self.inner(
            'POST', '/v1/subscriptions', json_body=body, auth=req.auth)
        if status >= 400 or parsed is None:
            if status == 404 and isinstance(parsed, dict) and \
                    parsed.get('error', {}).get('message') == 'Not Found':
                raise self._sub_404(body)
            raise self.inner_error(status, parsed, content, 'POST',
                                   '/v1/subscriptions')
        sid = parsed['id']
        if p.get('payment_behavior') == 'error_if_incomplete' and \
                parsed.get('status') == 'incomplete':
            # Real Stripe: the first payment failed, so nothing is created
            # and the call fails with the card error.
            await self.inner('DELETE', '/v1/subscriptions/' + sid,
                             auth=req.auth)
            self.state.set_extras(sid, hidden=True)
            raise StripeError(402, 'Your card was declined.',
                              type='card_error', code='card_declined',
                              extra={'decline_code': 'generic_decline'})
        extras = {}
        if discounts:
            for d in discounts:
                self.state.data['discounts'][d]['subscription'] = sid
            extras['discounts'] = discounts
            self.count_redemptions(discounts, [])
        for k in ('description', 'default_payment_method'):
            if p.get(k):
                extras[k] = p[k]
        if extras:
            self.state.set_extras(sid, **extras)
        upd = {}
        if to_bool(p.get('cancel_at_period_end')) is True:
            upd['cancel_at_period_end'] = True
        if p.get('cancel_at'):
            upd['cancel_at'] = to_int(p['cancel_at'])
        if upd:
            await self.inner_obj('POST', '/v1/subscriptions/' + sid,
                                 json_body=upd, auth=req.auth)
            if upd.get('cancel_at_period_end'):
                self.state.set_extras(sid, canceled_at=now())
        return Resp(200, await self.get_sub(sid, req.auth))

    def _sub_404(self, body):
        item = (body.get('items') or [{}])[0]
        # localstripe says only "Not Found"; say which id is missing.
        return StripeError(400, "No such price: '%s'" % item.get('plan'),
                           code='resource_missing', param='items[0][price]') \
            if item.get('plan') else \
            missing('customer', body.get('customer'), 'customer')

    async def h_sub_update(self, req, id):
        p = req.params
        before = await self.get_sub(id, req.auth)
        if before.get('status') in ('canceled', 'incomplete_expired'):
            allowed = {'metadata', 'cancellation_details', 'expand'}
            if set(p) - allowed:
                # Real Stripe: a canceled subscription cannot be updated.
                raise StripeError(
                    400, 'A canceled subscription can only update its '
                    'cancellation_details and metadata.')
        sched = self.schedule_of(id)
        if sched and ('cancel_at_period_end' in p or 'cancel_at' in p):
            # Real Stripe: a schedule owns the subscription's end.
            raise StripeError(
                400, 'The subscription is managed by the subscription '
                'schedule `%s`, and updating any cancelation behavior '
                'directly is not allowed. Please update the schedule '
                'instead.' % sched['id'])
        unknown = set(p) - self.SUB_UPDATE_PARAMS
        if unknown:
            # Real Stripe rejects unknown parameters.
            k = sorted(unknown)[0]
            raise StripeError(400, 'Received unknown parameter: %s' % k,
                              code='parameter_unknown', param=k)
        body = {}
        items = self.translate_items(p.get('items')) if 'items' in p \
            else None
        if items:
            it = items[0]
            cur_items = before['items']['data']
            cur = next((c for c in cur_items if c['id'] == it.get('id')),
                       cur_items[0] if cur_items else {})
            if not it.get('plan') and 'quantity' not in it:
                items = None  # only metadata etc. on the item: nothing to do
            else:
                # Real Stripe keeps the item's quantity when only the price
                # changes (localstripe would reset it to 1).
                it.setdefault('quantity', cur.get('quantity', 1))
                body['items'] = items
        for k in ('trial_end', 'default_tax_rates', 'proration_date'):
            if k in p and p[k] != '':
                body[k] = p[k]
        if body.get('trial_end') not in (None, 'now'):
            body['trial_end'] = to_int(body['trial_end'])
        extras = {}
        if 'cancel_at_period_end' in p:
            cape = to_bool(p['cancel_at_period_end'])
            body['cancel_at_period_end'] = cape
            if cape and not before.get('cancel_at_period_end'):
                extras['canceled_at'] = now()
            if cape is False:
                extras['canceled_at'] = None
                extras['cancellation_details'] = {}
                if before.get('cancel_at') and 'cancel_at' not in p:
                    extras['cancel_at'] = None
        if 'cancel_at' in p:
            if p['cancel_at'] == '':
                # Real Stripe: an empty value unsets cancel_at.
                extras['cancel_at'] = None
            else:
                body['cancel_at'] = to_int(p['cancel_at'])
                self.state.data['extras'].get(id, {}).pop('cancel_at', None)
        # Real Stripe: metadata updates merge; "" deletes a key.
        if 'metadata' in p:
            extras['metadata'] = merge_metadata(before.get('metadata') or {},
                                                p['metadata'])
        if isinstance(p.get('cancellation_details'), dict):
            cd = dict(self.state.extras(id).get('cancellation_details') or {})
            for k in ('comment', 'feedback'):
                if k in p['cancellation_details']:
                    cd[k] = p['cancellation_details'][k] or None
            extras['cancellation_details'] = cd
        for k in ('description', 'default_payment_method'):
            if k in p:
                extras[k] = p[k] or None
        if 'pause_collection' in p:
            pc = p['pause_collection']
            extras['pause_collection'] = None if pc in ('', None) else {
                'behavior': pc.get('behavior'),
                'resumes_at': to_int(pc.get('resumes_at'))}
        discounts = await self.resolve_discounts(
            p, req.auth, before.get('customer'), id,
            before.get('discounts') or [])
        if discounts is not None:
            extras['discounts'] = discounts
        if body:
            t0 = now()
            await self.inner_obj('POST', '/v1/subscriptions/' + id,
                                 json_body=body, auth=req.auth)
            if p.get('proration_behavior') == 'none' and 'items' in body:
                await self.drop_prorations(before, t0, req.auth)
        if extras:
            self.state.set_extras(id, **extras)
        if discounts:
            self.count_redemptions(discounts, before.get('discounts') or [])
        after = await self.get_sub(id, req.auth)
        # Real Stripe emits customer.subscription.updated (localstripe never
        # does).
        prev = {k: before.get(k) for k in after
                if k not in ('items', 'plan')
                and before.get(k) != after.get(k)}
        if json.dumps(before.get('items'), sort_keys=True) != \
                json.dumps(after.get('items'), sort_keys=True):
            prev['items'] = before.get('items')
        if prev:
            await self.emit('customer.subscription.updated', after, req,
                            previous_attributes=prev)
        return Resp(200, after)

    async def drop_prorations(self, sub, since, auth):
        # Real Stripe proration_behavior=none: no proration items.
        try:
            q = [('customer', sub['customer'])]
            items = await self.inner_list('/v1/invoiceitems', auth, q)
        except StripeError:
            return
        for ii in items:
            if ii.get('subscription') == sub['id'] and ii.get('proration') \
                    and (ii.get('date') or 0) >= since - 1:
                await self.inner('DELETE', '/v1/invoiceitems/' + ii['id'],
                                 auth=auth)

    async def h_sub_cancel(self, req, id):
        # Real Stripe: DELETE accepts cancellation_details, invoice_now,
        # prorate; localstripe takes no parameters.
        p = req.params
        before = await self.get_sub(id, req.auth)
        if before.get('status') == 'canceled':
            raise StripeError(400, 'This subscription has already been '
                              'canceled.')
        cd = p.get('cancellation_details')
        extras = {'canceled_at': now()}
        if isinstance(cd, dict):
            extras['cancellation_details'] = {
                'comment': cd.get('comment') or None,
                'feedback': cd.get('feedback') or None}
        sched = self.schedule_of(id)
        if sched:
            # Real Stripe: canceling the subscription cancels its schedule.
            sched.update(status='canceled', canceled_at=now(),
                         current_phase=None)
            extras['schedule'] = None
        self.state.set_extras(id, **extras)
        await self.inner_obj('DELETE', '/v1/subscriptions/' + id,
                             auth=req.auth)
        return Resp(200, await self.get_sub(id, req.auth))

    async def h_sub_get(self, req, id):
        return Resp(200, await self.get_sub(id, req.auth))

    async def h_sub_list(self, req):
        # Real Stripe: default excludes canceled (status=all includes it),
        # filters by customer/price/status, newest first.
        p = req.params
        q = [('status', 'all')]
        if p.get('customer'):
            q.append(('customer', p['customer']))
        subs = await self.inner_list('/v1/subscriptions', req.auth, q)
        subs = [s for s in subs
                if not self.state.extras(s['id']).get('hidden')]
        status = p.get('status') or None
        if status is None:
            subs = [s for s in subs if s.get('status') not in
                    ('canceled', 'incomplete_expired')]
        elif status == 'ended':
            subs = [s for s in subs if s.get('status') in
                    ('canceled', 'incomplete_expired')]
        elif status != 'all':
            subs = [s for s in subs if s.get('status') == status]
        price = p.get('price') or p.get('plan')
        if price:
            subs = [s for s in subs if any(
                (it.get('plan') or {}).get('id') == price
                for it in s['items']['data'])]
        subs = self.created_filter(p, subs)
        return self.paginate(req, self.newest_first(subs),
                             '/v1/subscriptions')

    async def find_item(self, id, auth):
        subs = await self.inner_list('/v1/subscriptions', auth,
                                     [('status', 'all')])
        for sub in subs:
            for it in sub['items']['data']:
                if it['id'] == id:
                    return sub, it
        raise missing('subscription_item', id)

    async def h_sub_item_get(self, req, id):
        sub, item = await self.find_item(id, req.auth)
        return Resp(200, item)

    async def h_sub_item_update(self, req, id):
        # Real Stripe: POST /v1/subscription_items/{id} changes one item.
        # Done as the equivalent subscription update.  Note: localstripe
        # gives the item a new id whenever its price or quantity changes.
        p = req.params
        sub, item = await self.find_item(id, req.auth)
        params = [('items[0][id]', id)]
        for k in ('price', 'plan', 'quantity'):
            if k in p:
                params.append(('items[0][%s]' % k, str(p[k])))
        for k in ('proration_behavior', 'proration_date', 'payment_behavior'):
            if k in p:
                params.append((k, str(p[k])))
        if isinstance(p.get('metadata'), dict):
            params += [('items[0][metadata][%s]' % k, v)
                       for k, v in p['metadata'].items()]
        resp = await self.run(Req(
            'POST', '/v1/subscriptions/' + sub['id'], [],
            urllib.parse.urlencode(params).encode(),
            {'Authorization': req.auth or 'Bearer ' + INTERNAL_KEY,
             'Content-Type': 'application/x-www-form-urlencoded'},
            internal=True))
        if resp.status >= 400:
            return resp
        return Resp(200, resp.data['items']['data'][0])

    async def h_sub_items_list(self, req):
        p = req.params
        if not p.get('subscription'):
            raise StripeError(400, 'Missing required param: subscription.',
                              code='parameter_missing', param='subscription')
        sub = await self.get_sub(p['subscription'], req.auth)
        return self.paginate(req, sub['items']['data'],
                             '/v1/subscription_items')

    # ---- invoices ------------------------------------------------------
    async def h_invoice_list(self, req):
        p = req.params
        q = [(k, p[k]) for k in ('customer', 'subscription') if p.get(k)]
        invs = await self.inner_list('/v1/invoices', req.auth, q)
        if p.get('status'):
            invs = [i for i in invs if i.get('status') == p['status']]
        if p.get('collection_method'):
            invs = [i for i in invs
                    if i.get('collection_method') == p['collection_method']]
        invs = self.created_filter(p, invs)
        return self.paginate(req, self.newest_first(invs), '/v1/invoices')

    async def fill_sub_items(self, items, sub_id, auth):
        """Preview items: price -> plan, fill plan from the current item."""
        items = self.translate_items(items, 'subscription_details[items]') \
            if items is not None else None
        if not items:
            return items
        cur = None
        for it in items:
            if not it.get('plan'):
                if cur is None and sub_id:
                    cur = await self.get_sub(sub_id, auth)
                if cur:
                    it['plan'] = cur['items']['data'][0]['plan']['id']
                    it.setdefault('quantity',
                                  cur['items']['data'][0].get('quantity', 1))
            it.pop('id', None)
            it.pop('metadata', None)
        return items

    async def h_invoice_preview(self, req):
        # Real Stripe: POST /v1/invoices/create_preview with
        # subscription_details[items][N][price]; customer may be implied by
        # the subscription.
        p = req.params
        body = {k: v for k, v in p.items()
                if k in ('customer', 'subscription', 'subscription_details')}
        sd = dict(body.get('subscription_details') or {})
        for k in ('proration_behavior', 'cancel_at_period_end',
                  'billing_cycle_anchor', 'cancel_at', 'cancel_now',
                  'resume_at', 'start_date', 'trial_end_behavior'):
            sd.pop(k, None)
        if 'items' in sd:
            sd['items'] = await self.fill_sub_items(
                sd['items'], body.get('subscription'), req.auth)
        if 'proration_date' in sd:
            sd['proration_date'] = to_int(sd['proration_date'])
        if sd:
            body['subscription_details'] = sd
        else:
            body.pop('subscription_details', None)
        if not body.get('customer') and body.get('subscription'):
            sub = await self.get_sub(body['subscription'], req.auth)
            body['customer'] = sub['customer']
        data = await self.inner_obj('POST', '/v1/invoices/create_preview',
                                    json_body=body, auth=req.auth)
        await self.preview_discounts(data, p, req.auth)
        return Resp(200, data)

    async def h_invoice_upcoming(self, req):
        p = req.params
        q = [(k, v) for k, v in req.query_pairs
             if not k.startswith(('subscription_items', 'expand',
                                  'subscription_proration_behavior'))]
        items = p.get('subscription_items')
        if items is not None:
            items = await self.fill_sub_items(items, p.get('subscription'),
                                              req.auth)
            for i, it in enumerate(items):
                for k, v in it.items():
                    q.append(('subscription_items[%d][%s]' % (i, k), str(v)))
        if not p.get('customer') and p.get('subscription'):
            sub = await self.get_sub(p['subscription'], req.auth)
            q.append(('customer', sub['customer']))
        q = [(k, v) for k, v in q if k != 'coupon']
        data = await self.inner_obj('GET', '/v1/invoices/upcoming', query=q,
                                    auth=req.auth)
        await self.preview_discounts(data, p, req.auth)
        return Resp(200, data)

    async def preview_discounts(self, inv, p, auth):
        """Real Stripe: an invoice preview applies the subscription's
        discounts (or the `discounts`/`coupon` given to the preview).
        localstripe ignores coupons, so the amounts are adjusted here."""
        applied = []  # (discount id or None, coupon)
        if p.get('discounts') not in (None, '') or p.get('coupon'):
            for kind, value, param in self._wanted_coupons(p):
                st, coupon, _, _ = await self.inner(
                    'GET', '/v1/coupons/' + urllib.parse.quote(value, safe=''),
                    auth=auth)
                if st != 200 or not coupon:
                    raise missing('coupon', value, param)
                applied.append((None, coupon))
        elif p.get('subscription'):
            ex = self.state.extras(p['subscription'])
            for did in ex.get('discounts', []):
                d = self.state.data['discounts'].get(did)
                if d and (d.get('end') is None or d['end'] > now()):
                    applied.append((did, d['_coupon']))
        subtotal = inv.get('subtotal') or 0
        remaining = subtotal
        amounts = []
        for did, coupon in applied:
            if coupon.get('percent_off') is not None:
                amt = int(round(subtotal * float(coupon['percent_off']) / 100))
            elif coupon.get('amount_off') is not None and \
                    (coupon.get('currency') or '') == inv.get('currency'):
                amt = int(coupon['amount_off'])
            else:
                amt = 0
            amt = min(amt, remaining)
            remaining -= amt
            amounts.append({'amount': amt, 'discount': did or coupon['id']})
        if not amounts:
            return
        total_off = subtotal - remaining
        inv['discounts'] = [a['discount'] for a in amounts if a['discount']
                            .startswith('di_')]
        inv['total_discount_amounts'] = amounts
        for k in ('total', 'amount_due', 'amount_remaining',
                  'total_excluding_tax'):
            if isinstance(inv.get(k), int):
                inv[k] = max(0, inv[k] - total_off)
        lines = (inv.get('lines') or {}).get('data') or []
        left = total_off
        for line in lines:
            if left <= 0 or line.get('proration'):
                continue
            cut = min(left, max(0, line.get('amount') or 0))
            line['discount_amounts'] = [{'amount': cut,
                                         'discount': amounts[0]['discount']}]
            left -= cut

    def _wanted_coupons(self, p):
        out = []
        ds = p.get('discounts')
        if isinstance(ds, dict):
            ds = [ds]
        for i, d in enumerate(ds if isinstance(ds, list) else []):
            if isinstance(d, dict) and d.get('coupon'):
                out.append(('coupon', d['coupon'],
                            'discounts[%d][coupon]' % i))
        if p.get('coupon'):
            out.append(('coupon', p['coupon'], 'coupon'))
        return out

    async def h_invoice_pay(self, req, id):
        # Real Stripe accepts payment_method/off_session/... here;
        # localstripe takes no parameters and charges the customer's default
        # payment method.
        p = req.params
        if p.get('paid_out_of_band') in ('true', True):
            raise StripeError(400, 'The Stripe emulator does not support '
                              'paid_out_of_band.', param='paid_out_of_band')
        data = await self.inner_obj('POST', '/v1/invoices/%s/pay' % id,
                                    auth=req.auth)
        return Resp(200, data)

    async def h_invoice_page_pay(self, req, id):
        # Real Stripe's hosted invoice page lets the customer pay an open
        # invoice; here with the customer's default payment method.
        st, parsed, _, _ = await self.inner('POST', '/v1/invoices/%s/pay'
                                            % id)
        return Resp(303, raw=b'', content_type='text/plain',
                    headers={'Location': '/_compat/invoices/%s' % id})

    async def h_invoice_page(self, req, id):
        inv = await self.load_invoice(id)
        if inv is None:
            return Resp(404, raw=b'invoice not found',
                        content_type='text/plain')
        return Resp(200, raw=render_invoice_html(inv).encode(),
                    content_type='text/html; charset=utf-8')

    async def h_invoice_pdf(self, req, id):
        inv = await self.load_invoice(id)
        if inv is None:
            return Resp(404, raw=b'invoice not found',
                        content_type='text/plain')
        return Resp(200, raw=render_invoice_pdf(inv),
                    content_type='application/pdf',
                    headers={'Content-Disposition': 'inline; filename="%s.pdf"'
                             % inv.get('number', id)})

    async def load_invoice(self, id):
        status, parsed, _, _ = await self.inner(
            'GET', '/v1/invoices/' + urllib.parse.quote(id, safe=''))
        if status != 200 or not parsed:
            return None
        self.shaper.walk(parsed)
        if parsed.get('customer'):
            st, cus, _, _ = await self.inner(
                'GET', '/v1/customers/' + parsed['customer'])
            if st == 200 and cus:
                parsed['customer_name'] = parsed.get('customer_name') or \
                    cus.get('name')
        return parsed

    # ---- customers and payment methods -------------------------------
    async def h_customer_list(self, req):
        p = req.params
        q = [('email', p['email'])] if p.get('email') else []
        items = await self.inner_list('/v1/customers', req.auth, q)
        items = self.created_filter(p, items)
        return self.paginate(req, self.newest_first(items), '/v1/customers')

    async def h_customer_search(self, req):
        # Real Stripe search: only `email:'x'` (and `name:'x'`) clauses are
        # supported here, joined with AND.
        p = req.params
        query = p.get('query') or ''
        clauses = re.findall(r"(\w+)\s*:\s*['\"]([^'\"]*)['\"]", query)
        if not clauses:
            raise StripeError(400, "The emulator only supports search "
                              "queries like email:'x@example.com'.",
                              param='query')
        items = await self.inner_list('/v1/customers', req.auth)
        for field, value in clauses:
            if field not in ('email', 'name', 'phone'):
                raise StripeError(400, 'Unsupported search field: %s' % field,
                                  param='query')
            items = [c for c in items if (c.get(field) or '') == value]
        items = self.newest_first(items)
        limit = to_int(p.get('limit', 10))
        return Resp(200, {'object': 'search_result', 'data': items[:limit],
                          'has_more': len(items) > limit, 'next_page': None,
                          'total_count': len(items),
                          'url': '/v1/customers/search'})

    async def h_customer_pms(self, req, id):
        # Real Stripe: GET /v1/customers/{id}/payment_methods (type optional)
        p = req.params
        q = [('customer', id), ('type', p.get('type') or 'card'),
             ('limit', BIG_LIMIT)]
        body = await self.inner_obj('GET', '/v1/payment_methods', query=q,
                                    auth=req.auth)
        return self.paginate(req, list(reversed(body['data'])),
                             '/v1/customers/%s/payment_methods' % id)

    async def h_pm_list(self, req):
        # Real Stripe: `type` is optional when listing payment methods.
        q = list(req.query_pairs)
        if not any(k == 'type' for k, _ in q):
            q.append(('type', 'card'))
        return await self.passthrough(req, query_pairs=q)

    async def h_si_create(self, req):
        # async-stripe may send automatic_payment_methods; localstripe only
        # knows payment_method_types (real Stripe accepts either).
        p = req.params
        body = {k: v for k, v in p.items()
                if k not in ('automatic_payment_methods', 'expand',
                             'allowed_payment_method_types', 'confirm',
                             'return_url', 'description', 'single_use',
                             'flow_directions', 'payment_method_options')}
        if 'payment_method_types' not in body and \
                p.get('allowed_payment_method_types'):
            body['payment_method_types'] = p['allowed_payment_method_types']
        data = await self.inner_obj('POST', '/v1/setup_intents',
                                    json_body=body, auth=req.auth)
        return Resp(200, data)

    async def h_si_confirm(self, req, id):
        resp = await self.passthrough(req)
        si = resp.data
        if resp.status == 200 and isinstance(si, dict) and \
                si.get('status') == 'succeeded' and si.get('customer') and \
                si.get('payment_method'):
            # Real Stripe: a succeeded SetupIntent with a customer attaches
            # its payment method to that customer.
            st, pm, _, _ = await self.inner(
                'GET', '/v1/payment_methods/' + si['payment_method'])
            if st == 200 and pm and pm.get('customer') != si['customer']:
                st, pm, _, _ = await self.inner(
                    'POST', '/v1/payment_methods/%s/attach'
                    % si['payment_method'],
                    json_body={'customer': si['customer']})
                if st == 200 and pm:
                    await self.emit('payment_method.attached', pm, req)
            await self.emit('setup_intent.succeeded', copy.deepcopy(si), req)
        return resp

    # localstripe's fake Stripe.js reports a failed 3-D Secure challenge as
    # an error with only a message. Real Stripe.js gives it a type and code
    # (invalid_request_error / setup_intent_authentication_failure), which
    # is what a portal reads to explain the failure.
    STRIPE_JS_3DS_FAILURE = ("return {error: {message:\n"
                             "              'The latest attempt")
    STRIPE_JS_3DS_FAILURE_FIXED = (
        "return {error: {type: 'invalid_request_error', "
        "code: 'setup_intent_authentication_failure', message:\n"
        "              'The latest attempt")

    # The fake also declares a top-level `class Element`, which shadows the
    # DOM's `Element` for every script on the page (so `x instanceof
    # Element` turns false and the portal's own rendering breaks). Real
    # Stripe.js defines no such global; the class is renamed here.
    STRIPE_JS_RENAMES = (('class Element {', 'class LocalstripeElement {'),
                         ('new Element(', 'new LocalstripeElement('),
                         ('instanceof Element)',
                          'instanceof LocalstripeElement)'))

    async def h_stripe_js(self, req):
        resp = await self.passthrough(req)
        if resp.status == 200 and resp.raw:
            text = resp.raw.decode('utf-8')
            fixes = ((self.STRIPE_JS_3DS_FAILURE,
                      self.STRIPE_JS_3DS_FAILURE_FIXED),) + \
                self.STRIPE_JS_RENAMES
            for old, new in fixes:
                if old not in text:
                    log.warning('fake Stripe.js changed: %r not found', old)
                text = text.replace(old, new)
            resp.raw = text.encode('utf-8')
        return resp

    # ---- discounts -----------------------------------------------------
    # ---- promotion codes -----------------------------------------------
    # localstripe has no promotion codes. Real Stripe: a customer-facing
    # code (case-insensitive) that redeems a coupon, with its own limits
    # (active, expires_at, max_redemptions, customer, first-time and
    # minimum-amount restrictions).
    PROMO_CREATE_PARAMS = {'promotion', 'coupon', 'code', 'active',
                           'customer', 'expires_at', 'max_redemptions',
                           'metadata', 'restrictions', 'expand'}

    def promos(self):
        return self.state.data.setdefault('promotion_codes', {})

    async def h_promo_create(self, req):
        p = req.params
        unknown = set(p) - self.PROMO_CREATE_PARAMS
        if unknown:
            k = sorted(unknown)[0]
            raise StripeError(400, 'Received unknown parameter: %s' % k,
                              code='parameter_unknown', param=k)
        promotion = p.get('promotion') if isinstance(p.get('promotion'),
                                                     dict) else {}
        coupon_id = promotion.get('coupon') or p.get('coupon')
        if not coupon_id:
            raise StripeError(400, 'Missing required param: '
                              'promotion[coupon].', param='promotion[coupon]')
        status, coupon, _, _ = await self.inner(
            'GET', '/v1/coupons/' + urllib.parse.quote(coupon_id, safe=''),
            auth=req.auth)
        if status == 404 or coupon is None:
            raise missing('coupon', coupon_id, 'promotion[coupon]')
        code = p.get('code') or secrets.token_hex(4).upper()
        if not re.match(r'^[A-Za-z0-9_-]{3,200}$', code):
            raise StripeError(400, 'Invalid code: %s' % code, param='code')
        if any(x['code'].lower() == code.lower() and x['active']
               for x in self.promos().values()):
            raise StripeError(400, 'An active promotion code with `code: %s`'
                              ' already exists.' % code,
                              code='resource_already_exists', param='code')
        r = p.get('restrictions') if isinstance(p.get('restrictions'),
                                                dict) else {}
        pid = rand_id('promo_')
        promo = {
            'id': pid, 'object': 'promotion_code',
            'active': to_bool(p.get('active', True)) is not False,
            'code': code, 'created': now(),
            'customer': p.get('customer') or None, 'customer_account': None,
            'expires_at': to_int(p['expires_at']) if p.get('expires_at')
            else None,
            'livemode': False,
            'max_redemptions': to_int(p['max_redemptions'])
            if p.get('max_redemptions') else None,
            'metadata': {k: v for k, v in (p.get('metadata') or {}).items()
                         if v != ''},
            'promotion': {'type': 'coupon', 'coupon': coupon_id},
            'restrictions': {
                'currency_options': {},
                'first_time_transaction':
                    to_bool(r.get('first_time_transaction', False)) is True,
                'minimum_amount': to_int(r['minimum_amount'])
                if r.get('minimum_amount') else None,
                'minimum_amount_currency':
                    r.get('minimum_amount_currency') or None},
            'times_redeemed': 0}
        self.promos()[pid] = promo
        self.state.save()
        return Resp(200, copy.deepcopy(promo))

    def get_promo(self, id, param='id'):
        promo = self.promos().get(id)
        if promo is None:
            raise missing('promotion_code', id, param)
        return copy.deepcopy(promo)

    async def h_promo_get(self, req, id):
        return Resp(200, self.get_promo(id))

    async def h_promo_update(self, req, id):
        p = req.params
        promo = self.promos().get(id)
        if promo is None:
            raise missing('promotion_code', id)
        if 'active' in p:
            promo['active'] = to_bool(p['active']) is True
        if 'metadata' in p:
            promo['metadata'] = merge_metadata(promo['metadata'],
                                               p['metadata'])
        self.state.save()
        return Resp(200, copy.deepcopy(promo))

    async def h_promo_list(self, req):
        p = req.params
        out = sorted(self.promos().values(), key=lambda x: -x['created'])
        if p.get('code'):
            # Real Stripe: the `code` filter is case-insensitive.
            out = [x for x in out if x['code'].lower() == p['code'].lower()]
        if 'active' in p:
            want = to_bool(p['active']) is True
            out = [x for x in out if x['active'] == want]
        if p.get('coupon'):
            out = [x for x in out if x['promotion']['coupon'] == p['coupon']]
        if p.get('customer'):
            out = [x for x in out if x['customer'] == p['customer']]
        return self.paginate(req, copy.deepcopy(out), '/v1/promotion_codes')

    async def redeemable_promo(self, id, customer, param, auth):
        """The coupon id of a promotion code this customer may redeem now;
        raises Stripe's error otherwise."""
        promo = self.get_promo(id, param)
        t = now()
        if not promo['active']:
            raise StripeError(400, 'This promotion code is inactive.',
                              code='promotion_code_inactive', param=param)
        if promo['expires_at'] and promo['expires_at'] <= t:
            raise StripeError(400, 'This promotion code has expired.',
                              code='promotion_code_expired', param=param)
        if promo['max_redemptions'] and \
                promo['times_redeemed'] >= promo['max_redemptions']:
            raise StripeError(400, 'This promotion code has been redeemed '
                              'the maximum number of times.',
                              code='promotion_code_max_redemptions',
                              param=param)
        if promo['customer'] and promo['customer'] != customer:
            raise StripeError(400, 'This promotion code cannot be redeemed '
                              'by this customer.',
                              code='promotion_code_customer_mismatch',
                              param=param)
        if promo['restrictions']['first_time_transaction'] and customer:
            invoices = await self.inner_list(
                '/v1/invoices', auth, [('customer', customer)])
            if any(i.get('status') == 'paid' and (i.get('amount_paid') or 0)
                   > 0 for i in invoices):
                raise StripeError(400, 'This promotion code cannot be '
                                  'redeemed because the associated customer '
                                  'has prior transactions.',
                                  code='promotion_code_first_time',
                                  param=param)
        return promo['promotion']['coupon']

    def count_redemptions(self, discount_ids, previous):
        # Real Stripe counts a redemption when a discount from the code is
        # attached, not when a request merely names it.
        for did in discount_ids:
            promo_id = self.state.data['discounts'].get(did, {}) \
                .get('promotion_code')
            promo = self.promos().get(promo_id) if promo_id else None
            if promo is not None and did not in previous:
                promo['times_redeemed'] += 1
        self.state.save()

    # ---- subscription schedules ----------------------------------------
    # localstripe has no subscription schedules. Real Stripe: a schedule
    # made `from_subscription` takes over the subscription's current phase;
    # later phases change it at their start dates (never, here: the
    # emulator's clock does not advance); `release` detaches the schedule
    # and leaves the subscription as it is.
    def schedules(self):
        return self.state.data.setdefault('schedules', {})

    async def h_schedule_create(self, req):
        p = req.params
        sid = p.get('from_subscription')
        if not sid:
            raise StripeError(400, 'The Stripe emulator creates schedules '
                              'only with from_subscription.',
                              code='emulator_unsupported',
                              param='from_subscription')
        if set(p) - {'from_subscription', 'metadata', 'expand'}:
            raise StripeError(400, 'You cannot set other parameters when '
                              'using `from_subscription`.',
                              param='from_subscription')
        sub = await self.get_sub(sid, req.auth)
        if sub.get('status') in ('canceled', 'incomplete_expired'):
            raise StripeError(400, 'You cannot migrate a canceled '
                              'subscription to a schedule.',
                              param='from_subscription')
        if self.state.extras(sid).get('schedule'):
            raise StripeError(400, 'You cannot migrate a subscription that '
                              'is already attached to a schedule: `%s`.'
                              % self.state.extras(sid)['schedule'],
                              param='from_subscription')
        item = sub['items']['data'][0]
        phase = self._phase(
            [{'price': item['price']['id'], 'quantity': item.get('quantity')}],
            item['current_period_start'], item['current_period_end'],
            sub.get('currency'), 'create_prorations')
        schid = rand_id('sub_sched_')
        sched = {
            'id': schid, 'object': 'subscription_schedule',
            'application': None,
            'billing_mode': {'flexible': None, 'type': 'classic',
                             'updated_at': None},
            'canceled_at': None, 'completed_at': None, 'created': now(),
            'current_phase': {'start_date': phase['start_date'],
                              'end_date': phase['end_date']},
            'customer': sub['customer'], 'customer_account': None,
            'default_settings': {
                'application_fee_percent': None,
                'automatic_tax': {'disabled_reason': None, 'enabled': False,
                                  'liability': None},
                'billing_cycle_anchor': 'automatic',
                'billing_thresholds': None,
                'collection_method': 'charge_automatically',
                'default_payment_method': None, 'description': None,
                'invoice_settings': {'account_tax_ids': None,
                                     'days_until_due': None,
                                     'issuer': {'type': 'self'}},
                'on_behalf_of': None, 'transfer_data': None},
            'end_behavior': 'release', 'livemode': False,
            'metadata': {k: v for k, v in (p.get('metadata') or {}).items()
                         if v != ''},
            'phases': [phase], 'released_at': None,
            'released_subscription': None, 'status': 'active',
            'subscription': sid, 'test_clock': None}
        self.schedules()[schid] = sched
        self.state.set_extras(sid, schedule=schid)
        return Resp(200, copy.deepcopy(sched))

    @staticmethod
    def _phase(items, start, end, currency, proration):
        return {
            'add_invoice_items': [], 'application_fee_percent': None,
            'automatic_tax': None, 'billing_cycle_anchor': None,
            'billing_thresholds': None, 'collection_method': None,
            'currency': currency, 'default_payment_method': None,
            'default_tax_rates': [], 'description': None, 'discounts': [],
            'end_date': end, 'invoice_settings': None,
            'items': [{'billing_thresholds': None, 'discounts': [],
                       'metadata': {}, 'plan': it['price'],
                       'price': it['price'],
                       'quantity': it.get('quantity') or 1,
                       'tax_rates': []} for it in items],
            'metadata': {}, 'on_behalf_of': None,
            'proration_behavior': proration, 'start_date': start,
            'transfer_data': None, 'trial_end': None}

    def get_schedule(self, id):
        sched = self.schedules().get(id)
        if sched is None:
            raise missing('subscription_schedule', id)
        return sched

    async def h_schedule_get(self, req, id):
        return Resp(200, copy.deepcopy(self.get_schedule(id)))

    async def h_schedule_update(self, req, id):
        p = req.params
        sched = self.get_schedule(id)
        if sched['status'] not in ('not_started', 'active'):
            raise StripeError(400, 'You cannot update a subscription '
                              'schedule that is currently in the `%s` '
                              'status.' % sched['status'])
        unknown = set(p) - {'phases', 'end_behavior', 'proration_behavior',
                            'metadata', 'expand', 'default_settings'}
        if unknown:
            k = sorted(unknown)[0]
            raise StripeError(400, 'Received unknown parameter: %s' % k,
                              code='parameter_unknown', param=k)
        if 'end_behavior' in p:
            if p['end_behavior'] not in ('release', 'cancel'):
                raise StripeError(400, 'Invalid end_behavior',
                                  param='end_behavior')
            sched['end_behavior'] = p['end_behavior']
        if 'metadata' in p:
            sched['metadata'] = merge_metadata(sched['metadata'],
                                               p['metadata'])
        if 'phases' in p:
            sched['phases'] = await self._phases(sched, p['phases'],
                                                 req.auth)
        self.state.save()
        return Resp(200, copy.deepcopy(sched))

    async def _phases(self, sched, raw, auth):
        phases = _listify(raw) if isinstance(raw, dict) else raw
        if not isinstance(phases, list) or not phases:
            raise StripeError(400, 'Invalid array', param='phases')
        current = sched['phases'][0]
        out, prev_end = [], None
        for i, ph in enumerate(phases):
            param = 'phases[%d]' % i
            if not isinstance(ph, dict):
                raise StripeError(400, 'Invalid object', param=param)
            start = ph.get('start_date')
            start = current['start_date'] if i == 0 and start in (
                None, '') else (prev_end if start in (None, '')
                                else to_int(start))
            if i == 0 and start != current['start_date']:
                # Real Stripe: the current phase's start cannot move.
                raise StripeError(400, 'You can not modify the start date '
                                  'of the current phase.',
                                  param=param + '[start_date]')
            if prev_end is not None and start != prev_end:
                raise StripeError(400, 'Phases must be contiguous.',
                                  param=param + '[start_date]')
            items = _listify(ph.get('items')) \
                if isinstance(ph.get('items'), dict) else ph.get('items')
            if not isinstance(items, list) or not items:
                raise StripeError(400, 'Missing required param: items.',
                                  param=param + '[items]')
            if len(items) != 1:
                raise StripeError(400, 'The Stripe emulator (localstripe) '
                                  'supports exactly one item per '
                                  'subscription.', code='emulator_unsupported',
                                  param=param + '[items]')
            plans = []
            for j, it in enumerate(items):
                pid = (it or {}).get('price') or (it or {}).get('plan')
                if not pid:
                    raise StripeError(400, 'Missing required param: price.',
                                      param='%s[items][%d][price]' % (param, j))
                try:
                    plans.append(await self.get_plan(pid, auth))
                except StripeError:
                    raise missing('price', pid,
                                  '%s[items][%d][price]' % (param, j))
            end = ph.get('end_date')
            if end not in (None, ''):
                end = to_int(end)
            elif isinstance(ph.get('duration'), dict):
                d = ph['duration']
                end = start + INTERVAL_SECONDS.get(d.get('interval'), 0) * \
                    (to_int(d.get('interval_count') or 1) or 1)
            elif i < len(phases) - 1:
                raise StripeError(400, 'Every phase but the last needs an '
                                  'end_date, duration or iterations.',
                                  param=param + '[end_date]')
            else:
                # Real Stripe: the last phase defaults to one iteration.
                end = start + INTERVAL_SECONDS.get(
                    plans[0].get('interval'), 0) * \
                    (plans[0].get('interval_count') or 1)
            if not isinstance(end, int) or end <= start:
                raise StripeError(400, 'end_date must be after start_date.',
                                  param=param + '[end_date]')
            out.append(self._phase(
                [{'price': (it.get('price') or it.get('plan')),
                  'quantity': to_int(it.get('quantity') or 1)}
                 for it in items],
                start, end, plans[0].get('currency'),
                ph.get('proration_behavior') or 'create_prorations'))
            prev_end = end
        return out

    async def h_schedule_release(self, req, id):
        sched = self.get_schedule(id)
        if sched['status'] not in ('not_started', 'active'):
            raise StripeError(400, 'You cannot release a subscription '
                              'schedule that is currently in the `%s` '
                              'status.' % sched['status'])
        sid = sched['subscription']
        sched.update(status='released', released_at=now(),
                     released_subscription=sid, subscription=None,
                     current_phase=None)
        self.state.set_extras(sid, schedule=None)
        return Resp(200, copy.deepcopy(sched))

    def schedule_of(self, sub_id):
        schid = self.state.extras(sub_id).get('schedule')
        return self.schedules().get(schid) if schid else None

    async def h_discount_get(self, req, id):
        # Used by expand[]=discounts (real Stripe has no retrieve endpoint).
        d = self.state.data['discounts'].get(id)
        if d is None:
            raise missing('discount', id)
        d = {k: v for k, v in copy.deepcopy(d).items()
             if not k.startswith('_')}
        return Resp(200, d)

    # ---- events --------------------------------------------------------
    async def h_event_list(self, req):
        p = req.params
        q = [('type', p['type'])] if p.get('type') and \
            '*' not in p['type'] else []
        events = await self.inner_list('/v1/events', req.auth, q)
        events += self.shaper.walk(copy.deepcopy(self.events))
        t = p.get('type')
        if t:
            rx = re.compile('^' + re.escape(t).replace(r'\*', '.*') + '$')
            events = [e for e in events if rx.match(e.get('type', ''))]
        types = p.get('types')
        if types:
            types = types if isinstance(types, list) else [types]
            events = [e for e in events if e.get('type') in types]
        events = self.created_filter(p, events)
        return self.paginate(req, self.newest_first(events), '/v1/events')

    async def h_event_get(self, req, id):
        for e in self.events:
            if e['id'] == id:
                return Resp(200, copy.deepcopy(e))
        return await self.passthrough(req)

    # ---- webhooks ------------------------------------------------------
    async def register_with_inner(self, quiet=False):
        try:
            status, _, content, _ = await self.inner(
                'POST', '/_config/webhooks/portico-compat',
                json_body={
                    'url': self.public_self_url('/_compat/inner-webhook'),
                    'secret': self.inner_hook_secret})
            if status != 200:
                raise RuntimeError(content)
        except Exception as e:  # noqa: BLE001 - report and continue
            if not quiet:
                raise
            log.info('inner webhook registration deferred: %s', e)
            return False
        return True

    def public_self_url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    async def h_webhook_register(self, req):
        p = req.params
        url, secret = p.get('url'), p.get('secret')
        if not url or not str(url).startswith('http'):
            raise StripeError(400, 'Missing or invalid param: url.',
                              param='url')
        if not secret:
            raise StripeError(400, 'Missing required param: secret.',
                              param='secret')
        events = p.get('events') or p.get('enabled_events')
        if isinstance(events, str):
            events = [events]
        wid = p.get('id') or rand_id('we_', 16)
        self.state.data['webhook_targets'][wid] = {
            'id': wid, 'url': url, 'secret': secret, 'events': events}
        self.state.save()
        await self.register_with_inner()
        return Resp(200, {'id': wid, 'url': url, 'events': events})

    async def h_webhook_list(self, req):
        return Resp(200, {'data': [
            {k: v for k, v in t.items() if k != 'secret'}
            for t in self.state.data['webhook_targets'].values()]})

    async def h_webhook_delete(self, req, id):
        self.state.data['webhook_targets'].pop(id, None)
        self.state.save()
        return Resp(200, {'id': id, 'deleted': True})

    async def h_webhook_deliveries(self, req):
        return Resp(200, {'data': list(self.deliveries)})

    async def h_inner_webhook(self, req):
        sig = req.headers.get('Stripe-Signature', '')
        parts = dict(x.split('=', 1) for x in sig.split(',') if '=' in x)
        expected = hmac.new(self.inner_hook_secret.encode(),
                            parts.get('t', '').encode() + b'.' + req.body,
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get('v1', '')):
            return Resp(400, {'error': 'bad signature'})
        event = json.loads(req.body)
        self.shaper.walk(event)
        self.deliver(event)
        if event.get('type') == 'invoice.payment_succeeded':
            # Real Stripe sends invoice.paid alongside payment_succeeded.
            await self.emit('invoice.paid', event['data']['object'], None)
        return Resp(200, {'received': True})

    async def emit(self, type, obj, req, previous_attributes=None):
        """Record an event the layer stands in for, and deliver it."""
        idem = req.headers.get('Idempotency-Key') if req is not None else None
        ev = {'id': rand_id('evt_'), 'object': 'event',
              'api_version': API_VERSION, 'created': now(),
              'data': {'object': copy.deepcopy(obj)}, 'livemode': False,
              'pending_webhooks': 0, 'type': type,
              'request': {'id': rand_id('req_', 14) if req else None,
                          'idempotency_key': idem}}
        if previous_attributes is not None:
            ev['data']['previous_attributes'] = previous_attributes
        self.shaper.walk(ev)
        self.events.append(ev)
        del self.events[:-1000]
        self.deliver(ev)

    def deliver(self, event):
        targets = [t for t in self.state.data['webhook_targets'].values()
                   if not t.get('events') or '*' in t['events']
                   or event.get('type') in t['events']]
        event['pending_webhooks'] = len(targets)
        for t in targets:
            asyncio.ensure_future(self._deliver_one(t, copy.deepcopy(event)))

    async def _deliver_one(self, target, event):
        # Real Stripe: POST JSON, Stripe-Signature t=<ts>,v1=HMAC-SHA256(
        # secret, "<ts>.<payload>"); retried on failure (here: 3 attempts).
        payload = json.dumps(event, indent=2, sort_keys=True)
        for attempt in range(3):
            if attempt:
                await asyncio.sleep(2 ** attempt)
            t = now()
            sig = hmac.new(target['secret'].encode(),
                           ('%d.%s' % (t, payload)).encode(),
                           hashlib.sha256).hexdigest()
            headers = {'Content-Type': 'application/json; charset=utf-8',
                       'Stripe-Signature': 't=%d,v1=%s' % (t, sig),
                       'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/'
                                     'webhooks)'}
            rec = {'event': event['id'], 'type': event['type'],
                   'target': target['id'], 'attempt': attempt + 1,
                   'at': t}
            try:
                async with self.session.post(target['url'], data=payload,
                                             headers=headers) as r:
                    await r.read()
                    rec['status'] = r.status
            except Exception as e:  # noqa: BLE001
                rec['error'] = str(e)
            self.deliveries.append(rec)
            del self.deliveries[:-500]
            if 200 <= rec.get('status', 0) < 300:
                return

    # ---- misc ------------------------------------------------------------
    async def h_health(self, req):
        try:
            status, _, _, _ = await self.inner(
                'GET', '/v1/events', query=[('limit', '1')])
        except Exception as e:  # noqa: BLE001
            return Resp(503, {'ok': False, 'error': str(e)})
        return Resp(200 if status == 200 else 503,
                    {'ok': status == 200, 'upstream': self.upstream})

    async def h_reset(self, req):
        resp = await self.passthrough(req)
        if resp.status < 300:
            self.state.reset()
            self.idem.clear()
            self.events.clear()
        return resp

    # ---- aiohttp entry point --------------------------------------------
    async def handle(self, request):
        body = await request.read()
        req = Req(request.method, request.path,
                  list(request.query.items()), body, request.headers)
        request_id = rand_id('req_', 14)
        key = request.headers.get('Idempotency-Key')
        if key and request.method == 'POST' and \
                request.path.startswith('/v1/'):
            resp = await self.idempotent(req, key, request_id)
        else:
            resp = await self.run(req)
        return self.to_web(resp, request_id)

    async def idempotent(self, req, key, request_id):
        # Real Stripe: the same Idempotency-Key on the same endpoint replays
        # the first response; different parameters -> 400 idempotency_error;
        # a concurrent retry -> 409.
        ident = (key, req.method, req.path)
        fp = hashlib.sha256(json.dumps(req.params, sort_keys=True)
                            .encode()).hexdigest()
        stored = self.idem.get(ident)
        if stored:
            if stored['fp'] != fp:
                return Resp.error(StripeError(
                    400, 'Keys for idempotent requests can only be used with '
                    'the same parameters they were first used with. Try '
                    "using a key other than '%s' if you meant to execute a "
                    'different request.' % key, type='idempotency_error'))
            r = copy.deepcopy(stored['resp'])
            r.headers['Idempotent-Replayed'] = 'true'
            r.headers['Original-Request'] = stored['request_id']
            return r
        if ident in self.idem_inflight:
            return Resp.error(StripeError(
                409, 'There is currently another in-progress request using '
                'this Stripe token (that probably means you clicked twice, '
                'and the other request is still going through): %s' % key,
                type='idempotency_error', code='idempotency_key_in_use'))
        self.idem_inflight.add(ident)
        try:
            resp = await self.run(req)
        finally:
            self.idem_inflight.discard(ident)
        if resp.status < 500:
            self.idem[ident] = {'fp': fp, 'resp': copy.deepcopy(resp),
                                'request_id': request_id,
                                'at': now()}
            if len(self.idem) > 5000:
                for k in sorted(self.idem, key=lambda k: self.idem[k]['at'])[
                        :1000]:
                    self.idem.pop(k, None)
        return resp

    def to_web(self, resp, request_id):
        headers = CIMultiDict(resp.headers)
        headers['Request-Id'] = request_id
        if resp.data is not None:
            body = (json.dumps(resp.data, indent=2, sort_keys=True) + '\n') \
                .encode()
            ctype = 'application/json'
        else:
            body = resp.raw or b''
            ctype = resp.content_type or 'application/octet-stream'
        headers['Content-Type'] = ctype
        return web.Response(status=resp.status, body=body, headers=headers)


def merge_metadata(current, update):
    """Stripe metadata semantics: merge keys; "" unsets a key; metadata=""
    clears everything."""
    if update == '' or update is None:
        return {}
    out = dict(current or {})
    if isinstance(update, dict):
        for k, v in update.items():
            if v == '' or v is None:
                out.pop(k, None)
            else:
                out[k] = str(v)
    return out


# --------------------------------------------------------------------------
# Invoice documents (hosted page and PDF) -- our own minimal renderings
# --------------------------------------------------------------------------

def money(amount, currency):
    currency = (currency or '').lower()
    amount = amount or 0
    if currency in ZERO_DECIMAL:
        s = '{:,}'.format(amount)
    else:
        s = '{:,.2f}'.format(amount / 100.0)
    return '%s %s' % (s, currency.upper())


def fmt_date(ts):
    if not ts:
        return '-'
    return time.strftime('%Y-%m-%d', time.gmtime(ts))


def invoice_text_lines(inv):
    cur = inv.get('currency')
    out = ['Invoice %s' % (inv.get('number') or inv.get('id')),
           '',
           'Invoice ID: %s' % inv.get('id'),
           'Status: %s' % inv.get('status'),
           'Date: %s' % fmt_date(inv.get('created')),
           'Billed to: %s' % (inv.get('customer_name') or
                              inv.get('customer_email') or
                              inv.get('customer')),
           'Period: %s - %s' % (fmt_date(inv.get('period_start')),
                                fmt_date(inv.get('period_end'))),
           '']
    for line in (inv.get('lines') or {}).get('data') or []:
        desc = line.get('description') or 'Item'
        qty = line.get('quantity') or 1
        out.append('%s  x%s  %s' % (desc, qty, money(line.get('amount'), cur)))
    out += ['',
            'Subtotal: %s' % money(inv.get('subtotal'), cur),
            'Total: %s' % money(inv.get('total'), cur),
            'Amount paid: %s' % money(inv.get('amount_paid'), cur),
            'Amount due: %s' % money(inv.get('amount_remaining'), cur),
            '',
            'Generated by the Portico Stripe emulator (test mode).']
    return out


def render_invoice_html(inv):
    lines = invoice_text_lines(inv)
    title = html.escape(lines[0])
    body = '\n'.join('<p>%s</p>' % html.escape(x) if x else '<br>'
                     for x in lines[1:])
    pdf = html.escape(inv.get('invoice_pdf') or '')
    pay = ''
    if inv.get('status') == 'open':
        pay = ('<form method="post" action="/_compat/invoices/%s/pay">'
               '<button type="submit">Pay now</button></form>'
               % html.escape(inv.get('id') or ''))
    return ('<!doctype html><html><head><meta charset="utf-8"><title>%s'
            '</title></head><body><h1>%s</h1>%s%s<p><a href="%s">Download '
            'PDF</a></p></body></html>\n' % (title, title, body, pay, pdf))


def render_invoice_pdf(inv):
    """A small, valid single-page PDF (Helvetica, WinAnsi text)."""
    def esc(s):
        s = s.encode('cp1252', 'replace').decode('latin-1')
        return s.replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)')
    lines = invoice_text_lines(inv)
    ops = ['BT', '/F1 18 Tf', '50 780 Td', '(%s) Tj' % esc(lines[0]),
           '/F1 11 Tf', '0 -28 Td']
    for text in lines[1:]:
        ops.append('(%s) Tj' % esc(text))
        ops.append('0 -16 Td')
    ops.append('ET')
    stream = '\n'.join(ops).encode('latin-1')
    objs = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] '
        b'/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica '
        b'/Encoding /WinAnsiEncoding >>',
        b'<< /Length %d >>\nstream\n' % len(stream) + stream +
        b'\nendstream',
    ]
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b'%d 0 obj\n' % i + o + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
    for off in offsets:
        out += b'%010d 00000 n \n' % off
    out += (b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n'
            % (len(objs) + 1, xref))
    return bytes(out)


# --------------------------------------------------------------------------

def make_app(layer):
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.on_startup.append(layer.start)
    app.on_cleanup.append(layer.stop)
    app.router.add_route('*', '/{tail:.*}', layer.handle)
    return app


def main(argv=None):
    ap = argparse.ArgumentParser(description='Portico Stripe compat proxy')
    ap.add_argument('--port', type=int,
                    default=int(os.environ.get('STRIPE_EMULATOR_PORT',
                                               12111)))
    ap.add_argument('--upstream', default=None,
                    help='localstripe base URL (default: port+1)')
    ap.add_argument('--public-url', default=os.environ.get(
        'STRIPE_EMULATOR_PUBLIC_URL'),
        help='base URL used in invoice_pdf / hosted_invoice_url')
    ap.add_argument('--state-file', default=None)
    ap.add_argument('--from-scratch', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else
                        logging.WARNING, stream=sys.stderr,
                        format='compat: %(message)s')
    upstream = args.upstream or 'http://127.0.0.1:%d' % (args.port + 1)
    state_file = args.state_file or os.path.join(
        tempfile.gettempdir(), 'portico-compat-%d.json' % args.port)
    layer = Layer(upstream, args.port, args.public_url, state_file,
                  args.from_scratch)
    web.run_app(make_app(layer), host='127.0.0.1', port=args.port,
                print=None, access_log=log if args.verbose else None)


if __name__ == '__main__':
    main()
