package io.gearbox;

/**
 * An exception thrown by a task in a worker process whose own class could not be brought back
 * (it is not serializable, or the pool's allow-list refuses it). It carries the original class
 * name and message, and the worker's real stack frames as its stack trace; its cause is the
 * original cause, converted the same way.
 */
public final class RemoteTaskException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String remoteClassName;

  /**
   * Creates the exception.
   *
   * @param remoteClassName the original exception's class
   * @param remoteMessage the original message, or null
   * @param frames the original stack trace
   * @param cause the original cause (converted), or null
   */
  public RemoteTaskException(String remoteClassName, String remoteMessage,
      StackTraceElement[] frames, Throwable cause) {
    super(remoteClassName + (remoteMessage != null ? ": " + remoteMessage : ""), cause);
    this.remoteClassName = remoteClassName;
    setStackTrace(frames);
  }

  /** A copy of {@code t} and its causes as RemoteTaskExceptions (frames and messages kept). */
  public static RemoteTaskException of(Throwable t) {
    Throwable cause = t.getCause() != null && t.getCause() != t ? of(t.getCause()) : null;
    RemoteTaskException r = new RemoteTaskException(
        t.getClass().getName(), t.getMessage(), t.getStackTrace(), cause);
    for (Throwable s : t.getSuppressed()) {
      r.addSuppressed(of(s));
    }
    return r;
  }

  /** The class name of the exception the task threw. */
  public String remoteClassName() {
    return remoteClassName;
  }
}
