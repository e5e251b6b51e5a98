package io.gearbox;

/**
 * Where a task was submitted: the submitting thread's stack at {@code submit}, attached as a
 * suppressed exception to the exceptions a failed task's waiters see. It is never thrown.
 *
 * <p>Pools capture it by default (a bounded stack walk per submit); turn it off with
 * {@link PoolBuilder#captureSubmitSite(boolean)} where the last microsecond per task matters.
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
