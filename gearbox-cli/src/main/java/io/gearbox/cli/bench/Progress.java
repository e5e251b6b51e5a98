package io.gearbox.cli.bench;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Tells the user how far a benchmark is. On an interactive terminal: one line redrawn in place
 * with {@code \r}, a bar and the current step. Otherwise (a pipe, a file, {@code CI} set): one
 * plain line per finished run, so logs read well.
 */
final class Progress {

  private static final int BAR = 24;

  private final PrintWriter err;
  private final boolean bar;
  private int total;
  private int done;
  private int lastWidth;

  private Progress(PrintWriter err, boolean bar, int total) {
    this.err = err;
    this.bar = bar;
    this.total = Math.max(1, total);
  }

  /**
   * A progress display on {@code err}: a bar when the JVM's console is a terminal and the
   * {@code CI} variable is unset, plain lines otherwise.
   */
  static Progress on(PrintWriter err, int totalSteps) {
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal() && System.getenv("CI") == null;
    return new Progress(err, terminal, totalSteps);
  }

  /** Shown before a job's first run starts. */
  void starting(String workload, Job job) {
    if (bar) {
      draw(workload + " " + label(job) + ": starting");
    }
  }

  /** One run of a job finished. */
  void ran(String workload, Job job, Sample sample, int runIndex) {
    done++;
    String phase = sample.warmup() || runIndex < 0 ? "warm-up"
        : runIndex < job.runs() ? "run " + (runIndex + 1) + "/" + job.runs()
        : "run " + (runIndex + 1) + " (more runs to separate the verdict)";
    String text = String.format(Locale.ROOT, "%s %s %s: %.3f s, %d/%d ok",
        workload, label(job), phase, sample.wallNanos() / 1e9, sample.ok(), sample.tasks())
        + (sample.jitMillis() > 0 ? ", JIT compiling " + sample.jitMillis() + " ms" : "");
    if (bar) {
      draw(text);
    } else {
      err.printf(Locale.ROOT, "[%d/%d] %s%n", done, total, text);
      err.flush();
    }
  }

  /** More steps than planned: a round added to separate a verdict. */
  void extend(int steps) {
    total += steps;
  }

  /** A job failed; counts its remaining steps as done. */
  void failed(String workload, Job job, int remainingSteps, String why) {
    done += remainingSteps;
    clear();
    err.println("  " + workload + " " + label(job) + " failed: " + why);
    err.flush();
  }

  /** Removes the bar before the table is printed. */
  void finish() {
    clear();
  }

  private void clear() {
    if (bar && lastWidth > 0) {
      err.print("\r" + " ".repeat(lastWidth) + "\r");
      err.flush();
      lastWidth = 0;
    }
  }

  private void draw(String text) {
    int filled = (int) Math.round((double) BAR * done / total);
    String line = String.format(Locale.ROOT, "[%s%s] %3d%% %s",
        "#".repeat(filled), ".".repeat(BAR - filled), 100 * done / total, text);
    int pad = Math.max(0, lastWidth - line.length());
    err.print("\r" + line + " ".repeat(pad));
    err.flush();
    lastWidth = line.length();
  }

  private static String label(Job job) {
    return job.variant().equals(job.strategy()) ? job.strategy() : job.variant() + "/" + job.strategy();
  }
}
