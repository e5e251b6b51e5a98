package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auto pool's own promises: classification of synthetic tasks (sleep, busy loop, socket read
 * against a local server, mixed, a task whose phase changes), stable routes, the carrier-hog
 * detector, overrides, isolation, sizing and its JFR events. Its {@link Pool} contract is proven by
 * the conformance suite, which runs on AUTO too.
 *
 * <p>Margins are generous: a busy loop must measure at least 50% CPU, a sleep at most 50%, on a
 * crowded two-core machine; no assertion is about speed.
 */
class AutoPoolTest {

  @RegisterExtension final Harness h = new Harness();

  private static final Duration TASK = Duration.ofMillis(20);

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * Burns d of this thread's CPU time, so a loaded machine's GC pauses or preemption during it
   * add waiting, as they really do, without shrinking the computation (a loop that spins until a
   * wall-clock deadline computes less the more it is held up, and can look half idle). On a
   * virtual thread, whose CPU clock reads -1, it spins for d of wall time.
   */
  private static long spin(Duration d) {
    long x = 0;
    long cpu = THREADS.getCurrentThreadCpuTime();
    if (cpu < 0) {
      long end = System.nanoTime() + d.toNanos();
      while (System.nanoTime() < end) {
        x += Long.numberOfTrailingZeros(x + System.nanoTime());
      }
      return x;
    }
    long end = cpu + d.toNanos();
    while (THREADS.getCurrentThreadCpuTime() < end) {
      for (int i = 0; i < 1_000; i++) {
        x += Long.numberOfTrailingZeros(x + i);
      }
    }
    return x;
  }

  private static long nap(Duration d) throws InterruptedException {
    Thread.sleep(d);
    return 0;
  }

  private AutoPool auto(java.util.function.UnaryOperator<AutoPoolBuilder> config) {
    AutoPool pool = config.apply(Gearbox.autoBuilder()).build();
    h.track(pool);
    return pool;
  }

  /** Runs the task {@code n} times, one after another, under the key. */
  private static void runSequentially(AutoPool pool, String key, int n, Callable<?> task) {
    for (int i = 0; i < n; i++) {
      pool.submit(task, TaskOptions.named(key)).join();
    }
  }

  // ---------------------------------------------------------------- classification

  @Test
  void route_sleepingTask_goesToVirtualThreads() {
    try (AutoPool pool = auto(b -> b)) {
      runSequentially(pool, "sleeper", 8, () -> nap(TASK));
      Route route = pool.route("sleeper");
      assertThat(route.target()).isEqualTo(PoolKind.VIRTUAL);
      assertThat(route.cpuShare()).isLessThan(0.5);
      assertThat(route.waitShare()).isGreaterThan(0.5);
      assertThat(route.measuredRuns()).isGreaterThanOrEqualTo(AutoPoolBuilder.DEFAULT_PROBE_RUNS);
      assertThat(route.method()).contains("platform thread CPU clock");
      assertThat(route.reason()).matches("cpu \\d+%, waiting \\d+% over \\d+ runs -> virtual");
      assertThat(route.overridden()).isFalse();
    }
  }

  @Test
  void route_busyLoop_goesToTheCpuSide() {
    try (AutoPool pool = auto(b -> b)) {
      runSequentially(pool, "spinner", 8, () -> spin(TASK));
      Route route = pool.route("spinner");
      assertThat(route.target()).isEqualTo(PoolKind.CPU);
      assertThat(route.cpuShare()).isGreaterThanOrEqualTo(0.5);
      assertThat(route.reason()).endsWith("-> cpu");
      // once routed, it runs on the CPU side's platform threads
      String thread = pool.submit(() -> Thread.currentThread().getName(), TaskOptions.named("spinner"))
          .join();
      assertThat(thread).startsWith("gearbox-" + pool.name() + "-cpu-");
    }
  }

  @Test
  void route_socketReadAgainstLocalServer_goesToVirtualThreads() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AutoPool pool = auto(b -> b)) {
      AtomicBoolean serving = new AtomicBoolean(true);
      h.startThread("server", () -> {
        while (serving.get()) {
          try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
            Thread.sleep(TASK); // the "remote" end thinks before it answers
            out.write(42);
          } catch (java.net.SocketException closed) {
            return;
          }
        }
      });
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
          server.getLocalPort());
      Callable<Integer> read = () -> {
        try (Socket socket = new Socket()) {
          socket.connect(address, (int) Delays.LONG.toMillis());
          socket.setSoTimeout((int) Delays.LONG.toMillis());
          try (InputStream in = socket.getInputStream()) {
            return in.read();
          }
        }
      };
      try {
        for (int i = 0; i < 8; i++) {
          assertThat(pool.submit(read, TaskOptions.named("reader")).join()).isEqualTo(42);
        }
      } finally {
        serving.set(false);
        server.close();
      }
      Route route = pool.route("reader");
      assertThat(route.target()).isEqualTo(PoolKind.VIRTUAL);
      assertThat(route.cpuShare()).isLessThan(0.5);
    }
  }

  @Test
  void route_mixedTasks_followTheirDominantShare() {
    try (AutoPool pool = auto(b -> b)) {
      runSequentially(pool, "mostlyCompute", 6, () -> {
        spin(Duration.ofMillis(30));
        return nap(Duration.ofMillis(3));
      });
      runSequentially(pool, "mostlyWait", 6, () -> {
        spin(Duration.ofMillis(3));
        return nap(Duration.ofMillis(30));
      });
      runSequentially(pool, "half", 6, () -> {
        spin(Duration.ofMillis(15));
        return nap(Duration.ofMillis(15));
      });
      assertThat(pool.route("mostlyCompute").target()).isEqualTo(PoolKind.CPU);
      assertThat(pool.route("mostlyWait").target()).isEqualTo(PoolKind.VIRTUAL);
      // generous: a half-and-half task measures somewhere in the middle, whatever its verdict
      assertThat(pool.route("half").cpuShare()).isBetween(0.15, 0.85);
    }
  }

  @Test
  void route_burstSubmittedBeforeTheVerdict_followsTheProbesEvidence() {
    // more busy tasks than probes: the runs queued behind the probes wait for their evidence and
    // then go to the CPU side; none computes on a virtual thread
    int n = 20 * Runtime.getRuntime().availableProcessors();
    try (AutoPool pool = auto(b -> b)) {
      List<TaskHandle<String>> handles = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        handles.add(pool.submit(() -> {
          spin(TASK);
          return Thread.currentThread().getName();
        }, TaskOptions.named("burst")));
      }
      List<String> threads = handles.stream().map(TaskHandle::join).toList();
      assertThat(pool.route("burst").target()).as("%s", pool.route("burst")).isEqualTo(PoolKind.CPU);
      assertThat(threads).anyMatch(t -> t.startsWith("gearbox-" + pool.name() + "-cpu-"));
      assertThat(threads).allMatch(t -> t.startsWith("gearbox-" + pool.name() + "-cpu-")
          || t.startsWith("gearbox-" + pool.name() + "-probe-"));
    }
  }

  /** A task of a test that computes until the test lets it end, and the thread it runs on. */
  private record Spinner(String thread, AtomicBoolean release) {}

  @Test
  void route_cpuBurstReleasedWhileProbesStillCompute_startsTheCpuSideOnTheCoresTheyLeave()
      throws Exception {
    // Computing tasks that end only when the test says so. Probes are let go one at a time until
    // the evidence (two probes that computed) sends the held runs to the CPU side; the probes
    // still computing then keep their cores: the CPU side starts that many threads fewer (at
    // least one), and one more as each of them ends. With all its threads at once, a burst's
    // runs computed on more threads than cores and its last run computed alone on one core.
    int cores = Runtime.getRuntime().availableProcessors();
    int n = 4 * cores + 4;
    java.util.Queue<Spinner> started = new java.util.concurrent.ConcurrentLinkedQueue<>();
    AtomicBoolean releaseAll = new AtomicBoolean();
    try (AutoPool pool = auto(b -> b.hogThreshold(Duration.ofMinutes(10)))) {
      String probe = "gearbox-" + pool.name() + "-probe-";
      String cpuPrefix = "gearbox-" + pool.name() + "-cpu-";
      List<TaskHandle<Long>> handles = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          handles.add(pool.submit(() -> {
            AtomicBoolean release = new AtomicBoolean();
            started.add(new Spinner(Thread.currentThread().getName(), release));
            long x = 0;
            while (!release.get() && !releaseAll.get()) {
              x += spin(Duration.ofMillis(1));
            }
            return x;
          }, TaskOptions.named("lend")));
        }
        java.util.function.Supplier<List<Spinner>> onProbes = () -> started.stream()
            .filter(sp -> sp.thread().startsWith(probe) && !sp.release().get()).toList();
        java.util.function.Supplier<Long> cpuThreads = () -> Thread.getAllStackTraces().keySet()
            .stream().filter(t -> t.getName().startsWith(cpuPrefix)).count();
        // two probes that computed are the evidence: let two go, one at a time, each after it has
        // computed a while (and give the first one's thread time to take a held run as a probe)
        for (int measured = 1; measured <= 2; measured++) {
          eventually().until(() -> !onProbes.get().isEmpty());
          Thread.sleep(5);
          onProbes.get().getFirst().release().set(true);
          int m = measured;
          eventually().until(() -> pool.route("lend").measuredRuns() >= m);
          Thread.sleep(Delays.SHORT.toMillis());
        }
        eventually().until(
            () -> started.stream().anyMatch(sp -> sp.thread().startsWith(cpuPrefix)));
        int computing = onProbes.get().size();
        assertThat(computing).as("probes still computing at the release: %s", started).isPositive();
        long expected = Math.max(1, cores - computing);
        eventually().until(() -> cpuThreads.get() == expected);
        Thread.sleep(Delays.SHORT.toMillis());
        assertThat(cpuThreads.get()).as("CPU-side threads beside %d computing probes", computing)
            .isEqualTo(expected);
        // each probe's end gives its core back: one more CPU-side thread (runs are still queued)
        for (Spinner sp : onProbes.get()) {
          sp.release().set(true);
        }
        eventually().until(() -> cpuThreads.get() == cores);
      } finally {
        releaseAll.set(true);
      }
      // (the runs let go at once measure as waiting: no check of the route here)
      handles.forEach(TaskHandle::join);
    }
  }

  @Test
  void route_burstOfWaitingTasks_isReleasedWhileItsProbesStillWait() throws Exception {
    // The probes (two at once, then a third once the key is seen waiting) block until the test
    // lets them go; the other runs of the burst are held for the first evidence. They can start
    // only if the watcher sees a probe asleep in the kernel while it still waits: nothing ends.
    int n = 12;
    int probes = AutoPoolBuilder.DEFAULT_PROBE_RUNS;
    CountDownLatch others = new CountDownLatch(n - probes);
    CountDownLatch release = new CountDownLatch(1);
    try (AutoPool pool = auto(b -> b)) {
      String probe = "gearbox-" + pool.name() + "-probe-";
      List<TaskHandle<String>> handles = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          handles.add(pool.submit(() -> {
            String thread = Thread.currentThread().getName();
            if (thread.startsWith(probe)) {
              release.await();
            } else {
              others.countDown();
            }
            return thread;
          }, TaskOptions.named("waits")));
        }
        Harness.await(others); // fails the test after Delays.LONG
        // no probe has ended: the route still says how the watcher saw one wait (a futex, for
        // 0.5 ms or more, parked in the latch)
        assertThat(pool.route("waits").reason()).contains("a probe was seen waiting (asleep for ")
            .contains(" us, in Unsafe.park)").endsWith("-> virtual meanwhile");
      } finally {
        release.countDown();
      }
      List<String> threads = handles.stream().map(TaskHandle::join).toList();
      assertThat(threads).filteredOn(t -> t.startsWith(probe)).hasSize(probes);
      assertThat(threads).filteredOn(t -> t.startsWith("gearbox-" + pool.name() + "-virtual-"))
          .hasSize(n - probes);
      assertThat(pool.route("waits").target()).as("%s", pool.route("waits"))
          .isEqualTo(PoolKind.VIRTUAL);
    }
  }

  /**
   * Whether the kernel names the function a sleeping thread of this JVM waits in (Linux {@code
   * /proc/self/task/<tid>/wchan}; "0" where it hides it): read for the JVM's reference handler,
   * which always waits.
   */
  private static boolean kernelNamesWaitChannels() {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(task.resolve("comm")).startsWith("Reference Hand")) {
          String channel = Files.readString(task.resolve("wchan")).trim();
          return !channel.isEmpty() && !channel.equals("0");
        }
      }
    } catch (java.io.IOException | RuntimeException noProcfs) {
      return false;
    }
    return false;
  }

  @Test
  void route_probesAsleepInASocketBetweenShortComputations_releaseTheBurstWhileTheyStillRun()
      throws Exception {
    // Each probe asks a local server for one byte at a time, ~0.2 ms per answer, and computes
    // ~0.1 ms between answers: it mostly waits, in a socket read, in spells shorter than the 0.5
    // ms a wait inside the JVM (a park, a lock, a sleep) must be seen for; one look that finds it
    // asleep in the socket, having computed under half of its run so far, is enough. The burst's
    // other runs are held for the first evidence, and nothing ends the probes but those runs:
    // they run, on virtual threads, while the probes still run. (On 2 busy cores a server answer
    // can come late, a spell then lasts 0.5 ms, and the JVM-wait rule would release them too.)
    org.junit.jupiter.api.Assumptions.assumeTrue(kernelNamesWaitChannels()
        && io.gearbox.internal.CpuClock.method().contains("schedstat"),
        "this kernel does not name a thread's wait channel or give its schedstat: the 0.5 ms rule"
            + " alone applies");
    int n = 12;
    CountDownLatch others = new CountDownLatch(n - AutoPoolBuilder.DEFAULT_PROBE_RUNS);
    AtomicBoolean stop = new AtomicBoolean();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AutoPool pool = auto(b -> b)) {
      h.startThread("byte-server", () -> {
        List<Thread> answering = new ArrayList<>();
        try {
          while (true) {
            Socket client = server.accept();
            answering.add(Thread.ofPlatform().name("test-byte-answers").start(h.checked(() -> {
              try (client; InputStream in = client.getInputStream();
                  OutputStream out = client.getOutputStream()) {
                while (in.read() >= 0) {
                  java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                  out.write(1);
                  out.flush();
                }
              } catch (java.net.SocketException hungUp) {
                // the probe is done
              }
            })));
          }
        } catch (java.net.SocketException closed) {
          // the test is over
        } finally {
          for (Thread t : answering) {
            Harness.join(t);
          }
        }
      });
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
          server.getLocalPort());
      String probe = "gearbox-" + pool.name() + "-probe-";
      List<TaskHandle<String>> handles = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          handles.add(pool.submit(() -> {
            String thread = Thread.currentThread().getName();
            if (!thread.startsWith(probe)) {
              others.countDown();
              return thread;
            }
            try (Socket socket = new Socket()) {
              socket.connect(address, (int) Delays.LONG.toMillis());
              socket.setSoTimeout((int) Delays.LONG.toMillis());
              socket.setTcpNoDelay(true);
              InputStream in = socket.getInputStream();
              OutputStream out = socket.getOutputStream();
              while (!stop.get() && others.getCount() > 0) {
                out.write(1);
                out.flush();
                if (in.read() < 0) {
                  break;
                }
                spin(Duration.ofNanos(100_000));
              }
            }
            return thread;
          }, TaskOptions.named("asks")));
        }
        Harness.await(others); // fails the test after Delays.LONG
      } finally {
        stop.set(true);
        handles.forEach(TaskHandle::join);
        server.close();
      }
      List<String> threads = handles.stream().map(TaskHandle::join).toList();
      assertThat(threads).filteredOn(t -> t.startsWith(probe))
          .hasSize(AutoPoolBuilder.DEFAULT_PROBE_RUNS);
      assertThat(threads).filteredOn(t -> t.startsWith("gearbox-" + pool.name() + "-virtual-"))
          .hasSize(n - AutoPoolBuilder.DEFAULT_PROBE_RUNS);
    }
  }

  @Test
  void build_startsNoThread_theWatcherStartsWithTheFirstRun() throws Exception {
    // a fresh pool's first probe must not wait for the watcher's start (0.2-0.5 ms on the burst's
    // critical path): the watcher starts after the first run's probe thread
    try (AutoPool pool = auto(b -> b)) {
      String prefix = Harness.GEARBOX_PREFIX + pool.name() + "-";
      assertThat(ThreadDumps.all(prefix)).as("threads of a pool that has run nothing").isEmpty();
      assertThat(pool.submit(() -> nap(TASK), TaskOptions.named("first")).join()).isZero();
      assertThat(ThreadDumps.all(prefix)).extracting(ThreadDumps.LiveThread::name)
          .anyMatch(n -> n.startsWith(prefix + "carrier-watch"));
    }
  }

  @Test
  void probeThreads_areSharedByTheJvmsAutoPools_andCarryThePoolsNameWhileTheyRunItsProbe()
      throws Exception {
    // A fresh pool's first probe goes to a probe thread that an earlier pool left idle, not to a
    // new platform thread (0.4-2 ms on a burst's critical path); it is named after the pool whose
    // probe it runs, and named idle again once that probe is over.
    Thread first;
    try (AutoPool pool = auto(b -> b)) {
      String[] named = new String[1];
      first = runningThread(pool, "first", named);
      assertThat(named[0]).startsWith(Harness.GEARBOX_PREFIX + pool.name() + "-probe-");
    }
    Harness.eventually().untilAsserted(
        () -> assertThat(first.getName()).startsWith(Harness.IDLE_AUTO_PREFIX));
    String number = first.getName().substring(Harness.IDLE_AUTO_PREFIX.length());
    Set<Thread> idle = idleSharedThreads();
    try (AutoPool pool = auto(b -> b)) {
      String[] named = new String[1];
      Thread second = runningThread(pool, "second", named);
      assertThat(idle).as("idle probe threads before the second pool's probe").contains(second);
      assertThat(named[0]).startsWith(Harness.GEARBOX_PREFIX + pool.name() + "-probe-");
      if (second == first) {
        assertThat(named[0]).endsWith("-probe-" + number);
      }
    }
  }

  @Test
  void watcher_runsOnAThreadAnEarlierPoolLeftIdle_andNamesThePoolWhileItWatches()
      throws Exception {
    // A fresh pool's watcher is a loop on one of the JVM's shared threads, not a platform thread
    // of its own (a start of 0.1-2 ms on the submitting thread, in every fresh pool): once the
    // first pool is closed its watcher's thread is idle again, and the next pool's watcher takes
    // an idle thread.
    String firstWatcher;
    try (AutoPool pool = auto(b -> b)) {
      firstWatcher = Harness.GEARBOX_PREFIX + pool.name() + "-carrier-watch";
      assertThat(pool.submit(() -> nap(TASK), TaskOptions.named("first")).join()).isZero();
      assertThat(threadNamed(firstWatcher)).as("the first pool's watcher").isNotNull();
    }
    Harness.eventually().until(() -> threadNamed(firstWatcher) == null);
    Set<Thread> idle = idleSharedThreads();
    assertThat(idle).as("the first pool's probe and watcher threads, idle").hasSizeGreaterThan(1);
    try (AutoPool pool = auto(b -> b)) {
      String watcherName = Harness.GEARBOX_PREFIX + pool.name() + "-carrier-watch";
      assertThat(pool.submit(() -> nap(TASK), TaskOptions.named("second")).join()).isZero();
      Thread watcher = threadNamed(watcherName);
      assertThat(watcher).as("the second pool's watcher").isNotNull();
      assertThat(idle).as("idle shared threads before the second pool").contains(watcher);
      pool.close();
      Harness.eventually().until(() -> watcher.getName().startsWith(Harness.IDLE_AUTO_PREFIX));
      assertThat(watcher.isAlive()).as("a watcher's thread outlives its pool, idle").isTrue();
    }
  }

  /** The auto pools' shared threads that are idle now. */
  private static Set<Thread> idleSharedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(Harness.IDLE_AUTO_PREFIX))
        .collect(java.util.stream.Collectors.toSet());
  }

  /** The live thread of this exact name, or null. */
  private static Thread threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name)).findFirst().orElse(null);
  }

  /** The thread that runs a task of this key (its first: a probe), and its name then. */
  private static Thread runningThread(AutoPool pool, String key, String[] nameWhileRunning) {
    return pool.submit(() -> {
      nameWhileRunning[0] = Thread.currentThread().getName();
      return Thread.currentThread();
    }, TaskOptions.named(key)).join();
  }

  @Test
  void route_burstWhoseProbeWaitsInClassInitialization_isHeldUntilTheClassIsReady()
      throws Exception {
    // A probe asleep inside a static initializer (or waiting for another thread's) is not
    // evidence that its key waits: releasing the burst to virtual threads would have them all
    // wait in class initialization at once, each pinning its carrier (JDK 25, JEP 491). The
    // burst's other runs stay held until the probes are through it.
    int n = 12;
    int probeWidth = Math.max(2, Runtime.getRuntime().availableProcessors());
    AtomicInteger started = new AtomicInteger();
    try (AutoPool pool = auto(b -> b)) {
      List<TaskHandle<Integer>> handles = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          handles.add(pool.submit(() -> {
            started.incrementAndGet();
            return SlowToInitialize.VALUE;
          }, TaskOptions.named("loads")));
        }
        Harness.await(SLOW_CLASS_ENTERED);
        Thread.sleep(Delays.SHORT.toMillis()); // the watcher looks every 0.25 ms meanwhile
        assertThat(started.get()).as("runs started while a probe initializes the class; %s",
            pool.route("loads")).isLessThanOrEqualTo(probeWidth);
      } finally {
        SLOW_CLASS_RELEASE.countDown();
      }
      assertThat(handles).allSatisfy(h -> assertThat(h.join()).isEqualTo(42));
    }
  }

  private static final CountDownLatch SLOW_CLASS_ENTERED = new CountDownLatch(1);
  private static final CountDownLatch SLOW_CLASS_RELEASE = new CountDownLatch(1);

  /** A class whose initialization waits until the test lets it go: a class slow to load. */
  private static final class SlowToInitialize {
    static final int VALUE;

    static {
      SLOW_CLASS_ENTERED.countDown();
      try {
        SLOW_CLASS_RELEASE.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      VALUE = 42;
    }
  }

  @Test
  void close_waitsForARunningProbe_andTheTasksThatWaitedForIt() throws Exception {
    // close no longer waits for idle probe threads to end, but it still waits for every task:
    // a probe still running, and the runs held for its evidence
    AutoPool pool = auto(b -> b);
    CountDownLatch probing = new CountDownLatch(1);
    TaskHandle<Long> first = pool.submit(() -> {
      probing.countDown();
      return spin(Duration.ofMillis(200)); // computes: no evidence before it ends
    }, TaskOptions.named("slow"));
    Harness.await(probing);
    List<TaskHandle<Long>> later = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      later.add(pool.submit(() -> spin(Duration.ofMillis(5)), TaskOptions.named("slow")));
    }
    pool.close();
    assertThat(pool.isTerminated()).isTrue();
    assertThat(first.status()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(later).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED));
  }

  /** A lambda the JVM can describe: its SerializedLambda names the method that implements it. */
  private interface SerializableTask<T> extends Callable<T>, java.io.Serializable {}

  private static long half(long x) {
    return x / 2;
  }

  @Test
  void route_unnamedLambdas_getReadableKeys() throws Exception {
    try (AutoPool pool = auto(b -> b)) {
      Callable<Long> plain = () -> nap(Duration.ZERO);
      pool.submit(plain).join();
      SerializableTask<Long> serializable = () -> nap(Duration.ZERO);
      pool.submit(serializable).join();
      java.util.function.Function<Long, Long> ref = AutoPoolTest::half;
      assertThat(pool.map(ref, List.of(2L, 4L)).toList()).containsExactly(1L, 2L);
      Callable<Long> other = () -> 1L;
      pool.submit(other).join();
      pool.submit(other).join();

      List<String> keys = pool.routes().stream().map(Route::key).toList();
      assertThat(keys).hasSize(4).doesNotHaveDuplicates().noneMatch(k -> k.contains("$$Lambda"));
      // the frame of this class that submitted it
      assertThat(keys.get(0)).startsWith(AutoPoolTest.class.getName()
          + ".route_unnamedLambdas_getReadableKeys(AutoPoolTest.java:").endsWith(") lambda");
      // the method the compiler generated for it, named after this test method
      assertThat(keys.get(1)).matches(java.util.regex.Pattern.quote(AutoPoolTest.class.getName()
          + ".route_unnamedLambdas_getReadableKeys lambda$") + "\\d+");
      // a method reference, through the map's submit (not serializable: named by its frame)
      assertThat(keys.get(2)).contains(AutoPoolTest.class.getName() + ".route_unnamedLambdas");
      // one key per lambda, not per submit (a run is counted a moment after its handle completes)
      eventually().until(() -> pool.route(keys.get(3)).runs() == 2);
    }
  }

  @Test
  void route_firstBurstOfTwoKinds_reachesItsVerdictsWhileItRuns() {
    // a new user's first burst: 200 sleeping tasks and 8 busy ones submitted at once to a fresh
    // pool, unnamed; the busy ones must not compute on virtual threads (they would hold the
    // carriers the sleepers need), and both keys are decided by the end of the burst
    try (AutoPool pool = auto(b -> b)) {
      List<TaskHandle<String>> sleepers = new ArrayList<>();
      List<TaskHandle<String>> busy = new ArrayList<>();
      Callable<String> sleeper = () -> {
        nap(TASK);
        return Thread.currentThread().getName();
      };
      Callable<String> spinner = () -> {
        spin(Duration.ofMillis(50));
        return Thread.currentThread().getName();
      };
      for (int i = 0; i < 200; i++) {
        sleepers.add(pool.submit(sleeper));
      }
      for (int i = 0; i < 8; i++) {
        busy.add(pool.submit(spinner));
      }
      List<String> busyThreads = busy.stream().map(TaskHandle::join).toList();
      List<String> sleeperThreads = sleepers.stream().map(TaskHandle::join).toList();
      String prefix = "gearbox-" + pool.name() + "-";
      assertThat(busyThreads).allMatch(t -> t.startsWith(prefix + "cpu-") || t.startsWith(prefix + "probe-"));
      assertThat(sleeperThreads).allMatch(t -> t.startsWith(prefix + "virtual-") || t.startsWith(prefix + "probe-"));
      assertThat(pool.routes()).hasSize(2);
      Route sleeping = pool.routes().get(0);
      Route computing = pool.routes().get(1);
      eventually().untilAsserted(() -> {
        assertThat(pool.routes().get(0).reason()).as("%s", pool.routes()).endsWith("-> virtual")
            .doesNotStartWith("probing");
        assertThat(pool.routes().get(1).reason()).as("%s", pool.routes()).endsWith("-> cpu")
            .doesNotStartWith("probing");
      });
      assertThat(sleeping.target()).isEqualTo(PoolKind.VIRTUAL);
      assertThat(computing.target()).isEqualTo(PoolKind.CPU);
    }
  }

  @Test
  void route_taskTurningFromWaitingToComputing_movesToTheCpuSide() {
    AtomicBoolean computing = new AtomicBoolean();
    // the hog threshold is out of reach: only re-probes can see the change here
    try (AutoPool pool = auto(b -> b.reprobeEvery(2).hogThreshold(Duration.ofMinutes(1)))) {
      Callable<Long> phased = () -> computing.get() ? spin(TASK) : nap(TASK);
      runSequentially(pool, "phased", 6, phased);
      assertThat(pool.route("phased").target()).isEqualTo(PoolKind.VIRTUAL);

      computing.set(true);
      long deadline = System.nanoTime() + Delays.LONG.toNanos();
      while (pool.route("phased").target() != PoolKind.CPU && System.nanoTime() < deadline) {
        pool.submit(phased, TaskOptions.named("phased")).join();
      }
      Route route = pool.route("phased");
      assertThat(route.target()).as("route after the change: %s", route).isEqualTo(PoolKind.CPU);
      assertThat(route.changes()).isEqualTo(1);
      assertThat(route.reason()).endsWith("-> cpu");
    }
  }

  @Test
  void route_steadyWorkload_neverFlaps() throws Exception {
    try (AutoPool pool = auto(b -> b.reprobeEvery(4))) {
      List<TaskHandle<Long>> handles = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        handles.add(pool.submit(() -> spin(Duration.ofMillis(2)), TaskOptions.named("steadyCpu")));
        handles.add(pool.submit(() -> nap(TASK), TaskOptions.named("steadyIo")));
      }
      handles.forEach(TaskHandle::join);
      eventually().until(() -> pool.route("steadyCpu").runs() + pool.route("steadyIo").runs() == 300);
      Route cpu = pool.route("steadyCpu");
      Route io = pool.route("steadyIo");
      assertThat(cpu.target()).as("%s", cpu).isEqualTo(PoolKind.CPU);
      assertThat(io.target()).as("%s", io).isEqualTo(PoolKind.VIRTUAL);
      assertThat(cpu.changes()).as("%s", cpu).isZero();
      assertThat(io.changes()).as("%s", io).isZero();
    }
  }

  @Test
  void route_virtualKey_isNeverMeasuredOnAVirtualThread() {
    // JDK 25 reports -1 CPU time on virtual threads: only probes on platform threads measure
    try (AutoPool pool = auto(b -> b.reprobeEvery(1_000_000))) {
      runSequentially(pool, "io", 20, () -> nap(TASK));
      // a run is counted just after its handle completes
      eventually().until(() -> pool.route("io").runs() == 20);
      Route route = pool.route("io");
      assertThat(route.measuredRuns()).as("%s", route).isEqualTo(AutoPoolBuilder.DEFAULT_PROBE_RUNS);
    }
  }

  @Test
  void route_unnamedTasks_areKeyedByTheirClass() {
    record Job(int n) implements Callable<Integer> {
      @Override
      public Integer call() {
        return n;
      }
    }
    try (AutoPool pool = auto(b -> b)) {
      for (int i = 0; i < 3; i++) {
        pool.submit(new Job(i)).join();
      }
      assertThat(pool.map(x -> x * 2, List.of(1, 2, 3)).toList()).containsExactly(2, 4, 6);
      eventually().until(() -> pool.route(Job.class.getName()).runs() == 3);
      assertThat(pool.routes()).hasSize(2); // the Job class, and the map's function
    }
  }

  @Test
  void route_override_isFollowedAndNeverMoved() {
    try (AutoPool pool = auto(b -> b.route("pinned", PoolKind.CPU).route("io", PoolKind.VIRTUAL))) {
      for (int i = 0; i < 5; i++) {
        assertThat(pool.submit(() -> {
          nap(Duration.ofMillis(2));
          return Thread.currentThread().getName();
        }, TaskOptions.named("pinned")).join()).startsWith("gearbox-" + pool.name() + "-cpu-");
        assertThat(pool.submit(() -> Thread.currentThread().isVirtual(), TaskOptions.named("io"))
            .join()).isTrue();
      }
      Route pinned = pool.route("pinned");
      assertThat(pinned.overridden()).isTrue();
      assertThat(pinned.target()).isEqualTo(PoolKind.CPU);
      assertThat(pinned.changes()).isZero();
      assertThat(pinned.reason()).isEqualTo("fixed by the builder -> cpu");
    }
  }

  // ---------------------------------------------------------------- carrier-hog detector

  @Test
  void carrierHog_busyLoopOnVirtualThread_isReportedWithItsStack() {
    List<CarrierHog> heard = Collections.synchronizedList(new ArrayList<>());
    try (AutoPool pool = auto(b -> b.route("hog", PoolKind.VIRTUAL).onCarrierHog(heard::add))) {
      // spins until it is reported (the threshold grows with the machine's load), or gives up
      long giveUp = System.nanoTime() + Delays.LONG.toNanos();
      pool.submit(() -> {
        long x = 0;
        while (pool.carrierHogs().isEmpty() && System.nanoTime() < giveUp) {
          x += spin(Duration.ofMillis(10));
        }
        return x;
      }, TaskOptions.named("hog")).join();
      assertThat(pool.carrierHogs()).as("reported while it spun").isNotEmpty();
      CarrierHog hog = pool.carrierHogs().getFirst();
      assertThat(hog.key()).isEqualTo("hog");
      assertThat(hog.pinned()).isFalse();
      assertThat(hog.held()).isGreaterThanOrEqualTo(AutoPoolBuilder.DEFAULT_HOG_THRESHOLD);
      assertThat(hog.thread()).startsWith("gearbox-" + pool.name() + "-virtual-");
      assertThat(hog.stack()).extracting(StackTraceElement::getMethodName)
          .anyMatch(m -> m.startsWith("lambda$carrierHog_busyLoopOnVirtualThread"));
      assertThat(hog.detail()).contains("without parking");
      // the listener hears a report just after it is listed: the task may have seen it first
      eventually().untilAsserted(() -> assertThat(heard).containsExactly(hog));
      // an override is reported but never moved
      assertThat(pool.route("hog").target()).isEqualTo(PoolKind.VIRTUAL);
    }
  }

  @Test
  void carrierHog_sleepingVirtualThreads_stayQuiet() throws Exception {
    try (AutoPool pool = auto(b -> b.route("sleepy", PoolKind.VIRTUAL))) {
      List<TaskHandle<Long>> handles = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        handles.add(pool.submit(() -> nap(Duration.ofMillis(400)), TaskOptions.named("sleepy")));
      }
      handles.forEach(TaskHandle::join);
      assertThat(pool.carrierHogs()).isEmpty();
    }
  }

  @Test
  void carrierHog_learnedVirtualKey_movesToTheCpuSide() {
    AtomicBoolean computing = new AtomicBoolean();
    try (AutoPool pool = auto(b -> b.reprobeEvery(1_000_000))) {
      // computing spins until the key is moved, or gives up: the threshold grows with the
      // machine's load (1 s at load 20 on 2 cores, longer than any fixed spin a test can afford;
      // a spin of 500 ms failed there)
      long giveUp = System.nanoTime() + Delays.LONG.toNanos();
      Callable<Long> phased = () -> {
        if (!computing.get()) {
          return nap(TASK);
        }
        long x = 0;
        while (pool.route("turns").target() != PoolKind.CPU && System.nanoTime() < giveUp) {
          x += spin(Duration.ofMillis(10));
        }
        return x;
      };
      runSequentially(pool, "turns", 6, phased);
      assertThat(pool.route("turns").target()).isEqualTo(PoolKind.VIRTUAL);
      computing.set(true);
      pool.submit(phased, TaskOptions.named("turns")).join(); // runs on a virtual thread
      eventually().until(() -> pool.route("turns").target() == PoolKind.CPU);
      Route route = pool.route("turns");
      assertThat(route.reason()).startsWith("held a carrier").endsWith("-> cpu");
      assertThat(route.method()).contains("carrier-hog");
      assertThat(route.changes()).isEqualTo(1);
      // the key moves a moment before the report is listed, and the task stops at the move
      eventually().untilAsserted(() -> assertThat(pool.carrierHogs()).singleElement().satisfies(
          hog -> assertThat(hog.detail()).contains("key now routed to cpu")));
    }
  }

  /** Its initializer blocks: a virtual thread running it cannot unmount (it is pinned). */
  private static final class SlowInit {
    static final long VALUE;

    static {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      VALUE = 7;
    }
  }

  @Test
  void carrierHog_pinnedVirtualThread_isReportedFromTheJfrStream() {
    try (AutoPool pool = auto(b -> b.route("pinner", PoolKind.VIRTUAL).watchPinning(true))) {
      assertThat(pool.submit(() -> SlowInit.VALUE, TaskOptions.named("pinner")).join()).isEqualTo(7);
      eventually().until(() -> pool.carrierHogs().stream().anyMatch(CarrierHog::pinned));
      CarrierHog pinned = pool.carrierHogs().stream().filter(CarrierHog::pinned).findFirst()
          .orElseThrow();
      assertThat(pinned.key()).isEqualTo("pinner");
      assertThat(pinned.thread()).startsWith("gearbox-" + pool.name() + "-virtual-");
      assertThat(pinned.held()).isGreaterThanOrEqualTo(Duration.ofMillis(20));
      assertThat(pinned.detail()).contains("pinned");
      assertThat(pinned.stack()).extracting(StackTraceElement::getClassName)
          .anyMatch(c -> c.contains("SlowInit"));
    }
  }

  // ---------------------------------------------------------------- sizing, isolation, JFR

  @Test
  void cpuThreads_waitingWorkOnTheCpuSide_growsItByGoetzFormula() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    try (AutoPool pool = auto(b -> b.route("blocking", PoolKind.CPU))) {
      assertThat(pool.cpuThreads()).isEqualTo(cores);
      List<TaskHandle<Long>> handles = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        handles.add(pool.submit(() -> nap(Duration.ofMillis(5)), TaskOptions.named("blocking")));
      }
      handles.forEach(TaskHandle::join);
      eventually().until(() -> pool.cpuThreads() > cores);
      assertThat(pool.cpuThreads()).isLessThanOrEqualTo(4 * cores);
    }
  }

  @Test
  void isolation_isolatedTask_runsOnTheIsolationPoolWhichClosesWithTheAutoPool() {
    AtomicReference<Pool> made = new AtomicReference<>();
    AutoPool pool = auto(b -> b.isolation(() -> {
      Pool p = Gearbox.threadsBuilder().name("iso-" + System.nanoTime()).threads(1).build();
      made.set(p);
      return p;
    }));
    try {
      String where = pool.submit(() -> Thread.currentThread().getName(),
          TaskOptions.named("risky").withIsolation()).join();
      assertThat(where).startsWith("gearbox-" + made.get().name() + "-");
      Route route = pool.route("risky [isolated]");
      assertThat(route.target()).isEqualTo(PoolKind.PROCESSES);
      assertThat(route.reason()).isEqualTo("asked for isolation -> processes");
      assertThatThrownBy(() -> pool.submit(() -> {
        throw new IllegalStateException("inside");
      }, TaskOptions.named("risky").withIsolation()).join())
          .isInstanceOf(TaskFailedException.class)
          .cause().hasMessage("inside");
    } finally {
      pool.close();
    }
    assertThat(made.get().isTerminated()).isTrue();
    assertThat(pool.stats().submitted()).isEqualTo(2);
  }

  @Test
  void isolation_default_runsTheTaskInAWorkerProcess() {
    try (AutoPool pool = auto(b -> b)) {
      long pid = pool.submit((SerializableCallable<Long>) () -> ProcessHandle.current().pid(),
          TaskOptions.named("risky").withIsolation()).join();
      assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(pool.route("risky [isolated]").target()).isEqualTo(PoolKind.PROCESSES);
    }
  }

  @Test
  void route_moreKeysThanTracked_fallBackToTheClassRoute() {
    try (AutoPool pool = auto(b -> b)) {
      Callable<Integer> task = () -> 1;
      int n = AutoPool.MAX_ROUTES + 10;
      List<TaskHandle<Integer>> handles = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        handles.add(pool.submit(task, TaskOptions.named("item-" + i)));
      }
      handles.forEach(TaskHandle::join);
      assertThat(pool.routes()).hasSize(AutoPool.MAX_ROUTES + 1);
      String classKey = pool.routes().stream().map(Route::key)
          .filter(k -> !k.startsWith("item-")).findFirst().orElseThrow();
      assertThat(classKey).endsWith(" lambda"); // the lambda's readable key
      eventually().until(() -> pool.route(classKey).runs() == 10);
    }
  }

  @Test
  void routeDecision_eachVerdict_isAJfrEvent(@TempDir Path dir) throws Exception {
    List<RecordedEvent> events;
    try (Recording recording = new Recording()) {
      recording.enable("io.gearbox.RouteDecision");
      recording.start();
      try (AutoPool pool = auto(b -> b.name("jfr-auto"))) {
        runSequentially(pool, "jfrSpin", 4, () -> spin(Duration.ofMillis(10)));
        runSequentially(pool, "jfrNap", 4, () -> nap(Duration.ofMillis(10)));
      }
      recording.stop();
      Path file = dir.resolve("decisions.jfr");
      recording.dump(file);
      events = RecordingFile.readAllEvents(file);
    }
    assertThat(events).filteredOn(e -> e.getString("pool").equals("jfr-auto"))
        .extracting(e -> e.getString("key") + " " + e.getString("target"))
        .containsExactlyInAnyOrder("jfrSpin cpu", "jfrNap virtual");
    assertThat(events).allSatisfy(e -> {
      assertThat(e.getString("method")).contains("CPU clock");
      assertThat(e.getString("reason")).contains("->");
      assertThat(e.getLong("measuredRuns")).isEqualTo(AutoPoolBuilder.DEFAULT_PROBE_RUNS);
    });
  }

  @Test
  void kind_autoPool_isAutoWithUnboundedParallelismAndOneSetOfStats() throws Exception {
    try (AutoPool pool = auto(b -> b)) {
      assertThat(pool.kind()).isEqualTo(PoolKind.AUTO);
      assertThat(pool.parallelism()).isEqualTo(-1);
      AtomicInteger ran = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(10);
      for (int i = 0; i < 5; i++) {
        pool.submit(() -> spin(Duration.ofMillis(1)), TaskOptions.named("a")).join();
        pool.submit(() -> nap(Duration.ofMillis(1)), TaskOptions.named("b")).join();
        ran.addAndGet(2);
        done.countDown();
        done.countDown();
      }
      Harness.await(done);
      eventually().until(() -> pool.stats().succeeded() == ran.get());
      PoolStats stats = pool.stats();
      assertThat(stats.kind()).isEqualTo(PoolKind.AUTO);
      assertThat(stats.submitted()).isEqualTo(10);
      assertThat(pool.routes()).extracting(Route::key).containsExactly("a", "b");
    }
  }

  // ---------------------------------------------------------------- profiler

  @Test
  void profile_sleepingTask_verdictIsVirtualWithItsEvidence() throws Exception {
    TaskProfile p = Profiler.profile("sleep", () -> nap(TASK), 5);
    assertThat(p.verdict()).isEqualTo(PoolKind.VIRTUAL);
    assertThat(p.runs()).isEqualTo(5);
    assertThat(p.meanWall()).isGreaterThanOrEqualTo(TASK);
    assertThat(p.meanWaiting()).isGreaterThan(p.meanCpu());
    assertThat(p.evidence()).matches("cpu \\d+%, waiting \\d+% over 5 runs -> virtual");
    assertThat(p.method()).contains("platform thread CPU clock");
    assertThat(p.failures()).isZero();
    assertThat(p.firstFailure()).isNull();
  }

  @Test
  void profile_busyAllocatingTask_verdictIsCpuAndAllocationIsCounted() throws Exception {
    TaskProfile p = Profiler.profile(() -> {
      byte[][] keep = new byte[64][];
      for (int i = 0; i < keep.length; i++) {
        keep[i] = new byte[16 * 1024];
      }
      return spin(TASK) + keep.length;
    }, 5);
    assertThat(p.verdict()).isEqualTo(PoolKind.CPU);
    assertThat(p.cpuShare()).isGreaterThanOrEqualTo(0.5);
    assertThat(p.allocatedBytes()).isGreaterThanOrEqualTo(64 * 16 * 1024);
    assertThat(p.evidence()).endsWith("-> cpu");
  }

  @Test
  void profile_failingTask_countsFailuresAndStillMeasures() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    TaskProfile p = Profiler.profile("flaky", () -> {
      if (calls.incrementAndGet() % 2 == 0) {
        throw new IllegalStateException("every other run");
      }
      return nap(Duration.ofMillis(2));
    }, 4);
    assertThat(p.runs()).isEqualTo(4);
    assertThat(p.failures()).isEqualTo(2);
    assertThat(p.firstFailure()).isEqualTo("java.lang.IllegalStateException: every other run");
    assertThatThrownBy(() -> Profiler.profile(() -> 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
