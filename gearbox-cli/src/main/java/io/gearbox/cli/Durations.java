package io.gearbox.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Reads a duration flag: {@code 500ms}, {@code 10s}, {@code 2m}, or a plain number of seconds
 * ({@code 1.5}). Negative values are refused here; commands refuse zero where it makes no sense.
 */
public final class Durations implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /**
   * The duration {@code value} names.
   *
   * @throws CommandLine.TypeConversionException with the accepted forms if it is none of them
   */
  public static Duration parse(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    double factorNanos;
    String number;
    if (v.endsWith("ms")) {
      factorNanos = 1e6;
      number = v.substring(0, v.length() - 2);
    } else if (v.endsWith("s")) {
      factorNanos = 1e9;
      number = v.substring(0, v.length() - 1);
    } else if (v.endsWith("m")) {
      factorNanos = 60e9;
      number = v.substring(0, v.length() - 1);
    } else {
      factorNanos = 1e9;
      number = v;
    }
    double amount;
    try {
      amount = Double.parseDouble(number.strip());
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration (examples: 500ms, 10s, 2m, 1.5)");
    }
    if (!(amount >= 0) || amount * factorNanos > Long.MAX_VALUE) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration from 0 up");
    }
    return Duration.ofNanos(Math.round(amount * factorNanos));
  }
}
