// The register made for tapping: an enhancement of the register's form, which works without it.
//
// Each pupil's code picker becomes one large button that cycles present -> absent (N) -> late
// (L, arrival time now, editable) -> present, with a "More" button opening every other code the
// register offers, grouped with their meanings. Counts stay in view. Marks entered are kept in
// this browser (localStorage, per register, session, day and user) until the server has them:
// a save that fails for the network keeps them, says so, and is sent again when the connection
// returns, with the same one-time token, so the server does it at most once. The server still
// decides everything: L or U from the arrival time, and a save from a stale page is refused
// (409) and shown, never overwritten.
(function () {
  "use strict";

  var ABSENT = "N";
  var LATE = "L";
  var RETRY_EVERY_MS = 20000;
  var SAVE_TIMEOUT_MS = 30000;
  var DRAFT_PREFIX = "register-draft:";
  var DRAFT_KEPT_DAYS = 14;
  var WORDS = { present: "Present", absent: "Absent", late: "Late", not_counted: "Not counted" };

  var state = null; // the enhanced page: form, lines, draft, retry timer

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: the page still works, marks are not kept
    }
  }

  function readDraft(key) {
    var storage = store();
    if (!storage) {
      return null;
    }
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeDraft() {
    var storage = store();
    if (!storage || !state.draft) {
      return;
    }
    state.draft.updated = new Date().toISOString();
    try {
      storage.setItem(state.key, JSON.stringify(state.draft));
    } catch (error) {
      say("These marks could not be kept on this device (its storage is full): save now.", "bad");
    }
  }

  function dropDraft() {
    var storage = store();
    state.draft = null;
    if (storage) {
      storage.removeItem(state.key);
    }
  }

  function forgetOldDrafts() {
    // Drafts of registers long past are of no use to anyone: forgotten after two weeks.
    var storage = store();
    if (!storage) {
      return;
    }
    var cutoff = Date.now() - DRAFT_KEPT_DAYS * 24 * 3600 * 1000;
    for (var i = storage.length - 1; i >= 0; i--) {
      var key = storage.key(i);
      if (key && key.indexOf(DRAFT_PREFIX) === 0) {
        var draft = readDraft(key);
        if (!draft || !draft.updated || Date.parse(draft.updated) < cutoff) {
          storage.removeItem(key);
        }
      }
    }
  }

  function nowHHMM() {
    var now = new Date();
    return ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
  }

  function say(text, tone) {
    var box = document.getElementById("save-state");
    if (!box) {
      return;
    }
    box.textContent = text;
    box.className = "save-state" + (tone ? " save-state-" + tone : "");
    box.hidden = !text;
  }

  function tallyOf(code) {
    if (!code) {
      return "unmarked";
    }
    var known = state.tallies[code];
    return known ? known[0] : "not_counted";
  }

  function meaningOf(code) {
    var known = state.tallies[code];
    return known ? known[1] : code;
  }

  // One pupil's line: the form's own fields, and the buttons drawn over them.
  function Line(item) {
    this.item = item;
    this.pupil = item.querySelector('input[name="pupil"]').value;
    this.select = item.querySelector("select");
    this.seen = item.querySelector('input[name="seen-' + this.pupil + '"]');
    this.arrived = item.querySelector('input[type="time"]');
    this.arrival = item.querySelector(".arrival");
    this.label = item.querySelector("label.pupil-name");
    this.name = this.label.textContent;
    this.label.id = "name-" + this.pupil;
  }

  Line.prototype.code = function () {
    return this.select.value;
  };

  Line.prototype.draw = function (disabled) {
    var controls = document.createElement("span");
    controls.className = "tap-controls";
    this.tap = document.createElement("button");
    this.tap.type = "button";
    this.tap.className = "tap";
    this.tap.id = "tap-" + this.pupil;
    this.tap.setAttribute("aria-labelledby", this.label.id + " " + this.tap.id);
    this.more = document.createElement("button");
    this.more.type = "button";
    this.more.className = "more secondary";
    this.more.textContent = "More";
    this.more.setAttribute("aria-label", "More codes for " + this.name);
    this.more.setAttribute("aria-haspopup", "dialog");
    this.tap.disabled = this.more.disabled = disabled;
    controls.appendChild(this.tap);
    controls.appendChild(this.more);
    this.select.hidden = true;
    this.select.insertAdjacentElement("afterend", controls);
    this.item.classList.add("tap-line");
    var line = this;
    this.tap.addEventListener("click", function () {
      line.cycle();
    });
    this.tap.addEventListener("keydown", function (event) {
      // Up and down go to the pupil above or below, as in a list (Tab goes through "More").
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
        return;
      }
      var at = state.lines.indexOf(line) + (event.key === "ArrowDown" ? 1 : -1);
      if (at >= 0 && at < state.lines.length) {
        event.preventDefault();
        state.lines[at].tap.focus();
      }
    });
    this.more.addEventListener("click", function () {
      openMenu(line);
    });
    if (this.arrived) {
      this.arrived.addEventListener("input", function () {
        changed();
      });
    }
    this.show();
  };

  // Present -> absent (N) -> late (L, arrived now) -> present; any other code -> present.
  Line.prototype.cycle = function () {
    var code = this.code();
    if (code === state.present) {
      this.set(ABSENT);
    } else if (code === ABSENT) {
      this.set(LATE, nowHHMM());
    } else {
      this.set(state.present);
    }
    changed();
  };

  Line.prototype.set = function (code, arrived) {
    if (!this.hasOption(code)) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = code + " - " + meaningOf(code);
      this.select.appendChild(option);
    }
    this.select.value = code;
    if (this.arrived) {
      // An arrival time goes with a late mark only; the server refuses it with any other code.
      this.arrived.value = tallyOf(code) === "late" ? arrived || this.arrived.value : "";
    }
    this.show();
  };

  Line.prototype.hasOption = function (code) {
    for (var i = 0; i < this.select.options.length; i++) {
      if (this.select.options[i].value === code) {
        return true;
      }
    }
    return false;
  };

  Line.prototype.show = function () {
    var code = this.code();
    var kind = tallyOf(code);
    var word;
    if (!code) {
      word = "Not marked";
    } else if (code === ABSENT) {
      word = "Absent";
    } else if (kind === "late") {
      word = code === LATE ? "Late" : "Late, after the register closed";
    } else if (code === state.present) {
      word = "Present";
    } else {
      word = meaningOf(code);
    }
    this.tap.className = "tap tally-" + kind;
    this.tap.textContent = "";
    var symbol = document.createElement("span");
    symbol.className = "code";
    symbol.textContent = code || "?";
    var text = document.createElement("span");
    text.className = "word";
    text.textContent = word;
    this.tap.appendChild(symbol);
    this.tap.appendChild(document.createTextNode(" "));
    this.tap.appendChild(text);
    if (this.arrival) {
      this.arrival.hidden = kind !== "late";
    }
  };

  function counts() {
    var totals = { present: 0, absent: 0, late: 0, not_counted: 0, unmarked: 0 };
    state.lines.forEach(function (line) {
      totals[tallyOf(line.code())] += 1;
    });
    Object.keys(totals).forEach(function (kind) {
      var slot = state.form.querySelector('[data-count="' + kind + '"]');
      if (slot) {
        slot.textContent = String(totals[kind]);
      }
    });
    var notCounted = state.form.querySelector('[data-count-box="not_counted"]');
    if (notCounted) {
      notCounted.hidden = totals.not_counted === 0;
    }
  }

  function drawn(line) {
    return { code: line.code(), arrived: line.arrived ? line.arrived.value : "" };
  }

  // The marks the teacher changed from what the page first drew (the server's marks, or what
  // it knew), to keep in this browser: each with the version of the saved mark as it was when
  // the change was made, which the server's stale-save check compares with however late the
  // change is sent.
  function snapshot() {
    var draft = state.draft || { changes: {}, token: null, pending: false };
    var changes = {};
    state.lines.forEach(function (line) {
      var now = drawn(line);
      var base = state.base[line.pupil];
      if (now.code === base.code && now.arrived === base.arrived) {
        return; // as the page drew it: nothing to keep
      }
      var earlier = draft.changes[line.pupil];
      changes[line.pupil] = {
        code: now.code,
        arrived: now.arrived,
        seen: earlier ? earlier.seen : base.seen,
      };
    });
    draft.changes = changes;
    var reason = state.form.querySelector("#reason");
    draft.reason = reason ? reason.value : "";
    return draft;
  }

  function changed() {
    counts();
    state.draft = snapshot();
    if (Object.keys(state.draft.changes).length || state.draft.pending) {
      writeDraft();
    } else {
      dropDraft(); // changed back to what the page drew
    }
  }

  // Put kept changes back on the page; returns how many differ from what it drew.
  function restore(draft) {
    var restored = 0;
    state.lines.forEach(function (line) {
      var change = draft.changes[line.pupil];
      if (!change) {
        return;
      }
      var now = drawn(line);
      if (now.code !== change.code || now.arrived !== change.arrived) {
        restored += 1;
      }
      if (line.seen) {
        line.seen.value = change.seen;
      }
      line.set(change.code, change.arrived);
      if (line.arrived) {
        line.arrived.value = change.arrived || "";
      }
    });
    var reason = state.form.querySelector("#reason");
    if (reason && draft.reason) {
      reason.value = draft.reason;
    }
    return restored;
  }

  // The "more" menu: every code the register offers, grouped, with its meaning.
  function openMenu(line) {
    var dialog = document.getElementById("code-menu");
    if (!dialog || typeof dialog.showModal !== "function") {
      line.select.hidden = false; // no dialog support: the form's own picker
      line.select.focus();
      return;
    }
    state.menuLine = line;
    document.getElementById("code-menu-pupil").textContent = line.name;
    var current = line.code();
    dialog.querySelectorAll(".code-choice").forEach(function (choice) {
      choice.setAttribute("aria-pressed", choice.getAttribute("data-code") === current ? "true" : "false");
    });
    dialog.showModal();
    var chosen = dialog.querySelector('.code-choice[aria-pressed="true"]');
    (chosen || dialog.querySelector(".code-choice")).focus();
  }

  function wireMenu() {
    var dialog = document.getElementById("code-menu");
    if (!dialog) {
      return;
    }
    dialog.addEventListener("click", function (event) {
      var choice = event.target.closest(".code-choice");
      if (choice && state.menuLine) {
        var code = choice.getAttribute("data-code");
        var line = state.menuLine;
        line.set(code, tallyOf(code) === "late" ? nowHHMM() : "");
        changed();
        dialog.close();
      } else if (event.target === dialog || event.target.id === "code-menu-close") {
        dialog.close(); // the backdrop, or Close
      }
    });
    dialog.addEventListener("keydown", function (event) {
      // Up and down move between the codes, as in a list.
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
        return;
      }
      var choices = Array.prototype.slice.call(dialog.querySelectorAll(".code-choice"));
      var at = choices.indexOf(document.activeElement);
      if (at < 0) {
        return;
      }
      event.preventDefault();
      var next = choices[(at + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length];
      next.focus();
    });
    dialog.addEventListener("close", function () {
      if (state.menuLine) {
        var line = state.menuLine;
        state.menuLine = null;
        if (line.arrival && !line.arrival.hidden) {
          line.arrived.focus();
        } else {
          line.more.focus();
        }
      }
    });
  }

  // Saving: the form's own POST, sent by fetch; the answer is the page the server draws.
  function save() {
    if (state.sending) {
      return;
    }
    state.draft = snapshot();
    var tokenField = state.form.querySelector('input[name="form_once"]');
    if (!state.draft.token && tokenField) {
      // Sent again after a failure with the same token: had the first reached the server,
      // the second is not done twice (registers/middleware.py).
      state.draft.token = tokenField.value;
    }
    state.draft.pending = true;
    writeDraft();
    var body = new FormData(state.form);
    body.set("action", "save");
    if (state.draft.token) {
      body.set("form_once", state.draft.token);
    }
    state.sending = true;
    state.saveButton.disabled = true;
    say("Saving the register…", "");
    // A classroom's Wi-Fi can hang rather than fail: a save unanswered for long is given up
    // as failed, and sent again with the same token.
    var giveUp = typeof AbortController === "function" ? new AbortController() : null;
    var timer = giveUp
      ? window.setTimeout(function () {
          giveUp.abort();
        }, SAVE_TIMEOUT_MS)
      : null;
    fetch(state.form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: giveUp ? giveUp.signal : undefined,
    })
      .then(
        function (response) {
          return response.text().then(
            function (html) {
              return { response: response, html: html };
            },
            function () {
              return null; // the answer broke off
            }
          );
        },
        function () {
          return null; // no answer: the network, not the server
        }
      )
      .then(function (answer) {
        window.clearTimeout(timer);
        state.sending = false;
        state.saveButton.disabled = false;
        if (answer) {
          answered(answer.response, answer.html);
        } else {
          offline();
        }
      });
  }

  function offline() {
    state.draft.pending = true;
    writeDraft();
    say(
      "Not saved: there is no connection. Your marks are kept on this device and will be " +
        "saved as soon as the connection returns.",
      "bad"
    );
    scheduleRetry();
  }

  function scheduleRetry() {
    if (state.retry) {
      return;
    }
    state.retry = window.setInterval(function () {
      if (navigator.onLine !== false && state.draft && state.draft.pending) {
        save();
      }
    }, RETRY_EVERY_MS);
  }

  function stopRetry() {
    if (state.retry) {
      window.clearInterval(state.retry);
      state.retry = null;
    }
  }

  function answered(response, html) {
    var path = new URL(response.url, window.location.href).pathname;
    var here = path === window.location.pathname;
    stopRetry();
    if (response.ok && here && response.redirected) {
      // Saved (or saved already by an earlier send of the same marks): the server's page.
      dropDraft();
      swap(html, null);
      return;
    }
    state.draft.token = null; // the server answered: the token was not used up
    state.draft.pending = false;
    if ((response.status === 400 || response.status === 409) && here) {
      // Refused, nothing saved: the page says why.
      swap(html, { draft: state.draft, base: response.status === 400 ? state.base : null });
      return;
    }
    writeDraft();
    if (!here) {
      say("Not saved: you have been signed out. Your marks are kept on this device: sign in again and open this register.", "bad");
    } else {
      say("Not saved: the server could not save the register (error " + response.status + "). Your marks are kept on this device; try again.", "bad");
    }
  }

  // Put the server's page in place of this one, and enhance it again. A refused register (400)
  // is drawn as it was sent, so what the teacher changed is still measured from the marks
  // first drawn. A stale save (409) is drawn with the marks as they are now: the teacher's
  // other changes are put back over them, except the conflicts, which show the saved mark
  // (saving again is a deliberate act), and their versions are the ones just drawn.
  function swap(html, carried) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.getElementById("main");
    if (!main) {
      say("Not saved: the server's answer could not be read. Your marks are kept on this device.", "bad");
      return;
    }
    document.title = page.title;
    document.getElementById("main").replaceWith(document.adoptNode(main));
    if (carried && !carried.base) {
      main.querySelectorAll(".conflicts [data-pupil]").forEach(function (conflict) {
        delete carried.draft.changes[conflict.getAttribute("data-pupil")];
      });
      Object.keys(carried.draft.changes).forEach(function (pupil) {
        var seen = main.querySelector('input[name="seen-' + pupil + '"]');
        carried.draft.changes[pupil].seen = seen ? seen.value : "";
      });
    }
    start(carried);
    var problems = document.getElementById("problems");
    if (problems) {
      problems.focus();
    } else {
      window.scrollTo(0, 0);
    }
  }

  function start(carried) {
    var form = document.getElementById("register-form");
    if (!form) {
      return;
    }
    var talliesData = document.getElementById("code-tallies");
    state = {
      form: form,
      key: form.getAttribute("data-draft-key"),
      present: form.getAttribute("data-session") === "PM" ? "\\" : "/",
      tallies: talliesData ? JSON.parse(talliesData.textContent) : {},
      lines: [],
      base: {},
      draft: null,
      retry: state && state.retry,
      sending: false,
      saveButton: document.getElementById("save-register"),
    };
    var readOnly = form.hasAttribute("data-read-only");
    form.querySelectorAll("li.register-line").forEach(function (item) {
      var line = new Line(item);
      line.draw(readOnly);
      state.lines.push(line);
      var first = drawn(line);
      first.seen = line.seen ? line.seen.value : "";
      state.base[line.pupil] = first;
    });
    if (carried && carried.base) {
      state.base = carried.base;
    }
    form.classList.add("enhanced");
    document.getElementById("register-counts").hidden = false;
    if (readOnly) {
      counts();
      return;
    }
    var stored = carried ? carried.draft : readDraft(state.key);
    if (stored && stored.changes) {
      var restored = restore(stored);
      state.draft = stored;
      state.draft = snapshot();
      if (!carried && !Object.keys(state.draft.changes).length) {
        // The server already has every mark kept here (an earlier save whose answer was
        // lost, or the same marks saved by someone else): nothing is left to send.
        dropDraft();
      } else {
        writeDraft();
      }
      if (!carried && state.draft) {
        say(
          restored
            ? "Marks entered on this device but not yet saved have been put back (" +
                restored + " different from what is saved)."
            : "Marks entered on this device are waiting to be saved.",
          "warn"
        );
        addDiscard();
      }
    }
    counts();
    wireMenu();
    var fill = document.getElementById("fill-present");
    if (fill) {
      fill.addEventListener("click", function (event) {
        event.preventDefault();
        state.lines.forEach(function (line) {
          if (!line.code()) {
            line.set(state.present);
          }
        });
        changed();
      });
    }
    var reason = form.querySelector("#reason");
    if (reason) {
      reason.addEventListener("input", changed);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save();
    });
    if (!carried && state.draft && state.draft.pending) {
      // A save that failed for the network before this page was (re)loaded: send it now.
      if (navigator.onLine === false) {
        offline();
      } else {
        save();
      }
    }
  }

  function addDiscard() {
    var box = document.getElementById("save-state");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = "Discard them and show what is saved";
    discard.addEventListener("click", function () {
      stopRetry();
      dropDraft();
      window.location.reload();
    });
    box.appendChild(document.createTextNode(" "));
    box.appendChild(discard);
  }

  window.addEventListener("online", function () {
    if (state && state.draft && state.draft.pending && !state.sending) {
      save();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    forgetOldDrafts();
    start(null);
  });
})();
