// tfmeta report: draws the page from the JSON block #report-data. No libraries,
// nothing fetched. Big inputs stay fast: the treemap aggregates small items, the
// tensor table renders only the rows in view, trees render a level when opened.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const main = document.getElementById("main");
  const ROLES = ["model", "optimizer", "ema", "counter", "other"];
  const ROLE_NAMES = { model: "model weights", optimizer: "optimizer slots", ema: "EMA shadows", counter: "counters", other: "other" };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  function bytes(n) {
    const u = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let v = n, i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return i === 0 ? n + " bytes" : v.toFixed(1) + " " + u[i];
  }
  function num(x) {
    if (x === null || x === undefined) return "–";
    if (x === 0) return "0";
    const a = Math.abs(x);
    return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : String(+x.toPrecision(5));
  }
  function section(id, title) {
    const s = el("section", { id });
    s.append(el("h2", { text: title }));
    main.append(s);
    return s;
  }

  document.getElementById("title").textContent = data.title;
  document.getElementById("subtitle").textContent = data.subtitle;
  if (data.checkpoint) renderCheckpoint(data.checkpoint);
  for (const g of data.graphs || []) renderGraph(g);
  // How long the page took to open, script included (the tests read it).
  document.body.setAttribute("data-ready-ms", Math.round(performance.now()));
  document.body.setAttribute("data-ready", "1");

  // MARK: checkpoint

  function renderCheckpoint(c) {
    const col = {};
    c.columns.forEach((name, i) => { col[name] = i; });
    // JSON has no NaN or infinity: the data spell them "NaN", "Infinity", "-Infinity".
    const real = (v) => (typeof v === "string" ? Number(v) : v);
    const T = c.tensors.map((r, i) => ({
      i, key: r[col.key], dtype: r[col.dtype], shape: r[col.shape], role: r[col.role], elements: r[col.elements],
      bytes: r[col.bytes], min: real(r[col.min]), max: real(r[col.max]), mean: real(r[col.mean]), std: real(r[col.std]), nan: r[col.nan],
      posInf: r[col.pos_inf], negInf: r[col.neg_inf], zeros: r[col.zeros], message: r[col.message], hist: r[col.histogram],
    }));
    for (const t of T) {
      t.flags = [];
      if (t.message !== null) t.flags.push("unread");
      if (t.nan > 0) t.flags.push("NaN");
      if (t.posInf > 0) t.flags.push("+Inf");
      if (t.negInf > 0) t.flags.push("-Inf");
      if (t.elements > 0 && t.zeros === t.elements) t.flags.push("all-zero");
    }

    const s = section("roles", "Bytes by role");
    s.append(el("p", { class: "muted", text: `${T.length} tensors, ${bytes(c.bytes)} (${c.format})` }));
    const roles = el("div", { class: "roles" });
    for (const r of c.roles) {
      if (r.tensors === 0) continue;
      const pct = c.bytes ? (100 * r.bytes / c.bytes).toFixed(1) : "0.0";
      roles.append(el("div", { class: "role " + r.role, "data-role": r.role, "data-bytes": r.bytes, "data-tensors": r.tensors },
        el("b", { text: ROLE_NAMES[r.role] }), `${pct}% · ${bytes(r.bytes)} · ${r.tensors} tensor${r.tensors === 1 ? "" : "s"}`));
    }
    s.append(roles);

    renderFlags(T);
    let table = null;
    renderTreemap(c, T, (t) => { showHistogram(t); table.select(t); });
    const showHistogram = renderHistogramPanel();
    table = renderTable(T, showHistogram);
    // report.html#tensor=KEY opens with that tensor's histogram shown.
    const wanted = decodeURIComponent((location.hash.match(/^#tensor=(.*)$/) || [])[1] || "");
    const first = wanted && T.find((t) => t.key === wanted);
    if (first) { showHistogram(first); table.select(first); }
    if (c.object_graph) renderObjectGraph(c.object_graph);
  }

  function renderFlags(T) {
    const flagged = T.filter((t) => t.flags.length);
    const count = (f) => T.filter((t) => t.flags.includes(f)).length;
    const s = section("flags", "Flagged tensors");
    s.setAttribute("data-flagged", flagged.length);
    s.setAttribute("data-nan", count("NaN"));
    s.setAttribute("data-pos-inf", count("+Inf"));
    s.setAttribute("data-neg-inf", count("-Inf"));
    s.setAttribute("data-all-zero", count("all-zero"));
    s.setAttribute("data-unread", count("unread"));
    if (!flagged.length) { s.append(el("p", { class: "muted", text: "No tensor holds a NaN or an infinity, none is all zeros, every one was read." })); return; }
    const ul = el("ul", { class: "flagged" });
    for (const t of flagged.slice(0, 500)) {
      ul.append(el("li", { "data-key": t.key, "data-flags": t.flags.join(" ") }, ...flagBadges(t), el("code", { text: t.key }),
        t.message ? el("span", { class: "bad", text: " " + t.message }) : null));
    }
    if (flagged.length > 500) ul.append(el("li", { class: "muted", text: `… and ${flagged.length - 500} more (the table shows all)` }));
    s.append(ul);
  }
  function flagBadges(t) {
    return t.flags.map((f) => el("span", { class: "flag" + (f === "all-zero" ? " zero" : f === "unread" ? " unread" : ""), text: f }));
  }

  // Squarified treemap (Bruls, Huizing, van Wijk): rows laid along the short side.
  function squarify(items, x, y, w, h) {
    const total = items.reduce((a, b) => a + b.value, 0);
    const out = [];
    if (total <= 0 || w <= 0 || h <= 0) return out;
    const scale = (w * h) / total;
    let rest = items.map((it) => ({ it, area: it.value * scale }));
    while (rest.length) {
      const short = Math.min(w, h);
      let row = [], sum = 0, worst = Infinity;
      for (const r of rest) {
        const s2 = sum + r.area, mx = Math.max(r.area, ...row.map((q) => q.area)), mn = Math.min(r.area, ...row.map((q) => q.area));
        const wNew = Math.max((short * short * mx) / (s2 * s2), (s2 * s2) / (short * short * mn));
        if (row.length && wNew > worst) break;
        row.push(r); sum = s2; worst = wNew;
      }
      rest = rest.slice(row.length);
      const thick = sum / short;
      let off = 0;
      for (const r of row) {
        const len = r.area / thick;
        if (w >= h) out.push({ it: r.it, x, y: y + off, w: thick, h: len });
        else out.push({ it: r.it, x: x + off, y, w: len, h: thick });
        off += len;
      }
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
    }
    return out;
  }

  function keyPath(key) {
    const a = key.indexOf("/.ATTRIBUTES/");
    const parts = (a >= 0 ? key.slice(0, a) : key).split("/").filter((p) => p.length);
    if (a >= 0) { const attr = key.slice(a + 13); if (attr !== "VARIABLE_VALUE") parts.push(attr); }
    return parts.length ? parts : [key];
  }

  function renderTreemap(c, T, onLeaf) {
    const root = { name: "all", parent: null, scopes: new Map(), leaves: [], bytes: 0, count: 0, roleBytes: {} };
    for (const t of T) {
      const parts = keyPath(t.key);
      let n = root;
      const add = (node) => { node.bytes += t.bytes; node.count += 1; node.roleBytes[t.role] = (node.roleBytes[t.role] || 0) + t.bytes; };
      add(n);
      for (const p of parts.slice(0, -1)) {
        let next = n.scopes.get(p);
        if (!next) { next = { name: p, parent: n, scopes: new Map(), leaves: [], bytes: 0, count: 0, roleBytes: {} }; n.scopes.set(p, next); }
        n = next; add(n);
      }
      t.leafName = parts[parts.length - 1];
      n.leaves.push(t);
    }
    const s = section("treemap-section", "Bytes by scope");
    s.append(el("p", { class: "muted", text: "Area is bytes, colour is role. Click a scope to zoom in, a tensor to see its histogram; the path above zooms out. Small items are drawn together, hatched." }));
    const legend = el("div", { class: "roles" });
    for (const r of ROLES) legend.append(el("span", {}, el("span", { class: "swatch", style: `background:var(--${r})` }), ROLE_NAMES[r]));
    s.append(legend);
    const crumbs = el("div", { class: "crumbs", id: "crumbs" });
    const box = el("div", { class: "treemap", id: "treemap", "data-total-bytes": c.bytes });
    s.append(crumbs, box);
    const K = 40, MIN_FRACTION = 0.002;
    let current = root;

    function dominant(n) {
      let best = "other", b = -1;
      for (const r of ROLES) if ((n.roleBytes[r] || 0) > b) { b = n.roleBytes[r] || 0; best = r; }
      return best;
    }
    function items(n) {
      const all = [];
      for (const sc of n.scopes.values()) all.push({ scope: sc, value: sc.bytes, count: sc.count });
      for (const t of n.leaves) all.push({ tensor: t, value: t.bytes, count: 1 });
      all.sort((a, b) => b.value - a.value);
      const kept = [], small = { small: true, value: 0, count: 0, items: 0 };
      for (const it of all) {
        if (kept.length < K && it.value >= MIN_FRACTION * n.bytes && it.value > 0) kept.push(it);
        else { small.value += it.value; small.count += it.count; small.items += 1; }
      }
      if (small.count) kept.push(small);
      return kept;
    }
    let drawnBytes = 0, drawn = 0;
    function draw(n, x, y, w, h, depth, parentEl) {
      for (const { it, x: rx, y: ry, w: rw, h: rh } of squarify(items(n), x, y, w, h)) {
        const style = `left:${rx}px;top:${ry}px;width:${Math.max(0, rw)}px;height:${Math.max(0, rh)}px`;
        drawn++;
        if (it.scope && depth < 2 && rw > 50 && rh > 36) {
          const d = el("div", { class: "tm scope", style, title: `${it.scope.name}: ${bytes(it.value)} in ${it.count} tensors`, onclick: (e) => { e.stopPropagation(); zoom(it.scope); } },
            el("span", { class: "tl", text: `${it.scope.name} · ${bytes(it.value)}` }));
          parentEl.append(d);
          draw(it.scope, 0, 14, rw - 2, rh - 16, depth + 1, d);
          continue;
        }
        let cls, label, title, click;
        if (it.small) {
          cls = "tm small " + dominant(n); label = `${it.items} more · ${it.count} tensor${it.count === 1 ? "" : "s"}`;
          title = `${it.items} smaller item${it.items === 1 ? "" : "s"} drawn together: ${it.count} tensor${it.count === 1 ? "" : "s"}, ${bytes(it.value)}`;
        } else if (it.scope) {
          cls = "tm leaf " + dominant(it.scope); label = it.scope.name; title = `${it.scope.name}/ … ${bytes(it.value)} in ${it.count} tensors`;
          click = () => zoom(it.scope);
        } else {
          const t = it.tensor;
          cls = "tm leaf " + t.role; label = t.leafName; title = `${t.key}\n${t.dtype} [${t.shape}] ${bytes(t.bytes)}`;
          click = () => onLeaf(t);
        }
        drawnBytes += it.value;
        parentEl.append(el("div", { class: cls, style, title, "data-bytes": it.value, "data-terminal": "1",
          onclick: click ? (e) => { e.stopPropagation(); click(); } : null, text: rw > 30 && rh > 12 ? label : "" }));
      }
    }
    function zoom(n) {
      current = n;
      box.textContent = "";
      drawnBytes = 0; drawn = 0;
      draw(n, 0, 0, box.clientWidth, box.clientHeight, 0, box);
      box.setAttribute("data-drawn-bytes", drawnBytes);
      box.setAttribute("data-rectangles", drawn);
      box.setAttribute("data-scope", pathOf(n).map((p) => p.name).join("/"));
      crumbs.textContent = "";
      pathOf(n).forEach((p, i, a) => {
        crumbs.append(i < a.length - 1 ? el("a", { text: p.name, onclick: () => zoom(p) }) : el("b", { text: p.name }));
        if (i < a.length - 1) crumbs.append(" / ");
      });
      crumbs.append(el("span", { class: "muted", text: ` — ${bytes(n.bytes)} in ${n.count} tensors` }));
    }
    function pathOf(n) { const a = []; for (let p = n; p; p = p.parent) a.unshift(p); return a; }
    zoom(root);
    let timer = 0;
    window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(() => zoom(current), 100); });
  }

  function renderHistogramPanel() {
    const s = section("hist-section", "Values");
    const panel = el("div", { class: "panel", id: "hist" }, el("p", { class: "muted", text: "Click a tensor (treemap or table) to see the histogram of its values." }));
    s.append(panel);
    return function show(t) {
      panel.textContent = "";
      panel.setAttribute("data-key", t.key);
      if (panel.scrollIntoView) panel.scrollIntoView({ block: "nearest" });
      panel.append(el("div", {}, el("code", { text: t.key }), " ", ...flagBadges(t)));
      panel.append(el("p", { class: "muted", text: `${t.dtype} [${t.shape}] · ${t.elements} elements · ${bytes(t.bytes)} · ${ROLE_NAMES[t.role]} · min ${num(t.min)} max ${num(t.max)} mean ${num(t.mean)} std ${num(t.std)}` +
        (t.nan + t.posInf + t.negInf ? ` · NaN ${t.nan}, +Inf ${t.posInf}, -Inf ${t.negInf}` : "") + ` · zeros ${t.zeros}` }));
      if (t.message) { panel.append(el("p", { class: "bad", text: t.message })); return; }
      if (!t.hist || !t.hist.length) { panel.append(el("p", { class: "muted", text: "No histogram: no finite numeric element." })); return; }
      const canvas = el("canvas", { width: 720, height: 200, "data-bins": t.hist.length, "data-count": t.hist.reduce((a, b) => a + b, 0) });
      panel.append(canvas);
      const ratio = window.devicePixelRatio || 1;
      const W = canvas.clientWidth || 720, H = 200;
      canvas.width = W * ratio; canvas.height = H * ratio;
      const g = canvas.getContext("2d");
      g.scale(ratio, ratio);
      const pad = 28, peak = Math.max(...t.hist), bw = (W - 2 * pad) / t.hist.length;
      g.fillStyle = getComputedStyle(document.documentElement).getPropertyValue("--" + t.role) || "#4e79a7";
      t.hist.forEach((v, i) => {
        const bh = peak ? ((H - 2 * pad) * v) / peak : 0;
        g.fillRect(pad + i * bw, H - pad - bh, Math.max(1, bw - 1), bh);
      });
      g.fillStyle = "#5f6b7a"; g.font = "11px system-ui, sans-serif";
      g.fillText(num(t.min), pad, H - 10);
      const right = num(t.max); g.fillText(right, W - pad - g.measureText(right).width, H - 10);
      g.fillText(`peak ${peak}`, pad, 14);
    };
  }

  function renderTable(T, onRow) {
    const s = section("table-section", "Tensors");
    const search = el("input", { id: "search", type: "search", placeholder: "Search keys (substring; /regex/)", autocomplete: "off" });
    const count = el("span", { class: "muted", id: "match-count" });
    s.append(el("div", { class: "toolbar" }, search, count));
    const cols = [
      ["key", "Key", (t) => t.key], ["role", "Role", (t) => t.role], ["dtype", "dtype", (t) => t.dtype],
      ["shape", "Shape", (t) => t.elements], ["bytes", "Bytes", (t) => t.bytes], ["min", "min", (t) => t.min],
      ["max", "max", (t) => t.max], ["mean", "mean", (t) => t.mean], ["std", "std", (t) => t.std],
    ];
    const head = el("div", { class: "grid thead" });
    const viewport = el("div", { class: "viewport", id: "tensor-viewport" });
    const rows = el("div", { class: "rows", id: "tensor-table", "data-total-rows": T.length });
    viewport.append(rows);
    s.append(head, viewport);
    let view = T.slice(), sortCol = -1, asc = true, selected = null;
    const H = 24;
    cols.forEach(([id, label], ci) => head.append(el("div", { "data-col": id, text: label, class: ci >= 3 && ci !== 1 ? "num" : "",
      onclick: () => { if (sortCol === ci) asc = !asc; else { sortCol = ci; asc = ci === 0; } apply(); } })));
    function cmp(a, b) {
      if (a === b) return 0;
      if (a === null || a === undefined) return 1;
      if (b === null || b === undefined) return -1;
      return (a < b ? -1 : 1) * (asc ? 1 : -1);
    }
    function apply() {
      const q = search.value.trim();
      let test = null;
      if (q.length > 2 && q.startsWith("/") && q.endsWith("/")) { try { const re = new RegExp(q.slice(1, -1), "i"); test = (k) => re.test(k); } catch (e) { test = null; } }
      if (!test && q) { const lq = q.toLowerCase(); test = (k) => k.toLowerCase().includes(lq); }
      view = test ? T.filter((t) => test(t.key)) : T.slice();
      if (sortCol >= 0) { const f = cols[sortCol][2]; view.sort((a, b) => cmp(f(a), f(b)) || a.i - b.i); }
      [...head.children].forEach((h, i) => { h.classList.toggle("sorted", i === sortCol); h.classList.toggle("asc", i === sortCol && asc); });
      rows.style.height = view.length * H + "px";
      rows.setAttribute("data-rows", view.length);
      count.textContent = `${view.length} of ${T.length} tensors`;
      paint();
    }
    function paint() {
      const first = Math.max(0, Math.floor(viewport.scrollTop / H) - 10);
      const last = Math.min(view.length, first + Math.ceil((viewport.clientHeight || 420) / H) + 20);
      rows.textContent = "";
      for (let r = first; r < last; r++) {
        const t = view[r];
        const row = el("div", { class: "grid row" + (t === selected ? " selected" : ""), style: `top:${r * H}px`, "data-key": t.key, onclick: () => { selected = t; onRow(t); paint(); } },
          el("div", { title: t.key }, ...flagBadges(t), t.key),
          el("div", {}, el("span", { class: "swatch", style: `background:var(--${t.role})` }), t.role),
          el("div", { text: t.dtype }), el("div", { class: "num", text: `[${t.shape}]` }), el("div", { class: "num", text: bytes(t.bytes) }),
          el("div", { class: "num", text: num(t.min) }), el("div", { class: "num", text: num(t.max) }),
          el("div", { class: "num", text: num(t.mean) }), el("div", { class: "num", text: num(t.std) }));
        rows.append(row);
      }
    }
    let frame = 0;
    viewport.addEventListener("scroll", () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; paint(); }); });
    search.addEventListener("input", apply);
    apply();
    return {
      select(t) {
        selected = t;
        const r = view.indexOf(t);
        if (r >= 0) viewport.scrollTop = Math.max(0, r * H - 4 * H);
        paint();
      },
    };
  }

  // A tree of <details> whose children are built when first opened.
  function lazyDetails(summary, attrs, fill) {
    const d = el("details", attrs || {}, el("summary", {}, ...summary));
    let filled = false;
    d.addEventListener("toggle", () => { if (d.open && !filled) { filled = true; fill(d); } });
    return d;
  }

  function renderObjectGraph(og) {
    const s = section("object-graph", "Object graph");
    s.append(el("p", { class: "muted", text: `${og.nodes.length} objects. Each attribute shows its full_name → checkpoint key.` }));
    const tree = el("div", { class: "tree", id: "object-tree" });
    s.append(tree);
    function node(id, name, depth) {
      const n = og.nodes[id];
      if (!n) return el("div", { class: "bad", text: `${name}: node ${id} is not in the graph` });
      const info = [el("b", { text: name }), el("span", { class: "badge", text: "#" + id })];
      if (n.attributes.length) info.push(el("span", { class: "badge", text: `${n.attributes.length} attribute${n.attributes.length === 1 ? "" : "s"}` }));
      if (n.children.length) info.push(el("span", { class: "badge", text: `${n.children.length} children` }));
      const d = lazyDetails(info, { "data-node": id }, (d) => {
        for (const [an, full, key] of n.attributes) {
          d.append(el("div", { class: "attr", "data-full-name": full, "data-checkpoint-key": key }, el("code", { text: an }), " full_name ", el("code", { text: full }), " → ", el("code", { text: key })));
        }
        for (const [orig, slot, slotNode] of n.slots) d.append(el("div", { class: "attr", text: `slot "${slot}" of node #${orig} → node #${slotNode}` }));
        if (depth > 64) { d.append(el("div", { class: "muted", text: "(deeper levels left out)" })); return; }
        for (const [cid, cname] of n.children) d.append(node(cid, cname, depth + 1));
      });
      return d;
    }
    const r = node(0, "(root)", 0);
    tree.append(r);
    r.open = true;
  }

  // MARK: graph

  function renderGraph(g) {
    const s = section("graph-" + g.index, g.title);
    s.classList.add("graph");
    const info = el("table", { class: "plain" });
    const line = (k, v) => info.append(el("tr", {}, el("th", { text: k }), el("td", {}, v)));
    line("tags", g.summary.tags.join(", ") || "(none)");
    line("TensorFlow", `${g.summary.tensorflow_version || "?"} (graph producer ${g.summary.graph_producer})`);
    line("nodes", `${g.summary.node_count} nodes, ${g.summary.function_count} library functions`);
    line("most used ops", g.summary.ops.slice(0, 12).map((o) => `${o.op} ×${o.count}`).join(", "));
    s.append(info);

    // Devices.
    const devices = new Map();
    for (const [, , dev] of g.nodes) devices.set(dev, (devices.get(dev) || 0) + 1);
    s.append(el("h2", { text: "Device placement" }));
    const dt = el("table", { class: "plain", id: `devices-${g.index}` }, el("tr", {}, el("th", { text: "device" }), el("th", { text: "nodes" })));
    for (const [dev, n] of [...devices.entries()].sort((a, b) => b[1] - a[1])) dt.append(el("tr", { "data-device": dev }, el("td", {}, dev ? el("span", { class: "badge device", text: dev }) : "(not pinned)"), el("td", { class: "num", text: n })));
    s.append(dt);

    // Scopes.
    const root = { name: "", scopes: new Map(), nodes: [], count: 0, devices: new Set() };
    for (const nd of g.nodes) {
      const parts = nd[0].split("/");
      let n = root;
      n.count++; if (nd[2]) n.devices.add(nd[2]);
      for (const p of parts.slice(0, -1)) {
        let next = n.scopes.get(p);
        if (!next) { next = { name: p, scopes: new Map(), nodes: [], count: 0, devices: new Set() }; n.scopes.set(p, next); }
        n = next; n.count++; if (nd[2]) n.devices.add(nd[2]);
      }
      n.nodes.push(nd);
    }
    s.append(el("h2", { text: "Scopes" }));
    s.append(el("p", { class: "muted", text: "Each scope with the number of ops under it; devices pinned under it in yellow." }));
    const tree = el("div", { class: "tree", id: `scopes-${g.index}`, "data-ops": root.count });
    function scope(n, label) {
      const sum = [el("b", { text: label }), el("span", { class: "badge", text: `${n.count} op${n.count === 1 ? "" : "s"}` })];
      for (const d of [...n.devices].slice(0, 4)) sum.push(el("span", { class: "badge device", text: d }));
      return lazyDetails(sum, { "data-scope": label, "data-ops": n.count }, (d) => {
        for (const [name, sc] of [...n.scopes.entries()].sort()) d.append(scope(sc, name));
        const LIMIT = 2000;
        if (n.nodes.length > LIMIT) d.append(el("div", { class: "muted", text: `${n.nodes.length} ops here; the first ${LIMIT} are listed` }));
        for (const [name, op, dev] of n.nodes.slice(0, LIMIT)) {
          const own = n.scopes.has(name.split("/").pop());
          if (own) continue;
          d.append(el("div", { class: "attr" }, el("code", { text: name.split("/").pop() }), " ", el("span", { class: "badge", text: op }), dev ? el("span", { class: "badge device", text: dev }) : null));
        }
        for (const [name, op, dev] of n.nodes.slice(0, LIMIT)) {
          if (!n.scopes.has(name.split("/").pop())) continue;
          d.append(el("div", { class: "attr" }, el("code", { text: name.split("/").pop() }), " ", el("span", { class: "badge", text: op }), " (also a scope)", dev ? el("span", { class: "badge device", text: dev }) : null));
        }
      });
    }
    const top = scope(root, "(graph)");
    tree.append(top);
    top.open = true;
    s.append(tree);

    // Variables.
    s.append(el("h2", { text: `Variables (${g.variables.length})` }));
    const deviceOf = new Map(g.nodes.map((n) => [n[0], n[2]]));
    const vt = el("table", { class: "plain", id: `variables-${g.index}` }, el("tr", {}, ...["name", "op", "dtype", "shape", "trainable", "collections", "device"].map((h) => el("th", { text: h }))));
    for (const v of g.variables) {
      vt.append(el("tr", { "data-variable": v.name }, el("td", {}, el("code", { text: v.name })), el("td", { text: v.op }), el("td", { text: v.dtype }),
        el("td", { text: v.shape ? `[${v.shape}]` : "?" }), el("td", { text: v.trainable ? "yes" : "no" }), el("td", { text: v.collections.join(", ") }),
        el("td", { text: deviceOf.get(v.op_name) || "" })));
    }
    s.append(vt);

    // Saver.
    s.append(el("h2", { text: "Saver" }));
    const sv = g.saver;
    if (!sv.saver) s.append(el("p", { class: "muted", text: "No SaverDef." }));
    else {
      const st = el("table", { class: "plain", id: `saver-${g.index}` });
      for (const [k, v] of Object.entries(sv.saver)) st.append(el("tr", {}, el("th", { text: k }), el("td", { text: String(v) })));
      st.append(el("tr", {}, el("th", { text: "scope" }), el("td", { text: sv.scope })));
      st.append(el("tr", {}, el("th", { text: "ops" }), el("td", { text: Object.entries(sv.ops).map(([k, v]) => `${k} ×${v}`).join(", ") })));
      st.append(el("tr", {}, el("th", { text: "check" }), el("td", { class: sv.ok ? "" : "bad", text: sv.ok ? "usable" : sv.problems.map((p) => `${p.code}: ${p.message}`).join("; ") })));
      s.append(st);
      s.append(el("p", {}, `Restores ${g.restores.length} variable${g.restores.length === 1 ? "" : "s"} (assigned by its restore ops):`));
      const ul = el("ul", { id: `restores-${g.index}` });
      for (const r of g.restores) ul.append(el("li", {}, el("code", { text: r })));
      s.append(ul);
    }

    // Collections and signatures.
    s.append(el("h2", { text: `Collections (${g.summary.collections.length})` }));
    const ct = el("table", { class: "plain" }, el("tr", {}, el("th", { text: "name" }), el("th", { text: "kind" }), el("th", { text: "items" })));
    for (const c of g.summary.collections) ct.append(el("tr", {}, el("td", {}, el("code", { text: c.name })), el("td", { text: c.kind }), el("td", { class: "num", text: c.count })));
    s.append(ct);
    s.append(el("h2", { text: `Signatures (${g.summary.signatures.length})` }));
    for (const sig of g.summary.signatures) {
      const io = (xs) => xs.map((x) => `${x.key}: ${x.name} ${x.dtype}${x.shape ? " [" + x.shape + "]" : ""}`).join("\n");
      s.append(el("div", { class: "panel" }, el("b", { text: sig.key }), el("span", { class: "muted", text: " " + sig.method_name }),
        el("pre", { class: "mono", text: "inputs:\n" + io(sig.inputs) + "\noutputs:\n" + io(sig.outputs) })));
    }
  }
})();
