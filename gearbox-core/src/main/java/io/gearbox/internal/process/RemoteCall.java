package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOutput;
import io.gearbox.TaskState;
import io.gearbox.internal.remote.DriverCall;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The driver task for one remote call: what runs on a driver thread of the process pool. Besides
 * what every remote call records ({@link DriverCall}: id, name, attempts, pid), it holds the
 * encoded task and, as the call proceeds, what the worker reported (output, CPU time, the cancel
 * rung) for the task's {@link RemoteHandle}. Running it hands it to its
 * {@link Driver} ({@code CallDriver}), which it knows only by that interface: the flow goes
 * facade -> driver pool -> call -> driver -> worker, never back up.
 *
 * @param <T> the result type
 */
final class RemoteCall<T> extends DriverCall<T> {

  /** Runs a call on a worker; what {@link #call()} hands the call to. */
  interface Driver {
    <T> T execute(RemoteCall<T> call) throws Exception;
  }

  private static final VarHandle CALLER;

  static {
    try {
      CALLER = MethodHandles.lookup()
          .findVarHandle(RemoteCall.class, "caller", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Driver driver;
  final byte kind;
  final String pkg;
  final byte[] task;
  final byte[] items; // batches only
  final int itemCount;

  volatile boolean started;
  /** Time spent waiting for a worker to start, over every attempt. Written by the driver only. */
  volatile long startupNanos;
  volatile TaskOutput output = TaskOutput.EMPTY;
  volatile CancelRung rung = CancelRung.NONE;
  volatile long workerWallNanos = -1;
  volatile long workerCpuNanos = -1;
  volatile int replyBytes;
  /**
   * Set while the driver waits for its first worker (no worker has seen the task yet): the task
   * is reported as PENDING and counted as queued, though its driver has started it.
   */
  volatile boolean awaitingWorker;

  /**
   * The thread running this call itself because it waits for it anyway ({@link CallerDrives}:
   * {@code invoke}, or a {@code join} that found the call still queued), or null for a call run
   * by a driver thread; set before the call starts. A joiner that loses the call to a driver
   * clears it again; a driver thread is never it.
   */
  volatile Thread caller;
  /** The worker taken for a caller-driven call's first attempt; taken over by the driver. */
  Worker reserved;
  /** Set when a caller-driven call's cancel ladder was handed to a thread of its own. */
  boolean ladderHandedOff;
  /** Set when the caller driving this call was interrupted (not by the pool): it cancelled it. */
  volatile boolean callerInterrupted;
  /** The driver task's handle, once it starts: what a driving caller's own interrupt cancels. */
  private volatile TaskHandle<?> run;

  RemoteCall(Driver driver, byte kind, String pkg, byte[] task, byte[] items,
      int itemCount, int maxRetries, Object source) {
    super(maxRetries, source);
    this.driver = driver;
    this.kind = kind;
    this.pkg = pkg;
    this.task = task;
    this.items = items;
    this.itemCount = itemCount;
  }

  @Override
  public void starting(TaskHandle<?> run) {
    super.starting(run);
    this.run = run;
  }

  /**
   * Claims this call for a joiner about to run it ({@link CallerDrives#driveQueued}): false if
   * another joiner of the same handle claimed it first.
   */
  boolean claimFor(Thread joiner) {
    return CALLER.compareAndSet(this, null, joiner);
  }

  /** Whether this thread is the caller driving this call (never true on a driver thread). */
  boolean drivenHere() {
    return caller == Thread.currentThread();
  }

  /**
   * Called where the call's code sees its thread interrupted. A driver thread is interrupted only
   * by the pool (cancel, deadline, shutdownNow), which has already ended the handle. A caller
   * driving its own call may be interrupted by anyone: that interrupt cancels the task, as an
   * interrupted {@code invoke} does, so the pool's cancellation path (the ladder) follows.
   */
  void interruptSeen() {
    TaskHandle<?> r = run;
    // The state, not isDone: a cancel or deadline sets the state, then interrupts, then completes
    // the handle, so the pool's interrupt can be seen before the handle is done.
    if (drivenHere() && r != null && r.status() == TaskState.RUNNING && r.cancel(true)) {
      callerInterrupted = true;
    }
  }

  @Override
  public T call() throws Exception {
    started = true;
    return driver.execute(this);
  }

  /** Throws a checked exception unchecked: a task's own exception, as the task threw it. */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
