package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gearbox worker}'s bad input: one precise message and exit 2, before any member starts.
 * (Members that run tasks, join and leave are tested in gearbox-cluster, and the bench starts real
 * {@code gearbox worker} JVMs.)
 */
@ExtendWith(Leaks.class)
class WorkerCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void aBadPortIsAUsageError() {
    assertThat(run("worker", "--port", "70000")).isEqualTo(2);
    assertThat(err.toString()).startsWith("--port must be 1-65535, was 70000").contains("Usage: gearbox worker");
  }

  @Test
  void aMalformedJoinAddressIsAUsageError() {
    assertThat(run("worker", "--join", "127.0.0.1")).isEqualTo(2);
    assertThat(err.toString()).startsWith("member address must be host:port, was '127.0.0.1'");
  }

  @Test
  @org.junit.jupiter.api.Timeout(120)
  void aWorkerPrintsItsAddressAndLeavesGracefullyOnSigterm() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "worker",
        "--port", Integer.toString(port), "--cluster-name", "worker-test-" + System.nanoTime()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
        java.nio.charset.StandardCharsets.UTF_8))) {
      String first = lines.readLine();
      assertThat(first).startsWith("gearbox worker: member 127.0.0.1:" + port + " (pid " + p.pid() + ")");
      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor()).isZero();
      assertThat(lines.readLine()).isEqualTo("gearbox worker: 127.0.0.1:" + port
          + " left the cluster; every task it accepted finished");
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  @Test
  void aPortInUseFailsInOneLine() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThat(run("worker", "--port", Integer.toString(port))).isEqualTo(1);
      assertThat(err.toString().strip()).startsWith("gearbox: cannot listen on 127.0.0.1:" + port)
          .contains("pick another --port").doesNotContain("\n");
    }
  }

  @Test
  void aClassPathEntryThatDoesNotExistIsAUsageError(@TempDir Path dir) {
    String missing = dir.resolve("missing.jar").toString();
    assertThat(run("worker", "--class-path", missing)).isEqualTo(2);
    assertThat(err.toString()).startsWith("--class-path entry does not exist: " + missing);
  }

  @Test
  void aClassPathEntryNotOnTheJvmClassPathNamesTheLauncher(@TempDir Path dir) {
    assertThat(run("worker", "--class-path", dir.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("is not on this JVM's class path").contains("./gearbox worker");
  }
}
