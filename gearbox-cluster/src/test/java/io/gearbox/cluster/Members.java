package io.gearbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Delays;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Member JVMs for a test, on 127.0.0.1 with explicit free ports and a TCP-IP member list, and
 * failure detection at 1 s heartbeats / 5 s silence. Close kills and reaps every one still alive.
 */
final class Members implements AutoCloseable {

  /** The flags Hazelcast asks for on JDK 25, as the launcher and worker JVMs pass them. */
  static final List<String> JDK_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow");

  static final Duration START = Delays.LONG.multipliedBy(6);

  final String clusterName = "test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private final List<BlockingQueue<String>> outputs = new ArrayList<>();

  /** Reserves ports for {@code n} members; starts none yet. */
  Members(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      ports.add(freePort());
    }
  }

  /** Starts {@code n} members at once and waits until each has joined. */
  static Members start(int n) throws Exception {
    Members m = new Members(n);
    try {
      for (int i = 0; i < n; i++) {
        m.launch(i);
      }
      for (int i = 0; i < n; i++) {
        m.awaitReady(i);
      }
      return m;
    } catch (Exception | AssertionError e) {
      m.close();
      throw e;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Every reserved address, as the TCP-IP member list. */
  String joinList() {
    return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  /** Address of member i. */
  String address(int i) {
    return "127.0.0.1:" + ports.get(i);
  }

  /** Starts member i (not waiting for it). */
  void launch(int i) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JDK_FLAGS);
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), TestMember.class.getName(),
        clusterName, Integer.toString(ports.get(i)), joinList()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    while (processes.size() <= i) {
      processes.add(null);
      outputs.add(null);
      addresses.add(null);
    }
    processes.set(i, p);
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(1000);
    outputs.set(i, lines);
    Thread.ofPlatform().daemon().name("member-" + i + "-out").start(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.offer(line);
        }
      } catch (IOException e) {
        // the member is gone
      }
    });
  }

  /** Waits for member i's READY line. */
  void awaitReady(int i) throws InterruptedException {
    String line = outputs.get(i).poll(START.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(line).as("member %d did not start within %s", i, START).isNotNull().startsWith("READY ");
    addresses.set(i, line.split(" ")[1]);
  }

  /** Waits for member i to print a line starting with {@code prefix}. */
  boolean awaitLine(int i, String prefix, Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      String line = outputs.get(i).poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  long pid(int i) {
    return processes.get(i).pid();
  }

  Process process(int i) {
    return processes.get(i);
  }

  void kill9(int i) throws Exception {
    signal(i, "KILL");
    assertThat(processes.get(i).waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
  }

  void sigterm(int i) throws Exception {
    signal(i, "TERM");
  }

  private void signal(int i, String sig) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid(i))).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(p.isAlive()).as("member pid %d outlived the test", p.pid()).isFalse();
      }
    }
  }

  static String classPath() {
    return System.getProperty("java.class.path").replace(File.pathSeparatorChar, ' ');
  }
}
