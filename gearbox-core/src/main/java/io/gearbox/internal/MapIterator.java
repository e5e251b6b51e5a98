package io.gearbox.internal;

import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.Saturation;
import io.gearbox.TaskOptions;
import io.gearbox.TaskState;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The pull-based engine behind {@code map}, {@code mapUnordered} and {@code mapOutcomes}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The consumer drives everything: each {@code hasNext()} first tops the window up, reading
 * inputs and submitting one task per input until {@code window} tasks are outstanding, then waits
 * for the next result. Inputs are never read further ahead than the window, so an endless input
 * costs bounded memory, and submission always waits for room in the pool (map is a consumer, it
 * cannot be "rejected" half-way).
 *
 * <p>ORDERED and OUTCOMES keep outstanding tasks in an {@link ArrayDeque} in input order and wait
 * on the head; UNORDERED waits on a queue that completion callbacks fill. Fail-fast modes register
 * a callback on each task: the first task to fail or time out is recorded and every other live
 * task is cancelled; the consumer's next call throws that failure. Closing the stream cancels
 * what is still in flight.
 *
 * <p>Not thread-safe, like any iterator: one consumer thread. Callbacks run on pool threads and
 * touch only the concurrent fields ({@code live}, {@code completed}, {@code failure}).
 */
final class MapIterator<T, R, X> implements Iterator<X> {

  enum Mode { ORDERED, UNORDERED, OUTCOMES }

  private final ExecutorPool pool;
  private final Function<? super T, ? extends R> fn;
  private final Iterator<? extends T> inputs;
  private final TaskOptions taskOptions;
  private final int window;
  private final Mode mode;

  private final ArrayDeque<TaskRun<R>> inOrder = new ArrayDeque<>();
  private final LinkedBlockingQueue<TaskRun<R>> completed = new LinkedBlockingQueue<>();
  private final Set<TaskRun<R>> live = ConcurrentHashMap.newKeySet();
  private final AtomicReference<TaskRun<R>> failure = new AtomicReference<>();
  private int outstanding;
  private boolean closed;

  private MapIterator(ExecutorPool pool, Function<? super T, ? extends R> fn,
      Iterator<? extends T> inputs, MapOptions options, Mode mode) {
    this.pool = pool;
    this.fn = fn;
    this.inputs = inputs;
    this.mode = mode;
    this.window = options.window() > 0 ? options.window() : pool.defaultMapWindow();
    this.taskOptions = options.taskTimeout()
        .map(TaskOptions::timeout)
        .orElse(TaskOptions.defaults());
  }

  @SuppressWarnings("unchecked")
  static <T, R, X> Stream<X> stream(ExecutorPool pool, Function<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options, Mode mode) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    MapIterator<T, R, X> it = new MapIterator<>(pool, fn,
        Objects.requireNonNull(inputs.iterator(), "inputs.iterator()"), options, mode);
    int characteristics = mode == Mode.UNORDERED ? 0 : Spliterator.ORDERED;
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, characteristics), false)
        .onClose(it::close);
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    fill();
    return failure.get() != null || outstanding > 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public X next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    throwIfFailed();
    TaskRun<R> run;
    try {
      if (mode == Mode.UNORDERED) {
        run = completed.take();
      } else {
        run = inOrder.removeFirst();
        run.done().get();
      }
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new CompletionException("interrupted while waiting for a map result", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e);
    }
    outstanding--;
    if (mode == Mode.OUTCOMES) {
      return (X) outcome(run);
    }
    throwIfFailed();
    if (run.status() != TaskState.SUCCEEDED) {
      // Cancelled from outside (e.g. pool shutdownNow): surface it rather than invent a value.
      close();
      throw run.failureForConsumer();
    }
    return (X) run.storedValue();
  }

  private void fill() {
    try {
      fillWindow();
    } catch (RuntimeException | Error e) {
      // the input threw, or the pool refused (shut down, or the consumer was interrupted while
      // waiting for room): nothing in flight may outlive the stream that can no longer deliver it
      close();
      throw e;
    }
  }

  private void fillWindow() {
    while (outstanding < window && failure.get() == null && inputs.hasNext()) {
      T input = inputs.next();
      TaskRun<R> run = pool.admit(() -> fn.apply(input), taskOptions, null, Saturation.BLOCK, fn);
      outstanding++;
      if (mode != Mode.UNORDERED) {
        inOrder.addLast(run);
      }
      if (mode != Mode.OUTCOMES) {
        live.add(run);
      }
      run.done().thenRun(() -> onDone(run));
    }
  }

  private void onDone(TaskRun<R> run) {
    if (mode == Mode.OUTCOMES) {
      return;
    }
    live.remove(run);
    TaskState s = run.status();
    if ((s == TaskState.FAILED || s == TaskState.TIMED_OUT) && failure.compareAndSet(null, run)) {
      cancelLive();
    }
    if (mode == Mode.UNORDERED) {
      completed.add(run);
    }
  }

  private void throwIfFailed() {
    TaskRun<R> failed = failure.get();
    if (failed != null) {
      close();
      throw failed.failureForConsumer();
    }
  }

  private Outcome<R> outcome(TaskRun<R> run) {
    return switch (run.status()) {
      case SUCCEEDED -> new Outcome.Success<>(run.storedValue());
      case FAILED, TIMED_OUT, CANCELLED -> new Outcome.Failure<>(run.storedError(), run.status());
      default -> throw new AssertionError(run);
    };
  }

  private void cancelLive() {
    for (TaskRun<R> run : live) {
      run.cancel(true);
    }
  }

  /** Cancels whatever is still in flight; the stream ends. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelLive();
    for (TaskRun<R> run : inOrder) {
      run.cancel(true);
    }
    inOrder.clear();
  }
}
