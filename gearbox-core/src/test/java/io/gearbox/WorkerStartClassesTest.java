package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real worker JVM loads to start and run a task, from its own class-loading log: the
 * handshake's HMAC never initializes the JCE ({@code javax.crypto.JceSecurity}, whose URL-handler
 * lookup opens every jar of the class path; docs/design.md), while the log itself is shown to be
 * complete by the worker classes it must contain.
 */
class WorkerStartClassesTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path dir;

  @Test
  void workerStartAndTask_neverInitializeTheJce() throws Exception {
    Path log = dir.resolve("classes.log");
    try (ProcessPool pool = ProcessTests.pool(h, 1,
        b -> b.jvmOptions("-Xlog:class+load=info:file=" + log))) {
      assertThat(pool.submit((SerializableCallable<Integer>) () -> 6 * 7).join()).isEqualTo(42);
    }
    List<String> loaded = Files.readAllLines(log);
    assertThat(loaded).as("the log is the worker's (its main class and the handshake's)")
        .anyMatch(line -> line.contains(" io.gearbox.internal.process.WorkerMain "))
        .anyMatch(line -> line.contains(" io.gearbox.internal.process.Auth "))
        .anyMatch(line -> line.contains(" java.security.MessageDigest "));
    assertThat(loaded).as("classes of the JCE a worker loaded")
        .noneMatch(line -> line.contains(" javax.crypto.JceSecurity "))
        .noneMatch(line -> line.contains(" javax.crypto.Mac "));
  }
}
