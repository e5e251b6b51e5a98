package io.gearbox;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A pool of worker JVMs: Python's {@code multiprocessing.Pool}, made trustworthy. Create one with
 * {@link Gearbox#processes(int)} or {@link Gearbox#processBuilder()}.
 *
 * <p>On the JVM threads already run in parallel (there is no GIL), so use processes for what
 * threads cannot give: <b>isolation</b> (a crash, {@code System.exit}, an out-of-memory error or a
 * native fault in a task never takes the caller down), <b>hard cancellation</b> (a task that
 * ignores interrupts is stopped by killing its worker), and <b>memory caps</b> ({@code -Xmx} per
 * worker).
 *
 * <pre>{@code
 * try (ProcessPool pool = Gearbox.processes(4)) {
 *   ProcessTaskHandle<Long> h = pool.submit(() -> computeHeavy(4),
 *       TaskOptions.timeout(Duration.ofSeconds(10)));
 *   long r = h.join();                         // or WorkerCrashedException as the cause
 *   List<Integer> lengths = pool.map(String::length, words).toList();   // batched automatically
 * }
 * }</pre>
 *
 * <p><b>Tasks</b> travel by the pool's {@link TaskCodec} (JDK serialization behind an allow-list by
 * default): lambdas and method references passed to the {@link SerializableCallable} and
 * {@link SerializableFunction} overloads are serializable; what they capture must be too. A task
 * that cannot be encoded fails at submit with {@link TaskNotSerializableException} naming the class
 * and field path. Through the plain {@link Pool} methods a task must be serializable at run time.
 *
 * <p><b>Failures.</b> A task's exception comes back as its own type when the allow-list permits
 * (else as a {@link RemoteTaskException}), with the worker's stack frames; a {@link WorkerSite}
 * suppressed exception names the worker. A worker that dies mid-task fails the task with a
 * {@link WorkerCrashedException} (retried on a fresh worker only if the task is marked with
 * {@link TaskOptions#withRetries}); the worker is replaced. Too many crashes within the restart
 * window make the pool BROKEN: submits throw {@link PoolBrokenException}, queued tasks fail with it.
 *
 * <p><b>Cancellation</b> interrupts the task in its worker; if it has not stopped after the cancel
 * grace period, the worker is killed and replaced ({@link ProcessTaskHandle#cancelRung()}).
 * Deadlines climb the same ladder. {@link #close(java.time.Duration)} ends with every handle
 * resolved and no worker process alive, and workers exit by themselves within a few seconds when
 * the caller dies, even by {@code SIGKILL}.
 *
 * <p><b>Waiting.</b> A platform thread that {@code join}s a task (or waits in an untimed
 * {@code get()}) no driver thread has taken yet, while a worker is idle, runs the task's round trip
 * itself (sends it, reads the reply), as {@link #invoke(SerializableCallable)} does: two thread
 * wake-ups a task fewer. States, deadlines (the wait returns at the deadline), retries, stats and
 * cancellation are the same; the one difference is that interrupting such a waiter while it runs
 * the task cancels the task (it was running it): {@code join} then throws as an interrupted join
 * does, the interrupt flag set, and {@code get} throws {@link InterruptedException}, the flag
 * cleared. Whether a wait finds its task still queued is a race with the driver the submit woke:
 * under load the driver often wins, and the wait is then an ordinary one.
 *
 * <p><b>Output</b> a task prints is captured per task ({@link ProcessTaskHandle#output()}) and, by
 * default, replayed whole to the caller's console, each line prefixed with the task's name.
 *
 * <p>Thread-safe, like every {@link Pool}. A process pool cannot be created inside one of its own
 * workers (that would fork workers of workers): it throws {@link IllegalStateException} there.
 */
public interface ProcessPool extends Pool {

  @Override
  <T> ProcessTaskHandle<T> submit(Callable<T> task);

  @Override
  <T> ProcessTaskHandle<T> submit(Callable<T> task, TaskOptions options);

  /**
   * Submits a task; a lambda passed here is compiled as serializable.
   *
   * @throws TaskNotSerializableException if the task cannot be encoded
   * @throws PoolBrokenException if the pool is BROKEN
   * @see Pool#submit(Callable)
   */
  <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task);

  /**
   * Submits a task with options; a lambda passed here is compiled as serializable.
   *
   * @throws TaskNotSerializableException if the task cannot be encoded
   * @throws PoolBrokenException if the pool is BROKEN
   * @see Pool#submit(Callable, TaskOptions)
   */
  <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task, TaskOptions options);

  /**
   * {@link Pool#invoke} for a serializable lambda. When a worker is idle, a calling platform
   * thread runs the round trip itself (it sends the task and reads the reply; no pool thread is
   * woken), which makes {@code invoke} the fastest way to run one task and wait: half the
   * wake-ups of a {@code submit(task).join()} that a driver thread ran (the join, or an untimed
   * {@code get()}, runs the round trip itself too when it finds the task still queued, but the
   * driver the submit woke may take it first; {@code invoke} never offers it to one). States,
   * deadlines, retries, stats and cancellation are the same; an interrupt of the caller cancels
   * the task, as for any {@code invoke}.
   */
  <T> T invoke(SerializableCallable<T> task);

  /**
   * {@link Pool#map(Function, Iterable)} for a serializable function. Items are sent in batches
   * sized from the measured time per item against the round-trip cost, so many tiny items do not
   * pay one round trip each; results still come one per input, in input order.
   */
  <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> inputs);

  /** {@link #map(SerializableFunction, Iterable)} with options; a per-item deadline turns batching off. */
  <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options);

  /** A snapshot of the worker counters. */
  ProcessPoolStats processStats();

  /** The pids of the live workers, in no particular order. */
  List<Long> workerPids();

  /** Why the pool is BROKEN, if it is. */
  Optional<Throwable> brokenCause();

  /**
   * A bounded channel between the caller and the tasks in its workers: the seed's
   * {@code multiprocessing.Queue}. The caller uses the returned channel; a task running in a worker
   * reaches it with {@link Gearbox#workerChannel(String)}. Items travel through the pool's codec.
   * The channel is closed with the pool.
   *
   * @param name the channel's name, unique in this pool
   * @param capacity how many items it holds before put blocks
   * @throws IllegalArgumentException if the name is taken or the capacity is below 1
   */
  <T> ProcessChannel<T> channel(String name, int capacity);
}
