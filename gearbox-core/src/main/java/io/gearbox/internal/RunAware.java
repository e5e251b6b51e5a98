package io.gearbox.internal;

import io.gearbox.TaskHandle;

/**
 * A task that wants its own handle when it starts running: the process pool's driver tasks use it
 * to name the task in crash reports and output. Called on the running thread, before the task.
 *
 * <p>Public for the remote calls of internal.process and gearbox-cluster; not exported.
 */
public interface RunAware {

  /** The task is about to run as {@code run}. */
  void starting(TaskHandle<?> run);
}
