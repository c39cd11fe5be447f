// claw console, the owner's pages: the dashboard of success numbers and the
// connections check. Loaded after console.js, whose helpers it uses (window.claw).
// Charts are inline SVG sized by viewBox, so they shrink to a 390-px phone.
"use strict";

(function ownerPages() {
  const { h, svg, api, titled, empty, isAdmin, routes } = window.claw;

  // --- the dashboard -----------------------------------------------------------------

  const seconds = (value) => {
    if (value === null || value === undefined) return "no data yet";
    if (value > 7200) return "over 2 h";
    if (value < 60) return `${value} s`;
    return `${Math.round(value / 6) / 10} min`;
  };
  const share = (value) => (value === null || value === undefined ? "no data yet" : `${Math.round(value * 100)}%`);
  const dollars = (value) => `$${Number(value || 0).toFixed(4)}`;
  const count = (value) => String(value || 0);

  // Every number the page shows, with the one sentence that defines it.
  const METRICS = [
    { key: "response_p50_seconds", label: "Response time, median", format: seconds,
      means: "Half of the texts claw answered got their reply within this time, counted from the moment the text arrived." },
    { key: "response_p95_seconds", label: "Response time, 95th percentile", format: seconds,
      means: "95 of every 100 answered texts got their reply within this time, counted from the moment the text arrived." },
    { key: "work_p50_seconds", label: "Response time without the debounce wait, median", format: seconds,
      means: "The same median counted from when claw began reading, after the short pause it leaves for a customer to finish typing." },
    { key: "work_p95_seconds", label: "Response time without the debounce wait, 95th percentile", format: seconds,
      means: "The same 95th percentile counted from when claw began reading, after that pause." },
    { key: "answer_accuracy", label: "Accuracy of automatic answers", format: share,
      means: "The share of automatic answers not followed by the customer's negative feedback or by a staff member texting the customer themselves." },
    { key: "suggestions_approved_unedited", label: "Suggestions approved unedited", format: share,
      means: "The share of reviewed suggestions that staff sent exactly as claw drafted them (not edited, not rejected)." },
    { key: "llm_avoided", label: "Language-model calls avoided", format: share,
      means: "The share of texts claw understood with its own patterns and model, without asking the language model." },
    { key: "llm_cost_usd", label: "Language-model cost", format: dollars,
      means: "What the language-model calls cost in US dollars, for understanding texts and drafting suggestions." },
    { key: "llm_calls", label: "Language-model calls", format: count,
      means: "How many times claw asked the language model, for understanding a text or drafting a suggestion." },
    { key: "feedback_positive", label: "Positive customer feedback", format: count,
      means: "Replies in which a customer thanked or praised an automatic answer." },
    { key: "feedback_negative", label: "Negative customer feedback", format: count,
      means: "Replies in which a customer said an automatic answer was wrong or unhelpful." },
    { key: "answered_automatically", label: "Texts answered automatically", format: count,
      means: "Texts claw answered by itself, without a person." },
    { key: "suggested", label: "Texts with a suggested reply", format: count,
      means: "Texts for which claw drafted a reply and put it in the review queue for staff." },
    { key: "escalated", label: "Texts escalated to staff", format: count,
      means: "Texts claw handed to staff without answering, because a person should deal with them." },
  ];

  // One chart per number: a bar per day, readable at 390 px (viewBox 340 wide).
  function dayChart(metric, days) {
    const width = 340, height = 110, left = 4, bottom = 18, top = 14;
    const values = days.map((day) => day[metric.key]);
    const known = values.filter((v) => v !== null && v !== undefined);
    if (!known.length) return h("p", { class: "meta", text: "No data per day yet." });
    const max = Math.max(...known, metric.format === share ? 1 : 0) || 1;
    const slot = (width - left) / days.length;
    const barWidth = Math.max(2, Math.min(40, slot - 4));
    const title = `${metric.label} per day`;
    return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "day-chart" },
      svg("title", {}, title),
      svg("line", { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#d5dbe3" }),
      days.map((day, index) => {
        const value = values[index];
        const size = value === null || value === undefined ? 0 : ((height - bottom - top) * value) / max;
        const x = left + index * slot + (slot - barWidth) / 2;
        return [
          svg("rect", { x, y: height - bottom - size, width: barWidth, height: Math.max(size, value ? 1 : 0), class: "s-automatic" },
            svg("title", {}, `${day.day}: ${metric.format(value)}`)),
          index === 0 || index === days.length - 1
            ? svg("text", { x: Math.min(x, width - 40), y: height - 4, "font-size": 11, fill: "#5b6675" }, day.day.slice(5))
            : null,
          index === days.length - 1
            ? svg("text", { x: Math.min(x, width - 60), y: Math.max(11, height - bottom - size - 3), "font-size": 11, fill: "#1c2430" }, metric.format(value))
            : null,
        ];
      }));
  }

  function metricCard(metric, numbers, days) {
    return h("li", { class: "card metric", "data-metric": metric.key },
      h("h2", { text: metric.label }),
      h("div", { class: "value", "data-value": metric.key, text: metric.format(numbers[metric.key]) }),
      h("p", { class: "means", text: metric.means }),
      dayChart(metric, days));
  }

  async function dashboardView() {
    const stats = await api("GET", "/api/statistics");
    const dashboard = stats.dashboard;
    const chosen = new URLSearchParams((window.location.hash.split("?")[1]) || "").get("feature") || "all";
    const picked = chosen === "all" ? dashboard.overall : dashboard.features[chosen] || dashboard.overall;
    const picker = h("select", { id: "dashboard-feature" },
      h("option", { value: "all", selected: chosen === "all" }, "All features"),
      Object.keys(dashboard.features).map((intent) => h("option", { value: intent, selected: intent === chosen }, intent.replaceAll("_", " "))));
    picker.addEventListener("change", () => { window.location.hash = `#/dashboard?feature=${picker.value}`; });
    return titled(
      "Dashboard",
      h("p", { class: "meta", text: "claw's success numbers since the log began; each chart shows them per day (UTC). A number reads \"no data yet\" until something it counts has happened." }),
      h("div", { class: "field" }, h("label", { for: "dashboard-feature", text: "Feature" }), picker),
      dashboard.days.length ? null : empty("No texts yet: the charts fill in as customers write."),
      h("ul", { class: "cards metrics" }, METRICS.map((metric) => metricCard(metric, picked.numbers, picked.days))),
    );
  }

  // --- connections -----------------------------------------------------------------------

  const VERDICT_CLASS = { works: "ok", broken: "bad", "dry run": "dry" };

  async function connectionsView() {
    if (!isAdmin()) return titled("Connections", empty("Only admins can check the connections."));
    const result = h("div", { id: "connections-result" },
      h("p", { class: "meta", text: "Press the button: claw tests each configured vendor for real. Nothing is sent to customers and no device or door is touched; the language model gets one minimal call." }));
    const button = h("button", { type: "button", class: "primary", id: "connections-check" }, "Check the connections now");
    button.addEventListener("click", async () => {
      button.disabled = true;
      result.replaceChildren(h("p", { role: "status", text: "Checking… (up to 15 seconds)" }));
      try {
        const report = await api("GET", "/api/connections");
        result.replaceChildren(
          h("p", { role: "status", class: report.all_work ? "summary ok" : "summary bad",
            text: report.all_work ? "Every configured vendor works." : "Something does not work: see below." }),
          h("ul", { class: "cards" }, report.vendors.map((vendor) => h("li", { class: "card", "data-vendor": vendor.vendor },
            h("h2", {}, `${vendor.title} `, h("span", { class: `pill verdict ${VERDICT_CLASS[vendor.verdict] || ""}`, text: vendor.verdict })),
            h("ul", { class: "findings" }, vendor.findings.map((finding) => h("li", { class: finding.ok ? "ok" : "bad" },
              h("strong", { text: finding.ok ? "OK " : "NOT OK " }), finding.words)))))));
      } catch (problem) {
        result.replaceChildren(h("p", { class: "error", text: `The check did not run: ${problem.message}` }));
      } finally {
        button.disabled = false;
      }
    });
    return titled("Connections", h("div", { class: "actions" }, button), result);
  }

  routes.dashboard = dashboardView;
  routes.connections = connectionsView;
}());
