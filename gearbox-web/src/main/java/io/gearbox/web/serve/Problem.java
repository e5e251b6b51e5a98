package io.gearbox.web.serve;

import io.helidon.http.Status;

/**
 * A request that cannot be answered with a result: the HTTP status and the one-line reason sent
 * back as {@code {"error": ..., "status": ...}}. Thrown by the service's handlers and by tasks they
 * run; the handler turns it into the response.
 */
final class Problem extends RuntimeException {

  private final transient Status status;
  private final int retryAfterSeconds;

  Problem(Status status, String message) {
    this(status, message, 0);
  }

  Problem(Status status, String message, int retryAfterSeconds) {
    super(message, null, false, false); // an answer, not a crash: no stack trace to fill
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  Status status() {
    return status;
  }

  /** Seconds for the {@code Retry-After} header, or 0 for none. */
  int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
