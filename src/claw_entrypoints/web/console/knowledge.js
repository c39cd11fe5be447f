// claw console: the venue's knowledge (answers, members, boxes, doors, lines).
// Loaded after console.js and uses its helpers (h, api, act, flash, titled, field,
// empty, isAdmin, when, ROUTES). Every edit goes to the draft; "Try the draft" lists
// the recent decisions it would change; "Publish" makes it the next version.
"use strict";

const knowledgeState = { days: 7, tried: null };

// A change to the draft; a refusal names each part, shown beside the control for it.
async function saveDraftPart(path, value, label) {
  const response = await fetch("/api/knowledge/draft", {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify({ path, value }),
  });
  if (response.status === 401) {
    window.location.assign("/console/login");
    return false;
  }
  const data = await response.json().catch(() => ({}));
  document.querySelectorAll(".part-error").forEach((node) => node.remove());
  if (!response.ok) {
    showProblems(data.problems || [], path);
    // The server's words already begin "not saved:" and name each part.
    const words = data.error || `not saved: request failed (${response.status})`;
    flash(words.charAt(0).toUpperCase() + words.slice(1));
    return false;
  }
  knowledgeState.tried = null;
  flash(`${label}: saved to the draft.`, true);
  // Redraws and notes the log's new position, so the next poll does not redraw again.
  await refreshStatus(true);
  return true;
}

function partName(path) {
  return path.reduce((text, part) => (typeof part === "number" ? `${text}[${part}]` : (text ? `${text}.${part}` : part)), "");
}

// Each problem goes under the control whose part it names (or the nearest one that holds it).
function showProblems(problems, path) {
  const fallback = partName(path);
  for (const problem of problems) {
    let where = problem.path;
    let anchor = null;
    while (where && !(anchor = document.querySelector(`[data-part="${CSS.escape(where)}"]`))) {
      const shorter = where.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (shorter === where) break;
      where = shorter;
    }
    anchor = anchor || document.querySelector(`[data-part="${CSS.escape(fallback)}"]`);
    const message = h("p", { class: "part-error", role: "alert", text: `${problem.path}: ${problem.message}` });
    if (anchor) anchor.append(message);
    else document.getElementById("view").prepend(message);
  }
}

function answerOf(document, intent) {
  const answer = (document.answers || {})[intent];
  if (answer === undefined || answer === null) return { text: "", fallback: null, shape: "none", learnedFrom: null };
  if (typeof answer === "string") return { text: answer, fallback: null, shape: "text", learnedFrom: null };
  return { text: answer.text || "", fallback: answer.fallback ?? null, shape: "object", learnedFrom: answer.learned_from ?? null };
}

// What a customer handed to staff on this topic is told; empty means claw's own sentence.
const STANDARD_HOLDING_REPLY = "Thanks, a staff member will text you back shortly.";

function holdingReplyField(doc, intent, editable) {
  const id = `holding-${intent}`;
  const words = (doc.holding_replies || {})[intent] || "";
  const box = h("textarea", { id, name: `holding-${intent}`, rows: 2, readonly: !editable, placeholder: STANDARD_HOLDING_REPLY }, words);
  const label = `Holding reply for ${intent.replaceAll("_", " ")}`;
  const save = () => saveDraftPart(["holding_replies", intent], box.value.trim() || null, label);
  return h("div", { class: "knowledge-holding", "data-part": partName(["holding_replies", intent]) },
    h("label", { for: id, text: "When staff take over, the customer is told" }),
    box,
    editable ? h("div", { class: "actions" },
      h("button", { type: "button", onclick: save, "aria-label": `Save ${label.toLowerCase()}` }, "Save to draft")) : null);
}

function answersSection(knowledge, doc) {
  const editable = knowledge.may_edit.answers;
  const rows = knowledge.intents.map((intent) => {
    const answer = answerOf(doc, intent);
    const id = `answer-${intent}`;
    const box = h("textarea", { id, name: intent, rows: 3, readonly: !editable }, answer.text);
    const path = answer.shape === "object" ? ["answers", intent, "text"] : ["answers", intent];
    const save = () => {
      const text = box.value.trim();
      const value = text ? text : null;
      return saveDraftPart(answer.shape === "object" && !text ? ["answers", intent] : path, value, `Answer for ${intent.replaceAll("_", " ")}`);
    };
    return h("li", { class: "card knowledge-answer", "data-part": partName(["answers", intent]) },
      h("label", { for: id }, h("strong", { text: intent.replaceAll("_", " ") }),
        answer.shape === "none" ? h("span", { class: "pill", text: "no answer yet" }) : null),
      box,
      answer.fallback ? h("p", { class: "meta", text: `When the text names no location: ${answer.fallback}` }) : null,
      answer.learnedFrom ? h("p", { class: "meta", text: `Learned from staff: ${answer.learnedFrom}` }) : null,
      editable ? h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: save, "aria-label": `Save answer for ${intent}` }, "Save to draft")) : null,
      holdingReplyField(doc, intent, editable));
  });
  return [
    h("h2", { id: "answers", text: "Answers" }),
    h("p", { class: "meta", text: "Placeholders such as {venue_name}, {hours}, {booking_link} and {location_name} are filled in when claw answers. An empty answer leaves the intent to staff. Under each answer: what a customer is told when staff take over (only venue-wide placeholders; empty keeps claw's sentence; whether it is sent at all is the topic's setting)." }),
    editable ? null : h("p", { class: "meta", text: "Only admins may change answers here (an admin can allow operators below)." }),
    h("ul", { class: "cards knowledge-answers" }, rows),
  ];
}

function membersSection(doc) {
  const customers = doc.customers || [];
  const locations = Object.keys(doc.locations || {});
  const rows = customers.map((customer, index) => h("tr", { "data-part": partName(["customers", index]) },
    h("td", { "data-label": "Phone", text: customer.phone }),
    h("td", { "data-label": "Name", text: customer.name || "" }),
    h("td", { "data-label": "Kind", text: customer.kind }),
    h("td", { "data-label": "Doors", text: (customer.locations || []).join(", ") }),
    h("td", {}, h("button", {
      type: "button", "aria-label": `Remove ${customer.name || customer.phone}`,
      onclick: () => saveDraftPart(["customers", index], null, `Removed ${customer.name || customer.phone}`),
    }, "Remove"))));
  const phone = h("input", { id: "member-phone", inputmode: "tel", placeholder: "+19025550123", autocomplete: "off" });
  const name = h("input", { id: "member-name", autocomplete: "off" });
  const kind = h("select", { id: "member-kind" }, ["member", "booked"].map((k) => h("option", { value: k }, k)));
  const doors = locations.map((key) => h("input", { type: "checkbox", id: `member-door-${key}`, value: key }));
  const add = () => saveDraftPart(["customers", customers.length], {
    phone: phone.value.trim(),
    name: name.value.trim(),
    kind: kind.value,
    locations: doors.filter((box) => box.checked).map((box) => box.value),
  }, "Member added");
  return [
    h("h2", { id: "members", text: "Members allowed to open doors" }),
    h("div", { class: "table-wrap" }, h("table", { class: "knowledge-table" },
      h("thead", {}, h("tr", {}, ["Phone", "Name", "Kind", "Doors", ""].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows))),
    h("form", { class: "knowledge-form", "data-part": partName(["customers", customers.length]), onsubmit: (event) => { event.preventDefault(); add(); } },
      h("h3", { text: "Add a member" }),
      field("Member's phone (E.164)", phone),
      field("Member's name", name),
      field("Member kind", kind),
      h("fieldset", {}, h("legend", { text: "May open the door at" }),
        doors.map((box, i) => field(doc.locations[locations[i]].name, box, true))),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add member to draft"))),
  ];
}

function locationsSection(doc) {
  const sections = Object.entries(doc.locations || {}).map(([key, location]) => {
    const boxes = (location.boxes || []).map((box, index) => {
      const input = h("input", { id: `device-${key}-${box.number}`, value: box.device_id, autocomplete: "off" });
      return h("div", { class: "field inline knowledge-device", "data-part": partName(["locations", key, "boxes", index]) },
        h("label", { for: input.id, text: `Box ${box.number} NinjaOne device id` }), input,
        h("button", { type: "button", onclick: () => saveDraftPart(["locations", key, "boxes", index, "device_id"], input.value.trim(), `${location.name} box ${box.number}`) }, "Save"));
    });
    const door = location.door || { id: "", name: "" };
    const doorId = h("input", { id: `door-${key}-id`, value: door.id, autocomplete: "off" });
    const doorName = h("input", { id: `door-${key}-name`, value: door.name });
    const saveDoor = () => saveDraftPart(["locations", key, "door"],
      doorId.value.trim() ? { id: doorId.value.trim(), name: doorName.value.trim() } : null, `${location.name} door`);
    return h("section", { class: "card", "data-part": partName(["locations", key]) },
      h("h3", { text: `${location.name} (${key})` }),
      h("p", { class: "meta", text: location.address }),
      boxes,
      h("div", { "data-part": partName(["locations", key, "door"]) },
        field("UniFi door id", doorId), field("Door name", doorName),
        h("button", { type: "button", onclick: saveDoor }, "Save door")));
  });
  return [h("h2", { id: "locations", text: "Boxes and doors" }), sections];
}

function linesSection(doc) {
  const lines = doc.lines || [];
  const locations = Object.entries(doc.locations || {});
  const rows = lines.map((line, index) => h("tr", { "data-part": partName(["lines", index]) },
    h("td", { "data-label": "Line", text: line.number }),
    h("td", { "data-label": "Name", text: line.name || "" }),
    h("td", { "data-label": "For", text: line.location ? doc.locations[line.location]?.name || line.location : "the whole venue" }),
    h("td", {}, h("button", { type: "button", onclick: () => saveDraftPart(["lines", index], null, `Line ${line.number} removed`) }, "Remove"))));
  const number = h("input", { id: "line-number", inputmode: "tel", placeholder: "+19025550300" });
  const name = h("input", { id: "line-name" });
  const where = h("select", { id: "line-location" }, h("option", { value: "" }, "the whole venue"),
    locations.map(([key, location]) => h("option", { value: key }, location.name)));
  const add = () => saveDraftPart(["lines", lines.length], {
    number: number.value.trim(), name: name.value.trim(), location: where.value || null,
  }, "Line added");
  const operators = h("input", { type: "checkbox", id: "operators-answers", checked: Boolean(doc.console && doc.console.operators_may_edit_answers) });
  return [
    h("h2", { id: "lines", text: "OpenPhone lines" }),
    h("p", { class: "meta", text: "Replies go out on the line the customer texted; a text to a line not listed here (or the configured one) is recorded and never answered." }),
    h("div", { class: "table-wrap" }, h("table", { class: "knowledge-table" },
      h("thead", {}, h("tr", {}, ["Line", "Name", "For", ""].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows))),
    h("form", { class: "knowledge-form", "data-part": partName(["lines", lines.length]), onsubmit: (event) => { event.preventDefault(); add(); } },
      field("Line number (E.164)", number), field("Line name", name), field("Line is for", where),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Add line to draft"))),
    h("h2", { id: "rights", text: "Who may edit" }),
    h("div", { "data-part": "console" },
      field("Operators may edit answers", operators, true),
      h("button", { type: "button", onclick: () => saveDraftPart(["console", "operators_may_edit_answers"], operators.checked, "Operator rights") }, "Save to draft")),
  ];
}

function tried(result, subject = "this draft") {
  if (!result) return null;
  const words = result.count === 1 ? "1 decision" : `${result.count} decisions`;
  return h("section", { class: "card what-if", "aria-live": "polite" },
    h("h2", { text: `Under ${subject}, ${words} of the last ${result.days} days would change` }),
    result.count ? h("ul", { class: "what-if-list" }, result.changed.map((c) => h("li", {},
      h("a", { href: `#/conversation/${c.conversation_id}` }, `${when(c.at)} · ${c.intent.replaceAll("_", " ")}`),
      h("p", { class: "meta", text: `was: ${c.was.decision} (${c.was.reason.replaceAll("_", " ")})${c.was.reply ? ` — “${c.was.reply}”` : ""}` }),
      h("p", { class: "meta", text: `would be: ${c.would_be.decision} (${c.would_be.reason.replaceAll("_", " ")})${c.would_be.reply ? ` — “${c.would_be.reply}”` : ""}` }),
    ))) : h("p", { class: "meta", text: "Nothing recent would be decided differently." }));
}

function draftBar(knowledge) {
  const hasDraft = knowledge.draft !== null;
  const days = h("input", { type: "number", id: "what-if-days", min: 1, max: 90, value: knowledgeState.days, size: 3 });
  const tryIt = async () => {
    knowledgeState.days = Number(days.value) || 7;
    try {
      knowledgeState.tried = await api("GET", `/api/knowledge/draft/what-if?days=${knowledgeState.days}`);
    } catch (problem) {
      flash(`Not tried: ${problem.message}`);
      return;
    }
    await render();
  };
  const note = h("input", { id: "publish-note", placeholder: "why (for the history)", maxlength: 200 });
  // act() redraws the page once the change is recorded; what was tried belongs to this draft.
  const publish = () => {
    const tried = knowledgeState.tried;
    knowledgeState.tried = null;
    return act("Published", "POST", "/api/knowledge/draft/publish", { note: note.value.trim() })
      .then((ok) => { if (!ok) knowledgeState.tried = tried; });
  };
  const discard = () => {
    knowledgeState.tried = null;
    return act("Draft discarded", "POST", "/api/knowledge/draft/discard");
  };
  return h("section", { class: hasDraft ? "draft-bar has-draft" : "draft-bar", "aria-label": "Draft" },
    h("p", { id: "draft-state", text: hasDraft
      ? `Draft: ${knowledge.draft_edits} edit${knowledge.draft_edits === 1 ? "" : "s"} to ${knowledge.draft_parts.join(", ") || "nothing yet"} (published version ${knowledge.version} is in use)`
      : `Published version ${knowledge.version} is in use. Edits below go to a draft first.` }),
    hasDraft ? h("div", { class: "actions" },
      field("Days to try", days, true),
      h("button", { type: "button", onclick: tryIt }, "1. Try the draft"),
      field("Note", note, true),
      h("button", { type: "button", class: "primary", onclick: publish }, knowledgeState.tried ? "2. Publish" : "Publish"),
      h("button", { type: "button", class: "danger", onclick: discard }, "Discard draft")) : null,
    tried(knowledgeState.tried));
}

function proposalsSection(found) {
  const open = found.filter((p) => p.status === "open");
  if (!open.length) return null;
  return [
    h("h2", { id: "proposals", text: `Answers learned from staff (${open.length})` }),
    h("p", { class: "meta", text: "Staff wrote these for questions claw had no answer to. Accept one (edit it first if you like) to put it in the draft; it keeps where it came from." }),
    h("ul", { class: "cards" }, open.map((proposal) => {
      const id = `proposal-${proposal.number}`;
      const box = h("textarea", { id, rows: 3 }, proposal.wording);
      const accept = () => api("POST", `/api/knowledge/proposals/${proposal.number}/accept`, { wording: box.value.trim() })
        .then(() => { flash(`Answer for ${proposal.intent.replaceAll("_", " ")} added to the draft.`, true); return refreshStatus(true); })
        .catch((problem) => flash(`Not accepted: ${problem.message}`));
      const dismiss = () => act("Dismissed", "POST", `/api/knowledge/proposals/${proposal.number}/dismiss`);
      return h("li", { class: "card", "data-part": partName(["answers", proposal.intent]) },
        h("label", { for: id }, h("strong", { text: proposal.intent.replaceAll("_", " ") })),
        box,
        h("p", { class: "meta", text: `From ${proposal.source}` }),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "primary", onclick: accept }, "Accept into draft"),
          h("button", { type: "button", onclick: dismiss }, "Dismiss")));
    })),
  ];
}

function historySection(knowledge) {
  return [
    h("h2", { id: "history", text: "History" }),
    h("div", { class: "table-wrap" }, h("table", { class: "knowledge-table" },
      h("thead", {}, h("tr", {}, ["Version", "Published", "By", "What changed", "Note"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, knowledge.history.map((entry) => h("tr", {},
        h("td", { "data-label": "Version", text: entry.version }),
        h("td", { "data-label": "Published", text: when(entry.at) }),
        h("td", { "data-label": "By", text: entry.by }),
        h("td", { "data-label": "Changed", text: entry.parts.join(", ") }),
        h("td", { "data-label": "Note", text: entry.note })))))),
  ];
}

async function knowledgeView() {
  const knowledge = await api("GET", "/api/knowledge");
  const doc = knowledge.draft || knowledge.published;
  const admin = knowledge.may_edit.everything;
  const learned = admin ? (await api("GET", "/api/knowledge/proposals")).proposals : [];
  const jump = h("nav", { class: "knowledge-jump", "aria-label": "Knowledge parts" },
    [["answers", "Answers"], admin && ["members", "Members"], admin && ["locations", "Boxes and doors"], admin && ["lines", "Lines"], ["history", "History"]]
      .filter(Boolean).map(([id, label]) => h("a", { href: `#/knowledge`, "data-jump": id, onclick: (event) => { event.preventDefault(); jumpTo(id); } }, label)));
  // The console's render() takes a flat list of nodes; each section is a list of its own.
  return titled("Knowledge", ...[
    draftBar(knowledge),
    jump,
    proposalsSection(learned),
    answersSection(knowledge, doc),
    admin ? membersSection(doc) : null,
    admin ? locationsSection(doc) : null,
    admin ? linesSection(doc) : null,
    historySection(knowledge),
  ].flat(Infinity));
}

function jumpTo(id) {
  const target = window.document.getElementById(id);
  if (target) target.scrollIntoView({ block: "start" });
}

// The settings page's "Try" buttons: the change judged on recent decisions, nothing saved.
async function trySettings(intent, changes) {
  let result;
  try {
    result = await api("POST", `/api/settings/what-if?days=${knowledgeState.days}`, { intent, changes });
  } catch (problem) {
    flash(`Not tried: ${problem.message}`);
    return;
  }
  const view = window.document.getElementById("view");
  view.querySelectorAll(".what-if").forEach((node) => node.remove());
  const panel = tried(result, intent ? `this ${intent.replaceAll("_", " ")} change` : "these global settings");
  view.querySelector("h1").after(panel);
  window.scrollTo({ top: 0 });  // the result sits under the page title
}

ROUTES.knowledge = knowledgeView;
