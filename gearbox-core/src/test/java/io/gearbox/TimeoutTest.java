package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Per-task deadlines, including on code that ignores interrupts: the handle completes as TIMED_OUT
 * at the deadline, the stuck task is reported by {@link PoolStats#stuck()} (not hidden), and its
 * thread is reclaimed once the code returns.
 */
class TimeoutTest {

  @RegisterExtension final Harness h = new Harness();

  /** Spins until released, ignoring interrupts; the test releases it at the end. */
  private volatile boolean released;

  private final AtomicReference<Thread> runner = new AtomicReference<>();
  private final AtomicBoolean sawInterrupt = new AtomicBoolean();
  private final CountDownLatch started = new CountDownLatch(1);

  private String spinIgnoringInterrupts() {
    runner.set(Thread.currentThread());
    started.countDown();
    while (!released) {
      Thread.onSpinWait();
    }
    sawInterrupt.set(Thread.currentThread().isInterrupted());
    return "finished anyway";
  }

  private static Pool onePlatformThread(Harness h, PoolKind kind) {
    return h.pool(kind, b -> kind == PoolKind.VIRTUAL ? b : b.threads(1));
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void timeout_taskIgnoringInterrupts_timesOutAtDeadlineIsReportedStuckThenReclaimed(PoolKind kind)
      throws Exception {
    try (Pool pool = onePlatformThread(h, kind)) {
      TaskHandle<String> handle;
      long submittedAt = System.nanoTime();
      try {
        handle = pool.submit(this::spinIgnoringInterrupts,
            TaskOptions.named("spinner").withTimeout(Delays.SMALL));
        Harness.await(started);

        assertThat(handle.await(Delays.LONG)).as("handle completes at the deadline").isTrue();

        assertThat(System.nanoTime() - submittedAt).as("not before the deadline")
            .isGreaterThanOrEqualTo(Delays.SMALL.toNanos());
        assertThat(handle.status()).isEqualTo(TaskState.TIMED_OUT);
        assertThat(handle.state()).isEqualTo(Future.State.FAILED);
        Throwable joined = catchThrowable(handle::join);
        assertThat(joined).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("spinner");
        assertThat(((TaskTimeoutException) joined).taskId()).isEqualTo(handle.id());
        assertThat(((TaskTimeoutException) joined).timeout()).isEqualTo(Delays.SMALL);
        Throwable got = catchThrowable(handle::get);
        assertThat(got).isInstanceOf(ExecutionException.class);
        assertThat(got.getCause()).isInstanceOf(TaskTimeoutException.class);
        assertThat(handle.exceptionNow()).isInstanceOf(TaskTimeoutException.class);

        // the code still runs: reported, not hidden
        PoolStats stats = pool.stats();
        assertThat(stats.timedOut()).isEqualTo(1);
        assertThat(stats.running()).isZero();
        assertThat(stats.stuck()).singleElement().satisfies(stuck -> {
          assertThat(stuck.taskId()).isEqualTo(handle.id());
          assertThat(stuck.name()).isEqualTo("spinner");
          assertThat(stuck.state()).isEqualTo(TaskState.TIMED_OUT);
          assertThat(stuck.thread()).isEqualTo(runner.get().getName())
              .startsWith(Harness.GEARBOX_PREFIX + pool.name() + "-");
          assertThat(stuck.stack()).extracting(StackTraceElement::getMethodName)
              .contains("spinIgnoringInterrupts");
          assertThat(stuck.overdue()).isGreaterThanOrEqualTo(Duration.ZERO);
        });
        assertThat(runner.get().isAlive()).isTrue();
      } finally {
        released = true;
      }

      eventually().until(() -> pool.stats().stuck().isEmpty());
      assertThat(sawInterrupt.get()).as("the pool interrupted the task at its deadline").isTrue();
      assertThat(handle.status()).as("terminal states never change").isEqualTo(TaskState.TIMED_OUT);
      if (kind == PoolKind.VIRTUAL) {
        Harness.join(runner.get());
      } else if (kind == PoolKind.AUTO) {
        // the spinner ran as its key's first probe, on a probe thread that the JVM's auto pools
        // share: the thread is reclaimed (named idle once the task's code has returned), not ended
        eventually().until(() -> !runner.get().isAlive()
            || runner.get().getName().startsWith(Harness.IDLE_AUTO_PREFIX));
      } else {
        // the pool's only thread is free again
        assertThat(pool.submit(Thread::currentThread).join()).isSameAs(runner.get());
      }
      assertThat(pool.stats().running()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void timeout_passingWhileQueued_taskNeverRuns(PoolKind kind) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    AtomicBoolean ran = new AtomicBoolean();
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      try {
        TaskHandle<Object> blocker = pool.submit(() -> {
          gate.await();
          return null;
        });
        TaskHandle<Boolean> queued = pool.submit(() -> ran.getAndSet(true),
            TaskOptions.timeout(Delays.SMALL));
        assertThat(queued.await(Delays.LONG)).isTrue();
        assertThat(queued.status()).isEqualTo(TaskState.TIMED_OUT);
        assertThat(catchThrowable(queued::join)).isInstanceOf(TaskTimeoutException.class)
            .hasMessageContaining("before it started");
        assertThat(blocker.status()).isEqualTo(TaskState.RUNNING);
      } finally {
        gate.countDown();
      }
    }
    assertThat(ran.get()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void timeout_interruptibleTask_endsThroughTheInterruptAndIsNotStuck(PoolKind kind)
      throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      TaskHandle<Object> handle = pool.submit(() -> {
        try {
          never.await();
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return null;
      }, TaskOptions.timeout(Delays.SMALL));
      assertThat(handle.await(Delays.LONG)).isTrue();
      assertThat(handle.status()).isEqualTo(TaskState.TIMED_OUT);
      Harness.await(interrupted);
      eventually().until(() -> pool.stats().stuck().isEmpty());
      assertThat(pool.stats().timedOut()).isEqualTo(1);
      assertThat(pool.stats().failed()).isZero();
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void timeout_taskFinishingFirst_succeedsAndTheDeadlineNeverFires(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind)) {
      Duration deadline = Delays.SMALL.multipliedBy(4); // ample for a task that returns at once
      TaskHandle<String> handle = pool.submit(() -> "in time", TaskOptions.timeout(deadline));
      assertThat(handle.join()).isEqualTo("in time");
      Thread.sleep(deadline.plus(Delays.SHORT)); // past the deadline: nothing may change
      assertThat(handle.status()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(pool.stats().timedOut()).isZero();
      assertThat(pool.stats().succeeded()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void closeWithGrace_taskIgnoringInterrupts_returnsFalseAndReportsTheStuckTask(PoolKind kind)
      throws Exception {
    Pool pool = onePlatformThread(h, kind);
    try {
      TaskHandle<String> handle = pool.submit(this::spinIgnoringInterrupts, TaskOptions.named("deaf"));
      Harness.await(started);
      assertThat(pool.close(Delays.SHORT)).as("a task ignoring interrupts holds its thread").isFalse();
      assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(pool.isTerminated()).isFalse();
      assertThat(pool.stats().stuck()).singleElement().satisfies(stuck -> {
        assertThat(stuck.name()).isEqualTo("deaf");
        assertThat(stuck.state()).isEqualTo(TaskState.CANCELLED);
      });
    } finally {
      released = true;
    }
    assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
    assertThat(pool.stats().stuck()).isEmpty();
    assertThat(pool.close(Duration.ZERO)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void timeout_manyTasksSomeLate_eachEndsInExactlyOneState(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      try {
        List<TaskHandle<Integer>> handles = new java.util.ArrayList<>();
        // Deadlines count queue time too: on a platform pool the quick tasks wait behind the late
        // ones until those time out, so only the late ones get the short deadline.
        for (int i = 0; i < 40; i++) {
          int id = i;
          handles.add(pool.submit(() -> {
            if (id % 4 == 0) {
              never.await();
            }
            return id;
          }, TaskOptions.timeout(id % 4 == 0 ? Delays.SMALL : Delays.LONG)));
        }
        for (TaskHandle<Integer> handle : handles) {
          assertThat(handle.await(Delays.LONG)).isTrue();
        }
        for (int i = 0; i < 40; i++) {
          assertThat(handles.get(i).status())
              .isEqualTo(i % 4 == 0 ? TaskState.TIMED_OUT : TaskState.SUCCEEDED);
        }
        PoolStats stats = pool.stats();
        assertThat(stats.timedOut()).isEqualTo(10);
        assertThat(stats.succeeded()).isEqualTo(30);
      } finally {
        never.countDown();
      }
    }
  }
}
