package io.gearbox;

import java.time.Duration;

/**
 * Entry point: factories for each kind of {@link Pool}, and the library's defaults.
 *
 * <table>
 *   <caption>Which pool for which bottleneck (the seed's decision matrix, on the JVM)</caption>
 *   <tr><th>the work</th><th>pool</th><th>why</th></tr>
 *   <tr><td>CPU-heavy</td><td>{@link #cpu()}</td>
 *       <td>no GIL: platform threads run on every core; no process needed</td></tr>
 *   <tr><td>many I/O operations</td><td>{@link #virtual()}</td>
 *       <td>plain blocking code, a few hundred bytes of stack per waiting task</td></tr>
 *   <tr><td>simple script, low concurrency</td><td>{@link #threads(int)}</td>
 *       <td>easiest to reason about</td></tr>
 *   <tr><td>high-scale server (10K+ concurrent)</td><td>{@link #virtual()}</td>
 *       <td>a virtual thread per connection, no callbacks, no "async is contagious"</td></tr>
 *   <tr><td>shared state between tasks</td><td>any thread pool</td>
 *       <td>one heap, java.util.concurrent for safe sharing</td></tr>
 *   <tr><td>crash-prone, runaway or memory-hungry tasks</td><td>{@link #processes(int)}</td>
 *       <td>isolation, hard kills and per-worker heap caps; not needed for parallelism</td></tr>
 * </table>
 */
public final class Gearbox {

  /** Threads in a {@link PoolKind#THREADS} pool unless told otherwise: 8. */
  public static final int DEFAULT_THREADS = 8;

  /** Default bound on in-flight tasks per platform thread: 256 (queued plus running). */
  public static final int DEFAULT_QUEUE_PER_THREAD = 256;

  /** Default bound on in-flight tasks of a virtual pool: 100,000. */
  public static final int DEFAULT_VIRTUAL_MAX_IN_FLIGHT = 100_000;

  /** Most frames recorded in a task's submit site (see {@link TaskHandle}): 16. */
  public static final int SUBMIT_SITE_FRAMES = 16;

  /**
   * Whether pools capture submit sites unless their builder says otherwise: the system property
   * {@code gearbox.submitSites} ({@code true} or {@code false}) if set, else whether assertions are
   * enabled for Gearbox ({@code -ea}, as in tests and development). A submit site costs a stack
   * walk of a few microseconds per submit, as much as the rest of the pool's per-task work, so it is
   * off in production by default, like kotlinx.coroutines' stack-trace recovery.
   */
  public static final boolean CAPTURE_SUBMIT_SITES_BY_DEFAULT = Boolean.parseBoolean(
      System.getProperty("gearbox.submitSites",
          String.valueOf(Gearbox.class.desiredAssertionStatus())));

  /**
   * How long {@link Pool#close(Duration)} waits, after cancelling what remains, for the pool's
   * threads to exit: 2 seconds. (Not to be confused with a process pool's cancel grace,
   * {@link ProcessPoolBuilder#DEFAULT_CANCEL_GRACE}: how long a cancelled task's worker has to
   * stop before it is killed.)
   */
  public static final Duration CLOSE_AFTER_CANCEL_WAIT = Duration.ofSeconds(2);

  private Gearbox() {}

  /**
   * A pool of {@code n} platform threads (Python's {@code threading}, or
   * {@code ThreadPoolExecutor}).
   *
   * @throws IllegalArgumentException if n is less than 1
   */
  public static Pool threads(int n) {
    return threadsBuilder().threads(n).build();
  }

  /** A pool that runs each task on its own virtual thread (Python's {@code asyncio}). */
  public static Pool virtual() {
    return virtualBuilder().build();
  }

  /** A pool with one platform thread per available core, for compute. */
  public static Pool cpu() {
    return cpuBuilder().build();
  }

  /**
   * A pool of {@code n} worker JVMs (Python's {@code multiprocessing.Pool}) for isolation, hard
   * cancellation and memory caps; see {@link ProcessPool}. Workers start in the background.
   *
   * @throws IllegalArgumentException if n is less than 1
   * @throws IllegalStateException if called inside a process-pool worker
   */
  public static ProcessPool processes(int n) {
    return processBuilder().workers(n).build();
  }

  /**
   * A pool that measures each kind of task and routes it: CPU-bound work to platform threads
   * sized to the cores, waiting work to virtual threads. See {@link AutoPool}.
   */
  public static AutoPool auto() {
    return autoBuilder().build();
  }

  /**
   * In a task running in a process-pool worker: the channel of this name that the pool's caller
   * made with {@link ProcessPool#channel(String, int)}, the seed's {@code multiprocessing.Queue}
   * handed to a child. Items are encoded by the pool's codec; the item type is not checked when
   * the channel is looked up, only when items are decoded and used.
   *
   * <pre>{@code
   * ProcessChannel<Integer> results = pool.channel("results", 100);      // in the caller
   * pool.submit(() -> { Gearbox.workerChannel("results").put(42); return null; });   // a task
   * }</pre>
   *
   * @param <T> the item type
   * @throws NullPointerException if name is null
   * @throws IllegalStateException if not called from a task in a process-pool worker
   */
  public static <T> ProcessChannel<T> workerChannel(String name) {
    // The worker's side of channels is the process engine's; this is its one public door.
    return io.gearbox.internal.process.WorkerMain.channel(
        java.util.Objects.requireNonNull(name, "name"));
  }

  /**
   * The builder of a pool of the given kind, typed as the shape all builders share: for code that
   * picks the kind at run time. Every kind has one; options of one kind only are on the typed
   * builders below.
   *
   * @throws NullPointerException if kind is null
   */
  public static PoolBuilder<?> builder(PoolKind kind) {
    return switch (java.util.Objects.requireNonNull(kind, "kind")) {
      case THREADS -> threadsBuilder();
      case VIRTUAL -> virtualBuilder();
      case CPU -> cpuBuilder();
      case PROCESSES -> processBuilder();
      case AUTO -> autoBuilder();
    };
  }

  /** A builder for a {@link PoolKind#THREADS} pool: {@link #DEFAULT_THREADS} threads unless set. */
  public static ThreadPoolBuilder threadsBuilder() {
    return new ThreadPoolBuilder(PoolKind.THREADS);
  }

  /** A builder for a {@link PoolKind#CPU} pool: one thread per available core unless set. */
  public static ThreadPoolBuilder cpuBuilder() {
    return new ThreadPoolBuilder(PoolKind.CPU);
  }

  /**
   * A builder for a {@link PoolKind#VIRTUAL} pool: only the options every pool has, as a virtual
   * pool has no thread count and a virtual thread's CPU time cannot be measured.
   *
   * <pre>{@code
   * Pool io = Gearbox.virtualBuilder().name("fetch").maxInFlight(10_000).build();
   * }</pre>
   */
  public static PoolBuilder<?> virtualBuilder() {
    return new VirtualPoolBuilder();
  }

  /** A builder for a process pool: heap caps, recycling, restart limits, allow-list. */
  public static ProcessPoolBuilder processBuilder() {
    return new ProcessPoolBuilder();
  }

  /** A builder for an {@link AutoPool}: routes, probing, carrier hogs, isolation. */
  public static AutoPoolBuilder autoBuilder() {
    return new AutoPoolBuilder();
  }
}
