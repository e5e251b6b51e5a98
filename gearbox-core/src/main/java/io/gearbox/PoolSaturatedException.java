package io.gearbox;

import java.util.concurrent.RejectedExecutionException;

/**
 * A task was refused because the pool holds its maximum of tasks in flight and its policy is
 * {@link Saturation#REJECT}, or because the submitter was interrupted while waiting for room under
 * {@link Saturation#BLOCK}.
 */
public final class PoolSaturatedException extends RejectedExecutionException {
  /**
   * Creates the exception.
   *
   * @param message which pool, its bound, and its policy
   */
  public PoolSaturatedException(String message) {
    super(message);
  }
}
