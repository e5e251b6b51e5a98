package io.gearbox.internal;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A structured scope over one pool (see {@link TaskScope} for the contract).
 *
 * <h2>Implementation overview</h2>
 *
 * <p>{@code pending} counts children whose handles are not done; {@code live} holds children whose
 * code has not exited. Each child gets two callbacks: on done, decrement {@code pending}, and if it
 * failed first, record it and cancel the rest; on exit, leave {@code live}. {@link #join()} waits on
 * {@code changed} for pending to reach zero, or for {@code stopped}: set only once a failure or
 * {@link #cancel()} has <em>finished</em> cancelling the live children, so that when join throws,
 * the siblings are already cancelled (setting it before the cancel loop let join return while
 * siblings still ran). {@link #close()} cancels every live child and waits for each one's exit, so
 * no child code runs after close returns.
 *
 * <p>The lock is never held while submitting (a BLOCK submit could otherwise wait for a permit that
 * only a child's done callback, which needs the lock, would free), nor while cancelling. {@code
 * forking} counts forks between their closed-check and their entry in {@code live}; close first
 * cancels the live children, then waits for it to drain (a fork blocked for a permit may need a
 * cancelled child's permit to proceed: waiting before cancelling deadlocked), and a fork that
 * finds the scope closed after submitting cancels its own child.
 */
final class Scope implements TaskScope {

  private final ExecutorPool pool;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Set<TaskRun<?>> live = ConcurrentHashMap.newKeySet();
  private int pending; // guarded by lock
  private int forking; // guarded by lock
  private TaskRun<?> firstFailure; // guarded by lock
  private boolean cancelled; // guarded by lock
  private boolean stopped; // guarded by lock: a failure or cancel() has cancelled the live children
  private volatile boolean closed;

  Scope(ExecutorPool pool) {
    this.pool = pool;
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task) {
    return fork(task, TaskOptions.defaults());
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("scope is closed");
      }
      if (cancelled || firstFailure != null) {
        throw new IllegalStateException("scope is " + (cancelled ? "cancelled" : "failed"));
      }
      pending++;
      forking++;
    } finally {
      lock.unlock();
    }
    TaskRun<T> run;
    try {
      run = pool.admit(task, options, task, pool.saturationPolicy());
    } catch (RuntimeException e) {
      lock.lock();
      try {
        pending--;
        forking--;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      throw e;
    }
    live.add(run);
    run.exitedFuture().thenRun(() -> live.remove(run));
    run.done().thenRun(() -> childDone(run));
    boolean cancelNow;
    lock.lock();
    try {
      forking--;
      cancelNow = closed || cancelled || firstFailure != null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (cancelNow) {
      run.cancel(true);
    }
    return run;
  }

  private void childDone(TaskRun<?> run) {
    boolean cancelSiblings = false;
    lock.lock();
    try {
      pending--;
      TaskState s = run.status();
      if ((s == TaskState.FAILED || s == TaskState.TIMED_OUT) && firstFailure == null && !cancelled) {
        firstFailure = run;
        cancelSiblings = true;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (cancelSiblings) {
      cancelLive();
      markStopped();
    }
  }

  /** The live children have been cancelled after a failure or cancel(): join may return. */
  private void markStopped() {
    lock.lock();
    try {
      stopped = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void join() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (pending > 0 && !stopped) {
        changed.await();
      }
      throwOutcome();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void join(Duration timeout) throws InterruptedException, TimeoutException {
    long nanos = Durations.saturatedNanos(timeout);
    lock.lockInterruptibly();
    try {
      while (pending > 0 && !stopped) {
        if (nanos <= 0) {
          break;
        }
        nanos = changed.awaitNanos(nanos);
      }
      if (pending > 0 && !stopped) {
        lock.unlock();
        try {
          cancel();
        } finally {
          lock.lock();
        }
        throw new TimeoutException("scope not done after " + timeout + "; its children were cancelled");
      }
      throwOutcome();
    } finally {
      lock.unlock();
    }
  }

  private void throwOutcome() {
    if (firstFailure != null) {
      throw firstFailure.failureForConsumer();
    }
    if (cancelled) {
      throw new CancellationException("scope was cancelled");
    }
  }

  @Override
  public void cancel() {
    lock.lock();
    try {
      if (cancelled) {
        return;
      }
      cancelled = firstFailure == null;
    } finally {
      lock.unlock();
    }
    cancelLive();
    markStopped();
  }

  @Override
  public boolean isCancelled() {
    lock.lock();
    try {
      return cancelled || firstFailure != null;
    } finally {
      lock.unlock();
    }
  }

  private void cancelLive() {
    for (TaskRun<?> run : live) {
      run.cancel(true);
    }
  }

  @Override
  public void close() {
    boolean interrupted = false;
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
    cancelLive(); // before waiting for forks: a fork blocked on a full pool may need these permits
    lock.lock();
    try {
      while (forking > 0) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    while (!live.isEmpty()) {
      for (TaskRun<?> run : live) {
        run.cancel(true);
        while (true) {
          try {
            run.exitedFuture().get(1, TimeUnit.SECONDS);
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          } catch (TimeoutException e) {
            // still running: keep waiting, as the contract says
          } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
