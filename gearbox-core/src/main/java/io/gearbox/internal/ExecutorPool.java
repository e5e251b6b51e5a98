package io.gearbox.internal;

import io.gearbox.Gearbox;
import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.Pool;
import io.gearbox.PoolClosedException;
import io.gearbox.PoolKind;
import io.gearbox.PoolSaturatedException;
import io.gearbox.PoolStats;
import io.gearbox.Saturation;
import io.gearbox.StuckTask;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import io.gearbox.TaskTimings;
import io.gearbox.TimeHistogram;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The engine behind the {@code threads}, {@code virtual} and {@code cpu} pools, and behind the
 * auto pool, whose backing executor is a {@link Routing router} that places each task.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Data structures.</b> A backing JDK executor does the thread management: a fixed
 * {@link ThreadPoolExecutor} over an unbounded queue for THREADS and CPU, a thread-per-task
 * executor over virtual threads for VIRTUAL. Around it:
 * <ul>
 *   <li>{@code permits}: an {@link Admission} of {@code maxInFlight} permits (a semaphore whose
 *       two ends do not share a cache line). A task holds one
 *       from admission until its code exits (or, if it ends while still queued, until it ends),
 *       so queued plus running work is bounded even though the backing queue is not. The
 *       {@link Saturation} policy decides what happens when none is free. CALLER_RUNS tasks run
 *       on the submitter's thread and hold none.
 *   <li>{@code inFlight}: the set of admitted tasks whose code has not exited. It lets shutdownNow
 *       cancel every task (the JDK's thread-per-task executor has no queue to drain), lets close
 *       decide termination, and lets stats() find stuck tasks.
 *   <li>Counters: a run's start, its end (count, times, histograms) and its returned permit are
 *       counted by the thread that ran it, before its handle completes: a pool thread of the
 *       threads and cpu pools ({@link PoolThread}) in its own {@link WorkerTally} with plain
 *       writes, any other thread (virtual threads, CALLER_RUNS callers, the auto pool's threads)
 *       in one of a few WorkerTally stripes picked by thread id, under the stripe's lock (see
 *       {@code stripeOfThisThread}). Transitions made by others (cancel, deadlines, shutdownNow)
 *       are rare and go to {@link LongAdder}s ({@link #onEndedEarly}). {@code stats()} adds them
 *       up, so the gauges (queued, running) are exact once the pool is idle.
 *   <li>{@code timer}: a one-thread scheduler, created on the first task with a deadline, that
 *       fires deadlines. It is shut down when the pool is shut down and no task is left undone.
 * </ul>
 *
 * <p><b>Lifecycle.</b>
 * <pre>
 * RUNNING  -> SHUTDOWN  shutdown(): submit rejects; blocked submitters are woken and rejected
 * RUNNING  -> STOP      shutdownNow(): as above, and every task in flight is cancelled
 * SHUTDOWN -> STOP      shutdownNow()
 * </pre>
 * Termination is the backing executor's (all its threads exited) plus the timer's.
 *
 * <p><b>Submit.</b> (1) null checks; (2) state check; (3) admission per policy; (4) count it,
 * add to inFlight, then re-check the state, so a concurrent shutdownNow either sees the task in
 * inFlight and cancels it, or the submitter sees the shutdown and backs out; (5) schedule the
 * deadline; (6) hand to the backing executor. If the re-check fails or the backing executor rejects
 * (a shutdown raced with step 4), {@code backOut} settles who owns the task with one CAS: the
 * submitter (the task is uncounted and the caller gets {@link PoolClosedException}) or
 * shutdownNow (the task was accepted, and cancelled). A task is either accepted and ends in one
 * terminal state, or the caller is told it was not accepted; never both.
 *
 * <p><b>Shutdown correctness.</b> Blocked submitters wait in {@code permits}; shutdown closes it,
 * which wakes each of them for good, and each is rejected. shutdownNow cancels every pending
 * task first (they are returned as never run), then interrupts running ones, then drains the
 * backing queue; a drained task is already cancelled and just records its exit.
 *
 * <p><b>References.</b> JDK {@code ThreadPoolExecutor} (run state, interrupt discipline),
 * {@code FutureTask} (cancel/interrupt race), JEP 444 (semaphores, not pools, to bound virtual
 * threads).
 *
 * <p>Public for the builders (io.gearbox), the process and auto engines, and gearbox-cluster's
 * engine (class path); not exported.
 */
public final class ExecutorPool implements Pool {

  private static final AtomicInteger POOL_SEQUENCE = new AtomicInteger();
  private static final int RUNNING = 0;
  private static final int SHUTDOWN = 1;
  private static final int STOP = 2;
  /** Tally stripes for threads without their own: a power of two, 4 per core, 8 to 64. */
  private static final int STRIPES = Math.min(64,
      Integer.highestOneBit(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()) - 1) << 1);
  private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(WorkerTally[].class);

  private final PoolConfig config;
  /** The auto pool's router; null for the fixed kinds. */
  private final Routing routing;
  private final String name;
  private final ExecutorService backing;
  private final Admission permits;
  private final InFlightSet inFlight = new InFlightSet();
  private final AtomicLong taskIds = new AtomicLong();
  /**
   * Admitted tasks with a deadline not yet in a terminal state: exact, unlike LongAdder sums. The
   * timer matters only to them, and tasks without deadlines never touch this counter.
   */
  private final AtomicLong timedUndone = new AtomicLong();
  private final AtomicInteger runState = new AtomicInteger(RUNNING);
  private final Object timerLock = new Object();
  private volatile ScheduledThreadPoolExecutor timer;

  /**
   * Admitted tasks that backed out (a shutdown raced with their admission). Every task made by
   * {@code newRun} takes an id and is counted, so submitted = ids issued - backed out: one atomic
   * update less per submit than a counter of its own.
   */
  private final LongAdder backedOut = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  /** Tasks cancelled or timed out before they started; with started, gives the gauges. */
  private final LongAdder endedWhilePending = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  /**
   * Every tally of this pool, summed by stats() and Admission: one per pool thread ever made
   * (threads and cpu pools), and the stripes of {@link #stripeOfThisThread()} made so far.
   */
  private final List<WorkerTally> tallies = new CopyOnWriteArrayList<>();
  private final WorkerTally[] stripes = new WorkerTally[STRIPES];

  /**
   * Creates and starts a pool; threads start on demand.
   *
   * @param config a validated configuration
   */
  public ExecutorPool(PoolConfig config) {
    this(config, null);
  }

  /**
   * Creates and starts a pool whose tasks are placed by a router (the auto pool): {@code routing}
   * supplies the backing executor, tags each admitted task with its route, and may adapt its body.
   *
   * @param config a validated configuration; its name must be set when routing is given, since
   *     the router named its threads after it
   * @param routing the router, or null for a pool of a fixed kind
   */
  public ExecutorPool(PoolConfig config, Routing routing) {
    this.config = Objects.requireNonNull(config);
    this.routing = routing;
    if (config.kind() == PoolKind.AUTO && (routing == null || config.name() == null)) {
      throw new IllegalArgumentException("an auto pool needs its router and its name");
    }
    this.name = config.name() != null
        ? config.name()
        : config.kind().label() + "-" + POOL_SEQUENCE.incrementAndGet();
    this.permits = new Admission(config.maxInFlight(), tallies);
    String prefix = "gearbox-" + name + "-";
    this.backing = switch (config.kind()) {
      // One name shared by all of the pool's virtual threads, not prefix + a number: a thread per
      // task made a name string per task (~70 B and a concatenation each, 9% of a tiny task's
      // samples); a thread dump tells them apart by thread id, and the pool by the name.
      case VIRTUAL -> Executors.newThreadPerTaskExecutor(
          Thread.ofVirtual().name(prefix + "virtual").factory());
      case AUTO -> routing.backing();
      case THREADS, CPU, PROCESSES -> new ThreadPoolExecutor(
          config.threads(), config.threads(), 0L, TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(), poolThreads(prefix));
    };
  }

  /**
   * Platform threads named {@code prefix1, prefix2, ...} (as {@code Thread.ofPlatform()
   * .name(prefix, 1)} names them), each with its own {@link WorkerTally}.
   */
  private ThreadFactory poolThreads(String prefix) {
    AtomicInteger sequence = new AtomicInteger();
    return work -> {
      WorkerTally tally = new WorkerTally();
      PoolThread thread = new PoolThread(this, tally, work, prefix + sequence.incrementAndGet());
      tallies.add(tally);
      return thread;
    };
  }

  // ---------------------------------------------------------------- identity

  @Override
  public String name() {
    return name;
  }

  @Override
  public PoolKind kind() {
    return config.kind();
  }

  @Override
  public int parallelism() {
    return config.kind() == PoolKind.VIRTUAL || config.kind() == PoolKind.AUTO
        ? -1 : config.threads();
  }

  @Override
  public int defaultMapWindow() {
    int wanted = config.kind() == PoolKind.VIRTUAL || config.kind() == PoolKind.AUTO
        ? 1024 : 2 * config.threads();
    return Math.max(1, Math.min(wanted, config.maxInFlight()));
  }

  /** The object submitted for a handle of an ExecutorPool (for pools that wrap tasks), or null. */
  public static Object sourceOf(TaskHandle<?> handle) {
    return handle instanceof TaskRun<?> run ? run.source() : null;
  }

  Saturation saturationPolicy() {
    return config.saturation();
  }

  boolean measuresCpu() {
    return config.measureCpuTime() && config.kind() != PoolKind.VIRTUAL;
  }

  // ---------------------------------------------------------------- submit

  @Override
  public <T> TaskHandle<T> submit(Callable<T> task) {
    return submit(task, TaskOptions.defaults());
  }

  @Override
  public <T> TaskHandle<T> submit(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    return admit(task, options, task, config.saturation());
  }

  /**
   * Admits one task (steps 1 to 6 of the overview).
   *
   * @param source what the user submitted, returned by the ExecutorService view's shutdownNow
   * @param policy the saturation policy for this submit
   */
  <T> TaskRun<T> admit(Callable<T> task, TaskOptions options, Object source, Saturation policy) {
    return admit(task, options, source, policy, source != null ? source : task);
  }

  /**
   * Admits one task whose route key (auto pool) comes from {@code keySource}: what the user
   * wrote, e.g. the function a map applies, not the pool's wrapper around it.
   */
  <T> TaskRun<T> admit(Callable<T> task, TaskOptions options, Object source, Saturation policy,
      Object keySource) {
    Object tag = null;
    if (routing != null) {
      tag = routing.tag(keySource, options); // may refuse (isolation unavailable): nothing counted yet
      task = routing.adapt(task, options, tag);
    }
    if (runState.get() != RUNNING) {
      rejected.increment();
      throw closed();
    }
    boolean permitted = permits.tryAcquire();
    if (!permitted) {
      switch (policy) {
        case REJECT -> {
          rejected.increment();
          throw new PoolSaturatedException("pool '" + name + "' is full: " + config.maxInFlight()
              + " tasks in flight (maxInFlight) and its saturation policy is REJECT");
        }
        case CALLER_RUNS -> {
          // Runs here and now, holding no permit, but tracked in inFlight like any task so that
          // shutdownNow, close and stats see it. Its deadline still applies: the timer
          // interrupts the caller, and run() clears that interrupt before returning.
          return runOnThisThread(newRun(task, options, source, false, tag), options);
        }
        case BLOCK -> {
          try {
            if (!permits.acquire()) { // woken by shutdown
              rejected.increment();
              throw closed();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rejected.increment();
            throw new PoolSaturatedException("interrupted while waiting for room in pool '" + name
                + "' (" + config.maxInFlight() + " tasks in flight)");
          }
        }
      }
    }
    TaskRun<T> run = newRun(task, options, source, true, tag);
    count(run);
    if (runState.get() != RUNNING) {
      return backOut(run);
    }
    try {
      scheduleDeadline(run, options); // the timer stops once shut down with no deadline pending
      backing.execute(run);
    } catch (RejectedExecutionException e) {
      return backOut(run); // a shutdown raced with admission
    }
    return run;
  }

  /** Makes an admitted task (counted by its id, see {@code backedOut}) visible in inFlight: from
   * then on shutdownNow may cancel it. */
  private void count(TaskRun<?> run) {
    inFlight.add(run);
  }

  /**
   * A shutdown raced with the admission of a task that is in inFlight but was never handed to the
   * backing executor. If this thread cancels it first, the task was not accepted: it is uncounted
   * and the caller gets {@link PoolClosedException}. If shutdownNow (or the deadline) ended it
   * first, shutdownNow may already have returned it as a task that never ran, so it was accepted:
   * the caller gets its handle, already terminal. Either way the task is counted once, and
   * shutdownNow never reports a task whose submitter was told it was refused.
   */
  private <T> TaskRun<T> backOut(TaskRun<T> run) {
    if (run.cancelIfPending()) {
      backedOut.increment();
      cancelled.decrement(); // counted by the PENDING -> CANCELLED transition just made
      endedWhilePending.decrement();
      rejected.increment();
      throw closed(); // cancelIfPending has already recorded its exit
    }
    return run; // ended while pending by shutdownNow or its deadline, which recorded its exit
  }

  private void scheduleDeadline(TaskRun<?> run, TaskOptions options) {
    options.timeout().ifPresent(t -> run.setDeadline(timer().schedule(
        run::deadlinePassed, Durations.saturatedNanos(t), TimeUnit.NANOSECONDS)));
  }

  private <T> TaskRun<T> newRun(
      Callable<T> task, TaskOptions options, Object source, boolean holdsPermit, Object tag) {
    if (options.timeout().isPresent()) {
      timedUndone.incrementAndGet(); // every run made here is counted and reaches a terminal state
    }
    return new TaskRun<>(
        this,
        taskIds.incrementAndGet(),
        options.name().orElse(null),
        task,
        source,
        config.captureSubmitSite() ? SubmitSites.capture() : null,
        options.timeout().orElse(null),
        holdsPermit,
        tag);
  }

  private PoolClosedException closed() {
    return new PoolClosedException("pool '" + name + "' is shut down; the task was not accepted");
  }

  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      synchronized (timerLock) {
        t = timer;
        if (t == null) {
          ThreadFactory factory = Thread.ofPlatform().daemon(true).name("gearbox-" + name + "-timer").factory();
          t = new ScheduledThreadPoolExecutor(1, factory);
          t.setRemoveOnCancelPolicy(true);
          timer = t;
        }
      }
    }
    return t;
  }

  @Override
  public <T> T invoke(Callable<T> task) {
    return awaitInvoked(submit(task));
  }

  /**
   * Admits a task and runs it on the calling thread now, if a permit is free: for an engine whose
   * caller waits for the task anyway (the process pool's {@code invoke} drives its own round trip,
   * saving the hand-off to a pool thread and the wake-up back). The task holds its permit and has
   * its counters, deadline and cancellation as any task (both interrupt this thread, and run()
   * clears the pool's interrupt before it returns). No pool thread is involved, so the pool's
   * termination does not wait for it: the engine that calls this waits for its callers itself.
   * Not for a routed (auto) pool: the task is run as given.
   *
   * @return the task's handle, done (or, if cancel or the deadline ended it, its code exited) when
   *     this returns; null if no permit was free now (nothing was admitted: submit instead)
   * @throws PoolClosedException if the pool is shut down
   */
  public <T> TaskHandle<T> runHere(Callable<T> task, TaskOptions options, Object source) {
    if (runState.get() != RUNNING) {
      rejected.increment();
      throw closed();
    }
    if (!permits.tryAcquire()) {
      return null;
    }
    return runOnThisThread(newRun(task, options, source, true, null), options);
  }

  /**
   * Runs an admitted task on the calling thread (CALLER_RUNS, {@link #runHere}): counted and in
   * inFlight like any task, then the state re-checked (a concurrent shutdownNow either sees it or
   * it backs out), its deadline scheduled, and run.
   */
  private <T> TaskRun<T> runOnThisThread(TaskRun<T> run, TaskOptions options) {
    count(run);
    if (runState.get() != RUNNING) {
      return backOut(run);
    }
    try {
      scheduleDeadline(run, options);
    } catch (RejectedExecutionException e) {
      return backOut(run);
    }
    run.run();
    return run;
  }

  /**
   * Waits for a task submitted by {@code invoke}: its result, or its failure reported with the
   * submit site; if the caller is interrupted meanwhile, the task is cancelled and the interrupt
   * kept. Shared by every pool's {@code invoke}.
   */
  public static <T> T awaitInvoked(TaskHandle<T> handle) {
    try {
      handle.get();
    } catch (InterruptedException e) {
      handle.cancel(true);
      Thread.currentThread().interrupt();
      throw interruptedWaitFor(handle.id(), e);
    } catch (Exception ignored) {
      // reported by join() below, with the submit site
    }
    return handle.join();
  }

  /** What a wait for a task ({@code join}, {@code invoke}) throws when its thread is interrupted. */
  public static CompletionException interruptedWaitFor(long taskId, InterruptedException e) {
    return new CompletionException("interrupted while waiting for task #" + taskId, e);
  }

  // ---------------------------------------------------------------- task callbacks

  /** The runner of a task won PENDING -> RUNNING: counted on its thread's tally. */
  void onStarted(WorkerTally tally) {
    if (tally != null) {
      tally.add(WorkerTally.STARTED, 1);
      return;
    }
    WorkerTally stripe = stripeOfThisThread();
    synchronized (stripe.lock()) {
      stripe.add(WorkerTally.STARTED, 1);
    }
  }

  /**
   * The runner of a task won RUNNING -> SUCCEEDED or FAILED and is about to complete its handle:
   * counts it, records its times and gives its permit back, all on its thread's tally (one lock
   * section on a stripe for a thread without its own). The task's code has returned, so the
   * permit, held "until its code exits", is free; returning it before the handle completes also
   * means a thread that joined the task finds its permit back.
   *
   * @param tally the current thread's own counters if it is one of this pool's threads, else null
   */
  void onRunEnded(TaskRun<?> run, boolean succeeded, WorkerTally tally) {
    boolean permit = run.holdsPermit();
    if (tally != null) {
      tally.add(succeeded ? WorkerTally.SUCCEEDED : WorkerTally.FAILED, 1);
      ran(tally, run, permit);
    } else {
      WorkerTally stripe = stripeOfThisThread();
      synchronized (stripe.lock()) {
        stripe.add(succeeded ? WorkerTally.SUCCEEDED : WorkerTally.FAILED, 1);
        ran(stripe, run, permit);
      }
    }
    if (permit) {
      permits.returned();
    }
  }

  /**
   * Adds one run's times (and its returned permit) to a tally its caller may write; on the thread
   * that measured the run.
   */
  private static void ran(WorkerTally tally, TaskRun<?> run, boolean permit) {
    long wall = run.wallNanos();
    tally.ran(run.queuedNanos(), wall);
    long cpu = run.cpuNanos();
    if (cpu >= 0) {
      tally.add(WorkerTally.CPU_NANOS, cpu);
      tally.add(WorkerTally.CPU_TASKS, 1);
      tally.add(WorkerTally.CPU_WALL_NANOS, wall);
    }
    if (permit) {
      tally.add(WorkerTally.RETURNED, 1);
    }
  }

  /** A cancel, shutdownNow or deadline ended a task (rare: shared counters). */
  void onEndedEarly(TaskState from, TaskState to) {
    switch (to) {
      case CANCELLED -> cancelled.increment();
      case TIMED_OUT -> timedOut.increment();
      default -> throw new AssertionError(to);
    }
    if (from == TaskState.PENDING) {
      endedWhilePending.increment();
    }
  }

  /** A task with a deadline reached its terminal state. */
  void onTimedTaskEnded() {
    if (timedUndone.decrementAndGet() == 0 && runState.get() != RUNNING) {
      stopTimer();
    }
  }

  /**
   * A task's code has exited (or it will never run): it leaves inFlight and, unless its runner
   * already did in {@link #onRunEnded}, records its times and releases its permit.
   *
   * @param ran whether the code ran and was ended early (cancel, deadline): its times are recorded
   *     now, on the thread that measured them
   * @param tally the current thread's own counters if it is one of this pool's threads, else null
   * @param recorded whether {@link #onRunEnded} recorded the run and returned its permit
   */
  void onExit(TaskRun<?> run, boolean ran, WorkerTally tally, boolean recorded) {
    if (ran) {
      if (tally != null) {
        ran(tally, run, false);
      } else {
        WorkerTally stripe = stripeOfThisThread();
        synchronized (stripe.lock()) {
          ran(stripe, run, false);
        }
      }
    }
    if (inFlight.remove(run) && run.holdsPermit() && !recorded) {
      permits.release(tally);
    }
  }

  /**
   * The counters of threads without their own (virtual threads, callers, the auto pool's threads),
   * striped by thread id and written under the stripe's lock: a tiny virtual task made seven
   * {@link LongAdder} updates, and a LongAdder's cells are picked by a per-thread probe that every
   * new virtual thread starts at 0, so its first update on a contended adder also seeded the
   * probe (JFR: {@code LongAdder.add} was the largest frame of the virtual pool's tiny tasks).
   * Consecutive threads get consecutive ids, so threads running at once rarely share a stripe.
   */
  private WorkerTally stripeOfThisThread() {
    int i = (int) Thread.currentThread().threadId() & (stripes.length - 1);
    WorkerTally stripe = (WorkerTally) STRIPE.getAcquire(stripes, i);
    return stripe != null ? stripe : newStripe(i);
  }

  private WorkerTally newStripe(int i) {
    synchronized (stripes) {
      WorkerTally stripe = (WorkerTally) STRIPE.getAcquire(stripes, i);
      if (stripe == null) {
        stripe = new WorkerTally();
        tallies.add(stripe); // before it is published: stats() and Admission see every count
        STRIPE.setRelease(stripes, i, stripe);
      }
      return stripe;
    }
  }

  /** A task that ended while queued leaves the backing queue now (not during shutdownNow,
   * which drains the whole queue at once). */
  void removeFromQueue(TaskRun<?> run) {
    if (runState.get() == STOP) {
      return;
    }
    if (backing instanceof ThreadPoolExecutor tpe) {
      tpe.remove(run);
    } else if (routing != null) {
      routing.remove(run);
    }
  }

  /** Once shut down with no task left undone, no deadline can matter: stop the timer thread. */
  private void tryStopTimer() {
    if (timedUndone.get() == 0) {
      stopTimer();
    }
  }

  private void stopTimer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t != null && !t.isShutdown()) {
      t.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- map, scope, views

  @Override
  public <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs) {
    return map(fn, inputs, MapOptions.defaults());
  }

  @Override
  public <T, R> Stream<R> map(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return MapIterator.stream(this, fn, inputs, options, MapIterator.Mode.ORDERED);
  }

  @Override
  public <T, R> Stream<R> mapUnordered(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return MapIterator.stream(this, fn, inputs, options, MapIterator.Mode.UNORDERED);
  }

  @Override
  public <T, R> Stream<Outcome<R>> mapOutcomes(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return MapIterator.stream(this, fn, inputs, options, MapIterator.Mode.OUTCOMES);
  }

  @Override
  public TaskScope openScope() {
    if (runState.get() != RUNNING) {
      throw closed();
    }
    return new Scope(this);
  }

  @Override
  public ExecutorService asExecutorService() {
    return new PoolExecutorService(this);
  }

  @Override
  public PoolStats stats() {
    // Terminal counts first, then starts, then submits: a task moving meanwhile is over-counted
    // in a gauge for a moment, never made negative.
    // Pool threads' own tallies are summed along with the shared adders, in the same order.
    long succeededNow = tallied(WorkerTally.SUCCEEDED);
    long failedNow = tallied(WorkerTally.FAILED);
    long cancelledNow = cancelled.sum();
    long timedOutNow = timedOut.sum();
    long endedPendingNow = endedWhilePending.sum();
    long startedNow = tallied(WorkerTally.STARTED);
    long submittedNow = taskIds.get() - backedOut.sum();
    long endedRunning = succeededNow + failedNow + cancelledNow + timedOutNow - endedPendingNow;
    long running = Math.max(0, startedNow - endedRunning);
    long queued = Math.max(0, submittedNow - startedNow - endedPendingNow);
    List<StuckTask> stuck = new ArrayList<>();
    long now = System.nanoTime();
    for (TaskRun<?> run : inFlight.snapshot()) {
      // Only a task whose handle was ended early (cancel, deadline) while its code ran can be
      // stuck: a task that returned normally is done a moment before its runner is cleared, and
      // was listed here in that window.
      Thread thread = run.runner();
      if (run.isDone() && run.endedWhileRunning() && thread != null) {
        StackTraceElement[] stack = thread.getStackTrace();
        stuck.add(new StuckTask(
            run.id(),
            run.name(),
            run.status(),
            thread.getName(),
            Duration.ofNanos(Math.max(0, now - run.terminalNanos())),
            Arrays.asList(stack).subList(0, Math.min(stack.length, 8))));
      }
    }
    return new PoolStats(
        name,
        config.kind(),
        parallelism(),
        config.maxInFlight(),
        submittedNow,
        rejected.sum(),
        queued,
        running,
        succeededNow,
        failedNow,
        cancelledNow,
        timedOutNow,
        tallied(WorkerTally.QUEUED_NANOS),
        tallied(WorkerTally.WALL_NANOS),
        tallied(WorkerTally.CPU_NANOS),
        tallied(WorkerTally.CPU_TASKS),
        stuck,
        tallied(WorkerTally.CPU_WALL_NANOS),
        histogram(true),
        histogram(false));
  }

  /** One counter summed over this pool's threads' tallies. */
  private long tallied(int counter) {
    long sum = 0;
    for (WorkerTally t : tallies) {
      sum += t.get(counter);
    }
    return sum;
  }

  private TimeHistogram histogram(boolean queueWaits) {
    long[] counts = new long[TimeHistogram.BUCKETS];
    for (WorkerTally t : tallies) {
      if (queueWaits) {
        t.addQueueWaits(counts);
      } else {
        t.addRunTimes(counts);
      }
    }
    return TimeHistogram.of(counts);
  }

  // ---------------------------------------------------------------- shutdown

  @Override
  public void shutdown() {
    if (runState.compareAndSet(RUNNING, SHUTDOWN)) {
      permits.close();
      backing.shutdown();
      tryStopTimer();
    }
  }

  @Override
  public List<TaskHandle<?>> shutdownNow() {
    int previous = runState.getAndSet(STOP);
    if (previous == RUNNING) {
      permits.close();
    }
    List<TaskHandle<?>> neverRan = new ArrayList<>();
    List<TaskRun<?>> tracked = inFlight.snapshot();
    for (TaskRun<?> run : tracked) {
      if (run.cancelIfPending()) {
        neverRan.add(run);
      }
    }
    for (TaskRun<?> run : tracked) {
      run.cancel(true);
    }
    for (Runnable drained : backing.shutdownNow()) {
      if (drained instanceof TaskRun<?> run) {
        run.exit();
      }
    }
    tryStopTimer();
    return neverRan;
  }

  @Override
  public boolean isShutdown() {
    return runState.get() != RUNNING;
  }

  @Override
  public boolean isTerminated() {
    ScheduledThreadPoolExecutor t = timer;
    return backing.isTerminated() && (t == null || t.isTerminated());
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long nanos = Durations.saturatedNanos(timeout);
    long deadline = System.nanoTime() + nanos;
    if (!backing.awaitTermination(nanos, TimeUnit.NANOSECONDS)) {
      return false;
    }
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      return true;
    }
    tryStopTimer();
    return t.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    shutdown();
    boolean interrupted = false;
    while (!isTerminated()) {
      try {
        awaitTermination(Duration.ofDays(1));
      } catch (InterruptedException e) {
        if (!interrupted) {
          shutdownNow();
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean close(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    shutdown();
    try {
      if (awaitTermination(grace)) {
        return true;
      }
      shutdownNow();
      return awaitTermination(Gearbox.CLOSE_AFTER_CANCEL_WAIT);
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
      return isTerminated();
    }
  }

  @Override
  public String toString() {
    return "Pool[" + name + ", " + config.kind().label() + ", " + (isShutdown() ? "shut down" : "running") + "]";
  }
}
