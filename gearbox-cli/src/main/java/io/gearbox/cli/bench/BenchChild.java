package io.gearbox.cli.bench;

import io.gearbox.AutoPoolBuilder;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolBuilder;
import io.gearbox.PoolKind;
import io.gearbox.TaskHandle;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The JVM that measures one strategy: {@code gearbox bench} starts one of these per strategy (per
 * run, for {@code memory}), so each strategy's peak RSS and CPU time are its own and no JIT
 * profile or heap is shared between strategies.
 *
 * <p>Arguments are {@code key=value} pairs: {@code workload}, {@code variant}, {@code strategy},
 * {@code warmup}, {@code runs} and the workload's own. For each warm-up and measured run it prints
 * one line, {@link #PREFIX} followed by a JSON object: {@code phase} ("warmup" or "run"),
 * {@code index}, {@code wall_ns}, {@code cpu_ns} (the whole process's CPU time during the run),
 * {@code jit_ms} (the JIT compilers' time during the run, summed over their threads, or -1),
 * {@code ok}, {@code tasks}, {@code peak_rss_kb} (VmHWM so far), {@code error} (the first task
 * failure, if any) and workload extras. Anything else on stdout is not for the parent.
 *
 * <p>With {@code stepped=true} it runs its warm-ups, then one measured run per "run" line on
 * stdin until stdin closes: the parent keeps one such JVM per strategy and interleaves their runs.
 */
public final class BenchChild {

  /** Marks the lines the parent reads. */
  public static final String PREFIX = "@@gearbox-bench ";

  private final Map<String, String> params;
  private final String workload;
  private final String variant;
  private final String strategy;

  private BenchChild(Map<String, String> params) {
    this.params = params;
    this.workload = require("workload");
    this.variant = require("variant");
    this.strategy = require("strategy");
  }

  /** Entry point of the child JVM. */
  public static void main(String[] args) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        System.err.println("bench child: bad argument '" + arg + "' (want key=value)");
        System.exit(2);
      }
      params.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    if (!"true".equals(params.get("stepped"))) {
      exitWhenParentDies(); // stepped: the run loop reads stdin and ends when it closes
    }
    int code;
    try {
      code = new BenchChild(params).runAll();
    } catch (RuntimeException | Error e) {
      System.err.println("bench child: " + e);
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  /**
   * The parent keeps this JVM's stdin open and never writes to it; when the parent dies, even by
   * SIGKILL, the pipe closes and this JVM halts, so no benchmark child outlives the command.
   */
  private static void exitWhenParentDies() {
    Thread.ofPlatform().daemon(true).name("bench-child-parent-watch").start(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent never writes; anything read is ignored
        }
      } catch (java.io.IOException e) {
        // the pipe broke: the parent is gone as well
      }
      Runtime.getRuntime().halt(3);
    });
  }

  private int runAll() {
    int warmup = intParam("warmup", 0);
    int runs = intParam("runs", 1);
    // Stepped: the reader of the parent's "run" lines is made before the first warm-up. Made
    // after them, it loaded a charset decoder class (US-ASCII's) that the warm-ups had not, and
    // the JIT threw away every compiled method that had inlined the one decoder class it had seen
    // (a class-hierarchy dependency): the Apache client's parsing, ~0.6-1.5 s of recompiling in
    // the first measured run of 10,000 fetches, however long the warm-up.
    java.io.BufferedReader steps = "true".equals(params.get("stepped"))
        ? new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
            java.nio.charset.StandardCharsets.US_ASCII))
        : null;
    primeOnThisThread();
    for (int i = 0; i < warmup; i++) {
      emit("warmup", i);
    }
    if (steps != null) {
      return runWhenAsked(steps);
    }
    for (int i = 0; i < runs; i++) {
      emit("run", i);
    }
    return 0;
  }

  /**
   * Stepped mode (the parent interleaves strategies): one measured run per "run" line on stdin,
   * until stdin closes, which is also how this JVM learns that the parent is gone.
   */
  private int runWhenAsked(java.io.BufferedReader in) {
    int index = 0;
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.strip().equals("run")) {
          emit("run", index++);
        }
      }
    } catch (java.io.IOException e) {
      // the pipe broke: the parent is gone
    }
    return 0;
  }

  /**
   * Runs one fetch of an I/O workload on this (platform) thread before the first warm-up, outside
   * every timed run and alike for every strategy: its classes ({@code URL.of}'s service lookup of
   * URL stream handlers, {@code HttpURLConnection}, the sockets) are loaded here, not by the
   * first warm-up's burst on virtual threads. On JDK 25 a virtual thread that waits in class
   * loading pins its carrier (JEP 491, "Remaining pinning cases"); a cold burst of fetches on
   * virtual threads once pinned both carriers of a 2-core machine behind a class-loading monitor
   * held by an unmounted virtual thread, and the child hung.
   */
  private void primeOnThisThread() {
    if (!workload.equals("io") && !workload.equals("mixed")) {
      return; // the other workloads' tasks load nothing beyond their own classes
    }
    Tasks.Client client = Tasks.Client.parse(params.getOrDefault("client", "urlconnection"));
    try {
      new Tasks.Fetch(URI.create(require("url")), client).call();
    } catch (RuntimeException e) {
      // the warm-ups and runs report a failing fetch themselves
    } finally {
      Tasks.closeClients();
    }
  }

  private void emit(String phase, int index) {
    System.gc(); // start each run from a collected heap, outside the timed region
    // Written by hand, not with Jackson: the child stays as small as the work it measures.
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("phase", phase);
    line.put("index", index);
    long jit0 = ProcStats.jitMillis();
    long cpu0 = ProcStats.processCpuNanos();
    long t0 = System.nanoTime();
    Outcome outcome = runOnce(line);
    long t1 = System.nanoTime();
    long cpu1 = ProcStats.processCpuNanos();
    long jit1 = ProcStats.jitMillis();
    line.put("wall_ns", t1 - t0);
    line.put("cpu_ns", cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1);
    line.put("jit_ms", jit0 >= 0 && jit1 >= 0 ? jit1 - jit0 : -1);
    line.put("ok", outcome.ok());
    line.put("tasks", outcome.tasks());
    line.put("peak_rss_kb", ProcStats.peakRssKb());
    if (outcome.error() != null) {
      line.put("error", outcome.error());
    }
    System.out.println(PREFIX + toJson(line));
    System.out.flush();
  }

  // ------------------------------------------------------------------ workloads

  /** A flat JSON object of strings and numbers. */
  static String toJson(Map<String, Object> fields) {
    StringBuilder json = new StringBuilder("{");
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (json.length() > 1) {
        json.append(',');
      }
      quote(json, e.getKey()).append(':');
      Object v = e.getValue();
      if (v instanceof Number) {
        json.append(v);
      } else {
        quote(json, String.valueOf(v));
      }
    }
    return json.append('}').toString();
  }

  private static StringBuilder quote(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        default -> {
          if (c < 0x20) {
            json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }

  private Outcome runOnce(Map<String, Object> extras) {
    return switch (workload) {
      case "io" -> {
        URI uri = URI.create(require("url"));
        Tasks.Client client = Tasks.Client.parse(params.getOrDefault("client", "urlconnection"));
        Outcome fetched = batch(intParam("tasks", 10), i -> new Tasks.Fetch(uri, client),
            "virtual", null);
        // Inside the timed run: every run starts with no connection open and pays for closing
        // its own, as the seed's asyncio opens and closes one ClientSession per run. A process
        // pool's workers keep their own clients (their JVMs end with the pool).
        Tasks.closeClients();
        yield fetched;
      }
      case "cpu" -> {
        double scale = Double.parseDouble(require("scale"));
        if (variant.equals("balanced")) {
          int n = intParam("tasks", 64);
          // The seed's total work (1+2+3+4 = 10 units of 10,000,000) in n equal parts.
          double part = scale * 10.0 / n;
          yield batch(n, i -> new Tasks.Compute(1, part), "cpu", null);
        }
        boolean largestFirst = params.getOrDefault("order", "seed").equals("largest-first");
        yield batch(4, i -> new Tasks.Compute(largestFirst ? 4 - i : i + 1, scale), "cpu", null);
      }
      case "mixed" -> {
        // CPU-bound and I/O-bound tasks interleaved: even tasks compute, odd tasks fetch.
        URI uri = URI.create(require("url"));
        Tasks.Client client = Tasks.Client.parse(params.getOrDefault("client", "urlconnection"));
        double scale = Double.parseDouble(require("scale"));
        yield batch(intParam("tasks", 100),
            i -> i % 2 == 0 ? new Tasks.Compute(1, scale) : new Tasks.Fetch(uri, client),
            "hybrid", null);
      }
      case "shared" -> shared(extras);
      case "overhead" -> batch(intParam("tasks", 100_000), Tasks.Tiny::new, variant, null);
      case "memory" -> memory(extras);
      default -> throw new IllegalArgumentException("unknown workload " + workload);
    };
  }

  /**
   * N tasks that update one shared map; the run fails if the counts do not add up. A process
   * pool would need a variant whose tasks return their counts for this JVM to merge.
   */
  private Outcome shared(Map<String, Object> extras) {
    int n = intParam("tasks", 16);
    int updates = intParam("updates", 100_000);
    int keys = intParam("keys", 1024);
    int work = intParam("work", 0);
    Tasks.SharedCounts counts = new Tasks.SharedCounts();
    Outcome outcome = batch(n, i -> new Tasks.Count(counts, i, updates, keys, work), "cpu", null);
    long total = counts.total();
    extras.put("shared_total", total);
    long expected = (long) outcome.ok() * updates;
    if (outcome.error() == null && total != expected) {
      return new Outcome(outcome.ok(), outcome.tasks(),
          "lost updates: the shared map counts " + total + ", expected " + expected);
    }
    return outcome;
  }

  /** N tasks that all wait at once; RSS is read when every one of them has started. */
  private Outcome memory(Map<String, Object> extras) {
    int n = intParam("tasks", 10_000);
    CountDownLatch started = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    long before = ProcStats.rssKb();
    Runnable measure = () -> {
      try {
        if (!started.await(10, TimeUnit.MINUTES)) {
          throw new IllegalStateException("not all tasks started within 10 minutes");
        }
        long loaded = ProcStats.rssKb();
        extras.put("rss_before_kb", before);
        extras.put("rss_loaded_kb", loaded);
        extras.put("started", n - started.getCount());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        release.countDown(); // on every path, or the parked tasks would keep the pool from closing
      }
    };
    IntFunction<Callable<?>> task = i -> () -> {
      started.countDown();
      release.await(); // asleep: parked until every task has started and RSS is read
      return i;
    };
    Runnable onSubmitFailure = () -> {
      // fewer tasks than asked could start: measure what did, then let them go
      while (started.getCount() > 0) {
        started.countDown();
      }
    };
    return batch(n, task, variant, new Hooks(measure, onSubmitFailure));
  }

  // ------------------------------------------------------------------ strategies

  /** Called between submitting and waiting: after all are submitted, or when a submit failed. */
  private record Hooks(Runnable afterSubmit, Runnable onSubmitFailure) {}

  /** What one run achieved. */
  private record Outcome(int ok, int tasks, String error) {}

  /**
   * Runs n tasks with this child's strategy: submit all, then wait for each.
   *
   * @param jdkKind which raw JDK executor the {@code jdk} strategy uses: threads, virtual, cpu, or
   *     hybrid (fetches on a virtual-thread executor, everything else on one of cores threads)
   */
  private Outcome batch(int n, IntFunction<? extends Callable<?>> task, String jdkKind, Hooks hooks) {
    return switch (strategy) {
      case "sequential" -> sequential(n, task);
      case "jdk" -> jdk(n, task, jdkKind, hooks);
      default -> gearbox(n, task, hooks);
    };
  }

  private Outcome sequential(int n, IntFunction<? extends Callable<?>> task) {
    Failures failures = new Failures();
    int ok = 0;
    for (int i = 0; i < n; i++) {
      try {
        task.apply(i).call();
        ok++;
      } catch (Exception e) {
        failures.add(e);
      }
    }
    return new Outcome(ok, n, failures.first);
  }

  /** The Gearbox pool of this child's strategy, with its defaults unless told otherwise. */
  private Pool newPool(int n) {
    PoolKind kind = PoolKind.valueOf(strategy.toUpperCase(Locale.ROOT));
    if (kind == PoolKind.PROCESSES) {
      // one worker JVM per core, started inside the timed run, as the seed's `with Pool(4)`
      return Gearbox.processBuilder().name("bench-processes")
          .workers(intParam("workers", Runtime.getRuntime().availableProcessors()))
          .maxInFlight(Math.max(1, n)).replayOutput(false)
          .allowPackages("java.net") // fetch tasks carry a java.net.URI
          .build();
    }
    if (kind == PoolKind.AUTO) {
      // Gearbox.auto() as a user gets it; tasks are keyed by their class (Fetch, Compute, ...).
      AutoPoolBuilder auto = Gearbox.autoBuilder().name("bench-auto").maxInFlight(Math.max(1, n));
      if ("false".equals(params.get("submit_site"))) {
        auto.captureSubmitSite(false);
      }
      return auto.build(); // it measures CPU time to route: --no-cpu-time does not apply
    }
    // Unless told otherwise, the pools' own defaults: what a user gets.
    boolean cpuTime = !"false".equals(params.get("cpu_time"));
    PoolBuilder<?> builder = switch (kind) {
      case THREADS -> Gearbox.threadsBuilder().threads(threads()).measureCpuTime(cpuTime);
      case CPU -> Gearbox.cpuBuilder().measureCpuTime(cpuTime);
      default -> Gearbox.virtualBuilder(); // a virtual thread's CPU time is never measured
    };
    builder.name("bench-" + strategy);
    builder.maxInFlight(Math.max(1, n)); // every task in flight at once, as the seed's examples
    if ("false".equals(params.get("submit_site"))) {
      builder.captureSubmitSite(false);
    }
    return builder.build();
  }

  private Outcome gearbox(int n, IntFunction<? extends Callable<?>> task, Hooks hooks) {
    try (Pool pool = newPool(n)) {
      return submitThenJoin(n, task, pool::submit, TaskHandle::join, hooks);
    }
  }

  private Outcome jdk(int n, IntFunction<? extends Callable<?>> task, String kind, Hooks hooks) {
    // "hybrid" is the routing a user writes by hand for mixed work, as the seed's FastAPI hybrid:
    // fetches on virtual threads, computation on one platform thread per core.
    boolean hybrid = kind.equals("hybrid");
    try (ExecutorService executor = jdkExecutor(hybrid ? "virtual" : kind);
        ExecutorService compute = hybrid ? jdkExecutor("cpu") : null) {
      return submitThenJoin(n, task,
          c -> hybrid && !(c instanceof Tasks.Fetch) ? compute.submit(c) : executor.submit(c),
          Future::get, hooks);
    }
  }

  /** Waits for one submitted task; throws what the task threw, wrapped as its executor wraps it. */
  private interface Join<H> {
    void await(H handle) throws Exception;
  }

  /**
   * What every pooled strategy does with its n tasks: submit all (a submit that throws stops the
   * submitting, and its failure counts), call the hooks, then wait for each submitted task.
   */
  private static <H> Outcome submitThenJoin(int n, IntFunction<? extends Callable<?>> task,
      java.util.function.Function<Callable<?>, H> submit, Join<? super H> join, Hooks hooks) {
    Failures failures = new Failures();
    List<H> handles = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        handles.add(submit.apply(task.apply(i)));
      }
    } catch (RuntimeException | Error e) {
      failures.add(e);
      if (hooks != null) {
        hooks.onSubmitFailure().run();
      }
    }
    if (hooks != null) {
      hooks.afterSubmit().run();
    }
    int ok = 0;
    for (H handle : handles) {
      try {
        join.await(handle);
        ok++;
      } catch (Exception e) {
        failures.add(e);
      }
    }
    return new Outcome(ok, n, failures.first);
  }

  /** What a user without Gearbox writes for each kind of work. */
  private ExecutorService jdkExecutor(String kind) {
    return switch (kind) {
      case "threads" -> Executors.newFixedThreadPool(threads());
      case "virtual" -> Executors.newVirtualThreadPerTaskExecutor();
      case "cpu" -> Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
      default -> throw new IllegalArgumentException("no raw JDK executor for " + kind);
    };
  }

  private int threads() {
    return intParam("threads", Gearbox.DEFAULT_THREADS);
  }

  /** Keeps the first failure's message; later ones are only counted. */
  private static final class Failures {
    String first;

    void add(Throwable t) {
      if (first == null) {
        first = io.gearbox.cli.Main.describe(t);
      }
    }
  }

  // ------------------------------------------------------------------ params

  private String require(String key) {
    String value = params.get(key);
    if (value == null) {
      throw new IllegalArgumentException("missing " + key + "=");
    }
    return value;
  }

  private int intParam(String key, int fallback) {
    String value = params.get(key);
    return value == null ? fallback : Integer.parseInt(value);
  }
}
