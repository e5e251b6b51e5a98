package io.gearbox.micrometer;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The suite's leak rules (as the core's Harness): after each test no Gearbox thread, platform or
 * virtual, is still alive after {@link #LONG}, no child process is left, and the test thread's
 * interrupt flag is clear. Deadlines scale with {@code gearbox.test.delayFactor}.
 */
final class Leaks implements AfterEachCallback {

  /** Generous bound on anything that should happen promptly. */
  static final Duration LONG = scaled(Duration.ofSeconds(10));

  static Duration scaled(Duration base) {
    double factor = Double.parseDouble(System.getProperty("gearbox.test.delayFactor", "1"));
    return Duration.ofNanos((long) (base.toNanos() * factor));
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<String> problems = new ArrayList<>();
    if (Thread.interrupted()) {
      problems.add("the test thread's interrupt flag was set (now cleared)");
    }
    long deadline = System.nanoTime() + LONG.toNanos();
    List<String> survivors = gearboxThreads();
    while (!survivors.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
      survivors = gearboxThreads();
    }
    if (!survivors.isEmpty()) {
      problems.add("Gearbox threads still alive: " + String.join(", ", survivors));
    }
    while (ProcessHandle.current().descendants().findAny().isPresent()
        && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
    if (!children.isEmpty()) {
      children.forEach(ProcessHandle::destroyForcibly);
      problems.add("child processes left behind: " + children);
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(String.join("\n", problems));
    }
  }

  /**
   * Names of live threads named gearbox-*, virtual ones included: {@link Thread#getAllStackTraces}
   * lists platform threads only, the JDK's JSON thread dump lists the virtual ones too.
   */
  static List<String> gearboxThreads() throws IOException {
    Path dir = Files.createTempDirectory("gearbox-test-dump");
    Path file = dir.resolve("threads.json");
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      Matcher m = NAME.matcher(Files.readString(file));
      List<String> names = new ArrayList<>();
      while (m.find()) {
        names.add(m.group(1));
      }
      return names;
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private static final Pattern NAME = Pattern.compile("\"name\": \"(gearbox-(?:[^\"\\\\]|\\\\.)*)\"");
}
