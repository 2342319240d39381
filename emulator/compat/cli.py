"""Command line: `python emulator/compat --port 12111 --upstream
http://127.0.0.1:12112` (normally started by `emulator/run`)."""

import argparse
import logging
import os
import sys
import tempfile

from aiohttp import web

from .http import make_app
from .layer import Layer

log = logging.getLogger('portico.compat')


def main(argv=None):
    ap = argparse.ArgumentParser(prog='compat',
                                 description='Portico Stripe compat proxy')
    ap.add_argument('--port', type=int,
                    default=int(os.environ.get('STRIPE_EMULATOR_PORT',
                                               12111)))
    ap.add_argument('--upstream', default=None,
                    help='localstripe base URL (default: port+1)')
    ap.add_argument('--public-url', default=os.environ.get(
        'STRIPE_EMULATOR_PUBLIC_URL'),
        help='base URL used in invoice_pdf / hosted_invoice_url')
    ap.add_argument('--state-file', default=None)
    ap.add_argument('--from-scratch', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else
                        logging.WARNING, stream=sys.stderr,
                        format='compat: %(message)s')
    upstream = args.upstream or 'http://127.0.0.1:%d' % (args.port + 1)
    state_file = args.state_file or os.path.join(
        tempfile.gettempdir(), 'portico-compat-%d.json' % args.port)
    layer = Layer(upstream, args.port, args.public_url, state_file,
                  args.from_scratch)
    web.run_app(make_app(layer), host='127.0.0.1', port=args.port,
                print=None, access_log=log if args.verbose else None)
