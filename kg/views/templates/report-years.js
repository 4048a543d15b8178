// The report's year range: recounts the static matrix, and dims the timeline and the grade
// bars outside the range. Without script the page shows every year.
(function () {
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var from = document.getElementById("year-from"), to = document.getElementById("year-to");
  if (!from || !D.years.length) return;
  function recount() {
    var lo = +from.value, hi = +to.value;
    if (lo > hi) { if (this === from) to.value = from.value; else from.value = to.value; lo = +from.value; hi = +to.value; }
    var cells = {}, top = [1, 1, 1];
    D.findings.forEach(function (f) {
      if (f[3] && (f[3] < lo || f[3] > hi)) return;
      if (!f[3] && (lo !== D.years[0] || hi !== D.years[D.years.length - 1])) return;
      f[1].forEach(function (t) {
        var key = f[0] + ":" + t, c = cells[key] = cells[key] || [0, 0, 0];
        c[f[2]] += 1;
        top[f[2]] = Math.max(top[f[2]], c[f[2]]);
      });
    });
    var totals = {};
    Array.prototype.forEach.call(document.querySelectorAll("table.matrix td.cell"), function (td) {
      var key = td.getAttribute("data-p") + ":" + td.getAttribute("data-t"), c = cells[key] || [0, 0, 0];
      Array.prototype.forEach.call(td.querySelectorAll("span.c"), function (span) {
        var k = +span.getAttribute("data-k"), n = c[k];
        span.textContent = n || "";
        span.classList.toggle("blank", !n);
        span.style.backgroundColor = n ? D.tints[k][Math.min(3, Math.floor(4 * (n - 1) / top[k]))] : "";
        span.title = n ? n + " " + D.names[k] : "";
        if (n) totals[k + ":" + td.getAttribute("data-t")] = (totals[k + ":" + td.getAttribute("data-t")] || 0) + 1;
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("table.matrix tfoot td[data-k]"), function (td) {
      td.textContent = totals[td.getAttribute("data-k") + ":" + td.getAttribute("data-t")] || "";
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-year]"), function (node) {
      var y = +node.getAttribute("data-year");
      node.classList.toggle("out", !!y && (y < lo || y > hi));
    });
    var link = document.getElementById("matrix-link");
    if (link) link.setAttribute("href", link.getAttribute("href").split("#")[0] +
      (lo !== D.years[0] || hi !== D.years[D.years.length - 1] ? "#from=" + lo + "&to=" + hi : ""));
    document.getElementById("kg-status").setAttribute("data-kg-years", lo + "-" + hi);
  }
  from.addEventListener("change", recount);
  to.addEventListener("change", recount);
})();
