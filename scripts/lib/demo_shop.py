"""The demo merchant's site for scripts/demo: an "Acme" account page on
http://localhost:PORT that embeds the portal the way a merchant's server
would, signing the customer anew on every request (see the README's
Python snippet) and listing the events handleResponse receives.

Environment: PORTAL_URL, PORTICO_HASH_SECRET, DEMO_EMAIL, DEMO_SHOP_PORT.
"""

import hashlib
import hmac
import html
import http.server
import json
import os
import time

PORTAL = os.environ["PORTAL_URL"].rstrip("/")
SECRET = os.environ["PORTICO_HASH_SECRET"]
EMAIL = os.environ.get("DEMO_EMAIL", "ada@example.com")
PORT = int(os.environ.get("DEMO_SHOP_PORT", "8080"))


def portico_signed_identity(key_id, secret, value):
    # The README's Python snippet.
    now = int(time.time())
    key = hmac.new(b"portico-signed-identity-v2", secret.encode(), hashlib.sha256).digest()
    mac = hmac.new(key, f"v2\n{key_id}\n{now}\n{value}".encode(), hashlib.sha256).hexdigest()
    return f"v2.{key_id}.{now}.{mac}"


def page():
    settings = {"email": EMAIL, "hash": portico_signed_identity("default", SECRET, EMAIL), "debug": True}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Tools: your account</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
#events {{ font-family: monospace; font-size: 0.85rem; }}</style></head>
<body>
  <h1>Acme Tools: your account</h1>
  <p>The billing portal below is Portico, embedded from {html.escape(PORTAL)}.</p>
  <div id="portico-embed"></div>
  <h2>Events received by handleResponse</h2>
  <ul id="events" aria-live="polite"></ul>
  <script>
    window.porticoSettings = Object.assign({json.dumps(settings)}, {{
      handleResponse: function (payload) {{
        var item = document.createElement("li");
        item.textContent = payload.event + " " + JSON.stringify(payload.response);
        document.getElementById("events").appendChild(item);
      }},
    }});
  </script>
  <script src="{html.escape(PORTAL)}/embed.js" async></script>
</body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = page().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
