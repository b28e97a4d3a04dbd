// huimin's page for workers: the household form is generated from GET /v1/schema, the answer comes
// from POST /v1/check. No framework: text is always set with textContent, never parsed as HTML.
"use strict";

const state = { schema: null, report: null, lastRoster: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// ---------- the form, from the schema ----------

function input(field, scope, index) {
  const id = `${scope}-${index}-${field.key}`;
  const data = { "data-key": field.key, "data-type": field.type, id };
  switch (field.type) {
    case "bool":
      return el("select", data, el("option", { value: "", text: "未填" }), el("option", { value: "true", text: "是" }), el("option", { value: "false", text: "否" }));
    case "enum":
      return el("select", data, el("option", { value: "", text: "未填" }), field.values.map((v) => el("option", { value: v.value, text: v.label })));
    case "region":
      return el("select", data, el("option", { value: "", text: "请选择" }), state.schema.regions.map((r) => el("option", { value: r.code, text: `${r.name}（${r.code}）` })));
    case "int":
      return el("input", { ...data, type: "number", step: "1", min: "0", inputmode: "numeric" });
    case "decimal":
      return el("input", { ...data, type: "number", step: "any", inputmode: "decimal" });
    case "money":
      return el("input", { ...data, type: "number", step: "0.01", min: "0", inputmode: "decimal", placeholder: "元" });
    case "date":
      return el("input", { ...data, type: "date" });
    case "enum_list":
      return el("div", { ...data, class: "checks" }, field.values.map((v) =>
        el("label", { class: "inline" }, el("input", { type: "checkbox", value: v.value }), " " + v.label)));
    case "money_by_kind": {
      // Nothing filled in is unknown; "无" says there is none of any kind (which is not unknown).
      const none = el("input", { type: "checkbox", "data-none": "" });
      const box = el("div", { ...data, class: "kinds" },
        el("label", { class: "kind none" }, el("span", { text: "无" }), el("span", {}, none, " 均没有")),
        field.kinds.map((k) =>
          el("label", { class: "kind" }, el("span", { text: k.label }),
            el("input", { type: "number", step: "0.01", min: "0", inputmode: "decimal", placeholder: "元/月", "data-kind": k.key }))));
      none.addEventListener("change", () => box.querySelectorAll("input[data-kind]").forEach((i) => { i.disabled = none.checked; if (none.checked) i.value = ""; }));
      return box;
    }
    default:
      return el("input", { ...data, type: "text", autocomplete: "off", maxlength: field.type === "id_number" ? "18" : "200" });
  }
}

function fieldRow(field, scope, index) {
  const control = input(field, scope, index);
  const wide = field.type === "money_by_kind" || field.type === "enum_list";
  let hint = field.ask ? `证明：${field.ask.replace(/^请提供/, "")}` : "";
  if (field.derive) hint = hint || "可由身份证号推出，可不填";
  return el("div", { class: "field" + (wide ? " wide" : "") },
    el("label", { for: control.id, text: field.label }),
    control,
    hint ? el("small", { class: "ask", text: hint }) : null);
}

function memberCard(index) {
  const card = el("fieldset", { class: "card member", "data-member": "" },
    el("legend", {}, el("span", { class: "member-title" }),
      el("button", { type: "button", class: "link remove", text: "删除此成员", onclick: () => { card.remove(); renumber(); } })),
    el("div", { class: "fields" }, state.schema.person.map((f) => fieldRow(f, "m", index))));
  return card;
}

let memberSerial = 0;
function addMember() {
  const card = memberCard(memberSerial++);
  document.getElementById("members").append(card);
  const c = state.schema.conventions;
  const members = document.querySelectorAll("[data-member]");
  if (members.length === 1) {
    const rel = card.querySelector(`[data-key="${c.relation}"]`);
    if (rel) rel.value = c.head;
  }
  renumber();
  return card;
}

function renumber() {
  document.querySelectorAll("[data-member]").forEach((card, i) => {
    card.querySelector(".member-title").textContent = `家庭成员 ${i + 1}`;
  });
}

function buildForm() {
  const box = document.getElementById("household-fields");
  box.querySelectorAll(".fields").forEach((n) => n.remove());
  box.append(el("div", { class: "fields" }, state.schema.household.map((f) => fieldRow(f, "h", 0))));
  document.getElementById("members").replaceChildren();
  addMember();
}

function readValue(node) {
  const type = node.dataset.type;
  if (type === "enum_list") {
    const v = [...node.querySelectorAll("input:checked")].map((i) => i.value);
    return v.length ? v : undefined;
  }
  if (type === "money_by_kind") {
    if (node.querySelector("input[data-none]").checked) return {};
    const out = {};
    let any = false;
    node.querySelectorAll("input[data-kind]").forEach((i) => {
      if (i.value !== "") { out[i.dataset.kind] = Number(i.value); any = true; }
    });
    return any ? out : undefined;
  }
  const v = node.value.trim();
  if (v === "") return undefined;
  if (type === "bool") return v === "true";
  if (type === "int" || type === "decimal" || type === "money") return Number(v);
  return v;
}

function collect(scope) {
  const out = {};
  scope.querySelectorAll(":scope > .fields > .field > [data-key]").forEach((node) => {
    const v = readValue(node);
    if (v !== undefined) out[node.dataset.key] = v;
  });
  return out;
}

function householdJSON() {
  const c = state.schema.conventions;
  const h = collect(document.getElementById("household-fields"));
  if (!h[c.household_id]) h[c.household_id] = "H1";
  h.members = [...document.querySelectorAll("[data-member]")].map((card, i) => {
    const m = collect(card);
    if (!m[c.person_id]) m[c.person_id] = `P${i + 1}`;
    return m;
  });
  return h;
}

// ---------- the answer ----------

const marks = { eligible: "✔", ineligible: "✘", undetermined: "？" };
const words = { eligible: "符合", ineligible: "不符合", undetermined: "待核实" };

function renderAnswer(report) {
  state.report = report;
  document.getElementById("answer-title").textContent =
    `${report.household_label}（${report.members}人）· ${report.region.name} · ${chineseDate(report.date)}`;
  const list = document.getElementById("decisions");
  list.replaceChildren(...report.decisions.map((d) => {
    const lines = (d.text || "").split("\n").filter((l) => l !== "");
    const head = lines.shift() || `${marks[d.status]} ${d.title}：${words[d.status]}`;
    return el("article", { class: `decision ${d.status}`, "data-policy": d.policy, "data-status": d.status },
      el("h3", { text: head }),
      lines.length ? el("ul", {}, lines.map((l) => el("li", { text: l.replace(/^\s*·\s*/, "") }))) : null,
      d.worker_text ? el("details", { class: "worker" }, el("summary", { text: "工作人员视图：每个条件、取值与规则出处" }),
        el("pre", { text: d.worker_text })) : null);
  }));
  document.getElementById("answer").hidden = false;
  buildSlip(report);
}

function chineseDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

function buildSlip(report) {
  const slip = document.getElementById("slip");
  const asks = [];
  for (const d of report.decisions) for (const m of d.missing) if (m.ask && !asks.includes(m.ask)) asks.push(m.ask);
  const shown = report.decisions.filter((d) => d.status !== "ineligible");
  const others = report.decisions.filter((d) => d.status === "ineligible");
  slip.replaceChildren(...[
    el("h1", { text: "社会救助政策资格初步核对结果" }),
    el("p", { class: "slip-meta", text: `${report.household_label}（${report.members}人）· ${report.region.name} · 核对日期 ${chineseDate(report.date)}` }),
    el("h2", { text: "可以申请或需要补充材料的政策" }),
    shown.length ? shown.map((d) => el("pre", { text: d.text })) : el("p", { text: "暂无。" }),
    el("h2", { text: "暂不符合的政策" }),
    others.length ? others.map((d) => el("pre", { text: d.text })) : el("p", { text: "无。" }),
    asks.length ? el("div", {}, el("h2", { text: "请准备以下材料" }), el("ol", {}, asks.map((a) => el("li", { text: a })))) : null,
    el("p", { class: "slip-note", text: "本结果依据您申报的信息初步核对，仅供参考；是否享受、享受多少，以民政部门审核确认并公示的结果为准。" }),
    el("p", { class: "slip-sign", text: "经办人：__________    居民签字：__________    日期：__________" }),
    el("p", { class: "slip-rules", text: `规则版本 ${report.rules.hash}` }),
  ].flat().filter((x) => x));
}

function showProblems(box, error) {
  const e = error.error || { message: String(error) };
  box.replaceChildren(el("strong", { text: e.message }),
    e.problems ? el("ul", {}, e.problems.map((p) => el("li", { text: (p.field ? `${p.field}：` : "") + p.message + (p.help ? `（${p.help}）` : "") }))) : null);
  box.hidden = false;
}

async function submitCheck(ev) {
  ev.preventDefault();
  const box = document.getElementById("check-error");
  box.hidden = true;
  const params = new URLSearchParams({ on: document.getElementById("on").value || today(), explain: "full" });
  if (document.getElementById("reveal").checked) params.set("reveal", "true");
  const button = document.getElementById("submit");
  button.disabled = true;
  try {
    const r = await fetch(`/v1/check?${params}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(householdJSON()) });
    const body = await r.json();
    if (!r.ok) { document.getElementById("answer").hidden = true; showProblems(box, body); return; }
    renderAnswer(body);
    document.getElementById("answer").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) {
    showProblems(box, { error: { message: `无法连接 huimin：${e.message}` } });
  } finally {
    button.disabled = false;
  }
}

// ---------- rosters ----------

function rosterType(file) {
  const n = file.name.toLowerCase();
  if (n.endsWith(".xlsx")) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "application/x-ndjson";
  return "text/csv";
}

async function submitScreen(ev) {
  ev.preventDefault();
  const box = document.getElementById("screen-error");
  box.hidden = true;
  const file = document.getElementById("roster").files[0];
  if (!file) { showProblems(box, { error: { message: "请先选择花名册文件。" } }); return; }
  const on = document.getElementById("screen-on").value || today();
  state.lastRoster = { file, on };
  const button = document.getElementById("screen-submit");
  button.disabled = true;
  button.textContent = "筛查中…";
  try {
    const r = await fetch(`/v1/screen?on=${on}`, { method: "POST", headers: { "Content-Type": rosterType(file) }, body: file });
    const body = await r.json();
    if (!r.ok) { showProblems(box, body); return; }
    renderScreen(body.summary, body.rejects);
  } catch (e) {
    showProblems(box, { error: { message: `无法连接 huimin：${e.message}` } });
  } finally {
    button.disabled = false;
    button.textContent = "开始筛查";
  }
}

function renderScreen(s, rejects) {
  document.getElementById("screen-title").textContent =
    `${chineseDate(s.date)} · 共${s.rows}行：${s.households}户${s.persons}人已判断，${s.rejected_rows}行未能处理` + (s.reconciled ? "，核对无误。" : "，行数不符！");
  const count = (x) => (x ? String(x.count) : "—");
  document.querySelector("#summary-table tbody").replaceChildren(...s.policies.map((p) => el("tr", {},
    el("td", { text: p.title }), el("td", { text: String(p.eligible) }), el("td", { text: String(p.ineligible) }),
    el("td", { text: String(p.undetermined) }), el("td", { class: "num", text: p.monthly_total }),
    el("td", { text: count(p.eligible_not_receiving) }), el("td", { text: count(p.receiving_not_eligible) }))));
  document.getElementById("rejects-title").textContent = rejects.length ? `未能处理的行（${rejects.length}）` : "所有行均已处理。";
  document.getElementById("rejects-table").hidden = rejects.length === 0;
  document.querySelector("#rejects-table tbody").replaceChildren(...rejects.map((x) => el("tr", {},
    el("td", { text: String(x.row) }), el("td", { text: x.household }), el("td", { text: x.field }), el("td", { text: x.reason }))));
  document.getElementById("screen-result").hidden = false;
}

async function downloadCSV() {
  const { file, on } = state.lastRoster || {};
  if (!file) return;
  const r = await fetch(`/v1/screen?on=${on}&format=csv`, { method: "POST", headers: { "Content-Type": rosterType(file) }, body: file });
  if (!r.ok) { showProblems(document.getElementById("screen-error"), await r.json()); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: `huimin-${on}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- policies ----------

function renderPolicies() {
  const region = document.getElementById("sheet-region").value;
  const on = document.getElementById("sheet-on").value || today();
  document.getElementById("policy-list").replaceChildren(...state.schema.policies.map((p) =>
    el("li", {}, el("a", { href: `/v1/policies/${encodeURIComponent(p.id)}?region=${region}&on=${on}&format=html`, target: "_blank", rel: "noopener", text: p.title }),
      el("span", { class: "hint", text: ` ${p.id}` }))));
}

// ---------- start ----------

function showTab(name) {
  document.querySelectorAll("[role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll("[role=tabpanel]").forEach((p) => { p.hidden = p.id !== `tab-${name}`; });
}

async function start() {
  try {
    state.schema = await getJSON("/v1/schema");
  } catch (e) {
    const box = document.getElementById("load-error");
    box.textContent = `无法读取规则：${e.message}`;
    box.hidden = false;
    return;
  }
  document.getElementById("rules-badge").textContent = `规则 ${state.schema.rules.hash.slice(0, 8)}`;
  for (const id of ["on", "screen-on", "sheet-on"]) document.getElementById(id).value = today();
  buildForm();
  const regions = document.getElementById("sheet-region");
  regions.replaceChildren(...state.schema.regions.map((r) => el("option", { value: r.code, text: `${r.name}（${r.code}）` })));
  regions.addEventListener("change", renderPolicies);
  document.getElementById("sheet-on").addEventListener("change", renderPolicies);
  renderPolicies();
  document.getElementById("household-form").addEventListener("submit", submitCheck);
  document.getElementById("add-member").addEventListener("click", () => addMember().scrollIntoView({ block: "nearest" }));
  document.getElementById("reset").addEventListener("click", () => { buildForm(); document.getElementById("answer").hidden = true; });
  document.getElementById("print").addEventListener("click", () => window.print());
  document.getElementById("screen-form").addEventListener("submit", submitScreen);
  document.getElementById("download").addEventListener("click", downloadCSV);
  document.querySelectorAll("[role=tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
