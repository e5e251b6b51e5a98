package io.gearbox.internal.auto;

import io.gearbox.PoolKind;
import java.util.Locale;

/**
 * The routing policy's numbers and its sentences, shared by the auto pool and the profiler.
 *
 * <p>A task's <em>CPU share</em> is its CPU time over its wall time. At or above
 * {@link #CPU_SHARE_FOR_CPU} (50%) the task computes more than it waits and belongs on the CPU
 * side; below, it mostly waits and belongs on virtual threads. Once routed, a key moves only when
 * its moving average crosses the far edge of a band: up to {@link #MOVE_TO_CPU} (60%) or down to
 * {@link #MOVE_TO_VIRTUAL} (40%), so noise around 50% does not make it flap.
 *
 * <p>Public for io.gearbox.Profiler, whose verdict is the auto pool's; not exported.
 */
public final class Policy {

  /** First verdict: at least this CPU share goes to the CPU side. */
  static final double CPU_SHARE_FOR_CPU = 0.5;

  /** A key on virtual threads moves to the CPU side when its average reaches this share. */
  static final double MOVE_TO_CPU = 0.6;

  /** A key on the CPU side moves to virtual threads when its average falls to this share. */
  static final double MOVE_TO_VIRTUAL = 0.4;

  /** Weight of a new measurement in the moving average, once the probes are in. */
  static final double ALPHA = 0.3;

  private Policy() {}

  /** The first verdict for a CPU share. */
  public static PoolKind verdict(double cpuShare) {
    return cpuShare >= CPU_SHARE_FOR_CPU ? PoolKind.CPU : PoolKind.VIRTUAL;
  }

  /** CPU time over wall time, clamped to [0, 1]; NaN when either is unknown. */
  public static double share(long cpuNanos, long wallNanos) {
    if (cpuNanos < 0 || wallNanos <= 0) {
      return Double.NaN;
    }
    return Math.max(0.0, Math.min(1.0, (double) cpuNanos / wallNanos));
  }

  /** "cpu 8%, waiting 92% over 50 runs -> virtual". */
  public static String evidence(double cpuShare, long runs, PoolKind target) {
    long cpu = Math.round(cpuShare * 100); // waiting is the rest: the two add up to 100%
    return String.format(Locale.ROOT, "cpu %d%%, waiting %d%% over %d run%s -> %s",
        cpu, 100 - cpu, runs, runs == 1 ? "" : "s", target.label());
  }
}
