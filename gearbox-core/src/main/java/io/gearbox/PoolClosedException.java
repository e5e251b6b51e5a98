package io.gearbox;

import java.util.concurrent.RejectedExecutionException;

/** A task was submitted to a pool that is shut down or closed. */
public final class PoolClosedException extends RejectedExecutionException {
  /**
   * Creates the exception.
   *
   * @param message which pool, and what was refused
   */
  public PoolClosedException(String message) {
    super(message);
  }
}
