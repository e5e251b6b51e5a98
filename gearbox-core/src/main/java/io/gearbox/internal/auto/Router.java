package io.gearbox.internal.auto;

import io.gearbox.AutoPool;
import io.gearbox.CarrierHog;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.Route;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskTimings;
import io.gearbox.internal.CpuClock;
import io.gearbox.internal.RoutedRun;
import io.gearbox.internal.Routing;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The auto pool's router: the backing executor of its {@link io.gearbox.internal.ExecutorPool}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Sides.</b> Three executors, whose threads are named after the pool:
 * <ul>
 *   <li>{@code cpu}: a {@link ThreadPoolExecutor} of platform threads over an unbounded queue
 *       (the pool's semaphore bounds it), sized from measurements; a fresh one that a burst is
 *       released to while probes of the key still compute leaves them their cores, starting one
 *       thread more as each ends ({@code lendCoresToProbes}). Its {@code afterExecute} feeds
 *       each run's measured CPU and run-queue time (the run measures itself through the one
 *       {@link CpuClock} sampler of every pool, sampled for tiny tasks) to the key's route and to
 *       the sizing average.
 *   <li>{@code virtual}: a thread-per-task executor of virtual threads. Each run is registered in
 *       {@code running} while its code runs, for the carrier-hog detector.
 *   <li>probes: platform threads that the JVM's auto pools share ({@link AutoThreads}: an
 *       idle one takes a probe at once, else a new one starts; named after the pool while they
 *       run its probe), as many at once as {@code probeSlots} permits ({@code PROBE_WIDTHS}
 *       probe widths), of which one key uses at most {@code probeWidth} (one per core) for its
 *       first probes at once. A run becomes a probe only if it gets a permit at once, so a probe
 *       never waits behind another (a permit is taken without an exception when none is free:
 *       thousands of submits per second in a burst). The run measures its CPU and run-queue time
 *       itself (the probe asks its thread's sampler to measure it); the probe adds the
 *       allocation counter.
 * </ul>
 *
 * <p><b>The first evidence.</b> A run of a key with no verdict and no evidence yet, while probes
 * of the key run, is held in the key's {@code waiters} (under its {@code waitLock}), not
 * dispatched: it goes where the first evidence points, so that a burst's runs queued behind its
 * probes follow it. Evidence is a measured probe that waited (one is enough) or two that
 * computed, or a probe that the watcher thread (looking every {@code WAIT_LOOK_NANOS} at the
 * probes of keys without evidence, from the moment they start) sees sleeping in the kernel (the
 * key waits: virtual threads), on one look if it sleeps in I/O (not a futex) having computed less
 * than half of its run so far, else for {@code WAIT_EVIDENCE_NANOS}, or running for the hog
 * threshold (the key computes: the CPU side). A probe asleep in class loading (a class's loading
 * or static initializer, a service lookup, or another thread's initialization of a class) is no
 * evidence: released then, a cold burst would load the same classes on virtual threads at once,
 * each pinning its carrier on JDK 25 (JEP 491), so its runs wait until the probe is through (see
 * {@code loadingClasses}; docs/design.md). When no probe of the key runs any more, the runs go
 * on too, where the probes measured so far point. (No spare probe thread is started for the
 * probe still missing after the release: its start on the submitting thread cost the burst more
 * than the missing probe's start on a carrier, 1.33x against 1.29x virtual's time; see
 * docs/benchmarks-journal.md.) Dispatching them happens under the key's wait lock, and shutdown
 * releases every key's waiters (to virtual threads) under that lock before it stops the sides,
 * so no accepted run is stranded; shutdownNow returns them.
 *
 * <p><b>Late binding.</b> A run sent to a virtual thread checks its key's route again when the
 * thread first gets a carrier, and moves to the CPU side if the key was judged CPU-bound
 * meanwhile; while a key still lacks probes, such a run becomes a probe if a probe thread is
 * free. A run queued on the CPU side whose key moved back goes to a virtual thread when a CPU
 * thread takes it ({@link CpuQueue}).
 *
 * <p>Tasks asking for isolation (or keys routed to PROCESSES) run, adapted, as a virtual thread that
 * submits them to the isolation pool and waits; a cancel interrupts the waiter, which cancels the
 * task there.
 *
 * <p><b>Detector.</b> One watcher loop per pool, on a platform daemon thread that the JVM's auto
 * pools share ({@link AutoThreads}, as the probes are), named {@code gearbox-<pool>-carrier-watch}
 * while it runs; started with the first run handed to the router (after that run's probe), it wakes
 * every quarter of the hog threshold and looks at each registered virtual thread: a thread seen
 * RUNNABLE on every wake for longer than the threshold, whose stack is not inside a park, is a
 * carrier hog. The same loop looks at new keys' probes (the first evidence, above). It returns
 * when the virtual side has terminated, after it shuts the isolation pool and the JFR pinning
 * stream down, and its thread is idle again, for the next pool.
 *
 * <p><b>Termination</b>: no task runs or waits any more. The CPU side and the virtual side have
 * terminated and no probe runs (probes are closed and the last probe run ended); the
 * detector loop and the isolation pool are waited for when there is an isolation pool or a
 * pinning stream to close. Otherwise the detector loop returns on its own a moment later, holding
 * no task (a fresh pool's close waited 1-6 ms for it to be scheduled, traced at load 4-8 on 2
 * cores, a tenth of a burst of 100 short fetches); the shared threads go back to idle.
 */
final class Router extends AbstractExecutorService implements Routing {

  // ---------------------------------------------------------------- constants

  /** Carrier-hog reports kept for {@link #carrierHogs()}; older ones are dropped. */
  private static final int MAX_HOG_REPORTS = 64;
  /** Frames of a hog's stack kept in its report. */
  private static final int STACK_FRAMES = 16;
  /** Looks in a row that must see a task running its own code before it counts as a hog. */
  private static final int HOG_LOOKS = 3;
  /** The detector looks this many times per hog threshold. */
  private static final int LOOKS_PER_THRESHOLD = 4;
  /** The detector's shortest interval between looks, 1 ms. */
  private static final long MIN_LOOK_INTERVAL_NANOS = 1_000_000;
  /** On an overloaded machine the threshold grows with load / cores, at most this many times. */
  private static final double MAX_LOAD_SCALING = 10.0;
  /** Frames that the detector reads to tell a parked (unmounted) virtual thread. */
  private static final int PARK_FRAMES = 8;
  /** CPU-side sizing is recomputed every this many measured runs... */
  private static final int SIZING_EVERY = 16;
  /** ...from a moving average of their waiting share with this weight per run. */
  private static final double SIZING_ALPHA = 0.05;
  /** The CPU side grows to at most this many threads per core (Goetz's formula, capped). */
  private static final int MAX_CPU_THREADS_PER_CORE = 4;
  /** Classes of Gearbox's own measuring of a run (see {@link #inOwnMeasuring}). */
  private static final String CPU_CLOCK = CpuClock.class.getName(); // and its nested classes
  private static final String MEASURE = Measure.class.getName();
  private static final String ROUTER = Router.class.getName();
  /** The waiting share used in sizing is capped so that cores / (1 - w) stays finite. */
  private static final double MIN_COMPUTE_SHARE = 0.25;
  /** First probes of one key that may run at once: at least this many (or one per core). */
  private static final int MIN_PROBE_WIDTH = 2;
  /** Probe threads in all, in probe widths: new keys met at once each get their probes. */
  private static final int PROBE_WIDTHS = 4;
  /**
   * How often the probes of a key whose runs wait are looked at, 0.25 ms (a parked wait: a timed
   * {@code Object.wait} rounds any part of a millisecond up to a whole one, and took 1.1-1.6 ms).
   */
  private static final long WAIT_LOOK_NANOS = 250_000;
  /**
   * The longest interval between looks at probes all seen running, 1 ms: a look costs the watcher
   * 20-40 us of CPU, and 4,000 looks a second took 3-6 ms of CPU from a burst's two computing
   * probes (one core's tenth), while a probe that begins to wait is seen at most 1 ms later.
   */
  private static final long MAX_LOOK_NANOS = 1_000_000;
  /**
   * A probe seen waiting in a futex (a wait of the JVM's own) on looks spanning this long, 0.5 ms
   * (three looks at least), with no GC pause ended meanwhile, is evidence that its key waits.
   */
  private static final long WAIT_EVIDENCE_NANOS = 500_000;
  /**
   * The next look at a probe asleep in I/O whose run has computed most of its time so far comes
   * after this, 50 us: its share falls while it sleeps (see {@code lookAtProbes}).
   */
  private static final long SOON_LOOK_NANOS = 50_000;
  /** CPU-side runs shorter than this, 50 us, do not read the GC pause clock around the next. */
  private static final long TINY_RUN_NANOS = 50_000;
  private static final java.lang.management.OperatingSystemMXBean OS =
      java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  private final AutoConfig config;
  private final String name;
  private final int cores = Runtime.getRuntime().availableProcessors();
  private final int maxCpuThreads = MAX_CPU_THREADS_PER_CORE * cores;
  private final Map<String, RouteState> routes = new ConcurrentHashMap<>();
  private final AtomicLong routeSeq = new AtomicLong();
  private final CpuSide cpu;
  /** {@code gearbox-<pool>-}: the start of every thread name of this pool. */
  private final String threadPrefix;
  private final Semaphore probeSlots;
  /** Set by shutdown: no probe starts any more. */
  private volatile boolean probesClosed;
  /** Probe runs handed to the probe threads and not yet ended; termination waits for none. */
  private final AtomicInteger probesRunning = new AtomicInteger();
  private final Object probesIdle = new Object();
  private final int probeWidth;
  /** Set by shutdown: runs no longer wait for evidence. */
  private volatile boolean closing;
  private final ExecutorService virtual;
  private final Map<Thread, Running> running = new ConcurrentHashMap<>();
  private final ArrayDeque<CarrierHog> hogs = new ArrayDeque<>(); // guarded by itself
  /** The thread running this pool's watcher loop, while it runs (to wake it). */
  private volatile Thread watcher;
  /** Counted down when the watcher loop has returned, its clean-up done. */
  private final CountDownLatch watcherEnded = new CountDownLatch(1);
  /**
   * Whether the watcher loop was handed to a shared thread: by the first run handed to the
   * router, after that run's probe (so the probe, on the burst's critical path, goes first), or
   * by shutdown.
   */
  private final AtomicBoolean watcherStarted = new AtomicBoolean();
  /** Keys whose first probes run without evidence yet: the watcher looks at their probes. */
  private final java.util.Set<RouteState> unjudged = ConcurrentHashMap.newKeySet();
  /** Set to make the watcher look again at once (a key to look at, or shutdown). */
  private volatile boolean watcherWoken;
  private final long thresholdNanos;
  private final Object isolationLock = new Object();
  private Pool isolationPool; // guarded by isolationLock
  private boolean isolationClosed; // guarded by isolationLock
  private final PinningWatch pinning;
  private final Object sizingLock = new Object();
  private double waitShare = Double.NaN; // guarded by sizingLock
  private long sizingSamples; // guarded by sizingLock
  /** Probe threads that a fresh CPU side left a core to while they compute (lendCoresToProbes). */
  private final java.util.Set<Thread> lentTo = new java.util.HashSet<>(); // guarded by sizingLock

  /** Creates the router; its detector thread starts with the first run (or shutdown). */
  public Router(AutoConfig config) {
    this.config = config;
    this.name = config.name();
    String prefix = "gearbox-" + name + "-";
    this.threadPrefix = prefix;
    int threads = config.cpuThreads() > 0 ? config.cpuThreads() : cores;
    this.cpu = new CpuSide(threads,
        CpuClock.poolThreads(Thread.ofPlatform().name(prefix + "cpu-", 1).factory()));
    this.probeWidth = Math.max(MIN_PROBE_WIDTH, cores);
    int probeThreads = PROBE_WIDTHS * probeWidth;
    this.probeSlots = new Semaphore(probeThreads);
    this.virtual = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name(prefix + "virtual-", 1).factory());
    this.thresholdNanos = config.hogThreshold().toNanos();
    this.pinning = config.watchPinning() ? PinningWatch.start(this, prefix + "virtual-") : null;
  }

  /** Hands the watcher loop to a shared thread, once. */
  private void startWatcher() {
    if (!watcherStarted.get() && watcherStarted.compareAndSet(false, true)) {
      AutoThreads.watch(threadPrefix, this::watch);
    }
  }

  int probeRuns() {
    return config.probeRuns();
  }

  // ---------------------------------------------------------------- Routing

  @Override
  public ExecutorService backing() {
    return this;
  }

  @Override
  public Object tag(Object keySource, TaskOptions options) {
    boolean isolated = options.isolated();
    String named = options.name().orElse(null);
    String classKey = RouteKeys.of(keySource); // the class, readable for lambdas
    // Names are capped (a name per URL would grow without bound); classes are bounded by the
    // code, so a task whose name finds the table full is grouped with its class.
    RouteState route = named != null ? lookupOrCreate(named, isolated, false) : null;
    if (route == null) {
      route = lookupOrCreate(classKey, isolated, true);
    }
    return route;
  }

  private RouteState lookupOrCreate(String key, boolean isolated, boolean always) {
    String full = isolated ? key + " [isolated]" : key;
    RouteState r = routes.get(full);
    if (r != null || (!always && routes.size() >= AutoPool.MAX_ROUTES)) {
      return r;
    }
    return routes.computeIfAbsent(full, k -> {
      PoolKind fixed = isolated ? PoolKind.PROCESSES : config.overrides().get(key);
      RouteState created = new RouteState(this, k, routeSeq.incrementAndGet(), fixed, isolated);
      if (fixed != null) {
        decided(created, null, fixed, Double.NaN, 0, "none (fixed route)", created.snapshot().reason());
      }
      return created;
    });
  }

  @Override
  public <T> Callable<T> adapt(Callable<T> task, TaskOptions options, Object tag) {
    if (((RouteState) tag).target() != PoolKind.PROCESSES) {
      return task;
    }
    return () -> {
      TaskHandle<T> handle = isolationPool().submit(task, options);
      try {
        return handle.get();
      } catch (InterruptedException e) {
        handle.cancel(true); // cancelled or timed out here: stop it there too
        throw e;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception x) {
          throw x;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw e;
      }
    };
  }

  private Pool isolationPool() {
    synchronized (isolationLock) {
      if (isolationPool == null) {
        if (isolationClosed) {
          throw new RejectedExecutionException("auto pool '" + name + "' is terminating");
        }
        isolationPool = config.isolation().get();
      }
      return isolationPool;
    }
  }

  @Override
  public void remove(Runnable queued) {
    cpu.remove(queued);
  }

  // ---------------------------------------------------------------- dispatch

  @Override
  public void execute(Runnable command) {
    try {
      route((RoutedRun) command);
    } finally {
      startWatcher(); // the hog scan, for runs on virtual threads
    }
  }

  private void route(RoutedRun run) {
    RouteState route = (RouteState) run.routeTag();
    RouteState.Side side = route.choose(config.probeRuns(), probeWidth, config.reprobeEvery());
    if (side == RouteState.Side.PROBE) {
      if (startProbe(run, route)) {
        return;
      }
      if (probesClosed) {
        probeEnded(route);
        throw new RejectedExecutionException("auto pool '" + name + "' is shut down");
      }
      probeEnded(route); // every probe thread is busy: wait with the others, or go to the route
      side = route.hasEvidence() ? route.side() : RouteState.Side.WAIT;
    }
    if (side == RouteState.Side.WAIT && holdForEvidence(run, route)) {
      return;
    }
    dispatch(run, route, side == RouteState.Side.WAIT ? route.side() : side);
  }

  /**
   * Runs the run as a probe if a probe permit is free at once: on an idle probe thread if one
   * waits, else on a new one ({@link AutoThreads}). False if no permit is free or probes are
   * closed (shut down).
   */
  private boolean startProbe(RoutedRun run, RouteState route) {
    if (!probeSlots.tryAcquire()) {
      return false;
    }
    // counted before the closed check, as shutdown sets the flag before termination reads the
    // count: either this sees the shutdown and backs out, or termination waits for this probe
    probesRunning.incrementAndGet();
    if (probesClosed) {
      probeSlots.release();
      probeRunEnded();
      return false;
    }
    AutoThreads.probe(threadPrefix, () -> probeRun(run, route)); // never refuses: no bound
    startWatcher();
    if (!route.hasEvidence() && unjudged.add(route)) {
      wakeWatcher(); // look at its probes from now on, before any run waits
    }
    return true;
  }

  private void dispatch(RoutedRun run, RouteState route, RouteState.Side side) {
    if (side == RouteState.Side.CPU) {
      cpu.execute(run);
    } else {
      virtual.execute(() -> virtualRun(run, route));
    }
  }

  // ---------------------------------------------------------------- the first evidence

  /**
   * Holds a run of a key without evidence while probes of the key run: it will go where their
   * first evidence points. False if it cannot wait (no probe runs, evidence came meanwhile, the
   * router is closing): the caller dispatches it.
   */
  private boolean holdForEvidence(RoutedRun run, RouteState route) {
    synchronized (route.waitLock) {
      if (closing || route.hasEvidence() || route.probesInFlight.get() == 0) {
        return false;
      }
      route.waiters.addLast(run);
    }
    return true;
  }

  /**
   * Sends the key's waiting runs on, if they may go: evidence came, no probe of the key runs any
   * more (a probe that failed to start or was cancelled brings none), or the router is closing
   * (to virtual threads, so that shutdown runs them). Under the key's wait lock, so a shutdown
   * that has released them cannot shut the sides down under a dispatch.
   */
  private void releaseWaiters(RouteState route) {
    synchronized (route.waitLock) {
      if (route.waiters.isEmpty()
          || !(closing || route.hasEvidence() || route.probesInFlight.get() == 0)) {
        return;
      }
      RouteState.Side side = closing ? RouteState.Side.VIRTUAL : route.side();
      if (side == RouteState.Side.CPU) {
        lendCoresToProbes(route);
      }
      for (RoutedRun r; (r = route.waiters.pollFirst()) != null; ) {
        try {
          dispatch(r, route, side);
        } catch (RejectedExecutionException shutDown) {
          r.run(); // not reached (shutdown releases waiters first); run rather than lose it
        }
      }
    }
  }

  /** A first probe of the key ended (or never started): its waiting runs may go on. */
  private void probeEnded(RouteState route) {
    route.probesInFlight.decrementAndGet();
    releaseWaiters(route);
  }

  /**
   * One look at the running first probes of a key that has no evidence yet (on the watcher
   * thread, every {@link #WAIT_LOOK_NANOS} while such keys exist): a probe the kernel sees
   * sleeping (not running, not runnable: blocked in I/O, a sleep, a lock) is evidence that the
   * key waits, and its runs go to virtual threads at once rather than after the probe's whole
   * run (a burst of fetches is not held up for one fetch). Asleep in I/O (its kernel wait
   * channel not a futex, its stack in a native method outside class loading) with its run's CPU
   * share so far under the CPU side's, one look is enough; asleep in a futex (a park, a lock, a
   * sleep, a GC safepoint: the JVM's own waits, which a computing task makes too), it must be
   * seen so on looks spanning {@link #WAIT_EVIDENCE_NANOS}. A probe that computes, even
   * descheduled on a crowded machine, is runnable; its key's runs wait for the probe's
   * measurement, or go to the CPU side once a probe has been
   * seen running for the hog threshold, as long as a virtual thread may compute before it is
   * called a carrier hog. False when the key needs no more looks.
   */
  private boolean lookAtProbes(RouteState route, CpuClock.ThreadStates states, Streaks streaks,
      long pause) {
    if (closing || route.hasEvidence() || route.probesInFlight.get() == 0) {
      releaseWaiters(route); // whatever ended the looks lets its waiting runs go
      return false;
    }
    long now = System.nanoTime();
    for (Map.Entry<Thread, CpuClock.KernelView> probeThread : route.probing.entrySet()) {
      Thread thread = probeThread.getKey();
      Boolean waiting = states.waiting(probeThread.getValue());
      if (waiting == null) { // no kernel view: the JVM's (sleep, park, lock; not socket I/O)
        Thread.State state = thread.getState();
        waiting = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
            || state == Thread.State.BLOCKED;
      }
      Map<Thread, Long> streak = waiting ? streaks.sleeping : streaks.running;
      (waiting ? streaks.running : streaks.sleeping).remove(thread);
      long since = streak.computeIfAbsent(thread, t -> now);
      if (!waiting) {
        streaks.stackRead.remove(thread);
      } else if (!streaks.stackRead.contains(thread)
          && Boolean.TRUE.equals(states.waitingOutsideFutex(probeThread.getValue()))) {
        double share = states.cpuShareOfRun(probeThread.getValue());
        if (share < Policy.CPU_SHARE_FOR_CPU) {
          streaks.stackRead.add(thread); // one stack per sleeping streak
          StackTraceElement[] stack = thread.getStackTrace();
          if (blockedInIo(stack)
              && Boolean.TRUE.equals(states.waitingOutsideFutex(probeThread.getValue()))) {
            // asleep in a socket, a poll, a pipe, outside class loading and Gearbox's own
            // measuring, having computed less than the CPU side's share of its run so far: its
            // key waits, with no need to see the sleep last (a computing task's brief waits
            // inside the JVM are futexes). The kernel is asked again after the stack was read:
            // a thread seen asleep elsewhere (a page fault) that had moved on into a native call
            // by the time its stack was read is not taken for one blocked in that call.
            route.seenWaiting("asleep in I/O in " + frame(stack[0]) + " after computing "
                + Math.round(share * 100) + "% of its run");
            releaseWaiters(route);
            return false;
          }
        } else if (!Double.isNaN(share) && since == now) {
          // asleep in I/O, having computed most of its run so far (a fetch's first sleep comes
          // right after it connected and sent): its share falls while it sleeps on, so look
          // again soon rather than a whole interval later; once per sleeping streak, so that a
          // task that computes between many brief socket waits does not keep the looks fast
          streaks.lookSoon = true;
        }
      }
      if (waiting && now - since >= WAIT_EVIDENCE_NANOS) {
        if (Measure.pauseNanos() != pause) {
          // a GC pause ended during this look: the probe may have been stopped in it, which the
          // kernel shows as sleeping; look again without this streak
          streaks.clear();
          return true;
        }
        StackTraceElement[] stack = thread.getStackTrace();
        if (stack.length == 0 || loadingClasses(thread, stack) || inOwnMeasuring(stack)) {
          // ended meanwhile, or asleep inside class loading or a class's initialization (or in
          // the probe's own measuring), not in the task's own wait: its runs stay held until the
          // probe is through (see loadingClasses); look again
          streaks.sleeping.remove(thread);
          streaks.stackRead.remove(thread);
          continue;
        }
        route.seenWaiting("asleep for " + (now - since) / 1_000 + " us, in " + frame(stack[0]));
        releaseWaiters(route);
        return false;
      }
      if (!waiting && now - since >= thresholdNanos) {
        // computing without a wait as long as a carrier hog would: the runs need not wait
        // for the end of a long probe (nor for one that spins on what they would provide)
        route.seenComputing("running for " + (now - since) / 1_000_000 + " ms");
        releaseWaiters(route);
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a probe that the kernel sees asleep is waiting in class loading rather than in its
   * task's own wait (one stack of the probe thread, read only when a sleeping streak would decide,
   * so at most once per {@link #WAIT_EVIDENCE_NANOS} per probe): a frame loading a class, running
   * a static initializer or looking up a service, or a thread the JVM calls RUNNABLE in Java code
   * (no native frame on top: not in I/O) while the kernel has it asleep, which is how a thread
   * waiting for another thread's class initialization looks. Releasing a burst's held runs to
   * virtual threads then would have them all load the same classes at once: on JDK 25 a virtual
   * thread blocked in class loading pins its carrier (JEP 491's remaining pinning cases), and a
   * cold bench JVM once deadlocked when every carrier pinned behind a class-loading monitor held
   * by an unmounted virtual thread. The runs wait for the probe to be through its class loading.
   */
  private static boolean loadingClasses(Thread probe, StackTraceElement[] stack) {
    if (!stack[0].isNativeMethod() && probe.getState() == Thread.State.RUNNABLE) {
      return true;
    }
    return inClassLoading(stack);
  }

  /**
   * Whether a probe that the kernel sees asleep outside a futex ({@link
   * CpuClock.ThreadStates#waitingOutsideFutex}) is blocked in I/O of its task's own: its stack (one
   * read, at the start of a sleeping streak) has a native method on top, so the thread is in a
   * system call now (a socket read, a poll), and no class loading below it ({@link
   * #loadingClasses}: a class read from a jar on a slow disk, or over a network, must not release
   * a cold burst).
   */
  static boolean blockedInIo(StackTraceElement[] stack) {
    return stack.length > 0 && stack[0].isNativeMethod() && !inClassLoading(stack)
        && !inOwnMeasuring(stack);
  }

  /**
   * Whether the stack, above the probe's own frame ({@link #probeRun}), is in Gearbox's own
   * measuring of the run ({@link CpuClock}'s schedstat reads, {@link Measure}'s counters): a probe
   * is in {@code probing} from just before its run's clocks are read, and a wait there is not the
   * task's. (Below the probe's frame, the probe thread's own start is in CpuClock.)
   */
  static boolean inOwnMeasuring(StackTraceElement[] stack) {
    for (StackTraceElement frame : stack) {
      String c = frame.getClassName();
      if (c.equals(ROUTER)) {
        return false;
      }
      if (c.startsWith(CPU_CLOCK) || c.equals(MEASURE)) {
        return true;
      }
    }
    return false;
  }

  /** A stack frame as a route's reason names it: the class's simple name and the method. */
  private static String frame(StackTraceElement frame) {
    String c = frame.getClassName();
    return c.substring(c.lastIndexOf('.') + 1) + "." + frame.getMethodName();
  }

  /** Whether a frame of the stack loads a class, initializes one or looks up a service. */
  private static boolean inClassLoading(StackTraceElement[] stack) {
    for (StackTraceElement frame : stack) {
      String c = frame.getClassName();
      String m = frame.getMethodName();
      if (m.equals("<clinit>") || m.startsWith("loadClass") && c.endsWith("ClassLoader")
          || c.equals("java.util.ServiceLoader")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs one probe: the run measures its own CPU and run-queue time (the thread's sampler is told
   * to measure it, tiny or not); the probe adds its allocation and the JVM's GC pauses during it.
   * A probe that a pause spoiled (see {@link RouteState#record(long, long, long, long, long,
   * String)}) is not measured: its permit and its place in flight go to the key's next waiting
   * run, which becomes a probe on this thread, so the waiting runs keep waiting for evidence
   * rather than go on without it (one G1 pause stops both of a burst's concurrent probes). A
   * measured probe that brought no evidence yet (a first computing probe: two are needed) hands
   * them on the same way while the key still needs more probes than are in flight: its core
   * would otherwise idle until the other probe ends, with the burst's runs held (probes that ran
   * 32 and 42 ms left a core idle 9 ms of a 140 ms burst of eight 30 ms tasks).
   */
  private void probeRun(RoutedRun first, RouteState route) {
    Thread me = Thread.currentThread();
    RoutedRun run = first;
    try {
      while (run != null) {
        CpuClock.sampler().measureNextRun();
        CpuClock.KernelView view = CpuClock.kernelView();
        view.runStarts();
        route.probing.put(me, view);
        long alloc0 = Measure.allocatedBytes();
        long pause0 = Measure.pauseNanos();
        boolean spoiled = false;
        try {
          run.run();
        } finally {
          long pause1 = Measure.pauseNanos();
          long alloc1 = Measure.allocatedBytes();
          route.probing.remove(me);
          route.runs.increment();
          TaskTimings t = run.timings();
          if (t.wallNanos() > 0 && t.cpuMeasured()) { // it ran, and was measured
            spoiled = !route.record(t.cpuNanos(), t.wallNanos(), run.runQueueNanos(),
                pause0 >= 0 && pause1 >= 0 ? pause1 - pause0 : -1,
                alloc0 >= 0 && alloc1 >= 0 ? alloc1 - alloc0 : -1, RouteState.methodProbe());
          }
        }
        run = spoiled || route.probesWanted(config.probeRuns()) > route.probesInFlight.get() - 1
            ? nextWaiter(route) : null;
      }
    } finally {
      probeSlots.release();
      returnCoreFromProbe(me); // before its own end may release the burst and lend cores
      probeEnded(route);
      probeRunEnded();
    }
  }

  /** A probe run handed to the probe side has ended (or was refused). */
  private void probeRunEnded() {
    if (probesRunning.decrementAndGet() == 0 && probesClosed) {
      synchronized (probesIdle) {
        probesIdle.notifyAll();
      }
    }
  }

  /**
   * Closes probes (shutdown) and wakes the waiters of {@link #awaitProbesDone}. The last probe may
   * have ended before (then {@link #probeRunEnded} saw probes open and woke no one), while another
   * thread already waited: an {@code awaitTermination} racing a {@code shutdownNow} on another
   * thread, whose CPU side had terminated at once.
   */
  private void closeProbes() {
    probesClosed = true;
    synchronized (probesIdle) {
      probesIdle.notifyAll();
    }
  }

  /** Whether probes are closed (shut down) and no probe runs. */
  private boolean probesDone() {
    return probesClosed && probesRunning.get() == 0;
  }

  /** Waits until {@link #probesDone()}, or the deadline (System.nanoTime); false on timeout. */
  private boolean awaitProbesDone(long deadline) throws InterruptedException {
    synchronized (probesIdle) {
      while (!probesDone()) {
        long left = remaining(deadline);
        if (left == 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(probesIdle, left);
      }
    }
    return true;
  }

  /**
   * Whether the watcher loop's end must be waited for: it closes the isolation pool and the
   * pinning stream when the virtual side has ended. Without either, it returns on its own a
   * moment after the virtual side, holding no task.
   */
  private boolean watcherCleansUp() {
    return pinning != null || isolationIfAny() != null;
  }

  /** The key's next waiting run, to replace a spoiled probe, or null (none, or evidence came). */
  private RoutedRun nextWaiter(RouteState route) {
    synchronized (route.waitLock) {
      return closing || route.hasEvidence() ? null : route.waiters.pollFirst();
    }
  }

  private void virtualRun(RoutedRun run, RouteState route) {
    if (route.takeFirstProbe(config.probeRuns(), probeWidth)) {
      // Late binding too: still no verdict and a probe is missing (a burst found every probe
      // thread busy and came here): be that probe if a probe thread is free now.
      if (startProbe(run, route)) {
        return;
      }
      probeEnded(route);
    }
    if (route.fixed == null && route.target() == PoolKind.CPU) {
      // Late binding: the key was judged CPU-bound while this thread waited for a carrier (a
      // burst submitted before the verdict all comes here). Move the run to the CPU side rather
      // than hold a carrier with it; if that side is shut down already, run it here.
      try {
        cpu.execute(run);
        return;
      } catch (RejectedExecutionException shutDown) {
        // fall through
      }
    }
    Thread me = Thread.currentThread();
    running.put(me, new Running(run, route, System.nanoTime()));
    try {
      run.run();
    } finally {
      running.remove(me);
      route.runs.increment();
      if (pinning != null) {
        pinning.finished(me, route.key, run.name());
      }
    }
  }

  /**
   * A run on the CPU side finished (called on its thread): its measurement, when its thread's
   * sampler measured it (every run, or one per millisecond of a thread while runs are tiny), feeds
   * the key's route and the sizing average, less the GC pauses since {@code pause0} (-1: not read).
   */
  private void cpuRan(RoutedRun run, long pause0) {
    RouteState route = (RouteState) run.routeTag();
    route.runs.increment();
    TaskTimings t = run.timings();
    if (t.cpuMeasured() && t.wallNanos() > 0) {
      long runQueue = run.runQueueNanos();
      long pause = pause0 >= 0 ? Measure.pauseNanos() - pause0 : -1;
      if (route.record(t.cpuNanos(), t.wallNanos(), runQueue, pause, -1,
          RouteState.methodCpuSide())) {
        sizingSample(t.cpuNanos(),
            Math.max(t.cpuNanos(), t.wallNanos() - runQueue - Math.max(0, pause)));
      }
    }
  }

  // ---------------------------------------------------------------- sizing

  /**
   * A burst's first release to a CPU side that has started no thread yet, while probes of the key
   * still compute (a probe that took a held run after its own, or the widths of a many-core
   * machine: the threads in its {@code probing}): the CPU side starts that many threads fewer (at
   * least one), and gets one back as each of those probes ends ({@link #returnCoreFromProbe}).
   * Both under the sizing lock, and a probe leaves {@code probing} before it returns its core: a
   * probe is either seen here and gives its core back later, or has left and is not counted.
   * With all its threads at once, the probes and the CPU side computed on more threads than
   * cores: on 2 cores, 8 runs of 30 ms went 3 to the CPU side's first thread, 2 to its second and
   * 1 to the probe, so the last ran alone on one core for a whole run (150 ms against the CPU
   * pool's 134; docs/benchmarks-journal.md).
   */
  private void lendCoresToProbes(RouteState route) {
    // (A probe whose code still runs after evidence that the key computes is taken to compute
    // too; if it waits instead, the CPU side has its thread back when it ends.)
    synchronized (sizingLock) {
      if (!lentTo.isEmpty() || cpu.getPoolSize() > 0 || cpu.isShutdown()) {
        return; // not a fresh CPU side (shrinking a working one would end threads and restart them)
      }
      if (lentTo.addAll(route.probing.keySet())) { // false: no probe of the key computes any more
        applySize(cpu.getMaximumPoolSize());
      }
    }
  }

  /**
   * A probe on {@code thread} ended: if a core was lent to it, the CPU side gets it back (and
   * starts a thread for its queued runs).
   */
  private void returnCoreFromProbe(Thread thread) {
    synchronized (sizingLock) { // uncontended: probes are a key's first runs and its re-probes
      if (lentTo.remove(thread) && !cpu.isShutdown()) {
        applySize(cpu.getMaximumPoolSize());
      }
    }
  }

  /**
   * Sets the CPU side to {@code wanted} threads, less the cores lent to computing probes (its core
   * size; the maximum stays {@code wanted}, which {@link #cpuThreads()} reports). Under the sizing
   * lock.
   */
  private void applySize(int wanted) {
    int core = Math.max(1, wanted - lentTo.size());
    if (wanted >= cpu.getMaximumPoolSize()) {
      cpu.setMaximumPoolSize(wanted);
      cpu.setCorePoolSize(core);
    } else {
      cpu.setCorePoolSize(core);
      cpu.setMaximumPoolSize(wanted);
    }
  }

  /**
   * Goetz's sizing, {@code threads = cores * (1 + wait / compute)}, from a moving average of the
   * waiting share {@code w} of CPU-side runs: {@code cores / (1 - w)}, between the cores and four
   * times the cores.
   */
  private void sizingSample(long cpuNanos, long wallNanos) {
    if (config.cpuThreads() > 0) {
      return;
    }
    synchronized (sizingLock) {
      double w = 1.0 - Policy.share(cpuNanos, wallNanos);
      waitShare = Double.isNaN(waitShare) ? w : waitShare + SIZING_ALPHA * (w - waitShare);
      if (++sizingSamples % SIZING_EVERY != 0 || cpu.isShutdown()) {
        return;
      }
      int wanted = (int) Math.round(cores / Math.max(MIN_COMPUTE_SHARE, 1.0 - waitShare));
      wanted = Math.max(cores, Math.min(maxCpuThreads, wanted));
      if (wanted != cpu.getMaximumPoolSize()) {
        applySize(wanted);
      }
    }
  }

  /** The CPU side's thread count. */
  public int cpuThreads() {
    return cpu.getMaximumPoolSize();
  }

  // ---------------------------------------------------------------- decisions and reports

  /**
   * A route's verdict, or its move (from is null for the first verdict): a {@link
   * RouteDecisionEvent} when JFR records it. The reason is a message, or null to word the numbers
   * (only for a recorded event: formatting costs a fresh pool's burst CPU it needs).
   */
  void decided(RouteState route, PoolKind from, PoolKind to, double share, long measured,
      String method, String reason) {
    RouteDecisionEvent event = new RouteDecisionEvent();
    if (event.isEnabled()) {
      event.pool = name;
      event.key = route.key;
      event.target = to.label();
      event.previous = from == null ? "" : from.label();
      event.cpuShare = share;
      event.measuredRuns = measured;
      event.method = method;
      event.reason = reason != null ? reason : Policy.evidence(share, measured, to);
      event.commit();
    }
  }

  /** The current routes, in the order their keys were first seen. */
  public List<Route> routes() {
    return routes.values().stream()
        .sorted(Comparator.comparingLong(r -> r.seq))
        .map(RouteState::snapshot)
        .toList();
  }

  /** The route of one key, or null. */
  public Route route(String key) {
    RouteState r = routes.get(key);
    return r == null ? null : r.snapshot();
  }

  /** The reports so far, oldest first. */
  public List<CarrierHog> carrierHogs() {
    synchronized (hogs) {
      return List.copyOf(hogs);
    }
  }

  void report(CarrierHog hog) {
    synchronized (hogs) {
      if (hogs.size() == MAX_HOG_REPORTS) {
        hogs.removeFirst();
      }
      hogs.addLast(hog);
    }
    CarrierHogEvent event = new CarrierHogEvent();
    if (event.isEnabled()) {
      event.pool = name;
      event.key = hog.key();
      event.task = hog.task();
      event.thread = hog.thread();
      event.held = hog.held().toNanos();
      event.pinned = hog.pinned();
      event.topFrame = hog.stack().isEmpty() ? "" : hog.stack().getFirst().toString();
      event.commit();
    }
    if (config.hogListener() != null) {
      try {
        config.hogListener().accept(hog);
      } catch (RuntimeException ignored) {
        // documented: a listener's exception is ignored
      }
    }
  }

  // ---------------------------------------------------------------- carrier-hog detector

  /** A task whose code runs on a virtual thread of this pool. */
  private static final class Running {
    final RoutedRun run;
    final RouteState route;
    final long started;
    // read and written by the watcher only
    /** When the thread was last seen not runnable (or started). */
    long lastParked;
    /** Whether the previous look saw it runnable. */
    boolean seenRunnable;
    /** Looks in a row whose stack showed it running its own code (not parked, not queued). */
    int runningLooks;
    boolean reported;

    Running(RoutedRun run, RouteState route, long started) {
      this.run = run;
      this.route = route;
      this.started = started;
      this.lastParked = started;
    }
  }

  /**
   * What the watcher has seen of the probe threads across its looks (watcher thread only): since
   * when each has been seen asleep or running, whose stack was read in its current sleeping
   * streak, and whether a look asked for the next one soon. Cleared whenever no streak may span
   * the next look (a GC pause, no probes to look at).
   */
  private static final class Streaks {
    final Map<Thread, Long> sleeping = new java.util.HashMap<>();
    final Map<Thread, Long> running = new java.util.HashMap<>();
    final java.util.Set<Thread> stackRead = new java.util.HashSet<>();
    boolean lookSoon;

    void clear() {
      sleeping.clear();
      running.clear();
      stackRead.clear();
    }
  }

  /**
   * The watcher loop, on a shared thread: the carrier-hog scan every {@code interval}, and while
   * keys without evidence have first probes running, a look at those probes every
   * {@link #WAIT_LOOK_NANOS}. The probes are looked at from the moment they start, so a burst's
   * runs often find the evidence already there and are never held; this loop exists anyway (the
   * hog scan), on a platform thread, so a look costs one timed wake-up of a platform thread (a
   * virtual thread's sleep costs two: the timer's thread and a carrier, which a crowded machine
   * stretched from 0.5 ms to 5-30 ms). It parks between looks ({@code LockSupport.parkNanos}: a timed {@code Object.wait} waits whole milliseconds).
   * A GC pause stops a computing probe in a way the kernel shows as sleeping, so the streaks seen
   * so far are dropped whenever the JVM's pause time grew since the last look.
   */
  private void watch() {
    watcher = Thread.currentThread(); // before the first read of watcherWoken: no wake is lost
    long interval = Math.max(MIN_LOOK_INTERVAL_NANOS, thresholdNanos / LOOKS_PER_THRESHOLD);
    Streaks streaks = new Streaks();
    CpuClock.ThreadStates states = new CpuClock.ThreadStates(); // reads the probes' files
    long lastPause = Long.MIN_VALUE;
    long lookEvery = WAIT_LOOK_NANOS;
    try {
      long nextScan = System.nanoTime() + interval;
      while (true) {
        if (closing) { // runs no longer wait; termination comes when the virtual side ends
          if (virtual.awaitTermination(Math.max(0, nextScan - System.nanoTime()),
              TimeUnit.NANOSECONDS)) {
            break;
          }
        } else {
          boolean looking = false;
          long pause = 0;
          if (!unjudged.isEmpty()) {
            pause = Measure.pauseNanos();
            if (pause != lastPause) { // a pause since the last look: no streak spans it
              streaks.clear();
              lastPause = pause;
            }
          }
          for (RouteState route : unjudged) {
            if (lookAtProbes(route, states, streaks, pause)) {
              looking = true;
            } else {
              unjudged.remove(route);
            }
          }
          if (!looking) {
            streaks.clear();
          }
          // Probes all seen running (computing): look less often, up to MAX_LOOK_NANOS apart, so
          // that the looks do not take CPU from them; a probe seen asleep, or a new key, brings
          // the looks back to every WAIT_LOOK_NANOS.
          lookEvery = !looking || watcherWoken || !streaks.sleeping.isEmpty() ? WAIT_LOOK_NANOS
              : Math.min(MAX_LOOK_NANOS, 2 * lookEvery);
          long now = System.nanoTime();
          long wait = looking
              ? Math.min(streaks.lookSoon ? SOON_LOOK_NANOS : lookEvery, nextScan - now)
              : nextScan - now;
          streaks.lookSoon = false;
          if (!watcherWoken && !closing && wait > 0) {
            LockSupport.parkNanos(this, wait);
            if (Thread.interrupted()) {
              throw new InterruptedException(); // as a timed wait would: end the watch
            }
          }
          watcherWoken = false;
        }
        if (System.nanoTime() - nextScan >= 0) {
          scan();
          nextScan = System.nanoTime() + interval;
        }
      }
    } catch (InterruptedException e) {
      // nothing interrupts a shared thread on purpose (a cancel interrupts a task's runner only
      // while the task runs); end the watch with its clean-up (the executor clears the flag)
    } finally {
      watcher = null; // a wake from now on finds no thread (a late one is a spurious wake-up)
      try {
        closeIsolation(false);
        if (pinning != null) {
          pinning.close();
        }
      } finally {
        watcherEnded.countDown();
      }
    }
  }

  /** Wakes the watcher loop: a key to look at, or shutdown. */
  private void wakeWatcher() {
    watcherWoken = true;
    Thread t = watcher; // null before the loop runs (it reads the flag first) and after it
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /**
   * One look at the running virtual tasks. Cheap by construction: a task younger than the
   * threshold cannot be a hog yet and is skipped without a look; an older one costs one
   * {@link Thread#getState()}; a stack is taken only from a thread seen runnable on two looks in a
   * row for longer than the threshold, and at most {@code 2 * cores + 2} stacks per look (a burst
   * of thousands of threads woken at once, all runnable and waiting for a carrier, must not turn
   * the detector into the hog). Times are read per thread, so a slow look cannot stretch one.
   */
  private void scan() {
    int stackBudget = 2 * cores + 2;
    // On an overloaded machine the OS deschedules carrier threads for long stretches: a task
    // mounted on one looks as if it held its carrier, without computing. Scale the threshold by
    // the load beyond the cores (a 1-minute average: slow to rise, so it errs towards reports).
    long threshold = -1; // read from the load average once a task is old enough to matter
    for (Map.Entry<Thread, Running> entry : running.entrySet()) {
      Running r = entry.getValue();
      long now = System.nanoTime();
      if (r.reported || now - r.started < thresholdNanos) {
        continue;
      }
      if (threshold < 0) {
        double load = OS.getSystemLoadAverage();
        threshold = load > cores
            ? (long) (thresholdNanos * Math.min(MAX_LOAD_SCALING, load / cores)) : thresholdNanos;
      }
      if (now - r.started < threshold) {
        continue;
      }
      Thread thread = entry.getKey();
      if (thread.getState() != Thread.State.RUNNABLE) {
        r.lastParked = now;
        r.seenRunnable = false;
        r.runningLooks = 0;
        continue;
      }
      boolean twice = r.seenRunnable;
      r.seenRunnable = true;
      long held = now - r.lastParked;
      if (!twice || held < threshold || stackBudget == 0) {
        continue;
      }
      stackBudget--;
      StackTraceElement[] stack = thread.getStackTrace();
      if (running.get(thread) != r || stack.length == 0) {
        continue; // finished meanwhile
      }
      if (parking(stack)) {
        r.lastParked = System.nanoTime(); // unmounted, waiting for a carrier after a park
        r.seenRunnable = false;
        r.runningLooks = 0;
        continue;
      }
      // A task that parks often can be caught running on two looks with parks between them that
      // no look saw (thousands of fetches at once did exactly that): a hog is seen running its
      // own code on every look, so ask for several in a row.
      if (++r.runningLooks < HOG_LOOKS) {
        continue;
      }
      r.reported = true;
      if (r.route.fixed == null && r.route.target() == PoolKind.CPU) {
        continue; // dispatched before its key moved to the CPU side: already dealt with
      }
      Duration heldFor = Duration.ofNanos(held);
      r.route.hog(heldFor);
      report(new CarrierHog(r.route.key, r.run.name(), thread.getName(), heldFor,
          Arrays.asList(stack).subList(0, Math.min(stack.length, STACK_FRAMES)), false,
          "task '" + r.run.name() + "' (key " + r.route.key + ") ran " + heldFor.toMillis()
              + " ms on virtual thread '" + thread.getName() + "' without parking, holding a"
              + " carrier thread that other virtual threads need; key now routed to "
              + r.route.target().label()));
    }
  }

  private static boolean parking(StackTraceElement[] stack) {
    for (int i = 0; i < Math.min(stack.length, PARK_FRAMES); i++) {
      String c = stack[i].getClassName();
      String m = stack[i].getMethodName();
      if (c.equals("jdk.internal.vm.Continuation") && m.startsWith("yield")
          || c.equals("java.lang.VirtualThread") && (m.startsWith("park") || m.startsWith("yield"))) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- lifecycle

  private void closeIsolation(boolean now) {
    Pool p;
    synchronized (isolationLock) {
      isolationClosed = true;
      p = isolationPool;
    }
    if (p != null) {
      if (now) {
        p.shutdownNow();
      } else {
        p.shutdown();
      }
    }
  }

  private Pool isolationIfAny() {
    synchronized (isolationLock) {
      return isolationPool;
    }
  }

  @Override
  public void shutdown() {
    closing = true;
    startWatcher(); // it closes the isolation pool and the pinning stream when the sides end
    wakeWatcher();
    for (RouteState route : routes.values()) {
      releaseWaiters(route); // to virtual threads, before the sides stop taking runs
    }
    cpu.shutdown();
    closeProbes();
    virtual.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    closing = true;
    startWatcher();
    wakeWatcher();
    List<Runnable> drained = new ArrayList<>();
    for (RouteState route : routes.values()) {
      synchronized (route.waitLock) {
        drained.addAll(route.waiters);
        route.waiters.clear();
      }
    }
    drained.addAll(cpu.shutdownNow());
    closeProbes(); // the running probes' tasks were cancelled (interrupted) by the pool already
    virtual.shutdownNow();
    Pool p = isolationIfAny();
    if (p != null) {
      p.shutdownNow();
    }
    return drained;
  }

  @Override
  public boolean isShutdown() {
    return cpu.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    if (!(cpu.isTerminated() && probesDone() && virtual.isTerminated())
        || (watcherCleansUp() && watcherEnded.getCount() > 0)) {
      return false;
    }
    Pool p = isolationIfAny();
    return p == null || p.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    if (!cpu.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS)
        || !awaitProbesDone(deadline)
        || !virtual.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS)) {
      return false;
    }
    if (!watcherCleansUp()) {
      return true; // the watcher loop returns on its own, holding no task; its thread idles
    }
    long left = remaining(deadline);
    if (!watcherEnded.await(Math.max(1, left), TimeUnit.NANOSECONDS)) { // at most one interval
      return false;
    }
    Pool p = isolationIfAny();
    return p == null || p.awaitTermination(Duration.ofNanos(remaining(deadline)));
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  /**
   * The CPU side: a pool whose runs feed the router's measurements. Each run measures itself
   * (CPU and run-queue time, through its thread's {@link CpuClock.Sampler}, the one sampler of
   * every pool: every run while runs are long, one per millisecond of a thread while they are
   * tiny); this side only passes the measurement on.
   */
  private final class CpuSide extends ThreadPoolExecutor {

    CpuSide(int threads, ThreadFactory factory) {
      super(threads, threads, 0L, TimeUnit.MILLISECONDS, Router.this.new CpuQueue(), factory);
    }

    /**
     * Per CPU thread: [0] the GC pause clock when its run started (-1: not read), [1] 1 if its
     * last run was long enough to read it (reading costs ~1 us; a tiny task takes 0.1 us).
     */
    private final ThreadLocal<long[]> pauseClock = ThreadLocal.withInitial(() -> new long[] {-1, 1});

    @Override
    protected void beforeExecute(Thread thread, Runnable r) {
      long[] clock = pauseClock.get();
      clock[0] = clock[1] != 0 ? Measure.pauseNanos() : -1;
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
      if (r instanceof RoutedRun run) {
        long[] clock = pauseClock.get();
        cpuRan(run, clock[0]);
        clock[1] = run.timings().wallNanos() >= TINY_RUN_NANOS ? 1 : 0;
      }
    }
  }

  /**
   * The CPU side's queue, with late binding the other way: a queued run whose key has moved back
   * to virtual threads meanwhile (a false alarm corrected by measurement, a phase change) is
   * handed to the virtual side when a CPU thread takes it, instead of waiting its turn for a
   * platform thread. Without this, thousands of fetches queued during a brief CPU verdict waited
   * on a few platform threads long after the verdict was undone.
   */
  private final class CpuQueue extends LinkedBlockingQueue<Runnable> {
    @Override
    public Runnable take() throws InterruptedException {
      while (true) {
        Runnable r = super.take();
        if (!handedToVirtual(r)) {
          return r;
        }
      }
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      while (true) {
        Runnable r = super.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r == null || !handedToVirtual(r)) {
          return r;
        }
      }
    }

    private boolean handedToVirtual(Runnable r) {
      if (r instanceof RoutedRun run && run.routeTag() instanceof RouteState route
          && route.fixed == null && route.target() == PoolKind.VIRTUAL) {
        try {
          virtual.execute(() -> virtualRun(run, route));
          return true;
        } catch (RejectedExecutionException shutDown) {
          return false; // run it here
        }
      }
      return false;
    }
  }
}
