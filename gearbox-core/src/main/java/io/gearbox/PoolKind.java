package io.gearbox;

/**
 * The execution model behind a {@link Pool}. Each kind answers one row of the seed's decision matrix.
 *
 * <table>
 *   <caption>When to use which kind</caption>
 *   <tr><th>kind</th><th>threads</th><th>use it for</th></tr>
 *   <tr><td>{@link #THREADS}</td><td>a fixed number of platform threads</td>
 *       <td>blocking work at low concurrency, code that holds thread-locals or native state, simple
 *       scripts</td></tr>
 *   <tr><td>{@link #VIRTUAL}</td><td>one virtual thread per task</td>
 *       <td>many concurrent I/O operations written as plain blocking code (10,000+ at once)</td></tr>
 *   <tr><td>{@link #CPU}</td><td>one platform thread per available core</td>
 *       <td>computation: the JVM has no GIL, so these threads run in parallel on every core</td></tr>
 *   <tr><td>{@link #PROCESSES}</td><td>one platform thread per worker JVM</td>
 *       <td>isolation: crashes, {@code System.exit}, out-of-memory errors, runaway tasks that must be
 *       killed, per-task memory caps</td></tr>
 *   <tr><td>{@link #AUTO}</td><td>those of the pools it routes to</td>
 *       <td>mixed or unknown work: it measures each task and picks the pool</td></tr>
 * </table>
 */
public enum PoolKind {
  /** A fixed-size pool of platform threads, the counterpart of Python's {@code threading}. */
  THREADS,
  /** One virtual thread per task, the counterpart of Python's {@code asyncio}. */
  VIRTUAL,
  /** Platform threads sized to the available cores, for compute-bound work. */
  CPU,
  /** Worker JVMs, the counterpart of Python's {@code multiprocessing}: see {@code Gearbox.processes}. */
  PROCESSES,
  /** Routes each task to the pool that fits its measured bottleneck: see {@code Gearbox.auto}. */
  AUTO;

  /** Lower-case name as used in thread names, reports and the command line. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
