/* report-assistant page: chat with cited answers, budget and audit tables, validation findings.
   No framework, no external requests: only this origin's API and /static files. */
"use strict";
(() => {
  // ------------------------------------------------------------ helpers
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  /** el("td", {class: "num"}, "text", childNode) – strings always become text nodes (never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(message, code, status) { super(message); this.code = code; this.status = status; }
  }

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new ApiError("서버에 연결할 수 없습니다. 서버가 실행 중인지 확인하세요.", "network", 0);
    }
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      const err = (body && body.error) || {};
      throw new ApiError(err.message || `HTTP ${response.status}`, err.code || "http_error", response.status);
    }
    return body;
  }

  const LABELS = {
    doc: "문서", source: "출처", section: "위치", department: "부서", departments: "부서", program: "사업",
    program_raw: "사업(원문)", level: "구분", citizen: "시민참여", parent: "상위사업",
    budget: "예산현액", committed: "원인행위", spent: "지출", forecast: "연말 집행예상",
    committed_rate: "원인행위율", spent_rate: "집행률", forecast_rate: "예상집행률",
    committed_rate_printed: "원인행위율(인쇄)", spent_rate_printed: "집행률(인쇄)", forecast_rate_printed: "예상집행률(인쇄)",
    unspent: "미집행액", expected_lapse: "예상 불용액", pending: "원인행위 후 미지출", line_start: "줄", line_end: "끝 줄", note: "비고",
    id: "번호", no: "순번", category: "구분", requirement: "요구사항", status: "상태", status_printed: "상태(인쇄)",
    action: "조치결과", plan: "향후계획", count: "건수", rate: "비율", value: "값", share: "비중",
  };
  const LEVELS = { total: "합계", subtotal: "소계", department: "부서", program: "사업", "sub-item": "세부", admin: "기본경비" };
  const SOURCES = { appendix: "별첨1", overview: "일반현황", body: "본문" };
  const PLAIN_NUMBERS = new Set(["line_start", "line_end", "no", "id", "year"]);
  const label = (col) => LABELS[col] || col;
  const isRate = (col) => /(_rate|rate|률|율|share|비중)$/.test(String(col)) || /%/.test(String(col));
  const nf = new Intl.NumberFormat("ko-KR");
  const nf1 = new Intl.NumberFormat("ko-KR", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function formatCell(col, v) {
    if (v === null || v === undefined || v === "") return "–";
    if (typeof v === "boolean") return v ? "예" : "";
    if (Array.isArray(v)) return v.join(", ");
    if (typeof v === "number") {
      if (PLAIN_NUMBERS.has(col)) return String(v);
      if (isRate(col)) return `${nf1.format(v)}%`;
      return Number.isInteger(v) ? nf.format(v) : nf1.format(v);
    }
    if (col === "level") return LEVELS[v] || v;
    if (col === "source") return SOURCES[v] || v;
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  function toast(message) {
    const t = $("#toast");
    t.textContent = message;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  function lineLink(doc, start, end, text, extra = {}) {
    const href = `/documents/${encodeURIComponent(doc)}/lines?start=${start}&end=${end}&context=5`;
    return el("a", { class: "cite", href, dataset: { doc, start, end, section: extra.section || "" } }, text);
  }

  // ------------------------------------------------------------ tabs
  const tabs = $$('[role="tab"]');
  const loaders = {};

  function selectTab(tab, focus = false) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    const load = loaders[tab.id];
    if (load) load();
    if (history.replaceState) history.replaceState(null, "", tab.id === "tab-chat" ? location.pathname : `#${tab.id.slice(4)}`);
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      let j = null;
      if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
      else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = tabs.length - 1;
      if (j !== null) { e.preventDefault(); selectTab(tabs[j], true); }
    });
  });

  // ------------------------------------------------------------ session and history
  const SESSION_KEY = "ra.session";
  const HISTORY_KEY = "ra.history";
  const MAX_HISTORY = 60;

  function newSessionId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function sessionId() {
    let id = sessionStorage.getItem(SESSION_KEY);
    if (!id) { id = newSessionId(); sessionStorage.setItem(SESSION_KEY, id); }
    return id;
  }
  function loadHistory() {
    try { return JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveHistory(items) {
    const kept = items.slice(-MAX_HISTORY);
    try { sessionStorage.setItem(HISTORY_KEY, JSON.stringify(kept)); } catch (e) { /* storage full: keep going */ }
  }

  // ------------------------------------------------------------ chat
  const messages = $("#messages");
  const form = $("#ask-form");
  const input = $("#question");
  const button = $("#ask-button");

  function renderTable(columns, rows, { limit = 100 } = {}) {
    const table = el("table", { class: "data" });
    const head = el("tr", {}, columns.map((c, i) => el("th", { scope: "col", class: typeof rows[0]?.[i] === "number" ? "num" : null }, label(c))));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const r of rows.slice(0, limit)) {
      body.append(el("tr", {}, r.map((v, i) => el("td", {
        class: typeof v === "number" ? "num" : typeof v === "string" && v.length <= 12 ? "nowrap" : null,
      }, formatCell(columns[i], v)))));
    }
    table.append(body);
    const wrap = el("div", { class: "table-wrap" }, table);
    if (rows.length > limit) wrap.append(el("p", { class: "muted small" }, `… 외 ${nf.format(rows.length - limit)}행`));
    return wrap;
  }

  function renderCitations(citations) {
    if (!citations || !citations.length) return null;
    const list = el("ol", { class: "citations" });
    citations.forEach((c, i) => {
      const where = c.line_start === c.line_end ? `줄 ${c.line_start}` : `줄 ${c.line_start}–${c.line_end}`;
      const first = (c.quote || "").split("\n").find((l) => l.trim()) || "";
      list.append(el("li", {},
        `[${i + 1}] `,
        lineLink(c.doc, c.line_start, c.line_end, `${c.section || c.doc} (${where})`, { section: c.section }),
        first ? el("span", { class: "quote" }, first.trim()) : null));
    });
    return el("div", {}, el("h3", { class: "sr-only" }, "근거"), list);
  }

  function renderAnswer(a) {
    const bubble = el("div", { class: "bubble" });
    if (a.error && !a.answer) {
      bubble.append(el("p", { class: "text" }, a.error.message || "오류가 났습니다."));
    } else {
      bubble.append(el("p", { class: "text" }, a.answer || ""));
      const d = a.data || {};
      if (Array.isArray(d.columns) && Array.isArray(d.rows) && d.rows.length) bubble.append(renderTable(d.columns, d.rows));
      const cites = renderCitations(a.citations);
      if (cites) bubble.append(cites);
      const meta = el("div", { class: "meta" });
      if (a.route) meta.append(el("span", { class: "route" }, a.route));
      if (a.method) meta.append(el("span", {}, a.method));
      if (typeof a.confidence === "number") meta.append(el("span", {}, `확신도 ${Math.round(a.confidence * 100)}%`));
      if (typeof a.elapsed_ms === "number") meta.append(el("span", {}, `${nf1.format(a.elapsed_ms)} ms`));
      bubble.append(meta);
    }
    const cls = "msg bot" + (a.error ? " error" : "");
    return el("div", { class: cls, "data-route": a.route || "" }, bubble);
  }

  function renderQuestion(q) {
    return el("div", { class: "msg user" }, el("div", { class: "bubble" }, q));
  }

  function renderHistory() {
    $$(".msg", messages).forEach((m) => m.remove());
    const items = loadHistory();
    $("#welcome").hidden = items.length > 0;
    for (const item of items) {
      messages.append(renderQuestion(item.question));
      messages.append(renderAnswer(item.answer));
    }
  }

  let busy = false;
  async function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    busy = true;
    button.disabled = true;
    $("#welcome").hidden = true;
    messages.append(renderQuestion(question));
    const pending = el("div", { class: "msg bot pending", "aria-busy": "true" }, el("div", { class: "bubble" }, "답을 찾는 중…"));
    messages.append(pending);
    pending.scrollIntoView({ block: "end" });
    let answer;
    try {
      answer = await api("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question, session_id: sessionId() }),
      });
      if (answer.session_id && answer.session_id !== sessionStorage.getItem(SESSION_KEY)) {
        sessionStorage.setItem(SESSION_KEY, answer.session_id);
      }
    } catch (e) {
      const message = e.code === "internal" ? "내부 오류로 답하지 못했습니다. 잠시 뒤 다시 시도해 주세요."
        : e.code === "body_too_large" || e.code === "invalid_request" ? `질문을 보낼 수 없습니다: ${e.message}`
        : e.message;
      answer = { question, answer: "", route: "", error: { code: e.code, message } };
    }
    const node = renderAnswer(answer);
    pending.replaceWith(node);
    node.scrollIntoView({ block: "nearest" });
    const items = loadHistory();
    items.push({ question, answer });
    saveHistory(items);
    busy = false;
    button.disabled = false;
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value;
    if (!q.trim()) { input.focus(); return; }
    input.value = "";
    ask(q).finally(() => input.focus());
  });
  input.addEventListener("keydown", (e) => {
    // Enter sends; Shift+Enter is a new line; never while a Hangul syllable is still being composed
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  $$(".example").forEach((b) => b.addEventListener("click", () => { input.value = b.textContent; form.requestSubmit(); }));
  $("#new-chat").addEventListener("click", () => {
    sessionStorage.removeItem(HISTORY_KEY);
    sessionStorage.setItem(SESSION_KEY, newSessionId());
    renderHistory();
    input.focus();
  });

  // ------------------------------------------------------------ source side panel
  const panel = $("#source-panel");
  let opener = null;

  async function openSource(link) {
    const { doc, start, end, section } = link.dataset;
    opener = link;
    const list = $("#source-lines");
    list.replaceChildren(el("li", {}, el("span", { class: "no" }, ""), el("span", { class: "tx muted" }, "불러오는 중…")));
    $("#source-title").textContent = section || "원문";
    $("#source-sub").textContent = "";
    panel.hidden = false;
    try {
      const r = await api(`/documents/${encodeURIComponent(doc)}/lines?start=${start}&end=${end}&context=5`);
      $("#source-sub").textContent = `${r.title} · ${r.file} · 줄 ${r.start === r.end ? r.start : `${r.start}–${r.end}`}`;
      list.replaceChildren(...r.lines.map((l) => el("li", { class: l.cited ? "cited" : null, "data-no": l.no },
        el("span", { class: "no" }, l.no), el("span", { class: "tx" }, l.text))));
      const first = $("li.cited", list);
      list.focus({ preventScroll: true });
      if (first) first.scrollIntoView({ block: "center" });
    } catch (e) {
      list.replaceChildren(el("li", {}, el("span", { class: "no" }, ""), el("span", { class: "tx" }, e.message)));
    }
  }
  function closeSource() {
    if (panel.hidden) return;
    panel.hidden = true;
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a.cite");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    openSource(link);
  });
  $("#source-close").addEventListener("click", closeSource);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeSource(); });

  // ------------------------------------------------------------ sortable tables
  /** A table over row objects; clicking a header sorts (asc → desc → original order). */
  function sortableTable(table, columns, { rowClass, cell } = {}) {
    let rows = [];
    let sort = { key: null, dir: 0 };
    function compare(a, b, key) {
      const x = a[key], y = b[key];
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      if (typeof x === "number" && typeof y === "number") return x - y;
      return String(x).localeCompare(String(y), "ko");
    }
    function render() {
      let shown = rows.map((r, i) => [r, i]);
      if (sort.key && sort.dir) {
        shown.sort((p, q) => {
          const c = compare(p[0], q[0], sort.key);
          // missing values stay last in both directions
          const missing = p[0][sort.key] == null || q[0][sort.key] == null;
          return (missing ? c : c * sort.dir) || p[1] - q[1];
        });
      }
      const head = el("tr", {}, columns.map((c) => {
        const th = el("th", { scope: "col", class: c.num ? "num" : null,
          "aria-sort": sort.key === c.key && sort.dir ? (sort.dir > 0 ? "ascending" : "descending") : null });
        if (c.sortable === false) th.append(c.label);
        else th.append(el("button", { type: "button", class: "sort", onclick: () => {
          if (sort.key !== c.key) sort = { key: c.key, dir: 1 };
          else sort = { key: c.key, dir: sort.dir === 1 ? -1 : sort.dir === -1 ? 0 : 1 };
          render();
          const again = $(`th button[data-key="${c.key}"]`, table);
          if (again) again.focus();
        }, dataset: { key: c.key } }, c.label));
        return th;
      }));
      const body = el("tbody", {}, shown.map(([r]) => el("tr", { class: rowClass ? rowClass(r) : null },
        columns.map((c) => el("td", { class: c.num ? "num" : c.nowrap ? "nowrap" : null }, cell ? cell(c, r) : formatCell(c.key, r[c.key]))))));
      table.replaceChildren(el("thead", {}, head), body);
    }
    return { set(newRows) { rows = newRows; render(); } };
  }

  const objects = (t) => t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
  function fillSelect(select, values, labels = {}) {
    for (const v of values) select.append(el("option", { value: v }, labels[v] || v));
  }
  const unique = (xs) => Array.from(new Set(xs.filter((x) => x !== null && x !== undefined && x !== "")));

  // ------------------------------------------------------------ 예산
  const BUDGET_COLUMNS = [
    { key: "department", label: "부서", nowrap: true }, { key: "program", label: "사업" },
    { key: "level", label: "구분", nowrap: true }, { key: "source", label: "출처", nowrap: true },
    { key: "citizen", label: "시민참여", nowrap: true },
    { key: "budget", label: "예산현액", num: true }, { key: "committed", label: "원인행위", num: true },
    { key: "spent", label: "지출", num: true }, { key: "spent_rate", label: "집행률", num: true },
    { key: "forecast", label: "연말 집행예상", num: true }, { key: "forecast_rate", label: "예상집행률", num: true },
    { key: "line_start", label: "원문", num: true },
  ];
  let budgetRows = null;
  const charts = {};
  const budgetTable = sortableTable($("#budget-table"), BUDGET_COLUMNS, {
    rowClass: (r) => `lv-${r.level}`,
    cell: (c, r) => {
      if (c.key === "line_start") return lineLink(r.doc, r.line_start, r.line_end, `줄 ${r.line_start}`, { section: r.section });
      if (c.key === "spent_rate" && typeof r.spent_rate === "number" && r.spent_rate < 10 && r.level === "program") {
        return el("span", { class: "rate-low" }, formatCell(c.key, r.spent_rate));
      }
      return formatCell(c.key, r[c.key]);
    },
  });

  function chartColors(values, selected) {
    return values.map((v, i) => (selected && selected[i] === false ? "rgba(31,95,191,.25)" : v !== null && v < 30 ? "#c8553d" : "#1f5fbf"));
  }

  function barChart(canvas, labels, values, extra) {
    if (!window.Chart) return null;
    const chart = new Chart(canvas, {
      type: "bar",
      data: { labels, datasets: [{ label: "집행률(%)", data: values, backgroundColor: chartColors(values), borderRadius: 3, maxBarThickness: 28 }] },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` }, grid: { color: "#eef1f5" } },
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => {
            const row = extra[ctx.dataIndex];
            return `집행률 ${nf1.format(ctx.parsed.x)}% (지출 ${nf.format(row.spent)} / 예산 ${nf.format(row.budget)} 천원)`;
          } } },
        },
      },
    });
    return chart;
  }

  function budgetFiltered() {
    const source = $("#budget-source").value;
    const dept = $("#budget-department").value;
    const level = $("#budget-level").value;
    const citizen = $("#budget-citizen").checked;
    return budgetRows.filter((r) => (!source || r.source === source) && (!dept || r.department === dept) &&
      (!level || r.level === level) && (!citizen || r.citizen));
  }

  function drawBudget() {
    const rows = budgetFiltered();
    budgetTable.set(rows);
    $("#budget-count").textContent = `${nf.format(rows.length)}행`;
    const dept = $("#budget-department").value;
    const params = new URLSearchParams({ format: "csv" });
    if ($("#budget-source").value) params.set("source", $("#budget-source").value);
    if (dept) params.set("department", dept);
    if ($("#budget-level").value) params.set("level", $("#budget-level").value);
    if ($("#budget-citizen").checked) params.set("citizen", "true");
    $("#budget-csv").href = `/budget?${params}`;

    // the charts always use the appendix (the canonical table): departments, the selected one emphasised
    const appendix = budgetRows.filter((r) => r.source === "appendix");
    const depts = appendix.filter((r) => r.level === "department");
    const dvals = depts.map((r) => r.spent_rate);
    if (!charts.departments) charts.departments = barChart($("#chart-departments"), depts.map((r) => r.department), dvals, depts);
    if (charts.departments) {
      charts.departments.data.datasets[0].backgroundColor = chartColors(dvals, dept ? depts.map((r) => r.department === dept) : null);
      charts.departments.update();
    }
    // programmes: the filtered ones, lowest rate first
    const progs = appendix.filter((r) => r.level === "program" && (!dept || r.department === dept) && (!$("#budget-citizen").checked || r.citizen))
      .slice().sort((a, b) => (a.spent_rate ?? 1e9) - (b.spent_rate ?? 1e9));
    $("#chart-programs-note").textContent = `(${progs.length}개${dept ? ` · ${dept}` : ""}, 낮은 순 · ⓒ 시민참여)`;
    const wrap = $("#chart-programs-wrap");
    let inner = $(".inner", wrap);
    if (!inner) { inner = el("div", { class: "inner" }); inner.style.position = "relative"; wrap.replaceChildren(inner); inner.append(el("canvas", { id: "chart-programs", role: "img", "aria-label": "사업별 집행률 막대그래프" })); }
    inner.style.height = `${Math.max(160, progs.length * 22 + 40)}px`;
    const labels = progs.map((r) => r.program.replace(/\s*\(시민참여\)\s*$/, " ⓒ"));
    const pvals = progs.map((r) => r.spent_rate);
    if (charts.programs) charts.programs.destroy();
    charts.programs = barChart($("#chart-programs"), labels, pvals, progs);
  }

  loaders["tab-budget"] = async () => {
    if (budgetRows) return;
    budgetRows = [];
    try {
      const t = await api("/budget");
      budgetRows = objects(t);
      fillSelect($("#budget-department"), unique(budgetRows.map((r) => r.department)));
      if (window.Chart) {
        Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
        Chart.defaults.font.size = 12;
        Chart.defaults.color = "#39414d";
      }
      drawBudget();
    } catch (e) {
      budgetRows = null;
      toast(`예산 표를 불러오지 못했습니다: ${e.message}`);
    }
  };
  ["#budget-source", "#budget-department", "#budget-level", "#budget-citizen"].forEach((s) => $(s).addEventListener("change", drawBudget));

  // ------------------------------------------------------------ 감사
  let auditRows = null;
  const STATUSES = ["완료", "추진중", "검토중", "미반영"];
  const auditTable = sortableTable($("#audit-table"), [
    { key: "no", label: "번호", num: true }, { key: "category", label: "구분", nowrap: true }, { key: "departments", label: "부서" },
    { key: "requirement", label: "요구사항 (누르면 조치결과)", sortable: false }, { key: "status", label: "상태" },
    { key: "line_start", label: "원문", num: true },
  ], {
    cell: (c, r) => {
      if (c.key === "departments") return (r.departments || []).flatMap((x, i) => [i ? ", " : "", el("span", { class: "nowrap" }, x)]);
      if (c.key === "status") return el("span", { class: `tag st-${r.status}`, title: r.status_printed ? `인쇄: ${r.status_printed}` : null }, r.status);
      if (c.key === "line_start") return lineLink(r.doc, r.line_start, r.line_end, `줄 ${r.line_start}–${r.line_end}`, { section: `감사 ${r.id} · ${r.category}` });
      if (c.key === "requirement") {
        return el("details", {}, el("summary", {}, r.requirement),
          el("div", { class: "more" }, el("b", {}, "조치결과 "), r.action || "–", "\n", el("b", {}, "향후계획 "), r.plan || "–"));
      }
      return formatCell(c.key, r[c.key]);
    },
  });

  function drawAudit() {
    const status = $("#audit-status").value, category = $("#audit-category").value;
    const dept = $("#audit-department").value, q = $("#audit-q").value.trim();
    const base = auditRows.filter((r) => (!category || r.category === category) && (!dept || (r.departments || []).includes(dept)) &&
      (!q || `${r.requirement}\n${r.action}\n${r.plan}`.includes(q)));
    const rows = base.filter((r) => !status || r.status === status);
    auditTable.set(rows);
    const counts = $("#audit-counts");
    counts.replaceChildren(
      el("span", { class: "count" }, "표시 ", el("b", {}, nf.format(rows.length)), `건 / 전체 ${nf.format(auditRows.length)}건`),
      ...STATUSES.map((s) => el("span", { class: "count", "data-status": s }, `${s} `, el("b", {}, nf.format(base.filter((r) => r.status === s).length)))));
  }

  loaders["tab-audit"] = async () => {
    if (auditRows) return;
    auditRows = [];
    try {
      const t = await api("/audit");
      auditRows = objects(t);
      fillSelect($("#audit-status"), STATUSES);
      fillSelect($("#audit-category"), unique(auditRows.map((r) => r.category)));
      fillSelect($("#audit-department"), unique(auditRows.flatMap((r) => r.departments || [])).sort((a, b) => a.localeCompare(b, "ko")));
      drawAudit();
    } catch (e) {
      auditRows = null;
      toast(`감사 표를 불러오지 못했습니다: ${e.message}`);
    }
  };
  ["#audit-status", "#audit-category", "#audit-department"].forEach((s) => $(s).addEventListener("change", drawAudit));
  $("#audit-q").addEventListener("input", () => { if (auditRows) drawAudit(); });

  // ------------------------------------------------------------ 검증
  let validationLoaded = false;
  loaders["tab-validation"] = async () => {
    if (validationLoaded) return;
    validationLoaded = true;
    try {
      const v = await api("/validation");
      const SEV = { error: "오류", warning: "경고", info: "참고" };
      $("#validation-counts").replaceChildren(
        el("span", { class: "count" }, "전체 ", el("b", {}, v.count), "건"),
        ...Object.entries(v.by_severity).map(([s, n]) => el("span", { class: "count" }, `${SEV[s] || s} `, el("b", {}, n))));
      $("#validation-list").replaceChildren(...v.findings.map((f) => el("li", {},
        el("span", { class: `tag sev-${f.severity}` }, SEV[f.severity] || f.severity), " ", f.message,
        el("span", { class: "lines-links" }, unique(f.lines || []).flatMap((n) => [" ", lineLink(f.doc, n, n, `줄 ${n}`, { section: f.subject || f.kind })])))));
    } catch (e) {
      validationLoaded = false;
      toast(`검증 결과를 불러오지 못했습니다: ${e.message}`);
    }
  };

  // ------------------------------------------------------------ start
  renderHistory();
  const fromHash = tabs.find((t) => location.hash && t.id === `tab-${location.hash.slice(1)}`);
  selectTab(fromHash || tabs[0]);
  window.__reportAssistant = { charts, ask, openSource };
})();
