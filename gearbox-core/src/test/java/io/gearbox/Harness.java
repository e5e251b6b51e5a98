package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * The JSR-166 rules for concurrency tests, as a JUnit extension that every test class registers
 * ({@code @RegisterExtension final Harness h = new Harness();}, checked by {@link
 * SuiteConventionsTest}). One instance per test method.
 *
 * <p>After each test it fails the test when:
 * <ul>
 *   <li>a failure was recorded on another thread ({@link #checked}, {@link #startThread}): the
 *       first is rethrown on the test thread, the others attached as suppressed;
 *   <li>a thread the test started is still alive after {@link Delays#LONG};
 *   <li>a pool the test made is not shut down, or does not terminate within {@link Delays#LONG};
 *   <li>a thread whose name starts with {@code gearbox-}, platform or virtual, is still alive after
 *       {@link Delays#LONG} (the survivors' stacks are in the message), but the auto pools' idle
 *       shared threads ({@link #IDLE_AUTO_PREFIX}: probes and watchers), which hold no task;
 *   <li>{@code ProcessHandle.current().descendants()} is not empty;
 *   <li>the test thread's interrupt flag is set (it is cleared).
 * </ul>
 *
 * <p>It also runs a wedged-test detector: a test still running after {@link Delays#WEDGED} gets
 * every thread dumped to stderr and is interrupted.
 *
 * <p>Public (as are {@link #checked} and {@link #join}) so that the tests of internals, which live
 * in the internal packages, use the same harness; the rest stays package-private until one needs it.
 */
public final class Harness implements BeforeEachCallback, AfterEachCallback, InvocationInterceptor {

  /** Every Gearbox thread name starts with this. */
  static final String GEARBOX_PREFIX = "gearbox-";

  /**
   * The name of an idle thread of those the JVM's auto pools share for their probes and watchers
   * (as virtual threads share their carriers): it holds no task, outlives the pool that last used
   * it, and ends after 30 s idle. While it runs a pool's probe or watcher it carries that pool's
   * name.
   */
  static final String IDLE_AUTO_PREFIX = "gearbox-auto-idle-";

  /** Every live Gearbox thread, platform or virtual, but the auto pools' idle shared threads. */
  static List<ThreadDumps.LiveThread> liveGearboxThreads() {
    return ThreadDumps.all(GEARBOX_PREFIX).stream()
        .filter(t -> !t.name().startsWith(IDLE_AUTO_PREFIX)).toList();
  }

  /** Platform threads per pool unless a test says otherwise. */
  static final int TEST_THREADS = 4;

  private static final AtomicInteger POOL_SEQUENCE = new AtomicInteger();

  /** Code run on another thread; whatever it throws is recorded and fails the test. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Throwable;
  }

  private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
  private final List<Pool> pools = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean wedged = new AtomicBoolean();
  private volatile String testName = "?";

  // ---------------------------------------------------------------- JUnit callbacks

  @Override
  public void beforeEach(ExtensionContext context) {
    testName = context.getDisplayName();
  }

  @Override
  public void interceptTestMethod(Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext)
      throws Throwable {
    watchForWedge(invocation, extensionContext);
  }

  @Override
  public void interceptTestTemplateMethod(Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext)
      throws Throwable {
    watchForWedge(invocation, extensionContext);
  }

  private void watchForWedge(Invocation<Void> invocation, ExtensionContext context)
      throws Throwable {
    Thread testThread = Thread.currentThread();
    String name = context.getUniqueId();
    Thread watchdog = Thread.ofPlatform().daemon().name("test-watchdog").start(() -> {
      try {
        Thread.sleep(Delays.WEDGED);
      } catch (InterruptedException done) {
        return;
      }
      wedged.set(true);
      System.err.println("WEDGED TEST after " + Delays.WEDGED + ": " + name + "\n"
          + ThreadDumps.fullDump());
      testThread.interrupt();
    });
    try {
      invocation.proceed();
    } finally {
      watchdog.interrupt();
      watchdog.join();
    }
    if (wedged.get()) {
      throw new AssertionError("test wedged for " + Delays.WEDGED + "; thread dump on stderr");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<String> problems = new ArrayList<>();
    if (Thread.interrupted()) {
      problems.add("the test thread's interrupt flag was set at the end of the test (now cleared)");
    }
    long deadline = System.nanoTime() + Delays.LONG.toNanos();
    for (Thread t : List.copyOf(threads)) {
      t.join(remaining(deadline));
      if (t.isAlive()) {
        problems.add("thread started by the test is still alive: " + t + "\n" + format(t));
      }
    }
    for (Pool pool : List.copyOf(pools)) {
      if (!pool.isShutdown()) {
        problems.add("pool '" + pool.name() + "' was not closed by the test");
        pool.shutdownNow();
      }
      if (!pool.awaitTermination(remaining(deadline))) {
        problems.add("pool '" + pool.name() + "' did not terminate within " + Delays.LONG
            + "; stats: " + pool.stats());
        pool.shutdownNow(); // so that its threads do not fail the tests that follow
        pool.awaitTermination(Delays.LONG);
      }
    }
    List<ThreadDumps.LiveThread> survivors = liveGearboxThreads();
    while (!survivors.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
      survivors = liveGearboxThreads();
    }
    if (!survivors.isEmpty()) {
      problems.add(survivors.size() + " Gearbox thread(s) still alive " + Delays.LONG
          + " after the test:\n" + survivors.stream().map(Object::toString)
              .collect(Collectors.joining("\n")));
    }
    List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
    if (!children.isEmpty()) {
      problems.add("child processes left behind: " + children.stream()
          .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
          .collect(Collectors.joining(", ")));
    }
    List<Throwable> recorded = List.copyOf(failures);
    if (recorded.isEmpty() && problems.isEmpty()) {
      return;
    }
    AssertionError error = new HarnessError(testName + ": "
        + (recorded.isEmpty() ? "" : recorded.size() + " failure(s) on other threads; ")
        + String.join("\n", problems), recorded.isEmpty() ? null : recorded.getFirst());
    recorded.stream().skip(1).forEach(error::addSuppressed);
    throw error;
  }

  /** What the harness found after a test; its own stack trace (JUnit's frames) says nothing. */
  private static final class HarnessError extends AssertionError {
    HarnessError(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
  }

  private static String format(Thread t) {
    StringBuilder out = new StringBuilder();
    for (StackTraceElement frame : t.getStackTrace()) {
      out.append("\tat ").append(frame).append('\n');
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- pools

  /** A pool of this kind with a unique name ({@value #TEST_THREADS} threads if platform). */
  Pool pool(PoolKind kind) {
    return pool(kind, b -> b);
  }

  /**
   * A pool of this kind, configured further by the test; closed-ness is checked afterwards. The
   * test configures a thread-pool builder (the kind with every shared option and a thread count);
   * a virtual or auto pool gets its shared options, and an auto pool its threads as the CPU side's
   * fixed size.
   */
  Pool pool(PoolKind kind, UnaryOperator<ThreadPoolBuilder> config) {
    String name = kind.label() + "-p" + POOL_SEQUENCE.incrementAndGet();
    ThreadPoolBuilder template = config.apply(
        (kind == PoolKind.CPU ? Gearbox.cpuBuilder() : Gearbox.threadsBuilder())
            .name(name).threads(TEST_THREADS));
    return track(switch (kind) {
      case THREADS, CPU -> template.build();
      case VIRTUAL -> sharedOptions(template, Gearbox.virtualBuilder()).build();
      case AUTO -> autoLike(template);
      case PROCESSES -> throw new IllegalArgumentException("process pools: see ProcessTests");
    });
  }

  /**
   * Whether tasks of this kind of pool wait in a queue behind busy threads: THREADS and CPU. The
   * contract tests assert queueing only there; VIRTUAL starts every task at once, and AUTO sends
   * unmeasured tasks to virtual threads (or to an idle probe thread), so nothing queues either.
   */
  static boolean queues(PoolKind kind) {
    return kind == PoolKind.THREADS || kind == PoolKind.CPU;
  }

  /** An auto pool with a thread-pool template's shared options, and its threads as the CPU side. */
  static AutoPool autoLike(ThreadPoolBuilder template) {
    return sharedOptions(template, Gearbox.autoBuilder().cpuThreads(template.threads)).build();
  }

  /** {@code target} with the options every builder shares copied from {@code template}. */
  static <P extends PoolBuilder<?>> P sharedOptions(PoolBuilder<?> template, P target) {
    target.saturation(template.saturation);
    target.captureSubmitSite(template.captureSubmitSite);
    if (template.name != null) {
      target.name(template.name);
    }
    if (template.maxInFlight > 0) {
      target.maxInFlight(template.maxInFlight);
    }
    return target;
  }

  /** Has the harness check after the test that this pool was closed and terminated. */
  Pool track(Pool pool) {
    pools.add(pool);
    return pool;
  }

  // ---------------------------------------------------------------- threads and failures

  /** Starts a platform thread named {@code test-<name>}; it is joined after the test. */
  Thread startThread(String name, ThrowingRunnable body) {
    Thread t = Thread.ofPlatform().name("test-" + name).unstarted(checked(body));
    threads.add(t);
    t.start();
    return t;
  }

  /** The body as a Runnable whose failures fail the test. */
  public Runnable checked(ThrowingRunnable body) {
    return () -> {
      try {
        body.run();
      } catch (Throwable t) {
        failures.add(t);
      }
    };
  }

  /** Records a failure seen on another thread. */
  void fail(Throwable t) {
    failures.add(t);
  }

  /** Joins a thread the test started, failing if it does not end within {@link Delays#LONG}. */
  public static void join(Thread t) throws InterruptedException {
    if (!t.join(Delays.LONG)) {
      throw new AssertionError("thread did not end within " + Delays.LONG + ": " + t + "\n"
          + format(t));
    }
  }

  /** Waits for a latch, failing with a thread dump if it is not released within LONG. */
  static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(Delays.LONG.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("latch still at " + latch.getCount() + " after " + Delays.LONG
          + "\n" + ThreadDumps.fullDump());
    }
  }

  /** Waits until the thread is parked in one of the states, with a frame of the class on its stack. */
  static void awaitBlocked(Thread t, String className) {
    eventually().untilAsserted(() -> {
      assertThat(t.getState()).isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
      assertThat(t.getStackTrace()).extracting(StackTraceElement::getClassName).contains(className);
    });
  }

  /** Awaitility, polling on the test thread, bounded by {@link Delays#LONG}. */
  public static ConditionFactory eventually() {
    return Awaitility.await()
        .atMost(Delays.LONG)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }
}
