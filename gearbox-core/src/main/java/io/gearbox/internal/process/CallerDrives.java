package io.gearbox.internal.process;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.internal.ExecutorPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fast path of {@code invoke} and {@code join}: the calling thread, which waits for its task
 * anyway, runs the task's round trip itself (take an idle worker, send RUN, read the RESULT on
 * this thread, decode), instead of handing it to a driver thread and waiting for that thread's
 * reply.
 *
 * <h2>Why</h2>
 *
 * <p>Through a driver, a round trip wakes four threads in two processes: the driver (the submit's
 * queue offer), the worker's reader, the driver again (the RESULT), and the caller (the handle's
 * completion). Driven by its caller it wakes two: the worker's reader and the caller. On a machine
 * where a thread switch costs 10-20 us that is most of a tiny task's round trip
 * (docs/benchmarks-journal.md).
 *
 * <h2>Two entries</h2>
 *
 * <ul>
 *   <li>{@link #drive} ({@code invoke}): the call is admitted and run here ({@link
 *       ExecutorPool#runHere}), never offered to a driver, so no driver can race the caller for it.
 *   <li>{@link #driveQueued} ({@code join} of a submitted task): the call was offered to the
 *       drivers at submit, which woke one; the joiner takes it back out of the driver pool's queue
 *       ({@link ExecutorPool#runIfQueued}) if no driver has taken it yet, and runs that same
 *       admitted driver task here. A driver that dequeued it first wins, and the join waits as
 *       before: on a busy machine the woken driver often pre-empts the submitter between its
 *       submit and its join (docs/benchmarks-journal.md). A task nobody joins starts as it always did.
 * </ul>
 *
 * <h2>How</h2>
 *
 * <p>Only on a platform thread (a virtual thread would hold its carrier while it waits in the
 * selector), and only when a worker is idle now ({@link WorkerSet#tryAcquire()}, reserved for the
 * call before it is taken, so the caller never waits for a worker ahead of queued tasks) and, for
 * {@code invoke}, the driver pool has a permit free ({@link ExecutorPool#runHere}); otherwise the
 * call goes to (or stays with) the drivers as before. A joiner first claims the call ({@link
 * RemoteCall#claimFor}), so of two threads joining one handle at most one drives it. The driver task is admitted and run on this thread with everything a driver gives it:
 * its permit, counters, timings, deadline and cancellation (both interrupt this thread), retries
 * and crash handling ({@link CallDriver}, the reserved worker being its first). Two differences:
 *
 * <ul>
 *   <li>An interrupt of the driving caller by anyone but the pool cancels the task ({@link
 *       RemoteCall#interruptSeen()}), and {@code invoke} (or {@code join}) then throws as an
 *       interrupted {@code invoke} does, the interrupt flag set.
 *   <li>A cancel or deadline while the task runs in its worker does not keep the caller for the
 *       cancel ladder (interrupt, grace, kill): the handle is already terminal, so the ladder goes
 *       to a thread of its own ({@link #startLadder}), which keeps the worker until it ends, and the
 *       caller returns at once, as a join through a driver returns at the deadline.
 * </ul>
 *
 * <p><b>Termination.</b> The driver pool does not see these callers or ladder threads, and may
 * terminate while one still holds a worker. So they are counted here from before a worker is taken
 * until it is given back, and the pool's reaper waits for the count to reach zero ({@link
 * #awaitNone()}) before it stops the workers.
 *
 * <p>Thread-safe.
 */
final class CallerDrives {

  private final String poolName;
  private final WorkerSet workers;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition none = lock.newCondition();
  private int active; // guarded by lock
  /** Calls run by their caller, by invoke or by join (the rest went to a driver). */
  final LongAdder driven = new LongAdder();
  /** Of those, calls run by a join that found them still queued. */
  final LongAdder drivenByJoin = new LongAdder();

  CallerDrives(String poolName, WorkerSet workers) {
    this.poolName = poolName;
    this.workers = workers;
  }

  /**
   * Runs the call on this thread if a worker is idle and a permit free now.
   *
   * @return the call's handle, done when this returns; or null if nothing was admitted (submit
   *     the call to the drivers instead)
   * @throws io.gearbox.PoolClosedException if the pool is shut down
   */
  <T> TaskHandle<T> drive(ExecutorPool drivers, RemoteCall<T> call, TaskOptions options) {
    if (!mayDriveHere()) {
      return null;
    }
    enter();
    try {
      Worker w = workers.tryAcquire();
      if (w == null) {
        return null;
      }
      call.reserved = w;
      call.caller = Thread.currentThread();
      try {
        TaskHandle<T> handle = drivers.runHere(call, options, call);
        if (handle != null) {
          driven.increment();
        }
        return handle;
      } finally {
        afterDriving(call); // not taken: no permit, closed, or cancelled before it ran
      }
    } finally {
      exit();
    }
  }

  /**
   * The fast path of {@code join}: runs a submitted call on this thread if no driver has taken it
   * from the driver pool's queue yet and a worker is idle now ({@link ExecutorPool#runIfQueued}).
   * The call was admitted at submit (permit, counters, deadline); it leaves the queue, so exactly
   * one thread runs it, and runs here as {@link #drive} runs an invoked one. If a driver took it
   * first, or no worker is idle, nothing happens and the caller waits for the handle as before.
   *
   * @param queued the call's driver task, as the driver pool's submit returned it
   * @return whether this thread ran the call (its handle is then done, or its code exited)
   */
  boolean driveQueued(ExecutorPool drivers, RemoteCall<?> call, TaskHandle<?> queued) {
    Thread me = Thread.currentThread();
    // cheap checks first: a driver that started the call has set started; a second joiner of the
    // same handle finds the first one's claim and waits for the handle
    if (call.started || call.caller != null || !mayDriveHere()) {
      return false;
    }
    enter();
    try {
      Worker w = workers.tryAcquire();
      if (w == null) {
        return false; // the call would wait for a worker here as on a driver: leave it queued
      }
      call.reserved = w; // read only by the caller's own thread (CallDriver: drivenHere)
      if (!call.claimFor(me)) {
        call.reserved = null;
        workers.release(w);
        return false;
      }
      boolean ran = false;
      try {
        ran = drivers.runIfQueued(queued);
        if (ran) {
          driven.increment();
          drivenByJoin.increment();
        }
        return ran;
      } finally {
        if (!ran) {
          call.caller = null; // this thread ran none of it: the driver runs it as any call
        }
        afterDriving(call); // a driver took the call first, or it ended while queued
      }
    } finally {
      exit();
    }
  }

  /**
   * Whether this thread may drive a call: not when interrupted (the ordinary path cancels the task
   * and reports the interrupt), nor on a virtual thread (it would wait for the reply in a
   * selector, holding its carrier; a driver keeps the wait as cheap for it as the docs promise).
   */
  private static boolean mayDriveHere() {
    Thread me = Thread.currentThread();
    return !me.isInterrupted() && !me.isVirtual();
  }

  /**
   * The end of either entry on the driving thread: gives back the reserved worker if no attempt
   * took it, and restores an interrupt that run() cleared as the pool's own.
   */
  private void afterDriving(RemoteCall<?> call) {
    Worker unused = call.reserved;
    if (unused != null) {
      call.reserved = null;
      workers.release(unused);
    }
    if (call.callerInterrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs a caller-driven call's cancel ladder on a thread of its own, counted until it ends (it
   * releases the call's worker as its last step).
   */
  void startLadder(Runnable ladder) {
    enter();
    try {
      Thread.ofVirtual().name("gearbox-" + poolName + "-ladder").start(() -> {
        try {
          ladder.run();
        } finally {
          exit();
        }
      });
    } catch (RuntimeException | Error e) {
      exit();
      throw e;
    }
  }

  private void enter() {
    lock.lock();
    try {
      active++;
    } finally {
      lock.unlock();
    }
  }

  private void exit() {
    lock.lock();
    try {
      if (--active == 0) {
        none.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits, uninterruptibly, until no caller drives a call and no ladder runs: run by the reaper
   * once the driver pool has terminated, before it stops the workers. Bounded: a caller's call
   * ends as a driver's does, and a ladder within the cancel grace plus a kill.
   */
  void awaitNone() {
    boolean interrupted = false;
    lock.lock();
    try {
      while (active > 0) {
        try {
          none.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      lock.unlock();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
