package io.gearbox.cluster;

import java.time.Duration;

/**
 * The suite's waits, scaled by {@code -Dgearbox.test.delayFactor} (as in gearbox-core's tests).
 * Bounds for waits, never expectations about speed.
 */
final class Delays {

  static final double FACTOR = Double.parseDouble(
      System.getProperty("gearbox.test.delayFactor", "1").isBlank()
          ? "1" : System.getProperty("gearbox.test.delayFactor", "1"));

  /** Generous bound on anything that should happen "promptly". */
  static final Duration LONG = scaled(Duration.ofSeconds(10));

  private Delays() {}

  static Duration scaled(Duration base) {
    return Duration.ofNanos((long) (base.toNanos() * FACTOR));
  }
}
