/* csc-outcomes report: draw each chart from the Vega-Lite spec beside it (vega-embed, SVG,
   no actions menu: nothing links or fetches off the page), and filter the authority list.
   Without JavaScript every figure is still in the data table under its chart. */
(function () {
  "use strict";

  function fitColumns(spec, width) {
    // small multiples: as many panels per row as the page width allows; at 400% zoom one,
    // narrowed to fit. usermeta.labels: the room a panel's axis labels need.
    if (!spec.facet || !spec.columns) { return spec; }
    var labels = (spec.usermeta && spec.usermeta.labels) || 190;
    var inner = spec.spec || {};
    var panel = inner.width || 180;
    spec.columns = Math.max(1, Math.min(spec.columns, Math.floor(width / (panel + labels))));
    if (spec.columns === 1 && width < panel + labels) {
      inner.width = Math.max(60, width - labels);
    }
    return spec;
  }

  function fitLabels(spec, width) {
    // long category labels take at most 45% of a narrow chart (the table has them whole)
    var y = spec.encoding && spec.encoding.y && spec.encoding.y.axis;
    if (y && y.labelLimit && y.labelLimit > 0.45 * width) {
      y.labelLimit = Math.floor(0.45 * width);
    }
    return spec;
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    if (!source || typeof vegaEmbed === "undefined") { return; }
    var width = el.clientWidth || 600;
    var spec = fitLabels(fitColumns(JSON.parse(source.textContent), width), width);
    vegaEmbed(el, spec, { renderer: "svg", actions: false }).then(function () {
      el.classList.add("chart-drawn");
    }).catch(function (err) {
      el.classList.add("chart-failed");
      el.textContent = "The chart could not be drawn (" + err.message +
        "); the data table below holds its figures.";
    });
  }

  function filterTable(input) {
    var table = document.getElementById(input.getAttribute("aria-controls"));
    var count = document.getElementById("filter-count");
    var rows = table ? table.tBodies[0].rows : [];
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase(), shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = rows[i].textContent.toLowerCase().indexOf(wanted) !== -1;
        rows[i].hidden = !hit;
        if (hit) { shown += 1; }
      }
      count.textContent = shown + " of " + rows.length + " shown";
    });
  }

  document.querySelectorAll("[data-spec]").forEach(draw);
  var input = document.getElementById("filter");
  if (input) {
    input.closest(".filter").hidden = false;
    filterTable(input);
  }
}());
