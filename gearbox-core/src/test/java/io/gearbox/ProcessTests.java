package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Shared steps of the process-pool tests. The static methods marked "in a worker" are called from
 * tasks, so they run in worker JVMs (the test classes are on the workers' class path); they take
 * paths as strings because {@link Path} is not serializable. Public for the tests of the engine's
 * internals in {@code io.gearbox.internal.process} and for {@code gearboxtest}'s hostile classes.
 */
public final class ProcessTests {

  /**
   * Starts a harness thread that adds each line a child process prints to {@code lines}, until its
   * output ends. When a process exits, the JDK moves what is left in its pipe into a buffer and
   * closes the pipe: a read caught in between fails with "Stream closed". For a child that is gone
   * (tests SIGKILL some) that is the end of its output; for a live one it is a failure.
   */
  public static Thread collectLines(Harness h, String name, Process p, Queue<String> lines) {
    return h.startThread(name, () -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        if (!p.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)) {
          throw e;
        }
      }
    });
  }

  /** How long a pool's workers may take to come up on a crowded machine. */
  public static final Duration STARTUP = Delays.LONG.multipliedBy(3);

  private ProcessTests() {}

  /** A pool with output replay off and a short cancel grace, tracked, with every worker up. */
  public static ProcessPool pool(Harness h, int workers, UnaryOperator<ProcessPoolBuilder> config) {
    ProcessPool p = config.apply(Gearbox.processBuilder().workers(workers).replayOutput(false)
        .cancelGrace(Duration.ofMillis(300))).build();
    h.track(p);
    awaitLive(p, workers);
    return p;
  }

  /** Waits until exactly n workers are live. */
  public static void awaitLive(ProcessPool p, int n) {
    Harness.eventually().atMost(STARTUP).pollInterval(Duration.ofMillis(20))
        .until(() -> p.processStats().live() == n);
  }

  /** The task's own exception: the cause of what join throws. */
  public static Throwable failure(TaskHandle<?> t) {
    Throwable thrown = catchThrowable(t::join);
    assertThat(thrown).as("%s should have failed", t).isInstanceOf(TaskFailedException.class);
    return thrown.getCause();
  }

  /** Whether a process with this pid is running (a zombie counts as gone). */
  public static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Waits in the test until a marker file exists. */
  public static void awaitFile(Path dir, String name) {
    Harness.eventually().atMost(STARTUP).pollInterval(Duration.ofMillis(10))
        .until(() -> Files.exists(dir.resolve(name)));
  }

  // ---------------------------------------------------------------- in a worker

  /**
   * Whether this JVM is a process-pool worker: the launcher's record of its main class (the
   * system property {@code sun.java.command}, "[module/]class args") names the engine's worker
   * entry point. Read here rather than through the engine, which keeps that flag to itself.
   */
  public static boolean inWorker() {
    String command = System.getProperty("sun.java.command", "");
    String main = command.split(" ", 2)[0];
    return main.substring(main.indexOf('/') + 1).equals(WORKER_MAIN);
  }

  /** The worker's main class, by name: the class is the engine's, not the API's. */
  private static final String WORKER_MAIN = "io.gearbox.internal.process.WorkerMain";

  /** Creates a marker file (in a worker or the test). */
  public static void touch(String dir, String name) {
    try {
      Files.writeString(Path.of(dir, name), Long.toString(ProcessHandle.current().pid()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean exists(String dir, String name) {
    return Files.exists(Path.of(dir, name));
  }

  /** In a worker: waits, interruptibly, until a marker file exists. */
  public static void awaitFileInWorker(String dir, String name) throws InterruptedException {
    while (!exists(dir, name)) {
      Thread.sleep(5);
    }
  }

  /** In a worker: sleeps until the wall clock reaches the instant, so that tasks act together. */
  public static void sleepUntil(long epochMillis) throws InterruptedException {
    long left = epochMillis - System.currentTimeMillis();
    if (left > 0) {
      Thread.sleep(left);
    }
  }

  private static final List<byte[]> LEAKED = new ArrayList<>();

  /** In a worker: keeps this many more bytes reachable for good, every page touched. */
  public static void leak(int bytes) {
    byte[] b = new byte[bytes];
    Arrays.fill(b, (byte) 1);
    synchronized (LEAKED) {
      LEAKED.add(b);
    }
  }

  /** Sends SIGKILL to a process, the caller's own included (which ProcessHandle refuses). */
  public static void sigkill(long pid) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-KILL", Long.toString(pid)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
  }
}
