package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOutput;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process-pool task's handle: the driver task's handle (state, waiting, cancellation, deadline)
 * plus what the worker reported. Timings are the driver's queue and wall times with the worker's
 * CPU time.
 *
 * @param <T> the result type
 */
final class RemoteHandle<T> implements ProcessTaskHandle<T> {

  private final TaskHandle<T> driver;
  private final RemoteCall<T> call;

  RemoteHandle(TaskHandle<T> driver, RemoteCall<T> call) {
    this.driver = driver;
    this.call = call;
  }

  RemoteCall<T> call() {
    return call;
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
  public int attempts() {
    return call.attempts;
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

  @Override
  public long id() {
    return driver.id();
  }

  @Override
  public String name() {
    return driver.name();
  }

  /** The driver's state, except that a task whose driver still waits for a worker is PENDING. */
  @Override
  public TaskState status() {
    TaskState s = driver.status();
    return s == TaskState.RUNNING && call.awaitingWorker ? TaskState.PENDING : s;
  }

  @Override
  public T join() {
    return driver.join();
  }

  @Override
  public boolean await(Duration timeout) throws InterruptedException {
    return driver.await(timeout);
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
  public CompletableFuture<T> toCompletableFuture() {
    return driver.toCompletableFuture();
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return driver.cancel(mayInterruptIfRunning);
  }

  @Override
  public boolean isCancelled() {
    return driver.isCancelled();
  }

  @Override
  public boolean isDone() {
    return driver.isDone();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    return driver.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return driver.get(timeout, unit);
  }

  @Override
  public T resultNow() {
    return driver.resultNow();
  }

  @Override
  public Throwable exceptionNow() {
    return driver.exceptionNow();
  }

  @Override
  public State state() {
    return driver.state();
  }

  @Override
  public String toString() {
    return "ProcessTask[#" + id() + " '" + name() + "' " + status() + ", attempts " + attempts()
        + (call.pid >= 0 ? ", pid " + call.pid : "") + "]";
  }
}
