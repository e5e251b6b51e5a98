package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A task that ends without running gives its place back at once, and nothing a pool accepted is
 * left hanging: queued tasks cancelled or timed out behind a long task, CALLER_RUNS tasks under
 * shutdownNow, and the futures that invokeAll waits on.
 */
class SlotReleaseTest {

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch release = new CountDownLatch(1);

  private Integer blockUntilReleased() throws InterruptedException {
    release.await();
    return 1;
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void cancel_queuedTaskBehindLongTask_freesItsSlotAtOnce(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind, b -> b.threads(1).maxInFlight(2).saturation(Saturation.REJECT))) {
      CountDownLatch started = new CountDownLatch(1);
      TaskHandle<Integer> longTask = pool.submit(() -> {
        started.countDown();
        return blockUntilReleased();
      });
      Harness.await(started);
      TaskHandle<Integer> queued = pool.submit(() -> 2);
      assertThat(queued.cancel()).isTrue();
      // the pool holds one running task: a REJECT pool of bound 2 has room again
      TaskHandle<Integer> next = pool.submit(() -> 3);
      assertThat(queued.timings().queuedNanos()).isPositive();
      assertThat(pool.stats().queued()).isEqualTo(1);
      release.countDown();
      assertThat(longTask.join()).isEqualTo(1);
      assertThat(next.join()).isEqualTo(3);
      assertThat(queued.status()).isEqualTo(TaskState.CANCELLED);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void timeout_queuedTaskInScope_scopeClosesWithoutWaitingForTheLongTask(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      CountDownLatch started = new CountDownLatch(1);
      TaskHandle<Integer> longTask = pool.submit(() -> {
        started.countDown();
        return blockUntilReleased();
      });
      Harness.await(started);
      TaskHandle<Integer> child;
      try (TaskScope scope = pool.openScope()) {
        child = scope.fork(() -> 2, TaskOptions.timeout(Duration.ofMillis(20)));
        eventually().until(child::isDone);
        // close() waits for children's code to exit; a child that never ran has nothing to wait for
      }
      assertThat(child.status()).isEqualTo(TaskState.TIMED_OUT);
      assertThat(longTask.isDone()).isFalse();
      release.countDown();
      assertThat(longTask.join()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void shutdownNow_callerRunsTask_isInterruptedAndCancelled(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind, b -> b.threads(1).maxInFlight(1).saturation(Saturation.CALLER_RUNS));
    try {
      CountDownLatch started = new CountDownLatch(1);
      pool.submit(() -> {
        started.countDown();
        return blockUntilReleased();
      });
      Harness.await(started);
      CountDownLatch callerRunning = new CountDownLatch(1);
      AtomicReference<TaskHandle<Integer>> inline = new AtomicReference<>();
      AtomicReference<Thread> runOn = new AtomicReference<>();
      Thread caller = h.startThread("caller", () -> inline.set(pool.submit(() -> {
        runOn.set(Thread.currentThread());
        callerRunning.countDown();
        return blockUntilReleased();
      })));
      Harness.await(callerRunning);
      assertThat(runOn.get()).isSameAs(caller);
      pool.shutdownNow();
      Harness.join(caller);
      assertThat(inline.get().status()).isEqualTo(TaskState.CANCELLED);
      assertThat(caller.isInterrupted()).isFalse();
    } finally {
      release.countDown();
      pool.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invokeAll_poolShutDownNowBeforeTasksRun_returnsInsteadOfHanging(PoolKind kind)
      throws Exception {
    Pool pool = h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(1));
    try {
      ExecutorService es = pool.asExecutorService();
      CountDownLatch started = new CountDownLatch(1);
      List<Callable<Integer>> tasks = new ArrayList<>();
      tasks.add(() -> {
        started.countDown();
        return blockUntilReleased();
      });
      for (int i = 0; i < 5; i++) {
        tasks.add(this::blockUntilReleased);
      }
      AtomicReference<List<Future<Integer>>> results = new AtomicReference<>();
      Thread invoker = h.startThread("invoker", () -> results.set(es.invokeAll(tasks)));
      Harness.await(started);
      eventually().until(() -> pool.stats().submitted() == 6); // all accepted, none refused
      es.shutdownNow();
      Harness.join(invoker);
      assertThat(results.get()).hasSize(6).allSatisfy(f -> assertThat(f.isDone()).isTrue());
      if (Harness.queues(kind)) {
        // one thread: five commands were still queued and never ran; their futures were cancelled
        assertThat(results.get()).filteredOn(Future::isCancelled).hasSize(5);
      }
    } finally {
      release.countDown();
      pool.close();
    }
  }
}
