package io.gearbox.internal;

import java.time.Duration;

/**
 * Time conversions that saturate instead of throwing. {@link Duration#toNanos()} throws
 * {@link ArithmeticException} beyond about 292 years, and {@code Duration.of(amount, unit)} beyond
 * {@code Long.MAX_VALUE} seconds, yet "wait forever" is commonly written as
 * {@code awaitTermination(Long.MAX_VALUE, SECONDS)}; {@link java.util.concurrent.TimeUnit#toNanos}
 * saturates, and so do these.
 *
 * <p>Public for internal.process (its pool's close deadline); not exported.
 */
public final class Durations {

  private Durations() {}

  /** The duration in nanoseconds, clamped to {@code [Long.MIN_VALUE, Long.MAX_VALUE]}. */
  public static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
