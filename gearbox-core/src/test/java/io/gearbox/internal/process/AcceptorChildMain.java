package io.gearbox.internal.process;

import io.gearbox.Gearbox;
import io.gearbox.ProcessPool;
import io.gearbox.TaskOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only main class for {@link SocketFaultsTest}: a caller JVM started under a low file
 * descriptor limit ({@code ulimit -n}), whose pool's acceptor meets accept() errors. It prints
 * what it sees as lines ({@code SOCKET <path>}, {@code RESULT ok} or {@code RESULT failed ...}),
 * and halts if the test JVM goes away (its stdin reaches end of file).
 *
 * <p>Modes (first argument; the second is the start timeout in milliseconds):
 * <ul>
 *   <li>{@code hog}: opens files until the limit is reached, makes one connection to its own
 *       socket (the acceptor's accept() then fails with EMFILE), waits, frees the files, then
 *       kills its worker and runs a task, which needs the replacement to be accepted;
 *   <li>{@code flood}: prints its socket, waits for {@code go} on stdin (the test has meanwhile
 *       opened hundreds of silent connections to it), then kills its worker and runs a task.
 * </ul>
 */
public final class AcceptorChildMain {

  private AcceptorChildMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Duration startTimeout = Duration.ofMillis(Long.parseLong(args[1]));
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (ProcessPool pool = Gearbox.processBuilder().name("acceptor").workers(1).replayOutput(false)
        .spawnTimeout(startTimeout).build()) {
      Path socket = ((ProcessPoolEngine) pool).socketDirectory().resolve("pool.sock");
      say("FIRST " + pool.submit(() -> "up").join());
      if (mode.equals("hog")) {
        say("HOGGED " + exhaustDescriptors(socket, Duration.ofMillis(500)));
      } else {
        say("SOCKET " + socket);
        Thread.ofPlatform().daemon(true).start(() -> {
          try {
            String line = stdin.readLine();
            if (line == null) {
              Runtime.getRuntime().halt(3); // the test is gone
            }
          } catch (IOException e) {
            Runtime.getRuntime().halt(3);
          }
        }).join();
      }
      say("ACCEPT_ERRORS " + acceptErrors(pool));
      long worker = pool.workerPids().getFirst();
      ProcessHandle.of(worker).ifPresent(p -> {
        p.destroyForcibly();
        p.onExit().join();
      });
      // A task submitted before the pool has seen the kill may be sent to the dead worker and fail
      // with it (the pool learns of a SIGKILL from outside at the socket's end); the point here is
      // the replacement, so wait until the pool has let the dead worker go.
      long giveUp = System.nanoTime() + startTimeout.toNanos();
      while (pool.workerPids().contains(worker) && System.nanoTime() - giveUp < 0) {
        Thread.sleep(10);
      }
      try {
        String result = pool.submit(() -> "replaced",
            TaskOptions.defaults().withTimeout(startTimeout.multipliedBy(2))).join();
        say("RESULT ok " + result + " " + pool.processStats());
      } catch (RuntimeException e) {
        say("RESULT failed " + e + " " + pool.processStats());
      }
    }
    System.exit(0);
  }

  /**
   * Opens /dev/null until the descriptor limit, connects once to the socket with the last free
   * descriptor (the pool cannot accept it: no descriptor left), holds that for a while, then frees
   * everything. Returns how many files it opened.
   */
  private static int exhaustDescriptors(Path socket, Duration hold) throws Exception {
    List<FileChannel> files = new ArrayList<>();
    SocketChannel client = null;
    SocketChannel.open(StandardProtocolFamily.UNIX).close(); // its class set-up opens files
    try {
      while (true) {
        try {
          files.add(FileChannel.open(Path.of("/dev/null")));
        } catch (IOException e) {
          break; // "Too many open files"
        }
      }
      files.removeLast().close();
      client = SocketChannel.open(StandardProtocolFamily.UNIX);
      client.connect(UnixDomainSocketAddress.of(socket));
      Thread.sleep(hold);
      return files.size() + 1;
    } finally {
      for (FileChannel f : files) {
        f.close();
      }
      if (client != null) {
        client.close();
      }
    }
  }

  /** The acceptor's error count, read reflectively: only to prove the test reached the error. */
  private static long acceptErrors(ProcessPool pool) throws ReflectiveOperationException {
    java.lang.reflect.Field workers = ProcessPoolEngine.class.getDeclaredField("workers");
    workers.setAccessible(true);
    Object set = workers.get(pool);
    java.lang.reflect.Field errors = set.getClass().getDeclaredField("acceptErrors");
    errors.setAccessible(true);
    return ((java.util.concurrent.atomic.AtomicLong) errors.get(set)).get();
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
