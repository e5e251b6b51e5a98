package io.gearbox.web;

import io.gearbox.AutoPool;
import io.gearbox.CarrierHog;
import io.gearbox.Pool;
import io.gearbox.PoolStats;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolStats;
import io.gearbox.Route;
import io.gearbox.StuckTask;
import io.gearbox.TimeHistogram;
import io.gearbox.micrometer.RecentStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The dashboard's snapshots: every pool's stats, rates and recent percentiles, the auto pool's
 * routes and carrier hogs, the process pool's workers, and which pool is the bottleneck, as one
 * JSON document. Shared by every client: a snapshot is built at most once per
 * {@link #MIN_AGE_NANOS}, however many pages and {@code /stats} calls read it.
 *
 * <p>Thread-safe (synchronized; built a few times a second).
 */
final class Snapshots {

  /** A snapshot younger than this, 200 ms, is served again. */
  static final long MIN_AGE_NANOS = 200_000_000L;

  /** Rates (submitted/s, completed/s) cover the last 2 s. */
  static final Duration RATE_WINDOW = Duration.ofSeconds(2);

  /** Outcomes, percentiles and CPU share cover the last 10 s. */
  static final Duration RECENT_WINDOW = Duration.ofSeconds(10);

  private static final int STACK_FRAMES = 12;
  private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

  private final List<Pool> pools;
  private final List<RecentStats> history = new ArrayList<>();
  private long builtAt;
  private String json;
  private long sequence;

  Snapshots(List<Pool> pools) {
    this.pools = pools;
    for (int i = 0; i < pools.size(); i++) {
      history.add(new RecentStats(RECENT_WINDOW.plusSeconds(2)));
    }
  }

  /** The current snapshot as JSON, built afresh if the last is older than 200 ms. */
  synchronized String json() {
    long now = System.nanoTime();
    if (json == null || now - builtAt >= MIN_AGE_NANOS) {
      json = build(now);
      builtAt = now;
    }
    return json;
  }

  /** Builds a snapshot now, bypassing the sharing (package-private for the cost measurement). */
  String build(long now) {
    Json out = new Json();
    out.begin().field("seq", ++sequence).field("time", Instant.now().toString())
        .field("rateWindowSeconds", RATE_WINDOW.toSeconds())
        .field("recentWindowSeconds", RECENT_WINDOW.toSeconds());
    // the machine, so a busy core is not mistaken for a pool's waiting
    out.key("machine").begin()
        .field("cores", Runtime.getRuntime().availableProcessors())
        .field("loadAverage", OS.getSystemLoadAverage())
        .field("processCpu", OS instanceof com.sun.management.OperatingSystemMXBean sun
            ? sun.getProcessCpuLoad() : -1)
        .end();
    List<PoolView> views = new ArrayList<>();
    for (int i = 0; i < pools.size(); i++) {
      Pool pool = pools.get(i);
      PoolStats stats = pool.stats();
      RecentStats recent = history.get(i);
      recent.add(stats, now);
      views.add(new PoolView(pool, stats, recent.over(RATE_WINDOW), recent.over(RECENT_WINDOW)));
    }
    Verdict verdict = bottleneck(views);
    out.key("bottleneck");
    if (verdict == null) {
      out.nullValue();
    } else {
      out.begin().field("pool", verdict.pool).field("why", verdict.why).end();
    }
    out.key("pools").beginArray();
    for (PoolView v : views) {
      writePool(out, v, verdict != null && verdict.pool.equals(v.pool.name()));
    }
    out.endArray();
    return out.end().toString();
  }

  private record PoolView(
      Pool pool, PoolStats stats, RecentStats.Window rate, RecentStats.Window recent) {

    /** Threads busy over threads, or NaN for pools on virtual threads. */
    double utilization() {
      int p = stats.parallelism();
      return p > 0 ? Math.min(1.0, (double) stats.running() / p) : Double.NaN;
    }

    Duration queueWaitP90() {
      return recent.queueWaits().percentile(0.9);
    }

    Duration runP50() {
      return recent.runTimes().percentile(0.5);
    }
  }

  private record Verdict(String pool, String why) {}

  /**
   * The pool that holds work up: the one whose tasks waited longest in its queue lately (p90 over
   * the recent window), among pools that have work queued or whose tasks queued longer than they
   * ran. Ties and pools without recent tasks go by queued tasks per thread. Null when nothing
   * queues.
   */
  private static Verdict bottleneck(List<PoolView> views) {
    PoolView worst = null;
    double worstScore = 0;
    for (PoolView v : views) {
      long waitNanos = v.queueWaitP90().toNanos();
      long runNanos = Math.max(1, v.runP50().toNanos());
      boolean queueing = v.stats.queued() > 0 || waitNanos > runNanos;
      if (!queueing) {
        continue;
      }
      double perThread = (double) v.stats.queued() / Math.max(1, v.stats.parallelism());
      double score = waitNanos / 1e6 + perThread;
      if (worst == null || score > worstScore) {
        worst = v;
        worstScore = score;
      }
    }
    if (worst == null) {
      return null;
    }
    StringBuilder why = new StringBuilder();
    PoolStats s = worst.stats;
    if (s.parallelism() > 0) {
      why.append(s.running()).append(" of ").append(s.parallelism()).append(" threads busy, ");
    } else {
      why.append(s.running()).append(" running, ");
    }
    why.append(s.queued()).append(" queued");
    if (worst.recent.queueWaits().count() > 0) {
      why.append(", queue wait p90 ").append(human(worst.queueWaitP90()))
          .append(" against run p50 ").append(human(worst.runP50()));
    }
    return new Verdict(worst.pool.name(), why.toString());
  }

  private static void writePool(Json out, PoolView v, boolean bottleneck) {
    PoolStats s = v.stats;
    out.begin()
        .field("name", s.pool())
        .field("kind", s.kind().name().toLowerCase(Locale.ROOT))
        .field("parallelism", s.parallelism())
        .field("maxInFlight", s.maxInFlight())
        .field("submitted", s.submitted())
        .field("rejected", s.rejected())
        .field("queued", s.queued())
        .field("running", s.running())
        .field("succeeded", s.succeeded())
        .field("failed", s.failed())
        .field("cancelled", s.cancelled())
        .field("timedOut", s.timedOut())
        .field("utilization", v.utilization())
        .field("cpuShare", s.cpuShare())
        .field("bottleneck", bottleneck)
        .field("submittedPerSecond", v.rate.submittedPerSecond())
        .field("completedPerSecond", v.rate.completedPerSecond());
    RecentStats.Window r = v.recent;
    out.key("recent").begin()
        .field("seconds", r.over().toMillis() / 1000.0)
        .field("succeeded", r.succeeded())
        .field("failed", r.failed())
        .field("cancelled", r.cancelled())
        .field("timedOut", r.timedOut())
        .field("cpuShare", r.cpuShare());
    percentiles(out.key("queueWait"), r.queueWaits());
    percentiles(out.key("run"), r.runTimes());
    out.end();
    out.key("stuck").beginArray();
    for (StuckTask t : s.stuck()) {
      out.begin().field("name", t.name()).field("state", t.state().name())
          .field("thread", t.thread()).field("overdueMs", t.overdue().toMillis());
      stack(out, t.stack());
      out.end();
    }
    out.endArray();
    if (v.pool instanceof AutoPool auto) {
      writeAuto(out, auto);
    }
    if (v.pool instanceof ProcessPool processes) {
      writeProcesses(out, processes, s);
    }
    out.end();
  }

  private static void percentiles(Json out, TimeHistogram h) {
    out.begin().field("count", h.count())
        .field("p50", millis(h.percentile(0.5)))
        .field("p90", millis(h.percentile(0.9)))
        .field("p99", millis(h.percentile(0.99)))
        .end();
  }

  private static void writeAuto(Json out, AutoPool auto) {
    out.key("auto").begin().field("cpuThreads", auto.cpuThreads());
    out.key("routes").beginArray();
    for (Route r : auto.routes()) {
      out.begin().field("key", r.key())
          .field("target", r.target().name().toLowerCase(Locale.ROOT))
          .field("runs", r.runs())
          .field("measuredRuns", r.measuredRuns())
          .field("cpuShare", r.cpuShare())
          .field("meanWallMs", millis(r.meanWall()))
          .field("changes", r.changes())
          .field("overridden", r.overridden())
          .field("method", r.method())
          .field("reason", r.reason())
          .end();
    }
    out.endArray();
    out.key("hogs").beginArray();
    List<CarrierHog> hogs = auto.carrierHogs();
    for (int i = hogs.size() - 1; i >= 0; i--) { // newest first
      CarrierHog h = hogs.get(i);
      out.begin().field("key", h.key()).field("task", h.task()).field("thread", h.thread())
          .field("heldMs", millis(h.held())).field("pinned", h.pinned())
          .field("detail", h.detail());
      stack(out, h.stack());
      out.end();
    }
    out.endArray().end();
  }

  private static void writeProcesses(Json out, ProcessPool pool, PoolStats s) {
    ProcessPoolStats p = pool.processStats();
    out.key("processes").begin()
        .field("workers", p.workers())
        .field("live", p.live())
        .field("spawned", p.spawned())
        .field("restarts", p.crashed() + p.recycled() + p.killed())
        .field("crashed", p.crashed())
        .field("recycled", p.recycled())
        .field("killed", p.killed())
        .field("retries", p.retries())
        .field("spawnFailures", p.spawnFailures())
        .field("meanSpawnMs", p.meanSpawnNanos() / 1e6)
        .field("broken", p.broken())
        .field("tasks", s.completed());
    out.key("workerList").beginArray();
    long nowMillis = System.currentTimeMillis();
    for (long pid : pool.workerPids()) {
      out.begin().field("pid", pid).field("rssBytes", rssBytes(pid));
      ProcessHandle.of(pid).map(ProcessHandle::info).ifPresent(info -> {
        info.totalCpuDuration().ifPresent(d -> out.field("cpuMs", d.toMillis()));
        info.startInstant().ifPresent(t -> out.field("upMs", nowMillis - t.toEpochMilli()));
      });
      out.end();
    }
    out.endArray().end();
  }

  private static void stack(Json out, List<StackTraceElement> stack) {
    out.key("stack").beginArray();
    for (int i = 0; i < Math.min(stack.size(), STACK_FRAMES); i++) {
      out.value(stack.get(i).toString());
    }
    out.endArray();
  }

  static double millis(Duration d) {
    return d.toNanos() / 1e6;
  }

  static String human(Duration d) {
    double ms = millis(d);
    if (ms >= 1000) {
      return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }
    if (ms >= 1) {
      return String.format(Locale.ROOT, "%.1f ms", ms);
    }
    return String.format(Locale.ROOT, "%.0f us", ms * 1000);
  }

  /** A process's resident set size in bytes from {@code /proc}, or -1 where unknown. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException gone) {
      // not Linux, or the worker exited meanwhile
    }
    return -1;
  }
}
