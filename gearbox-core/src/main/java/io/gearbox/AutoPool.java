package io.gearbox;

import java.util.List;

/**
 * A pool that measures each kind of task and runs it where its bottleneck is: CPU-bound work on
 * platform threads sized to the cores, waiting work on virtual threads, and tasks that ask for
 * isolation in worker processes. Create one with {@link Gearbox#auto()} or
 * {@link Gearbox#autoBuilder()}. It keeps every promise of {@link Pool}: one bound on in-flight
 * tasks, one set of stats, one lifecycle over all its sides.
 *
 * <pre>{@code
 * try (AutoPool pool = Gearbox.auto()) {
 *   pool.submit(() -> render(page));                      // keyed by the lambda (where it is written)
 *   pool.submit(() -> fetch(url), TaskOptions.named("fetch"));   // keyed by the name
 *   pool.routes().forEach(r -> System.out.println(r.key() + ": " + r.reason()));
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> Tasks are grouped by key: the {@link TaskOptions#name() name} given in their
 * options, else the class of what was submitted (for {@link #map}, the function's class; each
 * lambda in the source is its own class, given a readable key: a serializable lambda or method
 * reference by the method that implements it, {@code com.example.Report.render lambda$2} or
 * {@code com.example.Images::resize}, any other by the frame of its declaring class that first
 * submitted it, {@code com.example.Report.render(Report.java:42) lambda}). Name tasks of one kind alike ({@code "fetch"}, not
 * {@code "fetch " + url}); at most {@link #MAX_ROUTES} names are tracked, and tasks with further
 * names share their class's route (classes are not capped: the code bounds them).
 *
 * <p><b>Routing.</b> The first runs of a key are probes on a platform thread, where
 * {@code ThreadMXBean} gives the task's CPU time (a virtual thread reports -1 on JDK 25). Until
 * the probes are in, other runs of the key go to virtual threads (a run still waiting there for a
 * carrier when the key is judged CPU-bound moves to the CPU side). Then the key's CPU share (CPU
 * time / wall time less run-queue time, as a moving average) decides: at least 50% goes to the CPU side, less to
 * virtual threads. Routes move again only past a hysteresis band (60% to move to the CPU side,
 * 40% to move back), so a steady workload does not flap. Keys on the CPU side are measured on
 * every run; keys on virtual threads are re-probed one run in
 * {@link AutoPoolBuilder#reprobeEvery(int) reprobeEvery}, and the carrier-hog detector moves a
 * key at once when one of its runs holds a carrier thread past the threshold (see
 * {@link CarrierHog}). Overrides from {@link AutoPoolBuilder#route(String, PoolKind)} are never
 * changed. Every decision is committed as a JFR event {@code io.gearbox.RouteDecision}.
 *
 * <p><b>Sizing.</b> The CPU side starts with one thread per core and is sized from the measured
 * waiting of the tasks it runs, by Goetz's formula {@code cores * (1 + wait / compute)}, between
 * the cores and four times the cores, unless {@link AutoPoolBuilder#cpuThreads(int)} fixed it.
 *
 * <p><b>Isolation.</b> A task whose options ask for isolation runs in the pool given to
 * {@link AutoPoolBuilder#isolation} (by default a process pool of one worker JVM per core, started
 * on the first such task), under the key {@code "<key> [isolated]"}; it must then be
 * serializable, or it fails with {@link TaskNotSerializableException}.
 *
 * <p><b>Failure and cancellation</b> are those of every pool: a task's exception fails its handle;
 * cancel interrupts it wherever it runs; an isolated task's cancel also cancels it in the worker
 * process.
 *
 * <p>Thread-safe: all methods may be called from any thread.
 */
public interface AutoPool extends Pool {

  /** The most task names an auto pool tracks as keys: 1,024 (class keys are not capped). */
  int MAX_ROUTES = 1024;

  /** {@link PoolKind#AUTO}. */
  @Override
  PoolKind kind();

  /** {@code -1}: part of the pool runs on virtual threads. See {@link #cpuThreads()}. */
  @Override
  int parallelism();

  /**
   * The current routes, one per key seen, with their evidence, in the order the keys were first
   * seen. A snapshot: each route is consistent in itself.
   */
  List<Route> routes();

  /** The current route of a key, or null if the key has not been seen. */
  Route route(String key);

  /** The carrier hogs and pinnings reported so far, oldest first (at most the last 64). */
  List<CarrierHog> carrierHogs();

  /** The CPU side's current thread count. */
  int cpuThreads();
}
