package io.gearbox;

import java.util.List;

/**
 * An idempotent task ({@link TaskOptions#withRetries}) crashed its worker on every allowed
 * attempt and is failed for good. Each crash is in {@link #crashes()}, oldest first, and among the
 * suppressed exceptions.
 */
public final class PoisonTaskException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<WorkerCrashedException> crashes;

  /**
   * Creates the exception.
   *
   * @param taskId the task
   * @param crashes one crash per attempt, oldest first (not empty)
   */
  public PoisonTaskException(long taskId, List<WorkerCrashedException> crashes) {
    super("task " + taskId + " crashed its worker on all " + crashes.size() + " attempts; last: "
        + crashes.getLast().getMessage(), crashes.getLast());
    this.crashes = List.copyOf(crashes);
    for (int i = 0; i < crashes.size() - 1; i++) {
      addSuppressed(crashes.get(i));
    }
  }

  /** One crash per attempt, oldest first. */
  public List<WorkerCrashedException> crashes() {
    return crashes;
  }
}
