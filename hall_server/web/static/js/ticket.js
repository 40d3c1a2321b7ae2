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
  }

  function connect() {
    if (socket) {
      socket.connect();
      return;
    }
    socket = window.io({auth: {track: trackingId}, reconnectionDelayMax: 5000});
    socket.on("ticket", render);
    socket.on("connect", function () { M.showOffline(false); });
    socket.on("disconnect", function () { M.showOffline(true); });
    socket.on("connect_error", function () {
      M.showOffline(true);
      if (!socket.active) {
        // the server refused us (the ticket may be gone, e.g. after the day ended): ask again by REST
        clearTimeout(retryTimer);
        retryTimer = setTimeout(load, 5000);
      }
    });
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
