package io.gearbox;

/**
 * A worker process could not be started: the java command is missing, a JVM option is bad, the
 * worker exited or stayed silent before its handshake. The message quotes the command's last
 * output. Also thrown by a submit whose task class no worker could load under the caller's
 * launcher (a class compiled in memory by {@code java App.java}, one from a class loader the pool
 * cannot see through): the message names the problem and {@link
 * ProcessPoolBuilder#classPath(java.nio.file.Path...)}.
 */
public final class WorkerStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, with the worker's output if any
   * @param cause the underlying error, or null
   */
  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
