package io.gearbox;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one task is run: a name for traces and stats, and an optional deadline. Immutable and
 * thread-safe; each {@code with…} method returns a copy.
 *
 * <pre>{@code
 * pool.submit(() -> fetch(url), TaskOptions.named("fetch " + url).withTimeout(Duration.ofSeconds(2)));
 * }</pre>
 */
public final class TaskOptions {

  private static final TaskOptions DEFAULTS = new TaskOptions(null, null);

  private final String name;
  private final Duration timeout;

  private TaskOptions(String name, Duration timeout) {
    this.name = name;
    this.timeout = timeout;
  }

  /** No name, no deadline. */
  public static TaskOptions defaults() {
    return DEFAULTS;
  }

  /** Options with the given task name. */
  public static TaskOptions named(String name) {
    return DEFAULTS.withName(name);
  }

  /** Options with the given timeout. */
  public static TaskOptions timeout(Duration timeout) {
    return DEFAULTS.withTimeout(timeout);
  }

  /**
   * A copy with this name, shown in failure messages, stuck-task reports and thread dumps.
   *
   * @throws NullPointerException if name is null
   */
  public TaskOptions withName(String name) {
    return new TaskOptions(Objects.requireNonNull(name, "name"), timeout);
  }

  /**
   * A copy with this deadline, counted from the moment the pool accepts the task (queue time
   * included). At the deadline the handle completes as {@link TaskState#TIMED_OUT} and the task's
   * thread is interrupted; the handle does not wait for the code to notice.
   *
   * @throws NullPointerException if timeout is null
   * @throws IllegalArgumentException if timeout is zero or negative
   */
  public TaskOptions withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    return new TaskOptions(name, timeout);
  }

  /** The task name, if one was given. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /** The deadline, if one was given. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public String toString() {
    return "TaskOptions[name=" + name + ", timeout=" + timeout + "]";
  }
}
