package io.gearbox.internal.auto;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Harness;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the auto pool's watcher reads in a sleeping probe's stack: a task blocked in its own I/O
 * is evidence that its key waits; a wait inside class loading or Gearbox's own measuring of the
 * run is not ({@link Router#blockedInIo}).
 */
class ProbeStacksTest {

  @RegisterExtension final Harness h = new Harness();

  private static StackTraceElement nativeFrame(String cls, String method) {
    return new StackTraceElement(cls, method, null, -2); // -2: a native method
  }

  private static StackTraceElement frame(String cls, String method) {
    return new StackTraceElement(cls, method, cls + ".java", 10);
  }

  @Test
  void blockedInIo_nativeReadUnderTheTasksCode_isTheTasksWait() {
    StackTraceElement[] stack = {
        nativeFrame("sun.nio.ch.SocketDispatcher", "read0"),
        frame("sun.nio.ch.NioSocketImpl", "read"),
        frame("com.example.Fetch", "call"),
        frame("io.gearbox.internal.TaskRun", "run"),
        frame("io.gearbox.internal.auto.Router", "probeRun"),
        frame("io.gearbox.internal.CpuClock$Sched", "run")}; // the probe thread's own start
    assertThat(Router.blockedInIo(stack)).isTrue();
    assertThat(Router.inOwnMeasuring(stack)).isFalse();
  }

  @Test
  void blockedInIo_readOfTheRunsOwnClock_isNotTheTasksWait() {
    // a probe is in the watcher's view from just before its run's clocks are read: a sleep in
    // that read (the thread's schedstat) must not release its burst
    StackTraceElement[] stack = {
        nativeFrame("sun.nio.ch.UnixFileDispatcherImpl", "pread0"),
        frame("sun.nio.ch.FileChannelImpl", "read"),
        frame("io.gearbox.internal.CpuClock$Sched", "read"),
        frame("io.gearbox.internal.TaskRun", "run")};
    assertThat(Router.blockedInIo(stack)).isFalse();
    assertThat(Router.inOwnMeasuring(stack)).isTrue();
    StackTraceElement[] counters = {
        nativeFrame("sun.management.ThreadImpl", "getThreadAllocatedMemory0"),
        frame("io.gearbox.internal.auto.Measure", "allocatedBytes"),
        frame("io.gearbox.internal.auto.Router", "probeRun")};
    assertThat(Router.blockedInIo(counters)).isFalse();
  }

  @Test
  void blockedInIo_readOfAClassFile_isNotTheTasksWait() {
    StackTraceElement[] stack = {
        nativeFrame("java.io.RandomAccessFile", "readBytes"),
        frame("jdk.internal.loader.BuiltinClassLoader", "loadClassOrNull"),
        frame("com.example.Fetch", "call")};
    assertThat(Router.blockedInIo(stack)).isFalse();
    assertThat(Router.blockedInIo(new StackTraceElement[0])).isFalse();
    assertThat(Router.blockedInIo(new StackTraceElement[] {frame("com.example.Spin", "call")}))
        .as("a Java frame on top: not in a system call").isFalse();
  }

  @Test
  void blockedInIo_aRealThreadBlockedInASocketRead() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      Thread reader = Thread.ofPlatform().name("test-socket-reader").start(h.checked(() -> {
        try (InputStream in = client.getInputStream()) {
          in.read(); // blocks until the test writes
        }
      }));
      StackTraceElement[] stack = reader.getStackTrace();
      long deadline = System.nanoTime() + io.gearbox.Delays.LONG.toNanos();
      while (!Router.blockedInIo(stack) && System.nanoTime() < deadline) {
        Thread.sleep(1);
        stack = reader.getStackTrace();
      }
      assertThat(Router.blockedInIo(stack)).as("%s", java.util.Arrays.toString(stack)).isTrue();
      accepted.getOutputStream().write(1);
      Harness.join(reader);
    }
  }
}
