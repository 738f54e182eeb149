// Leadvault's embed script: `<script src="https://FORMS-HOST/embed.js" data-form="FORM-ID"
// async></script>` puts the form where the tag is, in a frame that grows with its content.
// The form's own server decides who may frame it (its site's domain only), so copying the
// tag to another site shows nothing there.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !/^[0-9a-f-]{36}$/.test(script.getAttribute("data-form") || "")) return;
  var origin = new URL(script.src).origin;

  // UTM parameters of the firm's page travel with the form, as on the hosted page.
  var here = new URLSearchParams(window.location.search);
  var utm = new URLSearchParams();
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
    if (here.has(name)) utm.set(name, here.get(name).slice(0, 200));
  });
  var query = utm.toString();

  var frame = document.createElement("iframe");
  frame.src = origin + "/f/" + script.getAttribute("data-form") + (query ? "?" + query : "");
  frame.title = script.getAttribute("data-title") || "Contact form";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = "24rem";
  frame.setAttribute("data-leadvault-form", script.getAttribute("data-form"));
  script.parentNode.insertBefore(frame, script.nextSibling);

  // Only the frame's own page, from the form's server, may set its height.
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.leadvault !== "height" || typeof data.height !== "number") return;
    frame.style.height = Math.max(0, Math.min(data.height, 20000)) + "px";
  });
})();
