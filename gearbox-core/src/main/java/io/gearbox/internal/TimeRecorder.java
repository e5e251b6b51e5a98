package io.gearbox.internal;

import io.gearbox.TimeHistogram;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records durations into the buckets of a {@link TimeHistogram}: one {@link LongAdder} per bucket
 * (uncontended, one CAS; several threads ending tasks at once spread over cells, as the pool's
 * other counters do). Thread-safe; a snapshot is not atomic across buckets, like every counter in
 * {@link io.gearbox.PoolStats}.
 */
final class TimeRecorder {

  private final LongAdder[] buckets = new LongAdder[TimeHistogram.BUCKETS];

  TimeRecorder() {
    for (int b = 0; b < buckets.length; b++) {
      buckets[b] = new LongAdder();
    }
  }

  void record(long nanos) {
    buckets[TimeHistogram.bucketOf(nanos)].increment();
  }

  TimeHistogram snapshot() {
    return TimeHistogram.of(counts());
  }

  /** The bucket counts now, in {@link TimeHistogram}'s layout (a new array). */
  long[] counts() {
    long[] counts = new long[buckets.length];
    for (int b = 0; b < buckets.length; b++) {
      counts[b] = buckets[b].sum();
    }
    return counts;
  }
}
