/// The desk: the page `GET /` on the admin listener serves, to watch the readings arrive and to
/// break things with a click at a bench.
///
/// Every byte of it is in this string: a bench Pi may have no internet, and a page that fetches
/// nothing from elsewhere has nothing elsewhere to break it or to see what it shows.
enum DeskPage {
    static var response: CloudResponse {
        CloudResponse(
            status: 200,
            headers: [
                HTTPHeaderField(name: "Content-Type", value: "text/html; charset=utf-8"),
                // The browser itself then refuses any request to another host, and refuses to
                // show the page in another site's frame, where its buttons could be clicked by
                // someone who cannot see them.
                HTTPHeaderField(name: "Content-Security-Policy", value: contentSecurityPolicy),
                HTTPHeaderField(name: "X-Content-Type-Options", value: "nosniff"),
                HTTPHeaderField(name: "Cache-Control", value: "no-store"),
            ],
            body: Array(html.utf8)
        )
    }

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>kelvin-cloud desk</title>
        <link rel="icon" href="data:,">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:12px;background:#f5f5f2;color:#222}
        h1{font-size:18px;margin:0 0 8px}
        h2{font-size:15px;margin:0 0 6px}
        h3{font-size:14px;margin:10px 0 2px}
        section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin-bottom:12px}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
        form{display:inline-flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 18px 4px 0}
        input[type=number]{width:5em}
        #status{font-weight:normal;font-size:13px;color:#2a7d2a}
        #status.down,.bad{color:#b00}
        .note{color:#666;font-size:12px}
        svg.chart{width:100%;max-width:900px;height:auto;display:block}
        .line{fill:none;stroke:#2a6fdb;stroke-width:1.5}
        .pt{fill:#2a6fdb}
        .pt.late{fill:#fff;stroke:#d97a00;stroke-width:2}
        .lag{stroke:#d97a00;stroke-dasharray:3 3}
        .arrival{fill:#d97a00}
        .dup{fill:none;stroke:#c00;stroke-width:2}
        .axis{stroke:#aaa}
        .label{font-size:12px;fill:#666}
        </style>
        </head>
        <body>
        <h1>kelvin-cloud desk <span id="status">connecting…</span></h1>
        <svg class="legend" width="460" height="20" aria-label="legend">
        <circle class="pt" cx="8" cy="10" r="3"/><text class="label" x="16" y="14">arrived on time</text>
        <circle class="pt late" cx="110" cy="10" r="3"/><line class="lag" x1="114" y1="10" x2="140" y2="10"/>
        <rect class="arrival" x="140" y="5" width="2" height="10"/><text class="label" x="148" y="14">late: created ○ … arrived ▮</text>
        <circle class="dup" cx="300" cy="10" r="6"/><text class="label" x="310" y="14">same messageId again</text>
        </svg>

        <section>
        <h2>Break things</h2>
        <form id="outage">Outage of <select name="hub"><option value="">every hub</option></select>
        for <input name="seconds" type="number" min="0" max="86400" value="30"> s <button>Start outage</button></form>
        <form id="throttle">Throttle <select name="route"><option>register</option><option>operationStatus</option>
        <option>registrationStatus</option><option selected>telemetry</option></select>
        next <input name="count" type="number" min="1" max="10000" value="3"> requests, Retry-After
        <input name="retryAfterSeconds" type="number" min="0" max="3600" value="2"> s <button>Throttle</button></form>
        <form id="clear"><button>Clear faults</button> <span id="pending" class="note"></span></form>
        <div id="result" class="note"></div>
        </section>

        <section><h2>Hubs</h2><div id="hubs"></div></section>
        <section><h2>DPS registrations</h2><div id="registrations"></div></section>
        <section><h2>Readings</h2><div id="devices"><p class="note">no telemetry yet</p></div></section>

        <script>
        "use strict";
        // Polling rather than server-sent events: each admin route answers at once and holds no
        // stream open, the page needs five of them anyway, and `after=` makes a poll of messages
        // carry only what is new, so once a second costs a Pi 4's browser next to nothing.
        const POLL_MS = 1000;
        // A reading that reaches the hub this long after it was taken waited in a backlog.
        const LATE_MS = 10000;
        // Older points fall off so that a long session does not slow the page down.
        const KEEP_POINTS = 300;
        const KEEP_IDS = 5000;
        const METRICS = [["temperature", "°C"], ["humidity", "%"], ["pressure", "hPa"]];
        // Taken from the legend rather than spelled out, so the page holds no address at all.
        const SVG_NS = document.querySelector("svg.legend").namespaceURI;

        let cursor = 0;
        const devices = new Map();
        // Charts are redrawn only when something they show changed, not on every poll.
        let drawn = "";
        const $ = id => document.getElementById(id);

        function el(tag, text, cls) {
          const e = document.createElement(tag);
          if (text !== undefined) e.textContent = String(text);
          if (cls) e.className = cls;
          return e;
        }

        function svg(tag, attrs, parent) {
          const e = document.createElementNS(SVG_NS, tag);
          for (const name in attrs) e.setAttribute(name, attrs[name]);
          if (parent) parent.appendChild(e);
          return e;
        }

        function table(container, headings, rows) {
          if (!rows.length) { container.replaceChildren(el("p", "none", "note")); return; }
          const t = el("table");
          const head = t.createTHead().insertRow();
          for (const h of headings) head.appendChild(el("th", h));
          const body = t.createTBody();
          for (const row of rows) {
            const tr = body.insertRow();
            for (const cell of row) tr.insertCell().textContent = cell == null ? "—" : String(cell);
          }
          container.replaceChildren(t);
        }

        async function getJSON(path) {
          const r = await fetch(path, {cache: "no-store"});
          const body = await r.json();
          if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
          return body;
        }

        function property(properties, name) {
          for (const key in properties || {}) if (key.toLowerCase() === name) return properties[key];
          return undefined;
        }

        function ingest(messages) {
          for (const m of messages) {
            let d = devices.get(m.deviceId);
            if (!d) { d = {points: [], seen: new Set(), late: 0, duplicates: 0, hub: m.hub}; devices.set(m.deviceId, d); }
            const received = Date.parse(m.receivedAt);
            const stamp = Date.parse(property(m.properties, "iothub-creation-time-utc"));
            const created = isNaN(stamp) ? received : stamp;
            let values = {};
            try { const parsed = JSON.parse(m.body); if (parsed && typeof parsed === "object") values = parsed; } catch (e) {}
            const duplicate = m.messageId != null && d.seen.has(m.messageId);
            if (m.messageId != null) {
              d.seen.add(m.messageId);
              if (d.seen.size > KEEP_IDS) d.seen.delete(d.seen.values().next().value);
            }
            const late = received - created > LATE_MS;
            if (duplicate) d.duplicates++;
            if (late) d.late++;
            d.hub = m.hub;
            d.points.push({created, received, values, id: m.messageId, duplicate, late});
            if (d.points.length > KEEP_POINTS) d.points.splice(0, d.points.length - KEEP_POINTS);
          }
        }

        function time(t) { return new Date(t).toLocaleTimeString(); }

        function chart(points, metric, unit) {
          const pts = points.filter(p => typeof p.values[metric] === "number").sort((a, b) => a.created - b.created);
          if (!pts.length) return null;
          const W = 900, H = 150, L = 66, R = 8, T = 8, B = 18;
          let t0 = Infinity, t1 = -Infinity, v0 = Infinity, v1 = -Infinity;
          for (const p of pts) {
            t0 = Math.min(t0, p.created); t1 = Math.max(t1, p.created, p.received);
            v0 = Math.min(v0, p.values[metric]); v1 = Math.max(v1, p.values[metric]);
          }
          if (t1 - t0 < 60000) t0 = t1 - 60000;
          if (v1 - v0 < 1) { const mid = (v0 + v1) / 2; v0 = mid - 0.5; v1 = mid + 0.5; }
          const x = t => (L + (t - t0) / (t1 - t0) * (W - L - R)).toFixed(1);
          const y = v => (T + (v1 - v) / (v1 - v0) * (H - T - B)).toFixed(1);
          const s = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart"});
          svg("line", {class: "axis", x1: L, y1: T, x2: L, y2: H - B}, s);
          svg("line", {class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B}, s);
          svg("text", {class: "label", x: 2, y: T + 8}, s).textContent = v1.toFixed(1) + " " + unit;
          svg("text", {class: "label", x: 2, y: H - B}, s).textContent = v0.toFixed(1) + " " + unit;
          svg("text", {class: "label", x: L, y: H - 4}, s).textContent = time(t0);
          svg("text", {class: "label", x: W - R, y: H - 4, "text-anchor": "end"}, s).textContent = time(t1) + " (creation time)";
          svg("polyline", {class: "line", points: pts.map(p => x(p.created) + "," + y(p.values[metric])).join(" ")}, s);
          for (const p of pts) {
            const px = x(p.created), py = y(p.values[metric]);
            if (p.late) {
              svg("line", {class: "lag", x1: px, y1: py, x2: x(p.received), y2: py}, s);
              svg("rect", {class: "arrival", x: x(p.received) - 1, y: py - 5, width: 2, height: 10}, s);
            }
            const dot = svg("circle", {class: p.late ? "pt late" : "pt", cx: px, cy: py, r: 3}, s);
            if (p.duplicate) svg("circle", {class: "dup", cx: px, cy: py, r: 6}, s);
            const lag = ((p.received - p.created) / 1000).toFixed(1);
            svg("title", {}, dot).textContent =
              `${metric} ${p.values[metric]} ${unit}\ncreated ${time(p.created)}\narrived ${time(p.received)} (+${lag} s)` +
              `\nmessageId ${p.id == null ? "none" : p.id}${p.duplicate ? " (duplicate)" : ""}`;
          }
          return s;
        }

        function renderDevices(registry) {
          const state = cursor + "|" + registry.map(d => d.deviceId + d.enabled).join(",");
          if (!devices.size || state === drawn) return;
          drawn = state;
          const container = $("devices");
          const blocks = [];
          for (const [id, d] of [...devices].sort((a, b) => a[0].localeCompare(b[0]))) {
            const block = el("div");
            const entry = registry.find(r => r.deviceId === id);
            block.appendChild(el("h3", id + (entry && !entry.enabled ? " (disabled)" : "")));
            const last = d.points[d.points.length - 1];
            const latest = METRICS.filter(([m]) => typeof last.values[m] === "number")
              .map(([m, unit]) => `${m} ${last.values[m]} ${unit}`).join(", ");
            block.appendChild(el("div",
              `hub ${d.hub} · ${d.points.length} readings shown · ${d.late} late · ${d.duplicates} duplicates` +
              ` · last arrived ${time(last.received)}${latest ? " · " + latest : ""}`, "note"));
            let charts = 0;
            for (const [metric, unit] of METRICS) {
              const c = chart(d.points, metric, unit);
              if (c) { block.appendChild(c); charts++; }
            }
            if (!charts) block.appendChild(el("p", "no numeric temperature, humidity or pressure in these bodies", "note"));
            blocks.push(block);
          }
          container.replaceChildren(...blocks);
        }

        function renderHubs(hubs, registry) {
          table($("hubs"), ["hub", "address", "TLS", "open connections", "devices"],
            hubs.map(h => [h.name, h.assignedHub, h.tls, h.openConnections,
              registry.filter(d => d.hub === h.name).map(d => d.deviceId + (d.enabled ? "" : " (disabled)")).join(", ")]));
          const select = document.querySelector("#outage select");
          const names = hubs.map(h => h.name);
          const current = [...select.options].slice(1).map(o => o.value);
          if (names.join("\n") !== current.join("\n")) {
            const chosen = select.value;
            select.replaceChildren(el("option", "every hub"));
            select.options[0].value = "";
            for (const name of names) select.appendChild(el("option", name));
            select.value = names.includes(chosen) ? chosen : "";
          }
        }

        function renderRegistrations(records) {
          table($("registrations"), ["registration", "device", "status", "hub", "substatus", "error", "group", "updated"],
            records.map(r => [r.registrationId, r.deviceId, r.status, r.assignedHub, r.substatus, r.errorCode,
              r.enrollmentGroupId, r.lastUpdatedDateTimeUtc]));
        }

        async function poll() {
          if (!document.hidden) {
            try {
              const [hubs, registry, records, faults, news] = await Promise.all([
                getJSON("/admin/hubs"), getJSON("/admin/devices"), getJSON("/admin/registrations"),
                getJSON("/admin/faults"), getJSON("/admin/messages?after=" + cursor)]);
              // A restarted emulator numbers from 1 again: start over rather than wait for it to catch up.
              if (news.latestSequence < cursor) {
                devices.clear(); cursor = 0; drawn = "";
                $("devices").replaceChildren(el("p", "no telemetry yet", "note"));
              }
              else { ingest(news.messages); cursor = news.latestSequence; }
              renderHubs(hubs, registry);
              renderRegistrations(records);
              renderDevices(registry);
              $("pending").textContent = faults.pendingSteps + " fault steps pending";
              $("status").textContent = `live · ${cursor} messages so far · ${news.duplicates} duplicates held`;
              $("status").className = "";
            } catch (e) {
              $("status").textContent = "admin API not answering (" + e.message + ")";
              $("status").className = "down";
            }
          }
          setTimeout(poll, POLL_MS);
        }

        async function send(method, path, body) {
          const result = $("result");
          try {
            const init = {method, headers: {"Content-Type": "application/json"}};
            if (body) init.body = JSON.stringify(body);
            const r = await fetch(path, init);
            const text = await r.text();
            result.textContent = `${time(Date.now())} ${method} ${path} → ${r.status} ${text}`;
            result.className = r.ok ? "note" : "bad";
          } catch (e) {
            result.textContent = `${method} ${path} failed: ${e.message}`;
            result.className = "bad";
          }
        }

        function number(form, name) { return Number(form.elements[name].value); }

        $("outage").addEventListener("submit", e => {
          e.preventDefault();
          const body = {seconds: number(e.target, "seconds")};
          if (e.target.elements.hub.value) body.hub = e.target.elements.hub.value;
          send("POST", "/admin/outage", body);
        });
        $("throttle").addEventListener("submit", e => {
          e.preventDefault();
          send("POST", "/admin/throttle", {route: e.target.elements.route.value,
            count: number(e.target, "count"), retryAfterSeconds: number(e.target, "retryAfterSeconds")});
        });
        $("clear").addEventListener("submit", e => {
          e.preventDefault();
          send("DELETE", "/admin/faults");
        });

        poll();
        </script>
        </body>
        </html>
        """#
}
