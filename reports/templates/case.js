// A case page's verdicts drawn from the JSON in its script#verdicts (reports/html.py writes it):
// each verdict's section gets its input, expectation, reason, requirements, reproduce command,
// expected against observed, exchanges and the case's verdicts on other subjects. Rendering the
// evidence here instead of in Python took the 50,000-verdict report from about a minute to seconds.
// What the subject sent (headers, bodies, reasons) is only ever put in the page as text nodes.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("verdicts").textContent);
  var page = data.page, PHRASES = window.MWC_STATUS || {};
  var FIRST = ["status", "trace"]; // compared fields shown before any other, in this order

  // element("p", {class: "note"}, [children]): children are nodes or strings (text nodes).
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function cls(outcome) { return "o-" + outcome.replace("/", ""); }
  function level(lv) { return el("span", { class: "lv lv-" + lv }, [lv]); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function isWords(v) { return Array.isArray(v) && v.every(function (x) { return typeof x === "string"; }); }
  function removePrefix(s, p) { return s.indexOf(p) === 0 ? s.slice(p.length) : s; }

  // Python's json.dumps(value, sort_keys=True): how reports/portability.py's text() shows any other value.
  function sorted(v) {
    if (Array.isArray(v)) { return "[" + v.map(sorted).join(", ") + "]"; }
    if (isObject(v)) { return "{" + Object.keys(v).sort().map(function (k) { return JSON.stringify(k) + ": " + sorted(v[k]); }).join(", ") + "}"; }
    return JSON.stringify(v);
  }
  // A compact one-line rendering of an evidence value (reports/portability.py text()).
  function text(v) {
    if (typeof v === "string") { return v; }
    if (isWords(v)) { return v.length ? v.join(" ") : "(empty)"; }
    return sorted(v);
  }
  function absent(v) { return v === null || v === undefined ? "(absent)" : text(v); }
  function same(a, b) { return sorted(a === undefined ? null : a) === sorted(b === undefined ? null : b); }

  // Expected and observed tokens merged, as [text, mark] spans: kept (""), deleted expected ("del"),
  // inserted observed ("ins"); between kept runs the deleted come first. A longest common
  // subsequence of the tokens (traces are tens of tokens; past TOKENS² cells all is replaced).
  var TOKENS = 500;
  function tokens(a, b) {
    if (same(a, b)) { return a.map(function (t) { return [t, ""]; }); }
    var n = a.length, m = b.length, i, j, spans = [], dels = [], ins = [];
    var lcs = [];
    if (n * m <= TOKENS * TOKENS) {
      for (i = n; i >= 0; i--) {
        lcs[i] = [];
        for (j = m; j >= 0; j--) {
          lcs[i][j] = i === n || j === m ? 0 : a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
      }
    }
    function flush() { spans = spans.concat(dels, ins); dels = []; ins = []; }
    i = 0; j = 0;
    while (i < n || j < m) {
      if (lcs.length && i < n && j < m && a[i] === b[j]) { flush(); spans.push([a[i], ""]); i++; j++; }
      else if (i < n && (j === m || !lcs.length || lcs[i + 1][j] >= lcs[i][j + 1])) { dels.push([a[i++], "del"]); }
      else { ins.push([b[j++], "ins"]); }
    }
    flush();
    return spans;
  }

  function field(label, expected, observed) {
    var differs = !same(expected, observed);
    if (isWords(expected) && isWords(observed)) {
      var merged = tokens(expected, observed);
      var e = merged.filter(function (s) { return s[1] !== "ins"; }), o = merged.filter(function (s) { return s[1] !== "del"; });
      return { label: label, expected: e.length ? e : [["(empty)", ""]], observed: o.length ? o : [["(empty)", ""]], differs: differs };
    }
    return { label: label, expected: [[absent(expected), differs ? "del" : ""]], observed: [[absent(observed), differs ? "ins" : ""]], differs: differs };
  }
  function fields(expected, observed) {
    var keys = Object.keys(expected).concat(Object.keys(observed).filter(function (k) { return !(k in expected); }));
    var rank = function (k) { var r = FIRST.indexOf(k); return r < 0 ? FIRST.length : r; };
    var order = keys.slice().sort(function (x, y) { return rank(x) - rank(y) || keys.indexOf(x) - keys.indexOf(y); });
    var found = [];
    order.forEach(function (key) {
      var e = expected[key], o = observed[key];
      if (isObject(e) || isObject(o)) {
        // e.g. headers: one field per name, so a single differing header stands out.
        e = isObject(e) ? e : {}; o = isObject(o) ? o : {};
        Object.keys(e).concat(Object.keys(o).filter(function (n) { return !(n in e); })).forEach(function (name) {
          found.push(field(key + " " + name, e[name], o[name]));
        });
      } else {
        found.push(field(key, e, o));
      }
    });
    return found;
  }
  function without(summary, key) {
    var copy = {};
    Object.keys(summary).forEach(function (k) { if (k !== key) { copy[k] = summary[k]; } });
    return copy;
  }
  // Each request's expectation beside what came back for it: the problems found with that request,
  // then the observed status, trace and the headers those problems name.
  function inWords(statements, observed, exchanges, problems) {
    var requests = exchanges.filter(function (e) { return isObject(e) && isObject(e.request); }).map(function (e) { return e.request.method + " " + e.request.path; });
    if (requests.length !== statements.length || requests.length !== exchanges.length) {
      var seen = problems.length ? problems : observed !== null && observed !== undefined ? [text(observed)] : [];
      return [{ title: "", fields: [{ label: "checked", expected: [[statements.join(" · "), ""]], observed: [[seen.join(" · ") || "(see the exchanges)", problems.length ? "ins" : ""]], differs: problems.length > 0 }], trace: [] }];
    }
    return statements.map(function (statement, i) {
      var request = requests[i], exchange = exchanges[i];
      var mine = problems.filter(function (p) { return p.indexOf(request + ":") === 0; }).map(function (p) { return removePrefix(p, request + ": "); });
      var found = [{ label: "checked", expected: [[removePrefix(statement, request + ": "), ""]], observed: [[mine.join("; ") || "as expected", mine.length ? "ins" : ""]], differs: mine.length > 0 }];
      var response = isObject(exchange.response) ? exchange.response : {}, named = mine.join(" ").toLowerCase();
      var status = "status" in response ? String(response.status) : "(none)";
      found.push({ label: "status", expected: [["", ""]], observed: [[status, (mine.length && named.indexOf("status") >= 0) || (" " + named).indexOf(" answered") >= 0 ? "ins" : ""]], differs: false });
      (response.headers || []).forEach(function (h) {
        if (typeof h[0] === "string" && mine.length && named.indexOf(h[0].toLowerCase()) >= 0) {
          found.push({ label: "header " + h[0], expected: [["", ""]], observed: [[h[1], "ins"]], differs: false });
        }
      });
      if (exchange.trace && exchange.trace.length) { found.push({ label: "trace", expected: [["", ""]], observed: [[text(exchange.trace), ""]], differs: false }); }
      return { title: request, fields: found, trace: [] };
    });
  }
  // The suite's expected and observed evidence paired up, where they differ marked.
  function compare(c) {
    var expected = c.expected, observed = c.observed;
    if ((expected === undefined || expected === null) && (observed === undefined || observed === null)) { return []; }
    if (typeof expected === "string" || (isWords(expected) && expected.length)) {
      var problems = (c.differences || []).filter(function (d) { return typeof d === "string"; });
      return inWords(typeof expected === "string" ? [expected] : expected, observed, c.exchanges || [], problems);
    }
    var summaries = function (v) { return Array.isArray(v) && v.every(isObject); };
    if (summaries(expected) && summaries(observed) && expected.length === observed.length) {
      return expected.map(function (e, i) {
        var o = observed[i], traces = [e.trace, o.trace];
        var merged = Array.isArray(traces[0]) && Array.isArray(traces[1]) && !same(traces[0], traces[1]) ? tokens(traces[0], traces[1]) : [];
        return { title: String(o.request || e.request || ""), fields: fields(without(e, "request"), without(o, "request")), trace: merged };
      });
    }
    if (isObject(expected) && isObject(observed)) { return [{ title: "", fields: fields(expected, observed), trace: [] }]; }
    return [{ title: "", fields: [field("value", expected, observed)], trace: [] }];
  }

  function spans(parts) {
    var nodes = [];
    parts.forEach(function (s, i) {
      if (i) { nodes.push(" "); }
      nodes.push(s[1] ? el(s[1], {}, [s[0]]) : s[0]);
    });
    return nodes;
  }
  function httpRequest(r) {
    return [r.method + " " + r.path + " HTTP/1.1"].concat(r.headers.map(function (h) { return h[0] + ": " + h[1]; })).join("\n");
  }
  function httpResponse(r) {
    var head = [("HTTP/1.1 " + r.status + " " + (PHRASES[r.status] || "")).trim()].concat(r.headers.map(function (h) { return h[0] + ": " + h[1]; }));
    return head.join("\n") + (r.body === null ? "" : "\n\n" + r.body);
  }

  function draw(section, v, c) {
    var parts = [
      el("p", {}, [el("b", {}, ["Input:"]), " " + c.title]),
      el("p", {}, [el("b", {}, ["Expected:"]), " " + c.expect]),
    ];
    if (c.note) { parts.push(el("p", { class: "note" }, [el("b", {}, ["Note:"]), " " + c.note])); }
    if (c.reason) {
      parts.push(el("div", { class: "box " + (c.stale_known ? "stale" : cls(c.outcome)) + " reason" }, [el("b", {}, [(c.stale_known ? "Stale known deviation" : c.outcome) + ":"]), " " + c.reason]));
    }
    if (c.violated && c.violated.length && (c.outcome === "fail" || c.outcome === "known")) {
      var broke = [];
      c.violated.forEach(function (rid, i) { if (i) { broke.push(", "); } broke.push(el("code", {}, [rid])); });
      parts.push(el("p", { class: "violated" }, ["Counts as ", level(v.counted), ": what broke is "].concat(broke, [", not the case's own " + c.level + ' requirement (SPEC.md, "Levels").'])));
    }
    var reqs = [el("b", {}, ["Requirement" + (c.requirements.length > 1 ? "s" : "") + ":"]), " "];
    c.requirements.forEach(function (rid, i) {
      var r = page.requirements[rid];
      if (i) { reqs.push(" · "); }
      reqs.push(el("a", { href: page.root + "requirements.html#" + rid }, [el("code", {}, [rid])]));
      if (r) { reqs.push(" ", level(r[0]), " " + r[1]); }
    });
    parts.push(el("p", {}, reqs), el("h3", {}, ["Reproduce just this case"]), el("pre", { class: "reproduce" }, [el("code", {}, [v.reproduce])]));
    if (c.differences && c.differences.length) {
      parts.push(el("h3", {}, ["Differences"]), el("ul", { class: "differences" }, c.differences.map(function (d) { return el("li", {}, [el("code", {}, [text(d)])]); })));
    }
    var comparisons = compare(c);
    if (comparisons.length) {
      parts.push(el("h3", {}, ["Expected vs observed"]));
      comparisons.forEach(function (cmp) {
        if (cmp.title) { parts.push(el("h4", {}, [el("code", {}, [cmp.title])])); }
        var rows = [el("tr", {}, [el("th"), el("th", {}, ["expected"]), el("th", {}, ["observed"])])].concat(cmp.fields.map(function (f) {
          return el("tr", { class: f.differs ? "differs" : "" }, [el("th", {}, [f.label + (f.differs ? " ≠" : "")]), el("td", {}, spans(f.expected)), el("td", {}, spans(f.observed))]);
        }));
        parts.push(el("div", { class: "scroll" }, [el("table", { class: "plain cmp" }, [el("tbody", {}, rows)])]));
        if (cmp.trace.length) { parts.push(el("p", { class: "tracediff" }, [el("b", {}, ["trace diff:"]), " "].concat(spans(cmp.trace)))); }
      });
    }
    if (c.exchanges && c.exchanges.length) {
      parts.push(el("h3", {}, ["Exchanges"]));
      c.exchanges.forEach(function (e) {
        parts.push(
          el("div", { class: "exchange" }, [
            el("div", {}, [el("h4", {}, ["request"]), el("pre", { class: "http-request" }, [httpRequest(e.request)])]),
            el("div", {}, [el("h4", {}, ["response"]), el("pre", { class: "http-response" }, [httpResponse(e.response)])]),
          ]),
          el("p", {}, [el("b", {}, ["trace:"]), " ", el("code", {}, [text(e.trace)])])
        );
      });
    } else {
      parts.push(el("p", { class: "muted" }, ["No exchanges recorded" + (c.outcome === "n/a" ? ": the case did not run on this subject" : "") + "."]));
    }
    parts.push(el("dl", { class: "meta" }, [
      el("dt", {}, ["profile · mode"]), el("dd", {}, [v.profile + " · " + v.mode]),
      el("dt", {}, ["level"]), el("dd", {}, [level(c.level)]),
      el("dt", {}, ["duration"]), el("dd", {}, [(c.duration * 1000).toFixed(1) + " ms"]),
      el("dt", {}, ["pytest node"]), el("dd", {}, [el("code", {}, [c.nodeid])]),
    ]));
    if (v.others.length) {
      var others = [el("b", {}, ["On other subjects:"]), " "];
      v.others.forEach(function (o) {
        var s = page.subjects[o[0]];
        others.push(el("a", { href: "../" + s[1] + "/" + page.area + "-" + page.n + ".html#" + v.anchor }, [el("span", { class: "pill " + cls(o[1]) }, [s[0] + ": " + o[1]])]), " ");
      });
      Object.keys(v.more).forEach(function (o, i) { others.push((i ? ", " : "and ") + v.more[o] + " more " + o); });
      parts.push(el("p", { class: "others" }, others));
    }
    parts.forEach(function (p) { section.appendChild(p); });
  }

  data.verdicts.forEach(function (row, i) {
    var verdict = { anchor: row[0], counted: row[1], reproduce: row[2], profile: row[3], mode: row[4], others: row[5], more: row[6] };
    var section = document.getElementById(verdict.anchor);
    try {
      draw(section, verdict, data.cases[i]);
    } catch (err) {
      section.appendChild(el("p", { class: "box o-error" }, ["This verdict's evidence could not be drawn (" + err + "); it is in this page's source, script#verdicts."]));
    }
  });
  document.getElementById("not-drawn").remove();
})();
