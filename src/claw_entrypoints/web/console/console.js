// claw console: vanilla JS over /api/. Every element is built with the DOM API
// (never innerHTML), so a customer's text can never become markup.
"use strict";

const POLL_MS = 3000;
const state = { me: null, status: null, position: -1, serverOffset: 0, timers: [], background: 0 };

// --- helpers ------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function csrfToken() {
  const match = document.cookie.split("; ").find((part) => part.startsWith("claw_csrf="));
  return match ? decodeURIComponent(match.slice("claw_csrf=".length)) : "";
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  // The console's own refreshes say so: they must not keep an unattended session alive.
  else if (state.background > 0) headers["X-Claw-Background"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    window.location.assign("/console/login");
    throw new Error("not logged in");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const problem = new Error(data.error || `request failed (${response.status})`);
    problem.field = data.field; // a settings error names its field: shown beside it
    throw problem;
  }
  return data;
}

function flash(message, ok = false) {
  const node = document.getElementById("flash");
  node.textContent = message;
  node.className = ok ? "flash ok" : "flash";
  node.hidden = !message;
  if (message) setTimeout(() => { if (node.textContent === message) node.hidden = true; }, 6000);
}

// Run a change, report it, and redraw with fresh data. `report` may turn the answer
// into the words to show (or null for "done"): an approval claw set aside is not done.
async function act(label, method, path, body, report = () => null) {
  let ok = false;
  try {
    const answer = await api(method, path, body);
    const problem = report(answer);
    flash(problem || `${label}: done.`, !problem);
    ok = !problem;
  } catch (problem) {
    // The label says what would have been done ("Approved"); a refusal is not that.
    flash(`Not done: ${problem.message}`);
  }
  await refreshStatus(true);
  return ok;
}

// An approval the policy would not act on (the emergency stop, an opt-out) is taken back.
function approvalSetAside(answer) {
  const decision = answer.decision;
  if (!decision || decision.kind !== "ignore") return null;
  return `Approval not acted on (${decision.reason.replaceAll("_", " ")}): `
    + "the action is waiting for approval again; approve once that is over.";
}

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "medium" });
}

function serverNow() {
  return Date.now() + state.serverOffset;
}

function isAdmin() {
  return state.me && state.me.role === "admin";
}

// --- the emergency stop and the status poll ----------------------------------------------

function showStatus(status) {
  const stop = status.emergency_stop;
  const panel = document.getElementById("stop-panel");
  const text = document.getElementById("stop-state");
  panel.classList.toggle("engaged", Boolean(stop));
  text.textContent = stop
    ? `EMERGENCY STOP ENGAGED by ${stop.actor} (${stop.reason}): claw texts no customer and runs no action; staff alerts still go out.`
      // An operator gets no release control: say who can, or they wait for a button that never comes.
      + (isAdmin() ? "" : " Only an admin can release it.")
    : "claw is running. The emergency stop halts every text and action at once.";
  document.getElementById("stop-form").hidden = Boolean(stop);
  document.getElementById("release-form").hidden = !stop || !isAdmin();
  const warning = document.getElementById("webhook-warning");
  warning.hidden = status.webhooks === "signed";
  warning.textContent = warning.hidden
    ? ""
    // The state already carries its parenthesis ("unsigned (CLAW_...=1)"): no second pair.
    : `Webhooks are not verified: ${status.webhooks}. Anyone who can reach claw can post texts as any customer.`;
  showDryRun(status.dry_run || []);
  const counts = status.counts;
  document.getElementById("count-review").textContent = counts.review_queue || "";
  document.getElementById("count-actions").textContent = counts.pending_actions || "";
  document.getElementById("count-tickets").textContent = counts.tickets || "";
  showSkipped(status.skipped_events || []);
}

// A vendor without credentials: what claw "sent" there went nowhere. Said on every page.
const DRY_NAMES = { openphone: "OpenPhone (customer texts)", ninjaone: "NinjaOne (simulator resets)", unifi: "UniFi Access (doors)", staff: "staff alerts" };

function showDryRun(vendors) {
  const banner = document.getElementById("dry-banner");
  banner.hidden = vendors.length === 0;
  banner.textContent = banner.hidden ? ""
    : `Dry run: ${vendors.map((v) => DRY_NAMES[v] || v).join(", ")}. claw records what it would send there and sends nothing.`;
}

function showSkipped(skipped) {
  document.getElementById("skipped-panel").hidden = skipped.length === 0;
  document.getElementById("skipped-count").textContent = skipped.length === 1
    ? "1 event the console could not show"
    : `${skipped.length} events the console could not show`;
  document.getElementById("skipped-list").replaceChildren(
    ...skipped.map((item) => h("li", {},
      h("strong", { text: `${item.projection}: event ${item.position} (${item.event})` }),
      ` · ${when(item.at)} · staff ${item.reported}`,
      h("div", { class: "why", text: item.reason }))),
  );
}

// The poll, and the redraw it makes when the log moved, run "in the background":
// they show an open tab, not a person, so they do not renew the session's idle clock.
async function poll() {
  state.background += 1;
  try {
    await refreshStatus();
  } finally {
    state.background -= 1;
  }
}

async function refreshStatus(force = false) {
  let status;
  try {
    status = await api("GET", "/api/status");
  } catch (problem) {
    return;
  }
  state.status = status;
  state.serverOffset = new Date(status.now).getTime() - Date.now();
  showStatus(status);
  const changed = status.position !== state.position;
  state.position = status.position;
  // Never redraw under someone typing: they would lose their edit.
  const typing = document.activeElement && document.getElementById("view").contains(document.activeElement)
    && ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (force || (changed && !typing)) await render();
}

// --- views ---------------------------------------------------------------------------

function titled(title, ...content) {
  return [h("h1", { text: title }), ...content];
}

function empty(text) {
  return h("p", { class: "empty", text });
}

async function reviewView() {
  const { items } = await api("GET", "/api/review-queue");
  if (!items.length) return titled("Review queue", empty("Nothing waiting for review."));
  return titled(
    "Review queue",
    h("ul", { class: "cards" }, items.map((item) => {
      const base = `/api/review-queue/${item.conversation_id}/${item.number}`;
      const editId = `edit-${item.conversation_id}-${item.number}`;
      const box = h("textarea", { id: editId, name: "text" }, item.draft || "");
      return h("li", { class: "card" },
        h("h2", {}, `${item.customer} `, h("span", { class: "pill", text: item.intent })),
        h("blockquote", { text: item.text }),
        h("p", { class: "meta", text: `Why it waits: ${item.reason_text} (confidence ${item.confidence.toFixed(2)})` }),
        h("label", { for: editId, text: "Reply to send" }),
        box,
        h("div", { class: "actions" },
          // Approve sends what the box shows; a changed box is recorded as an edit.
          h("button", {
            type: "button", class: "primary",
            onclick: () => act("Approved", "POST", `${base}/approve`, { text: box.value }),
          }, "Approve"),
          h("button", {
            type: "button",
            onclick: () => act("Edited and sent", "POST", `${base}/edit`, { text: box.value }),
          }, "Edit and send"),
          h("button", {
            type: "button",
            onclick: () => act("Rejected", "POST", `${base}/reject`, { reason: "rejected in the console" }),
          }, "Reject"),
          h("a", { href: `#/conversation/${item.conversation_id}` }, "Timeline"),
        ));
    })),
  );
}

function countdown(deadline) {
  const node = h("span", { class: "countdown", "aria-live": "off" });
  const tick = () => {
    const left = Math.round((new Date(deadline).getTime() - serverNow()) / 1000);
    node.textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left` : "deadline passed";
    node.classList.toggle("late", left <= 60);
  };
  tick();
  state.timers.push(setInterval(tick, 1000));
  return node;
}

async function actionsView() {
  const { items } = await api("GET", "/api/pending-actions");
  if (!items.length) return titled("Pending actions", empty("No action is waiting."));
  return titled(
    "Pending actions",
    h("ul", { class: "cards" }, items.map((item) => {
      const base = `/api/pending-actions/${item.action_id}`;
      const needs = [item.needs_confirmation && "the customer's YES", item.needs_approval && "staff approval"]
        .filter(Boolean).join(" and ");
      const mayApprove = item.needs_approval && (!item.is_door || isAdmin());
      // Who is asking and where: a night-shift approver decides on these two facts first.
      const asker = item.asked_by ? `${item.asked_by} (${item.customer})` : item.customer;
      return h("li", { class: "card" },
        h("h2", { text: `${item.kind.replace("_", " ")}: ${item.target}` }),
        h("p", { class: "who-where" }, h("strong", { text: "Asked by " }), asker,
          item.where ? [h("strong", { text: " · at " }), item.where] : null),
        h("p", { class: "meta" }, item.status, needs ? ` · waiting for ${needs}` : ""),
        h("p", {}, "Deadline ", h("time", { datetime: item.deadline, text: when(item.deadline) }), " · ", countdown(item.deadline)),
        item.approval_ignored ? h("p", { class: "meta", text: `An earlier approval was ignored (${item.approval_ignored.replaceAll("_", " ")}): approve again once that is over.` }) : null,
        item.is_door && !isAdmin() ? h("p", { class: "meta", text: "Only an admin can approve a door." }) : null,
        h("div", { class: "actions" },
          mayApprove ? h("button", {
            type: "button", class: "primary",
            onclick: () => act("Approved", "POST", `${base}/approve`, undefined, approvalSetAside),
          }, item.is_door ? "Approve door" : "Approve") : null,
          item.needs_approval ? h("button", {
            type: "button", class: "danger-outline",
            onclick: () => act("Rejected", "POST", `${base}/reject`, { reason: "rejected in the console" }),
          }, "Reject") : null,
          h("button", {
            type: "button",
            onclick: () => act("Cancelled", "POST", `${base}/cancel`, { reason: "cancelled in the console" }),
          }, "Cancel"),
          h("a", { href: `#/conversation/${item.conversation_id}` }, "Timeline"),
        ));
    })),
  );
}

async function ticketsView() {
  const { items } = await api("GET", "/api/tickets");
  if (!items.length) return titled("Tickets", empty("No open tickets."));
  return titled(
    "Tickets",
    h("ul", { class: "cards" }, items.map((item) => h("li", { class: "card" },
      h("h2", {}, `${item.customer} `, h("span", { class: "pill", text: item.reason })),
      h("blockquote", { text: item.text }),
      h("p", { class: "meta", text: `${item.reason_text} Opened ${when(item.opened_at)}.` }),
      h("div", { class: "actions" },
        h("button", {
          type: "button", class: "primary",
          onclick: () => act("Resolved", "POST", `/api/tickets/${item.conversation_id}/${item.number}/resolve`),
        }, "Resolve"),
        h("a", { href: `#/conversation/${item.conversation_id}` }, "Timeline"),
      )))),
  );
}

async function conversationsView() {
  const { items } = await api("GET", "/api/conversations");
  if (!items.length) return titled("Conversations", empty("No conversations yet."));
  return titled(
    "Conversations",
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Customer", "Last text", "When", "Last decision"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, items.map((item) => h("tr", {},
        h("td", {}, h("a", { href: `#/conversation/${item.conversation_id}` }, item.customer)),
        h("td", { text: item.last_text }),
        h("td", { text: when(item.last_at) }),
        h("td", { text: (item.last_decision || "") + (item.opted_out ? " (opted out)" : "") }),
      ))),
    )),
  );
}

async function timelineView(id) {
  const data = await api("GET", `/api/conversations/${id}/timeline`);
  return titled(
    `Conversation with ${data.customer}`,
    data.opted_out ? h("p", { class: "pill", text: "opted out" }) : null,
    writeToCustomer(id, data),
    // One line per step in plain words, at the venue's time; every event is one tap away.
    h("ol", { class: "timeline story" }, (data.story || []).map((line, index, lines) => h("li", { class: line.who },
      h("time", { class: "meta", datetime: line.at,
        text: index && lines[index - 1].day === line.day ? line.time : `${line.day}, ${line.time}` }),
      h("div", { text: line.text }),
      line.quote ? h("q", { text: line.quote }) : null,
      line.reason_text ? h("p", { class: "why", text: line.reason_text }) : null,
    ))),
    h("details", {},
      h("summary", { text: "Every recorded event" }),
      h("ol", { class: "timeline" }, data.entries.map((entry) => h("li", { class: entry.who || "claw" },
        h("div", { class: "meta" }, h("time", { datetime: entry.at, text: when(entry.at) }), ` · ${entry.event}`,
          entry.actor ? ` · by ${entry.actor}` : ""),
        h("div", { text: entry.summary }),
        entry.reason_text ? h("p", { class: "why" }, h("strong", { text: `Why (${entry.reason}): ` }), entry.reason_text) : null,
        entry.reply ? h("p", { class: "why", text: `Text: ${entry.reply}` }) : null,
      )))),
  );
}

// Staff write to the customer from the conversation: on the venue's line, and claw
// leaves the conversation to them for the staff back-off, as when they text by hand.
function writeToCustomer(id, data) {
  if (data.opted_out) return h("p", { class: "meta", text: "The customer opted out: claw sends them nothing." });
  const box = h("textarea", { id: "write-text", name: "text", maxlength: 1600, required: true });
  const form = h("form", { class: "write-form" },
    h("label", { for: "write-text", text: "Write to the customer" }),
    box,
    h("p", { class: "meta", text: "Sent from the venue's line. claw stops answering this customer automatically for a while, as when staff text by hand." }),
    h("button", { type: "submit", class: "primary" }, "Send text"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    if (await act("Text sent to the customer", "POST", `/api/conversations/${id}/write`, { text })) box.value = "";
  });
  return form;
}

function barChart(series, keys, title) {
  const width = 720, height = 200, pad = 28;
  const max = Math.max(1, ...series.map((row) => keys.reduce((sum, key) => sum + row[key], 0)));
  const slot = (width - pad) / series.length;
  const bars = series.map((row, index) => {
    let y = height - pad;
    const x = pad + index * slot + 2;
    const parts = keys.map((key) => {
      const size = (row[key] / max) * (height - 2 * pad);
      y -= size;
      return svg("rect", { x, y, width: Math.max(1, slot - 4), height: size, class: `s-${key}` },
        svg("title", {}, `${new Date(row.hour).getHours()}:00 ${key}: ${row[key]}`));
    });
    const label = index % 4 === 0
      ? svg("text", { x, y: height - 8, "font-size": 11, fill: "#5b6675" }, `${new Date(row.hour).getHours()}:00`)
      : null;
    return [parts, label];
  });
  return h("figure", { class: "chart" },
    h("figcaption", { text: title }),
    svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title },
      svg("line", { x1: pad, y1: height - pad, x2: width, y2: height - pad, stroke: "#d5dbe3" }),
      svg("text", { x: 0, y: pad, "font-size": 11, fill: "#5b6675" }, String(max)),
      bars),
    h("div", { class: "legend" }, keys.map((key) => h("span", {}, h("span", { class: `swatch s-${key}` }), key))));
}

function horizontalBars(counts, title) {
  const entries = Object.entries(counts);
  if (!entries.length) return null;
  const max = Math.max(...entries.map(([, n]) => n));
  const row = 24, width = 720, label = 220;
  return h("figure", { class: "chart" },
    h("figcaption", { text: title }),
    svg("svg", { viewBox: `0 0 ${width} ${entries.length * row + 4}`, role: "img", "aria-label": title },
      entries.map(([name, n], index) => [
        svg("text", { x: 0, y: index * row + 16, "font-size": 12, fill: "#1c2430" }, name.replaceAll("_", " ")),
        svg("rect", { x: label, y: index * row + 4, height: row - 8, width: ((width - label - 40) * n) / max, class: "s-received" }),
        svg("text", { x: label + ((width - label - 40) * n) / max + 4, y: index * row + 16, "font-size": 12 }, String(n)),
      ])));
}

async function statisticsView() {
  const stats = await api("GET", "/api/statistics");
  const tile = (label, value) => h("div", { class: "stat" }, h("div", { class: "meta", text: label }), h("div", { class: "value", text: value }));
  return titled(
    "Statistics",
    h("div", { class: "stat-grid" },
      tile("Texts received", stats.texts_received),
      tile("Replies sent", stats.replies_sent),
      tile("Replies withheld", stats.replies_withheld),
      tile("Decisions", stats.decisions),
      tile("Automated", `${Math.round(stats.automation_rate * 100)}%`),
      tile("Open actions", stats.open_actions),
      tile("LLM cost", `$${stats.llm_cost_usd.toFixed(4)}`)),
    barChart(stats.hourly, ["received", "automatic", "staff"], "Last 24 hours: texts received, automatic and staff decisions"),
    horizontalBars(stats.by_kind, "Decisions by kind"),
    horizontalBars(stats.by_reason, "Decisions by reason"),
  );
}

// Save settings; an error that names a field is shown beside that field, not only on top.
async function saveBesideFields(label, path, body, controls) {
  document.querySelectorAll(".field-error").forEach((node) => node.remove());
  document.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    node.removeAttribute("aria-describedby");
  });
  try {
    await api("PUT", path, body);
    flash(`${label}: done.`, true);
  } catch (problem) {
    flash(`Not saved: ${problem.message}`);
    const control = problem.field && (controls[problem.field] || controls[problem.field.split(".")[0]]);
    if (control) {
      const note = h("p", { class: "field-error", role: "alert", id: `${control.id}-error`, text: problem.message });
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", note.id);
      control.insertAdjacentElement("afterend", note);
      control.focus();
    }
    return false;
  }
  await refreshStatus(true);
  return true;
}

function field(label, control, inline = false) {
  return h("div", { class: inline ? "field inline" : "field" }, h("label", { for: control.id, text: label }), control);
}

async function settingsView() {
  if (!isAdmin()) return titled("Settings", empty("Only admins can change the settings."));
  const settings = await api("GET", "/api/settings");
  const g = settings.globals;
  const id = (name) => `global-${name}`;
  const send = h("input", { type: "checkbox", id: id("send"), checked: g.send_automatic_responses });
  const execute = h("input", { type: "checkbox", id: id("execute"), checked: g.execute_actions });
  const perHour = h("input", { type: "number", id: id("per-hour"), min: 0, value: g.messages_per_hour });
  const quietOn = h("input", { type: "checkbox", id: id("quiet"), checked: Boolean(g.quiet_hours) });
  const quietStart = h("input", { type: "time", id: id("quiet-start"), value: g.quiet_hours ? g.quiet_hours.start : "23:00" });
  const quietEnd = h("input", { type: "time", id: id("quiet-end"), value: g.quiet_hours ? g.quiet_hours.end : "07:00" });
  const globalValues = () => ({
    send_automatic_responses: send.checked,
    execute_actions: execute.checked,
    messages_per_hour: Number(perHour.value),
    quiet_hours: quietOn.checked ? { start: quietStart.value, end: quietEnd.value } : null,
  });
  const globalControls = {
    send_automatic_responses: send, execute_actions: execute, messages_per_hour: perHour,
    quiet_hours: quietStart, "quiet_hours.start": quietStart, "quiet_hours.end": quietEnd,
  };
  const saveGlobals = () => saveBesideFields("Global settings saved", "/api/settings/globals", globalValues(), globalControls);
  const rows = Object.entries(settings.features).map(([intent, f]) => {
    const fid = (name) => `feature-${intent}-${name}`;
    const mode = h("select", { id: fid("mode") }, settings.modes.map((m) => h("option", { value: m, selected: m === f.mode }, m)));
    const threshold = h("input", { type: "range", id: fid("threshold"), min: 0, max: 1, step: 0.01, value: f.confidence_threshold });
    const shown = h("output", { for: fid("threshold"), text: Number(f.confidence_threshold).toFixed(2) });
    threshold.addEventListener("input", () => { shown.textContent = Number(threshold.value).toFixed(2); });
    const maxReplies = h("input", { type: "number", id: fid("max"), min: 0, value: f.max_auto_replies, size: 3 });
    const confirm = h("input", { type: "checkbox", id: fid("confirm"), checked: f.requires_confirmation });
    const approve = h("input", { type: "checkbox", id: fid("approve"), checked: f.requires_approval });
    const values = () => ({
      mode: mode.value,
      confidence_threshold: Number(threshold.value),
      max_auto_replies: Number(maxReplies.value),
      requires_confirmation: confirm.checked,
      requires_approval: approve.checked,
    });
    const controls = {
      mode, confidence_threshold: threshold, max_auto_replies: maxReplies,
      requires_confirmation: confirm, requires_approval: approve,
    };
    const save = () => saveBesideFields(`${intent} saved`, `/api/settings/features/${intent}`, values(), controls);
    const labelled = (text, control) => [h("label", { for: control.id, class: "visually-hidden", text: `${intent} ${text}` }), control];
    return h("tr", { "data-risk": (settings.risk_of || {})[intent] || "answers" },
      h("th", { scope: "row", text: intent.replaceAll("_", " ") }),
      h("td", { "data-label": "Mode" }, labelled("mode", mode)),
      h("td", { "data-label": "Threshold" }, labelled("threshold", threshold), shown),
      h("td", { "data-label": "Max replies" }, labelled("max replies", maxReplies)),
      h("td", { "data-label": "Confirm" }, labelled("needs confirmation", confirm)),
      h("td", { "data-label": "Approve" }, labelled("needs approval", approve)),
      h("td", {},
        // trySettings (knowledge.js): the recent decisions this change would alter, before saving.
        h("button", { type: "button", onclick: () => trySettings(intent, values()), "aria-label": `Try ${intent}` }, "Try"),
        h("button", { type: "button", class: "primary", onclick: save, "aria-label": `Save ${intent}` }, "Save")));
  });
  return titled(
    "Settings",
    h("p", { class: "meta", text: `Settings version ${settings.version}. Every change is recorded with your name.` }),
    h("h2", { text: "Global rails" }),
    h("div", { class: "settings-globals" },
      field("Send automatic responses", send, true),
      field("Execute actions", execute, true),
      field("Messages per hour", perHour),
      field("Quiet hours on", quietOn, true),
      field("Quiet hours start", quietStart),
      field("Quiet hours end", quietEnd),
      h("div", {},
        h("button", { type: "button", onclick: () => trySettings(null, globalValues()) }, "Try global settings"),
        h("button", { type: "button", class: "primary", onclick: saveGlobals }, "Save global settings"))),
    h("h2", { text: "Features" }),
    h("dl", { class: "mode-words" }, Object.entries(settings.mode_words || {}).map(([m, words]) => [
      h("dt", { text: m }), h("dd", { text: words })])),
    // Grouped by risk: what a wrong setting can cost, from words to doors.
    h("div", { class: "risk-groups" }, (settings.risks || [{ risk: "answers", words: "" }]).map(({ risk, words }) => {
      const mine = rows.filter((row) => row.dataset.risk === risk);
      if (!mine.length) return null;
      return h("section", { class: "risk-group", "data-risk-group": risk },
        h("h3", { text: risk[0].toUpperCase() + risk.slice(1) }),
        h("p", { class: "meta", text: words }),
        h("div", { class: "table-wrap" }, h("table", { class: "settings-table" },
          h("thead", {}, h("tr", {}, ["Intent", "Mode", "Threshold", "Max replies", "Confirm", "Approve", ""].map((t) => h("th", { scope: "col", text: t })))),
          h("tbody", {}, mine))));
    })),
  );
}

const ROUTES = {
  review: reviewView,
  actions: actionsView,
  tickets: ticketsView,
  conversations: conversationsView,
  statistics: statisticsView,
  settings: settingsView,
};

// owner.js adds its pages (dashboard, connections) through this; it loads after this file.
window.claw = { h, svg, api, titled, empty, when, isAdmin, routes: ROUTES };

// Each render is numbered: a page that took longer to build than the one asked for after
// it must not replace it (a slow review queue used to cover the Connections page).
let latestRender = 0;

async function render() {
  const ticket = ++latestRender;
  // A page may keep its choices after "?" (the dashboard's feature): not part of its name.
  const [, name = "review", arg] = (window.location.hash || "#/review").split("?")[0].split("/");
  state.timers.forEach(clearInterval);
  state.timers = [];
  document.querySelectorAll("#nav a").forEach((link) => {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  const view = document.getElementById("view");
  try {
    const content = name === "conversation" && arg ? await timelineView(arg) : await (ROUTES[name] || reviewView)();
    if (ticket !== latestRender) return;
    view.replaceChildren(...content.filter(Boolean));
  } catch (problem) {
    if (ticket !== latestRender) return;
    view.replaceChildren(h("p", { class: "error", text: problem.message }));
  }
}

async function start() {
  try {
    state.me = await api("GET", "/api/me");
  } catch (problem) {
    return;
  }
  document.getElementById("who").textContent = `${state.me.name} (${state.me.role})`;
  document.querySelectorAll(".admin-only").forEach((node) => { node.hidden = !isAdmin(); });
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await api("POST", "/api/logout");
    } catch (problem) {
      if (problem.message === "not logged in") return; // already ended: api() went to the login page
      // Only claw ends a session: leaving for the login page now would claim a logout
      // that did not happen, and the session would still open this console.
      flash(`Not logged out: ${problem.message === "Failed to fetch" ? "claw is not reachable" : problem.message}. Try again.`);
      return;
    }
    window.location.assign("/console/login");
  });
  const stopDialog = document.getElementById("stop-dialog");
  document.getElementById("stop-form").addEventListener("submit", (event) => {
    event.preventDefault();
    document.getElementById("stop-reason-error").textContent = "";
    stopDialog.showModal();
    document.getElementById("stop-reason").focus();
  });
  document.getElementById("stop-confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter && event.submitter.value === "cancel") {
      stopDialog.close();
      return;
    }
    const box = document.getElementById("stop-reason");
    const reason = box.value.trim();
    if (!reason) {
      document.getElementById("stop-reason-error").textContent = "Say why claw must stop: staff read it.";
      box.focus();
      return;
    }
    stopDialog.close();
    // The reason belongs to this stop: the next one is asked for its own.
    if (await act("Emergency stop engaged", "POST", "/api/emergency-stop", { reason })) {
      box.value = "";
    }
  });
  document.getElementById("release-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = document.getElementById("release-reason").value.trim() || "released from the console";
    if (await act("Emergency stop released", "POST", "/api/emergency-stop/release", { reason })) {
      document.getElementById("release-reason").value = "";
    }
  });
  window.addEventListener("hashchange", () => {
    render();
    document.getElementById("view").focus();
  });
  await refreshStatus(true);
  setInterval(poll, POLL_MS);
}

start();
