"""The side table: what the layer adds to localstripe's state (metadata
updates, discounts, cancellation details, invoice numbers, price lookup
keys, promotion codes, schedules, webhook targets), kept in memory and
mirrored to a small JSON file so a restart without --from-scratch keeps it.
(localstripe's own state is its pickle, see inner.py.)
"""

import json
import logging
import os

log = logging.getLogger('portico.compat')


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

    def promotion_codes(self):
        """promo_ id -> PromotionCode (localstripe has none)."""
        return self.data.setdefault('promotion_codes', {})

    def schedules(self):
        """sub_sched_ id -> SubscriptionSchedule (localstripe has none)."""
        return self.data.setdefault('schedules', {})

    def schedule_of(self, sub_id):
        schid = self.extras(sub_id).get('schedule')
        return self.schedules().get(schid) if schid else None
