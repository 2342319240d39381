"""Shape fixes for subscriptions and their items."""

import copy

from ..encoding import now
from .fill import fill, fill_none


class SubscriptionShapes:
    def fix_subscription(self, sub, parent):
        sid = sub.get('id')
        ex = self.state.extras(sid)
        # Real Stripe pending update (subscriptions.hold): the subscription
        # keeps what it had until the update's invoice is paid.
        held = ex.get('pending')
        if held:
            for k, v in held['view'].items():
                sub[k] = copy.deepcopy(v)
            sub['pending_update'] = copy.deepcopy(held['update'])
        # An invoice the layer hid (subscriptions.drop_pending) is not the
        # latest one; the voided invoice of the dropped update is.
        li = sub.get('latest_invoice')
        if isinstance(li, str) and self.state.extras(li).get('hidden') \
                and ex.get('latest_invoice'):
            sub['latest_invoice'] = ex['latest_invoice']
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
