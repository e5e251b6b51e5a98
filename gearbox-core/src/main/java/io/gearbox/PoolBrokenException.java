package io.gearbox;

import java.util.concurrent.RejectedExecutionException;

/**
 * A process pool is BROKEN: its workers crashed more often than its restart limit allows, or none
 * could be started. Submits fail with this at once, and tasks still queued fail with it as their
 * cause. The {@linkplain #getCause() cause} is the crash or start failure that broke the pool.
 */
public final class PoolBrokenException extends RejectedExecutionException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which pool, and why it broke
   * @param cause the failure that broke it
   */
  public PoolBrokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
