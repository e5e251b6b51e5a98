package io.gearbox.internal.auto;

import io.gearbox.internal.CpuClock;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The platform threads that run the probes of every auto pool in this JVM, shared as the carriers
 * of virtual threads are: a probe must run on a platform thread (its CPU time is read from the
 * thread's clock), and starting one took 0.4-2 ms on a 2-core machine in the middle of a burst, on
 * the burst's critical path. Pools made one after the other (the seed's {@code with Pool() as p:}
 * per batch, or a pool per request) find the previous pool's probe threads idle and hand them
 * their first probes at once.
 *
 * <p>A hand-off queue and no core threads: a probe goes to an idle thread if one waits, else to a
 * new one; each pool's permits bound its own probes, so the executor never refuses one. A thread
 * idle for {@link #KEEP_ALIVE_SECONDS} ends. The threads are daemons: an idle one must not keep
 * the JVM alive (a virtual thread running an auto pool's task does not either).
 *
 * <p>Names: an idle thread is {@code gearbox-probe-idle-<n>}; while it runs a probe of pool P it
 * is {@code gearbox-P-probe-<n>} ({@link #run}), so thread dumps, stuck-task reports and the
 * task's own {@code Thread.currentThread().getName()} name the pool as for every other pool
 * thread. A thread named idle holds no task.
 *
 * <p>Interrupts: a pool's shutdownNow cancels its running tasks (the engine interrupts each
 * task's runner), not the shared threads; the executor clears a stale interrupt before a thread's
 * next probe, whichever pool it is for.
 */
final class ProbeThreads {

  /** The name of an idle probe thread, followed by its number. */
  static final String IDLE_PREFIX = "gearbox-probe-idle-";

  /**
   * An idle probe thread ends after this long, 30 s, as the JDK's virtual-thread scheduler keeps
   * an idle carrier. With 2 s, the threads ended between two pools of a {@code gearbox matrix} row
   * (the other tools' runs took 2.1-2.4 s between two auto runs), and those pools started new ones.
   */
  static final long KEEP_ALIVE_SECONDS = 30;

  private static final ThreadPoolExecutor THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
      CpuClock.poolThreads(Thread.ofPlatform().daemon(true).name(IDLE_PREFIX, 1).factory()));

  private ProbeThreads() {}

  /**
   * Runs {@code probe} on an idle probe thread, or a new one, named {@code <poolPrefix>probe-<n>}
   * while it runs (e.g. {@code gearbox-mypool-probe-3}).
   */
  static void run(String poolPrefix, Runnable probe) {
    THREADS.execute(() -> {
      Thread me = Thread.currentThread();
      String idle = me.getName();
      me.setName(poolPrefix + "probe-" + idle.substring(IDLE_PREFIX.length()));
      try {
        probe.run();
      } finally {
        me.setName(idle);
      }
    });
  }
}
