package io.gearbox.internal;

import io.gearbox.TaskFailedException;
import io.gearbox.TaskHandle;
import io.gearbox.TaskState;
import io.gearbox.TaskTimeoutException;
import io.gearbox.TaskTimings;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One submitted task: the {@link Runnable} a pool thread runs and the {@link TaskHandle} its
 * submitter holds.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>State.</b> An int {@code state} (the ordinal of {@link TaskState}) changed only by CAS, so
 * exactly one transition reaches a terminal state (see TaskState for the diagram). The winner of
 * that CAS writes {@code value}/{@code error}, updates the pool's counters and completes
 * {@code done}; everyone else loses and does nothing. Waiting is waiting on {@code done}, which
 * gives the happens-before edge from the task to its waiters.
 *
 * <p><b>Two ends.</b> A handle is <em>done</em> when its state is terminal; its code has
 * <em>exited</em> when the runner thread has left {@link #run()} (or the task was discarded without
 * running). The two differ for a task cancelled or timed out while running: the handle completes at
 * once, the code may run on (a "stuck" task). {@code exited} is what structured scopes and pool
 * termination wait for; the pool's in-flight permit is released only at exit, so the bound on
 * in-flight work counts threads really in use.
 *
 * <p><b>Interrupts.</b> {@code runner} is read and written under the monitor of {@code done} (a
 * future the pool never hands out, so no user code can hold its monitor; a handle is public, and
 * code that locks it must not delay its runner) so that cancel
 * never interrupts a thread that has already moved on to another task (the race FutureTask closes
 * with its INTERRUPTING state). The runner wins the PENDING -> RUNNING CAS before it records
 * itself, so a cancel or deadline can land in between and find no thread to interrupt; the runner
 * therefore re-reads the state under the lock as it records itself and, if the task already
 * ended, never starts its code ({@code codeStarted} stays false). A cancel interrupts (under the
 * same lock) before it completes the handle, so by the time waiters wake, either the code has
 * started and has been interrupted, or it never will start. A runner interrupted by the pool
 * clears that interrupt before it leaves, so it does not leak into the next task, nor into the
 * caller's thread under CALLER_RUNS.
 *
 * <p><b>Leaving the queue.</b> A task cancelled or timed out while PENDING is removed from the
 * backing queue and records its exit at once, so its permit and its place in scopes are freed
 * immediately rather than when a worker would have dequeued it.
 *
 * <p><b>Timings.</b> Written by the runner just before it completes the handle (or at exit, for a
 * task cancelled while running), published through a volatile field. CPU and run-queue time are
 * read through the thread's {@link CpuClock.Sampler}, the one sampler of every pool: the auto
 * pool's router reads them from here rather than measuring again.
 */
final class TaskRun<T> implements TaskHandle<T>, RoutedRun {

  private static final VarHandle STATE;
  private static final VarHandle EXITED;
  private static final VarHandle TIMINGS;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(TaskRun.class, "state", int.class);
      EXITED = MethodHandles.lookup().findVarHandle(TaskRun.class, "exitRecorded", boolean.class);
      TIMINGS = MethodHandles.lookup().findVarHandle(TaskRun.class, "timings", TaskTimings.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int PENDING = TaskState.PENDING.ordinal();
  private static final int RUNNING = TaskState.RUNNING.ordinal();
  private static final TaskState[] STATES = TaskState.values();

  private final ExecutorPool pool;
  private final long id;
  private final String name;
  private final Callable<T> task;
  private final Object source;
  private final List<StackWalker.StackFrame> submitFrames;
  private final String submitThread;
  private final long admittedNanos;
  private final Duration timeout;
  private final boolean holdsPermit;
  private final Object routeTag;

  private volatile int state;
  /** This task's place in its pool's {@link InFlightSet}; made here so it sits next to the task. */
  final InFlightSet.Entry inFlightEntry = new InFlightSet.Entry(this);
  private Thread runner; // guarded by done's monitor
  private boolean interruptedByPool; // guarded by done's monitor
  private T value;
  private Throwable error;
  private boolean endedWhileRunning;
  private boolean codeStarted; // guarded by done's monitor; published to waiters by done
  /** When cancel or the deadline ended the task while it ran (stuck-task reports); else 0. */
  private volatile long terminalNanos;
  private volatile TaskTimings timings = TaskTimings.NONE;
  /** Run-queue time of a measured run (see {@link CpuClock}); published by {@code timings}. */
  private long runQueueNanos;
  private volatile ScheduledFuture<?> deadline;
  private volatile boolean exitRecorded;
  /**
   * Completed when the handle is done; never handed out ({@link #toCompletableFuture()} returns a
   * view), so its monitor is private to the pool and guards the runner fields (one object less
   * per task than a lock of their own).
   */
  final CompletableFuture<Void> done = new CompletableFuture<>();
  /** Created on demand (only scopes wait for exits); see {@link #exitedFuture()}. */
  private volatile CompletableFuture<Void> exited;

  TaskRun(
      ExecutorPool pool,
      long id,
      String name,
      Callable<T> task,
      Object source,
      List<StackWalker.StackFrame> submitFrames,
      Duration timeout,
      boolean holdsPermit,
      Object routeTag) {
    this.pool = pool;
    this.id = id;
    this.name = name; // null: "task-<id>", built only when asked for
    this.task = task;
    this.source = source;
    this.submitFrames = submitFrames;
    this.submitThread = submitFrames != null ? Thread.currentThread().getName() : null;
    this.admittedNanos = System.nanoTime();
    this.timeout = timeout;
    this.holdsPermit = holdsPermit;
    this.routeTag = routeTag;
  }

  @Override
  public Object routeTag() {
    return routeTag;
  }

  // ---------------------------------------------------------------- running

  @Override
  public void run() {
    // Split in three so that the frame under the task's code stays small: a task that parks keeps
    // its whole stack in a heap chunk until it resumes, and an interpreted frame holds every local
    // slot of its method (this one had ~22: ~190 B more per parked virtual task than the JDK's
    // FutureTask.run). Only what the end of the run needs is kept here.
    WorkerTally tally = PoolThread.tallyOf(pool);
    if (!begin(tally)) {
      return;
    }
    // never on a virtual thread (the auto pool runs some there): it would read -1 anyway, after
    // creating a thread-local sampler for a thread that runs one task
    CpuClock.Sampler sampler =
        pool.measuresCpu() && !Thread.currentThread().isVirtual() ? CpuClock.sampler() : null;
    long[] clock = sampler != null ? startClock(sampler) : null;
    long start = System.nanoTime();
    T result = null;
    Throwable failure = null;
    try {
      if (task instanceof RunAware) {
        ((RunAware) task).starting(this);
      }
      result = task.call();
    } catch (Throwable t) {
      failure = t;
    }
    end(tally, sampler, clock, start, System.nanoTime(), result, failure);
  }

  /**
   * PENDING -> RUNNING and records the runner; false if the task ended before its code could
   * start (its exit is then recorded).
   */
  private boolean begin(WorkerTally tally) {
    if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
      exit(null); // cancelled or timed out while queued: never runs
      return false;
    }
    pool.onTransition(TaskState.PENDING, TaskState.RUNNING, tally);
    boolean ended;
    synchronized (done) {
      // Cancelled or timed out between the CAS and here? Then endEarly found no runner to
      // interrupt, and the task's code must not start at all.
      ended = state != RUNNING;
      if (!ended) {
        runner = Thread.currentThread();
        codeStarted = true;
      }
    }
    if (ended) {
      exit(null, tally);
      return false;
    }
    return true;
  }

  /** A run's clock readings at its start (CPU, run queue), or null if this run is not measured. */
  private static long[] startClock(CpuClock.Sampler sampler) {
    long[] clock = sampler.measureNext() ? new long[4] : null;
    return clock != null && sampler.read(clock) ? clock : null;
  }

  /** The rest of {@link #run()} once the task's code has returned or thrown. */
  private void end(WorkerTally tally, CpuClock.Sampler sampler, long[] clock, long start, long end,
      T result, Throwable failure) {
    long cpu = -1;
    if (clock != null) {
      long cpuStart = clock[0];
      long queueStart = clock[1];
      if (sampler.read(clock)) {
        cpu = clock[0] - cpuStart;
        runQueueNanos = clock[1] - queueStart;
      }
    }
    if (sampler != null) {
      sampler.ran(start, end);
    }
    TaskTimings measured = new TaskTimings(start - admittedNanos, end - start, cpu);
    // A release store, not a volatile one (no fence): timings() reads it volatile (an acquire)
    // and TaskTimings is immutable, so a reader that sees it sees it whole.
    TIMINGS.setRelease(this, measured);
    if (failure == null) {
      finish(TaskState.SUCCEEDED, result, null, tally);
    } else {
      finish(TaskState.FAILED, null, failure, tally);
    }
    synchronized (done) {
      runner = null;
      if (interruptedByPool) {
        Thread.interrupted(); // the interrupt was ours; do not leak it into the thread's next job
      }
    }
    exit(measured, tally);
  }

  /** RUNNING -> SUCCEEDED or FAILED, unless cancel or the deadline won. */
  private void finish(TaskState to, T result, Throwable failure, WorkerTally tally) {
    if (STATE.compareAndSet(this, RUNNING, to.ordinal())) {
      value = result;
      error = failure;
      complete(TaskState.RUNNING, to, tally);
    }
  }

  /**
   * Records that the task's code has left (or will never enter) a thread. Idempotent: a task
   * cancelled while queued exits at once, and exits again (as a no-op) when a worker later dequeues
   * it.
   */
  void exit(TaskTimings measured) {
    exit(measured, null);
  }

  /** As {@link #exit(TaskTimings)}, on a pool thread with its own counters (or null). */
  private void exit(TaskTimings measured, WorkerTally tally) {
    if (!EXITED.compareAndSet(this, false, true)) {
      return;
    }
    if (measured == null && timings == TaskTimings.NONE) {
      timings = new TaskTimings(System.nanoTime() - admittedNanos, 0, -1);
    }
    pool.onExit(this, measured, tally);
    CompletableFuture<Void> f = exited;
    if (f != null) {
      f.complete(null);
    }
  }

  /**
   * A future completed when the task's code has exited (or will never run). Created on first use:
   * the exit flag and the field are both volatile, and each side re-checks the other after writing
   * its own, so the future is completed whichever comes first.
   */
  CompletableFuture<Void> exitedFuture() {
    CompletableFuture<Void> f = exited;
    if (f == null) {
      synchronized (done) {
        f = exited;
        if (f == null) {
          f = new CompletableFuture<>();
          exited = f;
        }
      }
    }
    if (exitRecorded) {
      f.complete(null);
    }
    return f;
  }

  // ---------------------------------------------------------------- terminal transitions

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return endEarly(TaskState.CANCELLED);
  }

  /** Fired by the pool's timer at the task's deadline. */
  void deadlinePassed() {
    endEarly(TaskState.TIMED_OUT);
  }

  /** Cancels only if the task has not started; used by shutdownNow to list never-run tasks. */
  boolean cancelIfPending() {
    if (STATE.compareAndSet(this, PENDING, TaskState.CANCELLED.ordinal())) {
      error = cancellation(false);
      complete(TaskState.PENDING, TaskState.CANCELLED);
      leaveQueue();
      return true;
    }
    return false;
  }

  /**
   * A task that ended while queued frees its slot now, not when a worker reaches it: it leaves the
   * backing queue if it is still there, and its exit is recorded (permit, inFlight, scopes).
   */
  private void leaveQueue() {
    pool.removeFromQueue(this);
    exit(null);
  }

  private boolean endEarly(TaskState to) {
    for (; ; ) {
      int s = state;
      if (s != PENDING && s != RUNNING) {
        return false;
      }
      if (STATE.compareAndSet(this, s, to.ordinal())) {
        boolean wasRunning = s == RUNNING;
        endedWhileRunning = wasRunning;
        if (wasRunning) {
          terminalNanos = System.nanoTime(); // how long a stuck task has outlived its handle
        }
        error = to == TaskState.CANCELLED ? cancellation(wasRunning) : timeoutException(wasRunning);
        if (wasRunning) {
          // Interrupt before completing, as FutureTask does: completion runs waiters' callbacks
          // inline, possibly on the deadline timer's thread, and must not delay the interrupt.
          interruptRunner();
        }
        complete(STATES[s], to);
        if (!wasRunning) {
          leaveQueue();
        }
        return true;
      }
    }
  }

  private void interruptRunner() {
    synchronized (done) {
      if (runner != null) {
        interruptedByPool = true;
        runner.interrupt();
      }
    }
  }

  private void complete(TaskState from, TaskState to) {
    complete(from, to, null);
  }

  /** As {@link #complete(TaskState, TaskState)}, counting on the given pool thread's tally. */
  private void complete(TaskState from, TaskState to, WorkerTally tally) {
    ScheduledFuture<?> d = deadline;
    if (d != null && to != TaskState.TIMED_OUT) {
      d.cancel(false);
    }
    pool.onTransition(from, to, tally);
    if (timeout != null) {
      pool.onTimedTaskEnded();
    }
    done.complete(null);
  }

  void setDeadline(ScheduledFuture<?> deadline) {
    this.deadline = deadline;
    if (STATES[state].isTerminal()) {
      deadline.cancel(false);
    }
  }

  // ---------------------------------------------------------------- handle

  @Override
  public long id() {
    return id;
  }

  @Override
  public String name() {
    return name != null ? name : "task-" + id;
  }

  @Override
  public TaskState status() {
    return STATES[state];
  }

  @Override
  public boolean isDone() {
    return done.isDone();
  }

  @Override
  public boolean isCancelled() {
    return done.isDone() && state == TaskState.CANCELLED.ordinal();
  }

  @Override
  public Future.State state() {
    return switch (status()) {
      case PENDING, RUNNING -> Future.State.RUNNING;
      case SUCCEEDED -> Future.State.SUCCESS;
      case FAILED, TIMED_OUT -> Future.State.FAILED;
      case CANCELLED -> Future.State.CANCELLED;
    };
  }

  @Override
  public T resultNow() {
    if (!done.isDone() || status() != TaskState.SUCCEEDED) {
      throw new IllegalStateException("task #" + id + " is " + status() + ", not SUCCEEDED");
    }
    return value;
  }

  @Override
  public Throwable exceptionNow() {
    TaskState s = status();
    if (!done.isDone() || s != TaskState.FAILED && s != TaskState.TIMED_OUT) {
      throw new IllegalStateException("task #" + id + " is " + s + ", not FAILED or TIMED_OUT");
    }
    return error;
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    awaitDone();
    return reportChecked();
  }

  @Override
  public T get(long amount, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (!awaitNanos(unit.toNanos(amount))) {
      throw new TimeoutException(
          "task #" + id + " '" + name() + "' not done after " + amount + " " + unit + " (still "
              + status() + ")");
    }
    return reportChecked();
  }

  @Override
  public T join() {
    try {
      awaitDone();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ExecutorPool.interruptedWaitFor(id, e);
    }
    return reportUnchecked();
  }

  @Override
  public boolean await(Duration timeout) throws InterruptedException {
    return awaitNanos(Durations.saturatedNanos(timeout));
  }

  private boolean awaitNanos(long nanos) throws InterruptedException {
    if (done.isDone()) {
      return true;
    }
    try {
      done.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new AssertionError("done never completes exceptionally", e);
    }
  }

  private void awaitDone() throws InterruptedException {
    if (done.isDone()) {
      return;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      done.get(); // uses ForkJoinPool.managedBlock when called from a ForkJoinPool worker
    } catch (ExecutionException e) {
      throw new AssertionError("done never completes exceptionally", e);
    }
  }

  @Override
  public TaskTimings timings() {
    return timings;
  }

  @Override
  public long runQueueNanos() {
    return timings.cpuMeasured() ? runQueueNanos : 0;
  }

  @Override
  public CompletableFuture<T> toCompletableFuture() {
    CompletableFuture<T> view = new CompletableFuture<>();
    done.whenComplete((ignored, alsoIgnored) -> {
      switch (status()) {
        case SUCCEEDED -> view.complete(value);
        case CANCELLED -> view.cancel(false);
        default -> view.completeExceptionally(error);
      }
    });
    view.whenComplete((v, e) -> {
      if (view.isCancelled()) {
        cancel(true);
      }
    });
    return view;
  }

  private T reportChecked() throws ExecutionException {
    return switch (status()) {
      case SUCCEEDED -> value;
      case CANCELLED -> throw withSite(cancellation(endedWhileRunning()));
      case FAILED, TIMED_OUT -> throw withSite(new ExecutionException(failureMessage(), error));
      default -> throw new AssertionError("not done: " + status());
    };
  }

  private T reportUnchecked() {
    return switch (status()) {
      case SUCCEEDED -> value;
      case CANCELLED -> throw withSite(cancellation(endedWhileRunning()));
      case TIMED_OUT -> throw (TaskTimeoutException) error;
      case FAILED -> throw withSite(new TaskFailedException(failureMessage(), error, id));
      default -> throw new AssertionError("not done: " + status());
    };
  }

  /** The exception a fail-fast consumer (map, scope) throws for this failed or timed-out task. */
  RuntimeException failureForConsumer() {
    return switch (status()) {
      case TIMED_OUT -> (TaskTimeoutException) error;
      case FAILED -> withSite(new TaskFailedException(failureMessage(), error, id));
      case CANCELLED -> withSite(cancellation(endedWhileRunning()));
      default -> throw new AssertionError("not failed: " + status());
    };
  }

  /** The task's outcome error as stored: its own exception, the timeout, or a cancellation. */
  Throwable storedError() {
    return error;
  }

  T storedValue() {
    return value;
  }

  /** Whether the task ended (cancelled, timed out, shut down) without its code ever starting. */
  boolean neverStarted() {
    TaskState s = status();
    if (!done.isDone() || (s != TaskState.CANCELLED && s != TaskState.TIMED_OUT)) {
      return false;
    }
    synchronized (done) {
      return !codeStarted;
    }
  }

  /** Whether this task holds one of the pool's in-flight permits (CALLER_RUNS tasks do not). */
  boolean holdsPermit() {
    return holdsPermit;
  }

  /**
   * Whether cancel or the deadline ended the handle while the code was running. Read it only after
   * {@link #isDone()} returned true (which publishes it).
   */
  boolean endedWhileRunning() {
    return endedWhileRunning;
  }

  private <X extends Throwable> X withSite(X exception) {
    SubmitSite site = SubmitSites.toThrowable(submitFrames, siteMessage());
    if (site != null) {
      exception.addSuppressed(site);
    }
    return exception;
  }

  private String siteMessage() {
    return "task #" + id + " '" + name() + "' was submitted to pool '" + pool.name()
        + "' from thread '" + submitThread + "' here";
  }

  private String failureMessage() {
    Throwable e = error;
    return "task #" + id + " '" + name() + "' in pool '" + pool.name() + "' failed: " + e;
  }

  private CancellationException cancellation(boolean wasRunning) {
    return new CancellationException(
        "task #" + id + " '" + name() + "' in pool '" + pool.name() + "' was cancelled "
            + (wasRunning ? "while running" : "before it started"));
  }

  private TaskTimeoutException timeoutException(boolean wasRunning) {
    TaskTimeoutException e = new TaskTimeoutException(
        "task #" + id + " '" + name() + "' in pool '" + pool.name() + "' timed out after " + timeout
            + (wasRunning ? " while running (its thread was interrupted)" : " before it started"),
        id,
        timeout);
    if (submitFrames != null) {
      e.setStackTrace(SubmitSites.toElements(submitFrames));
    }
    return e;
  }

  // ---------------------------------------------------------------- pool-side views

  /** The object the user submitted, as a Runnable (for ExecutorService.shutdownNow). */
  Runnable sourceAsRunnable() {
    if (source instanceof Runnable r) {
      return r;
    }
    return () -> {
      try {
        task.call();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    };
  }

  /** The object the user submitted (for pools that wrap tasks). */
  public Object source() {
    return source;
  }

  /** The thread still running this task's code, or null. */
  Thread runner() {
    synchronized (done) {
      return runner;
    }
  }

  long terminalNanos() {
    return terminalNanos;
  }

  @Override
  public String toString() {
    return "TaskRun[#" + id + " '" + name() + "' " + status() + "]";
  }
}
