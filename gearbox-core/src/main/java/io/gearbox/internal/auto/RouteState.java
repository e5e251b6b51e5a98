package io.gearbox.internal.auto;

import io.gearbox.PoolKind;
import io.gearbox.Route;
import io.gearbox.internal.CpuClock;
import io.gearbox.internal.RoutedRun;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One key's route and its evidence. The hot path (choosing a side) reads volatile fields and
 * bumps atomics; measurements and decisions happen under this object's monitor, a few per
 * second at most for any key with real work.
 */
final class RouteState {

  /**
   * Where one run goes. WAIT: the key has no evidence yet and probes of it are running; the run
   * waits for their first evidence (see {@link Router}).
   */
  enum Side { CPU, VIRTUAL, PROBE, WAIT }

  /** Measured first probes that must point to the CPU side before their key's runs go there. */
  static final int CPU_EVIDENCE_RUNS = 2;

  /** A run whose off-queue time was at least this share GC pause is not measured. */
  static final double PAUSE_SPOILS = 0.5;

  static final String METHOD_HOG = "carrier-hog detector (virtual thread runnable without parking)";

  final String key;
  final long seq;
  /** Fixed target (builder override or isolation), never re-decided; null if learned. */
  final PoolKind fixed;
  private final Router router;
  final LongAdder runs = new LongAdder();
  final AtomicInteger probesInFlight = new AtomicInteger();
  final AtomicLong sinceProbe = new AtomicLong();
  /** The platform threads running this key's first probes now, with their files in /proc. */
  final Map<Thread, CpuClock.KernelView> probing = new ConcurrentHashMap<>();
  /** Guards {@link #waiters}. */
  final Object waitLock = new Object();
  /** Runs waiting for this key's first evidence; guarded by waitLock. */
  final ArrayDeque<RoutedRun> waiters = new ArrayDeque<>();

  private volatile PoolKind target;
  private volatile boolean decided;
  /**
   * Whether evidence came before the verdict: a first probe measured, or seen waiting while it
   * runs. From then on {@code target} holds the side it points to, and runs go there meanwhile.
   */
  private volatile boolean evidence;
  private volatile long measured; // written under this
  private double share = Double.NaN; // guarded by this
  /** The probes' shares before the first verdict, which takes their median. */
  private double[] firstShares; // guarded by this
  private long measuredWall; // guarded by this
  private long allocated; // guarded by this
  private long allocatedRuns; // guarded by this
  private int changes; // guarded by this
  /** Runs not measured because a GC pause took most of them; guarded by this. */
  private int spoiled;
  private String method; // guarded by this
  /**
   * Why the route is where it is, when a message says it (fixed, a carrier hog); null when the
   * numbers do, and {@link #snapshot} words them. Worded only when asked: every measured run
   * changes the numbers, and only {@code routes()} reads the words (a profile of fresh pools'
   * bursts had the per-run wording in 6% of its samples).
   */
  private String reason; // guarded by this
  /** How a probe was seen waiting or computing, for the probing reason; null if not seen. */
  private String seen; // guarded by this

  RouteState(Router router, String key, long seq, PoolKind fixed, boolean isolated) {
    this.router = router;
    this.key = key;
    this.seq = seq;
    this.fixed = fixed;
    if (fixed != null) {
      target = fixed;
      decided = true;
      method = "none (fixed route)";
      reason = (isolated ? "asked for isolation" : "fixed by the builder") + " -> " + fixed.label();
    } else {
      target = PoolKind.VIRTUAL;
      method = methodProbe();
    }
  }

  static String methodProbe() {
    return Methods.PROBE;
  }

  static String methodCpuSide() {
    return Methods.CPU_SIDE;
  }

  /** The measurement methods' names, made once (the clock's method does not change). */
  private static final class Methods {
    static final String PROBE = Measure.method() + " on probe runs";
    static final String CPU_SIDE = Measure.method() + " on the CPU side";
  }

  PoolKind target() {
    return target;
  }

  /** Whether runs have a side to go to: a verdict, or evidence before it (or a fixed route). */
  boolean hasEvidence() {
    return decided || evidence;
  }

  /** The side runs go to now, when they do not probe or wait. */
  Side side() {
    return target == PoolKind.CPU ? Side.CPU : Side.VIRTUAL;
  }

  /**
   * Where the next run goes.
   *
   * @param probeWidth how many first probes of one key may run at once
   */
  Side choose(int probeRuns, int probeWidth, int reprobeEvery) {
    if (fixed != null) {
      return fixed == PoolKind.CPU ? Side.CPU : Side.VIRTUAL; // PROCESSES: the waiter is virtual
    }
    PoolKind t = target;
    if (!decided) {
      if (takeFirstProbe(probeRuns, probeWidth)) {
        return Side.PROBE;
      }
      if (!evidence) {
        return Side.WAIT;
      }
    } else if (t == PoolKind.VIRTUAL && sinceProbe.incrementAndGet() >= reprobeEvery
        && probesInFlight.compareAndSet(0, 1)) {
      sinceProbe.set(0);
      return Side.PROBE;
    }
    return t == PoolKind.CPU ? Side.CPU : Side.VIRTUAL;
  }

  /**
   * Whether a run may become one of the probes still needed before the first verdict; if so, the
   * caller holds one {@code probesInFlight} and must give it back.
   */
  boolean takeFirstProbe(int probeRuns, int probeWidth) {
    if (fixed != null || decided) {
      return false;
    }
    // Before any evidence, at most probeWidth at once (more computing probes than cores would
    // only share them); once the key is seen waiting, a released run may still become a missing
    // probe, so that the burst reaches its verdict.
    long needed = evidence ? probeRuns - measured : Math.min(probeRuns - measured, probeWidth);
    if (probesInFlight.get() < needed) {
      if (probesInFlight.incrementAndGet() <= needed) {
        return true;
      }
      probesInFlight.decrementAndGet();
    }
    return false;
  }

  /** Probes still to be measured before the first verdict (0 once decided or fixed). */
  long probesWanted(int probeRuns) {
    return decided || fixed != null ? 0 : Math.max(0, probeRuns - measured);
  }

  /**
   * A measured run: CPU, wall and run-queue time (runnable but descheduled, not waiting: see
   * {@link Measure}), allocation (-1 if unknown), and how it was measured.
   */
  void record(long cpuNanos, long wallNanos, long runQueueNanos, long allocatedBytes,
      String how) {
    record(cpuNanos, wallNanos, runQueueNanos, 0, allocatedBytes, how);
  }

  /**
   * A measured run, as above, during which the JVM paused for garbage collection for {@code
   * pauseNanos} (0 if not, -1 if unknown): the pause was neither the task's computing nor its
   * waiting, so it is left out of the share. A run that a pause took {@link #PAUSE_SPOILS} or more
   * of (its wall time less run-queue time) says nothing about its task (a 20 ms spin around a
   * 28 ms pause and a 1 ms sleep inside one look alike) and is not measured, up to the probe
   * count of such runs per key: a key whose runs are spoiled that often makes the pauses itself
   * (it allocates), and its later runs are measured with the pauses in, as waiting.
   *
   * @return whether the run was measured
   */
  synchronized boolean record(long cpuNanos, long wallNanos, long runQueueNanos, long pauseNanos,
      long allocatedBytes, String how) {
    long offQueue = wallNanos - Math.max(0, runQueueNanos);
    long pause = Math.max(0, pauseNanos);
    if (pause > 0 && pause >= PAUSE_SPOILS * offQueue) {
      if (spoiled < router.probeRuns()) {
        spoiled++;
        return false;
      }
      // spoiled again and again: the pauses are this key's own (it allocates), as before
      pause = 0;
    }
    double s = Policy.share(cpuNanos, Math.max(cpuNanos, offQueue - pause));
    if (Double.isNaN(s)) {
      return false;
    }
    long n = measured + 1;
    measured = n;
    measuredWall += wallNanos;
    if (allocatedBytes >= 0) {
      allocated += allocatedBytes;
      allocatedRuns++;
    }
    int probeRuns = router.probeRuns();
    method = how;
    if (!decided && fixed == null) {
      // The first verdict takes the median of the probes, not their mean: a key's first run
      // also loads and compiles code, and one cold run must not decide the route.
      if (firstShares == null) {
        firstShares = new double[probeRuns];
      }
      firstShares[(int) Math.min(n, probeRuns) - 1] = s;
      if (n >= probeRuns) {
        double[] sorted = firstShares.clone();
        java.util.Arrays.sort(sorted);
        int m = sorted.length;
        share = m % 2 == 1 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
        firstShares = null;
        decided = true;
        decide(Policy.verdict(share), null, true);
      } else {
        share = n == 1 ? s : share + (s - share) / n; // the mean so far
        // First evidence: until the verdict, runs go where the runs measured so far point, so
        // that a burst's runs queued behind its probes follow it. One run says "waits" at once;
        // "computes" takes two: a cold first run also loads and compiles code, and on a crowded
        // machine a short fetch spent most of its wall time in the run queue, leaving a share of
        // 0.76 over a ~1 ms remainder (measured: 1.0 ms CPU, 5.7 ms wall, 4.4 ms run queue),
        // which sent a burst of 98 fetches to the two CPU threads. Until then the target points
        // to the CPU side (unless a probe was seen waiting), so runs that find no probe left in
        // flight go there.
        PoolKind pointed = Policy.verdict(share);
        if (pointed == PoolKind.VIRTUAL || n >= Math.min(CPU_EVIDENCE_RUNS, probeRuns)) {
          target = pointed;
          evidence = true;
        } else if (!evidence) {
          target = pointed;
        }
        reason = null; // probing: worded by snapshot
      }
      return true;
    }
    share = Double.isNaN(share) ? s : share + Policy.ALPHA * (s - share);
    if (fixed != null) {
      return true;
    }
    if (target == PoolKind.VIRTUAL && share >= Policy.MOVE_TO_CPU) {
      decide(PoolKind.CPU, null, false);
    } else if (target == PoolKind.CPU && share <= Policy.MOVE_TO_VIRTUAL) {
      decide(PoolKind.VIRTUAL, null, false);
    } else {
      reason = null; // the evidence: worded by snapshot
    }
    return true;
  }

  /**
   * A probe of this key was seen waiting (sleeping in the kernel) while it runs: evidence that the
   * key waits, before any probe has ended. Runs go to virtual threads until the verdict.
   *
   * @param how what was seen, for the route's reason (e.g. "asleep in I/O in X.read0")
   */
  void seenWaiting(String how) {
    seen(PoolKind.VIRTUAL, how);
  }

  /**
   * A probe of this key was seen running, never waiting, for the hog threshold: evidence that the
   * key computes, before any probe has ended. Runs go to the CPU side until the verdict.
   *
   * @param how what was seen, for the route's reason (e.g. "running for 100 ms")
   */
  void seenComputing(String how) {
    seen(PoolKind.CPU, how);
  }

  /** A probe was seen doing what points to {@code target}: the first evidence, unless decided. */
  private synchronized void seen(PoolKind target, String how) {
    if (decided || evidence || fixed != null) {
      return;
    }
    this.target = target;
    evidence = true;
    seen = how;
    reason = null;
  }

  /** The carrier-hog detector saw a run of this key hold its carrier. */
  synchronized void hog(Duration held) {
    if (fixed != null || target == PoolKind.CPU) {
      return;
    }
    share = 1.0; // the run computed for the whole stretch seen; a later re-measure may move it back
    boolean first = !decided;
    decided = true;
    method = METHOD_HOG;
    decide(PoolKind.CPU, String.format(Locale.ROOT,
        "held a carrier %d ms without parking -> cpu", held.toMillis()), first);
  }

  private void decide(PoolKind to, String why, boolean first) {
    PoolKind from = target;
    boolean changed = !first && from != to;
    target = to;
    if (changed) {
      changes++;
    }
    reason = why;
    if (first || changed) {
      router.decided(this, first ? null : from, to, share, measured, method, why);
    }
  }

  private String probingReason() {
    String meanwhile = !evidence ? "runs wait for the first evidence"
        : measured == 0 ? "a probe was seen " + (target == PoolKind.CPU ? "computing" : "waiting")
            + (seen != null ? " (" + seen + ")" : "") + " -> " + target.label() + " meanwhile"
        : "-> " + target.label() + " meanwhile";
    return "probing: " + measured + " of " + router.probeRuns() + " runs measured, " + meanwhile;
  }

  synchronized Route snapshot() {
    long n = measured;
    String why = reason != null ? reason
        : decided ? Policy.evidence(share, n, target) : probingReason();
    return new Route(key, target, runs.sum(), n, share,
        n == 0 ? Duration.ZERO : Duration.ofNanos(measuredWall / n),
        allocatedRuns == 0 ? -1 : allocated / allocatedRuns,
        changes, fixed != null, method, why);
  }
}
