// Leadvault's public form, improved where JavaScript runs: answers are checked as people
// go and the errors appear beside their fields before anything is sent, questions that do
// not apply are hidden, and a framing page (the embed script) is told the page's height.
// The page works the same without it: the server checks every answer again and shows the
// same messages, and it decides alone what is stored.
(function () {
  "use strict";

  // The height, for embed.js on the firm's page. Only a number crosses the frame, never
  // anything typed, so any parent may hear it.
  function tellHeight() {
    if (window.parent === window) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ leadvault: "height", height: height }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(tellHeight).observe(document.documentElement);
  window.addEventListener("load", tellHeight);
  tellHeight();

  // A form was sent: the firm's analytics counts the conversion. Only the form's id
  // crosses the frame, never an answer or the tracking code.
  var received = document.querySelector("[data-leadvault-received]");
  if (received && window.parent !== window) {
    window.parent.postMessage(
      { leadvault: "submitted", form: received.getAttribute("data-leadvault-received") },
      "*"
    );
  }

  var form = document.querySelector("form.public-form");
  if (!form) return;

  function controls(field) {
    return field.querySelectorAll("input, select, textarea");
  }

  // The field's answer(s), as the server will read them.
  function values(field) {
    var out = [];
    Array.prototype.forEach.call(controls(field), function (c) {
      if (c.type === "checkbox") { if (c.checked) out.push(c.value); }
      else if (c.value.trim() !== "") out.push(c.value.trim());
    });
    return out;
  }

  // The same words the server uses, so a message does not change on the round trip.
  function problem(field) {
    var kind = field.getAttribute("data-kind");
    var got = values(field);
    if (got.length === 0) {
      if (field.getAttribute("data-required") !== "true") return "";
      if (kind === "consent") return "Please agree to continue.";
      if (kind === "checkbox") return "Please tick this box to continue.";
      return "Please answer this question.";
    }
    var control = controls(field)[0];
    var max = control && control.getAttribute("maxlength");
    if (max && got[0].length > Number(max)) return "Please keep this to " + max + " characters.";
    if (kind === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(got[0])) {
      return "Please enter an e-mail address like name@example.com.";
    }
    var digits = got[0].replace(/[^0-9]/g, "").length;
    if (kind === "tel" && (!/^[0-9 +().\-]+$/.test(got[0]) || digits < 7 || digits > 15)) {
      return "Please enter a phone number (digits, spaces, + ( ) - only).";
    }
    if (kind === "number" && !isFinite(Number(got[0].replace(/,/g, "")))) return "Please enter a number.";
    return "";
  }

  function show(field, message) {
    var error = field.querySelector(".error");
    if (error) error.textContent = message;
    Array.prototype.forEach.call(field.querySelectorAll("input, select, textarea, fieldset"), function (c) {
      if (message) c.setAttribute("aria-invalid", "true"); else c.removeAttribute("aria-invalid");
    });
  }

  var fields = Array.prototype.slice.call(form.querySelectorAll(".field[data-kind]"));
  function byKey(key) {
    for (var i = 0; i < fields.length; i++) if (fields[i].getAttribute("data-key") === key) return fields[i];
    return null;
  }

  // A conditional question shows only while its condition holds; hidden, it is disabled, so
  // nothing in it is sent (the server would drop it anyway).
  function applyConditions() {
    fields.forEach(function (field) {
      var source = field.getAttribute("data-show-when");
      if (!source) return;
      var from = byKey(source);
      var on = !!from && !from.hidden && values(from).indexOf(field.getAttribute("data-equals")) >= 0;
      field.hidden = !on;
      Array.prototype.forEach.call(controls(field), function (c) { c.disabled = !on; });
    });
    tellHeight();
  }

  fields.forEach(function (field) {
    field.addEventListener("change", function () {
      applyConditions();
      if (field.querySelector(".error").textContent) show(field, problem(field));
    });
    field.addEventListener("focusout", function (event) {
      // Judge a group of boxes only once focus has left the whole group.
      if (event.relatedTarget && field.contains(event.relatedTarget)) return;
      if (values(field).length > 0) show(field, problem(field));
    });
  });
  applyConditions();

  // The form's proof of work, when it asks for one: a nonce whose SHA-256 with this page's
  // token starts with the given number of zero bits. Found in batches, off the typing path.
  function leadingZeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) return bits + Math.clz32(bytes[i]) - 24;
      bits += 8;
    }
    return bits;
  }
  function solve(challenge, bits, done) {
    var encoder = new TextEncoder();
    var n = 0;
    (function batch() {
      var tries = [];
      for (var i = 0; i < 512; i++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + (n + i))));
      }
      Promise.all(tries).then(function (digests) {
        for (var i = 0; i < digests.length; i++) {
          if (leadingZeroBits(new Uint8Array(digests[i])) >= bits) return done(String(n + i));
        }
        n += digests.length;
        batch();
      });
    })();
  }
  var pow = form.querySelector("input[name=_pow]");
  var bits = Number(form.getAttribute("data-pow") || 0);

  form.addEventListener("submit", function (event) {
    var first = null;
    fields.forEach(function (field) {
      if (field.hidden) return;
      var message = problem(field);
      show(field, message);
      if (message && !first) first = field;
    });
    if (first) {
      event.preventDefault();
      var focus = first.querySelector("input, select, textarea");
      if (focus) focus.focus();
    } else if (pow && bits > 0 && !pow.value && window.crypto && crypto.subtle) {
      event.preventDefault();
      var status = document.getElementById("form-status");
      if (status) status.textContent = "Sending…";
      var token = form.querySelector("input[name=_token]").value;
      solve(token, bits, function (nonce) {
        pow.value = nonce;
        form.submit();
      });
    }
    tellHeight();
  });
})();
