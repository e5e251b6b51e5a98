package io.gearbox.internal.process;

import io.gearbox.ProcessChannel;
import io.gearbox.TaskCodec;
import io.gearbox.internal.codec.SerializationPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The caller's side of a {@link ProcessChannel}, which is the channel itself: a bounded deque of
 * encoded items. Workers' puts and takes arrive as frames and are served by {@link #putBytes} and
 * {@link #takeBytes}; an item that could not be delivered goes back to the head.
 *
 * @param <T> the item type
 */
final class ParentChannel<T> implements ProcessChannel<T> {

  private final String name;
  private final int capacity;
  private final TaskCodec codec;
  private final int maxItemBytes;
  private final ArrayDeque<byte[]> items = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private boolean closed;
  /** Why it was closed by {@link #closeWhenDone}: a producer's failure, or null. */
  private Throwable producerFailure;

  ParentChannel(String name, int capacity, TaskCodec codec, int maxFrameBytes) {
    this.name = name;
    this.capacity = capacity;
    this.codec = codec;
    this.maxItemBytes = maxFrameBytes / 2;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void put(T item) throws InterruptedException {
    Objects.requireNonNull(item, "item");
    byte[] bytes;
    try {
      bytes = codec.encode(item);
    } catch (IOException e) {
      throw SerializationPaths.explain("channel item", item, e);
    }
    if (bytes.length > maxItemBytes) {
      throw new IllegalArgumentException("channel '" + name + "': an item of " + bytes.length
          + " bytes is over half the frame cap (ProcessPoolBuilder.maxFrameBytes)");
    }
    if (!putBytes(bytes)) {
      throw new IllegalStateException("channel '" + name + "' is closed");
    }
  }

  @Override
  public T take() throws InterruptedException {
    byte[] b = takeBytes(-1);
    if (b == null) {
      Throwable why;
      lock.lock();
      try {
        why = producerFailure;
      } finally {
        lock.unlock();
      }
      throw why == null ? new IllegalStateException("channel '" + name + "' is closed")
          : new IllegalStateException("channel '" + name + "' is closed: a task feeding it ended"
              + " with " + why, why);
    }
    return decode(b);
  }

  @Override
  public ProcessChannel<T> closeWhenDone(io.gearbox.TaskHandle<?>... producers) {
    java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(producers.length);
    if (producers.length == 0) {
      close();
    }
    for (io.gearbox.TaskHandle<?> h : producers) {
      Objects.requireNonNull(h, "producer").toCompletableFuture().whenComplete((v, failure) -> {
        if (failure != null) {
          Throwable cause = failure instanceof java.util.concurrent.CompletionException c
              && c.getCause() != null ? c.getCause() : failure;
          lock.lock();
          try {
            if (producerFailure == null && !closed) {
              producerFailure = cause;
            }
          } finally {
            lock.unlock();
          }
        }
        if (left.decrementAndGet() == 0) {
          close();
        }
      });
    }
    return this;
  }

  @Override
  public Optional<T> poll(Duration timeout) throws InterruptedException {
    byte[] b = takeBytes(Math.max(0, timeout.toNanos()));
    return b == null || b.length == 0 ? Optional.empty() : Optional.of(decode(b));
  }

  @SuppressWarnings("unchecked")
  private T decode(byte[] b) {
    try {
      return (T) codec.decode(b);
    } catch (IOException e) {
      throw new UncheckedIOException("channel '" + name + "': " + e.getMessage(), e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("channel '" + name + "': " + e.getMessage(), e);
    }
  }

  /** Adds encoded bytes, waiting for room; false if closed. */
  boolean putBytes(byte[] bytes) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!closed && items.size() >= capacity) {
        notFull.await();
      }
      if (closed) {
        return false;
      }
      items.addLast(bytes);
      notEmpty.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Gives an undelivered item back, first in line, even beyond the capacity. */
  void giveBack(byte[] bytes) {
    lock.lock();
    try {
      items.addFirst(bytes);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes encoded bytes.
   *
   * @param waitNanos how long to wait, or -1 for ever
   * @return the bytes; an empty array if the wait ran out; null if closed and empty
   */
  byte[] takeBytes(long waitNanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long left = waitNanos;
      while (items.isEmpty()) {
        if (closed) {
          return null;
        }
        if (waitNanos < 0) {
          notEmpty.await();
        } else {
          if (left <= 0) {
            return new byte[0];
          }
          left = notEmpty.awaitNanos(left);
        }
      }
      byte[] b = items.removeFirst();
      notFull.signal();
      return b;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
