// Leadvault experiments: served after lv.js, in the same file, to sites with experiments
// (/js/lv.js?site=SITE-ID), called with the site's configuration (see the analytics
// crate's delivery.rs for its shape). To change the page before it is first shown, load the
// script without defer, in the head.
//
// A visitor in a running experiment gets a random id in a first-party cookie (_lvid; with
// data-consent="required" on the script tag, only once the page has set
// window.lvConsent = true), and the variation that id draws: 32-bit FNV-1a of
// "traffic:SEED:ID" modulo 100 below the traffic share brings them in, and that of
// "variation:SEED:ID" modulo 100 picks the variation by cumulative weights (the analytics
// crate's assignment.rs does the same). One exposure event goes out per visit (half an
// hour without a page) and experiment. ?lv_preview=EXPERIMENT:VARIATION forces a variation
// and sends nothing.
//
// Fails closed: a configuration for another site, or any error, applies nothing and shows
// the page. Each change applies once per element, never again: a framework that renders
// the element anew is not fought.
function (c) {
  var w = window, d = document, l = w.location, root = d.documentElement;
  var script = d.currentScript, todo = [], hide = 0, shield, watcher, away;

  function cookie(name) {
    var els = ("; " + d.cookie).split("; " + name + "=")[1];
    return els ? decodeURIComponent(els.split(";")[0]) : "";
  }
  function keep(name, value, age) {
    d.cookie = name + "=" + value + ";path=/;max-age=" + age + ";samesite=lax" +
      (l.protocol === "https:" ? ";secure" : "");
  }
  function hash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h >>> 0;
  }
  // A page pattern: a path where * stands for anything, as the analytics crate reads it.
  function matches(pattern, path) {
    return new RegExp("^" + pattern.split("*").map(function (part) {
      return part.replace(new RegExp("[^\\w/-]", "g"), "\\$&");
    }).join(".*") + "$").test(path);
  }
  function runsOn(x, path) {
    var hit = function (p) { return matches(p, path); };
    return (!x["in"].length || x["in"].some(hit)) && !x.out.some(hit);
  }
  function visitor() {
    var id = cookie("_lvid");
    if (id.length !== 32) {
      var bytes = new Uint8Array(16);
      w.crypto.getRandomValues(bytes);
      id = "";
      for (var i = 0; i < 16; i++) id += (bytes[i] + 256).toString(16).slice(1);
    }
    keep("_lvid", id, 31536000);
    return id;
  }
  function assign(x, id) {
    if (hash("traffic:" + x.seed + ":" + id) % 100 >= x.traffic) return -1;
    var draw = hash("variation:" + x.seed + ":" + id) % 100, upto = 0;
    for (var i = 0; i < x.weights.length; i++) {
      upto += x.weights[i];
      if (draw < upto) return i;
    }
    return -1;
  }

  // "show" undoes the hidden attribute and an inline display, not a stylesheet's.
  function change(el, ch) {
    var kind = ch[0], a = ch[2], b = ch[3], style = el.style, target;
    if (kind === "move") {
      target = d.querySelector(a);
      if (!target) return false;
      target[b](el);
    } else if (kind === "text") el.textContent = a;
    else if (kind === "attr") el.setAttribute(a, b);
    else if (kind === "style") style.setProperty(a, b);
    else if (kind === "hide") style.setProperty("display", "none", "important");
    else if (kind === "show") {
      el.hidden = false;
      style.removeProperty("display");
    } else el.classList[kind](a);
    return true;
  }
  // Applies what can be applied; how many changes have els no element yet. A change
  // that fails is given up, not retried.
  function apply() {
    var left = 0;
    todo.forEach(function (p) {
      try {
        var els = d.querySelectorAll(p.c[1]);
        for (var i = 0; i < els.length; i++) {
          if (p.done.indexOf(els[i]) < 0 && change(els[i], p.c)) p.done.push(els[i]);
        }
      } catch (e) {
        p.done.push(root);
      }
      if (!p.done.length) left++;
    });
    return left;
  }
  function reveal() {
    if (shield) shield.remove();
    shield = null;
  }
  function finish() {
    if (watcher) watcher.disconnect();
    reveal();
  }

  try {
    // (No script element or no configuration throws, and fails closed too.)
    if (c.site !== script.getAttribute("data-site")) return;
    var path = l.pathname, id, seen = cookie("_lvx").split(".").filter(String);
    var forced = (new URLSearchParams(l.search).get("lv_preview") || "").split(":");
    var agreed = script.getAttribute("data-consent") !== "required" || w.lvConsent;
    c.x.forEach(function (x) {
      if (!runsOn(x, path)) return;
      var v = -1, tag = x.id.slice(0, 8);
      if (forced[0] === x.id) {
        v = +forced[1];
      } else if (x.state === "shipped") {
        v = x.ship;
      } else if (x.state === "running" && agreed && !forced[0]) {
        id = id || visitor();
        v = assign(x, id);
        if (v >= 0 && seen.indexOf(tag) < 0) {
          seen.push(tag);
          w.lv("Experiment exposure", { experiment: x.id, variation: String(v) });
        }
      }
      if (!x.v[v]) return;
      x.v[v].forEach(function (ch) {
        if (ch[0] === "go") away = away || ch[1];
        else todo.push({ c: ch, done: [] });
      });
      if (x.v[v].length) hide = Math.max(hide, x.hide);
    });
    // The experiments this visit was exposed to; a visit ends after half an hour without
    // a page.
    if (seen.length) keep("_lvx", seen.join("."), 1800);
    if (away && away.split("#")[0] !== l.href.split("#")[0]) {
      l.replace(away);
      return;
    }
    if (!todo.length) return;
    if (hide) {
      shield = d.createElement("style");
      shield.textContent = "html{opacity:0!important}";
      (d.head || root).appendChild(shield);
      setTimeout(reveal, hide);
    }
    if (!apply()) return finish();
    watcher = new MutationObserver(function () {
      if (!apply()) finish();
    });
    watcher.observe(root, { childList: true, subtree: true });
    // Every element of the page has been parsed: show it, and watch a while longer for
    // elements a script adds.
    d.addEventListener("DOMContentLoaded", function () {
      reveal();
      setTimeout(finish, 5000);
    });
  } catch (e) {
    todo = [];
    finish();
  }
}
