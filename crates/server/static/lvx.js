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
    return (("; " + d.cookie).split("; " + name + "=")[1] || "").split(";")[0];
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
    return (!x.on.length || x.on.some(hit)) && !x.off.some(hit);
  }
  function visitor() {
    var id = cookie("_lvid");
    if (id.length !== 32) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = "";
      for (var i = 0; i < 16; i++) id += (bytes[i] + 256).toString(16).slice(1);
    }
    keep("_lvid", id, 31536000);
    return id;
  }
  // The variation's index, or -1 (not in the experiment).
  function assign(x, id) {
    var draw = hash("variation:" + x.seed + ":" + id) % 100, i = 0, n = x.weights.length;
    if (hash("traffic:" + x.seed + ":" + id) % 100 >= x.traffic) return -1;
    while (i < n && (draw -= x.weights[i]) >= 0) i++;
    return i < n ? i : -1;
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
  // Whether the parser is done with an element (a node follows it or an ancestor): a
  // change to one still being parsed would be undone by what comes next (its text).
  function closed(el) {
    for (; el; el = el.parentNode) if (el.nextSibling) return true;
    return d.readyState !== "loading";
  }
  // Applies what can be applied; how many changes have found no element yet. A change
  // that fails is given up, not retried.
  function apply() {
    var left = 0;
    todo.forEach(function (ch) {
      try {
        var els = d.querySelectorAll(ch[1]);
        for (var i = 0; i < els.length; i++) {
          if (ch.done.indexOf(els[i]) < 0 && closed(els[i]) && change(els[i], ch)) ch.done.push(els[i]);
        }
      } catch (e) {
        ch.done.push(root);
      }
      if (!ch.done.length) left++;
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
      var v = -1;
      if (forced[0] === x.id) {
        v = +forced[1];
      } else if (x.ship >= 0) {
        v = x.ship;
      } else if (x.run && agreed && !forced[0]) {
        id = id || visitor();
        v = assign(x, id);
        if (v >= 0 && seen.indexOf(x.id) < 0) {
          seen.push(x.id);
          w.lv("Experiment exposure", { experiment: x.id, variation: "" + v });
        }
      }
      var changes = x.v[v] || [];
      changes.forEach(function (ch) {
        ch.done = [];
        if (ch[0] === "go") away = away || ch[1];
        else todo.push(ch);
      });
      if (changes.length) hide = Math.max(hide, x.hide);
    });
    // The experiments this visit was exposed to; a visit ends after half an hour without
    // a page.
    if (seen.length) keep("_lvx", seen.join("."), 1800);
    if (away && away !== l.href) {
      l.replace(away);
      return;
    }
    if (!todo.length) return;
    if (hide) {
      shield = d.createElement("style");
      shield.textContent = "html{opacity:0!important}";
      root.appendChild(shield);
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
      apply();
      reveal();
      setTimeout(finish, 5000);
    });
  } catch (e) {
    finish();
  }
}
