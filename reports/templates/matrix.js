// The index's matrices and filters (reports/matrix.py writes the data this draws).
// Each area's matrix loads from data/<area>.js when its section nears the screen, or when a filter
// needs every area (focusing the search box loads them ahead). A case row shows when it matches
// every filter; of an area's matching rows the first ROWS are drawn (more on request), while the
// area is near the screen, and drawn again only when they change. A requirement heading or an area's section shows while any of its
// rows matches. The search box filters after a short pause in typing. The filter state lives in
// the URL fragment, so a filtered view is a link.
(function () {
  "use strict";
  var ROWS = 100, PAUSE = 30;
  var OUTCOME = { p: "pass", f: "fail", e: "error", n: "n/a", k: "known" };
  var keys = ["area", "level", "outcome", "q"];
  var input = {};
  keys.forEach(function (k) { input[k] = document.getElementById("f-" + k); });
  var shown = document.getElementById("shown");
  var matrices = {};
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".matrix[data-src]"));
  boxes.forEach(function (box) { matrices[box.dataset.area] = { box: box, data: null, limit: ROWS, waiting: [] }; });

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function cls(outcome) { return "o-" + outcome.replace("/", ""); }
  function wbr(name) { return esc(name).replace(/([\/-])/g, "$1<wbr>"); }

  window.mwconformArea = function (data) {
    var m = matrices[data.area];
    m.data = data;
    m.box.dataset.ready = "";
    m.waiting.splice(0).forEach(function (then) { then(); });
  };
  function load(m, then) {
    if (m.data) { then(); return; }
    m.waiting.push(then);
    if (m.script) { return; }
    m.script = document.createElement("script");
    m.script.src = m.box.dataset.src;
    m.script.onerror = function () { m.box.querySelector(".loading").textContent = "Could not load " + m.box.dataset.src + "."; };
    document.head.appendChild(m.script);
  }
  function loadAll(then) {
    var left = boxes.length;
    boxes.forEach(function (box) { load(matrices[box.dataset.area], function () { if (--left === 0) { then(); } }); });
  }

  function head(d) {
    return "<thead><tr><th>requirement / case</th>" + d.columns.map(function (c) {
      return '<th class="' + (c[3] ? "base" : "") + '"><a href="subjects/' + esc(c[1]) + '.html">' + wbr(c[0]) + "</a><br><small>" + esc(c[2]) + "</small></th>";
    }).join("") + "</tr></thead>";
  }
  function groupRow(d, gi) {
    var g = d.groups[gi];
    var sources = g[3].map(function (s) { return ' · <a href="' + esc(s[1]) + '">' + esc(s[0]) + "</a>"; }).join("");
    return '<tr class="req" data-group="' + d.area + gi + '" data-area="' + esc(d.area) + '"><th><span class="lv lv-' + esc(g[0]) + '">' + esc(g[0]) + "</span> " + esc(g[1]) +
      "<br><small>" + esc(g[2]) + '<span class="src">' + sources + "</span></small></th>" +
      g[4].map(function (c) { return '<td class="cell ' + (c[0] ? cls(c[0]) : "") + '">' + esc(c[1]) + "</td>"; }).join("") + "</tr>";
  }
  function caseRow(d, i, dim) {
    var r = d.rows[i], g = d.groups[r[0]], page = "-" + Math.floor(i / d.per_page) + ".html#" + r[4];
    var cells = d.columns.map(function (c, ci) {
      var code = r[7].charAt(ci);
      if (code === "-") { return '<td class="cell" data-subject="' + esc(c[0]) + '"></td>'; }
      var outcome = OUTCOME[code.toLowerCase()], stale = code !== code.toLowerCase();
      return '<td class="cell ' + cls(outcome) + (stale ? " stale" : "") + (dim && dim !== outcome ? " dim" : "") + '" data-outcome="' + outcome + '" data-subject="' + esc(c[0]) + '">' +
        '<a href="cases/' + esc(c[1]) + "/" + esc(d.slug) + page + '" title="' + esc(r[8][ci] || outcome) + '">' + outcome + "</a></td>";
    }).join("");
    return '<tr class="case" data-group="' + d.area + r[0] + '" data-area="' + esc(d.area) + '" data-level="' + esc(r[3]) + '" data-outcomes="' + esc(r[5]) + '"><th><span class="case-id">' + esc(r[1]) + "</span>" +
      (r[3] !== g[0] ? ' <span class="lv lv-' + esc(r[3]) + '">' + esc(r[3]) + "</span>" : "") + "<br><small>" + esc(r[2]) + "</small></th>" + cells + "</tr>";
  }
  // The positions of an area's rows that match the filters.
  function matches(m, f) {
    var q = f.q.toLowerCase(), matching = [];
    m.data.rows.forEach(function (r, i) {
      if ((!f.level || r[3] === f.level) && (!f.outcome || (" " + r[5] + " ").indexOf(" " + f.outcome + " ") >= 0) && (!q || r[6].indexOf(q) >= 0)) { matching.push(i); }
    });
    return matching;
  }
  // Draws an area's matching rows (up to its limit) under their requirement headings; returns how many match.
  function draw(m, f) {
    var d = m.data, matching = matches(m, f);
    // Most keystrokes leave the drawn rows as they are ("i", "in", "inp"...): then the page is not touched.
    var drawn = matching.slice(0, m.limit), key = matching.length + "|" + f.outcome + "|" + drawn.join(",");
    if (m.drawn === key) { return matching.length; }
    m.drawn = key;
    var html = [], last = -1;
    drawn.forEach(function (i) {
      if (d.rows[i][0] !== last) { last = d.rows[i][0]; html.push(groupRow(d, last)); }
      html.push(caseRow(d, i, f.outcome));
    });
    var more = matching.length - Math.min(matching.length, m.limit);
    m.box.innerHTML = '<table class="mx" id="matrix-' + esc(d.area) + '">' + head(d) + "<tbody>" + html.join("") + "</tbody></table>" +
      (more ? '<button type="button" class="more">Show ' + Math.min(more, ROWS) + " more of the " + more + " cases not drawn</button>" : "");
    return matching.length;
  }

  function filters() {
    var f = {};
    keys.forEach(function (k) { f[k] = input[k].value.trim(); });
    return f;
  }
  function apply() {
    var f = filters();
    var filtered = f.level || f.outcome || f.q;
    if (filtered && boxes.some(function (box) { return !matrices[box.dataset.area].data; })) { loadAll(apply); }
    var n = 0, total = 0;
    boxes.forEach(function (box) {
      var m = matrices[box.dataset.area], section = box.closest("section.area-section");
      // Areas off screen are counted, and drawn when they come into view.
      var rows = +box.dataset.rows, matched = !m.data ? rows : m.visible ? draw(m, f) : matches(m, f).length;
      total += rows;
      if (f.area && f.area !== box.dataset.area) { matched = 0; }
      n += matched;
      section.hidden = !matched && (!!m.data || !!f.area);
    });
    shown.textContent = n + " of " + total + " cases";
    var state = keys.filter(function (k) { return f[k]; }).map(function (k) { return k + "=" + encodeURIComponent(f[k]); }).join("&");
    history.replaceState(null, "", state ? "#" + state : location.pathname);
  }

  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var p = kv.split("=");
    if (input[p[0]]) { input[p[0]].value = decodeURIComponent(p[1] || ""); }
  });
  var pause;
  input.q.addEventListener("input", function () { clearTimeout(pause); pause = setTimeout(apply, PAUSE); });
  input.q.addEventListener("focus", function () { loadAll(function () {}); });
  ["area", "level", "outcome"].forEach(function (k) { input[k].addEventListener("change", apply); });
  boxes.forEach(function (box) {
    box.addEventListener("click", function (e) {
      if (e.target.classList.contains("more")) { matrices[box.dataset.area].limit += ROWS; apply(); }
    });
  });
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var m = matrices[e.target.dataset.area];
        // A filter that hides the area's section makes it "not intersecting" too; it keeps its
        // place on screen, so the next apply() that shows it again draws it at once (else the
        // counter would say "41 of" over an empty matrix until the observer woke).
        if (e.target.closest("section.area-section").hidden) { return; }
        m.visible = e.isIntersecting;
        if (m.visible) { load(m, apply); }
      });
    }, { rootMargin: "400px" });
    boxes.forEach(function (box) { seen.observe(box); });
  } else {
    boxes.forEach(function (box) { matrices[box.dataset.area].visible = true; });
    loadAll(apply);
  }
  apply();
})();
