// Leadvault experiments: served after lv.js, in the same file, to sites with experiments
// (/js/lv.js?site=SITE-ID), called with the site's configuration (see the analytics
// crate's delivery.rs for its shape). To change the page before it is first shown, load the
// script without defer, in the head.
//
// A visitor in a running experiment gets a random id in a first-party cookie (_lvid; with
// a data-consent attribute on the script tag, only once the page has set
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
  var d = document, l = location, root = d.documentElement;
  var script = d.currentScript, todo = [], hide = 0, shield, watcher, away;

  function cookie(name) {
    return (("; " + d.cookie).split("; " + name + "=")[1] || "").split(";")[0];
  }
  function keep(name, value, age) {
    d.cookie = name + "=" + value + ";path=/;max-age=" + age +
      (l.protocol === "https:" ? ";secure" : "");
  }
  function hash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h >>> 0;
  }
  // A page pattern: a path where * stands for anything, read as the analytics crate reads
  // it (in linear time: a marketer's pattern must not freeze a visitor's page).
  function matches(pattern, path) {
    var parts = pattern.split("*"), n = parts.length - 1, at = 0;
    // Each part found after the one before: the first at the start, the last at the end.
    return parts.every(function (part, i) {
      var pos = i < n ? path.indexOf(part, at) : path.length - part.length;
      var ok = pos >= at && (i || !pos) && path.startsWith(part, pos);
      at = pos + part.length;
      return ok;
    });
  }
  function runsOn(x, path) {
    var hit = function (p) { return matches(p, path); };
    return (!x.on.length || x.on.some(hit)) && !x.off.some(hit);
  }
  function visitor() {
    var id = cookie("_lvid");
    if (!id[31]) {
      id = "";
      crypto.getRandomValues(new Uint32Array(4)).forEach(function (n) {
        id += (n + 4294967296).toString(16).slice(1);
      });
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

  // "show" undoes the hidden attribute and an inline display, not a stylesheet's. A move
  // waits for its target, and is given up if the target is inside the element.
  function change(el, ch) {
    var kind = ch[0], a = ch[2], b = ch[3], style = el.style, target;
    if (kind === "move") {
      target = d.querySelector(a);
      if (!target) return false;
      if (!el.contains(target)) target[b](el);
    } else if (kind === "text") el.textContent = a;
    else if (kind === "attr") el.setAttribute(a, b);
    else if (kind === "style") style.setProperty(a, b, ch[4]);
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
  // Applies what can be applied; how many changes have found no element yet.
  function apply() {
    return todo.filter(function (ch) {
      var els = d.querySelectorAll(ch[1]);
      for (var i = 0; i < els.length; i++) {
        if (ch.done.indexOf(els[i]) < 0 && closed(els[i]) && change(els[i], ch)) ch.done.push(els[i]);
      }
      return !ch.done.length;
    }).length;
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
    if (c.site !== script.dataset.site) return;
    var path = l.pathname, id, seen = cookie("_lvx").split(".").filter(String);
    var forced = (new URLSearchParams(l.search).get("lv_preview") || "").split(":");
    var agreed = !script.dataset.consent || window.lvConsent;
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
          lv("Experiment exposure", { experiment: x.id, variation: "" + v });
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
    // To a path on the site (checked when saved: not one the experiment runs on), with
    // the visitor's query string, where campaigns and ad clicks are.
    if (away) return l.replace(away + l.search + l.hash);
    if (hide) {
      shield = d.createElement("style");
      shield.textContent = "html{opacity:0!important}";
      d.head.appendChild(shield);
      setTimeout(reveal, hide);
    }
    // While the page is parsed, every element that matches gets its changes (shown once
    // every change has found one); then, unless all have (or there are none), a while
    // longer for elements a script adds.
    watcher = new MutationObserver(function () {
      if (!apply()) reveal();
    });
    watcher.observe(root, { childList: true, subtree: true });
    var parsed = function () {
      if (!apply()) return finish();
      reveal();
      setTimeout(finish, 5000);
    };
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", parsed);
    else parsed();
  } catch (e) {
    finish();
  }
}
