package io.gearbox;

import java.time.Duration;

/**
 * A task's deadline passed before it finished. Thrown by {@link TaskHandle#join()}; the cause of the
 * {@link java.util.concurrent.ExecutionException} thrown by {@link TaskHandle#get()}. Its stack
 * trace is the task's submit site when the pool captures submit sites: the timer thread that
 * noticed the deadline has nothing to say about where the work came from.
 */
public final class TaskTimeoutException extends RuntimeException {

  private final long taskId;
  private final transient Duration timeout;

  /**
   * Creates the exception.
   *
   * @param message what timed out, naming the task and pool
   * @param taskId the pool-unique id of the task
   * @param timeout the deadline the task was given
   */
  public TaskTimeoutException(String message, long taskId, Duration timeout) {
    super(message);
    this.taskId = taskId;
    this.timeout = timeout;
  }

  /** The pool-unique id of the task that timed out. */
  public long taskId() {
    return taskId;
  }

  /** The deadline the task was given. */
  public Duration timeout() {
    return timeout;
  }
}
