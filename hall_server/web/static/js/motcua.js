/* MotCua Queue: helpers shared by every page, as window.MOTCUA.
 *
 * - MOTCUA.text / MOTCUA.t(key): the page text table (Vietnamese or English);
 * - MOTCUA.centre: fields, counters, officers, priorities of the centre;
 * - MOTCUA.api(method, path, body, opts): fetch the REST API; never rejects, resolves
 *   {ok, status, body}; status 0 means the server could not be reached;
 * - MOTCUA.socket(opts): a Socket.IO connection that rides out an overloaded server (see below);
 * - MOTCUA.live(opts): the live hall over Socket.IO (snapshot + numbered events, see below);
 * - MOTCUA.onCall(ticket, counter, recall): hook the display board calls for every call it
 *   shows (the sound part replaces it; it may return a Promise to hold the next call).
 *
 * Written for old phone browsers too: no optional chaining, no modules.
 */
(function () {
  "use strict";

  var M = window.MOTCUA = window.MOTCUA || {};
  var dataEl = document.getElementById("motcua-data");
  var data = {};
  try {
    data = dataEl ? JSON.parse(dataEl.textContent) : {};
  } catch (e) {
    data = {};
  }
  M.lang = data.lang || "vi";
  M.text = data.text || {};
  M.centre = data.centre || {fields: [], counters: [], officers: [], priorities: []};
  M.csrf = data.csrf || "";
  M.base = data.base || "";  /* the centre's URL prefix, e.g. "/c/demo" on a multi-centre server */
  M.page = data.page || {};
  if (typeof M.onCall !== "function") {
    M.onCall = function () {};
  }

  M.t = function (key) {
    return Object.prototype.hasOwnProperty.call(M.text, key) ? M.text[key] : key;
  };

  /* The message to show for an API error body (or a network failure). */
  M.errorText = function (res) {
    var code = res && res.body && res.body.error;
    if (!res || res.status === 0 || res.status === 502 || res.status === 503 || res.status === 504) {
      return M.t("system_unavailable");
    }
    if (code && M.text["err_" + code]) {
      return M.text["err_" + code];
    }
    return res.status >= 500 ? M.t("err_server") : M.t("err_domain_error");
  };

  // ------------------------------------------------------------------ lookups
  function index(list, key) {
    var out = {};
    for (var i = 0; i < (list || []).length; i++) {
      out[list[i][key]] = list[i];
    }
    return out;
  }
  var fields = index(M.centre.fields, "code");
  var officers = index(M.centre.officers, "id");
  var counters = index(M.centre.counters, "number");
  var priorities = index(M.centre.priorities, "code");

  M.field = function (code) { return fields[code] || null; };
  M.fieldName = function (code) {
    var f = fields[code];
    if (!f) return code || "";
    return M.lang === "en" && f.name_en ? f.name_en : f.name;
  };
  M.officer = function (id) { return officers[id] || null; };
  M.counterName = function (number) {
    var k = counters[number];
    return k ? k.name : M.t("counter_no") + " " + number;
  };
  M.priorityName = function (code) {
    var p = priorities[code];
    if (!p) return code || "";
    return M.lang === "en" && p.name_en ? p.name_en : p.name;
  };

  // ------------------------------------------------------------------ small DOM helpers
  M.$ = function (sel, root) { return (root || document).querySelector(sel); };
  M.el = function (tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  M.clear = function (node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  };
  M.setText = function (node, text) {
    if (node && node.textContent !== String(text)) node.textContent = String(text);
  };
  M.showOffline = function (offline, text) {
    var banner = document.getElementById("offline");
    if (banner) {
      banner.hidden = !offline;
      banner.textContent = text || M.t("offline");
    }
    document.documentElement.classList.toggle("is-offline", !!offline);
  };

  /* A Socket.IO connection to this centre. When the server is full it refuses new public
   * connections with the connect error "overloaded": the page then says so
   * ("Hệ thống đang quá tải, vui lòng thử lại sau") and tries again by itself, waiting longer
   * each time (5 s, 10 s, 20 s … up to 2 minutes, with jitter so phones don't return together).
   * opts.auth goes to the server; opts.onRefused(err) hears any other refusal. */
  M.socket = function (opts) {
    opts = opts || {};
    var socket = window.io({path: M.base + "/socket.io", auth: opts.auth || {}, reconnectionDelayMax: 5000,
                            randomizationFactor: 0.5});
    var refusals = 0;
    var retry = null;
    socket.on("connect", function () { refusals = 0; });
    socket.on("connect_error", function (err) {
      if (socket.active) return; // a network problem: socket.io reconnects by itself
      if (err && err.message === "overloaded") {
        M.showOffline(true, M.t("overloaded"));
        var delay = Math.min(120000, 5000 * Math.pow(2, refusals++)) * (0.75 + Math.random() / 2);
        clearTimeout(retry);
        retry = setTimeout(function () { socket.connect(); }, delay);
      } else if (opts.onRefused) {
        opts.onRefused(err);
      }
    });
    return socket;
  };

  // ------------------------------------------------------------------ ids and time
  M.newKey = function () {
    var bytes = new Uint8Array(16);
    var c = window.crypto || window.msCrypto;
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes); // works on plain http too, unlike crypto.randomUUID
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var hex = "";
    for (var j = 0; j < 16; j++) hex += (bytes[j] + 256).toString(16).slice(1);
    return hex;
  };

  var clockOffset = 0; // server time minus local time, from the Date header (whole seconds)
  M.now = function () { return Date.now() + clockOffset; };
  function noteServerDate(header, sentAt) {
    var server = Date.parse(header || "");
    if (isNaN(server)) return;
    var local = (sentAt + Date.now()) / 2;
    var offset = server + 500 - local; // the header is truncated to the second
    clockOffset = Math.abs(offset) > 1500 ? offset : 0;
  }

  var tz = M.centre.timezone || undefined;
  function fmt(options) {
    try {
      return new Intl.DateTimeFormat(M.lang === "en" ? "en-GB" : "vi-VN", Object.assign({timeZone: tz}, options));
    } catch (e) {
      return new Intl.DateTimeFormat(M.lang === "en" ? "en-GB" : "vi-VN", options);
    }
  }
  var hm = fmt({hour: "2-digit", minute: "2-digit", hour12: false});
  M.fmtTime = function (value) {
    var d = value instanceof Date ? value : new Date(value);
    return isNaN(d.getTime()) ? "" : hm.format(d);
  };
  var dayOfWeek = fmt({weekday: "short"});
  var dateOnly = fmt({day: "numeric", month: "numeric", year: "numeric"});
  var WEEKDAYS = {Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6};
  /* "Thứ Hai, 7/12/2026": the weekday from the centre's own text table (as the reports and the
   * wall board spell it), the date in the centre's time zone. */
  M.fmtDate = function (value) {
    var english = new Intl.DateTimeFormat("en-GB", {weekday: "short", timeZone: dayOfWeek.resolvedOptions().timeZone});
    var k = WEEKDAYS[english.format(value)];
    var name = k === undefined ? dayOfWeek.format(value) : M.t("weekday_" + k);
    return name + ", " + dateOnly.format(value);
  };
  M.fmtDuration = function (seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h > 0 ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  };
  M.fmtWait = function (minutes) {
    if (minutes === null || minutes === undefined) return "";
    return M.t("about") + " " + Math.max(1, Math.ceil(minutes)) + " " + M.t("minutes");
  };

  // ------------------------------------------------------------------ REST
  M.api = function (method, path, body, opts) {
    opts = opts || {};
    var headers = {"Accept": "application/json"};
    if (body !== undefined && body !== null) headers["Content-Type"] = "application/json";
    if (opts.token) {
      headers["Authorization"] = "Bearer " + opts.token;
    } else if (M.csrf && method !== "GET") {
      headers["X-CSRF-Token"] = M.csrf;
    }
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    var sentAt = Date.now();
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, opts.timeout || 10000) : null;
    return fetch(M.base + "/api/v1" + path, {
      method: method,
      headers: headers,
      body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      if (timer) clearTimeout(timer);
      noteServerDate(resp.headers.get("Date"), sentAt);
      return resp.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return {ok: resp.ok, status: resp.status, body: parsed || {}};
      });
    }, function () {
      if (timer) clearTimeout(timer);
      return {ok: false, status: 0, body: {error: "network"}};
    });
  };

  // ------------------------------------------------------------------ the live hall
  /*
   * The server sends `snapshot` (with seq) on connect and after `resync`, then `event`
   * messages {seq, kind, at, data} numbered one by one. The client keeps lastSeq:
   *  - an event with seq <= lastSeq is a duplicate and is ignored;
   *  - seq == lastSeq + 1 is applied to the local state at once;
   *  - a larger seq means something was missed: it is kept aside and `resync` is sent;
   *    the next snapshot replaces the state, and kept events newer than it are replayed.
   * Events whose effect cannot be worked out locally (a transfer's place in its new
   * queue, a new day) also ask for a resync. Applied events are kept a short while so a
   * snapshot that turns out older than them can be brought up to date by replaying them.
   */
  function copySnapshot(snap) {
    var s = JSON.parse(JSON.stringify(snap));
    s.queues = s.queues || {};
    s.waiting = s.waiting || {};
    s.counters = s.counters || [];
    s.recent_calls = s.recent_calls || [];
    return s;
  }

  function removeCode(list, code) {
    if (!list) return;
    var i = list.indexOf(code);
    if (i >= 0) list.splice(i, 1);
  }

  /* Apply one event to the state; return true if the result may be inexact (ask for a snapshot). */
  function applyEvent(state, ev) {
    var d = ev.data || {};
    var t = d.ticket || null;
    var c = d.counter || null;
    var unsure = false;
    var q = state.queues;
    switch (ev.kind) {
      case "ticket_issued":
        q[t.field] = q[t.field] || [];
        removeCode(q[t.field], t.code);
        var at = typeof d.people_ahead === "number" ? Math.min(d.people_ahead, q[t.field].length) : q[t.field].length;
        q[t.field].splice(at, 0, t.code);
        break;
      case "ticket_called":
        removeCode(q[t.field], t.code);
        break;
      case "ticket_cancelled":
      case "ticket_expired":
        removeCode(q[t.field], t.code);
        break;
      case "ticket_transferred":
        removeCode(q[d.from_field], t.code);
        q[t.field] = q[t.field] || [];
        q[t.field].push(t.code); // its place depends on issue time and priority: ask for the truth
        unsure = true;
        break;
      case "day_started":
        unsure = true;
        break;
    }
    if (t) {
      var recent = state.recent_calls;
      for (var i = recent.length - 1; i >= 0; i--) {
        if (recent[i].id === t.id) recent.splice(i, 1);
      }
      if (t.called_at) {
        recent.unshift(t);
        recent.sort(function (a, b) {
          return a.called_at < b.called_at ? 1 : a.called_at > b.called_at ? -1 : b.id - a.id;
        });
        if (recent.length > 10) recent.length = 10;
      }
      for (var k = 0; k < state.counters.length; k++) {
        var cur = state.counters[k].current;
        if (cur && cur.id === t.id) state.counters[k].current = t;
      }
    }
    if (c) {
      var found = false;
      for (var j = 0; j < state.counters.length; j++) {
        var old = state.counters[j];
        if (old.number !== c.number) continue;
        found = true;
        var next = JSON.parse(JSON.stringify(c));
        if (c.ticket === null || c.ticket === undefined) {
          next.current = null;
        } else if (t && t.id === c.ticket) {
          next.current = t;
        } else if (old.current && old.current.id === c.ticket) {
          next.current = old.current;
        } else {
          next.current = null;
          unsure = true;
        }
        state.counters[j] = next;
      }
      if (!found) unsure = true;
    }
    var waiting = {};
    for (var code in q) {
      if (Object.prototype.hasOwnProperty.call(q, code)) waiting[code] = q[code].length;
    }
    state.waiting = waiting;
    state.seq = ev.seq;
    return unsure;
  }
  M.applyEvent = applyEvent;

  /*
   * opts: {auth, onSnapshot(state, previous), onEvent(ev, state), onChange(state), onStatus(online)}
   * onEvent is called once per event, in order, as it is applied live (not on replays).
   */
  M.live = function (opts) {
    opts = opts || {};
    var live = {state: null, lastSeq: -1, online: false};
    var pending = [];   // events not yet applied (waiting for a snapshot or for a gap to fill)
    var applied = [];   // recently applied events, to replay onto an older snapshot
    var notified = -1;  // highest seq passed to onEvent
    var resyncAt = 0;
    var socket = M.socket({auth: opts.auth});
    live.socket = socket;

    function changed() {
      if (opts.onChange) opts.onChange(live.state);
    }

    var resyncTimer = null;
    /* Ask for a fresh snapshot, at most once per `spacing` ms (later requests are deferred, not lost). */
    live.resync = function (spacing) {
      spacing = spacing === undefined ? 2000 : spacing;
      var wait = resyncAt + spacing - Date.now();
      if (wait > 0) {
        if (!resyncTimer) resyncTimer = setTimeout(function () { resyncTimer = null; live.resync(0); }, wait);
        return;
      }
      if (!socket.connected) return; // the server sends a snapshot when we reconnect
      resyncAt = Date.now();
      socket.emit("resync");
    };

    var gapTries = 0;     // snapshots received while a gap stayed open

    function drain() {
      pending.sort(function (a, b) { return a.seq - b.seq; });
      var unsure = false;
      while (pending.length) {
        var ev = pending[0];
        if (ev.seq <= live.lastSeq) { pending.shift(); continue; }
        if (ev.seq !== live.lastSeq + 1) break;
        pending.shift();
        gapTries = 0;
        unsure = applyEvent(live.state, ev) || unsure;
        live.lastSeq = ev.seq;
        applied.push(ev);
        if (applied.length > 200) applied.splice(0, applied.length - 200);
        if (ev.seq > notified) {
          notified = ev.seq;
          if (opts.onEvent) opts.onEvent(ev, live.state);
        }
      }
      if (pending.length) {
        live.resync(gapTries ? 2000 : 500); // a gap: ask at once, then calmly
      } else if (unsure) {
        live.resync(2000);
      }
    }

    /* A snapshot fetched by REST (when the socket is down): used only if newer than what we have. */
    live.fetch = function () {
      return M.api("GET", "/snapshot").then(function (res) {
        if (res.ok && typeof res.body.seq === "number" && (!live.state || res.body.seq > live.lastSeq)) {
          onSnapshot(res.body);
        }
        return res;
      });
    };

    function onSnapshot(snap) {
      var previous = live.state;
      live.state = copySnapshot(snap);
      live.lastSeq = snap.seq;
      if (notified < 0) notified = snap.seq;
      // events we already applied that are newer than this snapshot: apply them again
      var replay = [];
      for (var i = 0; i < applied.length; i++) {
        if (applied[i].seq > snap.seq) replay.push(applied[i]);
      }
      applied = [];
      pending = replay.concat(pending).filter(function (ev) { return ev.seq > snap.seq; });
      pending.sort(function (a, b) { return a.seq - b.seq; });
      if (pending.length && pending[0].seq > snap.seq + 1 && ++gapTries > 3) {
        pending = []; // events that no snapshot explains: forget them, the snapshots are the truth
        gapTries = 0;
      }
      if (opts.onSnapshot) opts.onSnapshot(live.state, previous);
      drain();
      changed();
    }
    socket.on("snapshot", onSnapshot);

    socket.on("event", function (ev) {
      if (!ev || typeof ev.seq !== "number") return;
      if (live.state && ev.seq <= live.lastSeq) return;
      pending.push(ev);
      if (!live.state) return; // the snapshot is on its way
      drain();
      changed();
    });

    function status(online) {
      live.online = online;
      if (opts.onStatus) opts.onStatus(online);
    }
    // The supervisor's notice for the displays: not a numbered event, just the latest text.
    socket.on("notice", function (msg) {
      if (!live.state || !msg || typeof msg.text !== "string") return;
      live.state.notice = msg.text;
      changed();
    });

    socket.on("connect", function () { status(true); });
    socket.on("disconnect", function () { status(false); });
    socket.on("connect_error", function (err) {
      if (!err || err.message !== "overloaded") status(false); // overloaded: M.socket shows why
    });
    return live;
  };
})();
