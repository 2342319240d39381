/*
 * Portico embed: shows the billing portal in an iframe on the merchant's
 * page. Plain JavaScript, no build step. Load it from your Portico:
 *
 *   <div id="portico-embed"></div>
 *   <script>
 *     window.porticoSettings = {
 *       email: "ada@example.com",            // or customer_id: "cus_…"
 *       hash: "<computed on your server>",   // see the README
 *       handleResponse: function (payload) { console.log(payload.event, payload.response); },
 *     };
 *   </script>
 *   <script src="https://billing.example.com/embed.js" async></script>
 *
 * Billflow's settings work unchanged (window.billflowSettings and a
 * <div id="billflow-embed">), as does Portico.mount(elementOrSelector, settings).
 * Keys: email | customer_id, hash, subscription_id, service, options.quantity
 * (a number, or {unit_label: number}), handleResponse, debug, token (an email
 * sign-in token; by default read from this page's ?portico_token=), title.
 *
 * Messages from the portal are accepted only from the portal's origin and
 * its iframe; messages to it go only to that origin. The portal, in turn,
 * posts only to this page's origin, and only when the merchant's portal
 * configuration lists it in allowed_origins.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var PORTAL = new URL(script.src, window.location.href).origin;

  // An email sign-in token handed to this page (the configuration's
  // login_redirect_url), taken out of the address so that a reload does not
  // present the spent token again.
  function takeToken() {
    var url = new URL(window.location.href);
    var token = url.searchParams.get("portico_token");
    if (token) {
      url.searchParams.delete("portico_token");
      window.history.replaceState(window.history.state, "", url.toString());
    }
    return token;
  }

  function portalUrl(settings) {
    var params = new URLSearchParams();
    params.set("origin", window.location.origin);
    var token = takeToken() || settings.token;
    if (settings.customer_id) {
      // The merchant's own word on who is signed in wins over any token.
      params.set("customer_id", String(settings.customer_id));
    } else if (settings.email) {
      params.set("email", String(settings.email));
    } else if (token) {
      params.set("token", token);
      return PORTAL + "/login/confirm?" + params.toString();
    } else {
      // Nobody named: the portal asks for an email address and sends a link.
      return PORTAL + "/login?" + params.toString();
    }
    if (settings.hash) params.set("hash", String(settings.hash));
    if (settings.subscription_id) params.set("subscription_id", String(settings.subscription_id));
    if (settings.service) params.set("service", String(settings.service));
    var quantity = settings.options && settings.options.quantity;
    if (typeof quantity === "number") {
      params.set("quantity", String(quantity));
    } else if (quantity && typeof quantity === "object") {
      Object.keys(quantity).forEach(function (unit) {
        params.set("quantity[" + unit + "]", String(quantity[unit]));
      });
    }
    return PORTAL + "/embed?" + params.toString();
  }

  function mount(target, settings) {
    settings = settings || {};
    var element = typeof target === "string" ? document.querySelector(target) : target;
    if (!element) {
      throw new Error("Portico: no element to show the portal in");
    }
    var debug = Boolean(settings.debug);
    var handle = typeof settings.handleResponse === "function" ? settings.handleResponse : null;
    var loaded = false;

    function emit(event, response) {
      var payload = { event: event, response: response || {} };
      if (debug) console.log("[portico] event", payload.event, payload.response);
      if (!handle) return;
      try {
        var result = handle(payload);
        if (result && typeof result.catch === "function") {
          result.catch(function (error) { console.error("[portico] handleResponse failed", error); });
        }
      } catch (error) {
        console.error("[portico] handleResponse failed", error);
      }
    }

    var iframe = document.createElement("iframe");
    iframe.src = portalUrl(settings);
    // Replaced by the portal's own (translated) title once it loads.
    iframe.title = settings.title || "";
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.style.minHeight = "200px";
    // Stripe.js may offer wallet payments in the card form.
    iframe.setAttribute("allow", "payment");

    function onMessage(message) {
      if (message.source !== iframe.contentWindow || message.origin !== PORTAL) {
        return;
      }
      var data = message.data;
      if (!data || data.source !== "portico") return;
      if (debug) console.log("[portico] message", data);
      if (data.type === "resize" && typeof data.height === "number" && data.height > 0) {
        iframe.style.height = Math.ceil(data.height) + "px";
      } else if (data.type === "title" && typeof data.title === "string" && !settings.title) {
        iframe.title = data.title;
      } else if (data.type === "event" && typeof data.event === "string") {
        // post_load once per mount, though the portal loads a page per step.
        if (data.event === "post_load") {
          if (loaded) return;
          loaded = true;
        }
        emit(data.event, data.response);
      }
    }
    window.addEventListener("message", onMessage);
    iframe.addEventListener("load", function () {
      // The portal may have reported before this page listened; ask again.
      if (iframe.contentWindow) {
        iframe.contentWindow.postMessage({ source: "portico-host", type: "hello" }, PORTAL);
      }
    });

    emit("pre_load", {});
    while (element.firstChild) element.removeChild(element.firstChild);
    element.appendChild(iframe);
    return {
      iframe: iframe,
      unmount: function () {
        window.removeEventListener("message", onMessage);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
    };
  }

  window.Portico = { mount: mount, origin: PORTAL };

  function mountFromGlobals() {
    var settings = window.porticoSettings || window.billflowSettings;
    if (!settings) return;
    var element =
      (settings.container && document.querySelector(settings.container)) ||
      document.getElementById("portico-embed") ||
      document.getElementById("billflow-embed");
    if (element) mount(element, settings);
    else console.error("[portico] add <div id=\"portico-embed\"></div> where the portal should appear");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountFromGlobals);
  } else {
    mountFromGlobals();
  }
})();
