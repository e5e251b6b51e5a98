package io.gearbox;

import java.util.Objects;

/**
 * Configures and builds a pool: the one builder shape every {@link PoolKind} shares. The options
 * every pool has are declared here, once; each kind's builder adds only the options that apply to
 * it, so no setter exists where it would be meaningless.
 *
 * <table>
 *   <caption>The builder of each kind</caption>
 *   <tr><th>kind</th><th>builder</th><th>its own options</th><th>builds</th></tr>
 *   <tr><td>{@link PoolKind#THREADS}, {@link PoolKind#CPU}</td><td>{@link ThreadPoolBuilder}
 *       ({@link Gearbox#threadsBuilder()}, {@link Gearbox#cpuBuilder()})</td>
 *       <td>threads, measureCpuTime</td><td>{@link Pool}</td></tr>
 *   <tr><td>{@link PoolKind#VIRTUAL}</td><td>this class ({@link Gearbox#virtualBuilder()})</td>
 *       <td>none</td><td>{@link Pool}</td></tr>
 *   <tr><td>{@link PoolKind#PROCESSES}</td><td>{@link ProcessPoolBuilder}
 *       ({@link Gearbox#processBuilder()})</td>
 *       <td>workers, heap and memory caps, recycling, restart limit, allow-list, ...</td>
 *       <td>{@link ProcessPool}</td></tr>
 *   <tr><td>{@link PoolKind#AUTO}</td><td>{@link AutoPoolBuilder}
 *       ({@link Gearbox#autoBuilder()})</td>
 *       <td>routes, probing, carrier hogs, isolation</td><td>{@link AutoPool}</td></tr>
 * </table>
 *
 * <p>{@link Gearbox#builder(PoolKind)} gives the builder of any kind typed as this class, for code
 * that picks the kind at run time and sets only the shared options:
 *
 * <pre>{@code
 * Pool pool = Gearbox.builder(kind).name("jobs").maxInFlight(1_000)
 *     .saturation(Saturation.REJECT).build();
 * }</pre>
 *
 * <p><b>Validation.</b> Each setter checks its argument at once and throws one exception naming
 * the option, the rule and the value given ({@code NullPointerException} for a null,
 * {@code IllegalArgumentException} otherwise, e.g. {@code "maxInFlight must be >= 1, was 0"}).
 * Options never conflict with each other, so {@link #build()} throws nothing a setter could have:
 * a builder that accepted every value builds.
 *
 * <p><b>Thread safety.</b> A builder is not thread-safe: confine it to one thread, as a
 * {@code StringBuilder} or {@code HttpClient.Builder}. {@link #build()} may be called again; each
 * call makes a new, independent pool from the values set so far, and later setter calls do not
 * change pools already built.
 *
 * @param <B> the builder's own type, returned by every setter so that calls chain
 */
public abstract sealed class PoolBuilder<B extends PoolBuilder<B>>
    permits ThreadPoolBuilder, ProcessPoolBuilder, AutoPoolBuilder, VirtualPoolBuilder {

  String name;
  int maxInFlight; // 0: the kind's default
  Saturation saturation = Saturation.BLOCK;
  boolean captureSubmitSite = Gearbox.CAPTURE_SUBMIT_SITES_BY_DEFAULT;

  PoolBuilder() {}

  /** The kind of pool this builder builds. */
  public abstract PoolKind kind();

  /**
   * The pool's name, used in thread names ({@code gearbox-<name>-<n>}; a virtual pool's threads
   * all share {@code gearbox-<name>-virtual}), messages and stats.
   * Default: the kind and a sequence number, e.g. {@code threads-3}.
   *
   * @throws NullPointerException if name is null
   * @throws IllegalArgumentException if name is blank
   */
  public final B name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("pool name must not be blank, was '" + name + "'");
    }
    this.name = name;
    return self();
  }

  /**
   * The most tasks the pool holds at once, queued plus running. Default:
   * {@link Gearbox#DEFAULT_QUEUE_PER_THREAD} per thread (or worker) for the thread, CPU and
   * process pools; {@link Gearbox#DEFAULT_VIRTUAL_MAX_IN_FLIGHT} for the virtual and auto pools
   * (over all the auto pool's sides).
   *
   * @throws IllegalArgumentException if maxInFlight is less than 1
   */
  public final B maxInFlight(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    return self();
  }

  /**
   * What submit does when the pool is full. Default {@link Saturation#BLOCK}.
   *
   * @throws NullPointerException if saturation is null
   */
  public final B saturation(Saturation saturation) {
    this.saturation = Objects.requireNonNull(saturation, "saturation");
    return self();
  }

  /**
   * Whether each submit records its call site for failure traces (a stack walk of at most
   * {@link Gearbox#SUBMIT_SITE_FRAMES} frames, a few microseconds per submit). Default:
   * {@link Gearbox#CAPTURE_SUBMIT_SITES_BY_DEFAULT}, which is on in development and tests
   * ({@code -ea}) and off otherwise.
   */
  public final B captureSubmitSite(boolean capture) {
    this.captureSubmitSite = capture;
    return self();
  }

  /**
   * Builds and starts a new pool from the values set so far.
   *
   * @throws IllegalStateException if a process pool (or, through its isolation side, an auto pool)
   *     is built inside a process-pool worker, which may not start workers of its own
   */
  public abstract Pool build();

  /** maxInFlight if set, else {@code perThread} times {@code threads}. */
  final int maxInFlightOr(int threads, int perThread) {
    return maxInFlight > 0 ? maxInFlight : Math.multiplyExact(threads, perThread);
  }

  @SuppressWarnings("unchecked") // sealed: each permitted subclass is PoolBuilder<itself>
  private B self() {
    return (B) this;
  }
}
