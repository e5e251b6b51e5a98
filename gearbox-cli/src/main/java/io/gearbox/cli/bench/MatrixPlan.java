package io.gearbox.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What {@code gearbox matrix} runs: the seed's rows, each a workload at a size, the tools each
 * row runs (and why the others are left out), the child JVMs' flags and time limits, and the
 * memory jobs. Nothing here runs anything; {@link MatrixRun} does.
 */
final class MatrixPlan {

  /** Every tool a row can run, in table order. */
  static final List<String> TOOLS = List.of("sequential", "threads", "virtual", "cpu", "processes", "auto");

  /** The child JVMs' flags for the rows. */
  static final String JVM_ARGS = "-XX:+UseSerialGC -Xmx256m";

  /** The child JVMs' flags for the memory jobs (up to thousands of threads parked at once). */
  static final String MEMORY_JVM_ARGS = "-XX:+UseSerialGC -Xmx1g";

  private MatrixPlan() {}

  /** Sizes of one matrix run. */
  record Sizes(
      int cpuTasks, Duration cpuPerTask,
      int ioTasks, long ioLatencyMs,
      int scriptTasks, long scriptLatencyMs,
      int scaleTasks, long scaleLatencyMs,
      int sharedTasks, int sharedUpdates, int sharedKeys, int sharedWork,
      int memoryTasks,
      int warmup, int runs, int scaleWarmup, int scaleRuns,
      Duration skipOver, int maxRuns, Duration rowBudget, Duration warmupAtLeast,
      Duration warmupWhileCompiling) {}

  static final Sizes FULL = new Sizes(
      8, Duration.ofMillis(50),
      100, 5,
      4, 50,
      10_000, 100,
      16, 40_000, 1024, 256,
      // 5,000, not 10,000: starting 10,000 platform threads took 20-30 s here on its own
      5_000,
      // at least 5 runs a tool (3 for high-scale, whose runs take seconds each), interleaved, then
      // more rounds of the tools a verdict is unsure of: up to 25 runs or 20 s more a row
      1, 5, 0, 3,
      Duration.ofSeconds(10), 25, Duration.ofSeconds(20),
      // and each tool's JVM keeps warming up until its warm-up runs took 1 s: the many-io row's
      // runs (30-90 ms) fell from 60-90 ms to 18-30 ms over a row after a single warm-up run, the
      // JIT still compiling, so the row's medians depended on where runs fell on that slope
      Duration.ofSeconds(1),
      // then for up to 3 s more while its JIT compiler is still busy (Harness.JIT_BUSY_SHARE):
      // after 1 s of warm-up the many-io row's virtual and auto runs (~22 ms) still had 10-12 ms
      // of compiling each, on the same 2 cores
      Duration.ofSeconds(3));

  static final Sizes QUICK = new Sizes(
      4, Duration.ofMillis(10),
      20, 5,
      4, 10,
      1_000, 20,
      4, 5_000, 1024, 256,
      200,
      // 1 warm-up (a cold first run is several times slower), 3 runs a tool, then the tools a
      // verdict is unsure of until they are separated (5 runs at least: Stats.MIN_RUNS) or have
      // 12 runs or 4 s more have passed
      1, 3, 0, 3,
      Duration.ofSeconds(3), 12, Duration.ofSeconds(4), Duration.ZERO, Duration.ZERO);

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

  static Map<String, String> params(Object... keyValues) {
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

  /** The jobs of a row: one per tool that can run it in budget; the others go to {@code missing}. */
  static List<Job> plan(Row row, Sizes sizes, ArrayNode missing) {
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


  // ------------------------------------------------------------------ memory per task

  static List<Job> memoryJobs(int tasks) {
    List<Job> jobs = new ArrayList<>();
    for (String kind : List.of("threads", "virtual")) {
      jobs.add(new Job(kind, kind, params("tasks", tasks, "threads", tasks), 0, 1, true));
    }
    return jobs;
  }


  /** Flags as a list. */
  static List<String> args(String text) {
    return Arrays.stream(text.split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }
}
