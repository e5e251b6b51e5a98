package io.gearbox.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Delays;
import io.gearbox.Harness;
import io.gearbox.ProcessTests;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool's socket under faults it did not cause (issue 14), with real caller JVMs:
 * socket directories left by a caller killed with SIGKILL or exiting without close
 * ({@link SocketDirectories}), and {@link WorkerSet}'s acceptor meeting accept() errors or a
 * flood of silent connections.
 */
class SocketFaultsTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  // ---------------------------------------------------------------- socket directories

  @Test
  void socketDirectory_ownerKilledBySigkill_isSweptAtTheNextPoolStartAndLiveOnesAreKept()
      throws Exception {
    Path tmpdir = Files.createDirectory(tmp.resolve("tmpdir"));
    List<String> options = List.of("-Djava.io.tmpdir=" + tmpdir);
    Child owner = Child.start(h, "", options, SocketDirChildMain.class, "hold");
    Path stale;
    try {
      stale = Path.of(owner.line("DIR "));
      assertThat(owner.line("RESULT ")).isEqualTo("up");
      assertThat(stale.getFileName().toString()).startsWith("gearbox-" + owner.process().pid() + "-");
    } finally {
      owner.destroy(); // SIGKILL: no hook, no close
    }
    assertThat(stale).as("left behind by a caller killed with SIGKILL").isDirectory();
    // a directory whose owner lives (this JVM), and one not named like ours: both kept
    Path live = Files.createDirectory(tmpdir.resolve("gearbox-" + ProcessHandle.current().pid() + "-7"));
    Files.createFile(live.resolve("pool.sock"));
    Path other = Files.createDirectory(tmpdir.resolve("gearbox-other"));

    Child next = Child.start(h, "", options, SocketDirChildMain.class, "close");
    try {
      Path own = Path.of(next.line("DIR "));
      assertThat(next.line("RESULT ")).isEqualTo("up");
      assertThat(stale).as("swept at the next pool start").doesNotExist();
      next.awaitExit();
      assertThat(own).as("deleted by close").doesNotExist();
    } finally {
      next.destroy();
    }
    assertThat(live).isDirectory();
    assertThat(other).isDirectory();
  }

  @Test
  void socketDirectory_callerExitsWithoutClose_isDeletedAtExit() throws Exception {
    Path tmpdir = Files.createDirectory(tmp.resolve("tmpdir"));
    Child child = Child.start(h, "", List.of("-Djava.io.tmpdir=" + tmpdir),
        SocketDirChildMain.class, "exit");
    try {
      Path dir = Path.of(child.line("DIR "));
      assertThat(child.line("RESULT ")).isEqualTo("up");
      child.awaitExit();
      assertThat(dir).as("deleted by the exit hook").doesNotExist();
    } finally {
      child.destroy();
    }
  }

  // ---------------------------------------------------------------- accept() errors

  /** The descriptor limit of the child caller: low enough to reach quickly. */
  private static final int FD_LIMIT = 256;

  @Test
  void acceptError_emfileInTheCaller_theAcceptorKeepsAcceptingAndAReplacementConnects()
      throws Exception {
    Child child = Child.start(h, "hog", Delays.LONG);
    try {
      assertThat(child.line("FIRST ")).isEqualTo("up");
      assertThat(Integer.parseInt(child.line("HOGGED ")))
          .as("the child reached its descriptor limit").isLessThanOrEqualTo(FD_LIMIT);
      assertThat(Long.parseLong(child.line("ACCEPT_ERRORS "))).as("accept() errors met").isPositive();
      assertThat(child.line("RESULT ")).startsWith("ok replaced");
      child.awaitExit();
    } finally {
      child.destroy();
    }
  }

  @Test
  void acceptError_hundredsOfSilentConnections_areCappedAndAReplacementConnects() throws Exception {
    Child child = Child.start(h, "flood", Delays.LONG);
    List<SocketChannel> silent = new ArrayList<>();
    try {
      assertThat(child.line("FIRST ")).isEqualTo("up");
      UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(child.line("SOCKET "));
      // more connections than the child has descriptors; none ever says a word
      for (int i = 0; i < FD_LIMIT + 50; i++) {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        silent.add(c);
        c.connect(socket);
      }
      child.send("go");
      child.line("ACCEPT_ERRORS "); // none needed: the cap keeps the child under its limit
      String result = child.line("RESULT ");
      assertThat(result).startsWith("ok replaced");
      java.util.regex.Matcher rejected = java.util.regex.Pattern.compile("rejectedConnections=(\\d+)")
          .matcher(result);
      assertThat(rejected.find()).isTrue();
      assertThat(Long.parseLong(rejected.group(1))).as("silent connections cut off")
          .isGreaterThanOrEqualTo(FD_LIMIT - 50);
      child.awaitExit();
    } finally {
      for (SocketChannel c : silent) {
        c.close();
      }
      child.destroy();
    }
  }

  /** A caller JVM under {@code ulimit -n FD_LIMIT}, running {@link AcceptorChildMain}. */
  private record Child(Process process, LinkedBlockingQueue<String> lines, List<String> seen) {

    static Child start(Harness h, String mode, Duration startTimeout) throws IOException {
      return start(h, "ulimit -n " + FD_LIMIT + " && ", List.of(), AcceptorChildMain.class,
          mode, Long.toString(startTimeout.toMillis()));
    }

    /** Runs {@code java [options] -cp <ours> main args} through bash, after a shell prefix. */
    static Child start(Harness h, String shellPrefix, List<String> options, Class<?> main,
        String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of("bash", "-c",
          shellPrefix + "exec \"$@\"", "child",
          Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(options);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      ProcessTests.collectLines(h, "child-output", p, lines);
      return new Child(p, lines, new ArrayList<>());
    }

    /** The rest of the next line that starts with the prefix. */
    String line(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + ProcessTests.STARTUP.plus(Delays.LONG).toNanos();
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(line).as("a line starting '%s'; the child printed %s", prefix, seen).isNotNull();
        seen.add(line);
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length());
        }
      }
    }

    void send(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    void awaitExit() throws InterruptedException {
      assertThat(process.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
          .as("the child exits; it printed %s", seen).isTrue();
      assertThat(process.exitValue()).as("its exit status; it printed %s", seen).isZero();
    }

    void destroy() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
