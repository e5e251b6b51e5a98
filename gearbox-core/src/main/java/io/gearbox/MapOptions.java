package io.gearbox;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link Pool#map} runs: how many tasks it keeps in flight at once, and a per-item deadline.
 * Immutable and thread-safe; each {@code with…} method returns a copy.
 */
public final class MapOptions {

  private static final MapOptions DEFAULTS = new MapOptions(0, null);

  private final int window;
  private final Duration taskTimeout;

  private MapOptions(int window, Duration taskTimeout) {
    this.window = window;
    this.taskTimeout = taskTimeout;
  }

  /** The pool's default window, no per-item deadline. */
  public static MapOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A copy with this window: the most items read ahead of the consumer and in flight at once.
   * Memory stays bounded by the window whatever the length of the input.
   *
   * @throws IllegalArgumentException if window is less than 1
   */
  public MapOptions withWindow(int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, was " + window);
    }
    return new MapOptions(window, taskTimeout);
  }

  /**
   * A copy with a deadline for each item, as in {@link TaskOptions#withTimeout(Duration)}.
   *
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public MapOptions withTaskTimeout(Duration timeout) {
    TaskOptions.timeout(timeout); // validates
    return new MapOptions(window, Objects.requireNonNull(timeout));
  }

  /** The window, or 0 for the pool's default ({@link Pool#defaultMapWindow()}). */
  public int window() {
    return window;
  }

  /** The per-item deadline, if any. */
  public Optional<Duration> taskTimeout() {
    return Optional.ofNullable(taskTimeout);
  }
}
