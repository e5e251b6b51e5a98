package io.gearbox.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The HTML page of {@code gearbox bench serve}: per scenario, bars of req/s and of the latency
 * percentiles per handlers variant (inline SVG drawn here, no script), the numbers as a table, and
 * the result document inlined as JSON. Self-contained: it opens offline.
 */
final class ServeHtml {

  private static final String[] COLORS = {"#2f6fb0", "#d9822b", "#3a9a5b", "#a04fa8", "#777777"};

  private ServeHtml() {}

  static String render(JsonNode doc) {
    StringBuilder s = new StringBuilder();
    JsonNode m = doc.path("machine");
    s.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>gearbox bench serve</title><style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}")
        .append("table{border-collapse:collapse;margin:.5em 0 2em}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}")
        .append("td:first-child,th:first-child{text-align:left}h2{margin-top:2em}.note{color:#666}")
        .append("</style></head><body>\n<h1>gearbox bench serve</h1>\n<p class=\"note\">")
        .append(esc("wrk against gearbox serve, " + doc.path("params").path("duration_s").asDouble()
            + " s per scenario, each handlers variant in its own JVM; " + m.path("cores").asInt()
            + " cores, Java " + m.path("java").asString() + ", load average at the end "
            + m.path("load_average").asString() + ", finished " + doc.path("finished").asString()))
        .append("</p>\n");
    Set<String> scenarios = new LinkedHashSet<>();
    for (JsonNode row : doc.path("results")) {
      if (!row.path("error").isString()) {
        scenarios.add(row.path("variant").asString());
      }
    }
    int charts = 0;
    for (String scenario : scenarios) {
      List<JsonNode> rows = new ArrayList<>();
      for (JsonNode row : doc.path("results")) {
        if (row.path("variant").asString().equals(scenario) && !row.path("error").isString()) {
          rows.add(row);
        }
      }
      JsonNode first = rows.getFirst();
      s.append("<section data-scenario=\"").append(esc(scenario)).append("\"><h2>").append(esc(scenario))
          .append(": ").append(esc(first.path("url").asString())).append(" at ")
          .append(first.path("connections").asInt()).append(" connections</h2>\n");
      s.append(bars("requests per second", rows, List.of("requests_per_s"), "%,.0f"));
      s.append(bars("latency (ms): p50, p90, p99", rows, List.of("p50", "p90", "p99"), "%,.1f"));
      charts += 2;
      s.append("<table><tr><th>handlers</th><th>req/s</th><th>p50</th><th>p90</th><th>p99</th>")
          .append("<th>errors</th><th>server CPU</th><th>peak RSS</th><th>p99 vs alone</th></tr>\n");
      for (JsonNode row : rows) {
        JsonNode l = row.path("latency_ms");
        s.append("<tr><td>").append(esc(row.path("strategy").asString())).append("</td><td>")
            .append(fmt("%,.0f", row.path("requests_per_s"))).append("</td><td>")
            .append(fmt("%.1f ms", l.path("p50"))).append("</td><td>")
            .append(fmt("%.1f ms", l.path("p90"))).append("</td><td>")
            .append(fmt("%.1f ms", l.path("p99"))).append("</td><td>")
            .append(row.path("errors").path("total").asLong()).append("</td><td>")
            .append(fmt("%.2f cores", row.path("server_cpu_cores"))).append("</td><td>")
            .append(fmt("%.0f MB", row.path("server_peak_rss_mb"))).append("</td><td>")
            .append(fmt("%.2fx", row.path("p99_vs_alone"))).append("</td></tr>\n");
      }
      s.append("</table></section>\n");
    }
    for (JsonNode row : doc.path("results")) {
      if (row.path("error").isString()) {
        s.append("<p class=\"error\">").append(esc(row.path("strategy").asString() + ": "
            + row.path("error").asString())).append("</p>\n");
      }
    }
    String json = Report.JSON.writeValueAsString(doc).replace("</", "<\\/");
    s.append("<script type=\"application/json\" id=\"data\">").append(json).append("</script>\n");
    s.append("</body></html>\n");
    return s.toString().replace("<body>", "<body data-charts=\"" + charts + "\">");
  }

  /** Horizontal bars: one group per row (handlers), one bar per field. */
  private static String bars(String title, List<JsonNode> rows, List<String> fields, String format) {
    double max = 0;
    for (JsonNode row : rows) {
      for (String f : fields) {
        max = Math.max(max, value(row, f));
      }
    }
    int barH = 14;
    int labelW = 80;
    int width = 640;
    int groupH = fields.size() * barH + 10;
    int height = rows.size() * groupH + 24;
    StringBuilder s = new StringBuilder();
    s.append("<figure><figcaption>").append(esc(title)).append("</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(width).append("\" height=\"").append(height).append("\" role=\"img\">");
    for (int r = 0; r < rows.size(); r++) {
      int y0 = r * groupH + 4;
      s.append("<text x=\"0\" y=\"").append(y0 + groupH / 2).append("\" font-size=\"12\">")
          .append(esc(rows.get(r).path("strategy").asString())).append("</text>");
      for (int f = 0; f < fields.size(); f++) {
        double v = value(rows.get(r), fields.get(f));
        int w = max > 0 ? (int) Math.round((width - labelW - 110) * Math.max(0, v) / max) : 0;
        int y = y0 + f * barH;
        s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y).append("\" width=\"").append(w)
            .append("\" height=\"").append(barH - 2).append("\" fill=\"").append(COLORS[f % COLORS.length])
            .append("\"><title>").append(esc(fields.get(f))).append("</title></rect>")
            .append("<text x=\"").append(labelW + w + 4).append("\" y=\"").append(y + barH - 4)
            .append("\" font-size=\"11\">").append(esc((fields.size() > 1 ? fields.get(f) + " " : "")
                + (v >= 0 ? String.format(Locale.ROOT, format, v) : "-"))).append("</text>");
      }
    }
    return s.append("</svg></figure>\n").toString();
  }

  private static double value(JsonNode row, String field) {
    JsonNode n = row.has(field) ? row.path(field) : row.path("latency_ms").path(field);
    return n.isNumber() ? n.asDouble() : -1;
  }

  private static String fmt(String format, JsonNode value) {
    return value.isNumber() && value.asDouble() >= 0 ? String.format(Locale.ROOT, format, value.asDouble()) : "-";
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
