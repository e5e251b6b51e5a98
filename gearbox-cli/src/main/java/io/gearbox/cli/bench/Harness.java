package io.gearbox.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs jobs in child JVMs and collects their run lines. A child is the same {@code java} as this
 * one, with the same class path, the benchmark's JVM flags and {@link BenchChild} as main class;
 * it is killed if it outlives its time limit ({@link #CHILD_TIMEOUT_MINUTES} unless told otherwise)
 * or this JVM.
 */
final class Harness {

  /** A child that has not finished by then is killed and its job reported as failed. */
  static final long CHILD_TIMEOUT_MINUTES = 30;

  private static final JsonMapper JSON = Report.JSON;

  private final List<String> jvmArgs;
  private final String workload;
  private final Progress progress;
  private final Duration childTimeout;

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

  private static List<Sample> measured(List<Sample> samples) {
    return samples.stream().filter(s -> !s.warmup()).toList();
  }

  private record ChildResult(List<Sample> samples, long peak, int reported, String error) {}

  private ChildResult runChild(Job job, int warmup, int runs, int firstRunIndex) {
    List<String> command = new ArrayList<>();
    command.add(javaCommand());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchChild.class.getName());
    command.add("workload=" + workload);
    command.add("variant=" + job.variant());
    command.add("strategy=" + job.strategy());
    command.add("warmup=" + warmup);
    command.add("runs=" + runs);
    for (Map.Entry<String, String> e : job.params().entrySet()) {
      command.add(e.getKey() + "=" + e.getValue());
    }
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
}
