package io.gearbox.cli.bench;

import io.gearbox.cli.bench.Stats.Interval;
import io.gearbox.cli.bench.Stats.Separation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The verdict of a matrix row: which tool won, whether the runs support it, and how that compares
 * with the seed's answer. Tools are ranked by the median of their runs; the fastest is named the
 * winner only when a bootstrap interval of the runner-up's median over its median is above 1
 * ({@link Stats}), or shows a tie; otherwise the row is "uncertain" and names no winner. Then the
 * row document that {@code --json} writes (docs/matrix.md).
 */
final class MatrixJudge {

  /** A runner-up within this factor of the winner is a tie. */
  static final double TIE = Stats.TIE;

  private MatrixJudge() {}

  /**
   * What a row measured.
   *
   * @param winner the fastest tool whose every task succeeded, when the runs support it (separated
   *     from the runner-up, or a tie); null when uncertain or when no tool finished
   * @param fastest the tool with the lowest median, whether or not the runs support it; or null
   * @param leaders the fastest and every tool the runs do not separate from it (a tie or
   *     uncertain), in rank order: the tools a user may pick among; empty if no tool finished
   * @param runnerUp the next fastest, or null
   * @param bestFixed the fastest tool other than auto: the one the seed's answer is judged against
   * @param vsSequential sequential's median over the fastest's, or null if sequential did not run
   * @param vsRunnerUp the runner-up's median over the fastest's, or null
   * @param interval the bootstrap interval of that ratio, or null
   * @param separation separated when the runs separate the fastest from every other tool,
   *     tie when from every one but those within the tie factor of it (the runner-up among them),
   *     uncertain when some tool is not told apart from it
   * @param tie whether the runner-up (or another tool) ties with the fastest
   * @param agreement "agrees" when the seed's tool is the best fixed tool or ties with it,
   *     "differs" when the best fixed tool is faster than every seed tool by the runs' measure,
   *     "uncertain" when the runs cannot tell
   * @param why one sentence on the JVM's answer and why it differs from the seed's, if it does
   */
  record Verdict(
      String winner, String fastest, List<String> leaders, String runnerUp, String bestFixed,
      Double vsSequential,
      Double vsRunnerUp, Interval interval, Separation separation, boolean tie, String agreement,
      String why) {

    /** Whether the seed's answer holds here. */
    boolean agrees() {
      return agreement.equals("agrees");
    }
  }

  /** Whether a result counts: it finished, every task succeeded, it has a median. */
  static boolean valid(JsonNode result) {
    return result.path("error").isNull() && result.path("wall_s").path("median").isNumber()
        && result.path("ok").asInt() == result.path("tasks").asInt()
        && result.path("tasks").asInt() > 0;
  }

  static Verdict verdict(MatrixPlan.Row row, ArrayNode results) {
    return verdict(row, results, null);
  }

  /**
   * The row's verdict.
   *
   * @param busy how other processes or the hypervisor took the machine during the row ({@link
   *     MachineLoad.Summary#describe()}), or null when they did not (or it is unknown)
   */
  static Verdict verdict(MatrixPlan.Row row, ArrayNode results, String busy) {
    List<JsonNode> ranked = ranked(results);
    if (ranked.isEmpty()) {
      return new Verdict(null, null, List.of(), null, null, null, null, null, Separation.UNCERTAIN,
          false, "differs", "no tool finished this row");
    }
    JsonNode first = ranked.getFirst();
    String fastest = tool(first);
    JsonNode second = ranked.size() > 1 ? ranked.get(1) : null;
    String runnerUp = second == null ? null : tool(second);
    Interval interval = second == null ? null : Stats.ratioOfMedians(runs(second), runs(first));
    Double vsRunnerUp = second == null ? null : median(second) / median(first);
    Double vsSequential = ranked.stream().filter(r -> tool(r).equals("sequential"))
        .map(r -> median(r) / median(first)).findFirst().orElse(null);
    // The fastest wins only if the runs separate it from every other tool (a tool far down by its
    // median may still have too few or too scattered runs to be told apart from it), or tie it.
    List<String> leaders = new ArrayList<>(List.of(fastest));
    JsonNode unresolved = null;
    boolean anyTie = false;
    for (JsonNode r : ranked.subList(1, ranked.size())) {
      Separation s = compare(r, first);
      if (s != Separation.SEPARATED) {
        leaders.add(tool(r));
      }
      if (s == Separation.UNCERTAIN && unresolved == null) {
        unresolved = r;
      }
      anyTie |= s == Separation.TIE;
    }
    Separation separation = unresolved != null ? Separation.UNCERTAIN
        : second != null && compare(second, first) == Separation.TIE ? Separation.TIE
        : Separation.SEPARATED;
    boolean tie = separation == Separation.TIE || (separation == Separation.SEPARATED && anyTie);
    String winner = separation == Separation.UNCERTAIN ? null : fastest;
    // The seed names fixed tools only: it is judged against the fastest fixed tool (auto, which
    // routes each kind of task to one of them, is left out of this comparison).
    List<JsonNode> fixed = ranked.stream().filter(r -> !tool(r).equals("auto")).toList();
    if (fixed.isEmpty()) {
      return new Verdict(winner, fastest, leaders, runnerUp, null, vsSequential, vsRunnerUp,
          interval, separation, tie, "differs", "only auto finished this row");
    }
    String best = tool(fixed.getFirst());
    String agreement = agreement(row, fixed);
    String why;
    if (separation == Separation.UNCERTAIN) {
      why = uncertain(first, unresolved, busy, leaders, ranked.size());
    } else {
      String nextFixed = fixed.size() > 1 ? tool(fixed.get(1)) : null;
      boolean fixedTie = nextFixed != null && compare(fixed.get(1), fixed.getFirst()) == Separation.TIE;
      why = why(row, best, nextFixed, fixedTie, agreement.equals("agrees"), fixed, busy);
      if (fastest.equals("auto")) {
        why = "auto won: it measures each kind of task and routes it to the pool that fits. Of the "
            + "fixed tools, " + best + " did best: " + why;
      }
    }
    return new Verdict(winner, fastest, leaders, runnerUp, best, vsSequential, vsRunnerUp,
        interval, separation, tie, agreement, why);
  }

  /**
   * The seed's answer against the best fixed tool: it agrees when a seed tool is the best or ties
   * with it, differs when the best is faster than each seed tool that ran, else the runs cannot
   * tell.
   */
  private static String agreement(MatrixPlan.Row row, List<JsonNode> fixed) {
    JsonNode best = fixed.getFirst();
    if (row.seedTools().contains(tool(best))) {
      return "agrees";
    }
    JsonNode seedBest = fixed.stream().filter(r -> row.seedTools().contains(tool(r)))
        .findFirst().orElse(null);
    if (seedBest == null) {
      return "differs"; // no seed tool finished
    }
    return switch (compare(seedBest, best)) {
      case TIE -> "agrees";
      case SEPARATED -> "differs";
      case UNCERTAIN -> "uncertain";
    };
  }

  /** What the runs say about {@code slower} against {@code faster}. */
  private static Separation compare(JsonNode slower, JsonNode faster) {
    return Stats.compare(runs(slower), runs(faster), TIE);
  }

  /**
   * The tools another round should run: those a verdict could not separate (the fastest and every
   * tool not told apart from it; the best fixed tool and the seed's best), or none when every
   * verdict stands.
   */
  static Set<String> contenders(MatrixPlan.Row row, ArrayNode results) {
    Set<String> tools = new LinkedHashSet<>();
    Verdict v = verdict(row, results);
    if (v.separation() == Separation.UNCERTAIN) {
      tools.addAll(v.leaders());
    }
    if (v.agreement().equals("uncertain")) {
      tools.add(v.bestFixed());
      ranked(results).stream().map(MatrixJudge::tool).filter(row.seedTools()::contains)
          .findFirst().ifPresent(tools::add);
    }
    return tools;
  }

  private static List<JsonNode> ranked(ArrayNode results) {
    List<JsonNode> ranked = new ArrayList<>();
    results.forEach(r -> {
      if (valid(r)) {
        ranked.add(r);
      }
    });
    ranked.sort((a, b) -> Double.compare(median(a), median(b)));
    return ranked;
  }

  private static String uncertain(JsonNode first, JsonNode other, String busy,
      List<String> leaders, int finished) {
    String fastest = tool(first);
    String runnerUp = tool(other);
    JsonNode second = other;
    Interval interval = Stats.ratioOfMedians(runs(other), runs(first));
    String rest = leaders.size() < finished
        ? "; " + String.join(" and ", leaders) + " are ahead of the rest, not told apart"
            + " from each other"
        : "";
    return String.format(Locale.ROOT, "%s was fastest by the median, but after %d and "
            + "%d runs the runs do not separate it from %s (%s/%s = %.2f, 95%% interval %.2f to "
            + "%.2f)%s%s", fastest, runs(first).length, runs(second).length, runnerUp, runnerUp,
        fastest, interval.ratio(), interval.low(), interval.high(), rest,
        busy != null ? "; the machine was busy (" + busy + ")" : "");
  }

  /** The tool of a result. */
  static String tool(JsonNode result) {
    return result.path("strategy").asString();
  }

  /** The measured runs of a result ({@code runs_s}), or its median alone where they are missing. */
  static double[] runs(JsonNode result) {
    JsonNode runs = result.path("runs_s");
    if (runs.isArray() && !runs.isEmpty()) {
      double[] values = new double[runs.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = runs.get(i).asDouble();
      }
      return values;
    }
    return new double[] {median(result)};
  }

  private static double median(JsonNode result) {
    return result.path("wall_s").path("median").asDouble();
  }

  /** One sentence: why the JVM's answer is what it is, and why it differs from Python's. */
  static String why(MatrixPlan.Row row, String winner, String runnerUp, boolean tie, boolean agrees,
      List<JsonNode> ranked, String busy) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (winner.equals("sequential")) {
      if (busy != null) {
        return "no pool paid for itself here, but the machine was busy (" + busy + "): the tools"
            + " that run tasks in parallel did not get the other cores; run it again on a quiet"
            + " machine";
      }
      return "no pool paid for itself here: " + switch (row.id()) {
        case "shared-state" -> "every task updates the same map, so they contend for it and "
            + "parallel updates gained nothing over one thread; threads still share the map for "
            + "free, where processes would have to ship every count back";
        default -> "the tasks are too short for a pool's start-up to pay off at this size";
      };
    }
    String tieNote = tie ? " (" + runnerUp + " is within " + Math.round((TIE - 1) * 100)
        + "%: a tie)" : "";
    return switch (row.id()) {
      case "cpu-heavy" -> agrees && winner.equals("processes")
          ? "the same answer: worker processes use every core, as on Python"
          : "differs: Python needs processes to get past the GIL; JVM threads already compute in "
              + "parallel on all " + cores + " cores in one heap, so " + winner + " wins with no "
              + "worker start-up and no pickling of arguments and results" + tieNote;
      case "many-io" -> agrees
          ? "the same answer: a task waiting on the network parks its thread; virtual threads are "
              + "the JVM's async, written as plain blocking code" + tieNote
          : winner + " was fastest here" + tieNote + "; the waits overlap on any tool with "
              + "enough threads";
      case "simple-script" -> agrees
          ? "the same answer: threads(n) is the simplest tool and, at a handful of tasks, as "
              + "fast as any" + tieNote
          : "differs by little: " + winner + " was fastest, but threads is only "
              + spread(ranked, "threads") + " behind at " + row.tasks() + " tasks: "
              + "threads(n) remains a fine choice for a script";
      case "high-scale" -> agrees
          ? "the same answer, with blocking code: a virtual thread per connection scales like "
              + "async (see their memory below), and nothing is 'contagious'" + tieNote
          : "differs: " + winner + " kept up at this size; see the memory per task below for "
              + "what a platform thread per connection costs";
      case "shared-state" -> agrees
          ? "the same answer for a different reason: every JVM thread pool shares one heap, so "
              + "one ConcurrentHashMap serves all tasks with no GIL, and " + winner + " runs the "
              + "updates in parallel; processes would have to ship their counts back" + tieNote
          : winner + " was fastest here" + tieNote + "; any thread-based tool shares the map "
              + "for free";
      default -> winner + " was fastest here";
    };
  }

  /** How far {@code tool}'s median is behind the winner's, e.g. "12 ms", or "-" if it did not run. */
  static String spread(List<JsonNode> ranked, String tool) {
    return ranked.stream().filter(r -> r.path("strategy").asString().equals(tool))
        .map(r -> MatrixRender.secs(median(r) - median(ranked.getFirst()))).findFirst().orElse("-");
  }

  // ------------------------------------------------------------------ the documents

  /** The row as {@code --json} writes it (docs/matrix.md). */
  static ObjectNode rowDocument(MatrixPlan.Row row, List<StrategyResult> results, ArrayNode missing,
      MachineLoad.Summary during) {
    ObjectNode json = Report.JSON.createObjectNode();
    json.put("row", row.id());
    json.put("title", row.title());
    json.put("workload", row.what());
    json.put("warmup", row.warmup());
    json.put("runs", row.runs());
    ArrayNode rows = results.isEmpty() ? Report.JSON.createArrayNode()
        : Report.results(row.workload(), results);
    double load = MachineLoad.loadAverage();
    Verdict v = verdict(row, rows, during.busy() ? during.describe() : null);
    json.put("winner", v.winner());
    json.put("fastest", v.fastest());
    ArrayNode leaders = json.putArray("leaders");
    v.leaders().forEach(leaders::add);
    json.put("runner_up", v.runnerUp());
    putNumber(json, "speedup_vs_sequential", v.vsSequential());
    putNumber(json, "speedup_vs_runner_up", v.vsRunnerUp());
    if (v.interval() != null) {
      ArrayNode ci = json.putArray("runner_up_ratio_ci");
      ci.add(Math.round(v.interval().low() * 1000) / 1000.0);
      ci.add(Math.round(v.interval().high() * 1000) / 1000.0);
    } else {
      json.putNull("runner_up_ratio_ci");
    }
    json.put("separation", v.separation().label());
    json.put("tie", v.tie());
    json.put("seed_says", row.seedSays());
    json.put("seed_why", row.seedWhy());
    ArrayNode seedTools = json.putArray("seed_strategies");
    MatrixPlan.TOOLS.stream().filter(row.seedTools()::contains).forEach(seedTools::add);
    json.put("jvm_says", v.winner());
    json.put("best_fixed", v.bestFixed());
    json.put("agrees", v.agrees());
    json.put("agreement", v.agreement());
    json.put("why", v.why());
    if (load >= 0) {
      json.put("load_average", load);
    } else {
      json.putNull("load_average");
    }
    json.set("machine_during", during.toJson());
    json.set("left_out", missing);
    json.set("results", rows);
    return json;
  }

  private static void putNumber(ObjectNode json, String field, Double value) {
    if (value == null) {
      json.putNull(field);
    } else {
      json.put(field, Math.round(value * 100) / 100.0);
    }
  }

  static ObjectNode memoryDocument(int tasks, List<StrategyResult> results) {
    ObjectNode json = Report.JSON.createObjectNode();
    json.put("tasks", tasks);
    json.put("method", "gearbox bench memory's: a fresh JVM, N tasks parked at once, "
        + "(RSS loaded - RSS before) / N");
    ArrayNode rows = Report.results("memory", results);
    json.set("platform_thread_bytes", bytesPerTask(rows, "threads"));
    json.set("virtual_thread_bytes", bytesPerTask(rows, "virtual"));
    json.put("seed_says_bytes", MatrixRender.SEED_THREAD_BYTES);
    json.set("results", rows);
    return json;
  }

  private static JsonNode bytesPerTask(ArrayNode rows, String strategy) {
    for (JsonNode r : rows) {
      if (r.path("strategy").asString().equals(strategy) && r.path("error").isNull()) {
        return r.path("bytes_per_task");
      }
    }
    return Report.JSON.nullNode();
  }
}
