package io.gearbox.cli;

import io.gearbox.Gearbox;
import io.gearbox.CancelRung;
import io.gearbox.Pool;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskTimeoutException;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import io.gearbox.examples.LatencyServer;
import io.gearbox.examples.Workloads;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gearbox demo}: the seed article's three experiments, measured here, each timing printed
 * beside the article's claim. Everything runs against a {@link LatencyServer} on 127.0.0.1 that
 * the command starts and stops; nothing touches the internet.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Runs the seed article's experiments here, each timing beside its claim.",
    description = {
      "%nThe seed article's experiments, measured on this machine:",
      "  1. I/O: fetch 10 URLs sequentially, on Gearbox.threads(10) and on",
      "     Gearbox.virtual()",
      "  2. CPU: compute_heavy(1..4) sequentially and on Gearbox.cpu()",
      "  3. Async: gather, cancel a task mid-flight, thousands of waiting tasks,",
      "     and 'async is contagious'",
      "Fetches go to a local server on 127.0.0.1, never the internet.",
      "Takes about 10 s; 2-3 s with --quick.%n",
    })
public final class DemoCommand implements Callable<Integer> {

  /** Sizes of one run: the full demo, or {@code --quick}. */
  record Sizes(
      int urls,
      Duration latency,
      Duration cpuTarget,
      Duration cancelAfter,
      int sleepers,
      Duration sleep,
      int fetchers) {}

  static final Sizes FULL = new Sizes(
      10, Duration.ofMillis(100), Duration.ofMillis(1500), Duration.ofMillis(200),
      10_000, Duration.ofSeconds(1), 1_000);

  static final Sizes QUICK = new Sizes(
      10, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(100),
      1_000, Duration.ofMillis(200), 100);

  /** The seed's {@code compute_heavy} arguments: {@code range(1, 5)}. */
  private static final List<Integer> SEED_NS = List.of(1, 2, 3, 4);

  /** How long the fetch that gets cancelled would take if left alone. */
  private static final Duration SLOW_FETCH = Duration.ofSeconds(5);

  @ParentCommand private Main parent;

  @Spec private CommandSpec spec;

  @Option(names = "--quick", description = "Smaller sizes: a few seconds in all (used by the tests).")
  private boolean quick;

  @Option(
      names = "--scale",
      paramLabel = "X",
      description = "Multiplies compute_heavy's loop (the seed's n x 10,000,000 additions). "
          + "Default: calibrated so the sequential CPU run takes about 1.5 s (0.2 s with --quick).")
  private Double scale;


  private PrintWriter out;
  private Style style;

  @Override
  public Integer call() throws Exception {
    if (scale != null && !(scale > 0 && scale <= 100_000)) {
      throw new ParameterException(spec.commandLine(),
          "Invalid value for option '--scale': must be > 0 and <= 100000, was " + scale);
    }
    out = spec.commandLine().getOut();
    style = parent != null ? parent.style() : Style.PLAIN;
    Sizes sizes = quick ? QUICK : FULL;
    long start = System.nanoTime();

    try (LatencyServer server = startServer(sizes.latency())) {
      out.println(style.bold("gearbox demo: the seed article's three experiments, on the JVM"));
      out.println(style.dim(String.format(Locale.ROOT,
          "Java %s, %d cores; fetches go to %s, which answers after %d ms (no internet)%s",
          Runtime.version().feature(), cores(), server.uri(), sizes.latency().toMillis(),
          quick ? "; --quick sizes" : "")));
      out.println();
      ioSection(server, sizes);
      double cpuScale = cpuSection(sizes);
      asyncSection(server, sizes, cpuScale);
      processSection();
    }
    out.println(style.dim(String.format(Locale.ROOT, "done in %.1f s", seconds(System.nanoTime() - start))));
    return 0;
  }

  private static LatencyServer startServer(Duration latency) throws IOException {
    try {
      return LatencyServer.start(latency);
    } catch (IOException e) {
      throw new IOException("could not start the local latency server on 127.0.0.1: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- 1. I/O

  private record FetchRun(long nanos, List<TaskHandle<Integer>> handles) {}

  private void ioSection(LatencyServer server, Sizes sizes) {
    int n = sizes.urls();
    long latencyMs = sizes.latency().toMillis();
    section(String.format(Locale.ROOT,
        "1. I/O-bound: fetch %d URLs, %d ms each (the seed's threading example)", n, latencyMs));
    List<URI> urls = pages(server, n);
    warmUp(server, n);

    long t0 = System.nanoTime();
    urls.forEach(Workloads::fetch);
    long sequential = System.nanoTime() - t0;

    FetchRun threads;
    try (Pool pool = Gearbox.threads(n)) {
      threads = fetchAll(pool, urls);
    }
    FetchRun virtual;
    try (Pool pool = Gearbox.virtual()) {
      virtual = fetchAll(pool, urls);
    }

    new Table().left("run").right("time").right("speedup").left("the seed says")
        .row("sequential", secs(sequential), "1.0x", claim("for url in urls: fetch_url(url)"))
        .row("Gearbox.threads(" + n + ")", secs(threads.nanos()), speedup(sequential, threads.nanos()),
            claim("threading: \"significantly faster\" (~" + n + "x: the waits overlap)"))
        .row("Gearbox.virtual()", secs(virtual.nanos()), speedup(sequential, virtual.nanos()),
            claim("asyncio: the same overlap, on lightweight tasks"))
        .print(out, style);

    long wall = 0;
    long cpu = 0;
    int measured = 0;
    for (TaskHandle<Integer> handle : threads.handles()) {
      TaskTimings t = handle.timings();
      if (t.cpuMeasured()) {
        wall += t.wallNanos();
        cpu += t.cpuNanos();
        measured++;
      }
    }
    if (measured > 0) {
      note(String.format(Locale.ROOT,
          "one fetch on Gearbox.threads(%d), by handle.timings(): %s running, %s of it on a CPU: "
              + "waiting %.0f%% of the time, so I/O-bound",
          n, human(wall / measured), human(cpu / measured), 100.0 * (1 - (double) cpu / wall)));
    }
    out.println();
  }

  /**
   * Runs the fetch path once, alone and concurrently, with no latency, so that class loading and
   * JIT warm-up do not land in whichever timed run happens to come first.
   */
  private static void warmUp(LatencyServer server, int n) {
    URI fast = server.uri().resolve("?ms=0");
    Workloads.fetch(fast);
    try (Pool pool = Gearbox.virtual()) {
      fetchAll(pool, java.util.Collections.nCopies(n, fast));
    }
  }

  private static FetchRun fetchAll(Pool pool, List<URI> urls) {
    long t0 = System.nanoTime();
    List<TaskHandle<Integer>> handles = new ArrayList<>();
    for (URI url : urls) {
      handles.add(pool.submit(() -> Workloads.fetch(url)));
    }
    handles.forEach(TaskHandle::join);
    return new FetchRun(System.nanoTime() - t0, handles);
  }

  private static List<URI> pages(LatencyServer server, int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> server.uri().resolve("?page=" + i)).toList();
  }

  // ---------------------------------------------------------------- 2. CPU

  /** Runs the CPU section and returns the scale it used. */
  private double cpuSection(Sizes sizes) {
    double s = scale != null ? scale : calibrate(sizes.cpuTarget());
    int cores = cores();
    section(String.format(Locale.ROOT,
        "2. CPU-bound: compute_heavy(1..4) at scale %s (the seed's multiprocessing example)",
        scaleText(s)));

    long t0 = System.nanoTime();
    List<Long> expected = new ArrayList<>();
    for (int n : SEED_NS) {
      expected.add(Workloads.computeHeavy(n, s));
    }
    long sequential = System.nanoTime() - t0;

    List<TaskHandle<Long>> handles = new ArrayList<>();
    long parallel;
    try (Pool cpu = Gearbox.cpu()) {
      t0 = System.nanoTime();
      for (int n : SEED_NS) {
        handles.add(cpu.submit(() -> Workloads.computeHeavy(n, s), TaskOptions.named(heavy(n))));
      }
      List<Long> results = handles.stream().map(TaskHandle::join).toList();
      parallel = System.nanoTime() - t0;
      if (!results.equals(expected)) {
        throw new IllegalStateException("compute_heavy gave " + results + " on the cpu pool but "
            + expected + " sequentially");
      }
    }

    // The seed's `with Pool(4) as p: p.map(...)`, timed the same way: pool start included.
    List<ProcessTaskHandle<Long>> remote = new ArrayList<>();
    t0 = System.nanoTime();
    long inProcesses;
    long spawnNanos;
    try (ProcessPool pool = Gearbox.processBuilder().name("demo-cpu").workers(cores).build()) {
      for (int n : SEED_NS) {
        remote.add(pool.submit(() -> Workloads.computeHeavy(n, s), TaskOptions.named(heavy(n))));
      }
      List<Long> results = remote.stream().map(TaskHandle::join).toList();
      inProcesses = System.nanoTime() - t0;
      spawnNanos = pool.processStats().meanSpawnNanos();
      if (!results.equals(expected)) {
        throw new IllegalStateException("compute_heavy gave " + results + " in worker processes but "
            + expected + " sequentially");
      }
    }

    new Table().left("run").right("time").right("speedup").left("the seed says")
        .row("sequential", secs(sequential), "1.0x", claim("[compute_heavy(i) for i in range(1, 5)]"))
        .row("Gearbox.cpu(), " + cores + " threads", secs(parallel), speedup(sequential, parallel),
            claim("multiprocessing.Pool(4): \"roughly a 4x speedup\" on a quad-core"))
        .row("Gearbox.processes(" + cores + "), worker JVMs", secs(inProcesses),
            speedup(sequential, inProcesses), claim("the seed's tool; start-up included, as in its timing"))
        .print(out, style);
    out.println();

    Table perTask = new Table().left("task on Gearbox.cpu()").right("wall").right("CPU").right("CPU/wall");
    for (int i = 0; i < handles.size(); i++) {
      TaskTimings t = handles.get(i).timings();
      perTask.row(heavy(SEED_NS.get(i)), secs(t.wallNanos()),
          t.cpuMeasured() ? secs(t.cpuNanos()) : "n/a",
          t.cpuMeasured() ? String.format(Locale.ROOT, "%.0f%%", 100.0 * (1 - t.waitingRatio())) : "n/a");
    }
    perTask.print(out, style);
    note(String.format(Locale.ROOT,
        "%d cores here. The ceiling for these 4 unequal tasks (work 1:2:3:4, started in order) is "
            + "%.2fx on %d cores, and %.1fx on 4: compute_heavy(4) alone is 40%% of the work.",
        cores, ceiling(cores), cores, ceiling(4)));
    note("No GIL on the JVM: plain threads in one process run on every core, so CPU work needs no "
        + "process pool, no pickling and no second heap.");
    note(String.format(Locale.ROOT, "The process pool gets there too, %s later: each worker JVM took "
        + "%s from start to handshake here, and its JIT starts cold. Section 4 shows what processes "
        + "are for on the JVM.", human(Math.max(0, inProcesses - parallel)), human(spawnNanos)));
    note(String.format(Locale.ROOT,
        "Scale %s: the JIT compiles the seed's loop to machine code, so it runs %s times the "
            + "seed's n x 10,000,000 additions to take ~%s sequentially%s.",
        scaleText(s), scaleText(s).replace("x", ""), human(sizes.cpuTarget().toNanos()),
        scale != null ? " (set by --scale)" : ""));
    out.println();
    return s;
  }

  /**
   * Picks the scale at which the seed's {@code compute_heavy(1..4)} takes about {@code target}
   * sequentially: warms the loop up so the JIT has compiled it, then times {@code compute_heavy(1)}
   * (a tenth of the work of 1..4).
   */
  static double calibrate(Duration target) {
    double raw = target.toNanos() / (10.0 * Calibration.nanosPerUnit());
    double rounded = raw >= 10 ? Math.round(raw) : Math.round(raw * 10) / 10.0;
    return Math.clamp(rounded, 0.1, 100_000);
  }

  /** The best speedup of tasks of work 1..4 run in that order on {@code cores} threads. */
  static double ceiling(int cores) {
    long[] free = new long[Math.max(1, cores)];
    long total = 0;
    for (int work : SEED_NS) {
      int earliest = 0;
      for (int c = 1; c < free.length; c++) {
        if (free[c] < free[earliest]) {
          earliest = c;
        }
      }
      free[earliest] += work;
      total += work;
    }
    return (double) total / Arrays.stream(free).max().orElse(total);
  }

  // ---------------------------------------------------------------- 4. Processes

  /**
   * What a process pool gives that threads cannot: per-task output, real remote stack traces, a
   * crash that takes down one worker and not the caller, and a hard kill of a runaway task.
   */
  private void processSection() throws InterruptedException {
    section("4. Processes: isolation, remote errors, per-task output, hard kills (the seed's gotchas)");
    try (ProcessPool pool = Gearbox.processBuilder().name("demo").workers(2).replayOutput(false)
        .cancelGrace(Duration.ofMillis(200)).build()) {
      ProcessTaskHandle<Integer> printer = pool.submit(() -> {
        System.out.println("hello from worker pid " + ProcessHandle.current().pid());
        System.err.println("a warning, captured with this task's output only");
        return 42;
      }, TaskOptions.named("printer"));
      printer.join();
      out.println("  a task's output comes back on its handle, never interleaved with another's:");
      printer.output().stdout().lines().forEach(l -> out.println(style.dim("    [printer] " + l)));
      printer.output().stderr().lines().forEach(l -> out.println(style.dim("    [printer] " + l)));

      ProcessTaskHandle<Object> failing = pool.submit(() -> {
        throw new IllegalArgumentException("bad record #17");
      }, TaskOptions.named("parser"));
      try {
        failing.join();
      } catch (TaskFailedException e) {
        Throwable c = e.getCause();
        out.println("  a worker's exception comes back as its own type, with the worker's frames:");
        out.println(style.dim("    " + c));
        Arrays.stream(c.getStackTrace()).limit(2).forEach(f -> out.println(style.dim("      at " + f)));
        Arrays.stream(c.getSuppressed()).forEach(x -> out.println(style.dim("    " + x.getMessage())));
      }

      ProcessTaskHandle<Object> exiting = pool.submit(() -> {
        System.exit(1);
        return null;
      }, TaskOptions.named("exits"));
      try {
        exiting.join();
      } catch (TaskFailedException e) {
        out.println("  System.exit(1) in a task ends its worker, not this JVM:");
        note("  " + e.getCause().getClass().getSimpleName() + ": "
            + e.getCause().getMessage().lines().findFirst().orElse(""));
      }

      ProcessTaskHandle<Object> runaway = pool.submit(() -> {
        while (true) {
          Thread.onSpinWait(); // ignores interrupts: no thread pool can stop this
        }
      }, TaskOptions.named("runaway").withTimeout(Duration.ofMillis(500)));
      try {
        runaway.join();
      } catch (TaskTimeoutException e) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (runaway.cancelRung() == CancelRung.REQUESTED && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        out.println("  a task spinning past its 500 ms deadline, deaf to interrupts: " + runaway.status()
            + ", then its worker was " + runaway.cancelRung());
      }
      int after = pool.invoke(() -> 6 * 7);
      var st = pool.processStats();
      out.println(String.format(Locale.ROOT, "  the pool carries on (6 * 7 = %d): %d workers started,"
          + " %d crashed, %d killed at a deadline; this JVM never noticed", after, st.spawned(),
          st.crashed(), st.killed()));
    }
    note("On the JVM, use processes for isolation, hard kills and memory caps (-Xmx per worker), not"
        + " for speed: threads already use every core.");
    out.println();
  }

  // ---------------------------------------------------------------- 3. Async

  private void asyncSection(LatencyServer server, Sizes sizes, double cpuScale)
      throws InterruptedException {
    section("3. Async: gather, cancel, thousands at once (the seed's asyncio example)");
    try (Pool io = Gearbox.virtual()) {
      gatherAndCancel(io, server, sizes);
      out.println();
      thousands(io, server, sizes);
      out.println();
      contagious(io, server, cpuScale);
    }
    out.println();
  }

  private void gatherAndCancel(Pool io, LatencyServer server, Sizes sizes)
      throws InterruptedException {
    List<URI> urls = pages(server, sizes.urls());
    URI slowUrl = server.uri().resolve("?ms=" + SLOW_FETCH.toMillis());
    List<TaskHandle<Integer>> fetches = new ArrayList<>();
    TaskHandle<Integer> slow;
    long cancelledAt;
    long doneAfterCancel;
    long t0 = System.nanoTime();
    try (TaskScope scope = io.openScope()) {
      for (URI url : urls) {
        fetches.add(scope.fork(() -> Workloads.fetch(url)));
      }
      slow = scope.fork(() -> Workloads.fetch(slowUrl), TaskOptions.named("slow fetch"));
      Thread.sleep(sizes.cancelAfter());
      cancelledAt = System.nanoTime();
      slow.cancel(); // the handle is CANCELLED when this returns; the thread gets an interrupt
      doneAfterCancel = System.nanoTime() - cancelledAt;
      scope.join(); // asyncio.gather: every child done; a cancelled child does not fail the scope
    } // close(): returns only once every child's code has returned, the slow fetch's included

    long gathered = fetches.stream()
        .mapToLong(h -> h.timings().queuedNanos() + h.timings().wallNanos()).max().orElse(0);
    new Table().left("task").left("state").right("time").left("the seed says")
        .row(sizes.urls() + " x fetch, one scope", states(fetches), secs(gathered),
            claim("await asyncio.gather(*tasks)"))
        .row("1 x fetch ?ms=" + SLOW_FETCH.toMillis(), stateCell(slow.status()),
            secs(cancelledAt - t0), claim("task.cancel()"))
        .print(out, style);
    TaskTimings slowTimings = slow.timings();
    note(String.format(Locale.ROOT,
        "cancel() at %s took %s and left the handle %s; the fetch's own code returned after "
            + "running %s (its socket read was interrupted), not after %d s.",
        secs(cancelledAt - t0), human(doneAfterCancel), slow.status(), secs(slowTimings.wallNanos()),
        SLOW_FETCH.toSeconds()));
  }

  private void thousands(Pool io, LatencyServer server, Sizes sizes) {
    Table table = new Table().left("virtual tasks at once").right("each waits").right("time")
        .right("platform threads").left("the seed says");
    Duration sleep = sizes.sleep();
    Waited sleepers = waitAll(io, sizes.sleepers(), () -> {
      Thread.sleep(sleep);
      return 0;
    });
    table.row(count(sizes.sleepers()) + " x Thread.sleep", human(sleep.toNanos()),
        secs(sleepers.nanos()), sleepers.platformThreads(),
        claim("\"thousands of concurrent connections\""));
    URI uri = server.uri();
    Waited fetchers = waitAll(io, sizes.fetchers(), () -> Workloads.fetch(uri));
    table.row(count(sizes.fetchers()) + " x fetch", human(sizes.latency().toNanos()),
        secs(fetchers.nanos()), fetchers.platformThreads(),
        claim("\"with a single thread\": here, a few carriers"));
    table.print(out, style);
    note("platform threads: all of this JVM's (JIT and GC included), counted while the tasks waited.");
  }

  private record Waited(long nanos, int platformThreads) {}

  /** Submits {@code count} copies of a task, notes the JVM's platform threads, waits for all. */
  private static Waited waitAll(Pool io, int count, Callable<Integer> task) {
    long t0 = System.nanoTime();
    List<TaskHandle<Integer>> handles = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      handles.add(io.submit(task));
    }
    int platformThreads = ManagementFactory.getThreadMXBean().getThreadCount();
    handles.forEach(TaskHandle::join);
    return new Waited(System.nanoTime() - t0, platformThreads);
  }

  private record Step(String call, String thread, boolean virtual, long nanos) {}

  private record Computed(long value, Thread thread) {}

  private void contagious(Pool io, LatencyServer server, double cpuScale) {
    URI uri = server.uri();
    List<Step> steps;
    try (Pool cpu = Gearbox.cpu()) {
      steps = io.submit(() -> {
        List<Step> done = new ArrayList<>();
        long t0 = System.nanoTime();
        Workloads.fetch(uri);
        done.add(step("Workloads.fetch(uri)", Thread.currentThread(), t0));
        long t1 = System.nanoTime();
        Computed computed = cpu.invoke(
            () -> new Computed(Workloads.computeHeavy(2, cpuScale), Thread.currentThread()));
        done.add(step("cpu.invoke(() -> compute_heavy(2))", computed.thread(), t1));
        return done;
      }).join();
    }
    Table table = new Table().left("one plain task on Gearbox.virtual() calls").left("runs on")
        .left("thread").right("time");
    for (Step s : steps) {
      table.row(s.call(), s.thread(), s.virtual() ? "virtual" : "platform", secs(s.nanos()));
    }
    table.print(out, style);
    note("The seed: async is \"contagious\": callers of async code must be async too, or reach for "
        + "asyncio.run() / run_in_executor().");
    note("Here both are plain blocking calls: blocking a virtual thread frees its carrier, so "
        + "nothing that calls this code has to change.");
  }

  private static Step step(String call, Thread thread, long startNanos) {
    return new Step(call, thread.getName(), thread.isVirtual(), System.nanoTime() - startNanos);
  }

  // ---------------------------------------------------------------- formatting

  private void section(String title) {
    out.println(style.bold(title));
  }

  /** Prints a paragraph under a table. */
  private void note(String text) {
    Table.note(out, text, UnaryOperator.identity());
  }

  private Table.Styled claim(String text) {
    return new Table.Styled(text, style::dim);
  }

  private Table.Styled speedup(long baseline, long nanos) {
    double x = (double) baseline / Math.max(1, nanos);
    String text = String.format(Locale.ROOT, "%.1fx", x);
    return new Table.Styled(text, x >= 1.5 ? style::green : t -> t);
  }

  private Table.Styled stateCell(TaskState state) {
    return new Table.Styled(state.name(),
        state == TaskState.SUCCEEDED ? style::green : style::yellow);
  }

  private Table.Styled states(List<? extends TaskHandle<?>> handles) {
    Map<TaskState, Long> counts = new TreeMap<>(handles.stream()
        .collect(Collectors.groupingBy(TaskHandle::status, Collectors.counting())));
    String text = counts.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey())
        .collect(Collectors.joining(", "));
    boolean allGood = counts.keySet().equals(java.util.Set.of(TaskState.SUCCEEDED));
    return new Table.Styled(text, allGood ? style::green : style::yellow);
  }

  private static String heavy(int n) {
    return "compute_heavy(" + n + ")";
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** Seconds with two decimals, for the time columns. */
  static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", seconds(nanos));
  }

  /** A duration in the unit that reads best: 1.50 s, 120 ms, 0.4 ms. */
  static String human(long nanos) {
    if (nanos >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2f s", seconds(nanos)).replace(".00 s", " s");
    }
    if (nanos >= 10_000_000L) {
      return String.format(Locale.ROOT, "%d ms", Math.round(nanos / 1e6));
    }
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  private static String count(int n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String scaleText(double s) {
    return s == Math.rint(s) ? String.format(Locale.ROOT, "%,dx", (long) s) : s + "x";
  }
}
