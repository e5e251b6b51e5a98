package io.gearbox;

import static io.gearbox.ProcessTests.touch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Test-only main class: the parent JVM of {@link ProcessOrphanTest}. Starts a pool of two
 * workers, keeps one spinning in a CPU loop and the other blocked in a native pipe read, prints
 * {@code WORKERS <pid> <pid>}, and waits to be killed. It halts by itself if the test JVM goes away
 * (its stdin reaches end of file), so it never outlives a broken test run.
 *
 * <p>Argument: a directory for marker files.
 */
public final class OrphanParentMain {

  private OrphanParentMain() {}

  public static void main(String[] args) throws Exception {
    Thread.ofPlatform().daemon(true).start(() -> {
      try {
        while (System.in.read() >= 0) {
          // the test never writes; wait for end of file
        }
      } catch (IOException ignored) {
        // treated as end of file
      }
      Runtime.getRuntime().halt(0);
    });
    String dir = args[0];
    ProcessPool pool = Gearbox.processBuilder().name("orphans").workers(2).replayOutput(false).build();
    pool.submit(() -> {
      touch(dir, "spinning");
      while (true) {
        Thread.onSpinWait();
      }
    });
    pool.submit(() -> {
      Pipe pipe = Pipe.open(); // nobody ever writes to it
      touch(dir, "blocked");
      return pipe.source().read(ByteBuffer.allocate(1));
    });
    while (!Files.exists(Path.of(dir, "spinning")) || !Files.exists(Path.of(dir, "blocked"))) {
      Thread.sleep(10);
    }
    System.out.println("WORKERS " + pool.workerPids().stream().map(String::valueOf)
        .collect(Collectors.joining(" ")));
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
