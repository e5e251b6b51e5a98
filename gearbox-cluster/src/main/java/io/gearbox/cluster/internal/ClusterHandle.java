package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import io.gearbox.cluster.ClusterTaskHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A cluster task's handle: the driver task's handle (state, waiting, cancellation, deadline) plus
 * where the call went.
 *
 * @param <T> the result type
 */
final class ClusterHandle<T> implements ClusterTaskHandle<T> {

  private final TaskHandle<T> driver;
  private final ClusterCall<T> call;

  ClusterHandle(TaskHandle<T> driver, ClusterCall<T> call) {
    this.driver = driver;
    this.call = call;
  }

  @Override
  public Optional<String> member() {
    return Optional.ofNullable(call.member);
  }

  @Override
  public OptionalLong memberPid() {
    long pid = call.pid;
    return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  @Override
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

  @Override
  public String toString() {
    return "ClusterTask[#" + id() + " '" + name() + "' " + status() + ", attempts " + attempts()
        + (call.member != null ? ", member " + call.member : "")
        + (call.pid >= 0 ? ", pid " + call.pid : "") + "]";
  }
}
