"""Products: `POST /v1/products[/{id}]`, `GET /v1/products`.  The fields
real Stripe has and localstripe does not store (unit_label, images,
marketing_features, ...) live in the side table (merged back in by
shaping.catalog)."""

from . import lists
from .encoding import encode_pairs, merge_metadata, now, to_bool
from .http import Resp

PRODUCT_SIDE = ('unit_label', 'images', 'marketing_features',
                'default_price', 'tax_code', 'package_dimensions')


def split_params(p):
    body, extras = {}, {}
    for k, v in p.items():
        if k == 'expand':
            continue
        if k in PRODUCT_SIDE:
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


async def h_create(layer, req):
    p = req.params
    body, extras = split_params(p)
    meta = body.pop('metadata', None)
    if isinstance(meta, dict):
        body['metadata'] = {k: v for k, v in meta.items() if v != ''}
    prod = await layer.inner_obj('POST', '/v1/products', json_body=body,
                                 auth=req.auth)
    extras['updated'] = prod.get('created') or now()
    layer.state.set_extras(prod['id'], **extras)
    dpd = p.get('default_price_data')
    if isinstance(dpd, dict):
        # Real Stripe: default_price_data creates the product's price.
        dpd = dict(dpd, product=prod['id'])
        price = await layer.internal('POST', '/v1/prices', req.auth,
                                     encode_pairs(dpd))
        if price.status >= 400:
            return price
        layer.state.set_extras(prod['id'], default_price=price.data['id'])
    return Resp(200, prod)


async def h_update(layer, req, id):
    p = req.params
    body, extras = split_params(p)
    meta = body.pop('metadata', None)
    cur = await layer.inner_obj('GET', '/v1/products/' + id, auth=req.auth)
    if body:
        cur = await layer.inner_obj('POST', '/v1/products/' + id,
                                    json_body=body, auth=req.auth)
    if meta is not None:
        layer.shaper.fix_product(cur, None)
        extras['metadata'] = merge_metadata(cur.get('metadata') or {},
                                            meta)
    extras['updated'] = now()
    layer.state.set_extras(id, **extras)
    return Resp(200, cur)


async def h_list(layer, req):
    p = req.params
    q = []
    if p.get('active') not in (None, ''):
        q.append(('active', p['active']))
    items = await layer.inner_list('/v1/products', req.auth, q)
    ids = p.get('ids')
    if ids:
        ids = ids if isinstance(ids, list) else [ids]
        items = [x for x in items if x['id'] in ids]
    items = lists.created_filter(p, items)
    return lists.paginate(req, lists.newest_first(layer, items),
                          '/v1/products')
