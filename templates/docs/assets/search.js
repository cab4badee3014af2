/* Asteri docs: instant search over the prebuilt index (assets/search-index.js), keyboard navigation,
   copy buttons. No dependencies, no network beyond the site's own files. */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var root = document.body.getAttribute("data-root") || "";
  var index = null, loading = false, results = [], selected = 0, MAX = 12;

  function load() {
    if (index || loading) return;
    loading = true;
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () { index = prepare(window.ASTERI_SEARCH); if (input.value) run(); };
    document.head.appendChild(s);
  }

  function words(text) { return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean); }

  function prepare(data) {
    return data.entries.map(function (e, i) {
      return { title: e[0], kind: data.kinds[e[1]], rank: e[1], url: e[2], text: e[3], i: i,
               lt: e[0].toLowerCase(), words: words(e[0]), hay: (e[0] + " " + e[3] + " " + e[4]).toLowerCase() };
    });
  }

  function score(e, q, tokens) {
    var prefix = tokens.every(function (t) { return e.words.some(function (w) { return w.indexOf(t) === 0; }); });
    if (prefix) return 0;
    if (tokens.every(function (t) { return e.lt.indexOf(t) >= 0; })) return 1;
    if (tokens.every(function (t) { return e.hay.indexOf(t) >= 0; })) return 2;
    return -1;
  }

  function search(q) {
    var tokens = words(q);
    if (!tokens.length) return [];
    var lq = q.trim().toLowerCase(), found = [];
    for (var i = 0; i < index.length; i++) {
      var e = index[i], s = score(e, lq, tokens);
      if (s >= 0) found.push({ e: e, s: s, starts: e.lt.indexOf(lq) === 0 ? 0 : 1 });
    }
    found.sort(function (a, b) {
      return a.s - b.s || a.e.rank - b.e.rank || a.starts - b.starts ||
             a.e.title.length - b.e.title.length || a.e.i - b.e.i;
    });
    return found.slice(0, MAX).map(function (f) { return f.e; });
  }

  function render() {
    list.textContent = "";
    if (!input.value.trim()) { list.hidden = true; input.setAttribute("aria-expanded", "false"); return; }
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = index ? "No results" : "Loading…";
      list.appendChild(none);
    }
    results.forEach(function (e, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "sr-" + i;
      li.setAttribute("aria-selected", i === selected ? "true" : "false");
      li.dataset.url = root + e.url;
      [["k", e.kind], ["t", e.title], ["x", e.text]].forEach(function (p) {
        var span = document.createElement("span");
        span.className = p[0];
        span.textContent = p[1];
        li.appendChild(span);
      });
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (results.length) input.setAttribute("aria-activedescendant", "sr-" + selected);
  }

  function run() { results = index ? search(input.value) : []; selected = 0; render(); }

  function go(i) {
    var e = results[i];
    if (!e) return;
    list.hidden = true;
    window.location.href = root + e.url;
  }

  function move(delta) {
    if (!results.length) return;
    selected = (selected + delta + results.length) % results.length;
    render();
    var el = document.getElementById("sr-" + selected);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }

  if (input && list) {
    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load(); run(); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
      else if (ev.key === "Enter") { ev.preventDefault(); go(selected); }
      else if (ev.key === "Escape") { input.value = ""; run(); input.blur(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
    document.addEventListener("keydown", function (ev) {
      var tag = (ev.target && ev.target.tagName) || "";
      if (ev.key === "/" && tag !== "INPUT" && tag !== "TEXTAREA") { ev.preventDefault(); input.focus(); }
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target;
    if (!button.classList || !button.classList.contains("copy")) return;
    var code = button.parentNode.querySelector("code");
    if (!code || !navigator.clipboard) return;
    navigator.clipboard.writeText(code.textContent).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1200);
    }, function () { button.textContent = "Select and copy"; });
  });
})();
