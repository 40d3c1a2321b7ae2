/* Rating tablet of one counter: when a ticket finishes there, ask how it went, then thank.
 *
 * The question appears on the `ticket_finished` event of this counter (and, after a reload or a
 * reconnect, from GET /counters/N/rating). It goes away when answered, after the rating window,
 * or when another ticket finishes here. One answer per ticket; the server refuses anything else.
 */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var P = M.page;
  var counter = P.counter;
  var token = P.device_token || "";
  var opts = token ? {token: token} : {};
  var THANKS_MS = 5000, MESSAGE_MS = 6000;
  var $ = function (id) { return document.getElementById(id); };
  for (var k in P.text) {
    if (Object.prototype.hasOwnProperty.call(P.text, k)) M.text[k] = P.text[k];
  }

  var current = null;   // {id, code, expires}: the ticket being asked about
  var chosen = {};      // reasons pressed
  var sending = false;
  var expiryTimer = null, backTimer = null;

  function only(id) {
    var ids = ["rate-idle", "rate-ask", "rate-why", "rate-thanks"];
    for (var i = 0; i < ids.length; i++) $(ids[i]).hidden = ids[i] !== id;
  }

  function reason(res) {
    var d = res && res.body && res.body.details;
    if (M.lang !== "en" && d && d.message_vi) return d.message_vi;
    return M.errorText(res);
  }

  function message(text) {
    var box = $("rate-msg");
    box.textContent = text;
    box.hidden = false;
    setTimeout(function () { box.hidden = true; }, MESSAGE_MS);
  }

  function idle() {
    current = null;
    clearTimeout(expiryTimer);
    only("rate-idle");
  }

  function ask(ticket, expires) {
    if (current && current.id === ticket.id) return;
    if (expires <= M.now()) return;
    current = {id: ticket.id, code: ticket.code, expires: expires};
    chosen = {};
    var buttons = document.querySelectorAll(".rate-reason");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", "false");
    clearTimeout(backTimer);
    M.setText($("rate-code"), ticket.code);
    only("rate-ask");
    clearTimeout(expiryTimer);
    expiryTimer = setTimeout(idle, Math.max(0, expires - M.now()));
  }

  function send(level, reasons) {
    if (!current || sending) return;
    sending = true;
    var ticket = current;
    M.api("POST", "/counters/" + counter + "/rating", {ticket: ticket.id, rating: level, reasons: reasons}, opts)
      .then(function (res) {
        sending = false;
        if (current !== ticket) return; // another ticket finished meanwhile
        clearTimeout(expiryTimer);
        current = null;
        if (res.ok) {
          only("rate-thanks");
        } else {
          only("rate-idle");
          message(reason(res));
        }
        backTimer = setTimeout(function () { if (!current) idle(); }, THANKS_MS);
      });
  }

  var levels = document.querySelectorAll(".rate-level");
  for (var i = 0; i < levels.length; i++) {
    levels[i].addEventListener("click", function (e) {
      var level = e.currentTarget.getAttribute("data-level");
      if (level === "unsatisfied") {
        only("rate-why");
      } else {
        send(level, []);
      }
    });
  }
  var reasonButtons = document.querySelectorAll(".rate-reason");
  for (var j = 0; j < reasonButtons.length; j++) {
    reasonButtons[j].addEventListener("click", function (e) {
      var b = e.currentTarget, code = b.getAttribute("data-reason");
      chosen[code] = !chosen[code];
      b.setAttribute("aria-pressed", chosen[code] ? "true" : "false");
    });
  }
  $("rate-send").addEventListener("click", function () {
    var list = [];
    for (var code in chosen) if (chosen[code]) list.push(code);
    send("unsatisfied", list);
  });
  $("rate-skip").addEventListener("click", function () { send("unsatisfied", []); });

  /* After a (re)connection: is there a ticket to ask about already? */
  function pending() {
    M.api("GET", "/counters/" + counter + "/rating", null, opts).then(function (res) {
      if (!res.ok) {
        if (res.status === 401 || res.status === 403) message(M.t("rating_not_set_up"));
        return;
      }
      var t = res.body.ticket;
      if (t) ask(t, Date.parse(t.expires_at));
    });
  }

  M.live({
    auth: token ? {token: token} : {},
    onSnapshot: function () { pending(); },
    onEvent: function (ev) {
      var d = ev.data || {};
      if (ev.kind === "ticket_finished" && d.counter && d.counter.number === counter && d.ticket) {
        ask(d.ticket, Date.parse(d.ticket.finished_at) + P.window_seconds * 1000);
      }
    },
    onStatus: function (online) { M.showOffline(!online); }
  });
  idle();
})();
