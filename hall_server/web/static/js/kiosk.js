/* Kiosk: tap a field to take a number; one tap, one ticket. */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var token = M.page.device_token || "";
  var SHOW_MS = 8000;       // how long the number stays on screen
  var CLOSE_GUARD_MS = 1500; // taps on the result this soon are the same finger, not "close"

  var busy = false;         // a request or a result is on screen: other taps do nothing
  var priority = "";
  var closeTimer = null, messageTimer = null, shownAt = 0, idleAt = 0;

  var overlay = document.getElementById("result");
  var busyOverlay = document.getElementById("busy");
  var message = document.getElementById("kiosk-message");
  var prioButtons = document.querySelectorAll(".prio");

  function choosePriority(code) {
    priority = code;
    for (var i = 0; i < prioButtons.length; i++) {
      var on = prioButtons[i].getAttribute("data-priority") === code;
      prioButtons[i].setAttribute("aria-checked", on ? "true" : "false");
      prioButtons[i].classList.toggle("on", on);
    }
  }
  for (var i = 0; i < prioButtons.length; i++) {
    prioButtons[i].addEventListener("click", function (e) {
      if (!busy) choosePriority(e.currentTarget.getAttribute("data-priority"));
    });
  }
  choosePriority("");

  function say(text) {
    message.textContent = text;
    message.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(function () { message.hidden = true; }, 8000);
  }

  function issue(field, attempt, key) {
    var body = {field: field};
    if (priority) body.priority = priority;
    return M.api("POST", "/tickets", body, {token: token, idempotencyKey: key}).then(function (res) {
      // The same key makes a retry safe: the server answers it without a second ticket.
      if (res.status === 0 && attempt < 2) {
        return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
          return issue(field, attempt + 1, key);
        });
      }
      return res;
    });
  }

  function onField(e) {
    var now = Date.now();
    if (busy || now < idleAt) return;
    busy = true;
    message.hidden = true;
    var field = e.currentTarget.getAttribute("data-field");
    e.currentTarget.classList.add("pressed");
    var pressed = e.currentTarget;
    var spinner = setTimeout(function () { busyOverlay.hidden = false; }, 300);
    issue(field, 1, M.newKey()).then(function (res) {
      clearTimeout(spinner);
      busyOverlay.hidden = true;
      pressed.classList.remove("pressed");
      if (res.ok && res.body.ticket) {
        showTicket(res.body.ticket);
      } else {
        // a kiosk refused as "who are you?" has a wrong device token: a set-up problem, not the citizen's
        say(res.status === 401 || res.status === 403 ? M.t("kiosk_not_set_up") : M.errorText(res));
        release();
      }
    });
  }
  var buttons = document.querySelectorAll(".field-btn");
  for (var j = 0; j < buttons.length; j++) buttons[j].addEventListener("click", onField);

  function showTicket(ticket) {
    M.setText(document.getElementById("result-code"), ticket.code);
    var f = M.field(ticket.field);
    var fieldText = M.fieldName(ticket.field);
    if (f) fieldText += " · " + (M.lang === "en" ? f.name : f.name_en);
    M.setText(document.getElementById("result-field"), fieldText);
    var prio = document.getElementById("result-prio");
    prio.hidden = !ticket.priority;
    prio.textContent = ticket.priority ? M.t("priority_label") + ": " + M.priorityName(ticket.priority) : "";
    var ahead = typeof ticket.people_ahead === "number" ? ticket.people_ahead : null;
    M.setText(document.getElementById("result-ahead"), ahead === null ? "–" : ahead + " " + M.t("people"));
    var waitRow = document.getElementById("result-wait-row");
    waitRow.hidden = true;
    overlay.hidden = false;
    shownAt = Date.now();
    clearTimeout(closeTimer);
    closeTimer = setTimeout(closeTicket, SHOW_MS);
    if (ticket.tracking_id && ahead) {
      M.api("GET", "/track/" + encodeURIComponent(ticket.tracking_id)).then(function (res) {
        var wait = res.ok ? res.body.estimated_wait_minutes : null;
        if (!overlay.hidden && wait !== null && wait !== undefined && wait > 0) {
          M.setText(document.getElementById("result-wait"), M.fmtWait(wait));
          waitRow.hidden = false;
        }
      });
    }
  }

  function closeTicket() {
    clearTimeout(closeTimer);
    overlay.hidden = true;
    choosePriority("");
    release();
  }

  function release() {
    busy = false;
    idleAt = Date.now() + 400; // the finger lifting off the result is not a new tap
  }

  overlay.addEventListener("click", function () {
    if (Date.now() - shownAt >= CLOSE_GUARD_MS) closeTicket();
  });

  /* The dispenser's printer: when the server holds an alert for it (out of paper, cover open,
   * offline), say so on screen; the number is still shown, so the citizen can note it. */
  var printerBanner = document.getElementById("printer-banner");
  var deviceId = null;

  function checkPrinter() {
    M.api("GET", "/snapshot").then(function (res) {
      if (!res.ok) return;
      var alerts = (res.body.alerts || []).filter(function (a) {
        return a.device === deviceId && (a.kind === "printer" || a.kind === "device_offline");
      });
      if (alerts.length) {
        printerBanner.textContent = alerts[0].message_vi + ". " + M.t("printer_problem_note");
        printerBanner.hidden = false;
      } else {
        printerBanner.hidden = true;
      }
    });
  }

  if (token) {
    M.api("GET", "/me", null, {token: token}).then(function (res) {
      if (res.ok && res.body.role === "dispenser") {
        deviceId = res.body.id;
        checkPrinter();
        setInterval(checkPrinter, 5000);
      }
    });
  }
})();
