package io.gearbox;

/**
 * Thrown by {@link TaskHandle#join()}, {@link Pool#invoke}, {@link Pool#map} and
 * {@link TaskScope#join()} when a task threw. The task's own exception is the {@linkplain
 * #getCause() cause}; the task's submit site (see {@link TaskHandle}) is attached as a
 * {@linkplain #getSuppressed() suppressed} exception, so the printed trace shows both where the task
 * failed and where it was submitted.
 */
public final class TaskFailedException extends RuntimeException {

  private final long taskId;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the task and pool
   * @param cause the task's exception
   * @param taskId the pool-unique id of the failed task
   */
  public TaskFailedException(String message, Throwable cause, long taskId) {
    super(message, cause);
    this.taskId = taskId;
  }

  /** The pool-unique id of the task that failed. */
  public long taskId() {
    return taskId;
  }
}
