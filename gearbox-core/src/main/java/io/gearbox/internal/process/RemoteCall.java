package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOutput;
import io.gearbox.internal.RunAware;
import java.util.concurrent.Callable;

/**
 * The driver task for one remote call: what runs on a driver thread of the process pool. It holds
 * the encoded task and, as the call proceeds, what the worker reported (output, pid, attempts,
 * CPU time, the cancel rung) for the task's {@link RemoteHandle}. Running it hands it to its
 * {@link Driver} ({@code CallDriver}), which it knows only by that interface: the flow goes
 * facade -> driver pool -> call -> driver -> worker, never back up.
 *
 * @param <T> the result type
 */
final class RemoteCall<T> implements Callable<T>, RunAware {

  /** Runs a call on a worker; what {@link #call()} hands the call to. */
  interface Driver {
    <T> T execute(RemoteCall<T> call) throws Exception;
  }

  final Driver driver;
  final byte kind;
  final String pkg;
  final byte[] task;
  final byte[] items; // batches only
  final int itemCount;
  final int maxRetries;
  final Object source; // what the user submitted

  volatile long taskId;
  volatile String name = "task";
  volatile boolean started;
  volatile int attempts;
  /** Time spent waiting for a worker to start, over every attempt. Written by the driver only. */
  volatile long startupNanos;
  volatile long pid = -1;
  volatile TaskOutput output = TaskOutput.EMPTY;
  volatile CancelRung rung = CancelRung.NONE;
  volatile long workerWallNanos = -1;
  volatile long workerCpuNanos = -1;
  volatile int replyBytes;
  /**
   * Set while the driver waits for its first worker (no worker has seen the task yet): the task
   * is reported as PENDING and counted as queued, though its driver has started it.
   */
  volatile boolean awaitingWorker;

  RemoteCall(Driver driver, byte kind, String pkg, byte[] task, byte[] items,
      int itemCount, int maxRetries, Object source) {
    this.driver = driver;
    this.kind = kind;
    this.pkg = pkg;
    this.task = task;
    this.items = items;
    this.itemCount = itemCount;
    this.maxRetries = maxRetries;
    this.source = source;
  }

  @Override
  public void starting(TaskHandle<?> run) {
    taskId = run.id();
    name = run.name();
  }

  @Override
  public T call() throws Exception {
    started = true;
    return driver.execute(this);
  }

  /** Throws a checked exception unchecked: a task's own exception, as the task threw it. */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
