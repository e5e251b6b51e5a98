package io.gearbox.cli.bench;

import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The largest counts the bench flags accept. Each bench child holds a handle per task and the
 * parent a result per run, so a count past these runs a child JVM out of memory (or past the
 * kernel's thread and file limits) long before it measures anything: {@code --tasks 2000000000}
 * is refused at once, with usage and exit 2, like any other bad value.
 */
final class Limits {

  /** Tiny tasks of one run ({@code overhead --tasks}, {@code processes --round-trips, --items}). */
  static final int MAX_TASKS = 1_000_000;

  /**
   * Tasks that are all open or parked at once ({@code io}, {@code mixed}, {@code memory}): each
   * holds a connection or a thread.
   */
  static final int MAX_CONCURRENT_TASKS = 100_000;

  /** Platform threads of a threads pool ({@code --threads}). */
  static final int MAX_THREADS = 10_000;

  /** Measured or warm-up runs ({@code --runs}, {@code --warmup}). */
  static final int MAX_RUNS = 1_000;

  /** Seconds of further rounds for uncertain speedups ({@code --budget}): one hour. */
  static final int MAX_BUDGET_SECONDS = 3_600;

  /** Worker JVMs started one after another ({@code processes --spawns}). */
  static final int MAX_SPAWNS = 100;

  /** Worker JVMs of one pool ({@code processes --workers}). */
  static final int MAX_WORKERS = 256;

  private Limits() {}

  /** Throws a usage error unless {@code 1 <= value <= max}. */
  static void check(CommandLine command, String flag, long value, long max) {
    check(command, flag, value, 1, max);
  }

  /** Throws a usage error unless {@code min <= value <= max}. */
  static void check(CommandLine command, String flag, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ParameterException(command, String.format(Locale.ROOT,
          "%s must be %d to %,d, was %d", flag, min, max, value));
    }
  }
}
