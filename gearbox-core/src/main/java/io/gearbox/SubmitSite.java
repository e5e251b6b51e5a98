package io.gearbox;

/**
 * Where a task was submitted: the submitting thread's stack at {@code submit}, attached as a
 * suppressed exception to the exceptions a failed task's waiters see. It is never thrown.
 *
 * <p>Captured when the pool's {@link PoolBuilder#captureSubmitSite(boolean)} is on: by default
 * under {@code -ea} or {@code -Dgearbox.submitSites=true} (see
 * {@link Gearbox#CAPTURE_SUBMIT_SITES_BY_DEFAULT}).
 */
public final class SubmitSite extends RuntimeException {

  /**
   * Creates a submit site with the given frames.
   *
   * @param message which task, pool and thread
   * @param frames the submitting thread's frames, innermost first
   */
  public SubmitSite(String message, StackTraceElement[] frames) {
    super(message, null, false, true);
    setStackTrace(frames);
  }
}
