// Leadvault analytics: <script defer src="https://HOST/js/lv.js" data-site="SITE-ID"></script>
// in the head of the firm's pages. Counts page views (also a single-page app's
// navigations), clicks on links to other sites, file downloads, forms sent through
// Leadvault's embed, and the site's own events: lv("Signup", {plan: "pro"}), with revenue
// as a third argument: lv("Order", {}, {amount: "19.99", currency: "USD"}).
//
// No cookie, no storage, nothing about the visitor but the page, the referrer and the
// screen's width class; the server keeps neither the address nor the user agent. (Sites
// running experiments get lvx.js too, which keeps a random id in a first-party cookie.)
//
// Written for the build step's minifier (build.rs): every statement ends with a semicolon,
// and there is no regular-expression literal.
(function () {
  "use strict";
  var w = window, d = document, l = w.location, n = w.navigator;
  var script = d.currentScript;
  var site = script && script.getAttribute("data-site");
  if (!site) return;
  var endpoint = new URL(script.src).origin + "/api/event";
  var origin = new URL(script.src).origin;

  // Not counted: pages opened from disk or on the developer's machine, and browsers driven
  // by programs (they say so).
  var host = l.hostname;
  var ignored = l.protocol === "file:" || host === "localhost" || host.slice(-10) === ".localhost" ||
    host.indexOf("127.") === 0 || host === "[::1]" || n.webdriver;

  function send(name, props, revenue) {
    if (ignored) return;
    var body = { s: site, n: name, u: l.href, r: d.referrer || null, w: w.innerWidth };
    if (props) body.p = props;
    if (revenue) body.$ = { amount: String(revenue.amount), currency: revenue.currency };
    var text = JSON.stringify(body);
    // text/plain and no credentials: a simple request, no CORS preflight, no cookie.
    if (w.fetch) {
      w.fetch(endpoint, {
        method: "POST", body: text, keepalive: true, mode: "no-cors", credentials: "omit",
        headers: { "Content-Type": "text/plain" }
      }).catch(function () {});
    } else if (n.sendBeacon) {
      n.sendBeacon(endpoint, text);
    }
  }

  // Page views: on load, and when a single-page app changes the path.
  var lastPath;
  function pageview() {
    if (l.pathname === lastPath) return;
    lastPath = l.pathname;
    send("pageview");
  }
  var history = w.history;
  ["pushState", "replaceState"].forEach(function (method) {
    var original = history[method];
    if (!original) return;
    history[method] = function () {
      var result = original.apply(this, arguments);
      pageview();
      return result;
    };
  });
  w.addEventListener("popstate", pageview);

  // A page being prerendered is counted when it is shown, if it ever is.
  if (d.prerendering) {
    d.addEventListener("prerenderingchange", pageview, { once: true });
  } else {
    pageview();
  }

  // Links to other sites and to files. The event goes out with keepalive, so it survives
  // the navigation the click starts.
  var files = ["pdf", "doc", "docx", "xls", "xlsx", "csv", "ppt", "pptx", "txt", "rtf", "zip",
    "gz", "rar", "7z", "dmg", "exe", "msi", "pkg", "apk", "mp3", "mp4", "mov", "avi", "wav"];
  function clicked(event) {
    if (event.type === "auxclick" && event.button !== 1) return;
    var link = event.target && event.target.closest && event.target.closest("a[href]");
    if (!link) return;
    var url;
    try {
      url = new URL(link.href, l.href);
    } catch (e) {
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return;
    var path = url.pathname;
    var extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
    if (path.lastIndexOf(".") > path.lastIndexOf("/") && files.indexOf(extension) >= 0) {
      send("File Download", { url: url.origin + path });
    } else if (url.host !== l.host) {
      send("Outbound Link: Click", { url: url.origin + path });
    }
  }
  d.addEventListener("click", clicked, true);
  d.addEventListener("auxclick", clicked, true);

  // A Leadvault form, embedded from the script's own server, says it was sent: only the
  // form's id comes with it.
  w.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.leadvault !== "submitted") return;
    if (typeof data.form === "string") send("Form submitted", { form: data.form });
  });

  // The site's own events, including those queued before this script ran
  // (window.lv = window.lv || function () { (lv.q = lv.q || []).push(arguments); }).
  var queued = (w.lv && w.lv.q) || [];
  w.lv = function (name, props, revenue) {
    if (typeof name === "string") send(name, props, revenue);
  };
  for (var i = 0; i < queued.length; i++) w.lv.apply(null, queued[i]);
})();
