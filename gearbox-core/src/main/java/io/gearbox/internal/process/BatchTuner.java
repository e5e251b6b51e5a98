package io.gearbox.internal.process;

/**
 * Sizes map batches from measurements: the worker's time per item against the round trip's fixed
 * cost (the caller's wall time for a batch minus the worker's). A batch should take at least
 * {@link #OVERHEAD_MULTIPLE} times the fixed cost and {@link #MIN_BATCH_NANOS}, so the round trip
 * is a small share of it; growth is at most 4x per measured batch, starting from one item, so a
 * slow function is never sent in a huge first batch. With a per-item deadline every batch holds
 * one item. Thread-safe (races only blur the estimate).
 */
final class BatchTuner {

  static final int MAX_BATCH = 16_384;
  static final int OVERHEAD_MULTIPLE = 20;
  static final long MIN_BATCH_NANOS = 2_000_000;

  private final boolean fixed;
  private volatile int size = 1;
  private volatile int max = MAX_BATCH;

  BatchTuner(boolean fixed) {
    this.fixed = fixed;
  }

  int size() {
    return Math.min(size, max);
  }

  /** Caps batches at this many items from now on (they were too many bytes). */
  void limit(int items) {
    max = Math.max(1, Math.min(max, items));
  }

  /** Records one batch: items, the worker's wall time, the caller's round-trip time. */
  void observe(int items, long workerNanos, long roundTripNanos) {
    if (fixed || items <= 0 || workerNanos < 0) {
      return;
    }
    double perItem = Math.max(1.0, (double) workerNanos / items);
    long overhead = Math.max(1_000, roundTripNanos - workerNanos);
    double target = Math.max(MIN_BATCH_NANOS, (double) OVERHEAD_MULTIPLE * overhead);
    long ideal = (long) Math.max(1, Math.min(MAX_BATCH, target / perItem));
    int current = size;
    size = (int) Math.max(1, Math.min(ideal, (long) Math.max(current, items) * 4));
  }
}
