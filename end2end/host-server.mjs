// The merchant's site in end2end tests: a page that embeds the portal the
// way a merchant's does (embed.js from the portal, a handleResponse that
// collects events in window.events), served on 127.0.0.2:3199 (an allowed
// origin of the Porticos under test) and on 127.0.0.3:3199 (a site that is
// not). A real server, not a routed page: Chromium lets only pages served
// from the loopback address space load scripts from the loopback portal.
//
//   GET /embed-host?portal=<portal origin>&settings=<JSON of porticoSettings>
//   GET /frame?src=<portal URL>   a bare iframe, as a site that forges
//                                  embed.js's parameters would make it
//   GET /health
//   GET <anything else>            "Back at the shop": where customers return
import http from "node:http";

const PORT = 3199;
const HOSTS = ["127.0.0.2", "127.0.0.3"];

function page(portal, settings) {
  // JSON in a <script>: keep "</script>" and friends from closing it.
  const json = JSON.stringify(settings).replace(/</g, "\\u003c");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Acme account</title></head>
<body>
  <h1>Your Acme account</h1>
  <div id="portico-embed"></div>
  <script>
    window.events = [];
    window.porticoSettings = Object.assign(${json}, {
      handleResponse: function (payload) { window.events.push(payload); },
    });
  </script>
  <script src="${portal}/embed.js"></script>
</body></html>`;
}

function handle(request, response) {
  const url = new URL(request.url, `http://${request.headers.host}`);
  if (url.pathname === "/health") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok");
    return;
  }
  if (url.pathname === "/embed-host") {
    const portal = url.searchParams.get("portal") ?? "";
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(portal)) {
      response.writeHead(400, { "content-type": "text/plain" });
      response.end("portal must be http://127.0.0.1:<port>");
      return;
    }
    const settings = JSON.parse(url.searchParams.get("settings") ?? "{}");
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(page(portal, settings));
    return;
  }
  if (url.pathname === "/frame") {
    const src = url.searchParams.get("src") ?? "";
    if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(src)) {
      response.writeHead(400, { "content-type": "text/plain" });
      response.end("src must be on http://127.0.0.1:<port>/");
      return;
    }
    const attribute = src.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Framing</title></head>
<body><iframe title="framed" src="${attribute}" style="width:100%;height:600px"></iframe></body></html>`);
    return;
  }
  // Any other page: the merchant's own site, where customers return to.
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  response.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head>
<body><h1>Back at the shop</h1></body></html>`);
}

for (const host of HOSTS) {
  http.createServer(handle).listen(PORT, host);
}
