"""Shape fixes for invoices and their lines."""

from ..encoding import now
from .fill import fill, fill_none


class InvoiceShapes:
    def fix_invoice(self, inv, parent):
        iid = inv.get('id')
        voided = self.state.extras(iid).get('voided') if iid else None
        if voided:
            # Voided by the layer (invoices.h_void), which localstripe's
            # own void would turn into a canceled subscription.
            inv['status'] = 'void'
            inv.setdefault('status_transitions', {})['voided_at'] = voided
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
