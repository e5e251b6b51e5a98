package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a failed task's waiters see, on every kind of pool: the task's own exception as the cause
 * and a suppressed submit site (the engine's {@code io.gearbox.internal.SubmitSite}) whose stack holds the submitting test method's frame; and
 * {@link TaskHandle#toCompletableFuture()} in every outcome, including cancelling through it.
 */
class FailureReportingTest {

  @RegisterExtension final Harness h = new Harness();

  /** Asserts the throwable carries exactly one SubmitSite, which names the given test method. */
  private void assertSubmitSiteNames(Throwable thrown, String testMethod) {
    assertThat(thrown.getSuppressed()).hasSize(1);
    assertThat(thrown.getSuppressed()[0].getClass().getName())
        .isEqualTo("io.gearbox.internal.SubmitSite");
    assertStackNames(thrown.getSuppressed()[0].getStackTrace(), testMethod);
  }

  private void assertStackNames(StackTraceElement[] stack, String testMethod) {
    assertThat(stack)
        .as("submit site stack %s", List.of(stack))
        .anySatisfy(frame -> {
          assertThat(frame.getClassName()).isEqualTo(getClass().getName());
          assertThat(frame.getMethodName()).isEqualTo(testMethod);
        });
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_taskThrows_throwsTaskFailedWithTheCauseAndTheSubmitSite(PoolKind kind) {
    IOException boom = new IOException("boom");
    try (Pool pool = h.pool(kind)) {
      TaskHandle<String> handle = pool.submit(() -> {
        throw boom;
      });
      Throwable thrown = catchThrowable(handle::join);
      assertThat(thrown).isInstanceOf(TaskFailedException.class).hasMessageContaining(pool.name());
      assertThat(thrown.getCause()).isSameAs(boom);
      assertThat(((TaskFailedException) thrown).taskId()).isEqualTo(handle.id());
      assertSubmitSiteNames(thrown, "join_taskThrows_throwsTaskFailedWithTheCauseAndTheSubmitSite");
      assertThat(handle.status()).isEqualTo(TaskState.FAILED);
      assertThat(handle.state()).isEqualTo(Future.State.FAILED);
      assertThat(handle.exceptionNow()).isSameAs(boom);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void get_taskThrows_throwsExecutionExceptionWithTheCauseAndTheSubmitSite(PoolKind kind) {
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind)) {
      TaskHandle<String> handle = pool.submit(() -> {
        throw boom;
      });
      Throwable thrown = catchThrowable(handle::get);
      assertThat(thrown).isInstanceOf(ExecutionException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertSubmitSiteNames(thrown, "get_taskThrows_throwsExecutionExceptionWithTheCauseAndTheSubmitSite");
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invoke_taskThrowsAnError_throwsTaskFailedWithTheErrorAndTheSubmitSite(PoolKind kind) {
    AssertionError boom = new AssertionError("an Error, not an Exception");
    try (Pool pool = h.pool(kind)) {
      Throwable thrown = catchThrowable(() -> pool.invoke(() -> {
        throw boom;
      }));
      assertThat(thrown).isInstanceOf(TaskFailedException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertSubmitSiteNames(thrown, "invoke_taskThrowsAnError_throwsTaskFailedWithTheErrorAndTheSubmitSite");
      assertThat(pool.stats().failed()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void scopeJoin_childThrows_throwsTaskFailedWithTheSubmitSite(PoolKind kind) throws Exception {
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      scope.fork(() -> {
        throw boom;
      });
      Throwable thrown = catchThrowable(scope::join);
      assertThat(thrown).isInstanceOf(TaskFailedException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertSubmitSiteNames(thrown, "scopeJoin_childThrows_throwsTaskFailedWithTheSubmitSite");
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_itemThrows_throwsTaskFailedWithTheSubmitSite(PoolKind kind) {
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.map(i -> {
          throw boom;
        }, List.of(1))) {
      Throwable thrown = catchThrowable(results::toList);
      assertThat(thrown).isInstanceOf(TaskFailedException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertSubmitSiteNames(thrown, "map_itemThrows_throwsTaskFailedWithTheSubmitSite");
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_taskTimedOut_timeoutStackIsTheSubmitSite(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      TaskHandle<Object> handle = pool.submit(() -> {
        never.await();
        return null;
      }, TaskOptions.timeout(Delays.SHORT));
      Throwable thrown = catchThrowable(handle::join);
      assertThat(thrown).isInstanceOf(TaskTimeoutException.class);
      assertStackNames(thrown.getStackTrace(), "join_taskTimedOut_timeoutStackIsTheSubmitSite");
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_submitSiteCaptureOff_hasNoSubmitSite(PoolKind kind) {
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind, b -> b.captureSubmitSite(false))) {
      Throwable thrown = catchThrowable(pool.submit(() -> {
        throw boom;
      })::join);
      assertThat(thrown).isInstanceOf(TaskFailedException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertThat(thrown.getSuppressed()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void toCompletableFuture_taskSucceeds_completesWithTheValue(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      CompletableFuture<String> future = pool.submit(() -> "value").toCompletableFuture();
      assertThat(future.get(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
          .isEqualTo("value");
      assertThat(future.thenApply(String::length).join()).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void toCompletableFuture_taskThrows_completesExceptionallyWithTheTaskException(PoolKind kind) {
    IOException boom = new IOException("boom");
    try (Pool pool = h.pool(kind)) {
      CompletableFuture<String> future = pool.<String>submit(() -> {
        throw boom;
      }).toCompletableFuture();
      Throwable thrown = catchThrowable(future::join);
      assertThat(thrown).isInstanceOf(CompletionException.class);
      assertThat(thrown.getCause()).isSameAs(boom);
      assertThat(future.isCompletedExceptionally()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void toCompletableFuture_taskTimesOut_completesWithTaskTimeout(PoolKind kind) {
    CountDownLatch never = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      CompletableFuture<Object> future = pool.submit(() -> {
        never.await();
        return null;
      }, TaskOptions.timeout(Delays.SHORT)).toCompletableFuture();
      assertThat(catchThrowable(future::join)).isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(TaskTimeoutException.class);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void toCompletableFuture_cancelled_cancelsTheTaskAndInterruptsIt(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      TaskHandle<Object> handle = pool.submit(() -> {
        started.countDown();
        try {
          never.await();
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return null;
      });
      CompletableFuture<Object> future = handle.toCompletableFuture();
      Harness.await(started);
      assertThat(future.cancel(true)).isTrue();
      assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
      Harness.await(interrupted);
      // a second view of a cancelled task is cancelled too
      assertThat(handle.toCompletableFuture().isCancelled()).isTrue();
      assertThat(catchThrowable(handle::join)).isInstanceOf(CancellationException.class);
    } finally {
      never.countDown();
    }
  }
}
