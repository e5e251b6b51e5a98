package io.gearbox.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs jobs in child JVMs and collects their run lines. A child is the same {@code java} as this
 * one, with the same class path, the benchmark's JVM flags and {@link BenchChild} as main class;
 * it is killed if it outlives its time limit ({@link #CHILD_TIMEOUT_MINUTES} unless told otherwise)
 * or this JVM.
 *
 * <p>Two ways to run: {@link #run(Job)} runs one job to the end (all its runs in one child, or a
 * fresh child per run), and {@link #interleave} keeps one live child per job and asks each for one
 * run at a time, in rounds (A B C, B C A, C A B, ...), so a machine that gets busier or quieter
 * during the benchmark slows every job alike instead of the ones that happened to run then.
 */
final class Harness {

  /** A child that has not finished by then is killed and its job reported as failed. */
  static final long CHILD_TIMEOUT_MINUTES = 30;

  private static final JsonMapper JSON = Report.JSON;

  private final List<String> jvmArgs;
  private final String workload;
  private final Progress progress;
  private final Duration childTimeout;
  /** Interleaved children warm up at least this long (their warm-up runs' wall time). */
  private Duration warmUpAtLeast = Duration.ZERO;

  /** Warm-up runs that {@link #warmUpAtLeast} adds at most per child. */
  static final int MAX_TIMED_WARMUPS = 100;

  /**
   * A warm-up run in which the child's JIT compilers spent more than this share of its wall time
   * compiling is followed by another ({@link #warmUpWhileCompiling}).
   */
  static final double JIT_BUSY_SHARE = 0.10;

  /**
   * Warm-up runs in a row, not busy compiling, after which the JIT counts as settled: it compiles
   * in bursts, and one quiet run of 10,000 fetches (75 ms) was followed by runs of 370 and 237 ms.
   */
  static final int JIT_QUIET_RUNS = 2;

  /** Warm-up runs that {@link #warmUpWhileCompiling} adds at most per child. */
  static final int MAX_JIT_WARMUPS = 20;

  /** How long the warm-up runs added while the JIT compiles may take per child; zero: none. */
  private Duration warmUpWhileCompiling = Duration.ZERO;

  Harness(String workload, List<String> jvmArgs, Progress progress) {
    this(workload, jvmArgs, progress, Duration.ofMinutes(CHILD_TIMEOUT_MINUTES));
  }

  /**
   * A harness whose children are killed after {@code childTimeout} (and their job reported as
   * failed): {@code gearbox matrix} keeps a tool that stalls from taking the whole run with it.
   */
  Harness(String workload, List<String> jvmArgs, Progress progress, Duration childTimeout) {
    this.childTimeout = childTimeout;
    this.workload = workload;
    this.jvmArgs = List.copyOf(jvmArgs);
    this.progress = progress;
  }

  /**
   * Makes {@link #interleave}'s children keep warming up, after the job's warm-up runs, until their
   * warm-up runs took {@code atLeast} of wall time (at most {@link #MAX_TIMED_WARMUPS} more runs):
   * a JVM's compiler still works through the first second or so of short runs. Returns this.
   */
  Harness warmUpAtLeast(Duration atLeast) {
    this.warmUpAtLeast = atLeast;
    return this;
  }

  /**
   * Makes {@link #interleave}'s children that warm up at all keep warming up while their JIT
   * compilers are still busy: after the other warm-up runs, more until {@link #JIT_QUIET_RUNS}
   * runs in a row spent at most {@link #JIT_BUSY_SHARE} of their wall time compiling, or those
   * added runs took {@code atMost} of wall time (at most {@link #MAX_JIT_WARMUPS} runs). A JVM
   * running 10,000 fetches through an HTTP client compiled for 7-9 runs of them, 1-4 s of
   * compiling each at first, on the same 2 cores as the runs. A child that says nothing of its JIT
   * (Python, {@code -Xint}) adds none. Returns this.
   */
  Harness warmUpWhileCompiling(Duration atMost) {
    this.warmUpWhileCompiling = atMost;
    return this;
  }

  private String limit() {
    long seconds = childTimeout.toSeconds();
    return seconds % 60 == 0 ? seconds / 60 + " minutes" : seconds + " s";
  }

  /** The java launcher running this JVM. */
  static String javaCommand() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Runs one job: one child JVM, or one per run when the job asks for fresh JVMs. */
  StrategyResult run(Job job) {
    progress.starting(workload, job);
    List<Sample> samples = new ArrayList<>();
    long peak = -1;
    if (!job.forkPerRun()) {
      ChildResult child = runChild(job, job.warmup(), job.runs(), 0);
      samples.addAll(child.samples());
      peak = child.peak();
      if (child.error() != null) {
        progress.failed(workload, job, job.steps() - child.reported(), child.error());
        return new StrategyResult(job, measured(samples), peak, child.error());
      }
    } else {
      for (int run = 0; run < job.runs(); run++) {
        ChildResult child = runChild(job, 0, 1, run);
        samples.addAll(child.samples());
        peak = Math.max(peak, child.peak());
        if (child.error() != null) {
          progress.failed(workload, job, job.runs() - run - child.reported(), child.error());
          return new StrategyResult(job, measured(samples), peak, child.error());
        }
      }
    }
    return new StrategyResult(job, measured(samples), peak, null);
  }

  /** Whether the run's JIT compiling took more than {@link #JIT_BUSY_SHARE} of its wall time. */
  static boolean jitBusy(Sample s) {
    return s.jitMillis() >= 0 && s.jitMillis() * 1e6 > JIT_BUSY_SHARE * s.wallNanos();
  }

  private static List<Sample> measured(List<Sample> samples) {
    return samples.stream().filter(s -> !s.warmup()).toList();
  }

  private record ChildResult(List<Sample> samples, long peak, int reported, String error) {}

  private ChildResult runChild(Job job, int warmup, int runs, int firstRunIndex) {
    List<String> command = command(job, warmup, runs, false);
    return runChild(job, command, warmup, runs, firstRunIndex);
  }

  private List<String> command(Job job, int warmup, int runs, boolean stepped) {
    List<String> command = new ArrayList<>();
    String python = job.params().get("python");
    if (python != null) {
      // a child in Python (bench io's aiohttp), speaking BenchChild's protocol
      command.add(python);
      command.add(job.params().get("script"));
    } else {
      command.add(javaCommand());
      command.addAll(jvmArgs);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(BenchChild.class.getName());
    }
    command.add("workload=" + workload);
    command.add("variant=" + job.variant());
    command.add("strategy=" + job.strategy());
    command.add("warmup=" + warmup);
    command.add("runs=" + runs);
    for (Map.Entry<String, String> e : job.params().entrySet()) {
      command.add(e.getKey() + "=" + e.getValue());
    }
    if (stepped) {
      command.add("stepped=true");
    }
    return command;
  }

  private ChildResult runChild(Job job, List<String> command, int warmup, int runs,
      int firstRunIndex) {
    List<Sample> samples = new ArrayList<>();
    long peak = -1;
    Path errFile = null;
    Process process = null;
    Thread killer = null;
    try {
      errFile = Files.createTempFile("gearbox-bench-", ".err");
      ProcessBuilder builder = new ProcessBuilder(command)
          // stdin stays a pipe the parent never writes to: the child halts when it closes
          .redirectInput(ProcessBuilder.Redirect.PIPE)
          .redirectError(errFile.toFile());
      process = builder.start();
      Process p = process;
      killer = new Thread(p::destroyForcibly, "gearbox-bench-kill-child");
      Runtime.getRuntime().addShutdownHook(killer);
      // The deadline runs from the start: a child that hangs with its output open would
      // otherwise block the read below forever. Killing it ends the read.
      java.util.concurrent.CompletableFuture<Void> deadline = java.util.concurrent.CompletableFuture
          .runAsync(p::destroyForcibly, java.util.concurrent.CompletableFuture.delayedExecutor(
              childTimeout.toMillis(), TimeUnit.MILLISECONDS));
      int index = firstRunIndex;
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (!line.startsWith(BenchChild.PREFIX)) {
            continue;
          }
          Sample sample;
          try {
            sample = Sample.of(JSON.readTree(line.substring(BenchChild.PREFIX.length())));
          } catch (JacksonException e) {
            continue;
          }
          samples.add(sample);
          peak = Math.max(peak, sample.peakRssKb());
          progress.ran(workload, job, sample, sample.warmup() ? -1 : index);
          if (!sample.warmup()) {
            index++;
          }
        }
      }
      process.waitFor();
      boolean timedOut = deadline.isDone();
      deadline.cancel(false);
      if (timedOut) {
        return new ChildResult(samples, peak, samples.size(),
            "its JVM did not finish within " + limit() + " and was killed");
      }
      int exit = process.exitValue();
      if (exit != 0 || samples.size() < warmup + runs) {
        return new ChildResult(samples, peak, samples.size(),
            "its JVM exited with code " + exit + " after " + samples.size() + " of "
                + (warmup + runs) + " runs" + lastLine(errFile));
      }
      return new ChildResult(samples, peak, samples.size(), null);
    } catch (IOException e) {
      return new ChildResult(samples, peak, samples.size(), "could not run its JVM: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (process != null) {
        process.destroyForcibly();
      }
      return new ChildResult(samples, peak, samples.size(), "interrupted");
    } finally {
      if (process != null && process.isAlive()) {
        process.destroyForcibly(); // whatever went wrong here, no child outlives its run
      }
      if (killer != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
          // shutting down: the hook runs anyway
        }
      }
      if (errFile != null) {
        try {
          Files.deleteIfExists(errFile);
        } catch (IOException e) {
          // a temp file left behind
        }
      }
    }
  }

  /** ": <the last non-blank line the child wrote to stderr>", or "" if it wrote none. */
  private static String lastLine(Path errFile) {
    try {
      List<String> lines = Files.readAllLines(errFile, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String line = lines.get(i).strip();
        if (!line.isEmpty() && !line.startsWith("at ")) {
          return ": " + line;
        }
      }
    } catch (IOException | RuntimeException e) {
      // nothing to add
    }
    return "";
  }

  // ------------------------------------------------------------------ interleaved rounds

  /**
   * How many rounds {@link #interleave} makes: at least {@code minimum}; then, while the measured
   * results leave a question open ({@code more} names the jobs still needed) and neither
   * {@code maximum} rounds nor the {@code budget} are spent, one more round of those jobs.
   *
   * @param minimum rounds every job runs
   * @param maximum rounds no job runs past
   * @param budget wall time for the rounds past the minimum: none starts after it is spent
   * @param more the jobs a further round should run, given the results so far; empty to stop
   */
  record Rounds(int minimum, int maximum, Duration budget,
      Function<List<StrategyResult>, Set<Job>> more) {

    /** Exactly {@code runs} rounds: what {@code gearbox bench --runs R} asks for. */
    static Rounds exactly(int runs) {
      return new Rounds(runs, runs, Duration.ZERO, results -> Set.of());
    }
  }

  /**
   * Runs jobs side by side: one child JVM per job, started and warmed up one after another (so
   * start-ups do not compete), then measured runs in rounds, each job once per round, each round
   * starting one job later than the one before. A job whose child fails or stalls keeps the runs it
   * finished, gets the error, and leaves the rounds; the others go on.
   *
   * @return one result per job, in the order of {@code jobs}
   */
  List<StrategyResult> interleave(List<Job> jobs, Rounds rounds) {
    List<LiveChild> children = new ArrayList<>();
    try {
      for (Job job : jobs) {
        LiveChild child = new LiveChild(job);
        children.add(child);
        progress.starting(workload, job);
        child.start();
      }
      long deadline = 0;
      Set<Job> wanted = new LinkedHashSet<>(jobs);
      for (int round = 0; ; round++) {
        List<LiveChild> order = new ArrayList<>();
        for (LiveChild c : children) {
          if (c.error == null && wanted.contains(c.job)) {
            order.add(c);
          }
        }
        if (order.isEmpty()) {
          break;
        }
        java.util.Collections.rotate(order, -(round % order.size()));
        for (LiveChild c : order) {
          c.runOnce();
        }
        int done = round + 1;
        if (done < rounds.minimum()) {
          continue;
        }
        if (done == rounds.minimum()) {
          deadline = System.nanoTime() + rounds.budget().toNanos();
        }
        if (done >= rounds.maximum() || System.nanoTime() - deadline >= 0) {
          break;
        }
        Set<Job> more = rounds.more().apply(results(children));
        if (more.isEmpty()) {
          break;
        }
        wanted = more;
        progress.extend(more.size());
      }
    } finally {
      for (LiveChild c : children) {
        c.close();
      }
    }
    return results(children);
  }

  private static List<StrategyResult> results(List<LiveChild> children) {
    List<StrategyResult> results = new ArrayList<>();
    for (LiveChild c : children) {
      results.add(new StrategyResult(c.job, List.copyOf(c.samples), c.peak, c.error, c.warmups));
    }
    return results;
  }

  /**
   * One job's child JVM, kept alive between its runs: it warms up on start, then runs once per
   * "run" line on its stdin and exits when stdin closes ({@link BenchChild}'s stepped mode). A
   * reader thread moves its stdout lines to a queue, so every wait has a deadline.
   */
  private final class LiveChild {
    private static final String END = "\u0000end";

    final Job job;
    final List<Sample> samples = new ArrayList<>();
    long peak = -1;
    int warmups;
    /** The latest warm-up run, or null before the first. */
    private Sample lastWarmUp;
    /** The warm-up runs just made whose JIT compiling was not {@linkplain #jitBusy busy}. */
    private int quietInARow;
    String error;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Process process;
    private Path errFile;
    private Thread reader;
    private Thread killer;
    private OutputStream stdin;

    LiveChild(Job job) {
      this.job = job;
    }

    void start() {
      try {
        errFile = Files.createTempFile("gearbox-bench-", ".err");
        process = new ProcessBuilder(command(job, job.warmup(), 0, true))
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .redirectError(errFile.toFile())
            .start();
      } catch (IOException e) {
        fail("could not start its " + (job.params().containsKey("python") ? "Python" : "JVM")
            + ": " + e.getMessage());
        return;
      }
      Process p = process;
      killer = new Thread(p::destroyForcibly, "gearbox-bench-kill-child");
      Runtime.getRuntime().addShutdownHook(killer);
      stdin = p.getOutputStream();
      reader = Thread.ofPlatform().daemon(true).name("gearbox-bench-child-out").start(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException e) {
          // the child is gone: END tells the waiting side
        } finally {
          lines.add(END);
        }
      });
      long warmed = 0; // the warm-up runs' wall time (not the JVM's start)
      for (int i = 0; i < job.warmup() && error == null; i++) {
        Sample s = next();
        if (s != null) {
          warmed += s.wallNanos();
          warmedUp(s);
        }
      }
      // more warm-up runs (measured runs of the child, not kept) until it has warmed up long enough
      for (int i = 0; i < MAX_TIMED_WARMUPS && error == null
          && warmed < warmUpAtLeast.toNanos(); i++) {
        progress.extend(1);
        Sample s = ask();
        if (s != null) {
          warmed += s.wallNanos();
          warmedUp(s);
        }
      }
      // and while its JIT compilers still work: their threads take the cores the runs need
      long compiling = 0;
      for (int i = 0; i < MAX_JIT_WARMUPS && error == null && lastWarmUp != null
          && lastWarmUp.jitMillis() >= 0 && quietInARow < JIT_QUIET_RUNS
          && compiling < warmUpWhileCompiling.toNanos(); i++) {
        progress.extend(1);
        Sample s = ask();
        if (s != null) {
          compiling += s.wallNanos();
          warmedUp(s);
        }
      }
    }

    private void warmedUp(Sample s) {
      warmups++;
      lastWarmUp = s;
      quietInARow = jitBusy(s) ? 0 : quietInARow + 1;
      progress.ran(workload, job, s, -1);
    }

    void runOnce() {
      if (error != null) {
        return;
      }
      Sample s = ask();
      if (s != null) {
        samples.add(s);
        peak = Math.max(peak, s.peakRssKb());
        progress.ran(workload, job, s, samples.size() - 1);
      }
    }

    /** Asks the child for one run: its sample, or null with {@link #error} set. */
    private Sample ask() {
      try {
        stdin.write("run\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
      } catch (IOException e) {
        next(); // the child died: its exit code and last words say why
        if (error == null) {
          fail("its JVM stopped reading: " + e.getMessage());
        }
        return null;
      }
      return next();
    }

    /** The child's next run line, or null with {@link #error} set. */
    private Sample next() {
      long deadline = System.nanoTime() + childTimeout.toNanos();
      try {
        while (true) {
          String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
          if (line == null) {
            process.destroyForcibly();
            fail("its JVM did not finish a run within " + limit() + " and was killed");
            return null;
          }
          if (line == END) {
            int exit = process.waitFor();
            fail("its JVM exited with code " + exit + " after " + samples.size() + " runs"
                + lastLine(errFile));
            return null;
          }
          if (line.startsWith(BenchChild.PREFIX)) {
            try {
              return Sample.of(JSON.readTree(line.substring(BenchChild.PREFIX.length())));
            } catch (JacksonException e) {
              // not a run line after all
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        fail("interrupted");
        return null;
      }
    }

    private void fail(String why) {
      error = why;
      progress.failed(workload, job, 0, why);
    }

    /** Closes stdin (the child exits), waits for it, and leaves nothing behind. */
    void close() {
      if (process == null) {
        return;
      }
      try {
        stdin.close();
      } catch (IOException e) {
        // it is gone already
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor();
        }
        reader.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs anyway
      }
      try {
        Files.deleteIfExists(errFile);
      } catch (IOException e) {
        // a temp file left behind
      }
    }
  }
}
