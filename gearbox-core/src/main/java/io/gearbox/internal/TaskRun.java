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
 * that CAS writes {@code value}/{@code error}, updates the pool's counters and then sets {@code
 * finished} (a volatile store); everyone else loses and does nothing. A waiter that finds it unset
 * waits on {@code done}, a future made on demand (most tiny tasks are done before anyone waits) and
 * completed by whichever of waiter and completer sees the other; either way the volatile gives
 * the happens-before edge from the task to its waiters.
 *
 * <p><b>Two ends.</b> A handle is <em>done</em> when its state is terminal; its code has
 * <em>exited</em> when the runner thread has left {@link #run()} (or the task was discarded without
 * running). The two differ for a task cancelled or timed out while running: the handle completes at
 * once, the code may run on (a "stuck" task). {@code exited} is what structured scopes and pool
 * termination wait for; the pool's in-flight permit is released only at exit, so the bound on
 * in-flight work counts threads really in use.
 *
 * <p><b>Interrupts.</b> No lock: the state CAS itself decides who may interrupt whom (the race
 * FutureTask closes with its INTERRUPTING state). The runner writes {@code runner} before its
 * PENDING -> RUNNING CAS, which publishes it, and the task's code starts if and only if that CAS
 * wins. A cancel or deadline that wins a CAS from RUNNING therefore always finds the runner; it
 * interrupts it, then sets {@code interruptDelivered}, and only then completes the handle, so by
 * the time waiters wake, either the code has started (or is about to, with the interrupt already
 * pending) and has been interrupted, or it never will start. The runner's own RUNNING -> SUCCEEDED
 * / FAILED CAS tells it whether such a cancel happened: if it wins, no cancel can ever win after
 * it, so nothing will interrupt this thread on behalf of this task (the fast path: no extra atomic
 * operation); if it loses, a canceller won from RUNNING, and the runner waits (yielding) until
 * {@code interruptDelivered}, then clears the interrupt before it leaves, so it does not leak into
 * the thread's next task, nor into the caller's thread under CALLER_RUNS. (Until 2026-12-04 a
 * monitor guarded {@code runner}: two lock sections per run, ~0.03-0.04 us a tiny task.)
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
  private static final VarHandle TIMED;
  private static final VarHandle RUNNER;
  private static final VarHandle DONE;
  private static final VarHandle EXITED_FUTURE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(TaskRun.class, "state", int.class);
      EXITED = MethodHandles.lookup().findVarHandle(TaskRun.class, "exitRecorded", boolean.class);
      TIMED = MethodHandles.lookup().findVarHandle(TaskRun.class, "timed", boolean.class);
      RUNNER = MethodHandles.lookup().findVarHandle(TaskRun.class, "runner", Thread.class);
      DONE = MethodHandles.lookup()
          .findVarHandle(TaskRun.class, "done", CompletableFuture.class);
      EXITED_FUTURE = MethodHandles.lookup()
          .findVarHandle(TaskRun.class, "exited", CompletableFuture.class);
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
  /**
   * What to run, and what the user submitted (returned for tasks that never ran): both dropped
   * once the code has run, as FutureTask drops its callable, so a done handle does not keep the
   * user's task (and what it captured) alive. Published by the runner's start and by {@code
   * finished}.
   */
  private Callable<T> task;
  private Object source;
  private final List<StackWalker.StackFrame> submitFrames;
  private final String submitThread;
  private final long admittedNanos;
  private final Duration timeout;
  private final boolean holdsPermit;
  private final Object routeTag;

  private volatile int state;
  // Links of the pool's InFlightSet, guarded by the lock of this task's stripe there.
  TaskRun<?> inFlightPrev;
  TaskRun<?> inFlightNext;
  boolean inFlightLinked;
  /**
   * The thread running the task's code: written before the PENDING -> RUNNING CAS (which publishes
   * it to cancellers), cleared (release store) as the runner leaves, for stuck-task reports.
   */
  private Thread runner;
  /** Set by the canceller that won a CAS from RUNNING once its interrupt has been delivered. */
  private volatile boolean interruptDelivered;
  private T value;
  private Throwable error;
  private boolean endedWhileRunning;
  /** When cancel or the deadline ended the task while it ran (stuck-task reports); else 0. */
  private volatile long terminalNanos;
  /**
   * The run's times, as {@link #timings()} reports them: written by the runner (or at exit for a
   * task that never ran) before {@code timed} is set, and read only after it is seen set. Fields
   * rather than a {@link TaskTimings} per run: 40 bytes and an allocation less per task, and
   * a handle is asked for its timings far less often than a pool runs tasks.
   */
  private long queuedNanos;
  private long wallNanos;
  private long cpuNanos = -1;
  /** Run-queue time of a measured run (see {@link CpuClock}); published by {@code timed}. */
  private long runQueueNanos;
  /** Whether the times above are written; set by a release store, read as a volatile. */
  private volatile boolean timed;
  private volatile ScheduledFuture<?> deadline;
  private volatile boolean exitRecorded;
  /**
   * Whether the handle is done: set (a volatile store) by the winner of the terminal transition
   * once it has written the outcome and counted it, so a thread that sees it set sees both.
   */
  private volatile boolean finished;
  /**
   * Completed once {@code finished} is set; created on demand by a waiter or a callback ({@link
   * #done()}): most tiny tasks are done before anyone waits, and a future per task was 24 bytes
   * and a completion CAS more than the JDK's FutureTask. Never handed out ({@link
   * #toCompletableFuture()} returns a view).
   */
  private volatile CompletableFuture<Void> done;
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
    PoolThread own = PoolThread.of(pool);
    WorkerTally tally = own != null ? own.tally() : null;
    if (!begin(tally)) {
      return;
    }
    // never on a virtual thread (the auto pool runs some there): it would read -1 anyway, after
    // creating a thread-local sampler for a thread that runs one task
    CpuClock.Sampler sampler = !pool.measuresCpu() ? null
        : own != null ? own.sampler()
        : !Thread.currentThread().isVirtual() ? CpuClock.sampler() : null;
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
    task = null;
    source = null;
    end(tally, sampler, clock, start, System.nanoTime(), result, failure);
  }

  /**
   * Records the runner, then PENDING -> RUNNING (the CAS publishes the runner to cancellers); false
   * if the task ended before its code could start (its exit is then recorded).
   */
  private boolean begin(WorkerTally tally) {
    runner = Thread.currentThread();
    if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
      runner = null;
      exit(); // cancelled or timed out while queued: never runs
      return false;
    }
    pool.onStarted(tally);
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
    queuedNanos = start - admittedNanos;
    wallNanos = end - start;
    cpuNanos = cpu;
    // A release store, not a volatile one (no fence): timings() reads it volatile (an acquire),
    // so a reader that sees it set sees the times written before it.
    TIMED.setRelease(this, true);
    boolean won = failure == null
        ? finish(TaskState.SUCCEEDED, result, null, tally)
        : finish(TaskState.FAILED, null, failure, tally);
    if (!won) {
      // A cancel or the deadline won from RUNNING: it interrupts this thread (or has). Wait until
      // it has, then clear that interrupt: it was the pool's, and must not reach the thread's
      // next job. (If this thread's CAS won, no one can interrupt it for this task any more.)
      while (!interruptDelivered) {
        Thread.yield();
      }
      Thread.interrupted();
    }
    RUNNER.setRelease(this, (Thread) null); // no longer a stuck-task candidate
    exit(!won, tally, won);
  }

  /**
   * RUNNING -> SUCCEEDED or FAILED, unless cancel or the deadline won; true if this won. The
   * winner records the run (its count, times and returned permit: see {@link
   * ExecutorPool#onRunEnded}) before it completes the handle, so a thread that joined the task
   * then reads the stats sees it.
   */
  private boolean finish(
      TaskState to, T result, Throwable failure, WorkerTally tally) {
    if (STATE.compareAndSet(this, RUNNING, to.ordinal())) {
      value = result;
      error = failure;
      cancelDeadline(to);
      pool.onRunEnded(this, to == TaskState.SUCCEEDED, tally);
      if (timeout != null) {
        pool.onTimedTaskEnded();
      }
      markFinished();
      return true;
    }
    return false;
  }

  /**
   * Records that the task's code has left (or will never enter) a thread. Idempotent: a task
   * cancelled while queued exits at once, and exits again (as a no-op) when a worker later dequeues
   * it.
   */
  void exit() {
    exit(false, null, false);
  }

  /**
   * As {@link #exit()}, on a pool thread with its own counters (or null).
   *
   * @param ran whether the code ran and its times are to be recorded now (it was ended early)
   * @param recorded whether the run and its permit were already recorded (the runner's finish won)
   */
  private void exit(boolean ran, WorkerTally tally, boolean recorded) {
    if (!EXITED.compareAndSet(this, false, true)) {
      return;
    }
    if (!ran && !recorded && !timed) { // never ran: its time queued is all it has
      queuedNanos = System.nanoTime() - admittedNanos;
      timed = true;
    }
    pool.onExit(this, ran, tally, recorded);
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
  @SuppressWarnings("unchecked")
  CompletableFuture<Void> exitedFuture() {
    CompletableFuture<Void> f = exited;
    if (f == null) {
      CompletableFuture<Void> made = new CompletableFuture<>();
      f = (CompletableFuture<Void>) EXITED_FUTURE.compareAndExchange(this, null, made);
      if (f == null) {
        f = made;
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
    exit();
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

  /**
   * Called by the one thread that won a CAS from RUNNING: the runner was published by its own
   * PENDING -> RUNNING CAS and stays set until it has seen {@code interruptDelivered}.
   */
  private void interruptRunner() {
    try {
      runner.interrupt();
    } finally {
      interruptDelivered = true;
    }
  }

  /** A cancel, shutdownNow or the deadline ended the task (the runner's own end is finish). */
  private void complete(TaskState from, TaskState to) {
    cancelDeadline(to);
    pool.onEndedEarly(from, to);
    if (timeout != null) {
      pool.onTimedTaskEnded();
    }
    markFinished();
  }

  /**
   * The handle is done: publishes the outcome and counts written before, then completes the
   * future if a waiter made one. The store and the waiter's creation of the future are both
   * volatile, and each side reads the other's field after writing its own, so one of them
   * completes it.
   */
  private void markFinished() {
    finished = true;
    CompletableFuture<Void> f = done;
    if (f != null) {
      f.complete(null);
    }
  }

  /** A future completed when the handle is done (made on first use; see {@code done}). */
  @SuppressWarnings("unchecked")
  CompletableFuture<Void> done() {
    CompletableFuture<Void> f = done;
    if (f == null) {
      CompletableFuture<Void> made = new CompletableFuture<>();
      f = (CompletableFuture<Void>) DONE.compareAndExchange(this, null, made);
      if (f == null) {
        f = made;
      }
    }
    if (finished) {
      f.complete(null);
    }
    return f;
  }

  private void cancelDeadline(TaskState to) {
    ScheduledFuture<?> d = deadline;
    if (d != null && to != TaskState.TIMED_OUT) {
      d.cancel(false);
    }
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
    return finished;
  }

  @Override
  public boolean isCancelled() {
    return finished && state == TaskState.CANCELLED.ordinal();
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
    if (!finished || status() != TaskState.SUCCEEDED) {
      throw new IllegalStateException("task #" + id + " is " + status() + ", not SUCCEEDED");
    }
    return value;
  }

  @Override
  public Throwable exceptionNow() {
    TaskState s = status();
    if (!finished || s != TaskState.FAILED && s != TaskState.TIMED_OUT) {
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
    if (finished) {
      return true;
    }
    try {
      done().get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new AssertionError("done never completes exceptionally", e);
    }
  }

  private void awaitDone() throws InterruptedException {
    if (finished) {
      return;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      done().get(); // uses ForkJoinPool.managedBlock when called from a ForkJoinPool worker
    } catch (ExecutionException e) {
      throw new AssertionError("done never completes exceptionally", e);
    }
  }

  @Override
  public TaskTimings timings() {
    return timed ? new TaskTimings(queuedNanos, wallNanos, cpuNanos) : TaskTimings.NONE;
  }

  /** Time queued of a run whose times are written (the runner's own, or after timings()). */
  long queuedNanos() {
    return queuedNanos;
  }

  long wallNanos() {
    return wallNanos;
  }

  long cpuNanos() {
    return cpuNanos;
  }

  @Override
  public long runQueueNanos() {
    return timed && cpuNanos >= 0 ? runQueueNanos : 0;
  }

  @Override
  public CompletableFuture<T> toCompletableFuture() {
    CompletableFuture<T> view = new CompletableFuture<>();
    done().whenComplete((ignored, alsoIgnored) -> {
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
    // The code starts if and only if the PENDING -> RUNNING CAS wins; a task that ended from
    // RUNNING has endedWhileRunning set before its handle completed.
    return finished && (s == TaskState.CANCELLED || s == TaskState.TIMED_OUT)
        && !endedWhileRunning;
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

  /** The object the user submitted (for pools that wrap tasks); null once the task has run. */
  public Object source() {
    return source;
  }

  /** The thread still running this task's code, or null (a snapshot: it may be leaving). */
  Thread runner() {
    return (Thread) RUNNER.getAcquire(this);
  }

  long terminalNanos() {
    return terminalNanos;
  }

  @Override
  public String toString() {
    return "TaskRun[#" + id + " '" + name() + "' " + status() + "]";
  }
}
