package io.gearbox.internal.remote;

import io.gearbox.TaskHandle;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The handle of a task that runs in another JVM (a process-pool worker, a cluster member): its
 * driver task's handle (state, waiting, cancellation, deadline), which every method here delegates
 * to, plus what the engine's call records ({@link DriverCall}; the engine's subclass adds its own). Shared by the engines
 * that run a task as a "driver" task on an {@code ExecutorPool}, so each keeps only its transport.
 * Thread-safe as the driver's handle is.
 *
 * <p>Public for internal.process's RemoteHandle and gearbox-cluster's ClusterHandle; not exported.
 *
 * @param <T> the result type
 */
public abstract class DriverHandle<T> implements TaskHandle<T> {

  /** The driver task's handle. */
  protected final TaskHandle<T> driver;
  private final DriverCall<T> call;

  protected DriverHandle(TaskHandle<T> driver, DriverCall<T> call) {
    this.driver = driver;
    this.call = call;
  }

  /** What the user submitted (a callable, a runnable wrapped as one), or null for a map batch. */
  Object source() {
    return call.source;
  }

  /** How many times the task was sent: 0 if never, more than 1 after a retry. */
  public int attempts() {
    return call.attempts;
  }

  @Override
  public long id() {
    return driver.id();
  }

  @Override
  public String name() {
    return driver.name();
  }

  @Override
  public TaskState status() {
    return driver.status();
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
    return driver.timings();
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
}
