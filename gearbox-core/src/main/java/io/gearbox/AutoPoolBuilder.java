package io.gearbox;

import io.gearbox.internal.auto.AutoConfig;
import io.gearbox.internal.auto.AutoPoolImpl;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The builder of an {@link AutoPool} ({@link PoolKind#AUTO}): the options every pool has, plus
 * the routing ones. Validation and thread safety as every {@link PoolBuilder}. Its threads are
 * named {@code gearbox-<name>-cpu-<n>}, {@code -virtual-} and {@code -probe-}; the default name
 * is {@code auto-<n>}.
 *
 * <pre>{@code
 * AutoPool pool = Gearbox.autoBuilder().name("web")
 *     .route("render", PoolKind.CPU)                       // never measured, never moved
 *     .onCarrierHog(hog -> log.warn(hog.detail()))
 *     .isolation(() -> Gearbox.processes(2))               // for TaskOptions.withIsolation()
 *     .build();
 * }</pre>
 */
public final class AutoPoolBuilder extends PoolBuilder<AutoPoolBuilder> {

  /** Probe runs, on a platform thread, before a key's first verdict: 3. */
  public static final int DEFAULT_PROBE_RUNS = 3;

  /** A key routed to virtual threads is re-probed on a platform thread one run in 16. */
  public static final int DEFAULT_REPROBE_EVERY = 16;

  /** A virtual thread runnable this long without parking is a carrier hog: 100 ms. */
  public static final Duration DEFAULT_HOG_THRESHOLD = Duration.ofMillis(100);

  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private int cpuThreads;
  private int probeRuns = DEFAULT_PROBE_RUNS;
  private int reprobeEvery = DEFAULT_REPROBE_EVERY;
  private Duration hogThreshold = DEFAULT_HOG_THRESHOLD;
  private Consumer<? super CarrierHog> hogListener;
  private final Map<String, PoolKind> overrides = new LinkedHashMap<>();
  private Supplier<? extends Pool> isolation =
      () -> Gearbox.processes(Runtime.getRuntime().availableProcessors());
  private boolean watchPinning;

  AutoPoolBuilder() {}

  @Override
  public PoolKind kind() {
    return PoolKind.AUTO;
  }

  /**
   * Fixes the CPU side at this many platform threads. Default: sized from measurements, from one
   * per core up to four per core (see {@link AutoPool}).
   *
   * @throws IllegalArgumentException if threads is less than 1
   */
  public AutoPoolBuilder cpuThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("cpuThreads must be >= 1, was " + threads);
    }
    this.cpuThreads = threads;
    return this;
  }

  /**
   * How many runs of a new key are probed on a platform thread before its first verdict. Default
   * {@link #DEFAULT_PROBE_RUNS}.
   *
   * @throws IllegalArgumentException if runs is less than 1
   */
  public AutoPoolBuilder probeRuns(int runs) {
    if (runs < 1) {
      throw new IllegalArgumentException("probeRuns must be >= 1, was " + runs);
    }
    this.probeRuns = runs;
    return this;
  }

  /**
   * One run in this many of a key routed to virtual threads is re-probed on a platform thread, to
   * notice a task that turned CPU-bound. Default {@link #DEFAULT_REPROBE_EVERY}.
   *
   * @throws IllegalArgumentException if every is less than 1
   */
  public AutoPoolBuilder reprobeEvery(int every) {
    if (every < 1) {
      throw new IllegalArgumentException("reprobeEvery must be >= 1, was " + every);
    }
    this.reprobeEvery = every;
    return this;
  }

  /**
   * How long a task on a virtual thread may stay runnable without parking before it is reported
   * as a carrier hog (and its key moved to the CPU side). Default {@link #DEFAULT_HOG_THRESHOLD}.
   *
   * @throws IllegalArgumentException if threshold is under 1 ms
   */
  public AutoPoolBuilder hogThreshold(Duration threshold) {
    Objects.requireNonNull(threshold, "threshold");
    if (threshold.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("hogThreshold must be >= 1 ms, was " + threshold);
    }
    this.hogThreshold = threshold;
    return this;
  }

  /**
   * Called with each carrier hog and pinning report, on the detector's thread (for pinnings, the
   * JFR stream's thread); keep it short; an exception it throws is ignored. Reports are also kept in {@link AutoPool#carrierHogs()}.
   */
  public AutoPoolBuilder onCarrierHog(Consumer<? super CarrierHog> listener) {
    this.hogListener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * Sends every task of this key to {@code target} ({@link PoolKind#CPU}, {@link PoolKind#VIRTUAL}
   * or {@link PoolKind#PROCESSES}), without measuring or moving it: the override of P19.
   *
   * @throws IllegalArgumentException if target is not CPU, VIRTUAL or PROCESSES
   */
  public AutoPoolBuilder route(String key, PoolKind target) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(target, "target");
    if (target != PoolKind.CPU && target != PoolKind.VIRTUAL && target != PoolKind.PROCESSES) {
      throw new IllegalArgumentException("a route goes to CPU, VIRTUAL or PROCESSES, not " + target);
    }
    overrides.put(key, target);
    return this;
  }

  /** {@link #route(String, PoolKind)} for the tasks of this class (its binary name is the key). */
  public AutoPoolBuilder route(Class<?> taskClass, PoolKind target) {
    return route(taskClass.getName(), target);
  }

  /**
   * The pool that runs tasks asking for isolation ({@link TaskOptions#withIsolation()}) and keys
   * routed to {@link PoolKind#PROCESSES}: normally a process pool. Created on the first such
   * task, owned by the auto pool and shut down with it. Default: {@code Gearbox.processes(cores)}
   * (such tasks must then be serializable; a heap cap, for example, needs
   * {@code () -> Gearbox.processBuilder().maxHeap("256m").build()}).
   */
  public AutoPoolBuilder isolation(Supplier<? extends Pool> factory) {
    this.isolation = Objects.requireNonNull(factory, "factory");
    return this;
  }

  /**
   * Whether to watch the JDK's {@code jdk.VirtualThreadPinned} JFR events (a JFR recording stream
   * for the pool's lifetime) and report pinnings of the pool's virtual threads as
   * {@link CarrierHog}s with {@code pinned} set. Default false: a recording has a cost.
   */
  public AutoPoolBuilder watchPinning(boolean watch) {
    this.watchPinning = watch;
    return this;
  }

  /** Builds and starts the pool; its isolation pool is created on the first task that needs it. */
  @Override
  public AutoPool build() {
    String n = name != null ? name : PoolKind.AUTO.label() + "-" + SEQUENCE.incrementAndGet();
    int bound = maxInFlight > 0 ? maxInFlight : Gearbox.DEFAULT_VIRTUAL_MAX_IN_FLIGHT;
    return new AutoPoolImpl(new AutoConfig(n, bound, saturation, captureSubmitSite,
        cpuThreads, probeRuns, reprobeEvery, hogThreshold, hogListener, Map.copyOf(overrides),
        isolation, watchPinning));
  }
}
