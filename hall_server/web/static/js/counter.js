/* Counter terminal: the officer's buttons for one counter, live from the hall's events. */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var number = M.page.counter;
  if (number === null || number === undefined) return;

  var $ = function (id) { return document.getElementById(id); };
  var actions = $("actions");
  var msg = $("term-msg");
  var select = $("transfer-field");
  var counter = null; // this counter in the live state
  var inFlight = false;
  var msgTimer = null;

  function show(text, kind) {
    msg.textContent = text;
    msg.className = "term-msg " + (kind || "bad");
    msg.hidden = false;
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { msg.hidden = true; }, kind === "bad" ? 12000 : 5000);
  }

  // ------------------------------------------------------------------ rendering
  function render(state) {
    if (!state) return;
    counter = null;
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].number === number) counter = state.counters[i];
    }
    if (!counter) return;
    var status = $("counter-status");
    M.setText(status, M.t(counter.status));
    status.className = "badge st-" + counter.status;

    var who = M.clear($("counter-officer"));
    var officer = counter.officer ? M.officer(counter.officer) : null;
    if (officer) {
      who.appendChild(M.el("strong", null, officer.name));
      who.appendChild(document.createTextNode(" – " + officer.title));
    } else {
      who.appendChild(M.el("span", "muted", M.t("no_officer")));
    }
    $("seat-warning").hidden = !(M.page.role === "officer" && counter.officer !== M.page.officer);

    var cur = counter.current;
    M.setText($("cur-code"), cur ? cur.code : "–");
    M.setText($("cur-field"), cur ? M.fieldName(cur.field) : M.t("no_current"));
    var prio = $("cur-prio");
    prio.hidden = !(cur && cur.priority);
    if (cur && cur.priority) M.setText(prio, M.t("priority_label") + ": " + M.priorityName(cur.priority));
    var badge = $("cur-state");
    badge.hidden = !cur;
    if (cur) {
      M.setText(badge, M.t(cur.state));
      badge.className = "badge tk-" + cur.state;
    }
    $("terminal").classList.toggle("has-called", !!(cur && cur.state === "called"));
    $("terminal").classList.toggle("has-serving", !!(cur && cur.state === "serving"));
    tick();

    // waiting in the fields this counter serves
    var list = M.clear($("wait-list"));
    var total = 0;
    var fields = counter.fields.slice();
    var pendingFields = counter.pending_fields || [];
    for (var p = 0; p < pendingFields.length; p++) {
      if (fields.indexOf(pendingFields[p]) < 0) fields.push(pendingFields[p]);
    }
    for (var f = 0; f < fields.length; f++) {
      var code = fields[f];
      var n = state.waiting[code] || 0;
      total += n;
      var li = M.el("li", n ? "has-waiting" : "");
      li.setAttribute("data-field", code);
      li.appendChild(M.el("span", "wl-name", M.fieldName(code)));
      li.appendChild(M.el("span", "wl-count", n));
      var next = (state.queues[code] || []).slice(0, 6).join(" · ");
      li.appendChild(M.el("span", "wl-next", next ? M.t("next_up") + ": " + next : ""));
      list.appendChild(li);
    }
    M.setText($("waiting-total"), total);
    var pending = $("pending-fields");
    pending.hidden = !counter.pending_fields;
    if (counter.pending_fields) {
      M.setText(pending, M.t("pending_fields") + ": " + counter.pending_fields.map(M.fieldName).join(", "));
    }

    // buttons: all stay usable (the server says why a refused one cannot be done); the likely ones stand out
    var called = cur && cur.state === "called", serving = cur && cur.state === "serving";
    var open = counter.status === "open";
    var likely = {
      "call-next": open && !called,
      "recall": called,
      "start": called,
      "finish": called || serving,
      "no-show": called,
      "transfer": called || serving,
      "pause": counter.status !== "closed",
      "open": true
    };
    var buttons = actions.querySelectorAll("[data-action]");
    for (var b = 0; b < buttons.length; b++) {
      buttons[b].classList.toggle("dim", !likely[buttons[b].getAttribute("data-action")]);
    }
    var pauseBtn = $("pause-btn");
    M.setText(pauseBtn.querySelector(".lbl"), counter.status === "paused" ? pauseBtn.getAttribute("data-resume")
      : pauseBtn.getAttribute("data-pause"));
    var openBtn = $("open-btn");
    M.setText(openBtn.querySelector(".lbl"), counter.status === "closed" ? openBtn.getAttribute("data-open")
      : openBtn.getAttribute("data-close"));
    for (var o = 0; o < select.options.length; o++) {
      var option = select.options[o];
      option.disabled = !!(option.value && cur && option.value === cur.field);
      if (option.disabled && option.selected) select.value = "";
    }
  }

  function tick() {
    var timer = $("cur-timer");
    var cur = counter && counter.current;
    var since = cur ? (cur.state === "serving" ? cur.serving_at || cur.called_at : cur.called_at) : null;
    if (!since) {
      M.setText(timer, "");
      return;
    }
    M.setText(timer, M.fmtDuration((M.now() - Date.parse(since)) / 1000));
  }
  setInterval(tick, 1000);

  // ------------------------------------------------------------------ commands
  function command(action) {
    if (inFlight || !counter) return;
    var path = action, body = null;
    if (action === "pause") path = counter.status === "paused" ? "resume" : "pause";
    if (action === "open") path = counter.status === "closed" ? "open" : "close";
    if (action === "transfer") {
      if (!select.value) {
        show(M.t("pick_field_first"), "bad");
        select.focus();
        return;
      }
      body = {field: select.value};
    }
    if (action === "call") {
      var code = $("call-code").value.replace(/\s+/g, "").toUpperCase();
      if (!/^[A-Z]{1,2}[0-9]{1,4}$/.test(code)) {
        show(M.t("type_a_number_first"), "bad");
        $("call-code").focus();
        return;
      }
      body = {code: code};
    }
    inFlight = true;
    actions.classList.add("busy");
    var key = M.newKey(); // one press, one effect, even if the request is retried
    var send = function (attempt) {
      return M.api("POST", "/counters/" + number + "/" + path, body, {idempotencyKey: key}).then(function (res) {
        if (res.status === 0 && attempt < 2) {
          return new Promise(function (r) { setTimeout(r, 800); }).then(function () { return send(attempt + 1); });
        }
        return res;
      });
    };
    send(1).then(function (res) {
      inFlight = false;
      actions.classList.remove("busy");
      if (res.ok) {
        msg.hidden = true;
        if (action === "transfer") select.value = "";
        if (action === "call") $("call-code").value = "";
        if (res.body.seq > live.lastSeq) {
          // the socket should bring the events in a moment; if it does not, ask for the state
          setTimeout(function () {
            if (res.body.seq <= live.lastSeq) return;
            if (live.socket.connected) live.resync(0); else live.fetch();
          }, 1500);
        }
      } else if (res.status === 401) {
        window.location.href = M.base + "/login?next=" + encodeURIComponent(location.pathname + location.search);
      } else {
        show(M.errorText(res), "bad");
      }
    });
  }

  actions.addEventListener("click", function (e) {
    var btn = e.target.closest ? e.target.closest("[data-action]") : null;
    if (btn) command(btn.getAttribute("data-action"));
  });

  var keys = {};
  var keyed = actions.querySelectorAll("[data-key]");
  for (var k = 0; k < keyed.length; k++) keys[keyed[k].getAttribute("data-key")] = keyed[k].getAttribute("data-action");
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || (tag === "SELECT" && e.key !== "t" && e.key !== "T")) return;
    var action = keys[(e.key || "").toLowerCase()];
    if (!action) return;
    e.preventDefault();
    command(action);
  });

  // ------------------------------------------------------------------ live state
  var live = M.terminal = M.live({
    onChange: render,
    onStatus: function (online) { M.showOffline(!online); }
  });
})();
