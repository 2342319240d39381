#!/usr/bin/env python3
"""Seed the Stripe emulator with Portico's demo/test data.

Talks only to the compat proxy, with Stripe's public API shapes (prices, not
plans).  Standard library only.

    python emulator/seed.py [--api-base URL] [--api-key sk_test_...]
                            [--email-suffix +run42] [--out manifest.json]

The catalog (products, prices, coupons, promotion code) is looked up by price lookup key and
reused if it already exists, so several test runs can seed one emulator; the
customers are always new (use --email-suffix to keep their emails unique).
Writes a JSON manifest of the created ids (see README.md).
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

CATALOG = [
    # key, product key, amount, currency, interval
    ('starter_monthly', 'starter', 900, 'usd', 'month'),
    ('starter_yearly', 'starter', 9000, 'usd', 'year'),
    ('pro_monthly', 'pro', 2900, 'usd', 'month'),
    ('pro_yearly', 'pro', 29000, 'usd', 'year'),
    ('pro_monthly_jpy', 'pro', 3000, 'jpy', 'month'),  # JPY: zero-decimal
    ('seats_monthly', 'seats', 1200, 'usd', 'month'),
]
PRODUCTS = {
    'starter': {'name': 'Starter', 'metadata[portico_group]': 'default',
                'description': 'For individuals getting started'},
    'pro': {'name': 'Pro', 'metadata[portico_group]': 'default',
            'description': 'For growing teams'},
    'seats': {'name': 'Team Seats', 'unit_label': 'seat',
              'metadata[portico_group]': 'seats',
              'description': 'Per-seat add-on'},
}
NICKNAMES = {'month': 'Monthly', 'year': 'Yearly'}
LOOKUP_PREFIX = 'portico_seed_'


class Api:
    def __init__(self, base, key):
        self.base = base.rstrip('/')
        self.key = key

    def call(self, method, path, params=None, idempotency_key=None,
             allow_error=False):
        data = None
        url = self.base + path
        pairs = []
        for k, v in (params or {}).items():
            if isinstance(v, (list, tuple)):
                pairs += [(k, str(x)) for x in v]
            elif isinstance(v, bool):
                pairs.append((k, 'true' if v else 'false'))
            elif v is not None:
                pairs.append((k, str(v)))
        if method == 'GET':
            if pairs:
                url += '?' + urllib.parse.urlencode(pairs)
        else:
            data = urllib.parse.urlencode(pairs).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header('Authorization', 'Bearer ' + self.key)
        if data is not None:
            req.add_header('Content-Type',
                           'application/x-www-form-urlencoded')
        if idempotency_key:
            req.add_header('Idempotency-Key', idempotency_key)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            body = e.read().decode('utf-8', 'replace')
            if allow_error:
                return json.loads(body or '{}')
            raise SystemExit('seed: %s %s -> %d %s'
                             % (method, path, e.code, body))

    def get(self, path, **params):
        return self.call('GET', path, params)

    def post(self, path, params=None, idem=None):
        return self.call('POST', path, params, idem)

    def delete(self, path, params=None):
        return self.call('DELETE', path, params)


def with_suffix(email, suffix):
    if not suffix:
        return email
    local, _, domain = email.partition('@')
    return '%s%s@%s' % (local, suffix, domain)


def ensure_catalog(api):
    products, prices = {}, {}
    for key, prod_key, amount, currency, interval in CATALOG:
        found = api.get('/v1/prices', **{'lookup_keys[]': LOOKUP_PREFIX + key,
                                         'active': 'true'})['data']
        if found:
            prices[key] = found[0]['id']
            products.setdefault(prod_key, found[0]['product'])
    for prod_key, params in PRODUCTS.items():
        if prod_key not in products:
            products[prod_key] = api.post('/v1/products', params)['id']
    for key, prod_key, amount, currency, interval in CATALOG:
        if key in prices:
            continue
        prices[key] = api.post('/v1/prices', {
            'product': products[prod_key],
            'unit_amount': amount,
            'currency': currency,
            'recurring[interval]': interval,
            'recurring[interval_count]': 1,
            'nickname': NICKNAMES[interval] + (' (JPY)' if currency == 'jpy'
                                               else ''),
            'lookup_key': LOOKUP_PREFIX + key,
            'metadata[portico_price]': key,
            # The plan picker offers only prices the merchant marks.
            'metadata[portico_offered]': 'true',
        })['id']
    return products, prices


def ensure_coupon(api):
    try:
        return api.call('GET', '/v1/coupons/WELCOME20')['id']
    except SystemExit as e:
        if '404' not in str(e):
            raise
    # Customers may enter only coupons the merchant marked redeemable.
    api.post('/v1/coupons', {'id': 'STAFF100', 'percent_off': 100,
                             'duration': 'forever',
                             'name': 'Staff (not for customers)'})
    return api.post('/v1/coupons', {'id': 'WELCOME20', 'percent_off': 20,
                                    'duration': 'once',
                                    'name': 'Welcome 20% off',
                                    'metadata[portico_redeemable]': 'true'})['id']


def ensure_promotion_code(api):
    """SPRING25: a customer-facing promotion code (25% off once)."""
    found = api.get('/v1/promotion_codes', code='SPRING25')['data']
    if found:
        return found[0]['id']
    try:
        api.call('GET', '/v1/coupons/SPRING25-COUPON')
    except SystemExit as e:
        if '404' not in str(e):
            raise
        # Not marked redeemable: customers reach it only through its code.
        api.post('/v1/coupons', {'id': 'SPRING25-COUPON', 'percent_off': 25,
                                 'duration': 'once',
                                 'name': 'Spring 25% off'})
    return api.post('/v1/promotion_codes', {
        'promotion[type]': 'coupon', 'promotion[coupon]': 'SPRING25-COUPON',
        'code': 'SPRING25'})['id']


def make_customer(api, email, name, run):
    cus = api.post('/v1/customers', {'email': email, 'name': name,
                                     'metadata[portico_seed]': run},
                   idem='seed-%s-cus-%s' % (run, email))
    pm = api.post('/v1/payment_methods/pm_card_visa/attach',
                  {'customer': cus['id']})
    api.post('/v1/customers/' + cus['id'],
             {'invoice_settings[default_payment_method]': pm['id']})
    return {'id': cus['id'], 'email': email, 'name': name,
            'payment_method': pm['id'], 'subscriptions': {},
            'invoices': []}


def subscribe(api, cus, scenario, price, run, **extra):
    params = {'customer': cus['id'], 'items[0][price]': price,
              'metadata[portico_scenario]': scenario}
    for k, v in extra.items():
        params[k] = v
    sub = api.post('/v1/subscriptions', params,
                   idem='seed-%s-sub-%s-%s' % (run, cus['id'], scenario))
    cus['subscriptions'][scenario] = sub['id']
    if sub.get('latest_invoice'):
        cus['invoices'].append(sub['latest_invoice'])
    return sub


def open_invoice(api, cus, run):
    """An open invoice the customer still has to pay: the subscription's
    next invoice, with an extra item, charged to a card that fails.
    (localstripe cannot make one-off invoices: POST /v1/invoices always
    bills the customer's subscription.)"""
    failing = api.post('/v1/payment_methods', {
        'type': 'card', 'card[number]': '4000000000000341',
        'card[exp_month]': '12', 'card[exp_year]': '2034',
        'card[cvc]': '123'})
    api.post('/v1/payment_methods/%s/attach' % failing['id'],
             {'customer': cus['id']})
    api.post('/v1/customers/' + cus['id'],
             {'invoice_settings[default_payment_method]': failing['id']})
    api.post('/v1/invoiceitems', {'customer': cus['id'], 'amount': 1500,
                                  'currency': 'usd',
                                  'description': 'Priority support'},
             idem='seed-%s-ii-%s' % (run, cus['id']))
    inv = api.post('/v1/invoices', {'customer': cus['id']},
                   idem='seed-%s-in-%s' % (run, cus['id']))
    api.call('POST', '/v1/invoices/%s/pay' % inv['id'], allow_error=True)
    api.post('/v1/customers/' + cus['id'],
             {'invoice_settings[default_payment_method]':
              cus['payment_method']})
    api.post('/v1/payment_methods/%s/detach' % failing['id'])
    cus['invoices'].append(inv['id'])
    cus['open_invoice'] = inv['id']


def seed(api, suffix):
    run = uuid.uuid4().hex[:12]
    products, prices = ensure_catalog(api)
    coupon = ensure_coupon(api)
    promotion_code = ensure_promotion_code(api)

    customers = {}
    ada = customers['ada'] = make_customer(
        api, with_suffix('ada@example.com', suffix), 'Ada Lovelace', run)
    subscribe(api, ada, 'pro_monthly', prices['pro_monthly'], run)
    subscribe(api, ada, 'seats', prices['seats_monthly'], run,
              **{'items[0][quantity]': 5})
    s = subscribe(api, ada, 'starter_yearly_canceling',
                  prices['starter_yearly'], run)
    api.post('/v1/subscriptions/' + s['id'], {'cancel_at_period_end': True})
    s = subscribe(api, ada, 'starter_monthly_canceled',
                  prices['starter_monthly'], run)
    api.delete('/v1/subscriptions/' + s['id'])

    open_invoice(api, ada, run)

    trial = customers['trial'] = make_customer(
        api, with_suffix('trial@example.com', suffix), 'Tom Trial', run)
    subscribe(api, trial, 'pro_trial', prices['pro_monthly'], run,
              trial_period_days=14)

    yuki = customers['yuki'] = make_customer(
        api, with_suffix('yuki@example.jp', suffix), 'Yuki Tanaka', run)
    subscribe(api, yuki, 'pro_monthly_jpy', prices['pro_monthly_jpy'], run)

    customers['empty'] = make_customer(
        api, with_suffix('empty@example.com', suffix), 'Emma Empty', run)

    # Assign invoice numbers in creation order (the emulator numbers an
    # invoice the first time it is read).
    for c in customers.values():
        for inv in c['invoices']:
            api.get('/v1/invoices/' + inv)

    return {
        'api_base': api.base,
        'run': run,
        'products': products,
        'prices': prices,
        'coupon': coupon,
        'promotion_code': promotion_code,
        'customers': customers,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('--api-base', default=os.environ.get(
        'STRIPE_API_BASE', 'http://127.0.0.1:%s' % os.environ.get(
            'STRIPE_EMULATOR_PORT', '12111')))
    ap.add_argument('--api-key', default=os.environ.get(
        'STRIPE_SECRET_KEY', 'sk_test_portico_seed'))
    ap.add_argument('--email-suffix', default='',
                    help="inserted before '@' in every email, e.g. +run42")
    ap.add_argument('--out', default='-', help='manifest path (- = stdout)')
    args = ap.parse_args(argv)
    if not args.api_key.startswith('sk_test_'):
        ap.error('refusing to seed with a key that is not sk_test_...')
    manifest = seed(Api(args.api_base, args.api_key), args.email_suffix)
    text = json.dumps(manifest, indent=2, sort_keys=True) + '\n'
    if args.out == '-':
        sys.stdout.write(text)
    else:
        with open(args.out, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
