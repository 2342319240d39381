"""Shape fixes for payment intents and charges (fields async-stripe
requires)."""

from .fill import fill


class PaymentShapes:
    def fix_payment_intent(self, pi, parent):
        succeeded = pi.get('status') == 'succeeded'
        fill(pi,
             amount_capturable=0,
             amount_received=pi.get('amount', 0) if succeeded else 0,
             automatic_payment_methods=None,
             confirmation_method='automatic',
             payment_method_types=['card'])
        err = pi.get('last_payment_error')
        if isinstance(err, dict):
            # Real Stripe: a declined payment's error is a card_error.
            fill(err, type='card_error')

    def fix_charge(self, ch, parent):
        fill(ch,
             amount_captured=(ch.get('amount', 0) if ch.get('captured')
                              else 0),
             billing_details={'address': None, 'email': None, 'name': None,
                              'phone': None, 'tax_id': None},
             disputed=False)
