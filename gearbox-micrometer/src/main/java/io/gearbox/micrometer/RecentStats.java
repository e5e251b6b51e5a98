package io.gearbox.micrometer;

import io.gearbox.PoolStats;
import io.gearbox.TimeHistogram;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A pool's stats over the last few seconds: rates, the outcomes, percentiles and CPU share of the
 * tasks that finished recently, from the difference of two {@link PoolStats} snapshots. Feed it
 * every snapshot you take ({@link #add}); ask it for any window up to its span ({@link #over}).
 *
 * <p>Keeps one snapshot per twentieth of the span, so its memory is bounded whatever the rate of
 * {@link #add}. Thread-safe (synchronized: it is read a few times a second).
 */
public final class RecentStats {

  /**
   * What happened in a window.
   *
   * @param over the window's length (shorter than asked while the history is young; zero with a
   *     single snapshot)
   * @param submittedPerSecond tasks accepted per second
   * @param completedPerSecond tasks that reached a terminal state per second
   * @param succeeded tasks that succeeded in the window
   * @param failed tasks that failed in the window
   * @param cancelled tasks cancelled in the window
   * @param timedOut tasks timed out in the window
   * @param queueWaits how long the tasks that finished in the window had queued
   * @param runTimes how long the tasks that finished in the window ran
   * @param cpuShare CPU time over run time of the window's CPU-measured tasks, or {@code NaN}
   */
  public record Window(
      Duration over,
      double submittedPerSecond,
      double completedPerSecond,
      long succeeded,
      long failed,
      long cancelled,
      long timedOut,
      TimeHistogram queueWaits,
      TimeHistogram runTimes,
      double cpuShare) {}

  private record Sample(long nanos, PoolStats stats) {}

  private final long spanNanos;
  private final long stepNanos;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();

  /**
   * A history covering {@code span}.
   *
   * @throws IllegalArgumentException if {@code span} is not positive
   */
  public RecentStats(Duration span) {
    if (span.isNegative() || span.isZero()) {
      throw new IllegalArgumentException("the span must be positive, not " + span);
    }
    this.spanNanos = span.toNanos();
    this.stepNanos = Math.max(1, spanNanos / 20);
  }

  /** Adds a snapshot taken at {@code nanoTime} ({@link System#nanoTime()}), the latest so far. */
  public synchronized void add(PoolStats stats, long nanoTime) {
    Objects.requireNonNull(stats, "stats");
    if (samples.size() > 1) {
      var newestFirst = samples.descendingIterator();
      newestFirst.next();
      if (nanoTime - newestFirst.next().nanos < stepNanos) {
        samples.pollLast(); // keep the spacing: the newest sample moves forward instead
      }
    }
    samples.addLast(new Sample(nanoTime, stats));
    // Keep one sample at least a span old, so a window of the whole span can be answered.
    while (samples.size() > 2) {
      var it = samples.iterator();
      it.next();
      if (nanoTime - it.next().nanos >= spanNanos) {
        samples.pollFirst();
      } else {
        break;
      }
    }
  }

  /** The latest snapshot added, or null before the first. */
  public synchronized PoolStats latest() {
    Sample last = samples.peekLast();
    return last == null ? null : last.stats;
  }

  /**
   * The window ending at the latest snapshot and starting at the newest one at least
   * {@code length} older (or the oldest kept), or null before the first snapshot.
   */
  public synchronized Window over(Duration length) {
    Sample last = samples.peekLast();
    if (last == null) {
      return null;
    }
    long wanted = length.toNanos();
    Sample first = samples.peekFirst();
    for (Sample s : samples) {
      if (last.nanos - s.nanos >= wanted) {
        first = s;
      } else {
        break;
      }
    }
    return between(first, last);
  }

  private static Window between(Sample a, Sample b) {
    long nanos = b.nanos - a.nanos;
    double seconds = nanos / 1e9;
    PoolStats x = a.stats;
    PoolStats y = b.stats;
    long cpu = y.totalCpuNanos() - x.totalCpuNanos();
    long cpuWall = y.cpuMeasuredWallNanos() - x.cpuMeasuredWallNanos();
    return new Window(
        Duration.ofNanos(nanos),
        seconds > 0 ? (y.submitted() - x.submitted()) / seconds : 0,
        seconds > 0 ? (y.completed() - x.completed()) / seconds : 0,
        y.succeeded() - x.succeeded(),
        y.failed() - x.failed(),
        y.cancelled() - x.cancelled(),
        y.timedOut() - x.timedOut(),
        since(y.queueWaits(), x.queueWaits()),
        since(y.runTimes(), x.runTimes()),
        cpuWall > 0 ? Math.min(1.0, Math.max(0.0, (double) cpu / cpuWall)) : Double.NaN);
  }

  /** later minus earlier; the later whole if they are not snapshots of one histogram. */
  private static TimeHistogram since(TimeHistogram later, TimeHistogram earlier) {
    try {
      return later.minus(earlier);
    } catch (IllegalArgumentException differentPool) {
      return later;
    }
  }
}
