"""Behaviour tests for the Stripe emulator (localstripe + compat proxy).

Starts `emulator/run` on a free port, seeds it, and checks what a real Stripe
client would notice.  Stdlib only; run with the venv that has localstripe:

    cd emulator && ../.venv/bin/python -m unittest test_compat -v

The venv is $PORTICO_VENV if set, else the one running the tests.
"""

import hashlib
import hmac
import http.server
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = 'sk_test_compat_tests'


def free_port_pair():
    for _ in range(200):
        port = random.randint(20000, 40000)
        ok = True
        for p in (port, port + 1):
            with socket.socket() as s:
                try:
                    s.bind(('127.0.0.1', p))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError('no free port pair')


class Emulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.port = free_port_pair()
        cls.base = 'http://127.0.0.1:%d' % cls.port
        env = dict(os.environ, PORTICO_VENV=os.environ.get('PORTICO_VENV',
                                                           sys.prefix))
        cls.proc = subprocess.Popen(
            [os.path.join(HERE, 'run'), str(cls.port), '--from-scratch',
             '--state-dir', cls.tmp.name], env=env, stdout=subprocess.PIPE)
        line = cls.proc.stdout.readline().decode()
        if 'ready' not in line:
            cls.tearDownClass()
            raise RuntimeError('emulator did not start: %r' % line)
        out = os.path.join(cls.tmp.name, 'manifest.json')
        subprocess.run([os.path.join(env['PORTICO_VENV'], 'bin', 'python'),
                        os.path.join(HERE, 'seed.py'), '--api-base', cls.base,
                        '--email-suffix', '+t%d' % cls.port, '--out', out],
                       check=True)
        with open(out) as f:
            cls.m = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        cls.proc.wait(10)
        cls.proc.stdout.close()
        cls.tmp.cleanup()

    def api(self, method, path, params=None, headers=None):
        """-> (status, json, response headers)"""
        data = None
        url = self.base + path
        if params is not None:
            enc = urllib.parse.urlencode(params)
            if method == 'GET':
                url += '?' + enc
            else:
                data = enc.encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header('Authorization', 'Bearer ' + KEY)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read()), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), e.headers

    def assertParses(self, ty, body):
        """`body` has every field async-stripe needs to parse it as `ty`."""
        sys.path.insert(0, HERE)
        import shapecheck
        dirs = shapecheck.source_dirs()
        if not dirs:
            self.skipTest('async-stripe sources not in ~/.cargo/registry')
        self.assertEqual(shapecheck.Schema(dirs).validate(ty, body), [], ty)

    # ------------------------------------------------------------------
    def test_prices_list_and_retrieve(self):
        prices = self.m['prices']
        st, body, _ = self.api('GET', '/v1/prices',
                               {'product': self.m['products']['pro']})
        self.assertEqual(st, 200)
        self.assertEqual({p['id'] for p in body['data']},
                         {prices['pro_monthly'], prices['pro_yearly'],
                          prices['pro_monthly_jpy']})
        st, p, _ = self.api('GET', '/v1/prices/' + prices['pro_monthly_jpy'])
        self.assertEqual((st, p['object'], p['type']),
                         (200, 'price', 'recurring'))
        self.assertEqual((p['unit_amount'], p['currency']), (3000, 'jpy'))
        self.assertEqual(p['recurring']['interval'], 'month')
        st, _, _ = self.api('GET', '/v1/prices/price_missing')
        self.assertEqual(st, 404)

    def test_subscription_list_status_all(self):
        ada = self.m['customers']['ada']
        st, body, _ = self.api('GET', '/v1/subscriptions',
                               {'customer': ada['id']})
        active = {s['id'] for s in body['data']}
        st, body, _ = self.api('GET', '/v1/subscriptions',
                               {'customer': ada['id'], 'status': 'all'})
        every = {s['id']: s for s in body['data']}
        canceled = ada['subscriptions']['starter_monthly_canceled']
        self.assertNotIn(canceled, active)
        self.assertEqual(every[canceled]['status'], 'canceled')
        self.assertEqual(set(every), set(ada['subscriptions'].values()))
        pending = every[ada['subscriptions']['starter_yearly_canceling']]
        self.assertTrue(pending['cancel_at_period_end'])
        trial = self.m['customers']['trial']['subscriptions']['pro_trial']
        st, sub, _ = self.api('GET', '/v1/subscriptions/' + trial)
        self.assertEqual(sub['status'], 'trialing')

    def test_metadata_update_persists(self):
        sid = self.m['customers']['yuki']['subscriptions']['pro_monthly_jpy']
        self.api('POST', '/v1/subscriptions/' + sid,
                 {'metadata[plan_note]': 'vip', 'metadata[portico_scenario]':
                  ''})
        st, sub, _ = self.api('GET', '/v1/subscriptions/' + sid)
        self.assertEqual(sub['metadata'], {'plan_note': 'vip'})

    def test_coupons_on_subscriptions(self):
        sid = self.m['customers']['ada']['subscriptions']['pro_monthly']
        st, body, _ = self.api('POST', '/v1/subscriptions/' + sid,
                               {'discounts[0][coupon]': 'NOPE'})
        self.assertEqual(st, 400)
        self.assertEqual(body['error']['type'], 'invalid_request_error')
        self.assertEqual(body['error']['code'], 'resource_missing')
        self.assertEqual(body['error']['param'], 'discounts[0][coupon]')
        st, sub, _ = self.api('POST', '/v1/subscriptions/' + sid,
                              {'discounts[0][coupon]': 'WELCOME20',
                               'expand[]': 'discounts'})
        self.assertEqual(st, 200)
        self.assertEqual(sub['discounts'][0]['source']['coupon'], 'WELCOME20')

    def test_promotion_codes_redeem_their_coupon(self):
        sid = self.m['customers']['yuki']['subscriptions']['pro_monthly_jpy']
        st, body, _ = self.api('GET', '/v1/promotion_codes',
                               {'code': 'spring25', 'active': 'true'})
        self.assertEqual(st, 200)
        self.assertEqual([p['id'] for p in body['data']],
                         [self.m['promotion_code']])
        promo = body['data'][0]
        self.assertEqual(promo['promotion'],
                         {'type': 'coupon', 'coupon': 'SPRING25-COUPON'})
        st, sub, _ = self.api('POST', '/v1/subscriptions/' + sid,
                              {'discounts[0][promotion_code]': promo['id'],
                               'expand[]': 'discounts'})
        self.assertEqual(st, 200, sub)
        d = sub['discounts'][0]
        self.assertEqual((d['promotion_code'], d['source']['coupon']),
                         (promo['id'], 'SPRING25-COUPON'))
        st, again, _ = self.api('GET', '/v1/promotion_codes/' + promo['id'])
        self.assertEqual(again['times_redeemed'], promo['times_redeemed'] + 1)
        # A code limited to one redemption refuses the second one.
        st, once, _ = self.api('POST', '/v1/promotion_codes', {
            'promotion[type]': 'coupon', 'promotion[coupon]': 'WELCOME20',
            'max_redemptions': 1})
        self.assertEqual(st, 200, once)
        ada = self.m['customers']['ada']['subscriptions']
        st, _, _ = self.api('POST', '/v1/subscriptions/' + ada['seats'],
                            {'discounts[0][promotion_code]': once['id']})
        self.assertEqual(st, 200)
        st, err, _ = self.api('POST', '/v1/subscriptions/' + ada['pro_monthly'],
                              {'discounts[0][promotion_code]': once['id']})
        self.assertEqual((st, err['error']['code']),
                         (400, 'promotion_code_max_redemptions'))

    def test_schedule_changes_plan_at_period_end_until_released(self):
        cus = self.m['customers']['empty']['id']
        st, sub, _ = self.api('POST', '/v1/subscriptions', {
            'customer': cus,
            'items[0][price]': self.m['prices']['pro_yearly']})
        self.assertEqual(st, 200, sub)
        st, sched, _ = self.api('POST', '/v1/subscription_schedules',
                                {'from_subscription': sub['id']})
        self.assertEqual(st, 200, sched)
        phase = sched['phases'][0]
        item = sub['items']['data'][0]
        self.assertEqual((phase['start_date'], phase['end_date']),
                         (item['current_period_start'],
                          item['current_period_end']))
        st, sched, _ = self.api(
            'POST', '/v1/subscription_schedules/' + sched['id'], {
                'end_behavior': 'release',
                'phases[0][items][0][price]': self.m['prices']['pro_yearly'],
                'phases[0][start_date]': phase['start_date'],
                'phases[0][end_date]': phase['end_date'],
                'phases[1][items][0][price]':
                    self.m['prices']['starter_monthly'],
                'phases[1][items][0][quantity]': 1})
        self.assertEqual(st, 200, sched)
        self.assertEqual(sched['phases'][1]['start_date'], phase['end_date'])
        self.assertParses('SubscriptionSchedule', sched)
        st, got, _ = self.api('GET', '/v1/subscriptions/' + sub['id'],
                              {'expand[]': 'schedule'})
        self.assertEqual(got['schedule']['id'], sched['id'])
        # The price changes only when the phase starts, not now.
        self.assertEqual(got['items']['data'][0]['price']['id'],
                         self.m['prices']['pro_yearly'])
        st, err, _ = self.api('POST', '/v1/subscriptions/' + sub['id'],
                              {'cancel_at_period_end': 'true'})
        self.assertEqual(st, 400)
        self.assertIn('managed by the subscription schedule',
                      err['error']['message'])
        st, rel, _ = self.api(
            'POST', '/v1/subscription_schedules/%s/release' % sched['id'])
        self.assertEqual((st, rel['status'], rel['released_subscription']),
                         (200, 'released', sub['id']))
        st, got, _ = self.api('GET', '/v1/subscriptions/' + sub['id'])
        self.assertIsNone(got['schedule'])
        self.api('DELETE', '/v1/subscriptions/' + sub['id'])

    def test_invoice_documents(self):
        inv_id = self.m['customers']['ada']['invoices'][0]
        st, inv, _ = self.api('GET', '/v1/invoices/' + inv_id)
        self.assertRegex(inv['number'], r'^PORT-\d{6}$')
        with urllib.request.urlopen(inv['invoice_pdf']) as r:
            self.assertEqual(r.headers['Content-Type'], 'application/pdf')
            self.assertTrue(r.read().startswith(b'%PDF-'))
        with urllib.request.urlopen(inv['hosted_invoice_url']) as r:
            self.assertIn(inv['number'], r.read().decode())

    def test_stripe_js_names_a_failed_3ds_challenge(self):
        # Real Stripe.js: a failed challenge is an error with a code.
        with urllib.request.urlopen(self.base + '/js.stripe.com/v3/') as r:
            js = r.read().decode()
        self.assertIn("code: 'setup_intent_authentication_failure'", js)
        # No global that shadows the DOM's Element.
        self.assertNotIn('class Element ', js)
        self.assertIn('confirmCardSetup', js)

    def customer_paying_with(self, card, price='pro_monthly'):
        """A customer on `price`, paid with a good card, whose default
        card is then `card`."""
        st, cus, _ = self.api('POST', '/v1/customers', {
            'email': 'pending-%d@example.com' % random.randint(0, 10**9)})
        sub = None
        for number in ('4242424242424242', card):
            st, pm, _ = self.api('POST', '/v1/payment_methods', {
                'type': 'card', 'card[number]': number,
                'card[exp_month]': '12', 'card[exp_year]': '2034',
                'card[cvc]': '123'})
            self.api('POST', '/v1/payment_methods/%s/attach' % pm['id'],
                     {'customer': cus['id']})
            self.api('POST', '/v1/customers/' + cus['id'],
                     {'invoice_settings[default_payment_method]': pm['id']})
            if sub is None:
                st, sub, _ = self.api('POST', '/v1/subscriptions', {
                    'customer': cus['id'],
                    'items[0][price]': self.m['prices'][price]})
                self.assertEqual((st, sub['status']), (200, 'active'))
        return cus['id'], sub

    def change_price(self, sub, price, proration):
        return self.api('POST', '/v1/subscriptions/' + sub['id'], {
            'items[0][id]': sub['items']['data'][0]['id'],
            'items[0][price]': self.m['prices'][price],
            'proration_behavior': proration,
            'payment_behavior': 'pending_if_incomplete'})

    def test_pending_update_declined_keeps_the_old_price(self):
        # Real Stripe: with pending_if_incomplete an upgrade whose invoice
        # is declined is not applied; voiding its invoice discards it.
        cus, sub = self.customer_paying_with('4000000000000341')
        st, held, _ = self.change_price(sub, 'pro_yearly', 'create_prorations')
        self.assertEqual(st, 200, held)
        self.assertEqual(held['status'], 'active')
        self.assertEqual(held['items']['data'][0]['price']['id'],
                         self.m['prices']['pro_monthly'])
        pending = held['pending_update']['subscription_items'][0]
        self.assertEqual(pending['price']['id'], self.m['prices']['pro_yearly'])
        self.assertLessEqual(held['pending_update']['expires_at'],
                             time.time() + 23 * 3600)
        st, inv, _ = self.api('GET', '/v1/invoices/' + held['latest_invoice'])
        self.assertEqual(inv['status'], 'open')
        st, paying, _ = self.api('GET', '/v1/invoices/' + inv['id'], {
            'expand[]': 'payments.data.payment.payment_intent'})
        intent = paying['payments']['data'][0]['payment']['payment_intent']
        self.assertEqual(intent['status'], 'requires_payment_method')
        st, void, _ = self.api('POST', '/v1/invoices/%s/void' % inv['id'])
        self.assertEqual((st, void['status']), (200, 'void'))
        st, after, _ = self.api('GET', '/v1/subscriptions/' + sub['id'])
        self.assertEqual((after['status'], after['pending_update']),
                         ('active', None))
        self.assertEqual(after['items']['data'][0]['price']['id'],
                         self.m['prices']['pro_monthly'])
        self.assertEqual(after['latest_invoice'], inv['id'])
        st, invs, _ = self.api('GET', '/v1/invoices', {'customer': cus})
        self.assertEqual(sorted(i['status'] for i in invs['data']),
                         ['paid', 'void'])
        self.assertParses('Subscription', held)
        self.assertParses('Invoice', paying)

    def test_pending_update_applies_once_3ds_is_completed(self):
        cus, sub = self.customer_paying_with('4000002500003155',
                                             'starter_monthly')
        st, held, _ = self.change_price(sub, 'pro_monthly', 'always_invoice')
        self.assertEqual(st, 200, held)
        self.assertEqual(held['items']['data'][0]['price']['id'],
                         self.m['prices']['starter_monthly'])
        self.assertIsNotNone(held['pending_update'])
        st, inv, _ = self.api('GET', '/v1/invoices/' + held['latest_invoice'])
        with urllib.request.urlopen(inv['hosted_invoice_url']) as r:
            self.assertIn('Complete authentication', r.read().decode())
        req = urllib.request.Request(
            inv['hosted_invoice_url'] + '/authenticate',
            data=b'success=true', method='POST')
        with urllib.request.urlopen(req) as r:
            self.assertEqual(r.status, 200)  # followed to the page
        st, after, _ = self.api('GET', '/v1/subscriptions/' + sub['id'])
        self.assertEqual(after['pending_update'], None)
        self.assertEqual(after['items']['data'][0]['price']['id'],
                         self.m['prices']['pro_monthly'])
        st, inv, _ = self.api('GET', '/v1/invoices/' + inv['id'])
        self.assertEqual((inv['status'], inv['total']), ('paid', 2000))

    def test_always_invoice_bills_the_change_at_once(self):
        cus, sub = self.customer_paying_with('4242424242424242',
                                             'starter_monthly')
        st, after, _ = self.change_price(sub, 'pro_monthly', 'always_invoice')
        self.assertEqual(after['pending_update'], None)
        self.assertNotEqual(after['latest_invoice'], sub['latest_invoice'])
        st, inv, _ = self.api('GET', '/v1/invoices/' + after['latest_invoice'])
        self.assertEqual(inv['status'], 'paid')

    def test_pending_update_takes_only_its_parameters(self):
        cus, sub = self.customer_paying_with('4242424242424242')
        st, err, _ = self.api('POST', '/v1/subscriptions/' + sub['id'], {
            'payment_behavior': 'pending_if_incomplete',
            'metadata[a]': 'b'})
        self.assertEqual((st, err['error']['param']), (400, 'metadata'))

    def test_idempotent_post_is_replayed(self):
        cus = self.m['customers']['empty']['id']
        params = {'customer': cus,
                  'items[0][price]': self.m['prices']['starter_monthly']}
        hdr = {'Idempotency-Key': 'test-%d' % self.port}
        st1, a, _ = self.api('POST', '/v1/subscriptions', params, hdr)
        st2, b, h = self.api('POST', '/v1/subscriptions', params, hdr)
        self.assertEqual((st1, st2, a['id']), (200, 200, b['id']))
        self.assertEqual(h['Idempotent-Replayed'], 'true')
        st, body, _ = self.api('GET', '/v1/subscriptions', {'customer': cus})
        self.assertEqual([s['id'] for s in body['data']], [a['id']])
        st, err, _ = self.api('POST', '/v1/subscriptions',
                              dict(params, **{'items[0][quantity]': 2}), hdr)
        self.assertEqual((st, err['error']['type']),
                         (400, 'idempotency_error'))
        self.api('DELETE', '/v1/subscriptions/' + a['id'])

    def test_requests_are_counted_per_key(self):
        other = 'sk_test_compat_counted'

        def count(key):
            st, body, _ = self.api('GET', '/_compat/requests', {'key': key})
            self.assertEqual(st, 200)
            return body['count']

        self.api('DELETE', '/_compat/requests?key=' + other)
        before = count(KEY)
        req = urllib.request.Request(self.base + '/v1/products?limit=1')
        req.add_header('Authorization', 'Bearer ' + other)
        urllib.request.urlopen(req, timeout=30).read()
        self.assertEqual(count(other), 1)
        # Counting reads no /v1 request, and another key's calls are not ours.
        self.assertEqual(count(KEY), before)
        self.api('DELETE', '/_compat/requests?key=' + other)
        self.assertEqual(count(other), 0)

    def test_webhook_signed_like_stripe(self):
        got = queue.Queue()
        secret = 'whsec_tests'

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                got.put((self.headers['Stripe-Signature'], body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        srv = http.server.HTTPServer(('127.0.0.1', 0), Hook)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            url = 'http://127.0.0.1:%d/' % srv.server_port
            st, _, _ = self.api('POST', '/_compat/webhooks', {
                'url': url, 'secret': secret,
                'events[]': 'customer.subscription.updated'})
            self.assertEqual(st, 200)
            sid = self.m['customers']['ada']['subscriptions']['seats']
            self.api('POST', '/v1/subscriptions/' + sid,
                     {'metadata[webhook]': 'yes'})
            sig, body = got.get(timeout=10)
            parts = dict(p.split('=', 1) for p in sig.split(','))
            mac = hmac.new(secret.encode(), parts['t'].encode() + b'.' + body,
                           hashlib.sha256).hexdigest()
            self.assertEqual(parts['v1'], mac)
            self.assertLess(abs(time.time() - int(parts['t'])), 300)
            event = json.loads(body)
            self.assertEqual(event['type'], 'customer.subscription.updated')
            self.assertEqual(event['data']['object']['metadata']['webhook'],
                             'yes')
            self.assertIn('pending_webhooks', event)
            self.assertIn('request', event)
        finally:
            srv.shutdown()
            srv.server_close()

    def test_responses_parse_as_async_stripe(self):
        sys.path.insert(0, HERE)
        import shapecheck
        dirs = shapecheck.source_dirs()
        if not dirs:
            self.skipTest('async-stripe sources not in ~/.cargo/registry')
        schema = shapecheck.Schema(dirs)
        ada = self.m['customers']['ada']
        checks = [
            ('stripe_types::List<Subscription>', '/v1/subscriptions',
             [('customer', ada['id']), ('status', 'all'),
              ('expand[]', 'data.items.data.price.product')]),
            ('stripe_types::List<Invoice>', '/v1/invoices',
             [('customer', ada['id'])]),
            ('stripe_types::List<Price>', '/v1/prices', []),
            ('stripe_types::List<Product>', '/v1/products', []),
            ('Customer', '/v1/customers/' + ada['id'], []),
            ('Coupon', '/v1/coupons/WELCOME20', []),
            ('stripe_types::List<PromotionCode>', '/v1/promotion_codes', []),
        ]
        for ty, path, q in checks:
            st, body, _ = self.api('GET', path, q)
            self.assertEqual(st, 200, path)
            self.assertEqual(schema.validate(ty, body), [], path)
        st, body, _ = self.api('GET', '/v1/events', {'limit': 100})
        for ev in body['data']:
            self.assertEqual(shapecheck.validate_event(schema, ev), [],
                             ev['type'])


if __name__ == '__main__':
    unittest.main()
