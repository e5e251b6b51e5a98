package io.gearbox.internal.auto;

import io.gearbox.internal.CpuClock;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The platform threads that run the probes and the watchers of every auto pool in this JVM,
 * shared as the carriers of virtual threads are. A probe must run on a platform thread (its CPU
 * time is read from the thread's clock), and so must a pool's watcher (it looks every 0.25 ms, a
 * timed wake-up that a virtual thread pays twice); starting a platform thread took 0.4-2 ms on a
 * 2-core machine in the middle of a burst, on the burst's critical path. Pools made one after the
 * other (the seed's {@code with Pool() as p:} per batch, or a pool per request) find the previous
 * pool's threads idle and hand them their first probes and their watcher at once.
 *
 * <p>A hand-off queue and no core threads: a job goes to an idle thread if one waits, else to a
 * new one; each pool bounds its own probes (its permits) and has one watcher, so the executor
 * never refuses a job. A thread idle for {@link #KEEP_ALIVE_SECONDS} ends. The threads are
 * daemons: an idle one must not keep the JVM alive (a virtual thread running an auto pool's task
 * does not either).
 *
 * <p>Names: an idle thread is {@code gearbox-auto-idle-<n>}; while it runs a probe of pool P it
 * is {@code gearbox-P-probe-<n>} ({@link #probe}), while it is P's watcher
 * {@code gearbox-P-carrier-watch} ({@link #watch}), so thread dumps, stuck-task reports and the
 * task's own {@code Thread.currentThread().getName()} name the pool as for every other pool
 * thread. A thread named idle holds no task and watches no pool.
 *
 * <p>Interrupts: a pool's shutdownNow cancels its running tasks (the engine interrupts each
 * task's runner), not the shared threads; the executor clears a stale interrupt before a thread's
 * next job, whichever pool it is for.
 */
final class AutoThreads {

  /** The name of an idle shared thread, followed by its number. */
  static final String IDLE_PREFIX = "gearbox-auto-idle-";

  /**
   * An idle thread ends after this long, 30 s, as the JDK's virtual-thread scheduler keeps an
   * idle carrier. With 2 s, the threads ended between two pools of a {@code gearbox matrix} row
   * (the other tools' runs took 2.1-2.4 s between two auto runs), and those pools started new ones.
   */
  static final long KEEP_ALIVE_SECONDS = 30;

  private static final ThreadPoolExecutor THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
      CpuClock.poolThreads(Thread.ofPlatform().daemon(true).name(IDLE_PREFIX, 1).factory()));

  private AutoThreads() {}

  /**
   * Runs {@code probe} on an idle shared thread, or a new one, named {@code <poolPrefix>probe-<n>}
   * while it runs (e.g. {@code gearbox-mypool-probe-3}).
   */
  static void probe(String poolPrefix, Runnable probe) {
    run(probe, idle -> poolPrefix + "probe-" + idle.substring(IDLE_PREFIX.length()));
  }

  /**
   * Runs a pool's watcher loop on an idle shared thread, or a new one, named
   * {@code <poolPrefix>carrier-watch} while it runs; the thread is idle again when the loop
   * returns.
   */
  static void watch(String poolPrefix, Runnable watcher) {
    run(watcher, idle -> poolPrefix + "carrier-watch");
  }

  private static void run(Runnable job, UnaryOperator<String> nameWhileRunning) {
    THREADS.execute(() -> {
      Thread me = Thread.currentThread();
      String idle = me.getName();
      me.setName(nameWhileRunning.apply(idle));
      try {
        job.run();
      } finally {
        me.setName(idle);
      }
    });
  }
}
