package io.gearbox;

import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;
import java.util.Objects;

/**
 * Configures and builds a {@link Pool}. Not thread-safe; each {@link #build()} makes a new pool.
 *
 * <pre>{@code
 * Pool io = Gearbox.builder(PoolKind.THREADS).threads(16).name("db").maxInFlight(1_000)
 *     .saturation(Saturation.REJECT).build();
 * }</pre>
 */
public final class PoolBuilder {

  private final PoolKind kind;
  private String name;
  private int threads;
  private int maxInFlight;
  private Saturation saturation = Saturation.BLOCK;
  private boolean captureSubmitSite = Gearbox.CAPTURE_SUBMIT_SITES_BY_DEFAULT;
  private boolean measureCpuTime = true;

  PoolBuilder(PoolKind kind) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.threads = switch (kind) {
      case THREADS -> Gearbox.DEFAULT_THREADS;
      case CPU -> Runtime.getRuntime().availableProcessors();
      case VIRTUAL -> -1;
      case PROCESSES, AUTO -> throw new IllegalArgumentException(
          "a " + kind.label() + " pool has its own builder: see Gearbox." + kind.label() + "()");
    };
  }

  /**
   * The pool's name, used in thread names ({@code gearbox-<name>-<n>}), messages and stats.
   * Default: the kind and a sequence number, e.g. {@code threads-3}.
   *
   * @throws NullPointerException if name is null
   * @throws IllegalArgumentException if name is blank
   */
  public PoolBuilder name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("pool name must not be blank");
    }
    this.name = name;
    return this;
  }

  /**
   * The number of platform threads. Default: {@link Gearbox#DEFAULT_THREADS} for
   * {@link PoolKind#THREADS}, the available processors for {@link PoolKind#CPU}.
   *
   * @throws IllegalArgumentException if threads is less than 1
   * @throws IllegalStateException for a virtual pool, which has one thread per task
   */
  public PoolBuilder threads(int threads) {
    if (kind == PoolKind.VIRTUAL) {
      throw new IllegalStateException("a virtual pool has one thread per task; bound it with maxInFlight");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    this.threads = threads;
    return this;
  }

  /**
   * The most tasks the pool holds at once, queued plus running. Default: {@link
   * Gearbox#DEFAULT_VIRTUAL_MAX_IN_FLIGHT} for virtual pools; for thread pools
   * {@link Gearbox#DEFAULT_QUEUE_PER_THREAD} per thread.
   *
   * @throws IllegalArgumentException if maxInFlight is less than 1
   */
  public PoolBuilder maxInFlight(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    return this;
  }

  /**
   * What submit does when the pool is full. Default {@link Saturation#BLOCK}.
   *
   * @throws NullPointerException if saturation is null
   */
  public PoolBuilder saturation(Saturation saturation) {
    this.saturation = Objects.requireNonNull(saturation, "saturation");
    return this;
  }

  /**
   * Whether each submit records its call site for failure traces (a stack walk of at most
   * {@link Gearbox#SUBMIT_SITE_FRAMES} frames, a few microseconds per submit). Default:
   * {@link Gearbox#CAPTURE_SUBMIT_SITES_BY_DEFAULT}, which is on in development and tests
   * ({@code -ea}) and off otherwise.
   */
  public PoolBuilder captureSubmitSite(boolean capture) {
    this.captureSubmitSite = capture;
    return this;
  }

  /**
   * Whether to measure tasks' CPU time on platform threads (never possible on virtual threads).
   * Default true. Each measurement reads the thread's CPU clock twice, a system call each; runs of
   * tiny tasks (under 50 us) are therefore sampled, one task per millisecond of a thread, and the
   * others report -1.
   */
  public PoolBuilder measureCpuTime(boolean measure) {
    this.measureCpuTime = measure;
    return this;
  }

  /** Builds and starts the pool. Its threads start on demand. */
  public Pool build() {
    int bound = maxInFlight > 0
        ? maxInFlight
        : kind == PoolKind.VIRTUAL
            ? Gearbox.DEFAULT_VIRTUAL_MAX_IN_FLIGHT
            : Math.multiplyExact(threads, Gearbox.DEFAULT_QUEUE_PER_THREAD);
    return new ExecutorPool(
        new PoolConfig(kind, name, threads, bound, saturation, captureSubmitSite, measureCpuTime));
  }
}
