package io.gearbox;

import java.util.List;

/**
 * An idempotent task ({@link TaskOptions#withRetries}) crashed its worker on every allowed
 * attempt and is failed for good. A task whose worker was killed from outside on every attempt
 * ({@link WorkerCrashedException#killedFromOutside()}) is not called a poison: it fails with the
 * last {@link WorkerCrashedException}, the earlier ones suppressed. Each crash is in {@link #crashes()}, oldest first, and among the
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
    super("task " + taskId + " crashed its worker on all " + crashes.size() + " attempts"
        + outsideKills(crashes) + "; last: " + crashes.getLast().getMessage(), crashes.getLast());
    this.crashes = List.copyOf(crashes);
    for (int i = 0; i < crashes.size() - 1; i++) {
      addSuppressed(crashes.get(i));
    }
  }

  private static String outsideKills(List<WorkerCrashedException> crashes) {
    long outside = crashes.stream().filter(WorkerCrashedException::killedFromOutside).count();
    return outside == 0 ? "" : " (" + outside + " of them killed from outside by a signal)";
  }

  /** One crash per attempt, oldest first. */
  public List<WorkerCrashedException> crashes() {
    return crashes;
  }
}
