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
        .legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 10px}
        .legend span{display:inline-flex;align-items:center;gap:5px}
        .gap{fill:#f3d9d9}
        .gaplabel{font-size:11px;fill:#b00}
        .label{font-size:12px;fill:#666}
        </style>
        </head>
        <body>
        <h1>kelvin-cloud desk <span id="status">connecting…</span></h1>
        <div class="legend note">
        <span><svg class="legend" width="10" height="10"><circle class="pt" cx="5" cy="5" r="3"/></svg> arrived on time</span>
        <span><svg class="legend" width="44" height="12"><circle class="pt late" cx="5" cy="6" r="3"/><line class="lag" x1="9" y1="6" x2="38" y2="6"/><rect class="arrival" x="38" y="1" width="2" height="10"/></svg> late: created … arrived</span>
        <span><svg class="legend" width="14" height="14"><circle class="dup" cx="7" cy="7" r="5"/></svg> same messageId again</span>
        <span><svg class="legend" width="14" height="12"><rect class="gap" x="0" y="0" width="14" height="12"/></svg> nothing arrived</span>
        </div>

        <section><h2>Readings</h2><div id="devices"><p class="note">no telemetry yet</p></div></section>
        <section>
        <h2>Break things</h2>
        <form id="outage">Outage of <select name="hub"><option value="">every hub</option></select>
        for <input name="seconds" type="number" min="0" max="86400" value="30"> s <button>Start outage</button></form>
        <form id="throttle">Throttle <select name="route"><option>register</option><option>operationStatus</option>
        <option>registrationStatus</option><option selected>telemetry</option></select>
        next <input name="count" type="number" min="1" max="10000" value="3"> requests, Retry-After
        <input name="retryAfterSeconds" type="number" min="0" max="3600" value="2"> s <button>Throttle</button></form>
        <form id="fault">Next <select name="route"><option>register</option><option>operationStatus</option>
        <option>registrationStatus</option><option selected>telemetry</option></select> request:
        <select name="fault"><option value="respond">answer with status</option><option>closeMidBody</option>
        <option>closeBeforeResponding</option><option>stall</option><option>garbage</option></select>
        <input name="status" type="number" min="100" max="599" value="500"> <button>Add fault step</button></form>
        <form id="clear"><button>Clear faults</button> <span id="pending" class="note"></span></form>
        <div id="result" class="note"></div>
        </section>

        <section><h2>Hubs</h2><div id="hubs"></div><h3>Recent refusals</h3><div id="refusals"></div></section>
        <section><h2>DPS</h2><div id="traffic"></div><h3>Registrations</h3><div id="registrations"></div></section>

        <script>
        "use strict";
        // Polling rather than server-sent events: each admin route answers at once and holds no
        // stream open, the page needs six of them anyway, and `after=` makes a poll of messages
        // carry only what is new, so once a second costs a Pi 4's browser next to nothing.
        const POLL_MS = 1000;
        // A reading that reaches the hub this long after it was taken waited in a backlog.
        const LATE_MS = 10000;
        // No arrival for this long (or three of the usual spacings, if longer) is drawn as a gap.
        const GAP_MS = 5000;
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
          const s = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart", "data-metric": metric});
          const arrivals = pts.map(p => p.received).sort((a, b) => a - b);
          const spacings = arrivals.slice(1).map((t, i) => t - arrivals[i]).sort((a, b) => a - b);
          const usual = spacings.length ? spacings[Math.floor(spacings.length / 2)] : 0;
          for (let i = 1; i < arrivals.length; i++) {
            const silence = arrivals[i] - arrivals[i - 1];
            if (silence <= Math.max(GAP_MS, 3 * usual)) continue;
            const seconds = Math.round(silence / 1000);
            const band = svg("rect", {class: "gap", x: x(arrivals[i - 1]), y: T, height: H - T - B,
              width: (x(arrivals[i]) - x(arrivals[i - 1])).toFixed(1), "data-seconds": seconds}, s);
            svg("title", {}, band).textContent = `no reading arrived for ${seconds} s (${time(arrivals[i - 1])}–${time(arrivals[i])})`;
            svg("text", {class: "gaplabel", x: (+x(arrivals[i - 1]) + 3).toFixed(1), y: T + 11}, s).textContent = `nothing arrived ${seconds} s`;
          }
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
            const block = el("div", undefined, "device");
            block.dataset.deviceId = id;
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

        function renderHubs(hubs, registry, exchanges) {
          const traffic = (name, field) => exchanges.routes.filter(r => r.service === name).reduce((n, r) => n + r[field], 0);
          table($("hubs"), ["hub", "address", "TLS", "open connections", "requests answered", "refused", "devices"],
            hubs.map(h => [h.name, h.assignedHub, h.tls, h.openConnections, traffic(h.name, "answered"), traffic(h.name, "refused"),
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

        function renderTraffic(exchanges) {
          table($("traffic"), ["request", "answered", "refused", "of which throttled (429)"],
            exchanges.routes.filter(r => r.service === "dps").map(r => [r.route, r.answered, r.refused, r.throttled]));
          table($("refusals"), ["at", "service", "route", "device or registration", "outcome", "error code"],
            exchanges.recentRefusals.slice(0, 12).map(r => [time(Date.parse(r.at)), r.service, r.route, r.subject, r.outcome, r.errorCode]));
        }

        function renderFaults(faults) {
          const outages = faults.outages.map(o => `outage of ${o.hub || "every hub"} until ${time(Date.parse(o.until))}`);
          $("pending").textContent = [faults.pendingSteps + " fault steps pending", ...outages].join(" · ");
        }

        function renderRegistrations(records) {
          table($("registrations"), ["registration", "device", "status", "hub", "substatus", "error", "group", "updated"],
            records.map(r => [r.registrationId, r.deviceId, r.status, r.assignedHub, r.substatus, r.errorCode,
              r.enrollmentGroupId, r.lastUpdatedDateTimeUtc]));
        }

        async function poll() {
          if (!document.hidden) {
            try {
              const [hubs, registry, records, faults, exchanges, news] = await Promise.all([
                getJSON("/admin/hubs"), getJSON("/admin/devices"), getJSON("/admin/registrations"),
                getJSON("/admin/faults"), getJSON("/admin/exchanges"), getJSON("/admin/messages?after=" + cursor)]);
              // A restarted emulator numbers from 1 again: start over rather than wait for it to catch up.
              if (news.latestSequence < cursor) {
                devices.clear(); cursor = 0; drawn = "";
                $("devices").replaceChildren(el("p", "no telemetry yet", "note"));
              }
              else { ingest(news.messages); cursor = news.latestSequence; }
              renderHubs(hubs, registry, exchanges);
              renderRegistrations(records);
              renderTraffic(exchanges);
              renderDevices(registry);
              renderFaults(faults);
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
        $("fault").addEventListener("submit", e => {
          e.preventDefault();
          const step = {fault: e.target.elements.fault.value};
          if (step.fault === "respond") step.status = number(e.target, "status");
          send("POST", "/admin/faults", {route: e.target.elements.route.value, steps: [step]});
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
