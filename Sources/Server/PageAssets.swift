/// The pages the HTTP port serves (`docs/http.md`): two static HTML shells, their script and their stylesheet.
/// No build step and nothing outside the machine: the shells load `/assets/seatd.css` and `/assets/seatd.js`,
/// and the script draws everything from `/api/*` and `/sessions/<id>/events`. Edit the text below directly;
/// `Tests/Browser/mock_server.py` reads these literals back out for the browser test's mock server.
enum PageAssets {
    /// The form both pages show on a 401: the token is kept in the tab's session storage (`docs/http.md`, Auth).
    static let tokenForm: String = #"""
        <form id="token-form" class="token" hidden>
          <label for="token">This server needs a token (reader role or above).</label>
          <input id="token" name="token" type="password" autocomplete="off" required>
          <button type="submit">Use token</button>
          <span id="token-refused" class="error" hidden>That token was refused; try another.</span>
        </form>
        """#

    /// `GET /`: the halls and sessions with their counts, refreshed every few seconds.
    static let index: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>seatd</title>
        <link rel="stylesheet" href="/assets/seatd.css">
        <script src="/assets/seatd.js" defer></script>
        </head>
        <body data-page="index">
        <header class="top">
          <a class="brand" href="/">seatd</a>
          <h1>Halls and sessions</h1>
          <span id="status" class="status">loading&hellip;</span>
        </header>
        \#(tokenForm)
        <main>
          <section>
            <h2>Sessions</h2>
            <table class="list">
              <thead>
                <tr><th>session</th><th>hall</th><th class="n">free</th><th class="n">held</th><th class="n">sold</th>
                  <th class="n">blocked</th><th class="n">reserved</th><th>sale</th></tr>
              </thead>
              <tbody id="sessions"></tbody>
            </table>
            <p id="no-sessions" class="quiet" hidden>No sessions yet.</p>
          </section>
          <section>
            <h2>Halls</h2>
            <table class="list">
              <thead><tr><th>hall</th><th class="n">seats and places</th></tr></thead>
              <tbody id="halls"></tbody>
            </table>
            <p id="no-halls" class="quiet" hidden>No halls yet.</p>
          </section>
          <p id="error" class="error" hidden></p>
        </main>
        </body>
        </html>
        """#

    /// `GET /sessions/<id>`: the live seat map of one session (the script reads the id from the path).
    static let session: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>seatd session</title>
        <link rel="stylesheet" href="/assets/seatd.css">
        <script src="/assets/seatd.js" defer></script>
        </head>
        <body data-page="session" data-seq="0" data-reconnects="0" data-live="0" data-reloads="0">
        <header class="top">
          <a class="brand" href="/">seatd</a>
          <h1 id="title">Session</h1>
          <span id="status" class="status">loading&hellip;</span>
        </header>
        \#(tokenForm)
        <main>
          <p id="counts" class="counts">
            <span class="count" data-count="free">free <b>0</b></span>
            <span class="count" data-count="held">held <b>0</b></span>
            <span class="count" data-count="sold">sold <b>0</b></span>
            <span class="count" data-count="blocked">blocked <b>0</b></span>
            <span class="count" data-count="reserved">reserved <b>0</b></span>
          </p>
          <section class="house">
            <div class="stage">stage</div>
            <div id="map" class="map"></div>
          </section>
          <section id="areas" class="areas"></section>
          <section id="legend" class="legend"></section>
          <p id="error" class="error" hidden></p>
        </main>
        </body>
        </html>
        """#

    /// `GET /assets/seatd.css`.
    static let style: String = #"""
        /* seatd's pages: one stylesheet, no fonts or images from elsewhere. */
        :root {
          --ink: #1f2430;
          --quiet: #6b7280;
          --line: #d9dde3;
          --paper: #f6f7f9;
          --card: #ffffff;
          --accent: #2f6fde;
          --free: #3aa675;
          --held: #f2a93b;
          --sold: #8a919c;
          --blocked: #2b2f36;
          --reserved: #8b5cf6;
          --seat: 1.6rem;
          --gap: 0.2rem;
        }

        * { box-sizing: border-box; }

        body {
          margin: 0;
          background: var(--paper);
          color: var(--ink);
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        }

        a { color: var(--accent); }

        .top {
          display: flex;
          align-items: baseline;
          gap: 1rem;
          padding: 0.8rem 1.5rem;
          background: var(--card);
          border-bottom: 1px solid var(--line);
        }
        .top h1 { flex: 1; margin: 0; font-size: 1.2rem; font-weight: 600; }
        .brand { font-weight: 700; text-decoration: none; letter-spacing: 0.02em; }

        .status { font-size: 0.85rem; color: var(--quiet); white-space: nowrap; }
        .status::before {
          content: "";
          display: inline-block;
          width: 0.6rem;
          height: 0.6rem;
          margin-right: 0.4rem;
          border-radius: 50%;
          background: var(--line);
        }
        .status.live::before { background: var(--free); }
        .status.down::before { background: #d64545; }

        main { padding: 1rem 1.5rem 2rem; }
        h2 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
        .quiet { color: var(--quiet); }
        .error { color: #b42318; }

        .token {
          display: flex;
          flex-wrap: wrap;
          align-items: center;
          gap: 0.6rem;
          margin: 1rem 1.5rem 0;
          padding: 0.8rem 1rem;
          background: #fff8e6;
          border: 1px solid #f0d9a0;
          border-radius: 6px;
        }
        .token[hidden] { display: none; }
        .token input { min-width: 16rem; padding: 0.3rem 0.5rem; font: inherit; }
        .token button { padding: 0.3rem 0.8rem; font: inherit; cursor: pointer; }

        /* The index page. */
        table.list { border-collapse: collapse; background: var(--card); min-width: 32rem; }
        table.list th,
        table.list td { padding: 0.35rem 0.8rem; border-bottom: 1px solid var(--line); text-align: left; }
        table.list th { font-size: 0.8rem; color: var(--quiet); font-weight: 600; }
        table.list .n { text-align: right; font-variant-numeric: tabular-nums; }
        .sale {
          display: flex;
          width: 10rem;
          height: 0.6rem;
          border-radius: 3px;
          overflow: hidden;
          background: var(--line);
        }

        /* Bars: the index's sale bars and the session's GA areas. */
        .seg { height: 100%; }
        .seg.free { background: var(--free); }
        .seg.held { background: var(--held); }
        .seg.sold { background: var(--sold); }
        .seg.blocked { background: var(--blocked); }
        .seg.reserved { background: var(--reserved); }

        /* The session page: counts, the seat map, GA areas, the legend. */
        .counts { display: flex; flex-wrap: wrap; gap: 1.2rem; margin: 0 0 1rem; font-variant-numeric: tabular-nums; }
        .count::before {
          content: "";
          display: inline-block;
          width: 0.7rem;
          height: 0.7rem;
          margin-right: 0.35rem;
          border-radius: 2px;
          vertical-align: -0.05rem;
        }
        .count[data-count="free"]::before { background: var(--free); }
        .count[data-count="held"]::before { background: var(--held); }
        .count[data-count="sold"]::before { background: var(--sold); }
        .count[data-count="blocked"]::before { background: var(--blocked); }
        .count[data-count="reserved"]::before { background: #fff; border: 2px dashed var(--reserved); }

        .house {
          display: inline-block;
          max-width: 100%;
          overflow-x: auto;
          padding: 1rem;
          background: var(--card);
          border: 1px solid var(--line);
          border-radius: 8px;
        }
        .stage {
          margin: 0 auto 1rem;
          width: 60%;
          padding: 0.2rem;
          text-align: center;
          font-size: 0.75rem;
          letter-spacing: 0.3em;
          text-transform: uppercase;
          color: var(--quiet);
          background: var(--paper);
          border-radius: 0 0 40% 40%;
        }

        /* One grid for the whole hall: column 1 and the last hold row labels, seat n sits in its own column, so an
           aisle (numbers missing from a row) is an empty column and rows line up. The script sets the columns. */
        .map { display: grid; gap: var(--gap); justify-content: center; }
        .row-label {
          display: flex;
          align-items: center;
          justify-content: center;
          font-size: 0.75rem;
          font-weight: 600;
          color: var(--quiet);
        }

        .seat {
          position: relative;
          width: var(--seat);
          height: var(--seat);
          display: flex;
          align-items: center;
          justify-content: center;
          border-radius: 0.35rem 0.35rem 0.2rem 0.2rem;
          font-size: 0.6rem;
          color: rgba(255, 255, 255, 0.9);
          background: var(--cat, var(--free));
          box-shadow: inset 0 -3px 0 rgba(0, 0, 0, 0.15);
          transition: background-color 0.2s;
          cursor: default;
        }
        .seat[data-state="held"] {
          background: var(--held);
          color: #3d2a05;
          box-shadow: inset 0 -3px 0 var(--cat, transparent);
        }
        .seat[data-state="sold"] { background: var(--sold); box-shadow: inset 0 -3px 0 var(--cat, transparent); }
        .seat[data-state="blocked"] {
          background: repeating-linear-gradient(45deg, var(--blocked) 0 3px, #555b66 3px 6px);
          color: transparent;
        }
        .seat[data-state="reserved"] { background: #fff; color: var(--reserved); border: 2px dashed var(--reserved); }
        .seat.flagged { outline: 2px solid var(--ink); outline-offset: 1px; }
        .seat .mark { font-size: 0.8rem; line-height: 1; }

        .areas { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1rem; }
        .area {
          min-width: 16rem;
          padding: 0.6rem 0.8rem;
          background: var(--card);
          border: 1px solid var(--line);
          border-radius: 8px;
        }
        .area-name { font-weight: 600; }
        .area-bar {
          display: flex;
          height: 0.8rem;
          margin: 0.4rem 0;
          border-radius: 3px;
          overflow: hidden;
          background: var(--line);
        }
        .area-text { font-size: 0.85rem; color: var(--quiet); font-variant-numeric: tabular-nums; }

        .legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; margin-top: 1rem; font-size: 0.85rem; }
        .legend h3 { width: 100%; margin: 0.6rem 0 0; font-size: 0.8rem; color: var(--quiet); font-weight: 600; }
        .legend .key { display: flex; align-items: center; gap: 0.4rem; }
        .legend .seat { --seat: 1.1rem; }
        """#

    /// `GET /assets/seatd.js`: both pages' script; `document.body.dataset.page` says which page it is on.
    static let script: String = #"""
        // seatd's pages (docs/http.md). Plain script, no build step and no dependencies.
        //
        // The session page loads the map from /api/sessions/<id>, then reads /sessions/<id>/events with fetch()
        // (not EventSource, which cannot send the Authorization header) and parses the Server-Sent Events itself.
        // Every event carries a seq; the page applies an event only if its seq is past the last one it applied,
        // and resumes a dropped stream with Last-Event-ID, so no event is missed or applied twice. GA places
        // cannot be followed from events alone (a confirmed place may come from a hold or from a SELL), so an
        // event with places makes the page refetch the map (throttled) and apply again, on top of it, the events
        // newer than the map it got.
        //
        // Test hooks on <body>: data-seq (every event up to this seq is drawn), data-reconnects (how many times the
        // stream was opened again), data-live ("1" while a stream is open), data-reloads (maps loaded after a trimmed).
        (function () {
          "use strict";

          const TOKEN_KEY = "seatd.token";
          const RECONNECT_MIN_MS = 500;
          const RECONNECT_MAX_MS = 5000;
          const REFETCH_DELAY_MS = 250;
          const INDEX_REFRESH_MS = 3000;
          const STREAM_SILENCE_MAX_MS = 45000; // the server sends ": ping" every 15 s
          const RECENT_EVENTS_MAX = 50000;
          const STATES = ["free", "held", "sold", "blocked", "reserved"];
          const CATEGORY_COLOURS = [
            '#2f6fde', '#c2410c', '#0f766e', '#a21caf', '#4d7c0f', '#b91c1c', '#0e7490', '#7c3aed',
          ];
          const FLAG_MARKS = { wheelchair: "\u267F", companion: "+", restricted: "!", aisle: "|" };

          const $ = (id) => document.getElementById(id);

          function element(tag, className, text) {
            const el = document.createElement(tag);
            if (className) el.className = className;
            if (text !== undefined) el.textContent = text;
            return el;
          }

          function sleep(ms) {
            return new Promise((resolve) => setTimeout(resolve, ms));
          }

          function showError(text) {
            const el = $("error");
            el.textContent = text || "";
            el.hidden = !text;
          }

          function setStatus(text, kind) {
            const el = $("status");
            el.textContent = text;
            el.className = "status" + (kind ? " " + kind : "");
          }

          // ---- The token: asked once on a 401, kept in sessionStorage, sent as a header (never in a URL). ----

          let tokenAsked = null;

          function askToken(refused) {
            if (tokenAsked) return tokenAsked;
            const form = $("token-form");
            const input = $("token");
            $("token-refused").hidden = !refused;
            form.hidden = false;
            input.focus();
            tokenAsked = new Promise((resolve) => {
              form.onsubmit = (e) => {
                e.preventDefault();
                const value = input.value.trim();
                if (!value) return;
                sessionStorage.setItem(TOKEN_KEY, value);
                input.value = "";
                form.hidden = true;
                form.onsubmit = null;
                tokenAsked = null;
                resolve();
              };
            });
            return tokenAsked;
          }

          class HttpError extends Error {
            constructor(status, text) {
              super("HTTP " + status + (text ? ": " + text.trim() : ""));
              this.status = status;
            }
          }

          // fetch with the token; on a 401 asks for a token and tries again.
          async function authorizedFetch(path, options) {
            for (;;) {
              const used = sessionStorage.getItem(TOKEN_KEY);
              const headers = Object.assign({}, (options && options.headers) || {});
              if (used) headers["Authorization"] = "Bearer " + used;
              const response = await fetch(path, Object.assign({ cache: "no-store" }, options, { headers: headers }));
              if (response.status !== 401) return response;
              if (sessionStorage.getItem(TOKEN_KEY) === used) {
                sessionStorage.removeItem(TOKEN_KEY);
                setStatus("needs a token", "down");
                await askToken(used !== null);
              }
            }
          }

          async function getJSON(path) {
            const response = await authorizedFetch(path);
            if (!response.ok) throw new HttpError(response.status, await response.text());
            return response.json();
          }

          // ---- The index page. ----

          function saleBar(counts) {
            const bar = element("div", "sale");
            const total = STATES.reduce((sum, s) => sum + (counts[s] || 0), 0) || 1;
            for (const state of ["sold", "held", "blocked", "reserved", "free"]) {
              const seg = element("div", "seg " + state);
              seg.style.width = (100 * (counts[state] || 0)) / total + "%";
              bar.appendChild(seg);
            }
            return bar;
          }

          function renderIndex(data) {
            const sessions = $("sessions");
            sessions.replaceChildren();
            for (const s of data.sessions || []) {
              const tr = element("tr");
              const link = element("a", "", s.session);
              link.href = "/sessions/" + encodeURIComponent(s.session);
              tr.appendChild(element("td")).appendChild(link);
              tr.appendChild(element("td", "", s.hall));
              for (const state of STATES) tr.appendChild(element("td", "n", String(s[state] || 0)));
              tr.appendChild(element("td")).appendChild(saleBar(s));
              sessions.appendChild(tr);
            }
            $("no-sessions").hidden = (data.sessions || []).length > 0;
            const halls = $("halls");
            halls.replaceChildren();
            for (const h of data.halls || []) {
              const tr = element("tr");
              tr.appendChild(element("td", "", h.hall));
              tr.appendChild(element("td", "n", String(h.seats)));
              halls.appendChild(tr);
            }
            $("no-halls").hidden = (data.halls || []).length > 0;
          }

          async function indexPage() {
            for (;;) {
              try {
                renderIndex(await getJSON("/api/sessions"));
                setStatus("updated " + new Date().toLocaleTimeString(), "live");
                showError("");
              } catch (e) {
                setStatus("cannot reach seatd", "down");
                showError(String(e.message || e));
              }
              await sleep(INDEX_REFRESH_MS);
            }
          }

          // ---- The session page: the model. ----

          const page = {
            id: "",
            seq: 0, // the last event applied to the seats (or reflected by the last map fetched)
            base: -1, // the seq of the last map fetched
            layout: "", // what the grid was drawn from; a change redraws it
            seats: new Map(), // label -> { state, reserved, el }
            areas: new Map(), // name -> { free, held, sold, capacity, el }
            counts: { free: 0, held: 0, sold: 0, blocked: 0, reserved: 0 },
            recent: [], // applied events newer than `base`, to apply again on top of a map fetched later
            pendingFrom: null, // the first applied event with places that no fetched map reflects yet
            refetchTimer: null,
            refetching: false,
            reconnects: 0,
            reloads: 0, // maps loaded again because the stream said `trimmed`
            live: false,
            stream: null, // the AbortController of the open stream
          };

          function publish() {
            const body = document.body.dataset;
            body.seq = String(page.pendingFrom === null ? page.seq : page.pendingFrom - 1);
            body.reconnects = String(page.reconnects);
            body.live = page.live ? "1" : "0";
            body.reloads = String(page.reloads);
          }

          function shownState(seat) {
            return seat.state === "free" && seat.reserved ? "reserved" : seat.state;
          }

          function setSeat(seat, state, reserved) {
            const before = shownState(seat);
            seat.state = state;
            seat.reserved = reserved;
            const after = shownState(seat);
            if (before === after) return;
            page.counts[before] -= 1;
            page.counts[after] += 1;
            seat.el.dataset.state = after;
          }

          // One seat's change, as docs/http.md describes it for each event type.
          function applySeat(type, seat) {
            switch (type) {
              case "held":
              case "added":
                return setSeat(seat, "held", seat.reserved);
              case "confirmed":
                return setSeat(seat, "sold", seat.reserved);
              case "released":
              case "expired":
              case "cancelled":
                return setSeat(seat, "free", seat.reserved);
              case "blocked":
                return setSeat(seat, seat.state === "free" ? "blocked" : seat.state, seat.reserved);
              case "unblocked":
                return setSeat(seat, seat.state === "blocked" ? "free" : seat.state, seat.reserved);
              case "reserved":
                return setSeat(seat, seat.state, true);
              case "unreserved":
                return setSeat(seat, seat.state, false);
              default:
                return; // extended, and kinds this page does not know: no seat changes
            }
          }

          // A first guess at an area's change, drawn at once; the refetched map then says what really happened.
          function guessArea(type, area, n) {
            const move = (from, to) => {
              const k = Math.min(n, area[from]);
              area[from] -= k;
              area[to] += k;
            };
            if (type === "held" || type === "added") move("free", "held");
            else if (type === "released" || type === "expired") move("held", "free");
            else if (type === "cancelled") move("sold", "free");
            else if (type === "confirmed") move(area.held >= n ? "held" : "free", "sold");
          }

          // Applies one event's items; answers whether it named places (or anything this page cannot place).
          function applyItems(event) {
            let needsMap = false;
            for (const item of event.items || []) {
              const colon = item.indexOf(":");
              if (colon >= 0) {
                const area = page.areas.get(item.slice(0, colon));
                if (area) guessArea(event.type, area, Number(item.slice(colon + 1)) || 0);
                needsMap = true;
                continue;
              }
              const seat = page.seats.get(item);
              if (seat) applySeat(event.type, seat);
              else needsMap = true;
            }
            return needsMap;
          }

          function applyEvent(event) {
            if (typeof event.seq !== "number" || event.seq <= page.seq) return; // seen already
            page.seq = event.seq;
            page.recent.push(event);
            if (page.recent.length > RECENT_EVENTS_MAX) page.recent.splice(0, page.recent.length - RECENT_EVENTS_MAX);
            if (applyItems(event)) {
              if (page.pendingFrom === null) page.pendingFrom = event.seq;
              scheduleRefetch();
            }
          }

          // ---- The session page: drawing. ----

          function layoutOf(map) {
            return JSON.stringify([
              map.rows,
              (map.seats || []).map((s) => [s.seat, s.category || "", s.flags || []]),
              (map.areas || []).map((a) => [a.area, a.capacity]),
            ]);
          }

          function flagMark(flag) {
            return FLAG_MARKS[flag] || flag.charAt(0).toUpperCase();
          }

          function categoryColours(map) {
            const colours = new Map();
            for (const s of map.seats || []) {
              if (s.category && !colours.has(s.category)) {
                colours.set(s.category, CATEGORY_COLOURS[colours.size % CATEGORY_COLOURS.length]);
              }
            }
            return colours;
          }

          function seatElement(info, colours) {
            const el = element("div", "seat");
            el.dataset.seat = info.seat;
            el.dataset.state = "free";
            const notes = [info.seat];
            if (info.category) {
              el.dataset.category = info.category;
              el.style.setProperty("--cat", colours.get(info.category));
              notes.push(info.category);
            }
            const flags = info.flags || [];
            if (flags.length > 0) {
              el.classList.add("flagged");
              el.dataset.flags = flags.join(" ");
              el.appendChild(element("span", "mark", flags.map(flagMark).join("")));
              notes.push(...flags);
            } else {
              el.textContent = info.seat.replace(/^[A-Z]+/, "");
            }
            el.title = notes.join(" \u00b7 ");
            return el;
          }

          function drawMap(map, colours) {
            const grid = $("map");
            grid.replaceChildren();
            page.seats.clear();
            const infos = new Map((map.seats || []).map((s) => [s.seat, s]));
            const rows = map.rows || [];
            const numbers = rows.flatMap((r) => r.ranges.flat());
            const low = Math.min(...numbers);
            const high = Math.max(...numbers);
            const columns = numbers.length ? high - low + 1 : 0;
            grid.style.gridTemplateColumns = "1.6rem repeat(" + columns + ", var(--seat)) 1.6rem";
            rows.forEach((r, i) => {
              const line = String(i + 1);
              for (const column of [1, columns + 2]) {
                const label = element("div", "row-label", r.row);
                label.style.gridRow = line;
                label.style.gridColumn = String(column);
                grid.appendChild(label);
              }
              for (const [a, b] of r.ranges) {
                for (let n = a; n <= b; n++) {
                  const info = infos.get(r.row + n) || { seat: r.row + n };
                  const el = seatElement(info, colours);
                  el.style.gridRow = line;
                  el.style.gridColumn = String(n - low + 2);
                  grid.appendChild(el);
                  page.seats.set(info.seat, { state: "free", reserved: false, el: el });
                }
              }
            });
            page.counts.free = page.seats.size;
            for (const s of ["held", "sold", "blocked", "reserved"]) page.counts[s] = 0;
          }

          function drawAreaShells(map) {
            const box = $("areas");
            box.replaceChildren();
            page.areas.clear();
            for (const a of map.areas || []) {
              const el = element("div", "area");
              el.dataset.area = a.area;
              el.appendChild(element("div", "area-name", a.area));
              const bar = el.appendChild(element("div", "area-bar"));
              for (const part of ["sold", "held", "free"]) bar.appendChild(element("div", "seg " + part));
              el.appendChild(element("div", "area-text"));
              box.appendChild(el);
              page.areas.set(a.area, { free: 0, held: 0, sold: 0, capacity: a.capacity, el: el });
            }
          }

          function drawAreas() {
            for (const [name, a] of page.areas) {
              a.el.dataset.free = String(a.free);
              a.el.dataset.capacity = String(a.capacity);
              const segs = a.el.querySelectorAll(".seg");
              [a.sold, a.held, a.free].forEach((n, i) => (segs[i].style.width = (100 * n) / (a.capacity || 1) + "%"));
              a.el.querySelector(".area-text").textContent =
                a.free + " free of " + a.capacity + " \u00b7 " + a.held + " held \u00b7 " + a.sold + " sold";
            }
          }

          function drawCounts() {
            const total = { free: 0, held: 0, sold: 0, blocked: 0, reserved: 0 };
            for (const s of STATES) total[s] = page.counts[s];
            for (const a of page.areas.values()) {
              total.free += a.free;
              total.held += a.held;
              total.sold += a.sold;
            }
            for (const s of STATES) document.querySelector('[data-count="' + s + '"] b').textContent = String(total[s]);
          }

          function drawLegend(map, colours) {
            const legend = $("legend");
            legend.replaceChildren();
            const key = (seat, text) => {
              const k = element("span", "key");
              k.appendChild(seat);
              k.appendChild(element("span", "", text));
              legend.appendChild(k);
            };
            const swatch = (state, category, flags) => {
              const el = seatElement({ seat: "", category: category, flags: flags }, colours);
              el.removeAttribute("data-seat");
              el.dataset.state = state;
              el.textContent = flags ? el.textContent : "";
              return el;
            };
            legend.appendChild(element("h3", "", "Seats"));
            for (const s of STATES) key(swatch(s), s);
            if (colours.size > 0) {
              legend.appendChild(element("h3", "", "Categories"));
              for (const c of colours.keys()) key(swatch("free", c), c);
            }
            const flags = [...new Set((map.seats || []).flatMap((s) => s.flags || []))];
            if (flags.length > 0) {
              legend.appendChild(element("h3", "", "Flags"));
              for (const f of flags) key(swatch("free", undefined, [f]), f);
            }
          }

          // Takes a fetched map: draws the grid again only if the hall's layout changed, then sets every state, then
          // applies again the events newer than the map.
          function takeMap(map) {
            const layout = layoutOf(map);
            if (layout !== page.layout) {
              const colours = categoryColours(map);
              drawMap(map, colours);
              drawAreaShells(map);
              drawLegend(map, colours);
              page.layout = layout;
            }
            for (const s of map.seats || []) {
              const seat = page.seats.get(s.seat);
              if (!seat) continue;
              const reserved = s.state === "reserved" || s.reserved === true;
              setSeat(seat, s.state === "reserved" ? "free" : s.state, reserved);
            }
            for (const a of map.areas || []) {
              const area = page.areas.get(a.area);
              if (area) Object.assign(area, { free: a.free, held: a.held, sold: a.sold, capacity: a.capacity });
            }
            const newer = page.recent.filter((e) => e.seq > map.seq);
            page.recent = newer;
            page.base = map.seq;
            page.pendingFrom = null;
            if (map.seq >= page.seq) page.seq = map.seq;
            for (const e of newer) {
              if (applyItems(e) && page.pendingFrom === null) page.pendingFrom = e.seq;
            }
            if (page.pendingFrom !== null) scheduleRefetch();
            drawCounts();
            drawAreas();
            publish();
          }

          async function loadMap() {
            const map = await getJSON("/api/sessions/" + encodeURIComponent(page.id));
            $("title").textContent = map.session + " \u00b7 " + map.hall;
            document.title = "seatd " + map.session;
            takeMap(map);
          }

          function scheduleRefetch() {
            if (page.refetchTimer !== null || page.refetching) return;
            page.refetchTimer = setTimeout(refetch, REFETCH_DELAY_MS);
          }

          async function refetch() {
            page.refetchTimer = null;
            page.refetching = true;
            try {
              await loadMap();
            } catch (e) {
              page.refetching = false;
              page.refetchTimer = setTimeout(refetch, RECONNECT_MIN_MS); // the map stays marked stale until it loads
              return;
            }
            page.refetching = false;
            if (page.pendingFrom !== null) scheduleRefetch();
          }

          // ---- The session page: the event stream. ----

          // Server-Sent Events parsing (the WHATWG rules, lines ended by LF or CRLF).
          function sseParser(onMessage) {
            let buffer = "";
            let data = [];
            let type = "message";
            let id = null;
            return (text) => {
              buffer += text;
              let start = 0;
              let end;
              while ((end = buffer.indexOf("\n", start)) >= 0) {
                let line = buffer.slice(start, end);
                start = end + 1;
                if (line.endsWith("\r")) line = line.slice(0, -1);
                if (line === "") {
                  if (data.length > 0) onMessage({ type: type, id: id, data: data.join("\n") });
                  data = [];
                  type = "message";
                  continue;
                }
                if (line.charAt(0) === ":") continue; // a comment: the heartbeat
                const colon = line.indexOf(":");
                const field = colon < 0 ? line : line.slice(0, colon);
                let value = colon < 0 ? "" : line.slice(colon + 1);
                if (value.charAt(0) === " ") value = value.slice(1);
                if (field === "data") data.push(value);
                else if (field === "event") type = value;
                else if (field === "id") id = value;
              }
              buffer = buffer.slice(start);
            };
          }

          class Trimmed extends Error {}

          // Reads one stream until it ends; throws Trimmed when the server no longer has the events asked for.
          async function readStream(response, controller) {
            let trimmed = false;
            const parse = sseParser((message) => {
              if (message.type === "trimmed") {
                trimmed = true;
                return;
              }
              if (message.type !== "message") return;
              try {
                applyEvent(JSON.parse(message.data));
              } catch (e) {
                console.warn("seatd: an event that could not be applied", message.data, e);
              }
            });
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            let watchdog = setTimeout(() => controller.abort(), STREAM_SILENCE_MAX_MS);
            try {
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                clearTimeout(watchdog);
                watchdog = setTimeout(() => controller.abort(), STREAM_SILENCE_MAX_MS);
                parse(decoder.decode(value, { stream: true }));
                // The counts and the areas are drawn once per chunk of events, not once per event.
                drawCounts();
                drawAreas();
                publish();
                if (trimmed) throw new Trimmed();
              }
            } finally {
              clearTimeout(watchdog);
            }
          }

          async function openStream(first) {
            const controller = new AbortController();
            page.stream = controller;
            const path = "/sessions/" + encodeURIComponent(page.id) + "/events";
            const options = { signal: controller.signal, headers: {} };
            if (!first) options.headers["Last-Event-ID"] = String(page.seq);
            const response = await authorizedFetch(first ? path + "?from=" + (page.seq + 1) : path, options);
            if (!response.ok) throw new HttpError(response.status, await response.text());
            page.live = true;
            setStatus("live", "live");
            showError("");
            publish();
            try {
              await readStream(response, controller);
            } finally {
              controller.abort();
            }
          }

          async function follow() {
            let fromMap = true; // open with ?from=<map's seq + 1> rather than Last-Event-ID
            let failures = 0;
            for (let opened = 0; ; opened++) {
              if (opened > 0) {
                page.reconnects += 1;
                publish();
              }
              try {
                await openStream(fromMap);
                failures = 0; // it was open and ended: open again after the shortest pause
              } catch (e) {
                page.live = false;
                publish();
                if (e instanceof Trimmed) {
                  setStatus("reloading the map", "");
                  try {
                    await loadMap();
                    page.reloads += 1;
                    fromMap = true;
                    failures = 0;
                    continue;
                  } catch (error) {
                    failures += 1;
                  }
                } else if (e instanceof HttpError && e.status === 404) {
                  setStatus("no such session", "down");
                  showError("This session does not exist (any more).");
                  return;
                } else {
                  failures += 1;
                }
              }
              fromMap = false;
              page.live = false;
              publish();
              setStatus("reconnecting", "down");
              await sleep(Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * Math.pow(2, Math.max(0, failures - 1))));
            }
          }

          async function sessionPage() {
            const parts = location.pathname.split("/");
            page.id = decodeURIComponent(parts[parts.length - 1] || parts[parts.length - 2] || "");
            $("title").textContent = page.id;
            for (let failures = 0; ; failures++) {
              try {
                await loadMap();
                break;
              } catch (e) {
                setStatus("cannot load the map", "down");
                showError(String(e.message || e));
                if (e instanceof HttpError && e.status === 404) return;
                await sleep(Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * Math.pow(2, failures)));
              }
            }
            showError("");
            await follow();
          }

          function start() {
            if (document.body.dataset.page === "session") sessionPage();
            else indexPage();
          }

          if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
          else start();
        })();
        """#
}
