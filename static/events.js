// Behaviour events from the storefront: clicks on product cards (with the list they were in and
// their position) and product page views. Sent with navigator.sendBeacon, which survives the page
// being left (a click navigates away at once), as a form body: the events as JSON in "payload" and the
// CSRF token in "csrfmiddlewaretoken", which Django checks for logged-in shoppers like any form post.
// Markup only marks what is what: [data-surface] on a list (with data-offset, the rank of its first
// card minus one), [data-product-id] on a card, [data-view-product] on a product page.
(function () {
  "use strict";
  var ENDPOINT = "/api/v1/events";
  var SURFACE_KEY = "shopguide:surface:";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function eventId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function send(event) {
    event.client_event_id = eventId();
    var body = new URLSearchParams();
    body.set("payload", JSON.stringify(event));
    body.set("csrfmiddlewaretoken", csrfToken());
    if (navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, body)) return;
    fetch(ENDPOINT, { method: "POST", body: body, keepalive: true, credentials: "same-origin" }).catch(function () {});
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href]");
    var card = link && link.closest("[data-product-id]");
    var list = card && card.closest("[data-surface]");
    if (!list) return;
    var cards = Array.prototype.slice.call(list.querySelectorAll("[data-product-id]"));
    var productId = parseInt(card.getAttribute("data-product-id"), 10);
    var surface = list.getAttribute("data-surface");
    send({
      kind: "click",
      product_id: productId,
      surface: surface,
      position: (parseInt(list.getAttribute("data-offset"), 10) || 0) + cards.indexOf(card) + 1,
    });
    // The product page's view event says where the shopper came from.
    try { sessionStorage.setItem(SURFACE_KEY + productId, surface); } catch (err) {}
  }, true);

  function recordView() {
    var page = document.querySelector("[data-view-product]");
    if (!page) return;
    var productId = parseInt(page.getAttribute("data-view-product"), 10);
    var surface = "direct";
    try {
      surface = sessionStorage.getItem(SURFACE_KEY + productId) || "direct";
      sessionStorage.removeItem(SURFACE_KEY + productId);
    } catch (err) {}
    send({ kind: "view", product_id: productId, surface: surface });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", recordView);
  else recordView();
})();
