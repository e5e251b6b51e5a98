package io.gearbox;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one task is run: a name for traces and stats, an optional deadline, and two settings that
 * matter where a task can lose its process: retries of an idempotent task after a worker crash, and
 * a request for isolation; and an affinity key for pools that span machines. Immutable and
 * thread-safe; each {@code with…} method returns a copy.
 *
 * <pre>{@code
 * pool.submit(() -> fetch(url), TaskOptions.named("fetch " + url).withTimeout(Duration.ofSeconds(2)));
 * }</pre>
 */
public final class TaskOptions {

  private static final TaskOptions DEFAULTS = new TaskOptions(null, null, 0, false, null);

  private final String name;
  private final Duration timeout;
  private final int retries;
  private final boolean isolated;
  private final Object key;

  private TaskOptions(String name, Duration timeout, int retries, boolean isolated, Object key) {
    this.name = name;
    this.timeout = timeout;
    this.retries = retries;
    this.isolated = isolated;
    this.key = key;
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
    return new TaskOptions(Objects.requireNonNull(name, "name"), timeout, retries, isolated, key);
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
    return new TaskOptions(name, timeout, retries, isolated, key);
  }

  /**
   * A copy that marks the task idempotent: if the worker process running it dies (a crash, an
   * out-of-memory exit, a kill), it is run again on a fresh worker, at most {@code maxRetries}
   * more times. Exceptions thrown by the task itself, cancellation and deadlines are never
   * retried. Tasks are at-most-once by default ({@code 0}), because a task that crashed its worker
   * may have had side effects before it died. Thread pools never lose a task this way and ignore
   * the setting.
   *
   * @throws IllegalArgumentException if maxRetries is negative
   */
  public TaskOptions withRetries(int maxRetries) {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
    }
    return new TaskOptions(name, timeout, maxRetries, isolated, key);
  }

  /**
   * A copy that asks for the task to run isolated in a worker process, where a crash, an
   * out-of-memory error or a kill at its deadline cannot affect the caller. The auto pool routes
   * such tasks to its process pool; a process pool isolates every task anyway; thread pools
   * ignore it.
   */
  public TaskOptions withIsolation() {
    return new TaskOptions(name, timeout, retries, true, key);
  }

  /**
   * A copy with an affinity key: a pool that spreads tasks over several machines (the cluster pool
   * in {@code gearbox-cluster}) runs tasks with equal keys on the member that owns the key's data
   * partition, so a task runs next to the data stored under that key. Pools on one machine ignore
   * it. Use a small value with stable {@code equals}, such as a {@link String} or a {@link Long}.
   *
   * @throws NullPointerException if key is null
   */
  public TaskOptions withKey(Object key) {
    return new TaskOptions(name, timeout, retries, isolated, Objects.requireNonNull(key, "key"));
  }

  /** The affinity key, if one was given (see {@link #withKey}). */
  public Optional<Object> key() {
    return Optional.ofNullable(key);
  }

  /** The task name, if one was given. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /** The deadline, if one was given. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** How many times the task may be re-run after its worker process dies; 0 by default. */
  public int retries() {
    return retries;
  }

  /** Whether the task asked to run isolated in a worker process. */
  public boolean isolated() {
    return isolated;
  }

  @Override
  public String toString() {
    return "TaskOptions[name=" + name + ", timeout=" + timeout + ", retries=" + retries
        + ", isolated=" + isolated + (key == null ? "" : ", key=" + key) + "]";
  }
}
