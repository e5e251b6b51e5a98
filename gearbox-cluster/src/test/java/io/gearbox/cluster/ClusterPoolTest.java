package io.gearbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.Pool;
import io.gearbox.SerializableCallable;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskNotSerializableException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import io.gearbox.TaskTimeoutException;
import io.gearbox.testing.Delays;
import io.gearbox.testing.Leaks;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster pool's promises on two member JVMs, reached from this JVM as a client: tasks run on
 * other members, map, scopes, deadlines, cancellation, stuck-task reports, bad input. The members
 * are shared by the class (a cluster forms in 5-15 s on two loaded cores); every test gets its own
 * client pool and ends with no Gearbox or Hazelcast thread left.
 */
@Timeout(90)
class ClusterPoolTest {

  static Members members;
  ClusterPool pool;

  @BeforeAll
  static void startMembers() throws Exception {
    members = Members.start(2);
  }

  @AfterAll
  static void stopMembers() throws Exception {
    members.close();
    Leaks.check();
  }

  ClusterPool connect() {
    pool = GearboxCluster.builder().clusterName(members.clusterName)
        .members(members.joinList())
        .failureDetection(Duration.ofSeconds(1), Duration.ofSeconds(5))
        .connectTimeout(Members.START).connect();
    return pool;
  }

  @AfterEach
  void closePool() throws Exception {
    if (pool != null) {
      assertThat(pool.close(Delays.LONG)).as("pool closed within %s", Delays.LONG).isTrue();
      assertThat(pool.isTerminated()).isTrue();
    }
    Leaks.check(false);
  }

  static long pid() {
    return ProcessHandle.current().pid();
  }

  @Test
  void taskRunsOnAnotherMember() {
    ClusterPool p = connect();
    ClusterTaskHandle<Long> h = p.submit(ClusterPoolTest::pid);
    long remote = h.join();
    assertThat(remote).isNotEqualTo(pid()).isIn(members.pid(0), members.pid(1));
    assertThat(h.memberPid()).hasValue(remote);
    assertThat(h.member()).get().isIn(members.address(0), members.address(1));
    assertThat(h.attempts()).isEqualTo(1);
    assertThat(h.status()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(p.members()).containsExactlyInAnyOrder(members.address(0), members.address(1));
    assertThat(p.memberPids()).containsExactlyInAnyOrder(members.pid(0), members.pid(1));
    assertThat(p.localAddress()).isEmpty();

    Pool plain = p; // a serializable task through a plain Pool reference
    SerializableCallable<Long> task = ClusterPoolTest::pid;
    assertThat(plain.submit(task).join()).isNotEqualTo(pid());
  }

  @Test
  void tasksSpreadOverMembersAndAKeyStaysOnItsOwner() {
    ClusterPool p = connect();
    List<ClusterTaskHandle<Long>> hs = IntStream.range(0, 16).mapToObj(i -> p.submit(() -> {
      Thread.sleep(100);
      return pid();
    })).toList();
    Set<Long> pids = new HashSet<>();
    hs.forEach(h -> pids.add(h.join()));
    assertThat(pids).containsExactlyInAnyOrder(members.pid(0), members.pid(1));

    Set<Long> keyed = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      keyed.add(p.submit(ClusterPoolTest::pid, TaskOptions.named("keyed").withKey("customer-42")).join());
    }
    assertThat(keyed).hasSize(1);
  }

  @Test
  void invokeReturnsTheValueAndATaskExceptionComesBackAsItsOwnType() {
    ClusterPool p = connect();
    assertThat(p.invoke(() -> "hello from " + pid())).startsWith("hello from ");
    ClusterTaskHandle<Object> h = p.submit(() -> {
      throw new IllegalStateException("boom on the member");
    });
    Throwable t = catchThrowable(h::join);
    assertThat(t).isInstanceOf(TaskFailedException.class);
    assertThat(t.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom on the member");
  }

  @Test
  void mapKeepsInputOrderAcrossBatchesAndMembers() {
    ClusterPool p = connect();
    List<Integer> in = IntStream.range(0, 20_000).boxed().toList();
    List<Integer> out;
    try (Stream<Integer> s = p.map(x -> x * 2, in)) {
      out = s.toList();
    }
    assertThat(out).isEqualTo(in.stream().map(x -> x * 2).toList());

    Pool plain = p; // a plain Pool reference with a serializable function
    SerializableFnHolder holder = new SerializableFnHolder();
    assertThat(plain.map(holder, List.of("a", "bb", "ccc")).toList()).containsExactly(1, 2, 3);
  }

  static final class SerializableFnHolder implements java.util.function.Function<String, Integer>, Serializable {
    @Override
    public Integer apply(String s) {
      return s.length();
    }
  }

  @Test
  void mapFailsFastAfterTheResultsBeforeTheFailure() {
    ClusterPool p = connect();
    List<Integer> seen = new java.util.ArrayList<>();
    Throwable t = catchThrowable(() -> {
      try (Stream<Integer> s = p.map(x -> {
        if (x == 50) {
          throw new ArithmeticException("item 50");
        }
        return x;
      }, IntStream.range(0, 100).boxed().toList())) {
        s.forEach(seen::add);
      }
    });
    assertThat(t).isInstanceOf(TaskFailedException.class).hasCauseInstanceOf(ArithmeticException.class);
    assertThat(seen).isEqualTo(IntStream.range(0, 50).boxed().toList());
  }

  @Test
  void mapOutcomesAndUnorderedAndPerItemDeadline() {
    ClusterPool p = connect();
    List<Outcome<Integer>> outcomes = p.<Integer, Integer>mapOutcomes(
        (java.util.function.Function<Integer, Integer> & Serializable) x -> 10 / x,
        List.of(1, 0, 5), MapOptions.defaults()).toList();
    assertThat(outcomes.get(0)).isEqualTo(new Outcome.Success<>(10));
    assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Failure.class,
        f -> assertThat(f.error()).isInstanceOf(ArithmeticException.class));
    assertThat(outcomes.get(2)).isEqualTo(new Outcome.Success<>(2));
    assertThat(p.<Integer, Integer>mapUnordered(
        (java.util.function.Function<Integer, Integer> & Serializable) x -> x + 1,
        List.of(1, 2, 3), MapOptions.defaults()).toList()).containsExactlyInAnyOrder(2, 3, 4);
    Throwable t = catchThrowable(() -> p.map(x -> {
      try {
        Thread.sleep(x);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return x;
    }, List.of(1, 30_000), MapOptions.defaults().withTaskTimeout(Duration.ofMillis(500))).toList());
    assertThat(t).isInstanceOf(TaskTimeoutException.class);
  }

  @Test
  void scopeChildrenRunOnMembers() throws Exception {
    ClusterPool p = connect();
    try (TaskScope scope = p.openScope()) {
      var a = scope.fork((Callable<Long> & Serializable) ClusterPoolTest::pid);
      var b = scope.fork((Callable<Long> & Serializable) ClusterPoolTest::pid);
      scope.join();
      assertThat(a.join()).isNotEqualTo(pid());
      assertThat(b.join()).isNotEqualTo(pid());
    }
  }

  @Test
  void executorServiceViewRunsCallablesAndRunnablesOnMembersAndShutsThePoolDown() throws Exception {
    ClusterPool p = connect();
    java.util.concurrent.ExecutorService es = p.asExecutorService();
    assertThat(es.submit((Callable<Long> & Serializable) ClusterPoolTest::pid).get())
        .isNotEqualTo(pid());
    assertThat(es.submit((Runnable & Serializable) () -> { }, "done").get()).isEqualTo("done");
    Runnable notSerializable = () -> { };
    assertThatThrownBy(() -> es.submit(notSerializable))
        .isInstanceOf(TaskNotSerializableException.class);
    es.shutdown();
    assertThat(es.awaitTermination(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .isTrue();
    assertThat(p.isShutdown()).isTrue();
  }

  @Test
  void deadlineCompletesTheHandleAtOnceAndInterruptsTheTaskOnItsMember(@TempDir Path dir)
      throws Exception {
    ClusterPool p = connect();
    String marker = dir.resolve("interrupted").toString();
    ClusterTaskHandle<Object> h = p.submit(() -> {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Files.writeString(Path.of(marker), "yes");
      }
      return null;
    }, TaskOptions.timeout(Duration.ofMillis(500)));
    assertThatThrownBy(h::join).isInstanceOf(TaskTimeoutException.class);
    assertThat(h.status()).isEqualTo(TaskState.TIMED_OUT);
    awaitFile(Path.of(marker));
  }

  @Test
  void cancelCompletesTheHandleAtOnceAndInterruptsTheTaskOnItsMember(@TempDir Path dir)
      throws Exception {
    ClusterPool p = connect();
    String started = dir.resolve("started").toString();
    String marker = dir.resolve("interrupted").toString();
    ClusterTaskHandle<Object> h = p.submit(() -> {
      Files.writeString(Path.of(started), "yes");
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Files.writeString(Path.of(marker), "yes");
      }
      return null;
    });
    awaitFile(Path.of(started));
    assertThat(h.cancel(true)).isTrue();
    assertThat(h.status()).isEqualTo(TaskState.CANCELLED);
    assertThatThrownBy(h::join).isInstanceOf(CancellationException.class);
    awaitFile(Path.of(marker));
  }

  @Test
  void aTaskThatIgnoresTheInterruptIsReportedStuckWithItsMember(@TempDir Path dir) throws Exception {
    ClusterPool p = connect();
    String started = dir.resolve("started").toString();
    ClusterTaskHandle<Object> h = p.submit(() -> {
      Files.writeString(Path.of(started), "yes");
      long end = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < end) {
        Thread.interrupted(); // ignores every interrupt
        Thread.onSpinWait();
      }
      return null;
    });
    awaitFile(Path.of(started));
    h.cancel(true);
    long end = System.nanoTime() + Delays.LONG.toNanos();
    while (p.stats().stuck().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(p.stats().stuck()).singleElement()
        .satisfies(s -> assertThat(s.thread()).contains(h.member().orElseThrow()));
    end = System.nanoTime() + Delays.LONG.toNanos();
    while (!p.stats().stuck().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertThat(p.stats().stuck()).as("the task ended on its member").isEmpty();
  }

  @Test
  void aTaskThatCannotBeSerializedFailsAtSubmitNamingClassAndField() {
    ClusterPool p = connect();
    Object notSerializable = new Object();
    Throwable t = catchThrowable(() -> p.submit((SerializableCallable<String>) () -> "x" + notSerializable));
    assertThat(t).isInstanceOf(TaskNotSerializableException.class)
        .hasMessageContaining("java.lang.Object").hasMessageContaining("captured[0]");
    Pool plain = p; // a plain lambda through a Pool reference is not serializable
    Throwable plainLambda = catchThrowable(() -> plain.submit(() -> "x"));
    assertThat(plainLambda).isInstanceOf(TaskNotSerializableException.class)
        .hasMessageContaining("a lambda must be serializable");
    assertThat(p.stats().submitted()).isZero();
  }

  @Test
  void aTaskClassMissingOnTheMembersFailsNamingTheClassAndTheClassPathFix(@TempDir Path dir)
      throws Exception {
    ClusterPool p = connect();
    Path src = dir.resolve("src/elsewhere/OnlyHere.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, "package elsewhere; public class OnlyHere implements"
        + " java.util.concurrent.Callable<String>, java.io.Serializable {"
        + " public String call() { return \"ran\"; } }");
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-d", classes.toString(), src.toString())).isZero();
    try (var loader = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()})) {
      @SuppressWarnings("unchecked")
      Callable<String> task = (Callable<String>) loader.loadClass("elsewhere.OnlyHere")
          .getConstructor().newInstance();
      Throwable t = catchThrowable(() -> p.submit(task).join());
      assertThat(t).isInstanceOf(TaskFailedException.class);
      assertThat(t.getCause()).isInstanceOf(ClassNotFoundException.class)
          .hasMessageContaining("elsewhere.OnlyHere").hasMessageContaining("--class-path");
    }
  }

  @Test
  void closedPoolRejectsAndNullIsRefused() {
    ClusterPool p = connect();
    assertThatThrownBy(() -> p.submit((Callable<Object>) null)).isInstanceOf(NullPointerException.class);
    p.shutdown();
    assertThatThrownBy(() -> p.submit(() -> 1)).isInstanceOf(io.gearbox.PoolClosedException.class);
  }

  static void awaitFile(Path f) throws InterruptedException {
    long end = System.nanoTime() + Delays.LONG.toNanos();
    while (!Files.exists(f) && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(f).exists();
  }
}
