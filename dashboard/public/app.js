// The dashboard's pages: one module, no build step. Each page fetches its JSON and renders tables, cards and charts;
// server-sent events refresh the page shown when a block lands, the round moves or the leader changes.
const $ = (sel) => document.querySelector(sel);
const fmt = (n, digits = 0) => Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function api(path) {
  const res = await fetch(path, { credentials: "same-origin" });
  if (res.status === 401) throw Object.assign(new Error("sign in first"), { status: 401 });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error ?? res.statusText), { status: res.status });
  return body;
}

function table(columns, rows, id) {
  const head = columns.map((c) => `<th>${esc(c.label)}</th>`).join("");
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td class="${c.text ? "text" : ""}">${esc(c.value(r))}</td>`).join("")}</tr>`).join("");
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** An address as 0x1234…abcd: enough to tell the validators apart on the page (the JSON API has them in full). */
const short = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;

const cards = (items) => `<div class="cards">${items.map(([k, v]) => `<div class="card">${esc(k)}<b>${esc(v)}</b></div>`).join("")}</div>`;

/** Merit order: demand by falling bid, supply by rising ask, as steps of cumulative MWh against token/kWh. */
function meritOrder(el, orders) {
  const curve = (list, desc) => {
    const sorted = [...list].sort((a, b) => (desc ? b.price - a.price : a.price - b.price));
    let q = 0;
    const steps = sorted.map((o) => { const at = [q, o.price]; q += o.quantityMwh; return at; });
    return sorted.length === 0 ? [] : [...steps, [q, sorted[sorted.length - 1].price]];
  };
  const demand = curve(orders.filter((o) => o.kind === "consumer"), true);
  const supply = curve(orders.filter((o) => o.kind !== "consumer"), false);
  const xs = [...new Set([...demand, ...supply].map((p) => p[0]))].sort((a, b) => a - b);
  const last = (c) => c.length === 0 ? 0 : c[c.length - 1][0];
  const at = (c) => xs.map((x) => { const p = c.findLast((p) => p[0] <= x); return p && x <= last(c) ? p[1] : null; });
  const step = uPlot.paths.stepped({ align: 1 });
  new uPlot({ width: 640, height: 280, title: "Merit order", scales: { x: { time: false } },
    series: [{ label: "MWh" }, { label: "demand (bid)", stroke: "#1565c0", paths: step }, { label: "supply (ask)", stroke: "#c62828", paths: step }] },
    [xs, at(demand), at(supply)], el);
}

/** Case B: certificate income, wind profit and generator revenue against the certificate price. */
function sweepChart(el, sweep) {
  const xs = sweep.map((p) => p.certPrice);
  new uPlot({ width: 640, height: 260, title: "Case B: against the certificate price (tokens)", scales: { x: { time: false } },
    series: [{ label: "price" }, { label: "wind certificate income", stroke: "#2e7d32" }, { label: "wind profit", stroke: "#1565c0" }, { label: "generator revenue", stroke: "#6a1b9a", scale: "rev" }],
    axes: [{}, {}, { scale: "rev", side: 1 }] },
    [xs, sweep.map((p) => p.windCertIncome), sweep.map((p) => p.windProfit), sweep.map((p) => p.generatorRevenue)], el);
}

const pages = {
  async round() {
    const r = await api("/api/round");
    const s = r.status;
    const html = [
      `<h2>Round ${s.roundId}</h2>`,
      cards([["phase", s.state], ["deadline", new Date(s.deadline * 1000).toISOString().slice(0, 16).replace("T", " ")], ["orders", s.orders], ["trades", s.trades], ["settled", `${s.settledTrades} / ${s.trades}`]]),
      `<div id="merit"></div>`,
      `<h3>Matches</h3><p><a href="/api/round/matches.csv">CSV</a> · <a href="/api/round/totals.csv">totals CSV</a></p>`,
      table([{ label: "buyer", value: (m) => m.buyer, text: true }, { label: "seller", value: (m) => m.seller, text: true },
        { label: "MWh", value: (m) => fmt(m.mwh) }, { label: "buyer price", value: (m) => fmt(m.buyerPrice, 4) },
        { label: "seller price", value: (m) => fmt(m.sellerPrice, 4) }, { label: "curtailed MWh", value: (m) => fmt(m.curtailedMwh) },
        { label: "settled", value: (m) => (m.settled ? "yes" : "no") }], r.matches, "matches"),
      `<h3>Orders</h3>`,
      table([{ label: "id", value: (o) => o.orderId }, { label: "name", value: (o) => o.name || "—", text: true }, { label: "kind", value: (o) => o.kind, text: true },
        { label: "MWh", value: (o) => fmt(o.quantityMwh) }, { label: "price", value: (o) => fmt(o.price, 4) }, { label: "filled", value: (o) => fmt(o.filledMwh) }], r.orders, "orders"),
    ];
    $("#content").innerHTML = html.join("");
    if (s.state !== "listing" && r.orders.length > 0) meritOrder($("#merit"), r.orders);
  },
  async participants() {
    const list = await api("/api/participants");
    $("#content").innerHTML = `<h2>Participants</h2>` + table([
      { label: "name", value: (p) => p.name, text: true }, { label: "kind", value: (p) => p.kind, text: true },
      { label: "balance", value: (p) => fmt(p.balance, 2) }, { label: "escrow", value: (p) => fmt(p.escrow, 2) },
      { label: "MWh", value: (p) => fmt(p.mwh) }, { label: "tokens", value: (p) => fmt(p.tokens, 2) },
      { label: "green quota %", value: (p) => (p.greenQuotaPct === null ? "—" : fmt(p.greenQuotaPct, 2)) },
      { label: "quota (certificates)", value: (p) => (p.quota === null ? "—" : p.quota.met ? `met: ${fmt(p.quota.retired)} of ${fmt(p.quota.owed)}` : `short by ${fmt(p.quota.short)} of ${fmt(p.quota.owed)}`), text: true }], list, "participants");
  },
  async certificates() {
    const c = await api("/api/certificates");
    const sweep = await api("/api/caseb").catch(() => null);
    $("#content").innerHTML = `<h2>Green certificates</h2>` +
      cards([["issued", fmt(c.issued, 3)], ["traded", fmt(c.traded, 3)], ["retired", fmt(c.retired, 3)], ["held", fmt(c.held, 3)]]) +
      `<h3>Issued and sold per generator</h3>` + table([{ label: "generator", value: (r) => r[0], text: true }, { label: "issued", value: (r) => fmt(r[1], 3) },
        { label: "sold", value: (r) => fmt(c.soldBy[r[0]] ?? 0, 3) }], Object.entries(c.issuedTo), "issued") +
      `<h3>Retired</h3>` + table([{ label: "account", value: (r) => r.name, text: true }, { label: "purpose", value: (r) => r.purpose, text: true }, { label: "certificates", value: (r) => fmt(r.certificates, 3) }], c.retiredBy, "retired") +
      `<div id="sweep"></div>`;
    if (sweep !== null && sweep.length > 0) sweepChart($("#sweep"), sweep);
  },
  async bridge() {
    const b = await api("/api/bridge");
    const pegged = b.locked === b.wrappedSupply ? "equal" : "in flight";
    $("#content").innerHTML = `<h2>Bridge</h2>` +
      cards([["DPLC locked", fmt(b.locked, 2)], ["wrapped supply", fmt(b.wrappedSupply, 2)], ["peg", pegged],
        ["main → side", `${b.mainToSide.delivered} / ${b.mainToSide.sent} delivered`], ["side → main", `${b.sideToMain.delivered} / ${b.sideToMain.sent} delivered`],
        ["validators", `${b.threshold} of ${b.validators.length}`]]) +
      `<h3>Messages</h3>` +
      table([{ label: "direction", value: (m) => m.direction, text: true }, { label: "nonce", value: (m) => m.nonce }, { label: "status", value: (m) => m.status, text: true },
        { label: "signed by", value: (m) => (m.signers === null ? "—" : m.signers.map(short).join(", ")), text: true }], b.messages, "messages");
  },
  async cluster() {
    const c = await api("/api/cluster");
    $("#content").innerHTML = `<h2>Ordering cluster</h2>` +
      cards([["leader", c.leader ?? "none"], ["term", c.term ?? "—"], ["nodes agree", c.agree ? "yes" : "no"],
        ["replicas agree", c.replicasAgree === null ? "no replicas" : c.replicasAgree ? "yes" : "no"], ["leader changes", c.leaderChanges]]) +
      table([{ label: "node", value: (n) => n.id ?? n.url, text: true }, { label: "up", value: (n) => (n.up ? "yes" : "no") }, { label: "role", value: (n) => n.role ?? "—", text: true },
        { label: "term", value: (n) => n.term ?? "—" }, { label: "leader", value: (n) => n.leader ?? "—", text: true }, { label: "commit", value: (n) => n.commitIndex ?? "—" },
        { label: "replica head", value: (n) => (n.replica ? `${n.replica.number} ${short(n.replica.hash ?? "—")}` : "—"), text: true }], c.nodes, "nodes");
  },
};

async function show() {
  const name = (location.hash.slice(1) || "round").split("?")[0];
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.getAttribute("href") === `#${name}`);
  try {
    await (pages[name] ?? pages.round)();
  } catch (err) {
    if (err.status === 401) return signInPage();
    $("#content").innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

function signInPage() {
  $("#signin").hidden = false;
  $("#content").innerHTML = "";
}

async function signIn() {
  $("#signin-error").textContent = "";
  try {
    if (!window.ethereum) throw new Error("no wallet found in this browser");
    const [address] = await window.ethereum.request({ method: "eth_requestAccounts" });
    const { message } = await api(`/auth/challenge?address=${address}`);
    const signature = await window.ethereum.request({ method: "personal_sign", params: [message, address] });
    const res = await fetch("/auth/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, signature }) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error);
    $("#signin").hidden = true;
    await start();
  } catch (err) {
    $("#signin-error").textContent = err.message;
  }
}

function listen() {
  const events = new EventSource("/api/events");
  const refresh = () => void show();
  events.addEventListener("block", (e) => { $("#live").textContent = `block ${JSON.parse(e.data).number}`; });
  events.addEventListener("hello", (e) => { $("#live").textContent = `block ${JSON.parse(e.data).block}`; });
  events.addEventListener("round", refresh);
  events.addEventListener("leader", refresh);
}

async function start() {
  try {
    const me = await api("/api/me");
    $("#who").textContent = `${me.role} ${me.address.slice(0, 8)}…`;
  } catch (err) {
    if (err.status === 401) return signInPage();
    throw err;
  }
  listen();
  await show();
}

$("#signin-button").addEventListener("click", () => void signIn());
window.addEventListener("hashchange", () => void show());
void start();
