package io.gearbox.testing;

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
 * The suite's leak rules (JSR-166's, as gearbox-core's Harness applies them): after each test the
 * test thread's interrupt flag is clear, and within {@link Delays#LONG} no thread of ours, platform
 * or virtual, is alive and no child process is left. A leftover child is killed (so one leak
 * does not fail every later test) and reported.
 *
 * <p>"Ours" are threads named {@code gearbox-*} (every pool's, but {@code gearbox-auto-idle-*}:
 * the auto pools' idle shared probe and watcher threads, which hold no task and end after 30 s
 * idle), {@code latency-server-*} (the CLI's test server) and {@code hz.*} (Hazelcast's, for the
 * cluster module). Virtual threads are found through the JDK's JSON thread dump:
 * {@link Thread#getAllStackTraces} lists platform threads only.
 *
 * <p>Use it as {@code @ExtendWith(Leaks.class)}, or call {@link #check()} at the end of a test
 * whose fixtures outlive it.
 */
public final class Leaks implements AfterEachCallback {

  private static final Pattern OURS =
      Pattern.compile("(?!gearbox-auto-idle-)(gearbox-|latency-server-|hz\\.).*");
  private static final Pattern DUMPED_NAME =
      Pattern.compile("\"name\": \"((?:[^\"\\\\]|\\\\.)*)\"");

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    check();
  }

  /** Fails when the flag is set, or a thread of ours or a child process outlives {@link Delays#LONG}. */
  public static void check() throws IOException, InterruptedException {
    check(true);
  }

  /**
   * As {@link #check()}; child processes are checked only if {@code children} (a suite whose
   * class-wide fixtures are child JVMs checks them when it stops them).
   */
  public static void check(boolean children) throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    if (Thread.interrupted()) {
      problems.add("the test thread's interrupt flag was set (now cleared)");
    }
    long deadline = System.nanoTime() + Delays.LONG.toNanos();
    List<String> survivors = alive();
    while (!survivors.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
      survivors = alive();
    }
    if (!survivors.isEmpty()) {
      problems.add("threads still alive " + Delays.LONG + " after the test: "
          + String.join(", ", survivors));
    }
    if (children) {
      while (ProcessHandle.current().descendants().findAny().isPresent()
          && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      List<ProcessHandle> left = ProcessHandle.current().descendants().toList();
      if (!left.isEmpty()) {
        List<String> described = left.stream()
            .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        problems.add("child processes left behind (now killed): " + described);
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(String.join("\n", problems));
    }
  }

  /** Names of our threads, platform and virtual, alive now, sorted. */
  public static List<String> alive() throws IOException {
    TreeSet<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && OURS.matcher(t.getName()).matches()) {
        names.add(t.getName());
      }
    }
    Path dir = Files.createTempDirectory("gearbox-test-dump");
    Path dump = dir.resolve("threads.json");
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
