package io.gearbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gearbox.TaskFailedException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskState;
import io.gearbox.testing.Delays;
import io.gearbox.testing.Leaks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members that die, join and leave, with real member JVMs and real signals: {@code kill -9}
 * mid-task (at-most-once, then with retries), 500 tasks while a member is SIGKILLed, a member
 * joining mid-run, a member leaving on SIGTERM; plus connect to nowhere and the embedded member.
 * Each test has its own members; every one ends with no member JVM, Hazelcast or Gearbox thread
 * left.
 */
@Timeout(120)
class ClusterFailureTest {

  Members members;
  ClusterPool pool;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (pool != null) {
        pool.shutdownNow();
        assertThat(pool.close(Delays.LONG)).isTrue();
      }
    } finally {
      if (members != null) {
        members.close();
      }
    }
    Leaks.check();
  }

  ClusterPool connect(Members m) {
    pool = GearboxCluster.builder().clusterName(m.clusterName).members(m.joinList())
        .failureDetection(Duration.ofSeconds(1), Duration.ofSeconds(5))
        .connectTimeout(Members.START).connect();
    return pool;
  }

  /** In a member: marks the start, then sleeps (interruptibly) up to a minute. */
  static long startAndSleep(String marker, long millis) throws Exception {
    Files.writeString(Path.of(marker + "-" + ProcessHandle.current().pid()), "started");
    Thread.sleep(millis);
    return ProcessHandle.current().pid();
  }

  /** The pid in the name of the first file starting with {@code prefix-} in dir. */
  static long awaitStarted(Path dir, String prefix) throws Exception {
    long end = System.nanoTime() + Delays.LONG.toNanos();
    while (System.nanoTime() < end) {
      try (Stream<Path> files = Files.list(dir)) {
        var found = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(prefix + "-"))
            .findFirst();
        if (found.isPresent()) {
          return Long.parseLong(found.get().substring(prefix.length() + 1));
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("task " + prefix + " did not start within " + Delays.LONG);
  }

  int indexOf(long pid) {
    return members.pid(0) == pid ? 0 : 1;
  }

  @Test
  void aMemberKilledMidTaskFailsThePlainTaskWithMemberLost(@TempDir Path dir) throws Exception {
    members = Members.start(2);
    ClusterPool p = connect(members);
    String marker = dir.resolve("plain").toString();
    ClusterTaskHandle<Long> h = p.submit(() -> startAndSleep(marker, 60_000), TaskOptions.named("victim"));
    long pid = awaitStarted(dir, "plain");
    int victim = indexOf(pid);
    members.kill9(victim);
    Throwable t = catchThrowable(h::join);
    assertThat(t).isInstanceOf(TaskFailedException.class);
    assertThat(t.getCause()).isInstanceOfSatisfying(MemberLostException.class, e -> {
      assertThat(e.member()).isEqualTo(members.address(victim));
      assertThat(e.pid()).hasValue(pid);
      assertThat(e.taskName()).isEqualTo("victim");
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.taskId()).isEqualTo(h.id());
    });
    assertThat(h.status()).isEqualTo(TaskState.FAILED);
    assertThat(h.attempts()).isEqualTo(1);
    // the survivor still takes work
    assertThat(p.submit(ClusterPoolTest::pid).join()).isEqualTo(members.pid(1 - victim));
  }

  @Test
  void withRetriesATaskWhoseMemberIsKilledCompletesOnAnother(@TempDir Path dir) throws Exception {
    members = Members.start(2);
    ClusterPool p = connect(members);
    String marker = dir.resolve("retried").toString();
    ClusterTaskHandle<Long> h = p.submit(() -> startAndSleep(marker, 1_000),
        TaskOptions.named("idempotent").withRetries(2));
    long first = awaitStarted(dir, "retried");
    int victim = indexOf(first);
    members.kill9(victim);
    assertThat(h.join()).isEqualTo(members.pid(1 - victim));
    assertThat(h.attempts()).isEqualTo(2);
    assertThat(h.memberPid()).hasValue(members.pid(1 - victim));
    assertThat(p.retried()).isEqualTo(1);
  }

  /** In a member: records one run of task i (a file per run), works ~5 ms, returns i squared. */
  static long recordRun(String dir, int i) throws InterruptedException {
    try {
      Files.createFile(Path.of(dir, i + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.sleep(5);
    return (long) i * i;
  }

  @Test
  void chaos500TasksWithRetriesWhileAMemberIsKilledLoseNothing(@TempDir Path dir) throws Exception {
    members = Members.start(2);
    ClusterPool p = connect(members);
    String runs = dir.toString();
    List<ClusterTaskHandle<Long>> handles = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      int n = i;
      handles.add(p.submit(() -> recordRun(runs, n), TaskOptions.named("chaos-" + i).withRetries(3)));
      if (i == 150) {
        members.kill9(0); // while ~150 tasks are queued or running on both members
      }
    }
    List<Long> results = new ArrayList<>();
    for (ClusterTaskHandle<Long> h : handles) {
      results.add(h.join());
    }
    List<Long> local = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      local.add((long) i * i);
    }
    assertThat(results).as("results identical to a local run, none lost").isEqualTo(local);
    Map<Integer, Integer> runsPerTask = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(f -> runsPerTask.merge(
          Integer.parseInt(f.getFileName().toString().split("-")[0]), 1, Integer::sum));
    }
    long duplicates = runsPerTask.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
    long retriedTasks = handles.stream().filter(h -> h.attempts() > 1).count();
    long retries = handles.stream().mapToLong(h -> h.attempts() - 1).sum();
    System.out.printf("chaos: 500 tasks, 0 lost, %d retried (pool counted %d), %d duplicate runs%n",
        retriedTasks, p.retried(), duplicates);
    assertThat(runsPerTask).as("every task ran at least once").hasSize(500);
    assertThat(duplicates).as("a task runs twice only if it was retried").isLessThanOrEqualTo(p.retried());
    assertThat(retries).as("attempts beyond the first, over all handles").isEqualTo(p.retried());
    assertThat(handles).allSatisfy(h -> assertThat(h.status()).isEqualTo(TaskState.SUCCEEDED));
  }

  @Test
  void aMemberJoiningMidRunGetsWorkAndOneLeavingOnSigtermLosesNothing(@TempDir Path dir)
      throws Exception {
    members = new Members(2);
    members.launch(0);
    members.awaitReady(0);
    ClusterPool p = connect(members);
    List<ClusterTaskHandle<Long>> handles = new ArrayList<>();
    handles.add(p.submit(ClusterPoolTest::pid));
    members.launch(1); // joins member 0 while tasks run
    long end = System.nanoTime() + Members.START.toNanos();
    boolean newMemberWorked = false;
    while (!newMemberWorked && System.nanoTime() < end) {
      ClusterTaskHandle<Long> h = p.submit(() -> {
        Thread.sleep(20);
        return ProcessHandle.current().pid();
      });
      handles.add(h);
      newMemberWorked = h.join() == members.pid(1);
    }
    assertThat(newMemberWorked).as("the joining member received work").isTrue();
    members.awaitReady(1);

    // 200 plain (no retries) tasks, and member 0 leaves on SIGTERM while they run
    List<ClusterTaskHandle<Long>> batch = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      batch.add(p.submit(() -> {
        Thread.sleep(20);
        return ProcessHandle.current().pid();
      }));
      if (i == 60) {
        members.sigterm(0);
      }
    }
    for (ClusterTaskHandle<Long> h : batch) {
      assertThat(h.join()).isIn(members.pid(0), members.pid(1));
      assertThat(h.attempts()).isEqualTo(1);
    }
    assertThat(members.awaitLine(0, "LEFT 0", Members.START))
        .as("member 0 left gracefully, with no task unfinished").isTrue();
    assertThat(members.process(0).waitFor(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
    assertThat(p.submit(ClusterPoolTest::pid).join()).isEqualTo(members.pid(1));
    assertThat(p.stats().failed()).isZero();
  }

  @Test
  void connectToAnUnreachableAddressFailsWithinTheTimeoutInOneLine() throws Exception {
    int port = Members.freePort(); // nobody listens there
    long start = System.nanoTime();
    Throwable t = catchThrowable(() -> GearboxCluster.builder().members("127.0.0.1:" + port)
        .connectTimeout(Duration.ofSeconds(2)).connect());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(t).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("./gearbox worker");
    assertThat(t.getMessage()).doesNotContain("\n");
    assertThat(took).isLessThan(Duration.ofSeconds(2).plus(Delays.LONG));
  }

  @Test
  void anEmbeddedMemberRunsTasksItselfAndLeavesNoThreads() throws Exception {
    int port = Members.freePort();
    long start = System.nanoTime();
    pool = GearboxCluster.builder().clusterName("embedded-" + System.nanoTime()).port(port)
        .members("127.0.0.1:" + port).embedded();
    System.out.printf("embedded member started in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    assertThat(pool.localAddress()).hasValue("127.0.0.1:" + port);
    assertThat(pool.submit(ClusterPoolTest::pid).join()).isEqualTo(ProcessHandle.current().pid());
    assertThat(pool.map(x -> x + 1, List.of(1, 2, 3)).toList()).containsExactly(2, 3, 4);
  }
}
