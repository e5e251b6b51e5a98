package io.gearbox;

import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;

/**
 * The builder of a pool of platform threads: {@link PoolKind#THREADS} (default
 * {@link Gearbox#DEFAULT_THREADS} threads) or {@link PoolKind#CPU} (default one thread per
 * available core). Validation and thread safety as every {@link PoolBuilder}.
 *
 * <pre>{@code
 * Pool db = Gearbox.threadsBuilder().threads(16).name("db").maxInFlight(1_000)
 *     .saturation(Saturation.REJECT).build();
 * }</pre>
 */
public final class ThreadPoolBuilder extends PoolBuilder<ThreadPoolBuilder> {

  private final PoolKind kind;
  int threads; // package-private: the tests' Harness copies it to an auto pool's CPU side
  private boolean measureCpuTime = true;

  ThreadPoolBuilder(PoolKind kind) {
    assert kind == PoolKind.THREADS || kind == PoolKind.CPU : kind;
    this.kind = kind;
    this.threads = kind == PoolKind.CPU
        ? Runtime.getRuntime().availableProcessors()
        : Gearbox.DEFAULT_THREADS;
  }

  @Override
  public PoolKind kind() {
    return kind;
  }

  /**
   * The number of platform threads, started on demand. Default: {@link Gearbox#DEFAULT_THREADS}
   * for {@link PoolKind#THREADS}, the available processors for {@link PoolKind#CPU}.
   *
   * @throws IllegalArgumentException if threads is less than 1
   */
  public ThreadPoolBuilder threads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    this.threads = threads;
    return this;
  }

  /**
   * Whether to measure tasks' CPU time ({@link TaskTimings#cpuNanos()}). Default true. Each
   * measurement reads the thread's CPU clock twice, a system call each; runs of tiny tasks (under
   * 50 us) are therefore sampled, one task per millisecond of a thread, and the
   * others report -1.
   */
  public ThreadPoolBuilder measureCpuTime(boolean measure) {
    this.measureCpuTime = measure;
    return this;
  }

  /** Builds and starts the pool. Its threads start on demand. */
  @Override
  public Pool build() {
    return new ExecutorPool(new PoolConfig(kind, name, threads,
        maxInFlightOr(threads, Gearbox.DEFAULT_QUEUE_PER_THREAD), saturation, captureSubmitSite,
        measureCpuTime));
  }
}
