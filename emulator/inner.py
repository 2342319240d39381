"""Start the unmodified `localstripe` server (GPL, installed from PyPI) bound
to 127.0.0.1 only.

localstripe itself always listens on every interface and keeps its state in
one hard-coded file shared by every instance.  This launcher only imports its
aiohttp `app` and runs it with our own bind address; it also points the
state file at a per-port path so parallel emulators do not overwrite each
other.  No localstripe code is copied here.

Usage: python inner.py --port 12112 [--from-scratch] [--state-file PATH]
"""

import argparse
import logging
import os
import pickle
import sys
import tempfile


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--from-scratch', action='store_true',
                        help='do not load the saved state')
    parser.add_argument('--state-file', default=None,
                        help='where localstripe state is persisted (default:'
                             ' $TMPDIR/portico-localstripe-PORT.pickle)')
    parser.add_argument('--access-log', action='store_true')
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe.server import app
    from localstripe.resources import store

    state_file = args.state_file or os.path.join(
        tempfile.gettempdir(), 'portico-localstripe-%d.pickle' % args.port)

    # Persistence: same on-disk format as localstripe's own (a pickle of its
    # store), only at a path of our choosing.  These are instance attributes,
    # so the store's own __setitem__/__delitem__ and the server's middleware
    # pick them up.
    def dump_to_disk():
        tmp = state_file + '.tmp'
        with open(tmp, 'wb') as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, state_file)

    def try_load_from_disk():
        try:
            with open(state_file, 'rb') as f:
                old = pickle.load(f)
        except (FileNotFoundError, EOFError):
            return
        dict.clear(store)
        dict.update(store, old)

    store.dump_to_disk = dump_to_disk
    store.try_load_from_disk = try_load_from_disk

    if args.from_scratch:
        dict.clear(store)
        dump_to_disk()
    else:
        try_load_from_disk()

    access_log = None
    if args.access_log:
        access_log = logging.getLogger('aiohttp.access')
        access_log.setLevel(logging.INFO)
        access_log.addHandler(logging.StreamHandler(sys.stderr))

    web.run_app(app, host='127.0.0.1', port=args.port, access_log=access_log,
                print=None, handle_signals=True)


if __name__ == '__main__':
    main()
