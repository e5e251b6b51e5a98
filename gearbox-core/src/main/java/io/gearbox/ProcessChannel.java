package io.gearbox;

import java.time.Duration;
import java.util.Optional;

/**
 * A bounded FIFO channel shared by a process pool's caller and the tasks in its workers: the
 * seed's {@code multiprocessing.Queue}. Anyone may put and anyone may take; items are encoded by
 * the pool's codec, so they must be serializable and allowed. The caller gets one from
 * {@link ProcessPool#channel(String, int)}; a task in a worker gets the same channel by name with
 * {@link Gearbox#workerChannel(String)}. Thread-safe.
 *
 * <p>Closing (or closing the pool) wakes every waiter: {@link #put} then throws
 * {@link IllegalStateException}, {@link #take} drains what is left and then throws it too. A taker
 * in a worker that is interrupted while its item is in transit gives the item back: none is lost.
 *
 * @param <T> the item type
 */
public interface ProcessChannel<T> extends AutoCloseable {

  /** The channel's name. */
  String name();

  /**
   * Adds an item, waiting while the channel is full.
   *
   * @throws NullPointerException if item is null
   * @throws IllegalStateException if the channel is closed
   * @throws InterruptedException if interrupted while waiting
   */
  void put(T item) throws InterruptedException;

  /**
   * Removes the oldest item, waiting while the channel is empty.
   *
   * @throws IllegalStateException if the channel is closed and empty
   * @throws InterruptedException if interrupted while waiting
   */
  T take() throws InterruptedException;

  /**
   * Removes the oldest item, waiting at most {@code timeout}.
   *
   * @return the item, or empty if none came in time or the channel is closed and empty
   * @throws InterruptedException if interrupted while waiting
   */
  Optional<T> poll(Duration timeout) throws InterruptedException;

  /** Closes the channel for everyone. Idempotent. */
  @Override
  void close();

  /**
   * Closes the channel once every given task has ended, however it ended, so a caller taking
   * what they put is never left waiting on a channel no one will feed: {@link #take} drains what
   * is left and then throws {@link IllegalStateException}, whose cause, if one of the tasks failed,
   * was cancelled or timed out, is that task's failure (the first to end so). Call it from the
   * caller's side, right after submitting the producers.
   *
   * <pre>{@code
   * ProcessChannel<String> lines = pool.channel("lines", 100);
   * lines.closeWhenDone(pool.submit(() -> produce(Gearbox.workerChannel("lines"))));
   * while (true) { String line = lines.take(); ... }   // ends when the producer does
   * }</pre>
   *
   * @return this channel
   * @throws UnsupportedOperationException in a worker (only the caller knows the handles)
   */
  ProcessChannel<T> closeWhenDone(TaskHandle<?>... producers);
}
