package io.gearbox.internal.remote;

import io.gearbox.TaskHandle;
import io.gearbox.internal.RunAware;
import java.util.concurrent.Callable;

/**
 * The driver task of one task that runs in another JVM: what a driver thread of the engine's
 * {@code ExecutorPool} runs. This part holds what every such engine records as the call proceeds
 * (the task's id and name once it starts, its attempts, the pid that ran the latest one) for the
 * task's {@link DriverHandle}; the engine's subclass adds the encoded task and its transport's
 * reports, and its {@link #call()} hands the call to the engine's driver.
 *
 * <p>Fields are written by the one driver thread running the call and read by any thread
 * (volatile).
 *
 * <p>Public for internal.process's RemoteCall and gearbox-cluster's ClusterCall; not exported.
 *
 * @param <T> the result type
 */
public abstract class DriverCall<T> implements Callable<T>, RunAware {

  /** What the user submitted (a callable, a runnable wrapped as one), or null for a map batch. */
  final Object source;
  /** How many times the call may be sent again after its worker or member was lost. */
  public final int maxRetries;

  /** The driver task's id, once it starts. */
  public volatile long taskId;
  /** The driver task's name, once it starts; an engine may name its batches. */
  public volatile String name = "task";
  /** Attempts so far: sends that reached a worker or member. */
  public volatile int attempts;
  /** The process id that ran the latest attempt, or -1. */
  public volatile long pid = -1;

  protected DriverCall(int maxRetries, Object source) {
    this.maxRetries = maxRetries;
    this.source = source;
  }

  @Override
  public void starting(TaskHandle<?> run) {
    taskId = run.id();
    name = run.name();
  }
}
