package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.TaskOutput;
import io.gearbox.internal.remote.DriverCall;

/**
 * The driver task for one remote call: what runs on a driver thread of the process pool. Besides
 * what every remote call records ({@link DriverCall}: id, name, attempts, pid), it holds the
 * encoded task and, as the call proceeds, what the worker reported (output, CPU time, the cancel
 * rung) for the task's {@link RemoteHandle}. Running it hands it to its
 * {@link Driver} ({@code CallDriver}), which it knows only by that interface: the flow goes
 * facade -> driver pool -> call -> driver -> worker, never back up.
 *
 * @param <T> the result type
 */
final class RemoteCall<T> extends DriverCall<T> {

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

  volatile boolean started;
  /** Time spent waiting for a worker to start, over every attempt. Written by the driver only. */
  volatile long startupNanos;
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
    super(maxRetries, source);
    this.driver = driver;
    this.kind = kind;
    this.pkg = pkg;
    this.task = task;
    this.items = items;
    this.itemCount = itemCount;
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
