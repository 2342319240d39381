"""The route table: which request goes to which module.  Read this first.

Each row is (method, path pattern, handler); the first row that matches
wins, so a fixed path comes before a pattern that would also match it
(`/v1/prices/search` before `/v1/prices/{id}`).  A handler is
`async def h_...(layer, req, **path_params)` and returns a `Resp` (or raises
`StripeError`).  Anything not listed passes through to localstripe
unchanged (Layer.passthrough); every /v1 answer, routed or not, then gets
its shape fixes, `expand[]` and Stripe's error shapes (Layer.run).

A new Stripe resource goes in a new module plus its rows here.
"""

import re

from . import (control, coupons, customers, documents, events, invoices,
               payment_methods, prices, products, promotion_codes,
               schedules, setup_intents, stripe_js, subscription_items,
               subscriptions, webhooks)
from .errors import unsupported

ID = r'(?P<id>[^/]+)'

ROUTES = [
    # The emulator's own endpoints (webhooks.py, documents.py, control.py)
    ('GET', r'/_compat/health', control.h_health),
    ('GET', r'/_compat/requests', control.h_requests),
    ('DELETE', r'/_compat/requests', control.h_forget_requests),
    ('POST', r'/_compat/webhooks', webhooks.h_register),
    ('GET', r'/_compat/webhooks', webhooks.h_list),
    ('GET', r'/_compat/webhooks/deliveries', webhooks.h_deliveries),
    ('DELETE', r'/_compat/webhooks/' + ID, webhooks.h_delete),
    ('POST', r'/_compat/inner-webhook', webhooks.h_inner),
    ('GET', r'/_compat/invoices/' + ID + '/pdf', documents.h_pdf),
    ('GET', r'/_compat/invoices/' + ID, documents.h_page),
    ('POST', r'/_compat/invoices/' + ID + '/pay', documents.h_pay),
    ('POST', r'/_compat/invoices/' + ID + '/authenticate',
     documents.h_authenticate),
    ('DELETE', r'/_config/data', control.h_reset),
    # Catalog
    ('POST', r'/v1/prices', prices.h_create),
    ('GET', r'/v1/prices', prices.h_list),
    ('GET', r'/v1/prices/search', unsupported),
    ('GET', r'/v1/prices/' + ID, prices.h_get),
    ('POST', r'/v1/prices/' + ID, prices.h_update),
    ('POST', r'/v1/products', products.h_create),
    ('GET', r'/v1/products', products.h_list),
    ('POST', r'/v1/products/' + ID, products.h_update),
    ('POST', r'/v1/coupons', coupons.h_create),
    ('POST', r'/v1/coupons/' + ID, coupons.h_update),
    # Subscriptions
    ('POST', r'/v1/subscriptions', subscriptions.h_create),
    ('GET', r'/v1/subscriptions', subscriptions.h_list),
    ('GET', r'/v1/subscriptions/search', unsupported),
    ('GET', r'/v1/subscriptions/' + ID, subscriptions.h_get),
    ('POST', r'/v1/subscriptions/' + ID, subscriptions.h_update),
    ('DELETE', r'/v1/subscriptions/' + ID, subscriptions.h_cancel),
    ('GET', r'/v1/subscription_items', subscription_items.h_list),
    ('GET', r'/v1/subscription_items/' + ID, subscription_items.h_get),
    ('POST', r'/v1/subscription_items/' + ID, subscription_items.h_update),
    # Invoices
    ('GET', r'/v1/invoices', invoices.h_list),
    ('GET', r'/v1/invoices/upcoming', invoices.h_upcoming),
    ('POST', r'/v1/invoices/create_preview', invoices.h_preview),
    ('POST', r'/v1/invoices/' + ID + '/pay', invoices.h_pay),
    ('POST', r'/v1/invoices/' + ID + '/void', invoices.h_void),
    # Customers and their cards
    ('GET', r'/v1/customers', customers.h_list),
    ('GET', r'/v1/customers/search', customers.h_search),
    ('GET', r'/v1/customers/' + ID + '/payment_methods',
     payment_methods.h_list_for_customer),
    ('GET', r'/v1/payment_methods', payment_methods.h_list),
    ('POST', r'/v1/setup_intents', setup_intents.h_create),
    ('POST', r'/v1/setup_intents/' + ID + '/confirm', setup_intents.h_confirm),
    ('GET', r'/js\.stripe\.com/v3/', stripe_js.h_get),
    # Events, discounts, promotion codes, schedules
    ('GET', r'/v1/events', events.h_list),
    ('GET', r'/v1/events/' + ID, events.h_get),
    ('GET', r'/v1/discounts/' + ID, coupons.h_discount_get),
    ('POST', r'/v1/promotion_codes', promotion_codes.h_create),
    ('GET', r'/v1/promotion_codes', promotion_codes.h_list),
    ('GET', r'/v1/promotion_codes/' + ID, promotion_codes.h_get),
    ('POST', r'/v1/promotion_codes/' + ID, promotion_codes.h_update),
    ('POST', r'/v1/subscription_schedules', schedules.h_create),
    ('GET', r'/v1/subscription_schedules/' + ID, schedules.h_get),
    ('POST', r'/v1/subscription_schedules/' + ID, schedules.h_update),
    ('POST', r'/v1/subscription_schedules/' + ID + '/release',
     schedules.h_release),
]


def compiled():
    """[(method, compiled anchored pattern, handler)] in table order."""
    return [(m, re.compile('^' + p + '$'), h) for m, p, h in ROUTES]
