package io.gearbox.internal;

/**
 * Where a task was submitted: the submitting thread's stack at {@code submit}, attached as a
 * suppressed exception to the exceptions a failed task's waiters see. It is never thrown.
 *
 * <p>Captured when the pool's {@link io.gearbox.PoolBuilder#captureSubmitSite(boolean)} is on: by
 * default under {@code -ea} or {@code -Dgearbox.submitSites=true} (see
 * {@link io.gearbox.Gearbox#CAPTURE_SUBMIT_SITES_BY_DEFAULT}). Not exported: a user reads it in a
 * trace and never handles it as a type (it has no accessors, and only the engine creates one).
 */
final class SubmitSite extends RuntimeException {

  /**
   * Creates a submit site with the given frames.
   *
   * @param message which task, pool and thread
   * @param frames the submitting thread's frames, innermost first
   */
  SubmitSite(String message, StackTraceElement[] frames) {
    super(message, null, false, true);
    setStackTrace(frames);
  }
}
