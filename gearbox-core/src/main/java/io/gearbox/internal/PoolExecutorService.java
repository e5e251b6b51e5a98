package io.gearbox.internal;

import io.gearbox.TaskOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A pool seen as a {@link java.util.concurrent.ExecutorService}. Every method delegates to the
 * pool; {@code submit} returns the pool's own handles, so tasks keep their states, timings and
 * submit sites. {@code invokeAll}/{@code invokeAny} come from {@link AbstractExecutorService}.
 */
final class PoolExecutorService extends AbstractExecutorService {

  private final ExecutorPool pool;

  PoolExecutorService(ExecutorPool pool) {
    this.pool = pool;
  }

  /**
   * Fire-and-forget: nobody holds the handle, so, as {@code ThreadPoolExecutor} does, an
   * exception the command throws is also handed to the running thread's uncaught-exception
   * handler (by default printed to stderr), besides failing the task in the pool's stats.
   */
  @Override
  public void execute(Runnable command) {
    Objects.requireNonNull(command, "command");
    Callable<Object> reporting = () -> {
      try {
        command.run();
        return null;
      } catch (RuntimeException | Error e) {
        Thread me = Thread.currentThread();
        me.getUncaughtExceptionHandler().uncaughtException(me, e);
        throw e;
      }
    };
    TaskRun<Object> run =
        pool.admit(reporting, TaskOptions.defaults(), command, pool.saturationPolicy());
    if (command instanceof Future<?> future) {
      // invokeAll, invokeAny and CompletableFuture.*Async hand execute a Future and wait on it:
      // if the pool cancels the command before it ever runs (shutdownNow, close), that Future
      // must end too, or its waiter hangs.
      run.done().thenRun(() -> {
        if (run.neverStarted()) {
          future.cancel(false);
        }
      });
    }
  }

  @Override
  public Future<?> submit(Runnable task) {
    Objects.requireNonNull(task, "task");
    return pool.admit(Executors.callable(task), TaskOptions.defaults(), task, pool.saturationPolicy());
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    Objects.requireNonNull(task, "task");
    return pool.admit(Executors.callable(task, result), TaskOptions.defaults(), task,
        pool.saturationPolicy());
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return pool.submit(task);
  }

  @Override
  public void shutdown() {
    pool.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return pool.shutdownNow().stream().map(h -> ((TaskRun<?>) h).sourceAsRunnable()).toList();
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

  @Override
  public String toString() {
    return "ExecutorService view of " + pool;
  }
}
