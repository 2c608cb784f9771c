// What CSS cannot do for keyboard and screen-reader users, run once per browser tab (Streamlit keeps the document
// between reruns and pages): name each chart and tie it to its summary and table, hide Plotly's own SVG from
// assistive technology, keep focus in the sidebar while it covers the page, and give focus back after a rerun.
(() => {
  if (window.__kpiA11y) return;
  window.__kpiA11y = true;
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";

  const set = (el, name, value) => { if (el.getAttribute(name) !== value) el.setAttribute(name, value); };

  // Each chart's container holds its .chart-alt (name and summary), the chart and its table: the chart becomes a
  // named figure described by the summary, with the table as its details; Plotly's SVG is then only decoration.
  function charts() {
    document.querySelectorAll(".chart-alt[data-chart]").forEach((alt) => {
      const box = alt.closest("[data-testid=stVerticalBlock]");
      const chart = box && box.querySelector("[data-testid=stPlotlyChart]");
      if (!chart) return;
      const key = alt.dataset.chart;
      set(chart, "role", "figure");
      set(chart, "aria-label", alt.dataset.name || "Chart");
      set(chart, "aria-describedby", "chart-summary-" + key);
      if (document.getElementById("chart-table-" + key)) set(chart, "aria-details", "chart-table-" + key);
    });
    document.querySelectorAll(".js-plotly-plot svg.main-svg").forEach((svg) => set(svg, "aria-hidden", "true"));
  }

  // Following "The figures in this chart as a table" opens the table and moves focus to it.
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a.chart-table-link");
    if (!link) return;
    const details = document.getElementById(link.getAttribute("href").slice(1));
    if (!details) return;
    e.preventDefault();
    details.open = true;
    const summary = details.querySelector("summary");
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  });

  // At narrow widths the open sidebar covers the page: the page behind it is inert (no Tab stop hidden under the
  // sidebar), Escape closes it, and focus moves into it when it opens and back to its button when it closes.
  let sidebarWasOpen = null;
  function sidebar() {
    const side = document.querySelector("[data-testid=stSidebar]");
    const main = document.querySelector("[data-testid=stMain]");
    if (!side || !main) return;
    const open = side.dataset.collapsed === "false" && getComputedStyle(side).display !== "none";
    // Streamlit lays the sidebar over the page below 768 px; while it slides in its box is still off to the left.
    const covers = open && (window.innerWidth < 768 || main.getBoundingClientRect().left < side.getBoundingClientRect().right - 1);
    if (main.inert !== covers) main.inert = covers;
    if (sidebarWasOpen !== null && open !== sidebarWasOpen) {
      const active = document.activeElement;
      if (open && (!active || active === document.body || !side.contains(active))) {
        const first = side.querySelector("[data-testid=stSidebarCollapseButton] button, " + FOCUSABLE);
        if (first && covers) first.focus();
      } else if (!open && (!active || active === document.body || side.contains(active))) {
        const expand = document.querySelector("[data-testid=stExpandSidebarButton], [data-testid=stSidebarCollapsedControl] button");
        if (expand) expand.focus();
      }
    }
    sidebarWasOpen = open;
  }
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const main = document.querySelector("[data-testid=stMain]");
    const close = document.querySelector("[data-testid=stSidebarCollapseButton] button");
    if (main && main.inert && close) close.click();
  });

  // Focus given back after a rerun: Streamlit redraws a widget (or removes it, as Confirm is after loading) and
  // focus falls to the body. The same control is found again by its key, test id and name; failing that, the
  // control now in its place in the same widget (a file uploader swaps its Upload button for the file it holds);
  // failing that, the first message (what happened) or the page's heading takes focus.
  let last = null, lastEl = null;
  const describe = (el) => {
    const keyed = el.closest("[class*='st-key-']");
    const zones = []; // the parts of its widget it sat in, innermost first
    for (let n = el.parentElement; n && n !== keyed && n !== document.body; n = n.parentElement) {
      if (n.dataset.testid) zones.push(n.dataset.testid);
    }
    return {
      zones,
      tag: el.tagName,
      tid: el.dataset.testid || el.closest("[data-testid]")?.dataset.testid || "",
      key: keyed ? [...keyed.classList].find((c) => c.startsWith("st-key-")) : "",
      name: (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 80),
    };
  };
  const same = (a, b) => a.tag === b.tag && a.tid === b.tid && a.key === b.key && a.name === b.name;
  document.addEventListener("focusin", (e) => {
    // The data grid moves focus through cells that have no box of their own: bring the grid itself into view.
    const grid = e.target.getClientRects && !e.target.getClientRects().length && e.target.closest("[data-testid=stDataFrame]");
    if (grid) grid.scrollIntoView({ block: "nearest" });
    // A link in a table that scrolls sideways in its own box (.scorecard-wrap) is brought wholly into that box:
    // Chromium scrolls only for one wholly out of sight, and leaves one half under the box's edge (2.4.11).
    const wrap = e.target.closest && e.target.closest(".scorecard-wrap");
    if (wrap && wrap !== e.target) {
      const r = e.target.getBoundingClientRect(), w = wrap.getBoundingClientRect();
      if (r.right > w.right - 1) wrap.scrollLeft += Math.min(r.right - w.right + 8, r.left - w.left - 8);
      else if (r.left < w.left + 1) wrap.scrollLeft -= w.left - r.left + 8;
    }
    // A text box that takes focus is scrolled by Chromium to show its caret, ignoring the room kept for the fixed
    // header (scroll-padding in a11y.css): the board paper's key messages went half under the header at 320 x 256.
    // After that scroll, a focused element that fits in the window but sits under the header or below the window is
    // brought into the room the padding leaves (2.4.11).
    // Any other control gets the same safety net: one focused while the page redraws was left below the window
    // (an Upload history expander at y = 1722, seen in a full test run on a busy machine).
    const target = e.target;
    if (target.getBoundingClientRect && target.closest && target.closest("#root")) {
      requestAnimationFrame(() => {
        const r = target.getBoundingClientRect();
        const top = document.querySelector("[data-testid=stHeader]")?.getBoundingClientRect().bottom || 0;
        if (document.activeElement === target && r.height < innerHeight - top && (r.top < top || r.bottom > innerHeight)) {
          target.scrollIntoView({ block: "nearest", inline: "nearest" });
        }
      });
    }
    if (e.target !== document.body) { last = { ...describe(e.target), at: Date.now() }; lastEl = e.target; }
  });
  document.addEventListener("mousedown", (e) => { if (!e.target.closest || !e.target.closest(FOCUSABLE)) last = null; }, true);
  function giveFocusBack() {
    const active = document.activeElement;
    if (!last || (active && active !== document.body) || Date.now() - last.at > 60000) return;
    if (lastEl && lastEl.isConnected && lastEl.getClientRects().length) return; // still there: left on purpose
    if (document.querySelector("[data-testid=stSidebar]")?.contains(lastEl) || last.tid === "stExpandSidebarButton") return;
    const again = [...document.querySelectorAll(last.tag)].find((el) => same(describe(el), last) && el.getClientRects().length);
    if (again) { again.focus(); return; }
    const widget = last.key && document.querySelector("." + CSS.escape(last.key));
    if (widget) {
      for (const zone of [...last.zones, null]) {
        const part = zone ? widget.querySelector(`[data-testid="${CSS.escape(zone)}"]`) : widget;
        const next = part && [...part.querySelectorAll(FOCUSABLE)].find(
          (el) => el.tabIndex >= 0 && !el.disabled && el.getBoundingClientRect().width > 0);
        if (next) { next.focus(); return; }
      }
    }
    const app = document.querySelector("[data-testid=stApp]");
    if (app && app.dataset.testScriptState === "running") return; // the control may not be drawn yet
    const main = document.querySelector("[data-testid=stMain]");
    if (!main || main.inert) return;
    const target = main.querySelector("[data-testid=stAlert], [data-testid=stNotification]") || main.querySelector("h1");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
    last = null;
  }

  // A plain table (st.table) wider than a narrow window scrolls in its own box: that box takes focus, so the keyboard
  // can scroll it too, and is named as the table it holds (2.1.1; axe's scrollable-region-focusable).
  function tables() {
    document.querySelectorAll("[data-testid=stTable] > div").forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls) {
        set(box, "tabindex", "0");
        set(box, "role", "region");
        set(box, "aria-label", "Table (scrolls sideways)");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  // The deck's audience view shows only the slide: its controls appear when the mouse moves (or a finger touches)
  // and fade again after 3 s still; a control with keyboard focus shows its bar (CSS :focus-within, present_page).
  let still = null;
  const awake = () => {
    document.documentElement.classList.add("deck-awake");
    clearTimeout(still);
    still = setTimeout(() => document.documentElement.classList.remove("deck-awake"), 3000);
  };
  ["mousemove", "pointerdown", "touchstart"].forEach((type) => document.addEventListener(type, awake, { passive: true }));

  let queued = false;
  const run = () => {
    queued = false;
    charts();
    tables();
    sidebar();
    giveFocusBack();
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; setTimeout(run, 80); }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-collapsed", "data-test-script-state"] });
  window.addEventListener("resize", run);
  document.addEventListener("transitionend", run);
  run();
})();
