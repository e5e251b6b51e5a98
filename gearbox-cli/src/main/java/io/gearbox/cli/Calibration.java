package io.gearbox.cli;

import io.gearbox.examples.Workloads;

/**
 * How fast the seed's {@code compute_heavy} loop runs here, once the JIT has compiled it: the one
 * measurement behind every CPU workload's size ({@code gearbox demo}'s CPU section, the bench's
 * and the matrix's CPU tasks), so each picks a scale that takes about the time it wants on any
 * machine.
 */
public final class Calibration {

  /** The scale of each timed probe: a quarter of the seed's 10,000,000 additions. */
  private static final double PROBE_SCALE = 0.25;

  /** Probes timed; the fastest counts (the first ones also warm the loop up). */
  private static final int PROBES = 10;

  private Calibration() {}

  /**
   * Nanoseconds {@code compute_heavy(1, 1.0)} takes on one core here: the fastest of several
   * probes, so a descheduled probe does not make the work too small.
   */
  public static double nanosPerUnit() {
    long best = Long.MAX_VALUE;
    long sink = 0;
    for (int i = 0; i < PROBES; i++) {
      long t0 = System.nanoTime();
      sink += Workloads.computeHeavy(1, PROBE_SCALE);
      best = Math.min(best, System.nanoTime() - t0);
    }
    if (sink == 42) {
      throw new AssertionError(); // keeps the JIT from dropping the loop
    }
    return Math.max(1, best) / PROBE_SCALE;
  }
}
