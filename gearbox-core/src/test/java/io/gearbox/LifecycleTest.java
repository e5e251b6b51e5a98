package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pool lifecycle on every kind: close() waits for running work, close(Duration) cancels what
 * remains and reports whether the pool terminated, an interrupted close cancels and keeps the
 * flag; thread names; the factory methods.
 */
class LifecycleTest {

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch never = new CountDownLatch(1);

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_withTaskRunning_waitsForItToFinish(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    AtomicBoolean finishedWhenCloseReturned = new AtomicBoolean();
    TaskHandle<String> handle = pool.submit(() -> {
      started.countDown();
      gate.await();
      finished.set(true);
      return "done";
    });
    Harness.await(started);
    Thread closer = h.startThread("closer", () -> {
      pool.close();
      finishedWhenCloseReturned.set(finished.get());
    });
    Harness.awaitBlocked(closer, pool.getClass().getName());
    assertThat(closer.isAlive()).as("close is waiting").isTrue();
    assertThat(pool.isShutdown()).isTrue();
    assertThat(pool.isTerminated()).isFalse();
    gate.countDown();
    Harness.join(closer);
    assertThat(finishedWhenCloseReturned.get()).isTrue();
    assertThat(handle.status()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(pool.isTerminated()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void closeWithGrace_tasksRespondToInterrupt_cancelsTheRestAndReturnsTrue(PoolKind kind)
      throws Exception {
    int running = 2;
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(running));
    CountDownLatch started = new CountDownLatch(running);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    List<TaskHandle<Object>> handles = new ArrayList<>();
    try {
      for (int i = 0; i < running; i++) {
        handles.add(pool.submit(() -> {
          ran.incrementAndGet();
          started.countDown();
          try {
            never.await();
          } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
          }
          return null;
        }));
      }
      Harness.await(started);
      if (Harness.queues(kind)) {
        for (int i = 0; i < 3; i++) {
          handles.add(pool.submit(() -> ran.incrementAndGet())); // queued behind the blocked ones
        }
      }

      assertThat(pool.close(Delays.SHORT)).isTrue();

      assertThat(pool.isTerminated()).isTrue();
      assertThat(interrupted.get()).isEqualTo(running);
      assertThat(ran.get()).as("queued tasks never ran").isEqualTo(running);
      assertThat(handles).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.CANCELLED));
      assertThat(pool.stats().cancelled()).isEqualTo(handles.size());
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void closeWithGrace_everythingFinishesInTime_returnsTrueWithoutCancelling(PoolKind kind) {
    Pool pool = h.pool(kind);
    List<TaskHandle<Integer>> handles = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int id = i;
      handles.add(pool.submit(() -> id));
    }
    assertThat(pool.close(Delays.LONG)).isTrue();
    assertThat(handles).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED));
    assertThat(pool.stats().cancelled()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_callerInterruptedWhileWaiting_cancelsWhatRemainsAndRestoresTheFlag(PoolKind kind)
      throws Exception {
    Pool pool = h.pool(kind);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean flagAfterClose = new AtomicBoolean();
    try {
      TaskHandle<Object> handle = pool.submit(() -> {
        started.countDown();
        never.await();
        return null;
      });
      Harness.await(started);
      Thread closer = h.startThread("closer", () -> {
        pool.close();
        flagAfterClose.set(Thread.interrupted());
      });
      Harness.awaitBlocked(closer, pool.getClass().getName());
      closer.interrupt();
      Harness.join(closer);
      assertThat(flagAfterClose.get()).isTrue();
      assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(pool.isTerminated()).isTrue();
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void threadNames_allStartWithGearboxAndThePoolName(PoolKind kind) throws Exception {
    List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
    Set<Long> threadIds = ConcurrentHashMap.newKeySet(); // a virtual pool's threads share a name
    CountDownLatch started = new CountDownLatch(Harness.TEST_THREADS);
    try (Pool pool = h.pool(kind)) {
      String prefix = Harness.GEARBOX_PREFIX + pool.name() + "-";
      try {
        for (int i = 0; i < Harness.TEST_THREADS; i++) {
          pool.submit(() -> {
            names.add(Thread.currentThread().getName());
            threadIds.add(Thread.currentThread().threadId());
            started.countDown();
            never.await();
            return null;
          }, TaskOptions.timeout(Duration.ofDays(1))); // a deadline starts the timer thread too
        }
        Harness.await(started);
        assertThat(threadIds).hasSize(Harness.TEST_THREADS);
        assertThat(names).hasSize(Harness.TEST_THREADS).allSatisfy(n -> assertThat(n).startsWith(prefix));
        List<String> live = Harness.liveGearboxThreads().stream()
            .map(ThreadDumps.LiveThread::name).toList();
        assertThat(live).isNotEmpty().allSatisfy(n -> assertThat(n).startsWith(prefix));
        assertThat(live).anySatisfy(n -> assertThat(n).contains("timer"));
      } finally {
        never.countDown();
      }
    }
  }

  /**
   * A virtual pool's threads share one name, {@code gearbox-<pool>-virtual} (one string per pool,
   * not one per task): it is what the task's own thread reports, what a JSON thread dump lists for
   * each of them, and what a stuck-task report names.
   */
  @Test
  void virtualPool_threadsShareThePoolsNameInTasksDumpsAndStuckReports() throws Exception {
    String expected = Harness.GEARBOX_PREFIX + "vnames-virtual";
    CountDownLatch started = new CountDownLatch(3);
    List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Pool pool = h.track(Gearbox.virtualBuilder().name("vnames").build())) {
      try {
        List<TaskHandle<Object>> handles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          handles.add(pool.submit(() -> {
            names.add(Thread.currentThread().getName());
            started.countDown();
            while (true) { // outlives its cancel: a stuck task until the test lets it go
              try {
                never.await();
                return null;
              } catch (InterruptedException ignored) {
                // keep waiting
              }
            }
          }));
        }
        Harness.await(started);
        assertThat(names).containsExactly(expected, expected, expected);
        assertThat(ThreadDumps.virtual(Harness.GEARBOX_PREFIX + "vnames-"))
            .extracting(ThreadDumps.LiveThread::name)
            .containsExactly(expected, expected, expected);
        assertThat(handles.get(0).cancel(true)).isTrue();
        eventually().untilAsserted(() -> assertThat(pool.stats().stuck())
            .singleElement().satisfies(stuck -> {
              assertThat(stuck.taskId()).isEqualTo(handles.get(0).id());
              assertThat(stuck.thread()).isEqualTo(expected);
            }));
      } finally {
        never.countDown();
      }
    }
  }

  @Test
  void factories_buildPoolsOfTheirKindWithGeneratedNames() throws Exception {
    try (Pool threads = h.track(Gearbox.threads(3));
        Pool virtual = h.track(Gearbox.virtual());
        Pool cpu = h.track(Gearbox.cpu())) {
      assertThat(threads.kind()).isEqualTo(PoolKind.THREADS);
      assertThat(threads.parallelism()).isEqualTo(3);
      assertThat(threads.name()).matches("threads-\\d+");
      assertThat(threads.stats().maxInFlight()).isEqualTo(3 * Gearbox.DEFAULT_QUEUE_PER_THREAD);
      assertThat(virtual.kind()).isEqualTo(PoolKind.VIRTUAL);
      assertThat(virtual.parallelism()).isEqualTo(-1);
      assertThat(virtual.name()).matches("virtual-\\d+");
      assertThat(virtual.stats().maxInFlight()).isEqualTo(Gearbox.DEFAULT_VIRTUAL_MAX_IN_FLIGHT);
      assertThat(cpu.kind()).isEqualTo(PoolKind.CPU);
      assertThat(cpu.parallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(cpu.name()).matches("cpu-\\d+");
      for (Pool pool : List.of(threads, virtual, cpu)) {
        String thread = pool.submit(() -> Thread.currentThread().getName()).join();
        assertThat(thread).startsWith(Harness.GEARBOX_PREFIX + pool.name() + "-");
        assertThat(pool.defaultMapWindow()).isPositive();
        assertThat(pool.toString()).contains(pool.name());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void awaitTermination_beforeShutdown_returnsFalse(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      assertThat(pool.submit(() -> 1).join()).isEqualTo(1);
      assertThat(pool.awaitTermination(Delays.SHORT)).isFalse();
      assertThat(pool.isShutdown()).isFalse();
      assertThat(pool.isTerminated()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdownNow_afterShutdown_stillCancelsQueuedAndRunningTasks(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(1));
    CountDownLatch started = new CountDownLatch(1);
    try {
      TaskHandle<Object> running = pool.submit(() -> {
        started.countDown();
        never.await();
        return null;
      });
      Harness.await(started);
      pool.shutdown();
      pool.shutdownNow();
      pool.shutdownNow(); // idempotent
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      assertThat(running.status()).isEqualTo(TaskState.CANCELLED);
      eventually().until(() -> pool.stats().stuck().isEmpty());
    } finally {
      never.countDown();
      pool.close();
    }
  }
}
