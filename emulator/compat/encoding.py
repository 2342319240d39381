"""Stripe's form encoding and the small value helpers every module uses.

Our own implementation of the documented format (`a[b][0][c]=v`, `a[]=v`),
plus Stripe's metadata-update semantics, ids and the clock.
"""

import re
import secrets
import string
import time


def now():
    return int(time.time())


def rand_id(prefix, n=24):
    alphabet = string.ascii_letters + string.digits
    return prefix + ''.join(secrets.choice(alphabet) for _ in range(n))


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
    return listify(root)


def listify(node):
    if not isinstance(node, dict):
        return node
    for k in list(node):
        node[k] = listify(node[k])
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
