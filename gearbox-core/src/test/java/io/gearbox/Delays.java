package io.gearbox;

import java.time.Duration;

/**
 * The suite's named waits, every one scaled by the single factor read from the system property
 * {@code gearbox.test.delayFactor} (default 1; Surefire passes it). Raise the factor on a slow or
 * crowded machine instead of editing a test.
 *
 * <p>These are bounds for waits, never expectations about speed: a test waits <em>at most</em>
 * {@link #LONG} for something that should happen, and at least {@link #SHORT} before concluding that
 * something that should not happen did not.
 */
public final class Delays {

  /** The one factor, from {@code -Dgearbox.test.delayFactor}. */
  public static final double FACTOR = factor();

  /** A short while: how long a wrong behaviour is given to show itself (JSR-166 SHORT_DELAY_MS). */
  public static final Duration SHORT = scaled(Duration.ofMillis(50));

  /** A task deadline that the test waits past (JSR-166 SMALL_DELAY_MS). */
  public static final Duration SMALL = scaled(Duration.ofMillis(250));

  /** Generous bound on anything that should happen "promptly" (JSR-166 LONG_DELAY_MS). */
  public static final Duration LONG = scaled(Duration.ofSeconds(10));

  /** A test running this long is wedged: its threads are dumped and it is interrupted. */
  public static final Duration WEDGED = LONG.multipliedBy(6);

  private Delays() {}

  public static Duration scaled(Duration base) {
    return Duration.ofNanos((long) (base.toNanos() * FACTOR));
  }

  private static double factor() {
    String value = System.getProperty("gearbox.test.delayFactor", "1").trim();
    try {
      double f = value.isEmpty() ? 1 : Double.parseDouble(value);
      if (!(f > 0) || Double.isInfinite(f)) {
        throw new IllegalArgumentException("gearbox.test.delayFactor must be positive, was " + value);
      }
      return f;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("gearbox.test.delayFactor is not a number: " + value, e);
    }
  }
}
