package io.gearbox.internal.process;

import io.gearbox.internal.ExecutorPool;
import java.time.Duration;

/**
 * The one thread that ends a process pool: it waits for the driver pool to terminate (no driver
 * holds a worker any more: tasks accepted before shutdown have run, cancel ladders have ended),
 * then stops the workers ({@code stopWorkers}: close the channels, ask the workers to exit,
 * terminate, kill, reap). Started at most once, by the first shutdown, shutdownNow, close or
 * successful awaitTermination; the pool is terminated once this thread has ended. Thread-safe.
 */
final class Reaper {

  private final String poolName;
  private final ExecutorPool drivers;
  private final Runnable stopWorkers;
  private final Object lock = new Object();
  private Thread thread; // guarded by lock

  Reaper(String poolName, ExecutorPool drivers, Runnable stopWorkers) {
    this.poolName = poolName;
    this.drivers = drivers;
    this.stopWorkers = stopWorkers;
  }

  /** Starts the reaper unless it was started; returns it. */
  Thread start() {
    synchronized (lock) {
      if (thread == null) {
        thread = Thread.ofVirtual().name("gearbox-" + poolName + "-reaper").start(() -> {
          try {
            while (!drivers.awaitTermination(Duration.ofSeconds(1))) {
              // keep waiting: tasks accepted before shutdown still run
            }
          } catch (InterruptedException e) {
            return;
          }
          stopWorkers.run();
        });
      }
      return thread;
    }
  }

  /** Whether the reaper was started and has ended: the workers are reaped. */
  boolean isDone() {
    Thread r;
    synchronized (lock) {
      r = thread;
    }
    return r != null && !r.isAlive();
  }

  /** Waits, uninterruptibly, for a started reaper to end (not from the reaper itself). */
  void join() {
    Thread r;
    synchronized (lock) {
      r = thread;
    }
    if (r == null || r == Thread.currentThread()) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        r.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
