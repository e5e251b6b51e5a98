package io.gearbox;

import static io.gearbox.ProcessTests.awaitFile;
import static io.gearbox.ProcessTests.awaitFileInWorker;
import static io.gearbox.ProcessTests.failure;
import static io.gearbox.ProcessTests.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool's higher-level API over real workers: channels in both directions,
 * mapOutcomes, scopes, per-task output of concurrent tasks, and a pool made inside a worker (A10
 * T18; promises P1, P12, P16, P23).
 */
class ProcessMapAndChannelTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  private ProcessPool pool(int workers) {
    return ProcessTests.pool(h, workers, b -> b);
  }

  // ---------------------------------------------------------------- channels

  @Test
  void channel_taskPutsCallerTakes_everyItemArrivesInOrderThroughASmallBuffer() throws Exception {
    try (ProcessPool p = pool(1)) {
      ProcessChannel<Integer> ch = p.channel("results", 2);
      ProcessTaskHandle<Integer> producer = p.submit(() -> {
        ProcessChannel<Integer> out = Gearbox.workerChannel("results");
        for (int i = 0; i < 50; i++) {
          out.put(i);
        }
        return 50;
      });
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        got.add(ch.poll(Delays.LONG).orElseThrow(() -> new AssertionError("no item " + got.size())));
      }
      assertThat(got).containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
      assertThat(producer.join()).isEqualTo(50);
      assertThat(ch.poll(Delays.SHORT)).isEmpty();
    }
  }

  @Test
  void channel_callerPutsTaskTakes_theTaskSeesEveryItem() throws Exception {
    try (ProcessPool p = pool(1)) {
      ProcessChannel<String> ch = p.channel("work", 3);
      ProcessTaskHandle<String> consumer = p.submit(() -> {
        ProcessChannel<String> in = Gearbox.workerChannel("work");
        StringBuilder seen = new StringBuilder();
        for (String item = in.take(); !item.equals("end"); item = in.take()) {
          seen.append(item).append(',');
        }
        return seen.toString();
      });
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 30; i++) {
        ch.put("item" + i);
        expected.append("item").append(i).append(',');
      }
      ch.put("end");
      assertThat(consumer.join()).isEqualTo(expected.toString());
    }
  }

  @Test
  void channel_closedByTheCaller_wakesATakerInTheWorker() throws Exception {
    String dir = tmp.toString();
    try (ProcessPool p = pool(1)) {
      ProcessChannel<String> ch = p.channel("closing", 1);
      ProcessTaskHandle<String> taker = p.submit(() -> {
        ProcessChannel<String> in = Gearbox.workerChannel("closing");
        String first = in.take();
        touch(dir, "took-first");
        try {
          in.take();
          return "took a second item";
        } catch (IllegalStateException closed) {
          return first + ", then " + closed.getMessage();
        }
      });
      ch.put("one");
      awaitFile(tmp, "took-first");
      Thread.sleep(Delays.SHORT.toMillis()); // let it wait on the empty channel

      ch.close();

      assertThat(taker.join()).startsWith("one, then").contains("closed");
      assertThatThrownBy(() -> ch.put("late")).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void workerChannel_outsideAWorker_throwsIllegalState() {
    assertThatThrownBy(() -> Gearbox.workerChannel("anything"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("worker");
    assertThatThrownBy(() -> Gearbox.workerChannel(null))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
  }

  // ---------------------------------------------------------------- map

  @Test
  void mapOutcomes_someItemsFail_eachItemGetsItsOwnOutcomeInOrder() {
    try (ProcessPool p = pool(2)) {
      List<Integer> inputs = IntStream.range(0, 300).boxed().toList();
      SerializableFunction<Integer, Integer> fn = x -> {
        if (x % 7 == 3) {
          throw new IllegalArgumentException("bad item " + x);
        }
        return x * 10;
      };

      List<Outcome<Integer>> outcomes = p.mapOutcomes(fn, inputs, MapOptions.defaults()).toList();

      assertThat(outcomes).hasSize(inputs.size());
      for (int x : inputs) {
        Outcome<Integer> o = outcomes.get(x);
        if (x % 7 == 3) {
          assertThat(o).as("item %d", x).isInstanceOf(Outcome.Failure.class);
          Outcome.Failure<Integer> f = (Outcome.Failure<Integer>) o;
          assertThat(f.state()).isEqualTo(TaskState.FAILED);
          assertThat(f.error()).isInstanceOf(IllegalArgumentException.class)
              .hasMessage("bad item " + x);
        } else {
          assertThat(o).as("item %d", x).isEqualTo(new Outcome.Success<>(x * 10));
        }
      }
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  /** A result a worker cannot send back. */
  record NotPortable(int x) {}

  @Test
  void mapOutcomes_someResultsCannotBeSerialized_onlyThoseItemsFail() {
    try (ProcessPool p = pool(2)) {
      List<Integer> inputs = IntStream.range(0, 200).boxed().toList();
      SerializableFunction<Integer, Object> fn = x -> x % 5 == 2 ? new NotPortable(x) : x;

      List<Outcome<Object>> outcomes = p.mapOutcomes(fn, inputs, MapOptions.defaults()).toList();

      assertThat(outcomes).hasSize(inputs.size());
      for (int x : inputs) {
        Outcome<Object> o = outcomes.get(x);
        if (x % 5 == 2) {
          assertThat(o).as("item %d", x).isInstanceOf(Outcome.Failure.class);
          assertThat(((Outcome.Failure<Object>) o).error()).as("item %d", x)
              .hasMessageContaining(NotPortable.class.getName());
        } else {
          assertThat(o).as("item %d", x).isEqualTo(new Outcome.Success<>(x));
        }
      }
      // map (fail-fast) reports the first such result as the map's failure
      assertThatThrownBy(() -> p.map(fn, inputs).toList())
          .hasStackTraceContaining(NotPortable.class.getName());
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  @Test
  void mapOutcomes_anItemCrashesItsWorker_itsBatchFailsWithTheCrashAndTheRestSucceed() {
    try (ProcessPool p = pool(2)) {
      List<Integer> inputs = IntStream.range(0, 200).boxed().toList();
      SerializableFunction<Integer, Integer> fn = x -> {
        if (x == 50) {
          Runtime.getRuntime().halt(5);
        }
        return x + 1;
      };

      List<Outcome<Integer>> outcomes = p.mapOutcomes(fn, inputs, MapOptions.defaults()).toList();

      assertThat(outcomes).hasSize(inputs.size());
      assertThat(outcomes.get(50)).isInstanceOf(Outcome.Failure.class);
      for (int x : inputs) {
        switch (outcomes.get(x)) {
          case Outcome.Success<Integer> s -> assertThat(s.value()).isEqualTo(x + 1);
          case Outcome.Failure<Integer> f -> {
            assertThat(f.state()).isEqualTo(TaskState.FAILED);
            assertThat(f.error()).as("item %d", x).isInstanceOf(WorkerCrashedException.class)
                .hasMessageContaining("exit code 5");
          }
        }
      }
      assertThat(p.invoke(() -> "after")).isEqualTo("after");
      assertThat(p.processStats().crashed()).isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- scopes

  @Test
  void scope_childFails_siblingInItsWorkerIsCancelledAndInterrupted() throws Exception {
    String dir = tmp.toString();
    // a grace the loaded machine cannot outrun: the sibling stops at its interrupt at once, and the
    // default 1 s once ran out before the worker's reply was read (KILLED) at a load of 17 on 2 cores
    try (ProcessPool p = ProcessTests.pool(h, 2, b -> b.cancelGrace(Delays.LONG))) {
      TaskHandle<Object> sibling;
      try (TaskScope scope = p.openScope()) {
        sibling = scope.fork((SerializableCallable<Object>) () -> {
          touch(dir, "sibling-started");
          Thread.sleep(60_000);
          touch(dir, "sibling-finished");
          return "too late";
        });
        scope.fork((SerializableCallable<Object>) () -> {
          awaitFileInWorker(dir, "sibling-started");
          throw new IllegalStateException("child failed");
        });
        assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class)
            .cause().isInstanceOf(IllegalStateException.class).hasMessage("child failed");
      }
      assertThat(sibling.isCancelled()).isTrue();
      assertThatThrownBy(sibling::join).isInstanceOf(CancellationException.class);
      Harness.eventually().until(() -> ((ProcessTaskHandle<?>) sibling).cancelRung() != CancelRung.REQUESTED);
      assertThat(((ProcessTaskHandle<?>) sibling).cancelRung()).isEqualTo(CancelRung.INTERRUPTED);
      assertThat(tmp.resolve("sibling-finished")).doesNotExist();
      assertThat(p.invoke(() -> "after")).isEqualTo("after");
    }
  }

  // ---------------------------------------------------------------- output

  @Test
  void output_ofConcurrentTasks_isCapturedPerTaskAndNeverMixed() {
    try (ProcessPool p = pool(2)) {
      List<ProcessTaskHandle<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int n = i;
        tasks.add(p.submit(() -> {
          Thread helper = new Thread(() -> System.out.println("T" + n + " from a thread it started"));
          helper.start();
          for (int line = 0; line < 200; line++) {
            System.out.println("T" + n + " line " + line);
            if (line % 50 == 0) {
              System.err.println("T" + n + " warning " + line);
              Thread.sleep(1);
            }
          }
          helper.join();
          return n;
        }));
      }
      for (ProcessTaskHandle<Integer> t : tasks) {
        int n = t.join();
        List<String> out = t.output().stdout().lines().toList();
        List<String> err = t.output().stderr().lines().toList();
        assertThat(out).hasSize(201).allSatisfy(l -> assertThat(l).startsWith("T" + n + " "));
        assertThat(out).contains("T" + n + " from a thread it started", "T" + n + " line 199");
        assertThat(err).hasSize(4).allSatisfy(l -> assertThat(l).startsWith("T" + n + " warning"));
      }
    }
  }

  @Test
  void output_overTheCaptureLimit_isTruncatedAndCounted() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Integer> t = p.submit(() -> {
        String line = "x".repeat(1023) + "\n";
        for (int i = 0; i < 1536; i++) { // 1.5 MiB
          System.out.print(line);
        }
        return 1;
      });
      assertThat(t.join()).isEqualTo(1);
      assertThat(t.output().stdout()).hasSize(1 << 20);
      assertThat(t.output().truncatedBytes()).isEqualTo(512L << 10);
      assertThat(p.invoke(() -> 2)).isEqualTo(2);
    }
  }

  // ---------------------------------------------------------------- nesting (T18)

  @Test
  void nestedPool_createdInsideATask_failsWithIllegalStateInsteadOfForking() {
    try (ProcessPool p = pool(1)) {
      Throwable e = failure(p.submit(() -> {
        try (ProcessPool inner = Gearbox.processes(1)) {
          return inner.invoke(() -> "workers of workers");
        }
      }));
      assertThat(e).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("inside a process-pool worker");
      assertThat(p.invoke(() -> ProcessHandle.current().children().count())).isZero();
    }
  }
}
