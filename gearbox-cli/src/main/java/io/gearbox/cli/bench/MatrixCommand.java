package io.gearbox.cli.bench;

import io.gearbox.cli.Main;
import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox matrix}: the seed's decision matrix, measured on this machine. Each row runs a
 * short representative workload under each tool, every tool in a child JVM of its own (the
 * {@code gearbox bench} machinery), and prints the measured winner beside the seed's answer.
 * The {@code --json} format is in docs/matrix.md.
 */
@Command(
    name = "matrix",
    mixinStandardHelpOptions = true,
    header = "Measures the seed's decision matrix on this machine, row by row.",
    description = {
      "%nFor each row of the seed's \"Quick Decision Matrix\" (CPU-heavy, many I/O",
      "operations, simple script, high-scale server, shared state) a short workload",
      "runs under each tool: sequential, threads (Gearbox.threads(T), T = one per",
      "task), virtual (Gearbox.virtual()), cpu (Gearbox.cpu()), and processes and",
      "auto where this build has them; each tool in a JVM of its own, as in",
      "gearbox bench. It prints the winner, the runner-up, the speedups, the",
      "memory of a platform and a virtual thread, and where the JVM's answer",
      "differs from the seed's Python answer, and why. Fetches go to a server on",
      "127.0.0.1 that the command starts and stops. One to two minutes on 2 cores;",
      "seconds with --quick.%n",
    })
public final class MatrixCommand implements Callable<Integer> {

  /** The value of the document's "schema" field. */
  static final String SCHEMA = "gearbox-matrix/1";

  /** Every tool a row can run, in table order. */
  static final List<String> TOOLS = List.of("sequential", "threads", "virtual", "cpu", "processes", "auto");

  /** A runner-up within this factor of the winner is a tie. */
  static final double TIE = 1.05;

  /** The seed's claim for the memory of one thread. */
  static final long SEED_THREAD_BYTES = 8 * 1024;

  private static final String JVM_ARGS = "-XX:+UseSerialGC -Xmx256m";
  private static final String MEMORY_JVM_ARGS = "-XX:+UseSerialGC -Xmx1g";

  @Spec CommandSpec spec;

  @ParentCommand Main parent;

  @Option(names = "--quick", description = "Tiny sizes, one run each: seconds in all (the tests "
      + "use it). The numbers are not worth quoting.")
  boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the rows as JSON.")
  Path json;

  /** Sizes of one matrix run. */
  record Sizes(
      int cpuTasks, Duration cpuPerTask,
      int ioTasks, long ioLatencyMs,
      int scriptTasks, long scriptLatencyMs,
      int scaleTasks, long scaleLatencyMs,
      int sharedTasks, int sharedUpdates, int sharedKeys, int sharedWork,
      int memoryTasks,
      int warmup, int runs, int scaleWarmup, int scaleRuns,
      Duration skipOver) {}

  static final Sizes FULL = new Sizes(
      8, Duration.ofMillis(50),
      100, 5,
      4, 50,
      10_000, 100,
      16, 40_000, 1024, 256,
      // 5,000, not 10,000: starting 10,000 platform threads took 20-30 s here on its own
      5_000,
      // the high-scale row: one cold run per tool (its runs take seconds each)
      1, 2, 0, 1,
      Duration.ofSeconds(10));

  static final Sizes QUICK = new Sizes(
      4, Duration.ofMillis(10),
      20, 5,
      4, 10,
      1_000, 20,
      4, 5_000, 1024, 256,
      200,
      0, 1, 0, 1,
      Duration.ofSeconds(3));

  /**
   * One row of the seed's matrix.
   *
   * @param id the row's name in the JSON
   * @param title the seed's words for the work
   * @param workload the bench child's workload
   * @param variant the bench child's variant
   * @param what the workload in a few words
   * @param tasks tasks per run
   * @param latencyMs how long each fetch waits (I/O rows), or -1
   * @param params the child's parameters
   * @param warmup unmeasured runs per tool first, in the same JVM
   * @param runs measured runs per tool
   * @param seedSays the seed's Python answer
   * @param seedWhy the seed's reason
   * @param seedTools the tools that count as the seed's answer on the JVM
   */
  record Row(
      String id, String title, String workload, String variant, String what, int tasks,
      long latencyMs, Map<String, String> params, int warmup, int runs,
      String seedSays, String seedWhy, Set<String> seedTools) {}

  /**
   * What a row measured.
   *
   * @param winner the fastest tool whose every task succeeded, or null
   * @param runnerUp the next fastest, or null
   * @param bestFixed the fastest tool other than auto: the one the seed's answer is judged against
   * @param vsSequential sequential's median over the winner's, or null if sequential did not run
   * @param vsRunnerUp the runner-up's median over the winner's, or null
   * @param tie whether the runner-up is within {@link #TIE} of the winner
   * @param agrees whether the seed's tool is the best fixed tool, or ties with it
   * @param why one sentence on the JVM's answer and why it differs from the seed's, if it does
   */
  record Verdict(
      String winner, String runnerUp, String bestFixed, Double vsSequential, Double vsRunnerUp,
      boolean tie, boolean agrees, String why) {}

  private PrintWriter out;
  private Style style;

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    style = parent != null ? parent.style() : Style.PLAIN;
    String unwritable = io.gearbox.cli.OutputFiles.check("--json", json);
    if (unwritable != null) {
      err.println("gearbox: " + unwritable);
      return 1;
    }
    Sizes sizes = quick ? QUICK : FULL;
    long start = System.nanoTime();

    ObjectNode doc = Report.JSON.createObjectNode();
    doc.put("schema", SCHEMA);
    ArrayNode rowsJson = Report.JSON.createArrayNode();
    boolean failed = false;
    try (BenchServer server = BenchServer.start(0, 1256)) {
      double scale = Tasks.computeScaleFor(sizes.cpuPerTask());
      List<Row> rows = rows(sizes, scale, server.uri().toString());
      ObjectNode params = doc.putObject("params");
      params.put("quick", quick);
      params.put("warmup", sizes.warmup());
      params.put("runs", sizes.runs());
      params.put("cpu_scale", scale);
      ArrayNode flags = params.putArray("jvm_args");
      args(JVM_ARGS).forEach(flags::add);
      doc.putObject("machine"); // filled in at the end: its load average is the run's

      out.println(style.bold("gearbox matrix: the seed's decision matrix, measured on this machine"));
      out.println(style.dim(String.format(Locale.ROOT,
          "%d cores, Java %s; each tool in a JVM of its own (%s), %d warm-up + %d measured runs "
              + "(the median counts; high-scale: %d + %d); fetches go to %s (no internet)%s",
          Runtime.getRuntime().availableProcessors(), Runtime.version(), JVM_ARGS, sizes.warmup(),
          sizes.runs(), sizes.scaleWarmup(), sizes.scaleRuns(), server.uri(),
          quick ? "; --quick sizes" : "")));
      out.flush();

      // plan every job first, so the progress display knows the total
      Map<Row, List<Job>> plans = new LinkedHashMap<>();
      Map<Row, ArrayNode> leftOut = new LinkedHashMap<>();
      int steps = 0;
      for (Row row : rows) {
        ArrayNode missing = Report.JSON.createArrayNode();
        List<Job> jobs = plan(row, sizes, missing);
        plans.put(row, jobs);
        leftOut.put(row, missing);
        steps += jobs.stream().mapToInt(Job::steps).sum();
      }
      List<Job> memoryJobs = memoryJobs(sizes.memoryTasks());
      steps += memoryJobs.stream().mapToInt(Job::steps).sum();
      Progress progress = Progress.on(err, steps);

      int number = 0;
      for (Row row : rows) {
        number++;
        Harness harness = new Harness(row.workload(), args(JVM_ARGS), progress,
            timeLimit(sizes, row.warmup() + row.runs()));
        List<StrategyResult> results = new ArrayList<>();
        for (Job job : plans.get(row)) {
          results.add(harness.run(job));
        }
        progress.finish();
        ObjectNode rowJson = rowDocument(row, results, leftOut.get(row));
        failed |= printRow(number, row, rowJson);
        rowsJson.add(rowJson);
      }
      doc.set("rows", rowsJson);

      Harness memoryHarness = new Harness("memory", args(MEMORY_JVM_ARGS), progress,
          timeLimit(sizes, 1));
      List<StrategyResult> memory = new ArrayList<>();
      for (Job job : memoryJobs) {
        memory.add(memoryHarness.run(job));
      }
      progress.finish();
      ObjectNode memoryJson = memoryDocument(sizes.memoryTasks(), memory);
      doc.set("memory", memoryJson);
      failed |= printMemory(memoryJson);
      printSummary(rowsJson, memoryJson);
    } catch (IOException e) {
      err.println("gearbox: matrix: could not start the local latency server: " + e.getMessage());
      return 1;
    }
    doc.set("machine", Report.machine());
    doc.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    doc.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    out.println(style.dim(String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9)));
    if (json != null) {
      try {
        WorkloadBench.write(json,
            Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        out.println("JSON written to " + json);
      } catch (IOException e) {
        err.println("gearbox: could not write --json " + json + ": "
            + io.gearbox.cli.OutputFiles.reason(e));
        failed = true;
      }
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }

  // ------------------------------------------------------------------ the rows

  static List<Row> rows(Sizes s, double scale, String url) {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("cpu-heavy", "CPU-heavy (math, image processing)", "cpu", "balanced",
        String.format(Locale.ROOT, "%d equal compute_heavy tasks, ~%d ms of CPU each", s.cpuTasks(),
            s.cpuPerTask().toMillis()),
        s.cpuTasks(), -1,
        params("scale", String.valueOf(scale * s.cpuTasks() / 10.0), "tasks", s.cpuTasks(),
            "threads", s.cpuTasks()),
        s.warmup(), s.runs(), "multiprocessing", "bypasses the GIL, uses all cores", Set.of("processes")));
    rows.add(new Row("many-io", "Many I/O operations (web, files)", "io", "fetch",
        String.format(Locale.ROOT, "%d fetches, each answered after %d ms", s.ioTasks(), s.ioLatencyMs()),
        s.ioTasks(), s.ioLatencyMs(),
        params("url", url + "?ms=" + s.ioLatencyMs(), "tasks", s.ioTasks(), "threads", s.ioTasks()),
        s.warmup(), s.runs(), "async or threading", "both wait efficiently", Set.of("virtual", "threads")));
    rows.add(new Row("simple-script", "Simple script, low concurrency", "io", "fetch",
        String.format(Locale.ROOT, "%d fetches, each answered after %d ms", s.scriptTasks(),
            s.scriptLatencyMs()),
        s.scriptTasks(), s.scriptLatencyMs(),
        params("url", url + "?ms=" + s.scriptLatencyMs(), "tasks", s.scriptTasks(),
            "threads", s.scriptTasks()),
        s.warmup(), s.runs(), "threading", "easier to write", Set.of("threads")));
    rows.add(new Row("high-scale", "High-scale server (10K+ connections)", "io", "fetch",
        String.format(Locale.ROOT, "%,d connections open at once, each answered after %d ms "
            + "(threads: %,d threads)", s.scaleTasks(), s.scaleLatencyMs(),
            Math.min(s.scaleTasks(), 1000)),
        s.scaleTasks(), s.scaleLatencyMs(),
        // threads: 1,000 platform threads, gearbox bench io's cap; one per connection (10,000)
        // took 18-22 s a run here, far over this command's budget
        params("url", url + "?ms=" + s.scaleLatencyMs(), "tasks", s.scaleTasks(),
            "threads", Math.min(s.scaleTasks(), 1000)),
        s.scaleWarmup(), s.scaleRuns(), "async", "handles 10K+ connections per thread", Set.of("virtual")));
    rows.add(new Row("shared-state", "Shared state between tasks", "shared", "shared",
        String.format(Locale.ROOT, "%d tasks x %,d updates of one shared ConcurrentHashMap "
            + "(%,d keys), %d rounds of hashing before each", s.sharedTasks(), s.sharedUpdates(),
            s.sharedKeys(), s.sharedWork()),
        s.sharedTasks(), -1,
        params("tasks", s.sharedTasks(), "updates", s.sharedUpdates(), "keys", s.sharedKeys(),
            "work", s.sharedWork(), "threads", s.sharedTasks()),
        s.warmup(), s.runs(), "threading", "easier than multiprocessing", Set.of("threads", "virtual", "cpu")));
    return rows;
  }

  private static Map<String, String> params(Object... keyValues) {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      params.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
    }
    return params;
  }

  /** The pools beyond the thread pools that the matrix runs: the bench child builds both. */
  static List<String> poolsInThisBuild() {
    return List.of("auto", "processes");
  }

  /** The tools the matrix runs for the row; those it cannot go to {@code missing} with the reason. */
  static List<String> available(Row row, ArrayNode missing) {
    List<String> tools = new ArrayList<>();
    for (String tool : TOOLS) {
      if (tool.equals("processes") && row.workload().equals("shared")) {
        // Worker JVMs cannot share the map: this row needs tasks that return their counts for
        // the parent to merge (what multiprocessing makes you write), not yet in the bench child.
        leftOut(missing, tool, "not yet: its tasks would have to ship their counts back", null);
      } else {
        tools.add(tool);
      }
    }
    return tools;
  }

  private List<Job> plan(Row row, Sizes sizes, ArrayNode missing) {
    List<Job> jobs = new ArrayList<>();
    for (String tool : available(row, missing)) {
      double bound = lowerBoundSeconds(row, tool);
      if (bound > sizes.skipOver().toSeconds()) {
        leftOut(missing, tool, String.format(Locale.ROOT,
            "not run: at least %,.0f s a run (%s)", bound, boundReason(row, tool)), bound);
        continue;
      }
      jobs.add(new Job(row.variant(), tool, row.params(), row.warmup(), row.runs(), false));
    }
    return jobs;
  }

  /**
   * How long one tool's JVM may take: its runs at the longest a run may be expected to take, plus
   * time to start. A tool that stalls past it is killed and reported as failed, so the command
   * stays near its budget whatever one pool does.
   */
  static Duration timeLimit(Sizes sizes, int runs) {
    Duration limit = sizes.skipOver().multipliedBy(runs).plusSeconds(10);
    return limit.compareTo(Duration.ofSeconds(20)) < 0 ? Duration.ofSeconds(20) : limit;
  }

  private static void leftOut(ArrayNode missing, String tool, String reason, Double bound) {
    ObjectNode m = missing.addObject();
    m.put("strategy", tool);
    m.put("reason", reason);
    if (bound != null) {
      m.put("lower_bound_s", Math.round(bound * 10) / 10.0);
    }
  }

  /** How many fetches a tool can have waiting at once (I/O rows), or 0 if unknown. */
  private static int concurrency(Row row, String tool) {
    return switch (tool) {
      case "sequential" -> 1;
      case "cpu" -> Runtime.getRuntime().availableProcessors();
      case "threads" -> Integer.parseInt(row.params().get("threads"));
      case "virtual" -> row.tasks();
      // a worker JVM runs one task at a time, as multiprocessing's; one worker per core
      case "processes" -> Runtime.getRuntime().availableProcessors();
      default -> 0;
    };
  }

  /** The least time a run can take: rounds of waits, at the tool's concurrency (I/O rows). */
  static double lowerBoundSeconds(Row row, String tool) {
    int c = concurrency(row, tool);
    if (row.latencyMs() < 0 || c <= 0) {
      return 0;
    }
    long rounds = (row.tasks() + c - 1) / c;
    return rounds * row.latencyMs() / 1000.0;
  }

  private static String boundReason(Row row, String tool) {
    int c = concurrency(row, tool);
    return String.format(Locale.ROOT, "%,d waits of %d ms, %d at a time", row.tasks(),
        row.latencyMs(), c);
  }

  // ------------------------------------------------------------------ verdicts

  private static ObjectNode rowDocument(Row row, List<StrategyResult> results, ArrayNode missing) {
    ObjectNode json = Report.JSON.createObjectNode();
    json.put("row", row.id());
    json.put("title", row.title());
    json.put("workload", row.what());
    json.put("warmup", row.warmup());
    json.put("runs", row.runs());
    ArrayNode rows = results.isEmpty() ? Report.JSON.createArrayNode()
        : Report.results(row.workload(), results);
    double load = loadAverage();
    Verdict v = verdict(row, rows, load);
    json.put("winner", v.winner());
    json.put("runner_up", v.runnerUp());
    putNumber(json, "speedup_vs_sequential", v.vsSequential());
    putNumber(json, "speedup_vs_runner_up", v.vsRunnerUp());
    json.put("tie", v.tie());
    json.put("seed_says", row.seedSays());
    json.put("seed_why", row.seedWhy());
    ArrayNode seedTools = json.putArray("seed_strategies");
    TOOLS.stream().filter(row.seedTools()::contains).forEach(seedTools::add);
    json.put("jvm_says", v.winner());
    json.put("best_fixed", v.bestFixed());
    json.put("agrees", v.agrees());
    json.put("why", v.why());
    if (load >= 0) {
      json.put("load_average", load);
    } else {
      json.putNull("load_average");
    }
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

  /** Whether a result counts: it finished, every task succeeded, it has a median. */
  static boolean valid(JsonNode result) {
    return result.path("error").isNull() && result.path("wall_s").path("median").isNumber()
        && result.path("ok").asInt() == result.path("tasks").asInt()
        && result.path("tasks").asInt() > 0;
  }

  static Verdict verdict(Row row, ArrayNode results) {
    return verdict(row, results, -1);
  }

  /**
   * The row's verdict.
   *
   * @param load the machine's 1-minute load average when the row ended, or -1 if unknown
   */
  static Verdict verdict(Row row, ArrayNode results, double load) {
    List<JsonNode> ranked = new ArrayList<>();
    results.forEach(r -> {
      if (valid(r)) {
        ranked.add(r);
      }
    });
    ranked.sort((a, b) -> Double.compare(median(a), median(b)));
    if (ranked.isEmpty()) {
      return new Verdict(null, null, null, null, null, false, false, "no tool finished this row");
    }
    JsonNode first = ranked.getFirst();
    String winner = first.path("strategy").asString();
    String runnerUp = ranked.size() > 1 ? ranked.get(1).path("strategy").asString() : null;
    Double vsRunnerUp = runnerUp == null ? null : median(ranked.get(1)) / median(first);
    Double vsSequential = ranked.stream()
        .filter(r -> r.path("strategy").asString().equals("sequential"))
        .map(r -> median(r) / median(first)).findFirst().orElse(null);
    boolean tie = vsRunnerUp != null && vsRunnerUp < TIE;
    // The seed names fixed tools only: it is judged against the fastest fixed tool (auto, which
    // routes each kind of task to one of them, is left out of this comparison).
    List<JsonNode> fixed = ranked.stream()
        .filter(r -> !r.path("strategy").asString().equals("auto")).toList();
    if (fixed.isEmpty()) {
      return new Verdict(winner, runnerUp, null, vsSequential, vsRunnerUp, tie, false,
          "only auto finished this row");
    }
    String best = fixed.getFirst().path("strategy").asString();
    String second = fixed.size() > 1 ? fixed.get(1).path("strategy").asString() : null;
    boolean fixedTie = second != null && median(fixed.get(1)) / median(fixed.getFirst()) < TIE;
    boolean agrees = row.seedTools().contains(best)
        || (fixedTie && row.seedTools().contains(second));
    String why = why(row, best, second, fixedTie, agrees, fixed, load);
    if (winner.equals("auto")) {
      why = "auto won: it measures each kind of task and routes it to the pool that fits. Of the "
          + "fixed tools, " + best + " did best: " + why;
    }
    return new Verdict(winner, runnerUp, best, vsSequential, vsRunnerUp, tie, agrees, why);
  }


  /** The machine's 1-minute load average, or -1 where {@code /proc/loadavg} cannot be read. */
  static double loadAverage() {
    String line = ProcStats.firstLine("/proc/loadavg");
    try {
      return line == null ? -1 : Double.parseDouble(line.strip().split("\\s+")[0]);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static double median(JsonNode result) {
    return result.path("wall_s").path("median").asDouble();
  }

  /** One sentence: why the JVM's answer is what it is, and why it differs from Python's. */
  static String why(Row row, String winner, String runnerUp, boolean tie, boolean agrees,
      List<JsonNode> ranked, double load) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (winner.equals("sequential")) {
      if (load > cores) {
        return String.format(Locale.ROOT, "no pool paid for itself here, but the machine was busy "
            + "(load %.1f on %d cores): the tools that run tasks in parallel did not get the "
            + "other cores; run it again on a quiet machine", load, cores);
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
  private static String spread(List<JsonNode> ranked, String tool) {
    return ranked.stream().filter(r -> r.path("strategy").asString().equals(tool))
        .map(r -> secs(median(r) - median(ranked.getFirst()))).findFirst().orElse("-");
  }

  // ------------------------------------------------------------------ memory per task

  static List<Job> memoryJobs(int tasks) {
    List<Job> jobs = new ArrayList<>();
    for (String kind : List.of("threads", "virtual")) {
      jobs.add(new Job(kind, kind, params("tasks", tasks, "threads", tasks), 0, 1, true));
    }
    return jobs;
  }

  private static ObjectNode memoryDocument(int tasks, List<StrategyResult> results) {
    ObjectNode json = Report.JSON.createObjectNode();
    json.put("tasks", tasks);
    json.put("method", "gearbox bench memory's: a fresh JVM, N tasks parked at once, "
        + "(RSS loaded - RSS before) / N");
    ArrayNode rows = Report.results("memory", results);
    json.set("platform_thread_bytes", bytesPerTask(rows, "threads"));
    json.set("virtual_thread_bytes", bytesPerTask(rows, "virtual"));
    json.put("seed_says_bytes", SEED_THREAD_BYTES);
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

  // ------------------------------------------------------------------ printing

  /** Prints one row; returns whether a tool failed. */
  private boolean printRow(int number, Row row, ObjectNode json) {
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
      if (!valid(r)) {
        failed = true;
        out.println(style.yellow("  " + r.path("strategy").asString() + " failed: "
            + (r.path("error").isString() ? r.path("error").asString()
                : r.path("ok").asInt() + " of " + r.path("tasks").asInt() + " tasks succeeded")));
      }
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
      }
      out.println("  " + style.green(w.toString()));
    }
    note("the seed says: " + json.path("seed_says").asString() + " (" + json.path("seed_why")
        .asString() + ")");
    note("the JVM says:  " + (json.path("winner").isString()
        ? json.path("winner").asString() + " (" + call(json.path("winner").asString()) + ")"
        : "nothing: no tool finished") + ": " + json.path("why").asString());
    out.flush();
    return failed;
  }

  /** Prints the memory section; returns whether a run failed. */
  private boolean printMemory(ObjectNode json) {
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
      if (!valid(r)) {
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

  private void printSummary(ArrayNode rows, ObjectNode memory) {
    out.println();
    out.println(style.bold("The matrix, measured here"));
    Table table = new Table().left("the work").left("the seed says").left("the JVM says")
        .left("runner-up").right("vs sequential").right("vs runner-up").left("");
    for (JsonNode r : rows) {
      table.row(r.path("title").asString(), r.path("seed_says").asString(),
          !r.path("winner").isString() ? "-"
              : r.path("winner").asString().equals("auto") && r.path("best_fixed").isString()
                  ? "auto (then " + r.path("best_fixed").asString() + ")"
                  : r.path("winner").asString(),
          r.path("runner_up").isString() ? r.path("runner_up").asString() : "-",
          r.path("speedup_vs_sequential").isNumber()
              ? String.format(Locale.ROOT, "%.2fx", r.path("speedup_vs_sequential").asDouble()) : "-",
          r.path("speedup_vs_runner_up").isNumber()
              ? String.format(Locale.ROOT, "%.2fx%s", r.path("speedup_vs_runner_up").asDouble(),
                  r.path("tie").asBoolean() ? " (tie)" : "") : "-",
          r.path("agrees").asBoolean() ? "agrees" : new Table.Styled("differs", style::yellow));
    }
    table.print(out, style);
    double load = loadAverage();
    int cores = Runtime.getRuntime().availableProcessors();
    if (load > cores) {
      out.println(style.yellow(String.format(Locale.ROOT, "  note: the machine was busy (load "
          + "%.1f on %d cores): timings are pessimistic and close rankings unreliable", load, cores)));
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

  private static List<String> args(String text) {
    return Arrays.stream(text.split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  private static String secs(double s) {
    return Report.seconds(Report.JSON.getNodeFactory().numberNode(Math.max(0, s)));
  }

  private static String kb(double bytes) {
    return String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
  }

  private static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / (1024 * 1024));
  }
}
