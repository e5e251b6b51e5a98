package io.gearbox.testing;

import java.time.Duration;

/**
 * The suite's waits, scaled by the one factor {@code -Dgearbox.test.delayFactor} (default 1), as in
 * gearbox-core's tests. These are bounds for waits, never expectations about speed: a slow machine
 * raises the factor, it never turns a correct run into a failure.
 */
public final class Delays {

  /** The factor every deadline is multiplied by. */
  public static final double FACTOR = factor();

  /** Generous bound on anything that should happen promptly: 10 s, scaled. */
  public static final Duration LONG = scaled(Duration.ofSeconds(10));

  private Delays() {}

  /** {@code base} multiplied by {@link #FACTOR}. */
  public static Duration scaled(Duration base) {
    return Duration.ofNanos((long) (base.toNanos() * FACTOR));
  }

  private static double factor() {
    String value = System.getProperty("gearbox.test.delayFactor", "1");
    return value.isBlank() ? 1 : Double.parseDouble(value);
  }
}
