package io.gearbox.internal.process;

import io.gearbox.Gearbox;
import io.gearbox.ProcessPool;

/**
 * Test-only main class for {@link SocketFaultsTest}: a caller JVM that starts a pool (sweeping
 * stale socket directories, as the first pool of a JVM does), prints {@code DIR <its socket
 * directory>}, and then, by its argument: {@code hold} waits to be killed (it halts if the test
 * JVM goes away: its stdin reaches end of file), {@code exit} exits without closing the pool,
 * {@code close} closes the pool and exits.
 */
public final class SocketDirChildMain {

  private SocketDirChildMain() {}

  public static void main(String[] args) throws Exception {
    ProcessPool pool = Gearbox.processBuilder().name("dirs").workers(1).replayOutput(false).build();
    System.out.println("DIR " + ((ProcessPoolEngine) pool).socketDirectory());
    System.out.println("RESULT " + pool.submit(() -> "up").join());
    System.out.flush();
    switch (args[0]) {
      case "hold" -> {
        while (System.in.read() >= 0) {
          // the test never writes; wait to be killed, or for end of file
        }
        Runtime.getRuntime().halt(3);
      }
      case "exit" -> System.exit(0);
      default -> {
        pool.close();
        System.exit(0);
      }
    }
  }
}
