/* 287(g) Ledger: draws the charts and sorts the tables. The only script of the site's own.
   Vega is loaded from the site itself, and only on pages that have a chart. No eval: Vega's
   expressions are run by vega-interpreter (ast: true). */
(function () {
  "use strict";
  var current = document.currentScript;
  var base = current ? current.src.replace(/ledger\.js(\?.*)?$/, "") : "assets/";

  function load(name) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = base + "vendor/" + name;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + name)); };
      document.head.appendChild(tag);
    });
  }

  function drawCharts() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll(".ledger-chart__canvas[data-spec]"));
    if (!nodes.length) { return; }
    load("vega.min.js")
      .then(function () { return load("vega-lite.min.js"); })
      .then(function () { return load("vega-embed.min.js"); })
      .then(function () { return load("vega-interpreter.min.js"); })
      .then(function () {
        nodes.forEach(function (node) {
          var figure = node.closest(".ledger-chart");
          fetch(new URL(node.getAttribute("data-spec"), document.baseURI))
            .then(function (response) {
              if (!response.ok) { throw new Error("chart spec " + response.status); }
              return response.json();
            })
            .then(function (spec) {
              return window.vegaEmbed(node, spec, {
                actions: false, renderer: "svg", ast: true,
                expr: window.vegaInterpreter.expressionInterpreter, defaultStyle: false
              });
            })
            .then(function () { figure.classList.add("is-drawn"); })
            .catch(function (error) { figure.classList.add("has-error"); console.warn("287(g) Ledger:", error.message); });
        });
      })
      .catch(function (error) { console.warn("287(g) Ledger:", error.message); });
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    var text = cell ? cell.textContent.trim() : "";
    var number = text.replace(/,/g, "");
    return /^-?\d+(\.\d+)?$/.test(number) ? parseFloat(number) : text.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.ledger-sortable"), makeSortable);
  drawCharts();
})();
