package io.gearbox.cluster;

import java.util.OptionalLong;

/**
 * The cluster member running a task left the cluster before it reported a result: its JVM was
 * killed, crashed, lost its network, or shut down without finishing the task. The task's side
 * effects may or may not have happened. Thrown as the cause of a {@link io.gearbox.TaskFailedException}
 * for a task that had no retries left (tasks are at-most-once unless marked with
 * {@link io.gearbox.TaskOptions#withRetries}). Each failed task gets its own instance.
 */
public final class MemberLostException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String member;
  private final long pid;
  private final long taskId;
  private final String taskName;
  private final int attempt;

  /**
   * Creates the exception; the message is built from the parts.
   *
   * @param member the member's address, {@code host:port}
   * @param pid the member's process id, or -1 if unknown
   * @param taskId the pool's id of the task
   * @param taskName the task's name
   * @param attempt which attempt of the task was lost (1 for the first)
   * @param cause what Hazelcast reported, or null
   */
  public MemberLostException(String member, long pid, long taskId, String taskName, int attempt,
      Throwable cause) {
    super("member " + member + (pid >= 0 ? " (pid " + pid + ")" : "") + " left the cluster while"
        + " running task " + taskId + " '" + taskName + "' (attempt " + attempt + "); the task"
        + " may or may not have run: mark idempotent tasks with TaskOptions.withRetries(n) to run"
        + " them again on another member", cause);
    this.member = member;
    this.pid = pid;
    this.taskId = taskId;
    this.taskName = taskName;
    this.attempt = attempt;
  }

  /** The lost member's address, {@code host:port}. */
  public String member() {
    return member;
  }

  /** The lost member's process id, if it was known. */
  public OptionalLong pid() {
    return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  /** The pool's id of the task. */
  public long taskId() {
    return taskId;
  }

  /** The task's name. */
  public String taskName() {
    return taskName;
  }

  /** Which attempt of the task was lost: 1 for the first. */
  public int attempt() {
    return attempt;
  }
}
