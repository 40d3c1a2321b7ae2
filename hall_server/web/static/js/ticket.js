/* Phone page for one ticket: its place in the queue, live; a banner and a buzz when it is called. */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var trackingId = M.page.tracking_id;
  var $ = function (id) { return document.getElementById(id); };
  var baseTitle = document.title;
  var lastCall = null;   // called_at of the call we already signalled
  var socket = null;
  var retryTimer = null;
  var T = M.page.text || {};
  for (var key in T) {
    if (Object.prototype.hasOwnProperty.call(T, key)) M.text[key] = T[key];
  }

  function only(id) {
    var boxes = ["track-loading", "track-missing", "track-down"];
    for (var i = 0; i < boxes.length; i++) $(boxes[i]).hidden = boxes[i] !== id;
  }

  function buzz() {
    if (!navigator.vibrate) return;
    var ua = navigator.userActivation;
    if (ua && !ua.hasBeenActive) return; // browsers refuse (and complain) before the first tap
    try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) { /* not available */ }
  }

  // Phones vibrate only for a page that has been tapped once: offer the tap while it matters.
  var buzzButton = $("track-buzz");
  function canAskForBuzz() {
    var ua = navigator.userActivation;
    return !!(navigator.vibrate && ua && !ua.hasBeenActive);
  }
  buzzButton.addEventListener("click", function () {
    try { navigator.vibrate(80); } catch (e) { /* not available */ }
    buzzButton.hidden = true;
  });

  function render(s) {
    only(null);
    $("track-card").hidden = false;
    M.setText($("track-code"), s.code);
    M.setText($("track-field"), M.fieldName(s.field) || s.field_name);
    var badge = $("track-state");
    M.setText(badge, M.t(s.state));
    badge.className = "badge tk-" + s.state;
    var called = s.state === "called";
    $("track-called").hidden = !called;
    if (called) M.setText($("track-counter"), s.counter);
    $("track-serving").hidden = s.state !== "serving";
    if (s.state === "serving") M.setText($("track-serving-counter"), s.counter);
    $("track-done").hidden = s.state !== "done";
    $("track-noshow").hidden = s.state !== "no_show";
    var waiting = s.state === "waiting";
    $("track-ahead-row").hidden = !waiting;
    $("track-wait-row").hidden = !(waiting && s.estimated_wait_minutes !== null && s.people_ahead > 0);
    M.setText($("track-ahead"), s.people_ahead + " " + M.t("people"));
    if (s.estimated_wait_minutes !== null) M.setText($("track-wait"), M.fmtWait(s.estimated_wait_minutes));
    M.setText($("track-issued"), M.fmtTime(s.issued_at));
    $("track-hint").hidden = !(waiting || called);
    buzzButton.hidden = !(waiting && canAskForBuzz());
    document.documentElement.classList.toggle("is-called", called);
    if (called) {
      document.title = s.code + " → " + M.t("go_to_counter") + " " + s.counter;
      if (lastCall !== s.called_at) {
        lastCall = s.called_at;
        buzz();
      }
    } else {
      document.title = s.code + " – " + baseTitle;
    }
    notify.state(s.state);
  }

  // ------------------------------------------------------------------ text/e-mail opt-in
  /* Offered while the ticket waits, if the centre sends messages (GET /track/ID/notify says how). */
  var notify = (function () {
    var box = $("track-notify");
    var path = "/track/" + encodeURIComponent(trackingId) + "/notify";
    var info = null, asked = false, busy = false, waiting = false;
    if (!box) return {state: function () {}};

    function reason(res) {
      var d = res && res.body && res.body.details;
      if (M.lang !== "en" && d && d.message_vi) return d.message_vi;
      return M.errorText(res);
    }
    function msg(text) {
      M.setText($("notify-msg"), text || "");
      $("notify-msg").hidden = !text;
    }
    function show() {
      if (!info || !info.available.length) { box.hidden = true; return; }
      var subs = info.subscriptions;
      box.hidden = !(waiting || subs.length);
      $("notify-form").hidden = !waiting || subs.length > 0;
      $("notify-on").hidden = !subs.length;
      $("notify-off").hidden = !waiting;
      if (subs.length) {
        var list = [];
        for (var i = 0; i < subs.length; i++) list.push(subs[i].address);
        M.setText($("notify-address"), M.t("notify_on").replace("{address}", list.join(", ")));
      }
      var most = info.ahead.length ? info.ahead[info.ahead.length - 1] : 0;
      var hint = most > 0 ? M.t("notify_hint").replace("{n}", most) : M.t("notify_hint_call");
      M.setText($("notify-hint"), hint);
      $("notify-phone-row").hidden = info.available.indexOf("sms") < 0;
      $("notify-email-row").hidden = info.available.indexOf("email") < 0;
    }
    function answer(res) {
      busy = false;
      if (res.ok) { info = res.body; msg(""); show(); return true; }
      msg(reason(res));
      return false;
    }
    $("notify-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      var phone = $("notify-phone").value.trim(), email = $("notify-email").value.trim();
      var body = phone && !$("notify-phone-row").hidden ? {phone: phone}
        : email && !$("notify-email-row").hidden ? {email: email} : null;
      if (!body) { msg(M.t("notify_need_contact")); return; }
      busy = true;
      M.api("POST", path, body).then(answer);
    });
    $("notify-off").addEventListener("click", function () {
      if (busy) return;
      busy = true;
      M.api("DELETE", path).then(function (res) {
        if (answer(res)) msg(M.t("notify_stopped"));
      });
    });
    return {
      state: function (state) {
        waiting = state === "waiting";
        if (!asked && waiting) {
          asked = true;
          M.api("GET", path).then(function (res) { if (res.ok) { info = res.body; show(); } });
        }
        show();
      }
    };
  })();

  function connect() {
    if (socket) {
      socket.connect();
      return;
    }
    socket = M.socket({
      auth: {track: trackingId},
      onRefused: function () {
        // the server refused us (the ticket may be gone, e.g. after the day ended): ask again by REST
        M.showOffline(true);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(load, 5000);
      }
    });
    socket.on("ticket", render);
    socket.on("connect", function () { M.showOffline(false); });
    socket.on("disconnect", function () { M.showOffline(true); });
    socket.on("connect_error", function () { if (socket.active) M.showOffline(true); });
  }

  function load() {
    M.api("GET", "/track/" + encodeURIComponent(trackingId)).then(function (res) {
      if (res.ok) {
        render(res.body);
        connect();
      } else if (res.status === 404) {
        $("track-card").hidden = true;
        $("track-called").hidden = true;
        only("track-missing");
        M.showOffline(false);
      } else {
        if ($("track-card").hidden) only("track-down");
        clearTimeout(retryTimer);
        retryTimer = setTimeout(load, 5000);
      }
    });
  }
  load();
})();
