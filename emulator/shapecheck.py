"""Check JSON against the deserializers async-stripe generates (dev tool).

async-stripe 1.0 reports a failed parse without naming the field.  This
reads the crate sources cargo unpacked (~/.cargo/registry/src/*/
async-stripe-*-VERSION) and tells which required field is missing or has
the wrong type.  VERSION comes from $ASYNC_STRIPE_VERSION, else from the
repo's Cargo.lock, else 1.0.0-rc.10.

    python emulator/shapecheck.py Subscription < subscription.json
    python emulator/shapecheck.py 'List<Invoice>' invoices.json

It understands the generated code's conventions: a field whose builder
default is `None` is required, `Some(None)` is optional; enums that
implement FromStr accept any string (unknown values parse as Unknown).
"""

import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def crate_version():
    v = os.environ.get('ASYNC_STRIPE_VERSION')
    if v:
        return v
    lock = os.path.join(os.path.dirname(HERE), 'Cargo.lock')
    try:
        with open(lock) as fh:
            text = fh.read()
        m = re.search(r'name = "async-stripe-shared"\nversion = "([^"]+)"',
                      text)
        if m:
            return m.group(1)
    except OSError:
        pass
    return '1.0.0-rc.10'


def source_dirs(version=None):
    version = version or crate_version()
    home = os.environ.get('CARGO_HOME', os.path.expanduser('~/.cargo'))
    return sorted(glob.glob(os.path.join(
        home, 'registry', 'src', '*', 'async-stripe-*-%s' % version)))


class Schema:
    def __init__(self, dirs):
        self.structs = {}
        self.str_enums = set()
        for d in dirs:
            for f in glob.glob(os.path.join(d, 'src', '**', '*.rs'),
                               recursive=True):
                with open(f, encoding='utf-8') as fh:
                    self._read(fh.read())

    def _read(self, s):
        for m in re.finditer(r'\npub struct (\w+) \{(.*?)\n\}', s, re.S):
            name = m.group(1)
            if name.endswith('Builder'):
                continue
            fields = re.findall(
                r'\n[ \t]*(?:pub )?(\w+):\s*((?:(?!\n[ \t]*///|\n[ \t]*pub |'
                r'\n[ \t]*#|\n\}).)*?),(?=\s*\n)', m.group(0) + '\n', re.S)
            self.structs.setdefault(name, {})['fields'] = {
                k: ' '.join(v.split()) for k, v in fields}
        for m in re.finditer(
                r'impl MapBuilder\s+for\s+(\w+)Builder\s*\{(.*?)'
                r'fn deser_default\(\) -> Self \{\s*Self \{(.*?)\}\s*\}',
                s, re.S):
            keys = dict(re.findall(
                r'"(\w+)" => (?:\{\s*)?Deserialize::begin\(&mut self\.(\w+)\)',
                m.group(2)))
            default = dict(re.findall(
                r'(\w+): (Some\(None\)|None\b|Some\([^,}]*\))', m.group(3)))
            self.structs.setdefault(m.group(1), {}).update(
                keys=keys, default=default)
        self.str_enums.update(re.findall(r'impl std::str::FromStr for (\w+)',
                                         s))

    def validate(self, type_name, value):
        errs = []
        self._check(type_name, value, type_name, errs)
        return errs

    def _check(self, t, v, path, errs):
        head, args = _generic(t.strip())
        short = head.split('::')[-1]
        if short == 'Option':
            if v is not None:
                self._check(args[0], v, path, errs)
            return
        if v is None:
            errs.append('%s: null, expected %s' % (path, t))
            return
        if short == 'Vec':
            if not isinstance(v, list):
                errs.append('%s: expected a list' % path)
                return
            for i, x in enumerate(v):
                self._check(args[0], x, '%s[%d]' % (path, i), errs)
        elif short == 'Box':
            self._check(args[0], v, path, errs)
        elif short == 'HashMap':
            if not isinstance(v, dict):
                errs.append('%s: expected a map' % path)
                return
            for k, x in v.items():
                self._check(args[1], x, '%s.%s' % (path, k), errs)
        elif short == 'Expandable':
            if not isinstance(v, str):
                self._check(args[0], v, path, errs)
        elif short in ('List', 'SearchList'):
            if not isinstance(v, dict):
                errs.append('%s: expected a list object' % path)
                return
            for k, ty in (('data', list), ('has_more', bool), ('url', str)):
                if not isinstance(v.get(k), ty):
                    errs.append('%s.%s: missing or wrong type' % (path, k))
            for i, x in enumerate(v.get('data') or []):
                self._check(args[0], x, '%s.data[%d]' % (path, i), errs)
        elif short in ('Timestamp', 'i64', 'i32', 'u64', 'u32', 'u16', 'u8',
                       'usize'):
            if not isinstance(v, int) or isinstance(v, bool):
                errs.append('%s: expected an integer, got %r' % (path, v))
            elif short.startswith('u') and v < 0:
                errs.append('%s: negative value for %s' % (path, short))
        elif short == 'f64':
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                errs.append('%s: expected a number, got %r' % (path, v))
        elif short == 'bool':
            if not isinstance(v, bool):
                errs.append('%s: expected a bool, got %r' % (path, v))
        elif short == 'AlwaysTrue':
            if v is not True:
                errs.append('%s: expected true' % path)
        elif short == 'Value':
            pass
        elif short in self.structs and 'default' in self.structs[short]:
            self._struct(short, v, path, errs)
        elif short in ('String', 'Currency') or short in self.str_enums or \
                short.endswith('Id'):
            if not isinstance(v, str):
                errs.append('%s: expected a string (%s), got %r'
                            % (path, short, v))
        # anything else (tagged unions etc.) is not checked

    def _struct(self, name, v, path, errs):
        if not isinstance(v, dict):
            errs.append('%s: expected an object (%s)' % (path, name))
            return
        st = self.structs[name]
        json_key = {f: k for k, f in st.get('keys', {}).items()}
        for field, default in st['default'].items():
            key = json_key.get(field, field)
            ty = st.get('fields', {}).get(field, '?')
            if key not in v:
                if default == 'None':
                    errs.append('%s.%s: missing (required %s.%s: %s)'
                                % (path, key, name, field, ty))
                continue
            self._check(ty, v[key], '%s.%s' % (path, key), errs)


def _generic(t):
    i = t.find('<')
    if i < 0:
        return t, []
    args, depth, cur = [], 0, ''
    for ch in t[i + 1:-1]:
        depth += ch == '<'
        depth -= ch == '>'
        if ch == ',' and depth == 0:
            args.append(cur.strip())
            cur = ''
        else:
            cur += ch
    args.append(cur.strip())
    return t[:i], args


# Event types -> the object async-stripe-webhook parses data.object as.
EVENT_OBJECTS = {
    'customer.subscription': 'Subscription', 'invoice': 'Invoice',
    'invoiceitem': 'InvoiceItem', 'product': 'Product', 'plan': 'Plan',
    'price': 'Price', 'customer': 'Customer', 'coupon': 'Coupon',
    'payment_intent': 'PaymentIntent', 'charge': 'Charge',
    'payment_method': 'PaymentMethod', 'setup_intent': 'SetupIntent',
}


def event_object_type(event_type):
    parts = event_type.split('.')
    for n in range(len(parts) - 1, 0, -1):
        t = EVENT_OBJECTS.get('.'.join(parts[:n]))
        if t:
            return t
    return None


def validate_event(schema, event):
    errs = schema.validate('Event', event)
    t = event_object_type(event.get('type', ''))
    if t and isinstance(event.get('data'), dict):
        errs += schema.validate(t, event['data'].get('object'))
    return errs


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__)
        return 0
    dirs = source_dirs()
    if not dirs:
        print('async-stripe %s sources not found under ~/.cargo/registry'
              % crate_version(), file=sys.stderr)
        return 2
    schema = Schema(dirs)
    if len(argv) > 1:
        with open(argv[1]) as fh:
            data = json.load(fh)
    else:
        data = json.load(sys.stdin)
    t = argv[0]
    if t == 'Event':
        errs = validate_event(schema, data)
    else:
        if t.startswith(('List<', 'SearchList<')):
            t = 'stripe_types::' + t
        errs = schema.validate(t, data)
    print('\n'.join(errs) if errs else 'OK')
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
