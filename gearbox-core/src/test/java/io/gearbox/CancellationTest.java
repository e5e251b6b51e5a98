package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cancellation of many blocked virtual-thread tasks, through a {@link TaskScope} and through their
 * handles: a thousand tasks blocked in sleep, in {@link BlockingQueue#take()} and in a socket read
 * against a local server that never answers all end promptly, each by the interrupt. Also the race
 * between cancel and the start of a task, on every kind of pool.
 */
class CancellationTest {

  private static final int TASKS = 1_000;

  @RegisterExtension final Harness h = new Harness();

  /** Where a task blocks. */
  enum Blocker { SLEEP, QUEUE_TAKE, SOCKET_READ }

  /**
   * The things tasks block on: a queue nobody feeds, and a loopback server that accepts
   * connections and never writes a byte.
   */
  private final class BlockingWorld implements AutoCloseable {
    final Blocker blocker;
    final BlockingQueue<Object> neverFed = new LinkedBlockingQueue<>();
    final ServerSocket server;
    final List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
    final Thread acceptor;

    BlockingWorld(Blocker blocker) throws IOException {
      this.blocker = blocker;
      if (blocker == Blocker.SOCKET_READ) {
        server = new ServerSocket(0, TASKS + 50, InetAddress.getLoopbackAddress());
        acceptor = h.startThread("acceptor", () -> {
          try {
            while (true) {
              accepted.add(server.accept());
            }
          } catch (SocketException closed) {
            // the test closed the server
          }
        });
      } else {
        server = null;
        acceptor = null;
      }
    }

    /** Blocks the calling task until it is interrupted; says how it ended. */
    String block(CountDownLatch started) throws Exception {
      switch (blocker) {
        case SLEEP -> {
          started.countDown();
          Thread.sleep(Duration.ofDays(1));
        }
        case QUEUE_TAKE -> {
          started.countDown();
          neverFed.take();
        }
        case SOCKET_READ -> {
          try (Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
              InputStream in = socket.getInputStream()) {
            started.countDown();
            int b = in.read();
            return "read returned " + b;
          }
        }
      }
      return "returned without being interrupted";
    }

    @Override
    public void close() throws Exception {
      if (server != null) {
        server.close();
        Harness.join(acceptor);
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  /** A task that blocks, recording how it ended: by an InterruptedException, or a socket closed by interrupt. */
  private static java.util.concurrent.Callable<String> blockingTask(
      BlockingWorld world, CountDownLatch started, Map<String, AtomicInteger> endings) {
    return () -> {
      String ending;
      try {
        ending = world.block(started);
      } catch (InterruptedException e) {
        ending = "InterruptedException";
      } catch (SocketException e) {
        ending = Thread.currentThread().isInterrupted()
            ? "SocketException after interrupt" : "SocketException " + e.getMessage();
      }
      endings.computeIfAbsent(ending, k -> new AtomicInteger()).incrementAndGet();
      return ending;
    };
  }

  private static String expectedEnding(Blocker blocker) {
    return blocker == Blocker.SOCKET_READ ? "SocketException after interrupt" : "InterruptedException";
  }

  private static int ended(Map<String, AtomicInteger> endings) {
    return endings.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @ParameterizedTest
  @EnumSource(Blocker.class)
  void scopeCancel_thousandBlockedVirtualTasks_allEndPromptly(Blocker blocker) throws Exception {
    Map<String, AtomicInteger> endings = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(TASKS);
    List<TaskHandle<String>> handles = new ArrayList<>();
    try (BlockingWorld world = new BlockingWorld(blocker);
        Pool pool = h.pool(PoolKind.VIRTUAL)) {
      try (TaskScope scope = pool.openScope()) {
        for (int i = 0; i < TASKS; i++) {
          handles.add(scope.fork(blockingTask(world, started, endings)));
        }
        Harness.await(started);
        assertThat(handles).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.RUNNING));

        scope.cancel();

        assertThat(scope.isCancelled()).isTrue();
        assertThatThrownBy(scope::join).isInstanceOf(CancellationException.class);
        assertThat(handles).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.CANCELLED));
        eventually().until(() -> ended(endings) == TASKS);
      }
      assertThat(endings).containsOnlyKeys(expectedEnding(blocker));
      PoolStats stats = pool.stats();
      assertThat(stats.cancelled()).isEqualTo(TASKS);
      assertThat(stats.running()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Blocker.class)
  void scopeClose_thousandBlockedVirtualTasks_returnsOnlyOnceEveryChildHasEnded(Blocker blocker)
      throws Exception {
    Map<String, AtomicInteger> endings = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(TASKS);
    try (BlockingWorld world = new BlockingWorld(blocker);
        Pool pool = h.pool(PoolKind.VIRTUAL)) {
      TaskScope scope = pool.openScope();
      for (int i = 0; i < TASKS; i++) {
        scope.fork(blockingTask(world, started, endings));
      }
      Harness.await(started);

      scope.close();

      // no waiting here: close returned, so every child's code has returned
      assertThat(ended(endings)).isEqualTo(TASKS);
      assertThat(endings).containsOnlyKeys(expectedEnding(blocker));
      assertThat(pool.stats().stuck()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Blocker.class)
  void handleCancel_thousandBlockedVirtualTasks_allEndPromptly(Blocker blocker) throws Exception {
    Map<String, AtomicInteger> endings = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(TASKS);
    List<TaskHandle<String>> handles = new ArrayList<>();
    try (BlockingWorld world = new BlockingWorld(blocker);
        Pool pool = h.pool(PoolKind.VIRTUAL)) {
      for (int i = 0; i < TASKS; i++) {
        handles.add(pool.submit(blockingTask(world, started, endings)));
      }
      Harness.await(started);

      for (TaskHandle<String> handle : handles) {
        assertThat(handle.cancel(true)).isTrue();
      }

      assertThat(handles).allSatisfy(t -> {
        assertThat(t.status()).isEqualTo(TaskState.CANCELLED);
        assertThat(t.isCancelled()).isTrue();
        assertThat(t.cancel(true)).isFalse();
        assertThatThrownBy(t::join).isInstanceOf(CancellationException.class);
      });
      eventually().until(() -> ended(endings) == TASKS);
      assertThat(endings).containsOnlyKeys(expectedEnding(blocker));
      eventually().until(() -> pool.stats().stuck().isEmpty());
      PoolStats stats = pool.stats();
      assertThat(stats.cancelled()).isEqualTo(TASKS);
      assertThat(stats.submitted()).isEqualTo(TASKS);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void cancel_racingWithTaskStart_stillInterruptsTheTask(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger entered = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    Pool pool = h.pool(kind);
    try {
      for (int i = 0; i < 1_000; i++) {
        TaskHandle<Object> handle = pool.submit(() -> {
          entered.incrementAndGet();
          try {
            never.await();
          } finally {
            exited.incrementAndGet();
          }
          return null;
        });
        // cancel the moment the task leaves PENDING: the runner may not have recorded its thread yet
        while (handle.status() == TaskState.PENDING) {
          Thread.onSpinWait();
        }
        assertThat(handle.cancel()).isTrue();
      }
      pool.shutdown();
      // termination means every thread left its task: a cancelled task never interrupted would
      // sit in never.await() forever
      assertThat(pool.awaitTermination(Delays.LONG))
          .as("every cancelled task ended; entered %s, exited %s, stuck %s",
              entered, exited, pool.stats().stuck())
          .isTrue();
      assertThat(exited.get()).isEqualTo(entered.get());
      assertThat(pool.stats().cancelled()).isEqualTo(1_000);
    } finally {
      never.countDown();
      pool.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void cancel_whileTheRunnerIsStillStarting_interruptsTheTaskOrNeverStartsIt(PoolKind kind)
      throws Exception {
    // A handle is a public object: code may lock it. Holding its monitor while the task starts
    // must not delay the runner (it records itself under a private lock) nor lose the cancel.
    // A cancel landing between "state is RUNNING" and "the runner thread is known" finds no
    // thread to interrupt; the contract then is that the task's code never starts. Either way
    // the thread leaves the task: a started task that was never interrupted would sit in
    // never.await() and keep the pool from terminating.
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicBoolean started = new AtomicBoolean();
    Pool pool = h.pool(kind);
    try {
      TaskHandle<Object> handle = pool.submit(() -> {
        started.set(true);
        try {
          never.await();
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return null;
      });
      synchronized (handle) {
        eventually().until(() -> handle.status() != TaskState.PENDING);
        assertThat(handle.cancel()).isTrue();
      }
      assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
      pool.shutdown();
      assertThat(pool.awaitTermination(Delays.LONG))
          .as("the cancelled task left its thread (started: %s)", started.get())
          .isTrue();
      assertThat(interrupted.getCount() == 0)
          .as("the task was interrupted exactly when its code had started")
          .isEqualTo(started.get());
    } finally {
      never.countDown();
      pool.close();
    }
  }

}
