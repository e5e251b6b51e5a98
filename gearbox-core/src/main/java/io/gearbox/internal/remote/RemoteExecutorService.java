package io.gearbox.internal.remote;

import io.gearbox.Pool;
import io.gearbox.TaskHandle;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A pool that runs tasks in other JVMs (a process pool, a cluster pool) as an {@link
 * ExecutorService}: submit returns the pool's handles; runnables and callables must be
 * serializable (a runnable is sent wrapped in a {@link RunnableCall}); shutting the view down
 * shuts the pool down, and {@code shutdownNow} returns the runnables that never started. {@code
 * execute} reports a task's exception to the uncaught-exception handler of the caller's
 * thread pool-side, as the thread pools' views do, here the driver thread's.
 *
 * <p>Public for the process and cluster pools' engines; not exported.
 */
public final class RemoteExecutorService implements ExecutorService {

  private final Pool pool;

  public RemoteExecutorService(Pool pool) {
    this.pool = pool;
  }

  /** A serializable Runnable as a Callable (whatever the runnable captures must be serializable). */
  record RunnableCall<T>(Runnable runnable, T result) implements Callable<T>, Serializable {
    @Override
    public T call() {
      runnable.run();
      return result;
    }
  }

  @Override
  public void execute(Runnable command) {
    Objects.requireNonNull(command, "command");
    TaskHandle<Object> h = pool.submit(new RunnableCall<>(command, null));
    h.toCompletableFuture().whenComplete((v, e) -> {
      if (e != null && !(e instanceof CancellationException)) {
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
    });
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return pool.submit(Objects.requireNonNull(task, "task"));
  }

  @Override
  public Future<?> submit(Runnable task) {
    return pool.submit(new RunnableCall<>(Objects.requireNonNull(task, "task"), null));
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return pool.submit(new RunnableCall<>(Objects.requireNonNull(task, "task"), result));
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks)
      throws InterruptedException {
    return invokeAll(tasks, Long.MAX_VALUE);
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout,
      TimeUnit unit) throws InterruptedException {
    return invokeAll(tasks, unit.toNanos(timeout));
  }

  /**
   * Submits every task, then waits for each in turn until {@code timeoutNanos} (Long.MAX_VALUE:
   * no limit) has passed; whatever has not finished then, or when the wait is interrupted or a
   * submit fails, is cancelled.
   */
  private <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeoutNanos)
      throws InterruptedException {
    long start = System.nanoTime();
    List<Future<T>> out = new ArrayList<>();
    for (Callable<T> t : tasks) {
      Objects.requireNonNull(t, "task");
    }
    try {
      for (Callable<T> t : tasks) {
        out.add(pool.submit(t));
      }
      for (Future<T> f : out) {
        long left = timeoutNanos - (System.nanoTime() - start);
        if (left <= 0 || !((TaskHandle<T>) f).await(Duration.ofNanos(left))) {
          break;
        }
      }
    } finally {
      out.forEach(f -> f.cancel(true)); // no-op for the finished ones
    }
    return out;
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
      throws InterruptedException, ExecutionException {
    try {
      return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("unreachable", e);
    }
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("no tasks");
    }
    for (Callable<T> t : tasks) {
      Objects.requireNonNull(t, "task");
    }
    java.util.concurrent.CompletableFuture<T> first = new java.util.concurrent.CompletableFuture<>();
    List<TaskHandle<T>> handles = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
    try {
      for (Callable<T> t : tasks) {
        TaskHandle<T> h = pool.submit(t);
        handles.add(h);
        h.toCompletableFuture().whenComplete((v, e) -> {
          if (e == null) {
            first.complete(v);
          } else if (failures.incrementAndGet() == tasks.size()) {
            first.completeExceptionally(e);
          }
        });
      }
      return timeout == Long.MAX_VALUE ? first.get() : first.get(timeout, unit);
    } finally {
      handles.forEach(h -> h.cancel(true));
    }
  }

  @Override
  public void shutdown() {
    pool.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> out = new ArrayList<>();
    for (TaskHandle<?> h : pool.shutdownNow()) {
      Object source = h instanceof DriverHandle<?> r ? r.source() : null;
      if (source instanceof RunnableCall<?> rc) {
        out.add(rc.runnable());
      } else if (source instanceof Callable<?> c) {
        out.add(() -> {
          try {
            c.call();
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
      }
    }
    return out;
  }

  @Override
  public boolean isShutdown() {
    return pool.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return pool.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return pool.awaitTermination(Duration.ofNanos(unit.toNanos(timeout)));
  }

  @Override
  public void close() {
    pool.close();
  }
}
