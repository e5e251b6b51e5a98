package io.gearbox.cli.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The statistics behind a verdict: how sure the runs make us that one tool is faster than
 * another. A ratio of medians (slower over faster) gets a percentile bootstrap confidence
 * interval: each tool's runs are resampled with replacement, the ratio of the resampled medians
 * taken, {@link #RESAMPLES} times, and the middle {@link #CONFIDENCE} of those ratios kept. The
 * resampling is seeded, so the same runs always give the same interval.
 *
 * <p>A comparison is {@link Separation#SEPARATED} when the whole interval is above 1 (the faster
 * tool is faster, at that confidence), {@link Separation#TIE} when the whole interval is below the
 * tie factor (they are within it of each other, whichever is ahead), and otherwise
 * {@link Separation#UNCERTAIN}: the runs do not say. With fewer than {@link #MIN_RUNS} runs of
 * either tool the bootstrap is not trusted (it only repeats a few numbers); there a tool is
 * separated only when every one of its runs is slower than every run of the other, which two
 * equally fast tools do by chance with probability 1 / C(m + n, m) (5% at 3 runs each, 1.4% at 4):
 * an exact permutation test, enough for a tool many times slower.
 */
final class Stats {

  /** Bootstrap resamples per interval. */
  static final int RESAMPLES = 2_000;

  /** The share of resampled ratios an interval keeps. */
  static final double CONFIDENCE = 0.95;

  /**
   * Runs each side needs before a comparison can be anything but uncertain. With fewer, the
   * resampled medians take only a few values and the interval comes out too narrow: on a loaded
   * machine three runs each once separated two tools in the opposite order of another run.
   */
  static final int MIN_RUNS = 5;

  /** A runner-up within this factor of the fastest is a tie. */
  static final double TIE = 1.05;

  /** The largest chance of a separation by luck alone that the few-runs rule accepts. */
  static final double MAX_CHANCE = 0.05;

  /** The seed of the resampling when the caller gives none. */
  static final long SEED = 0x5EEDL;

  private Stats() {}

  /** What the runs say about two tools. */
  enum Separation {
    /** The faster tool is faster: the whole interval is above 1. */
    SEPARATED,
    /** Within the tie factor of each other: the whole interval is below it. */
    TIE,
    /** The runs do not tell them apart. */
    UNCERTAIN;

    /** The word used in the JSON and the tables. */
    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A confidence interval of {@code median(slower) / median(faster)}.
   *
   * @param ratio the ratio of the medians of the runs themselves
   * @param low the interval's lower end
   * @param high the interval's upper end
   */
  record Interval(double ratio, double low, double high) {}

  /** The median; NaN for no values. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The bootstrap interval of {@code median(slower) / median(faster)}, seeded with {@link #SEED}. */
  static Interval ratioOfMedians(double[] slower, double[] faster) {
    return ratioOfMedians(slower, faster, RESAMPLES, CONFIDENCE, SEED);
  }

  /**
   * The percentile bootstrap interval of {@code median(slower) / median(faster)}.
   *
   * @throws IllegalArgumentException if either side has no runs
   */
  static Interval ratioOfMedians(double[] slower, double[] faster, int resamples,
      double confidence, long seed) {
    if (slower.length == 0 || faster.length == 0) {
      throw new IllegalArgumentException("a ratio of medians needs runs on both sides");
    }
    double ratio = median(slower) / median(faster);
    SplittableRandom random = new SplittableRandom(seed);
    double[] ratios = new double[resamples];
    double[] a = new double[slower.length];
    double[] b = new double[faster.length];
    for (int r = 0; r < resamples; r++) {
      for (int i = 0; i < a.length; i++) {
        a[i] = slower[random.nextInt(slower.length)];
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = faster[random.nextInt(faster.length)];
      }
      ratios[r] = median(a) / median(b);
    }
    Arrays.sort(ratios);
    double tail = (1 - confidence) / 2;
    int lo = (int) Math.floor(tail * (resamples - 1));
    int hi = (int) Math.ceil((1 - tail) * (resamples - 1));
    return new Interval(ratio, ratios[lo], ratios[hi]);
  }

  /**
   * What the runs say about {@code slower} against {@code faster}: the bootstrap interval's
   * verdict with {@link #MIN_RUNS} runs a side or more, else the few-runs rule (class comment).
   */
  static Separation compare(double[] slower, double[] faster, double tie) {
    if (slower.length >= MIN_RUNS && faster.length >= MIN_RUNS) {
      return separation(ratioOfMedians(slower, faster), slower.length, faster.length, tie);
    }
    if (slower.length == 0 || faster.length == 0) {
      return Separation.UNCERTAIN;
    }
    double fastestSlow = Arrays.stream(slower).min().orElseThrow();
    double slowestFast = Arrays.stream(faster).max().orElseThrow();
    boolean apart = fastestSlow > slowestFast;
    return apart && 1 / binomial(slower.length + faster.length, slower.length) <= MAX_CHANCE
        ? Separation.SEPARATED : Separation.UNCERTAIN;
  }

  /** C(n, k), as a double. */
  static double binomial(int n, int k) {
    double c = 1;
    for (int i = 1; i <= k; i++) {
      c = c * (n - k + i) / i;
    }
    return c;
  }

  /**
   * What the interval of {@code slower / faster} says, given each side's number of runs.
   *
   * @param tie the factor within which two tools are a tie (e.g. 1.05)
   */
  static Separation separation(Interval interval, int slowerRuns, int fasterRuns, double tie) {
    if (slowerRuns < MIN_RUNS || fasterRuns < MIN_RUNS) {
      return Separation.UNCERTAIN;
    }
    if (interval.high() < tie && interval.low() > 1 / tie) {
      return Separation.TIE;
    }
    if (interval.low() > 1) {
      return Separation.SEPARATED;
    }
    return Separation.UNCERTAIN;
  }
}
