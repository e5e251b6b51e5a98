package io.gearbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Finds live threads, virtual ones included, and prints them.
 *
 * <p>{@link Thread#getAllStackTraces()} lists platform threads only. Virtual threads started by an
 * executor live in its thread container, which the JDK's JSON thread dump
 * ({@code HotSpotDiagnosticMXBean.dumpThreads}) does list; this class reads that dump for them.
 */
final class ThreadDumps {

  /** {@code com.sun.management.HotSpotDiagnosticMXBean}, reached through JMX because the test
   * sources are compiled into module io.gearbox, which does not read jdk.management. */
  private static final String DIAGNOSTICS = "com.sun.management:type=HotSpotDiagnostic";
  private static final Pattern NAME = Pattern.compile("\"name\": \"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern STACK = Pattern.compile("\"stack\": \\[(.*?)\\]", Pattern.DOTALL);

  /** One live thread: its name, whether it is virtual, and its stack as text. */
  record LiveThread(String name, boolean virtual, String stack) {
    @Override
    public String toString() {
      return "\"" + name + "\"" + (virtual ? " (virtual)" : "") + "\n" + stack;
    }
  }

  private ThreadDumps() {}

  /** Live platform threads whose name starts with the prefix. */
  static List<LiveThread> platform(String prefix) {
    List<LiveThread> live = new ArrayList<>();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      if (t.isAlive() && t.getName().startsWith(prefix)) {
        live.add(new LiveThread(t.getName() + " state=" + t.getState(), false, format(e.getValue())));
      }
    }
    return live;
  }

  /** Live virtual threads whose name starts with the prefix (from a JSON thread dump). */
  static List<LiveThread> virtual(String prefix) {
    List<LiveThread> live = new ArrayList<>();
    for (LiveThread t : dumpAll()) {
      if (t.virtual() && t.name().startsWith(prefix)) {
        live.add(t);
      }
    }
    return live;
  }

  /** Every live thread whose name starts with the prefix, platform and virtual. */
  static List<LiveThread> all(String prefix) {
    List<LiveThread> live = platform(prefix);
    live.addAll(virtual(prefix));
    return live;
  }

  /** A full dump of every thread the JVM knows, for a wedged or failing test. */
  static String fullDump() {
    StringBuilder out = new StringBuilder("---- thread dump ----\n");
    for (LiveThread t : dumpAll()) {
      out.append(t).append('\n');
    }
    return out.append("---- end of thread dump ----").toString();
  }

  private static List<LiveThread> dumpAll() {
    String json;
    try {
      Path dir = Files.createTempDirectory("gearbox-test-dump");
      Path file = dir.resolve("threads.json");
      try {
        ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DIAGNOSTICS),
            "dumpThreads", new Object[] {file.toString(), "JSON"},
            new String[] {String.class.getName(), String.class.getName()});
        json = Files.readString(file);
      } catch (JMException e) {
        throw new IllegalStateException("cannot dump threads", e);
      } finally {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<LiveThread> threads = new ArrayList<>();
    String[] chunks = json.split("\"tid\":");
    for (int i = 1; i < chunks.length; i++) {
      String chunk = chunks[i];
      Matcher name = NAME.matcher(chunk);
      if (!name.find()) {
        continue;
      }
      Matcher stack = STACK.matcher(chunk);
      String frames = stack.find()
          ? stack.group(1).replace("\\/", "/").replaceAll("\\s*\"(.*?)\",?", "\n\tat $1").strip()
          : "(no stack)";
      threads.add(new LiveThread(
          name.group(1), chunk.contains("\"virtual\": true"), "\t" + frames));
    }
    return threads;
  }

  private static String format(StackTraceElement[] stack) {
    StringBuilder out = new StringBuilder();
    for (StackTraceElement frame : stack) {
      out.append("\tat ").append(frame).append('\n');
    }
    return out.toString();
  }
}
