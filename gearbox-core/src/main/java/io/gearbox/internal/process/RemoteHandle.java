package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOutput;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.remote.DriverHandle;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;

/**
 * A process-pool task's handle: the driver task's handle (state, waiting, cancellation, deadline;
 * {@link DriverHandle}) plus what the worker reported. Timings are the driver's queue and wall times with the worker's
 * CPU time.
 *
 * @param <T> the result type
 */
final class RemoteHandle<T> extends DriverHandle<T> implements ProcessTaskHandle<T> {

  private final RemoteCall<T> call;
  /** Where a joiner may run the call itself, or null (scopes, maps, invoke): joins just wait. */
  private final Joins joins;

  /** A joiner's fast path: the driver pool whose queue holds the call, and the caller drives. */
  record Joins(ExecutorPool drivers, CallerDrives callers) { }

  RemoteHandle(TaskHandle<T> driver, RemoteCall<T> call) {
    this(driver, call, null);
  }

  RemoteHandle(TaskHandle<T> driver, RemoteCall<T> call, Joins joins) {
    super(driver, call);
    this.call = call;
    this.joins = joins;
  }

  /**
   * Waits for the task as {@link TaskHandle#join()} does. If no driver has taken the task yet and
   * a worker is idle, this thread runs its round trip instead ({@link CallerDrives#driveQueued}):
   * the same states, retries, deadline, cancellation and stats, two thread wake-ups less. If this
   * thread is interrupted while it runs the task, the task is cancelled (this thread was running
   * it) and the join throws as an interrupted join does, the interrupt flag set.
   */
  @Override
  public T join() {
    if (droveAndWasInterrupted()) {
      throw ExecutorPool.interruptedWaitFor(id(), new InterruptedException());
    }
    return super.join();
  }

  /**
   * Waits for the task as {@link java.util.concurrent.Future#get()} does, with {@link #join()}'s
   * fast path: a task still queued, with a worker idle, runs its round trip on this thread. If
   * this thread is interrupted while it runs the task, the task is cancelled and get throws
   * {@link InterruptedException} with the interrupt flag cleared, as an interrupted wait does.
   * (Timed waits never take the fast path: a round trip on this thread could outlast the timeout.)
   */
  @Override
  public T get() throws InterruptedException, ExecutionException {
    if (droveAndWasInterrupted()) {
      Thread.interrupted(); // InterruptedException's contract: the flag is cleared
      throw new InterruptedException("interrupted while running task #" + id() + " on this thread");
    }
    return super.get();
  }

  /** Runs the call on this thread if it is still queued; whether it did and was interrupted. */
  private boolean droveAndWasInterrupted() {
    return joins != null && !driver.isDone()
        && joins.callers().driveQueued(joins.drivers(), call, driver) && call.callerInterrupted;
  }

  /** Whether the given thread ran this task's round trip itself (invoke or join; for tests). */
  boolean drivenBy(Thread t) {
    return call.caller == t;
  }

  @Override
  public TaskOutput output() {
    return call.output;
  }

  @Override
  public OptionalLong workerPid() {
    long pid = call.pid;
    return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  @Override
  public CancelRung cancelRung() {
    CancelRung r = call.rung;
    if (r != CancelRung.NONE) {
      return r;
    }
    TaskState s = driver.status();
    if (s == TaskState.CANCELLED || s == TaskState.TIMED_OUT) {
      // a driver still waiting for a worker has not started the task: no worker has seen it
      return call.started && !call.awaitingWorker ? CancelRung.REQUESTED : CancelRung.NOT_STARTED;
    }
    return CancelRung.NONE;
  }

  /** The driver's state, except that a task whose driver still waits for a worker is PENDING. */
  @Override
  public TaskState status() {
    TaskState s = driver.status();
    return s == TaskState.RUNNING && call.awaitingWorker ? TaskState.PENDING : s;
  }

  @Override
  public TaskTimings timings() {
    TaskTimings t = driver.timings();
    if (t == TaskTimings.NONE) {
      return t;
    }
    // the driver ran from taking the task; its waits for a worker to start are start-up, queued
    long startup = Math.min(call.startupNanos, t.wallNanos());
    return new TaskTimings(t.queuedNanos() + startup, t.wallNanos() - startup, call.workerCpuNanos,
        startup);
  }

  @Override
  public String toString() {
    return "ProcessTask[#" + id() + " '" + name() + "' " + status() + ", attempts " + attempts()
        + (call.pid >= 0 ? ", pid " + call.pid : "") + "]";
  }
}
