package io.gearbox.internal;

import io.gearbox.TaskTimings;

/**
 * A task as a router's backing executor sees it: what to run, its route and, after, its timings.
 *
 * <p>Public for the auto pool's router (internal.auto); not exported.
 */
public interface RoutedRun extends Runnable {

  /** The tag {@link Routing#tag} gave the task at admission; null in pools without a router. */
  Object routeTag();

  /** The task's name ({@code task-<id>} unless named). */
  String name();

  /** The task's timings; {@link TaskTimings#NONE} until its code has run. */
  TaskTimings timings();

  /**
   * Time the run spent runnable but descheduled, when its CPU time was measured
   * ({@link TaskTimings#cpuMeasured()}) on a pool's own thread; else 0.
   */
  long runQueueNanos();
}
