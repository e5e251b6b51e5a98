package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test, waits up to 5 s for every thread named {@code gearbox-*} or
 * {@code latency-server-*} and every child process to end, then fails the test if any is still
 * alive. Virtual threads are
 * found through a HotSpot thread dump, as {@link Thread#getAllStackTraces()} leaves them out.
 */
public final class NoThreadLeaks implements AfterEachCallback {

  private static final Pattern OURS = Pattern.compile("(gearbox-|latency-server-).*");
  private static final Pattern DUMPED_NAME = Pattern.compile("\"name\": \"((?:[^\"\\\\]|\\\\.)*)\"");

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> alive = alive();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      alive = alive();
    }
    assertThat(alive).as("threads still alive 5 s after the test").isEmpty();
    List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
    while (!children.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      children = ProcessHandle.current().descendants().toList();
    }
    assertThat(children.stream().map(c -> c.pid() + " " + c.info().commandLine().orElse("?")))
        .as("child processes still alive 5 s after the test").isEmpty();
  }

  /** Names of our threads, platform and virtual, still alive. */
  public static List<String> alive() throws IOException {
    TreeSet<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && OURS.matcher(t.getName()).matches()) {
        names.add(t.getName());
      }
    }
    Path dir = Files.createTempDirectory("threads");
    Path dump = dir.resolve("dump.json");
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(dump.toString(), ThreadDumpFormat.JSON);
      Matcher m = DUMPED_NAME.matcher(Files.readString(dump));
      while (m.find()) {
        if (OURS.matcher(m.group(1)).matches()) {
          names.add(m.group(1));
        }
      }
    } finally {
      Files.deleteIfExists(dump);
      Files.deleteIfExists(dir);
    }
    return new ArrayList<>(names);
  }
}
