package io.gearbox.cli.bench;

import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns child samples into the result document ({@code --json}, schema in docs/bench-json.md)
 * and prints it as a table. The table and the HTML page are both drawn from the document, so
 * {@code gearbox bench report} can redraw them from saved files.
 */
final class Report {

  /** The value of the document's "schema" field. */
  static final String SCHEMA = "gearbox-bench/1";

  static final JsonMapper JSON = JsonMapper.builder().build();

  private Report() {}

  // ------------------------------------------------------------------ the document

  /** The result document of one workload. */
  static ObjectNode document(String workload, ObjectNode params, List<StrategyResult> results) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("schema", SCHEMA);
    doc.put("workload", workload);
    doc.set("params", params);
    doc.set("machine", machine());
    doc.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    doc.set("results", results(workload, results));
    return doc;
  }

  /** The rows of a result document: one per strategy and variant, with speedups. */
  static ArrayNode results(String workload, List<StrategyResult> results) {
    ArrayNode rows = JSON.createArrayNode();
    Map<String, double[]> baselineWalls = new LinkedHashMap<>();
    Map<String, String> baselineName = new LinkedHashMap<>();
    // sequential wins when it ran, then aiohttp (io: the seed's asyncio, the comparison)
    for (String preferred : List.of("jdk", "aiohttp", "sequential")) {
      for (StrategyResult r : results) {
        if (r.job().strategy().equals(preferred) && !r.samples().isEmpty()) {
          baselineWalls.put(r.job().variant(), walls(r));
          baselineName.put(r.job().variant(), preferred);
        }
      }
    }
    for (StrategyResult r : results) {
      rows.add(row(workload, r, baselineName.get(r.job().variant()),
          baselineWalls.get(r.job().variant())));
    }
    return rows;
  }

  private static ObjectNode row(String workload, StrategyResult r, String baseline,
      double[] baseWalls) {
    Double baseMedian = baseWalls == null ? null : median(baseWalls);
    ObjectNode row = JSON.createObjectNode();
    row.put("variant", r.job().variant());
    row.put("strategy", r.job().strategy());
    double[] walls = walls(r);
    ObjectNode wall = row.putObject("wall_s");
    ArrayNode runs = row.putArray("runs_s");
    if (walls.length > 0) {
      wall.put("median", round(median(walls), 6));
      wall.put("min", round(Arrays.stream(walls).min().orElseThrow(), 6));
      wall.put("max", round(Arrays.stream(walls).max().orElseThrow(), 6));
      for (double w : walls) {
        runs.add(round(w, 6));
      }
    } else {
      wall.putNull("median");
      wall.putNull("min");
      wall.putNull("max");
    }
    int tasks = r.samples().stream().mapToInt(Sample::tasks).max().orElse(0);
    int ok = r.samples().stream().mapToInt(Sample::ok).min().orElse(0);
    row.put("ok", ok);
    row.put("tasks", tasks);
    if (r.peakRssKb() > 0) {
      row.put("peak_rss_mb", round(r.peakRssKb() / 1024.0, 1));
    } else {
      row.putNull("peak_rss_mb");
    }
    double[] cpus = r.samples().stream().mapToLong(Sample::cpuNanos).filter(c -> c >= 0)
        .mapToDouble(c -> c / 1e9).toArray();
    if (cpus.length > 0) {
      row.put("cpu_s", round(median(cpus), 4));
    } else {
      row.putNull("cpu_s");
    }
    row.put("warmup_runs", r.warmups());
    double[] jit = r.samples().stream().mapToLong(Sample::jitMillis).filter(j -> j >= 0)
        .mapToDouble(j -> j).toArray();
    if (jit.length > 0) {
      row.put("jit_ms", round(median(jit), 1));
    } else {
      row.putNull("jit_ms");
    }
    if (baseline != null && walls.length > 0 && baseMedian > 0) {
      row.put("speedup", round(baseMedian / median(walls), 3));
      row.put("baseline", baseline);
      if (r.job().strategy().equals(baseline)) {
        row.putNull("speedup_ci");
        row.putNull("speedup_separation");
      } else {
        // the interval of baseline / this, in whichever order makes the ratio >= 1
        boolean faster = median(walls) <= baseMedian;
        Stats.Interval ci = faster ? Stats.ratioOfMedians(baseWalls, walls)
            : Stats.ratioOfMedians(walls, baseWalls);
        Stats.Separation separation = faster
            ? Stats.compare(baseWalls, walls, Stats.TIE)
            : Stats.compare(walls, baseWalls, Stats.TIE);
        ArrayNode range = row.putArray("speedup_ci");
        range.add(round(faster ? ci.low() : 1 / ci.high(), 3));
        range.add(round(faster ? ci.high() : 1 / ci.low(), 3));
        row.put("speedup_separation", separation.label());
      }
    } else {
      row.putNull("speedup");
      row.putNull("baseline");
      row.putNull("speedup_ci");
      row.putNull("speedup_separation");
    }
    if ("overhead".equals(workload) && walls.length > 0 && tasks > 0) {
      row.put("per_task_us", round(median(walls) * 1e6 / tasks, 4));
    }
    if ("memory".equals(workload)) {
      double[] perTask = r.samples().stream()
          .filter(s -> s.line().has("rss_loaded_kb") && s.line().path("started").asLong() > 0)
          .mapToDouble(s -> (s.line().path("rss_loaded_kb").asLong()
              - s.line().path("rss_before_kb").asLong()) * 1024.0 / s.line().path("started").asLong())
          .toArray();
      double[] loaded = r.samples().stream().filter(s -> s.line().has("rss_loaded_kb"))
          .mapToDouble(s -> s.line().path("rss_loaded_kb").asLong() / 1024.0).toArray();
      double[] before = r.samples().stream().filter(s -> s.line().has("rss_before_kb"))
          .mapToDouble(s -> s.line().path("rss_before_kb").asLong() / 1024.0).toArray();
      putMedian(row, "bytes_per_task", perTask, 0);
      putMedian(row, "rss_before_mb", before, 1);
      putMedian(row, "rss_loaded_mb", loaded, 1);
    }
    String error = r.error() != null ? r.error()
        : r.samples().stream().map(Sample::error).filter(e -> e != null).findFirst().orElse(null);
    if (error != null) {
      row.put("error", error);
    } else {
      row.putNull("error");
    }
    return row;
  }

  private static void putMedian(ObjectNode row, String field, double[] values, int places) {
    if (values.length > 0) {
      row.put(field, round(median(values), places));
    } else {
      row.putNull(field);
    }
  }

  static ObjectNode machine() {
    ObjectNode m = JSON.createObjectNode();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memory_mb", totalMemoryMb());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("arch", System.getProperty("os.arch"));
    m.put("java", Runtime.version().toString());
    m.put("java_vm", System.getProperty("java.vm.name"));
    m.put("max_open_files", ProcStats.limit("Max open files"));
    m.put("somaxconn", ProcStats.firstLine("/proc/sys/net/core/somaxconn"));
    m.put("load_average", ProcStats.firstLine("/proc/loadavg"));
    return m;
  }

  private static long totalMemoryMb() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize() >> 20;
    }
    return -1;
  }

  private static double[] walls(StrategyResult r) {
    return r.samples().stream().mapToDouble(s -> s.wallNanos() / 1e9).toArray();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double round(double value, int places) {
    double f = Math.pow(10, places);
    return Math.round(value * f) / f;
  }

  // ------------------------------------------------------------------ the table

  /** Column headers of the terminal table, in order (the variant column only when needed). */
  static final List<String> COLUMNS = List.of(
      "strategy", "median", "min", "max", "ok", "peak RSS", "CPU", "speedup");

  /** Prints the title, one table per variant, and what the numbers mean. */
  static void print(JsonNode doc, PrintWriter out, Style style) {
    String workload = doc.path("workload").asString();
    out.println(style.bold("gearbox bench " + workload + ": " + describe(doc)));
    Set<String> variants = new LinkedHashSet<>();
    for (JsonNode row : doc.path("results")) {
      variants.add(row.path("variant").asString());
    }
    for (String variant : variants) {
      List<JsonNode> rows = new ArrayList<>();
      for (JsonNode row : doc.path("results")) {
        if (row.path("variant").asString().equals(variant)) {
          rows.add(row);
        }
      }
      out.println();
      out.println(style.bold(variantTitle(workload, variant, doc.path("params"))));
      Table table = new Table().left(COLUMNS.get(0));
      for (String c : COLUMNS.subList(1, COLUMNS.size())) {
        table.right(c);
      }
      boolean overhead = workload.equals("overhead");
      boolean memory = workload.equals("memory");
      if (overhead) {
        table.right("per task");
      }
      if (memory) {
        table.right("RSS loaded").right("per task");
      }
      for (JsonNode row : rows) {
        JsonNode wall = row.path("wall_s");
        List<Object> cells = new ArrayList<>(List.of(
            row.path("strategy").asString(),
            seconds(wall.path("median")),
            seconds(wall.path("min")),
            seconds(wall.path("max")),
            okCell(row, style),
            row.path("peak_rss_mb").isNumber()
                ? String.format(Locale.ROOT, "%.0f MB", row.path("peak_rss_mb").asDouble()) : "-",
            row.path("cpu_s").isNumber()
                ? String.format(Locale.ROOT, "%.2f s", row.path("cpu_s").asDouble()) : "-",
            speedupCell(row, style)));
        if (overhead) {
          cells.add(row.path("per_task_us").isNumber()
              ? String.format(Locale.ROOT, "%.2f us", row.path("per_task_us").asDouble()) : "-");
        }
        if (memory) {
          cells.add(row.path("rss_loaded_mb").isNumber()
              ? String.format(Locale.ROOT, "%.0f MB", row.path("rss_loaded_mb").asDouble()) : "-");
          cells.add(row.path("bytes_per_task").isNumber()
              ? bytes(row.path("bytes_per_task").asDouble()) : "-");
        }
        table.row(cells.toArray());
      }
      table.print(out, style);
      for (JsonNode row : rows) {
        if (row.path("error").isString()) {
          out.println(style.yellow("  " + row.path("strategy").asString() + ": "
              + row.path("error").asString()));
        }
      }
    }
    out.println();
    out.println(style.dim(footnote(doc)));
    JsonNode during = doc.path("machine_during");
    if (during.path("busy").asBoolean()) {
      out.println(style.yellow("warning: the machine was busy during the runs ("
          + MatrixRender.busyText(during) + "): timings are pessimistic; a speedup marked "
          + "uncertain is not told apart from 1x by its runs"));
    }
    out.flush();
  }

  /** One line saying what was run. */
  static String describe(JsonNode doc) {
    JsonNode p = doc.path("params");
    String runs = p.path("runs").asInt() + " runs after " + p.path("warmup").asInt() + " warm-up"
        + addedWarmups(doc);
    return switch (doc.path("workload").asString()) {
      case "io" -> p.path("tasks").asInt() + " fetches of "
          + (p.path("url_given").asBoolean() ? p.path("url").asString()
              : (p.path("server").asString().startsWith("nginx") ? "nginx" : "a local server")
                  + " answering after " + p.path("latency_ms").asLong() + " ms")
          + " (client " + p.path("client").asString() + "), " + runs;
      case "cpu" -> "the seed's compute_heavy(1..4) at scale " + p.path("scale").asDouble()
          + " (" + p.path("order").asString() + " order), and " + p.path("balanced_tasks").asInt()
          + " equal tasks of the same total work, " + runs;
      case "mixed" -> p.path("tasks").asInt() + " tasks alternating compute_heavy(1) ("
          + fmt(p.path("cpu_ms").asDouble()) + " ms of CPU, scale " + p.path("cpu_scale").asDouble()
          + ") and a fetch of a local server answering after " + p.path("latency_ms").asLong()
          + " ms, through one pool; " + runs;
      case "overhead" -> p.path("tasks").asInt() + " tiny tasks submitted, then waited for, "
          + runs;
      case "memory" -> p.path("tasks").asInt() + " tasks sleeping at once, a fresh JVM per run, "
          + p.path("runs").asInt() + " runs";
      default -> runs;
    };
  }

  /**
   * ", and more while the JIT compiled (virtual 7, jdk 6)" when a strategy's JVM warmed up more
   * than it was asked to; empty otherwise.
   */
  private static String addedWarmups(JsonNode doc) {
    int asked = doc.path("params").path("warmup").asInt();
    Set<String> variants = new java.util.HashSet<>();
    doc.path("results").forEach(row -> variants.add(row.path("variant").asString()));
    List<String> made = new ArrayList<>();
    for (JsonNode row : doc.path("results")) {
      int runs = row.path("warmup_runs").asInt(asked);
      String variant = row.path("variant").asString();
      String strategy = row.path("strategy").asString();
      if (runs > asked) {
        // with several variants, "cpu/jdk" is the JDK executor of the cpu kind
        made.add((variants.size() > 1 && !variant.equals(strategy)
            ? variant + "/" + strategy : strategy) + " " + runs);
      }
    }
    return made.isEmpty() ? ""
        : ", and more while the JIT compiled (" + String.join(", ", made) + ")";
  }

  private static String fmt(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  private static String variantTitle(String workload, String variant, JsonNode params) {
    return switch (workload) {
      case "cpu" -> variant.equals("seed")
          ? "seed: compute_heavy(1), (2), (3), (4)"
          : "balanced: " + params.path("balanced_tasks").asInt() + " equal tasks";
      case "overhead", "memory" -> variant + " pools against the raw JDK executor of that kind";
      default -> variant;
    };
  }

  private static String footnote(JsonNode doc) {
    JsonNode m = doc.path("machine");
    String jvmArgs = String.join(" ", textList(doc.path("params").path("jvm_args")));
    // bench cluster measures in this JVM, against worker and member JVMs it starts
    String where = doc.path("workload").asString().equals("cluster")
        ? "Both strategies ran in this JVM, against the worker and member JVMs it started ("
        : "Each strategy ran in its own JVM, their runs interleaved (";
    return "wall time per run (pool start and close included); ok = fewest tasks that succeeded in "
        + "a run; peak RSS = the strategy's own JVM's VmHWM; CPU = that JVM's CPU time per run "
        + "(median); speedup = baseline median / median (uncertain: its 95% bootstrap interval "
        + "holds 1x). " + where + jvmArgs + ") on "
        + m.path("cores").asInt() + " cores, Java " + m.path("java").asString() + ".";
  }

  private static List<String> textList(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asString());
    }
    return out;
  }

  private static Object okCell(JsonNode row, Style style) {
    int ok = row.path("ok").asInt();
    int tasks = row.path("tasks").asInt();
    String text = ok + "/" + tasks;
    boolean good = tasks > 0 && ok == tasks && !row.path("error").isString();
    return new Table.Styled(text, good ? t -> t : style::yellow);
  }

  private static Object speedupCell(JsonNode row, Style style) {
    if (!row.path("speedup").isNumber()) {
      return "-";
    }
    double x = row.path("speedup").asDouble();
    if (row.path("strategy").asString().equals(row.path("baseline").asString())) {
      return new Table.Styled("1.00x (base)", style::dim);
    }
    String text = String.format(Locale.ROOT, "%.2fx", x);
    if (row.path("speedup_separation").asString().equals("uncertain")) {
      return new Table.Styled(text + " (uncertain)", style::yellow);
    }
    return new Table.Styled(text, x >= 1.5 ? style::green : t -> t);
  }

  /** A duration in seconds as "1.23 s", "105 ms" or "0.42 ms". */
  static String seconds(JsonNode node) {
    if (!node.isNumber()) {
      return "-";
    }
    double s = node.asDouble();
    if (s >= 1) {
      return String.format(Locale.ROOT, "%.2f s", s);
    }
    if (s >= 0.01) {
      return String.format(Locale.ROOT, "%.0f ms", s * 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", s * 1e3);
  }

  private static String bytes(double b) {
    if (b >= 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MB", b / (1024 * 1024));
    }
    if (b >= 1024) {
      return String.format(Locale.ROOT, "%.1f KB", b / 1024);
    }
    return String.format(Locale.ROOT, "%.0f B", b);
  }
}
