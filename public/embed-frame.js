/*
 * Runs inside the portal when it is embedded (the page renders
 * <div id="portico-embed" data-parent-origin=…> only then): reports the
 * page's height and title, and the customer's actions as events, to
 * embed.js on the merchant's page. Posts go only to the parent's origin
 * (an allowed origin, checked by the server), never "*", and messages are
 * accepted only from the parent window at that origin.
 */
(function () {
  "use strict";

  var marker = document.getElementById("portico-embed");
  if (!marker || window.parent === window) return;
  var parentOrigin = marker.getAttribute("data-parent-origin");
  var events = marker.getAttribute("data-events") === "true";
  var debug = marker.getAttribute("data-debug") === "true";
  if (!parentOrigin) return;

  function post(message) {
    message.source = "portico";
    if (debug) console.log("[portico frame] to " + parentOrigin, message);
    window.parent.postMessage(message, parentOrigin);
  }

  var lastHeight = -1;
  function reportSize() {
    var body = document.body;
    var margin = parseFloat(window.getComputedStyle(body).marginBottom) || 0;
    var height = Math.ceil(body.getBoundingClientRect().bottom + window.scrollY + margin);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "resize", height: height });
    }
  }

  var lastTitle = null;
  function reportTitle() {
    if (document.title !== lastTitle) {
      lastTitle = document.title;
      post({ type: "title", title: document.title });
    }
  }

  // Each confirmation is reported once, even when the page is reloaded.
  var sent = {};
  try {
    sent = JSON.parse(window.sessionStorage.getItem("portico-events") || "{}");
  } catch (e) {
    sent = {};
  }
  function remember(key) {
    sent[key] = 1;
    try {
      window.sessionStorage.setItem("portico-events", JSON.stringify(sent));
    } catch (e) {
      /* storage may be off; events may then repeat on reload */
    }
  }
  function reportEvents() {
    if (!events) return;
    var nodes = document.querySelectorAll("[data-portico-event], [data-error]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var name = node.getAttribute("data-portico-event");
      var response = {};
      if (name) {
        try {
          response = JSON.parse(node.getAttribute("data-portico-response") || "{}");
        } catch (e) {
          response = {};
        }
      } else {
        name = "error";
        response = { error: node.getAttribute("data-error") };
      }
      // Actions carry a fresh `n` in the address; errors are told apart by
      // their code too.
      var key = name + " " + (response.error || "") + " " + window.location.pathname + window.location.search;
      if (sent[key]) continue;
      remember(key);
      post({ type: "event", event: name, response: response });
      // Billflow reports a new subscription as create_subscription too;
      // resubscribing makes one.
      if (name === "resubscribe") post({ type: "event", event: "create_subscription", response: response });
    }
  }

  // Billflow's pre_ events (pre_change_plan, pre_resubscribe): a form that
  // names one reports it as it is sent, before the portal asks Stripe.
  // Capture phase, so it runs before the portal's own submit handler.
  document.addEventListener(
    "submit",
    function (submit) {
      var form = submit.target;
      var name = events && form && form.getAttribute && form.getAttribute("data-portico-pre-event");
      if (!name) return;
      var data = new FormData(form);
      var response = { subscription: { id: data.get("subscription_id") } };
      if (data.get("price")) response.plan = { price: data.get("price") };
      post({ type: "event", event: name, response: response });
    },
    true
  );

  window.addEventListener("message", function (message) {
    if (message.source !== window.parent || message.origin !== parentOrigin) {
      if (debug) console.warn("[portico frame] ignored a message from " + message.origin);
      return;
    }
    if (message.data && message.data.type === "hello") {
      lastHeight = -1;
      lastTitle = null;
      reportSize();
      reportTitle();
    }
  });

  if (typeof ResizeObserver === "function") {
    new ResizeObserver(reportSize).observe(document.body);
  }
  new MutationObserver(function () {
    reportEvents();
    reportSize();
    reportTitle();
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  reportSize();
  reportTitle();
  // A refusal (a page with data-error) reports `error` instead.
  if (events && !document.querySelector("[data-error]")) {
    post({ type: "event", event: "post_load", response: { path: window.location.pathname } });
  }
  reportEvents();
})();
