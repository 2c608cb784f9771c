// The deck's own script (pages/present_page.py), run once per browser tab: the audience's window and the presenter's
// window follow each other through a BroadcastChannel (same browser, no server round trip to tell the other window),
// the presenter's timer runs here, a focused table's arrow keys scroll the table rather than change the slide, and
// focus stays on a control when Next or Previous is disabled at the end of the deck.
// (No "<" before a letter anywhere here, comments included: Streamlit's sanitiser drops a script that has one.)
(() => {
  if (window.__kpiDeck) return;
  window.__kpiDeck = true;
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("kpi-deck") : null;

  const shown = () => {
    const s = document.querySelector(".slide[data-slide][data-deck]");
    return s ? { n: Number(s.dataset.slide), deck: s.dataset.deck } : null;
  };
  const running = () => document.querySelector("[data-testid=stApp]")?.dataset.testScriptState === "running";
  const button = (key) => document.querySelector(`.st-key-${key} button`);

  // want: the slide the other window is on and this one is moving to, one Next or Previous at a time (each a fragment
  // rerun of this window's own deck). told: the slide this window last announced to the others.
  let want = null, told = null, clicked = null, retry = null;
  // While a move is pending but cannot be made yet (a rerun running, or this window's last click still on its way),
  // look again shortly: nothing else may change the page to wake the observer below.
  const later = () => { if (!retry) retry = setTimeout(() => { retry = null; follow(); }, 250); };
  function follow() {
    const now = shown();
    if (!now) return;
    if (want && want.deck === now.deck && want.n !== now.n) {
      if (running()) return later();
      if (clicked && clicked.from === now.n && Date.now() - clicked.at < 4000) return later(); // that click is on its way
      const b = button(want.n > now.n ? "next" : "prev");
      if (!b || b.disabled) { want = null; return; }
      clicked = { from: now.n, at: Date.now() };
      b.click();
      return;
    }
    want = null;
    const key = `${now.deck}#${now.n}`;
    if (told !== key) {
      told = key;
      if (channel) channel.postMessage(now);
    }
  }
  if (channel) {
    channel.onmessage = (e) => {
      const now = shown();
      if (!e.data || !now || e.data.deck !== now.deck) return; // another deck (area or indicators): not followed
      told = `${e.data.deck}#${e.data.n}`; // the others are there already: nothing to tell them on arrival
      want = e.data;
      follow();
    };
  }

  // The presenter's timer: minutes and seconds since the presenter view opened (or was restarted) in this tab.
  const started = () => Number(sessionStorage.getItem("kpi-deck-start")) || Date.now();
  if (!sessionStorage.getItem("kpi-deck-start")) sessionStorage.setItem("kpi-deck-start", String(Date.now()));
  function tick() {
    const el = document.querySelector("[data-deck-timer]");
    if (!el) return;
    const s = Math.max(0, Math.floor((Date.now() - started()) / 1000));
    const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")} elapsed`;
    if (el.textContent !== text) el.textContent = text;
  }
  setInterval(tick, 1000);
  document.addEventListener("click", (e) => {
    if (!e.target.closest || !e.target.closest("[data-deck-timer-reset]")) return;
    sessionStorage.setItem("kpi-deck-start", String(Date.now()));
    tick();
  });

  // "Open presenter view" (and the presenter's "Open the audience's window") opens the other window by name, so a
  // second click finds the same window rather than a third (Streamlit's sanitiser keeps no target attribute).
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[data-window]");
    if (!link) return;
    e.preventDefault();
    const other = window.open(link.href, link.dataset.window);
    if (other) other.focus();
  });

  // Arrow keys on a focused table (or inside one) scroll it: they never reach the deck's Left / Right shortcuts.
  const ARROWS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];
  const inTable = (el) => el && el.closest && el.closest(".slide .scorecard-wrap, .slide-chart details.chart-table");
  window.addEventListener("keydown", (e) => { if (ARROWS.includes(e.key) && inTable(e.target)) e.stopPropagation(); }, true);

  // Next on the last slide (or Previous on the first) is disabled by the rerun and focus would fall to the body: it
  // goes to the other of the two, which is still a control in the same bar.
  let lastNav = null;
  document.addEventListener("focusin", (e) => {
    const keyed = e.target.closest && e.target.closest(".st-key-next, .st-key-prev");
    lastNav = keyed ? { key: keyed.classList.contains("st-key-next") ? "next" : "prev", at: Date.now() } : null;
  });
  document.addEventListener("focusout", (e) => {
    if (e.target.closest && e.target.closest(".st-key-next, .st-key-prev")) [100, 400, 1000].forEach((ms) => setTimeout(keepFocus, ms));
  });
  function keepFocus() {
    if (!lastNav || Date.now() - lastNav.at > 60000) return;
    const active = document.activeElement;
    if (active && active !== document.body && !active.disabled) return;
    const mine = button(lastNav.key), other = button(lastNav.key === "next" ? "prev" : "next");
    if (!mine || !mine.disabled) return; // blurred on purpose, or redrawn and given back by a11y.js: left alone
    const target = other && !other.disabled ? other : null;
    if (target) target.focus();
  }

  // At 320 px (400% zoom) a projector's chart, drawn with 24 px text, leaves a plot a few pixels wide and a title cut
  // at "Trend, with tar": each slide chart is laid out again for the narrow window (text at 14 px, the title wrapped
  // to the width, the legend under the plot), and back as it was when the window widens.
  const NARROW = 640, SMALL = 14;
  const strip = (t) => String(t || "").replace(/\u003cbr\s*\/?\u003e/gi, " ").replace(/\s+/g, " ").trim();
  const wrap = (text, chars) => {
    const lines = [];
    let line = "";
    for (const word of strip(text).split(" ")) {
      if (line && (line + " " + word).length > chars) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    }
    if (line) lines.push(line);
    return lines;
  };
  function fitCharts() {
    const P = window.Plotly;
    if (!P) return;
    const narrow = window.innerWidth <= NARROW;
    document.querySelectorAll("[class*='st-key-chart_chart-'] .js-plotly-plot").forEach((gd) => {
      const full = gd._fullLayout;
      if (!full || !gd.layout) return;
      const small = full.font && full.font.size === SMALL;
      if (narrow === small) return;
      if (!narrow) { if (gd.__deckWide) P.relayout(gd, gd.__deckWide); return; }
      const width = gd.getBoundingClientRect().width;
      const title = wrap(gd.layout.title && gd.layout.title.text, Math.max(12, Math.floor((width - 16) / (16 * 0.56))));
      const notes = gd.layout.annotations || [];
      const beside = notes.filter((a) => a.xref === "paper" && (a.x || 0) >= 1 && a.xanchor === "left")
        .map((a) => strip(a.text).length);
      const above = notes.some((a) => a.yref === "paper" && (a.y || 0) >= 1);
      const change = {
        "font.size": SMALL, "title.font.size": 16, "title.text": title.join("\u003cbr\u003e"), "title.y": 1 - (6 + (title.length - 1) * 16 * 1.3) / full.height, "title.yref": "container", "title.yanchor": "top",
        "legend.orientation": "h", "legend.xref": "container", "legend.x": 0, "legend.yref": "container", "legend.y": 0,
        "legend.yanchor": "bottom", "legend.xanchor": "left", "legend.font.size": SMALL,
        "margin.l": 48, "margin.r": Math.max(SMALL, ...beside.map((n) => n * SMALL * 0.62 + SMALL)), "margin.b": 30,
        "margin.t": 12 + title.length * 16 * 1.3 + (above ? 2 * SMALL * 1.3 : 0),
        "xaxis.tickfont.size": SMALL, "yaxis.tickfont.size": SMALL, "xaxis.title.font.size": SMALL, "yaxis.title.font.size": SMALL,
        "hoverlabel.font.size": SMALL,
      };
      notes.forEach((a, i) => { change[`annotations[${i}].font.size`] = SMALL; });
      if (!gd.__deckWide) {
        const wide = {};
        const get = (path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k.replace(/\[\d+\]$/, "")]), gd.layout);
        Object.keys(change).forEach((k) => {
          const m = k.match(/^annotations\[(\d+)\]\.font\.size$/);
          wide[k] = m ? ((notes[Number(m[1])].font || {}).size ?? null) : (get(k) ?? null);
        });
        gd.__deckWide = wide;
      }
      P.relayout(gd, change);
    });
  }
  window.addEventListener("resize", () => setTimeout(fitCharts, 100));

  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; follow(); keepFocus(); tick(); fitCharts(); }, 60);
  }).observe(document.body, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["data-slide", "data-test-script-state", "disabled"] });
  follow();
})();
