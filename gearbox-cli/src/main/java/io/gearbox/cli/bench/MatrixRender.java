package io.gearbox.cli.bench;

import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import java.io.PrintWriter;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prints what {@code gearbox matrix} measured, from the documents {@link MatrixJudge} built: the
 * header, one table per row with its verdict beside the seed's, the memory section and the summary
 * table, and a warning where the machine was busy.
 */
final class MatrixRender {

  /** The seed's claim for the memory of one thread. */
  static final long SEED_THREAD_BYTES = 8 * 1024;

  private final PrintWriter out;
  private final Style style;

  MatrixRender(PrintWriter out, Style style) {
    this.out = out;
    this.style = style;
  }

  /** The title and one line on how the matrix is measured. */
  void printHeader(MatrixPlan.Sizes sizes, boolean quick, String serverUri) {
    out.println(style.bold("gearbox matrix: the seed's decision matrix, measured on this machine"));
    out.println(style.dim(String.format(Locale.ROOT,
        "%d cores, Java %s; each tool in a JVM of its own (%s), %d warm-up + at least %d measured "
            + "runs, interleaved (high-scale: %d + %d), more while a verdict is unsure (up to %d "
            + "runs, or %d s more a row); the median counts; fetches go to %s (no internet)%s",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), MatrixPlan.JVM_ARGS,
        sizes.warmup(), sizes.runs(), sizes.scaleWarmup(), sizes.scaleRuns(), sizes.maxRuns(),
        sizes.rowBudget().toSeconds(), serverUri, quick ? "; --quick sizes" : "")));
    out.flush();
  }

  /** "other processes used 1.3 of 2 cores, load 4.7, steal 0%" from a machine_during object. */
  static String busyText(JsonNode during) {
    StringBuilder s = new StringBuilder();
    if (during.path("other_cpu_cores").isNumber()) {
      s.append(String.format(Locale.ROOT, "other processes used %.1f of %d cores",
          during.path("other_cpu_cores").asDouble(), during.path("cores").asInt()));
    }
    double load = Math.max(during.path("load_average_start").asDouble(-1),
        during.path("load_average_end").asDouble(-1));
    if (load >= 0) {
      s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "load %.1f", load));
    }
    if (during.path("steal_share").isNumber()) {
      s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "steal %.0f%%",
          during.path("steal_share").asDouble() * 100));
    }
    return s.toString();
  }

  /** Prints one row; returns whether a tool failed. */
  boolean printRow(int number, MatrixPlan.Row row, ObjectNode json) {
    out.println();
    out.println(style.bold(number + ". " + row.title() + ": " + row.what()));
    Table table = new Table().left("tool").right("median").right("min").right("max").right("ok")
        .right("CPU").right("vs sequential");
    boolean failed = false;
    for (JsonNode r : json.path("results")) {
      JsonNode wall = r.path("wall_s");
      table.row(r.path("strategy").asString(), Report.seconds(wall.path("median")),
          Report.seconds(wall.path("min")), Report.seconds(wall.path("max")),
          r.path("ok").asInt() + "/" + r.path("tasks").asInt(),
          r.path("cpu_s").isNumber()
              ? String.format(Locale.ROOT, "%.2f s", r.path("cpu_s").asDouble()) : "-",
          r.path("speedup").isNumber()
              ? String.format(Locale.ROOT, "%.2fx", r.path("speedup").asDouble()) : "-");
    }
    table.print(out, style);
    for (JsonNode m : json.path("left_out")) {
      out.println(style.dim("  " + m.path("strategy").asString() + ": " + m.path("reason").asString()));
    }
    for (JsonNode r : json.path("results")) {
      if (!MatrixJudge.valid(r)) {
        failed = true;
        out.println(style.yellow("  " + r.path("strategy").asString() + " failed: "
            + (r.path("error").isString() ? r.path("error").asString()
                : r.path("ok").asInt() + " of " + r.path("tasks").asInt() + " tasks succeeded")));
      }
    }
    if (json.path("separation").asString().equals("uncertain") && json.path("fastest").isString()) {
      out.println("  " + style.yellow("uncertain: the runs do not tell " + leaders(json)
          + " apart (" + json.path("fastest").asString() + " was fastest by the median): no "
          + "winner named"));
    }
    if (json.path("winner").isString()) {
      StringBuilder w = new StringBuilder("winner: " + json.path("winner").asString());
      if (json.path("speedup_vs_sequential").isNumber()
          && !json.path("winner").asString().equals("sequential")) {
        w.append(String.format(Locale.ROOT, ", %.2fx sequential",
            json.path("speedup_vs_sequential").asDouble()));
      }
      if (json.path("runner_up").isString()) {
        w.append(String.format(Locale.ROOT, "; runner-up %s, %.2fx slower%s",
            json.path("runner_up").asString(), json.path("speedup_vs_runner_up").asDouble(),
            json.path("tie").asBoolean() ? " (a tie)" : ""));
        if (json.path("runner_up_ratio_ci").isArray()) {
          w.append(String.format(Locale.ROOT, ", 95%% interval %.2f to %.2f",
              json.path("runner_up_ratio_ci").path(0).asDouble(),
              json.path("runner_up_ratio_ci").path(1).asDouble()));
        }
      }
      out.println("  " + style.green(w.toString()));
    }
    note("the seed says: " + json.path("seed_says").asString() + " (" + json.path("seed_why")
        .asString() + ")");
    note("the JVM says:  " + (json.path("winner").isString()
        ? json.path("winner").asString() + " (" + call(json.path("winner").asString()) + ")"
        : json.path("fastest").isString() ? "uncertain" : "nothing: no tool finished")
        + ": " + json.path("why").asString());
    JsonNode during = json.path("machine_during");
    if (during.path("busy").asBoolean()) {
      note(style.yellow("busy machine during this row: " + busyText(during)));
    }
    out.flush();
    return failed;
  }

  /** Prints the memory section; returns whether a run failed. */
  boolean printMemory(ObjectNode json) {
    out.println();
    out.println(style.bold(String.format(Locale.ROOT,
        "Memory per concurrent task: %,d tasks parked at once, a fresh JVM each",
        json.path("tasks").asInt())));
    Table table = new Table().left("kind").right("per task").right("RSS loaded");
    boolean failed = false;
    for (JsonNode r : json.path("results")) {
      String kind = r.path("strategy").asString().equals("threads")
          ? "platform thread (Gearbox.threads(" + json.path("tasks").asInt() + "))"
          : "virtual thread (Gearbox.virtual())";
      table.row(kind, r.path("bytes_per_task").isNumber()
              ? kb(r.path("bytes_per_task").asDouble()) : "-",
          r.path("rss_loaded_mb").isNumber()
              ? String.format(Locale.ROOT, "%.0f MB", r.path("rss_loaded_mb").asDouble()) : "-");
      if (!MatrixJudge.valid(r)) {
        failed = true;
        out.println(style.yellow("  " + kind + " failed: " + r.path("error").asString("")));
      }
    }
    table.print(out, style);
    JsonNode platform = json.path("platform_thread_bytes");
    JsonNode virtual = json.path("virtual_thread_bytes");
    note("the seed says: a thread costs about 8 KB on Linux, a coroutine almost nothing");
    if (platform.isNumber() && virtual.isNumber() && virtual.asDouble() > 0) {
      note(String.format(Locale.ROOT, "measured: a platform thread costs %s here (its stack and "
              + "kernel thread), a virtual thread %s (a heap object): %.0fx less, so 10,000 "
              + "connections hold %s instead of %s", kb(platform.asDouble()), kb(virtual.asDouble()),
          platform.asDouble() / virtual.asDouble(), mb(10_000 * virtual.asDouble()),
          mb(10_000 * platform.asDouble())));
    }
    out.flush();
    return failed;
  }

  void printSummary(ArrayNode rows, ObjectNode memory, MachineLoad.Summary during) {
    out.println();
    out.println(style.bold("The matrix, measured here"));
    Table table = new Table().left("the work").left("the seed says").left("the JVM says")
        .left("runner-up").right("vs sequential").right("vs runner-up").left("");
    for (JsonNode r : rows) {
      table.row(r.path("title").asString(), r.path("seed_says").asString(),
          !r.path("winner").isString()
              ? (r.path("fastest").isString() ? "uncertain: " + leaders(r, 2) : "-")
              : r.path("winner").asString().equals("auto") && r.path("best_fixed").isString()
                  ? "auto (then " + r.path("best_fixed").asString() + ")"
                  : r.path("winner").asString(),
          r.path("runner_up").isString() ? r.path("runner_up").asString() : "-",
          r.path("speedup_vs_sequential").isNumber()
              ? String.format(Locale.ROOT, "%.2fx", r.path("speedup_vs_sequential").asDouble()) : "-",
          r.path("speedup_vs_runner_up").isNumber()
              ? String.format(Locale.ROOT, "%.2fx%s", r.path("speedup_vs_runner_up").asDouble(),
                  r.path("tie").asBoolean() ? " (tie)" : "") : "-",
          r.path("agreement").asString().equals("agrees") ? "agrees"
              : new Table.Styled(r.path("agreement").asString(), style::yellow));
    }
    table.print(out, style);
    if (during.busy()) {
      out.println(style.yellow("  warning: the machine was busy during the matrix ("
          + during.describe() + "): timings are pessimistic; rows whose runs could not be "
          + "separated within their budget say uncertain"));
    }
    JsonNode platform = memory.path("platform_thread_bytes");
    JsonNode virtual = memory.path("virtual_thread_bytes");
    if (platform.isNumber() && virtual.isNumber()) {
      note(String.format(Locale.ROOT, "memory per concurrent task: platform thread %s, virtual "
          + "thread %s (the seed: ~8 KB a thread)", kb(platform.asDouble()), kb(virtual.asDouble())));
    }
    out.println();
  }

  private static String call(String tool) {
    return switch (tool) {
      case "sequential" -> "no pool";
      case "threads" -> "Gearbox.threads(n)";
      case "virtual" -> "Gearbox.virtual()";
      case "cpu" -> "Gearbox.cpu()";
      case "processes" -> "Gearbox.processes(n)";
      case "auto" -> "Gearbox.auto()";
      default -> tool;
    };
  }

  private void note(String text) {
    Table.note(out, text, style::dim);
  }

  /** The leaders of a row, "virtual, auto". */
  private static String leaders(JsonNode row) {
    return leaders(row, Integer.MAX_VALUE);
  }

  /** The first {@code most} leaders of a row and how many more, "virtual, cpu +3". */
  private static String leaders(JsonNode row, int most) {
    StringBuilder s = new StringBuilder();
    int n = 0;
    for (JsonNode tool : row.path("leaders")) {
      if (n++ < most) {
        s.append(s.isEmpty() ? "" : ", ").append(tool.asString());
      }
    }
    return n > most ? s + " +" + (n - most) : s.toString();
  }

  static String secs(double s) {
    return Report.seconds(Report.JSON.getNodeFactory().numberNode(Math.max(0, s)));
  }

  private static String kb(double bytes) {
    return String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
  }

  private static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / (1024 * 1024));
  }
}
