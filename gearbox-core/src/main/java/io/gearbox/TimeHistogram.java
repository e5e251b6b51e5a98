package io.gearbox;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable histogram of durations (how long tasks queued, or ran), taken with
 * {@link Pool#stats()}: {@link PoolStats#queueWaits()} and {@link PoolStats#runTimes()}.
 * Percentiles come from it; the difference of two snapshots ({@link #minus}) gives the
 * percentiles of the tasks that finished between them, e.g. over the last ten seconds.
 *
 * <p><b>Buckets.</b> {@value #BUCKETS} log-linear buckets: bucket 0 holds everything under 1,024
 * ns; then each power of two from 2<sup>10</sup> ns (1 us) to 2<sup>42</sup> ns (73 minutes) is
 * split into four equal buckets; the last bucket holds everything longer. A percentile is
 * interpolated inside its bucket, so it is within a quarter of its true value (HdrHistogram with
 * two significant bits, in 130 counters).
 *
 * <p>Recording costs one counter increment per task; a snapshot copies 130 counters.
 */
public final class TimeHistogram {

  /** The number of buckets: 130. */
  public static final int BUCKETS = 130;

  /** A histogram with nothing recorded. */
  public static final TimeHistogram EMPTY = new TimeHistogram(new long[BUCKETS], 0);

  private static final int FIRST_POWER = 10;
  private static final int LAST_POWER = 42;

  private final long[] counts;
  private final long count;

  private TimeHistogram(long[] counts, long count) {
    this.counts = counts;
    this.count = count;
  }

  /**
   * A histogram of these bucket counts (copied), laid out as {@link #bucketOf} places durations.
   *
   * @throws IllegalArgumentException if there are not {@link #BUCKETS} counts or one is negative
   */
  public static TimeHistogram of(long[] counts) {
    Objects.requireNonNull(counts, "counts");
    if (counts.length != BUCKETS) {
      throw new IllegalArgumentException("a time histogram has " + BUCKETS + " buckets, not "
          + counts.length);
    }
    long total = 0;
    for (long c : counts) {
      if (c < 0) {
        throw new IllegalArgumentException("a bucket count is negative: " + c);
      }
      total += c;
    }
    return new TimeHistogram(counts.clone(), total);
  }

  /** The bucket a duration of {@code nanos} falls into (negative durations into bucket 0). */
  public static int bucketOf(long nanos) {
    if (nanos < 1L << FIRST_POWER) {
      return 0;
    }
    int power = 63 - Long.numberOfLeadingZeros(nanos);
    if (power >= LAST_POWER) {
      return BUCKETS - 1;
    }
    int quarter = (int) (nanos >>> (power - 2)) & 3;
    return 1 + (power - FIRST_POWER) * 4 + quarter;
  }

  /** The smallest duration in nanoseconds that falls into {@code bucket}. */
  public static long lowerBoundNanos(int bucket) {
    Objects.checkIndex(bucket, BUCKETS);
    return bucket == 0 ? 0 : upperBoundNanos(bucket - 1);
  }

  /**
   * The first duration in nanoseconds past {@code bucket} (exclusive upper bound), or
   * {@link Long#MAX_VALUE} for the last bucket.
   */
  public static long upperBoundNanos(int bucket) {
    Objects.checkIndex(bucket, BUCKETS);
    if (bucket == BUCKETS - 1) {
      return Long.MAX_VALUE;
    }
    if (bucket == 0) {
      return 1L << FIRST_POWER;
    }
    int power = FIRST_POWER + (bucket - 1) / 4;
    int quarter = (bucket - 1) % 4;
    return (5L + quarter) << (power - 2);
  }

  /** How many durations were recorded. */
  public long count() {
    return count;
  }

  /** How many durations fell into {@code bucket}. */
  public long count(int bucket) {
    return counts[Objects.checkIndex(bucket, BUCKETS)];
  }

  /**
   * The duration below which a {@code quantile} of the recorded durations lie, interpolated inside
   * its bucket; {@link Duration#ZERO} if nothing was recorded. Durations in the last bucket read as
   * its lower bound, 2<sup>42</sup> ns.
   *
   * @param quantile between 0 and 1, e.g. 0.99 for the 99th percentile
   * @throws IllegalArgumentException if {@code quantile} is outside [0, 1]
   */
  public Duration percentile(double quantile) {
    if (!(quantile >= 0.0 && quantile <= 1.0)) {
      throw new IllegalArgumentException("a quantile is between 0 and 1, not " + quantile);
    }
    if (count == 0) {
      return Duration.ZERO;
    }
    long rank = Math.max(1, (long) Math.ceil(quantile * count));
    long before = 0;
    for (int b = 0; b < BUCKETS; b++) {
      long here = counts[b];
      if (before + here >= rank) {
        long lower = lowerBoundNanos(b);
        if (b == BUCKETS - 1) {
          return Duration.ofNanos(lower);
        }
        double within = (double) (rank - before) / here;
        return Duration.ofNanos(lower + Math.round(within * (upperBoundNanos(b) - lower)));
      }
      before += here;
    }
    throw new AssertionError("rank " + rank + " beyond count " + count);
  }

  /**
   * The durations recorded after {@code earlier} was taken: this snapshot's counts less
   * {@code earlier}'s. Both must come from the same pool, {@code earlier} first.
   *
   * @throws IllegalArgumentException if {@code earlier} has a count this one lacks (it is not an
   *     earlier snapshot of the same histogram)
   */
  public TimeHistogram minus(TimeHistogram earlier) {
    Objects.requireNonNull(earlier, "earlier");
    long[] diff = new long[BUCKETS];
    for (int b = 0; b < BUCKETS; b++) {
      diff[b] = counts[b] - earlier.counts[b];
      if (diff[b] < 0) {
        throw new IllegalArgumentException("not an earlier snapshot: bucket " + b + " has "
            + earlier.counts[b] + " there and " + counts[b] + " here");
      }
    }
    return new TimeHistogram(diff, count - earlier.count);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TimeHistogram h && Arrays.equals(counts, h.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return count == 0 ? "TimeHistogram[empty]"
        : "TimeHistogram[count=" + count + ", p50=" + percentile(0.5) + ", p99="
            + percentile(0.99) + "]";
  }
}
