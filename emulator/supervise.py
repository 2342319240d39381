"""Start localstripe (inner, 127.0.0.1:PORT+1) and the compat proxy
(127.0.0.1:PORT), wait until both answer, print one readiness line, and stop
both on SIGTERM/SIGINT.  Invoked by `emulator/run`; see README.md.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def http(method, url, timeout=2.0):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def die_with_parent():
    # Linux: children get SIGTERM if the supervisor dies without cleaning up.
    try:
        import ctypes
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv=None):
    env_port = int(os.environ.get('STRIPE_EMULATOR_PORT', '12111'))
    ap = argparse.ArgumentParser(prog='emulator/run', description=__doc__)
    ap.add_argument('port', nargs='?', type=int, default=None,
                    help='proxy port (default $STRIPE_EMULATOR_PORT or 12111)')
    ap.add_argument('--port', dest='port_opt', type=int, default=None)
    ap.add_argument('--inner-port', type=int, default=None,
                    help='localstripe port (default: port + 1)')
    ap.add_argument('--from-scratch', action='store_true',
                    help='start with empty data')
    ap.add_argument('--state-dir', default=os.environ.get(
        'STRIPE_EMULATOR_STATE_DIR', tempfile.gettempdir()),
        help='where both processes persist their state')
    ap.add_argument('--public-url', default=os.environ.get(
        'STRIPE_EMULATOR_PUBLIC_URL'),
        help='base URL for invoice_pdf/hosted_invoice_url links')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args(argv)

    port = args.port_opt or args.port or env_port
    inner_port = args.inner_port or port + 1
    for p in (port, inner_port):
        if not port_free(p):
            print('emulator: port %d on 127.0.0.1 is already in use' % p,
                  file=sys.stderr)
            return 2
    os.makedirs(args.state_dir, exist_ok=True)

    py = sys.executable
    inner_cmd = [py, os.path.join(HERE, 'inner.py'), '--port', str(inner_port),
                 '--state-file', os.path.join(
                     args.state_dir, 'portico-localstripe-%d.pickle'
                     % inner_port)]
    compat_cmd = [py, os.path.join(HERE, 'compat'), '--port', str(port),
                  '--upstream', 'http://127.0.0.1:%d' % inner_port,
                  '--state-file', os.path.join(
                      args.state_dir, 'portico-compat-%d.json' % port)]
    if args.from_scratch:
        inner_cmd.append('--from-scratch')
        compat_cmd.append('--from-scratch')
    if args.public_url:
        compat_cmd += ['--public-url', args.public_url]
    if args.verbose:
        inner_cmd.append('--access-log')
        compat_cmd.append('--verbose')

    children = []
    stopping = [False]

    def stop(code):
        stopping[0] = True
        for c in children:
            if c.poll() is None:
                c.terminate()
        deadline = time.time() + 5
        for c in children:
            try:
                c.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                c.kill()
                c.wait()
        sys.exit(code)

    def on_signal(signum, frame):
        if not stopping[0]:
            stop(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    def spawn(cmd):
        c = subprocess.Popen(cmd, preexec_fn=die_with_parent)
        children.append(c)
        return c

    def wait_for(check, child, what, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if child.poll() is not None:
                print('emulator: %s exited with %s during startup'
                      % (what, child.returncode), file=sys.stderr)
                stop(1)
            if check():
                return
            time.sleep(0.05)
        print('emulator: %s did not become ready' % what, file=sys.stderr)
        stop(1)

    inner_base = 'http://127.0.0.1:%d' % inner_port
    base = 'http://127.0.0.1:%d' % port
    inner = spawn(inner_cmd)
    wait_for(lambda: http('GET', inner_base + '/js.stripe.com/v3/') == 200,
             inner, 'localstripe')
    if args.from_scratch:
        if http('DELETE', inner_base + '/_config/data') != 200:
            print('emulator: could not reset localstripe data',
                  file=sys.stderr)
            stop(1)
    compat = spawn(compat_cmd)
    wait_for(lambda: http('GET', base + '/_compat/health') == 200, compat,
             'compat proxy')
    print('stripe emulator ready on %s (localstripe on %s)'
          % (base, inner_base), flush=True)

    while True:
        for c in children:
            if c.poll() is not None and not stopping[0]:
                print('emulator: child %s exited with %s; stopping'
                      % (c.args[1], c.returncode), file=sys.stderr)
                stop(1)
        time.sleep(0.2)


if __name__ == '__main__':
    sys.exit(main())
