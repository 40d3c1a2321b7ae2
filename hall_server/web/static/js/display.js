/* Waiting-room board: who goes to which counter, live.
 *
 * Every call (and recall) is shown large, one after another: each stays at least
 * MIN_SHOW ms before the next one replaces it, so calls made together never flash by.
 * For each call shown, window.MOTCUA.onCall(ticket, counter, recall) is called (the sound
 * part sets it); if it returns a Promise, the next call also waits for it (up to HOOK_MAX).
 */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var MIN_SHOW = 3500, HIGHLIGHT = 10000, HOOK_MAX = 20000, RECENT = 8;

  var $ = function (id) { return document.getElementById(id); };
  var announced = {};   // "ticket id:recalls" already shown
  var queue = [];       // calls waiting for their turn on the big panel
  var showing = null;   // {minUntil, highlightUntil, holding}
  var timer = null;

  function keyOf(ticket) { return ticket.id + ":" + (ticket.recalls || 0); }

  function officerText(counter) {
    var o = counter && counter.officer ? M.officer(counter.officer) : null;
    return o ? o.name + " – " + o.title : "";
  }

  // ------------------------------------------------------------------ the big call panel
  function paint(ticket, counterNumber, counter, recall, highlight) {
    $("call-idle").hidden = true;
    $("call-body").hidden = false;
    M.setText($("call-code"), ticket.code);
    M.setText($("call-counter"), counterNumber);
    M.setText($("call-who"), officerText(counter));
    $("call-recall").hidden = !recall;
    var panel = $("call");
    panel.classList.remove("highlight");
    if (highlight) {
      void panel.offsetWidth; // restart the flash animation
      panel.classList.add("highlight");
    }
  }

  function announce(ticket, counter, recall) {
    var key = keyOf(ticket);
    if (announced[key]) return;
    announced[key] = true;
    queue.push({ticket: ticket, counter: counter, recall: !!recall});
    pump();
  }

  function pump() {
    clearTimeout(timer);
    var now = Date.now();
    if (showing && showing.holding) return; // the hook's promise calls pump when done
    // a recall of the number already on the panel hides nothing: it may show at once
    var sameNumber = showing && queue.length && queue[0].ticket.id === showing.ticketId;
    if (showing && now < showing.minUntil && !sameNumber) {
      timer = setTimeout(pump, showing.minUntil - now);
      return;
    }
    if (!queue.length) {
      if (showing && now >= showing.highlightUntil) {
        $("call").classList.remove("highlight");
        showing = null;
      } else if (showing) {
        timer = setTimeout(pump, showing.highlightUntil - now);
      }
      return;
    }
    var item = queue.shift();
    var number = item.counter ? item.counter.number : item.ticket.counter;
    paint(item.ticket, number, item.counter, item.recall, true);
    var current = showing = {ticketId: item.ticket.id, minUntil: now + MIN_SHOW, highlightUntil: now + HIGHLIGHT,
                             holding: false};
    var result;
    try {
      result = M.onCall(item.ticket, item.counter, item.recall);
    } catch (e) {
      result = null;
    }
    if (result && typeof result.then === "function") {
      current.holding = true;
      var done = function () {
        if (!current.holding) return;
        current.holding = false;
        pump();
      };
      result.then(done, done);
      setTimeout(done, HOOK_MAX);
    }
    timer = setTimeout(pump, MIN_SHOW);
  }

  // ------------------------------------------------------------------ the rest of the board
  function render(state) {
    if (!state) return;
    var byNumber = {};
    for (var i = 0; i < state.counters.length; i++) byNumber[state.counters[i].number] = state.counters[i];

    // recent calls
    var recent = M.clear($("recent"));
    var calls = state.recent_calls.slice(0, RECENT);
    for (var r = 0; r < calls.length; r++) {
      var li = M.el("li", r === 0 ? "latest" : "");
      li.appendChild(M.el("span", "rc-code", calls[r].code));
      li.appendChild(M.el("span", "rc-arrow", "→"));
      li.appendChild(M.el("span", "rc-counter", M.t("counter_no") + " " + calls[r].counter));
      recent.appendChild(li);
    }
    if (!calls.length) recent.appendChild(M.el("li", "muted", M.t("no_calls_yet")));

    // open counters
    var grid = M.clear($("counters"));
    var served = {};
    for (var c = 0; c < state.counters.length; c++) {
      var k = state.counters[c];
      if (k.status === "closed") continue;
      for (var f = 0; f < k.fields.length; f++) served[k.fields[f]] = true;
      var card = M.el("div", "board-counter" + (k.status === "paused" ? " is-paused" : ""));
      card.setAttribute("data-counter", k.number);
      card.appendChild(M.el("span", "bc-no", M.t("counter_no") + " " + k.number));
      var cur = k.current && (k.current.state === "called" || k.current.state === "serving") ? k.current : null;
      var code = M.el("span", "bc-code" + (cur && cur.state === "called" ? " is-called" : ""), cur ? cur.code : "–");
      card.appendChild(code);
      var o = k.officer ? M.officer(k.officer) : null;
      var who = M.el("span", "bc-who");
      who.appendChild(M.el("span", "bc-name", o ? o.name : M.t("no_officer")));
      if (k.status === "paused") {
        who.appendChild(M.el("span", "bc-paused", M.t("paused"))); // in place of the title: same height
      } else if (o) {
        who.appendChild(M.el("span", "bc-title", o.title));
      }
      card.appendChild(who);
      grid.appendChild(card);
    }
    if (!grid.firstChild) grid.appendChild(M.el("p", "muted", M.t("no_open_counter")));

    // waiting per field: fields someone serves now, and any field with people waiting
    var waits = M.clear($("waits"));
    for (var w = 0; w < M.centre.fields.length; w++) {
      var field = M.centre.fields[w];
      var n = state.waiting[field.code] || 0;
      if (!n && !served[field.code]) continue;
      var chip = M.el("li", n ? "" : "zero");
      chip.setAttribute("data-field", field.code);
      chip.appendChild(M.el("span", "wc-name", M.fieldName(field.code)));
      chip.appendChild(M.el("span", "wc-count", n));
      waits.appendChild(chip);
    }

    waits.classList.toggle("many", waits.children.length > 16);

    var notice = $("notice");
    notice.hidden = !state.notice;
    M.setText(notice, state.notice || "");
  }

  function onSnapshot(state, previous) {
    var byNumber = {};
    for (var i = 0; i < state.counters.length; i++) byNumber[state.counters[i].number] = state.counters[i];
    if (!previous) {
      // a fresh board: show the latest call quietly; only calls from now on are announced
      for (var r = 0; r < state.recent_calls.length; r++) announced[keyOf(state.recent_calls[r])] = true;
      for (var n = 0; n < state.counters.length; n++) {
        if (state.counters[n].current) announced[keyOf(state.counters[n].current)] = true;
      }
      var last = state.recent_calls[0];
      if (last && !showing) paint(last, last.counter, byNumber[last.counter], false, false);
      return;
    }
    // after a gap or a reconnection: announce calls we missed that still stand at their counter
    for (var c = 0; c < state.counters.length; c++) {
      var k = state.counters[c];
      if (k.current && k.current.state === "called") announce(k.current, k, k.current.recalls > 0);
    }
  }

  function onEvent(ev) {
    var d = ev.data || {};
    if (ev.kind === "ticket_called" && d.ticket) announce(d.ticket, d.counter, false);
    if (ev.kind === "ticket_recalled" && d.ticket) announce(d.ticket, d.counter, true);
  }

  // ------------------------------------------------------------------ clock
  function clock() {
    var now = new Date(M.now());
    M.setText($("clock-time"), M.fmtTime(now));
    M.setText($("clock-date"), M.fmtDate(now));
  }
  clock();
  setInterval(clock, 1000);

  M.board = M.live({
    onSnapshot: onSnapshot,
    onEvent: onEvent,
    onChange: render,
    onStatus: function (online) { M.showOffline(!online); }
  });
})();
