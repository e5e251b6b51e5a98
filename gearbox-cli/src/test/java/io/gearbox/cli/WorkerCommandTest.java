package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
@ExtendWith(NoThreadLeaks.class)
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
