package io.gearbox.cli.bench;

import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * One self-contained HTML page for one or more result documents: the data inlined as JSON, two
 * charts per workload variant (wall time per strategy with its min-max spread and every run as a
 * dot; speedup against the baseline) drawn as inline SVG by a small script in the page, and the
 * numbers as tables. No external file, font, script or network access: it opens offline.
 *
 * <p>When the script has drawn every chart it sets {@code data-charts-drawn} on {@code <body>} to
 * the number of charts; a script error sets {@code data-chart-error}. The Chromium test reads both.
 */
final class HtmlReport {

  private HtmlReport() {}

  /** The page for these documents. */
  static String render(List<JsonNode> docs) {
    ArrayNode data = Report.JSON.createArrayNode();
    docs.forEach(data::add);
    // "</" inside a <script> block would end it early.
    String json = Report.JSON.writeValueAsString(data).replace("</", "<\\/");
    StringBuilder tables = new StringBuilder();
    for (JsonNode doc : docs) {
      tables.append(tables(doc));
    }
    String title = esc(title(docs));
    return fill(PAGE, "%TITLE%", title, "%TITLE%", title, "%TABLES%", tables.toString(),
        "%DATA%", json);
  }

  /**
   * Replaces the markers of the template in the order they appear (a marker twice, twice), never
   * inside text already filled in.
   */
  private static String fill(String template, String... markersAndValues) {
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int i = 0; i < markersAndValues.length; i += 2) {
      int at = template.indexOf(markersAndValues[i], from);
      out.append(template, from, at).append(markersAndValues[i + 1]);
      from = at + markersAndValues[i].length();
    }
    return out.append(template, from, template.length()).toString();
  }

  private static String title(List<JsonNode> docs) {
    StringBuilder s = new StringBuilder("gearbox bench:");
    for (JsonNode doc : docs) {
      s.append(' ').append(doc.path("workload").asString());
    }
    return s.toString();
  }

  private static String tables(JsonNode doc) {
    StringBuilder s = new StringBuilder();
    String workload = doc.path("workload").asString();
    s.append("<section class=\"workload\" data-workload=\"").append(esc(workload)).append("\">\n");
    s.append("<h2>").append(esc(workload)).append("</h2>\n<p class=\"what\">")
        .append(esc(Report.describe(doc))).append("</p>\n");
    s.append("<div class=\"charts\" data-doc=\"").append(esc(workload)).append("\"></div>\n");
    s.append("<table><thead><tr><th>variant</th><th>strategy</th><th>median</th><th>min</th>"
        + "<th>max</th><th>ok</th><th>peak RSS</th><th>CPU</th><th>speedup</th></tr></thead><tbody>\n");
    for (JsonNode row : doc.path("results")) {
      JsonNode wall = row.path("wall_s");
      s.append("<tr><td>").append(esc(row.path("variant").asString()))
          .append("</td><td>").append(esc(row.path("strategy").asString()))
          .append("</td><td>").append(Report.seconds(wall.path("median")))
          .append("</td><td>").append(Report.seconds(wall.path("min")))
          .append("</td><td>").append(Report.seconds(wall.path("max")))
          .append("</td><td>").append(row.path("ok").asInt()).append('/').append(row.path("tasks").asInt())
          .append("</td><td>").append(num(row.path("peak_rss_mb"), "%.0f MB"))
          .append("</td><td>").append(num(row.path("cpu_s"), "%.2f s"))
          .append("</td><td>").append(num(row.path("speedup"), "%.2fx"))
          .append("</td></tr>\n");
    }
    s.append("</tbody></table>\n");
    JsonNode m = doc.path("machine");
    s.append("<p class=\"machine\">").append(esc(m.path("cores").asInt() + " cores, "
        + m.path("memory_mb").asLong() + " MB, " + m.path("os").asString() + ", Java "
        + m.path("java").asString() + "; child JVM flags: "
        + doc.path("params").path("jvm_args").toString() + "; finished "
        + doc.path("finished").asString())).append("</p>\n</section>\n");
    return s.toString();
  }

  private static String num(JsonNode node, String format) {
    return node.isNumber() ? String.format(Locale.ROOT, format, node.asDouble()) : "-";
  }

  static String esc(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static final String PAGE = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>%TITLE%</title>
      <style>
      body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; max-width: 980px; }
      h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; }
      h3 { font-size: 14px; margin: 16px 0 4px; }
      .what, .machine { color: #555; } .machine { font-size: 12px; }
      table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
      th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
      th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
      .pair { display: flex; flex-wrap: wrap; gap: 16px; }
      svg.bench-chart { background: #fafafa; border: 1px solid #e4e4e4; }
      svg text { font: 12px system-ui, sans-serif; fill: #333; }
      </style>
      </head>
      <body>
      <h1>%TITLE%</h1>
      <p class="what">Wall time per strategy: the bar is the median run, the line its min-max spread,
      the dots every measured run. Speedup is the baseline's median divided by the strategy's.</p>
      %TABLES%
      <script type="application/json" id="bench-data">%DATA%</script>
      <script>
      (function () {
        "use strict";
        var NS = "http://www.w3.org/2000/svg";
        var COLORS = { sequential: "#8c8c8c", threads: "#4c78a8", virtual: "#54a24b", cpu: "#e45756",
                       processes: "#b279a2", auto: "#f58518", jdk: "#72b7b2" };
        function el(name, attrs, parent, text) {
          var e = document.createElementNS(NS, name);
          for (var k in attrs) { e.setAttribute(k, attrs[k]); }
          if (text !== undefined) { e.textContent = text; }
          if (parent) { parent.appendChild(e); }
          return e;
        }
        function fmt(s) {
          if (s === 0) { return "0"; }
          if (s >= 1) { return s.toFixed(2) + " s"; }
          if (s >= 0.01) { return (s * 1000).toFixed(0) + " ms"; }
          return (s * 1000).toFixed(2) + " ms";
        }
        function niceMax(v) {
          if (!(v > 0)) { return 1; }
          var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
          var steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
          for (var i = 0; i < steps.length; i++) { if (m <= steps[i] * 1.0000001) { return steps[i] * p; } }
          return 10 * p;
        }
        // kind: "wall" or "speedup"; rows: results of one variant
        function chart(kind, title, rows) {
          var left = 90, right = 100, top = 28, barH = 22, gap = 8, width = 450;
          var height = top + rows.length * (barH + gap) + 28;
          var svg = el("svg", { "class": "bench-chart", "data-kind": kind, width: width, height: height,
                                viewBox: "0 0 " + width + " " + height, role: "img" });
          el("title", {}, svg, title);
          el("text", { x: 8, y: 18, "font-weight": "bold" }, svg, title);
          var plotW = width - left - right;
          var max = 0;
          rows.forEach(function (r) {
            var v = kind === "wall" ? (r.wall_s.max || 0) : (r.speedup || 0);
            max = Math.max(max, v);
          });
          if (kind === "speedup") { max = Math.max(max, 1); }
          max = niceMax(max);
          var x = function (v) { return left + plotW * v / max; };
          var axisY = top + rows.length * (barH + gap);
          el("line", { x1: left, y1: top - 4, x2: left, y2: axisY, stroke: "#999" }, svg);
          for (var t = 0; t <= 4; t++) {
            var v = max * t / 4, xx = x(v);
            el("line", { x1: xx, y1: axisY, x2: xx, y2: axisY + 4, stroke: "#999" }, svg);
            el("text", { x: xx, y: axisY + 17, "text-anchor": "middle", "font-size": 10 }, svg,
               kind === "wall" ? fmt(v) : (v === 0 ? "0" : +v.toFixed(2) + "x"));
          }
          if (kind === "speedup") {
            el("line", { "class": "unity", x1: x(1), y1: top - 4, x2: x(1), y2: axisY,
                         stroke: "#333", "stroke-dasharray": "4 3" }, svg);
          }
          rows.forEach(function (r, i) {
            var y = top + i * (barH + gap), color = COLORS[r.strategy] || "#999";
            el("text", { x: left - 8, y: y + barH / 2 + 4, "text-anchor": "end" }, svg, r.strategy);
            if (kind === "wall") {
              var med = r.wall_s.median;
              if (med === null || med === undefined) {
                el("text", { x: left + 6, y: y + barH / 2 + 4, fill: "#b00" }, svg, r.error ? "failed" : "no runs");
                return;
              }
              el("rect", { "class": "bar", x: left, y: y, width: Math.max(1, x(med) - left), height: barH,
                           fill: color, "fill-opacity": 0.85 }, svg);
              el("line", { "class": "spread", x1: x(r.wall_s.min), x2: x(r.wall_s.max), y1: y + barH / 2,
                           y2: y + barH / 2, stroke: "#222", "stroke-width": 1.5 }, svg);
              [r.wall_s.min, r.wall_s.max].forEach(function (v) {
                el("line", { x1: x(v), x2: x(v), y1: y + 5, y2: y + barH - 5, stroke: "#222", "stroke-width": 1.5 }, svg);
              });
              (r.runs_s || []).forEach(function (v) {
                el("circle", { "class": "run", cx: x(v), cy: y + barH / 2, r: 2.2, fill: "#fff", stroke: "#222" }, svg);
              });
              el("text", { x: x(r.wall_s.max) + 6, y: y + barH / 2 + 4 }, svg, fmt(med));
            } else {
              if (r.speedup === null || r.speedup === undefined) {
                el("text", { x: left + 6, y: y + barH / 2 + 4, fill: "#b00" }, svg, "-");
                return;
              }
              el("rect", { "class": "bar", x: left, y: y, width: Math.max(1, x(r.speedup) - left), height: barH,
                           fill: color, "fill-opacity": 0.85 }, svg);
              el("text", { x: x(r.speedup) + 6, y: y + barH / 2 + 4 }, svg,
                 r.speedup.toFixed(2) + "x" + (r.strategy === r.baseline ? " (base)" : ""));
            }
          });
          return svg;
        }
        var drawn = 0;
        try {
          var docs = JSON.parse(document.getElementById("bench-data").textContent);
          var holders = document.querySelectorAll("div.charts");
          docs.forEach(function (doc, d) {
            var holder = holders[d];
            var variants = [];
            doc.results.forEach(function (r) { if (variants.indexOf(r.variant) < 0) { variants.push(r.variant); } });
            variants.forEach(function (v) {
              var rows = doc.results.filter(function (r) { return r.variant === v; });
              var h = document.createElement("h3");
              h.textContent = doc.workload + (variants.length > 1 || v !== doc.workload ? " / " + v : "");
              holder.appendChild(h);
              var pair = document.createElement("div");
              pair.className = "pair";
              pair.setAttribute("data-variant", v);
              pair.appendChild(chart("wall", "wall time per run", rows));
              pair.appendChild(chart("speedup", "speedup vs " + (rows[0] && rows.filter(function (r) { return r.baseline; })[0]
                  ? rows.filter(function (r) { return r.baseline; })[0].baseline : "baseline"), rows));
              holder.appendChild(pair);
              drawn += 2;
            });
          });
          document.body.setAttribute("data-charts-drawn", String(drawn));
        } catch (e) {
          document.body.setAttribute("data-chart-error", String(e));
        }
      })();
      </script>
      </body>
      </html>
      """;
}
