package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A cluster pool as an {@link java.util.concurrent.ExecutorService}: submit returns the pool's
 * handles; a {@link Runnable} must be serializable (a lambda cast to {@code Runnable & Serializable});
 * shutting the view down shuts the pool down. {@code invokeAll} submits every task to the pool;
 * {@code invokeAny} is the JDK's, over those submits.
 */
final class ClusterExecutorService extends AbstractExecutorService {

  private final ClusterPoolEngine pool;

  ClusterExecutorService(ClusterPoolEngine pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable command) {
    pool.submit(wrap(command, null));
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return pool.submit(task);
  }

  @Override
  public Future<?> submit(Runnable task) {
    return pool.submit(wrap(task, null));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> Future<T> submit(Runnable task, T result) {
    return (Future<T>) pool.submit(wrap(task, result));
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks)
      throws InterruptedException {
    List<Future<T>> out = new ArrayList<>(tasks.size());
    for (Callable<T> t : tasks) {
      out.add(pool.submit(t));
    }
    try {
      for (Future<T> f : out) {
        try {
          f.get();
        } catch (ExecutionException | CancellationException ignored) {
          // reported by the future
        }
      }
    } catch (InterruptedException e) {
      out.forEach(f -> f.cancel(true));
      throw e;
    }
    return out;
  }

  private static Callable<Object> wrap(Runnable command, Object result) {
    Objects.requireNonNull(command, "command");
    if (!(command instanceof Serializable)) {
      throw new io.gearbox.TaskNotSerializableException("task (" + command.getClass().getName()
          + ") is not serializable: a Runnable for a cluster pool must implement Serializable"
          + " (cast a lambda to (Runnable & Serializable))", command.getClass().getName(), "task", null);
    }
    return new RunnableTask(command, result);
  }

  @Override
  public void shutdown() {
    pool.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> out = new ArrayList<>();
    for (TaskHandle<?> h : pool.shutdownNow()) {
      out.add(() -> h.cancel(true));
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
}
