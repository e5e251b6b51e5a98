package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * JSR-166-style conformance of every pool kind seen as a {@link ExecutorService}, and of the
 * matching {@link Pool} methods: nulls, rejection after shutdown, shutdownNow's never-run list,
 * invokeAll/invokeAny, shutdown/awaitTermination and close.
 */
class ExecutorServiceConformanceTest {

  @RegisterExtension final Harness h = new Harness();

  /** A Runnable that says whether it ran and whether it was interrupted. */
  private static final class Marker implements Runnable {
    final int id;
    final CountDownLatch gate;
    final Set<Integer> started;
    final Set<Integer> interrupted;

    Marker(int id, CountDownLatch gate, Set<Integer> started, Set<Integer> interrupted) {
      this.id = id;
      this.gate = gate;
      this.started = started;
      this.interrupted = interrupted;
    }

    @Override
    public void run() {
      started.add(id);
      try {
        gate.await();
      } catch (InterruptedException e) {
        interrupted.add(id);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void execute_nullTask_throwsNullPointerException(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      ExecutorService es = pool.asExecutorService();
      assertThatThrownBy(() -> es.execute(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> es.submit((Runnable) null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> es.submit((Runnable) null, 1)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> es.submit((Callable<Integer>) null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.submit(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.submit(() -> 1, null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.submit(null, TaskOptions.defaults()))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> es.invokeAll(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> es.invokeAny(null)).isInstanceOf(NullPointerException.class);
      assertThat(pool.stats().submitted()).isZero();
      assertThatThrownBy(() -> es.invokeAll(Arrays.asList(() -> 1, null)))
          .isInstanceOf(NullPointerException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAny_nullAmongTasks_throwsNullPointerException(PoolKind kind) {
    CountDownLatch gate = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      try {
        // the first task must not finish first, or invokeAny returns before it reaches the null
        Callable<Integer> waiting = () -> {
          gate.await();
          return 1;
        };
        assertThatThrownBy(() -> pool.asExecutorService().invokeAny(Arrays.asList(waiting, null)))
            .isInstanceOf(NullPointerException.class);
      } finally {
        gate.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void submit_afterShutdown_isRejectedWithPoolClosedException(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind);
    ExecutorService es = pool.asExecutorService();
    es.shutdown();
    assertThat(es.isShutdown()).isTrue();
    assertThat(pool.isShutdown()).isTrue();
    List<Throwable> refusals = List.of(
        catchThrowable(() -> pool.submit(() -> 1)),
        catchThrowable(() -> pool.submit(() -> 1, TaskOptions.named("late"))),
        catchThrowable(() -> pool.invoke(() -> 1)),
        catchThrowable(() -> es.execute(() -> { })),
        catchThrowable(() -> es.submit(() -> { })),
        catchThrowable(() -> es.submit(() -> { }, 1)),
        catchThrowable(() -> es.submit(() -> 1)));
    assertThat(refusals).allSatisfy(t -> assertThat(t)
        .isInstanceOf(PoolClosedException.class)
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining(pool.name()));
    assertThat(catchThrowable(() -> es.invokeAll(List.of(() -> 1))))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(catchThrowable(() -> pool.openScope())).isInstanceOf(PoolClosedException.class);
    assertThat(catchThrowable(() -> pool.map(x -> x, List.of(1, 2)).toList()))
        .isInstanceOf(PoolClosedException.class);
    PoolStats stats = pool.stats();
    assertThat(stats.submitted()).isZero();
    assertThat(stats.rejected()).isGreaterThanOrEqualTo(refusals.size());
    assertThat(es.awaitTermination(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(es.isTerminated()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void submit_afterClose_isRejectedWithPoolClosedException(PoolKind kind) {
    Pool pool = h.pool(kind);
    assertThat(pool.submit(() -> "before").join()).isEqualTo("before");
    pool.close();
    assertThat(pool.isTerminated()).isTrue();
    assertThatThrownBy(() -> pool.submit(() -> "after"))
        .isInstanceOf(PoolClosedException.class)
        .isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> pool.asExecutorService().execute(() -> { }))
        .isInstanceOf(PoolClosedException.class);
    assertThat(pool.stats().submitted()).isEqualTo(1);
    assertThat(pool.stats().rejected()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdownNow_returnsExactlyTheTasksThatNeverRan(PoolKind kind) throws Exception {
    int threads = 2;
    int n = 20;
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(threads));
    ExecutorService es = pool.asExecutorService();
    CountDownLatch never = new CountDownLatch(1);
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    Set<Integer> interrupted = ConcurrentHashMap.newKeySet();
    List<Marker> submitted = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Marker m = new Marker(i, never, started, interrupted);
        submitted.add(m);
        es.execute(m);
      }
      if (Harness.queues(kind)) {
        eventually().until(() -> started.size() == threads);
      }
      List<Runnable> neverRan = es.shutdownNow();
      assertThat(es.isShutdown()).isTrue();
      assertThat(es.awaitTermination(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

      // the list holds the very Runnables that were submitted, and only those that never started
      assertThat(neverRan).allSatisfy(r -> assertThat(submitted).containsOnlyOnce((Marker) r));
      Set<Integer> returned = new HashSet<>();
      neverRan.forEach(r -> returned.add(((Marker) r).id));
      assertThat(returned).hasSameSizeAs(neverRan);
      assertThat(Collections.disjoint(returned, started)).as("returned %s, started %s", returned, started)
          .isTrue();
      Set<Integer> all = new HashSet<>(started);
      all.addAll(returned);
      assertThat(all).hasSize(n);
      // every task that did run was interrupted out of its wait
      assertThat(interrupted).isEqualTo(started);
      if (Harness.queues(kind)) {
        assertThat(neverRan).hasSize(n - threads);
      }
      PoolStats stats = pool.stats();
      assertThat(stats.cancelled()).isEqualTo(n);
      assertThat(stats.submitted()).isEqualTo(n);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdownNow_onPool_returnsCancelledHandlesOfTasksThatNeverRan(PoolKind kind)
      throws Exception {
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(1));
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean secondRan = new AtomicBoolean();
    try {
      TaskHandle<Object> first = pool.submit(() -> {
        started.countDown();
        never.await();
        return null;
      });
      Harness.await(started);
      TaskHandle<Object> second = pool.submit(() -> secondRan.getAndSet(true));
      List<TaskHandle<?>> neverRan = pool.shutdownNow();
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      assertThat(first.status()).isEqualTo(TaskState.CANCELLED);
      assertThatThrownBy(first::join).isInstanceOf(java.util.concurrent.CancellationException.class);
      if (Harness.queues(kind)) {
        assertThat(neverRan).containsExactly(second);
      }
      assertThat(neverRan).allSatisfy(handle -> {
        assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
        assertThat(handle.isCancelled()).isTrue();
      });
      assertThat(secondRan.get()).isEqualTo(!neverRan.contains(second));
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAll_returnsEveryResultInTaskOrder(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      List<Callable<Integer>> tasks = IntStream.range(0, 50)
          .mapToObj(i -> (Callable<Integer>) () -> i * i)
          .toList();
      List<Future<Integer>> futures = pool.asExecutorService().invokeAll(tasks);
      assertThat(futures).hasSize(50).allSatisfy(f -> assertThat(f.isDone()).isTrue());
      for (int i = 0; i < 50; i++) {
        assertThat(futures.get(i).get()).isEqualTo(i * i);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAll_withTimeout_cancelsTheTasksStillRunning(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch slowInterrupted = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      try {
        Callable<String> quick = () -> "quick";
        Callable<String> slow = () -> {
          try {
            never.await();
            return "slow";
          } catch (InterruptedException e) {
            slowInterrupted.countDown();
            throw e;
          }
        };
        List<Future<String>> futures = pool.asExecutorService()
            .invokeAll(List.of(quick, slow), Delays.SMALL.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(futures.get(0).get()).isEqualTo("quick");
        assertThat(futures.get(1).isCancelled()).isTrue();
        Harness.await(slowInterrupted);
      } finally {
        never.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAny_returnsTheResultOfATaskThatSucceeded(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      List<Callable<Integer>> tasks = List.of(
          () -> { throw new IllegalStateException("first"); },
          () -> 42,
          () -> { throw new IllegalStateException("third"); });
      assertThat(pool.asExecutorService().invokeAny(tasks)).isEqualTo(42);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAny_everyTaskFails_throwsExecutionExceptionWithATaskCause(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      IllegalStateException a = new IllegalStateException("a");
      IllegalStateException b = new IllegalStateException("b");
      List<Callable<Integer>> tasks = List.of(() -> { throw a; }, () -> { throw b; });
      Throwable thrown = catchThrowable(() -> pool.asExecutorService().invokeAny(tasks));
      assertThat(thrown).isInstanceOf(ExecutionException.class);
      assertThat(thrown.getCause()).isIn(a, b);
      assertThatThrownBy(() -> pool.asExecutorService().invokeAny(List.<Callable<Integer>>of()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAny_onceOneSucceeds_cancelsTheOthers(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    Set<Integer> interrupted = ConcurrentHashMap.newKeySet();
    CountDownLatch blockersStarted = new CountDownLatch(3);
    try (Pool pool = h.pool(kind)) {
      try {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          int id = i;
          tasks.add(() -> {
            started.add(id);
            blockersStarted.countDown();
            try {
              never.await();
            } catch (InterruptedException e) {
              interrupted.add(id);
              throw e;
            }
            return id;
          });
        }
        tasks.add(() -> {
          Harness.await(blockersStarted);
          return 99;
        });
        assertThat(pool.asExecutorService().invokeAny(tasks)).isEqualTo(99);
        eventually().untilAsserted(() -> assertThat(interrupted).isEqualTo(started).hasSize(3));
      } finally {
        never.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdown_thenAwaitTermination_runsEveryAcceptedTask(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(1));
    CountDownLatch gate = new CountDownLatch(1);
    Set<Integer> ran = ConcurrentHashMap.newKeySet();
    List<TaskHandle<Integer>> handles = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int id = i;
      handles.add(pool.submit(() -> {
        gate.await();
        ran.add(id);
        return id;
      }));
    }
    pool.shutdown();
    pool.shutdown(); // idempotent
    assertThat(pool.isShutdown()).isTrue();
    assertThat(pool.isTerminated()).isFalse();
    assertThat(pool.awaitTermination(Delays.SHORT)).isFalse();
    gate.countDown();
    assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
    assertThat(pool.isTerminated()).isTrue();
    assertThat(ran).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    assertThat(handles).allSatisfy(handle -> assertThat(handle.status()).isEqualTo(TaskState.SUCCEEDED));
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void awaitTermination_hugeTimeouts_doNotOverflow(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind);
    ExecutorService es = pool.asExecutorService();
    TaskHandle<Integer> handle = pool.submit(() -> 7);
    assertThat(handle.get(Long.MAX_VALUE, TimeUnit.DAYS)).isEqualTo(7);
    assertThat(handle.get(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isEqualTo(7);
    assertThat(handle.await(java.time.Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
    es.shutdown();
    assertThat(es.awaitTermination(Long.MAX_VALUE, TimeUnit.SECONDS)).isTrue();
    assertThat(es.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS)).isTrue();
    assertThat(pool.awaitTermination(java.time.Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_onExecutorServiceView_waitsForRunningTasks(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind);
    ExecutorService es = pool.asExecutorService();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    AtomicBoolean finishedWhenCloseReturned = new AtomicBoolean();
    CountDownLatch closeReturned = new CountDownLatch(1);
    es.execute(() -> {
      started.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        h.fail(e);
      }
      finished.set(true);
    });
    Harness.await(started);
    Thread closer = h.startThread("closer", () -> {
      es.close();
      finishedWhenCloseReturned.set(finished.get());
      closeReturned.countDown();
    });
    // the auto pool is a facade: its ExecutorService view closes the engine underneath
    Harness.awaitBlocked(closer, kind == PoolKind.AUTO
        ? "io.gearbox.internal.ExecutorPool" : pool.getClass().getName());
    assertThat(closeReturned.getCount()).isEqualTo(1);
    assertThat(es.isShutdown()).isTrue();
    gate.countDown();
    Harness.join(closer);
    assertThat(finishedWhenCloseReturned.get()).isTrue();
    assertThat(es.isTerminated()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void execute_throwingCommand_reachesUncaughtExceptionHandlerAndFailsTask(PoolKind kind) {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      threads.add(t.getName());
      reported.add(e);
    });
    try (Pool pool = h.pool(kind)) {
      IllegalStateException boom = new IllegalStateException("boom");
      pool.asExecutorService().execute(() -> {
        throw boom;
      });
      eventually().until(() -> pool.stats().failed() == 1);
      assertThat(reported).containsExactly(boom);
      assertThat(threads).singleElement().asString().startsWith("gearbox-" + pool.name() + "-");
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }
}
