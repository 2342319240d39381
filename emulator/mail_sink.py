"""A real SMTP server for tests: aiosmtpd accepts every message on
127.0.0.1:SMTP_PORT and keeps it in memory; an HTTP API on
127.0.0.1:HTTP_PORT lets tests read the mailbox the way a customer reads
theirs.

    GET    /messages?to=<address>   messages to that address (JSON, oldest first)
    DELETE /messages                forget every message
    GET    /health                  200 once both servers listen

Run by scripts/test (`start_mail_sink` in scripts/lib/common.sh):

    python emulator/mail_sink.py --smtp-port 12225 --http-port 12226
"""

import argparse
import email
import email.policy
import threading
import time

from aiohttp import web
from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self):
        self._lock = threading.Lock()
        self._messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        message = {
            "mail_from": envelope.mail_from,
            "to": [address.lower() for address in envelope.rcpt_tos],
            "from": str(parsed.get("From", "")),
            "subject": str(parsed.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
            "received_at": time.time(),
        }
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        address = address.lower()
        with self._lock:
            return [m for m in self._messages if address in m["to"]]

    def clear(self):
        with self._lock:
            self._messages.clear()


def http_app(mailbox):
    async def messages(request):
        address = request.query.get("to", "")
        return web.json_response(mailbox.to(address))

    async def clear(request):
        mailbox.clear()
        return web.json_response({"deleted": True})

    async def health(request):
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/messages", messages)
    app.router.add_delete("/messages", clear)
    app.router.add_get("/health", health)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smtp-port", type=int, default=12225)
    parser.add_argument("--http-port", type=int, default=12226)
    args = parser.parse_args()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    try:
        web.run_app(http_app(mailbox), host="127.0.0.1", port=args.http_port, print=None)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
