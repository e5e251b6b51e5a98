package io.gearbox;

/**
 * Attached as a suppressed exception to an exception that came back from a worker process: which
 * worker ran the task. Its stack trace is empty; the exception's own frames are the worker's.
 */
public final class WorkerSite extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long pid;
  private final int attempt;

  /**
   * Creates the marker.
   *
   * @param pid the worker's process id
   * @param attempt which attempt of the task
   */
  public WorkerSite(long pid, int attempt) {
    super("thrown in worker process pid " + pid + " (attempt " + attempt + ")", null, false, false);
    this.pid = pid;
    this.attempt = attempt;
  }

  /** The worker's process id. */
  public long pid() {
    return pid;
  }

  /** Which attempt of the task threw. */
  public int attempt() {
    return attempt;
  }
}
