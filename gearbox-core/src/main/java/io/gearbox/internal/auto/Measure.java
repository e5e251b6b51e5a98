package io.gearbox.internal.auto;

import io.gearbox.internal.CpuClock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The current platform thread's CPU time, run-queue time and allocated bytes, where the JVM and
 * the OS can tell them.
 *
 * <p><b>CPU and run-queue time.</b> Wall time minus CPU time is not all waiting: on a crowded
 * machine a busy loop also spends time <em>runnable but descheduled</em>, in the kernel's run
 * queue, and would look half idle. On Linux, {@code /proc/thread-self/schedstat} gives both the
 * thread's CPU time and its run-queue time in one read, so the time a task really waited (blocked,
 * sleeping, in I/O) is {@code wall - cpu - runQueue}. Each platform thread keeps its own file open
 * (the path resolves to the opening thread) and re-reads it with one positional read, about as
 * cheap as a {@code ThreadMXBean} call. Elsewhere CPU time comes from {@code ThreadMXBean} and
 * run-queue time is taken as 0. Either way a virtual thread answers -1 (JDK 25 reports -1 CPU
 * time there through {@code ThreadMXBean}, and its carrier's clocks mix other threads' work).
 *
 * <p><b>Allocation</b> comes from {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}
 * (module {@code jdk.management}, in every full JDK); where that is missing or disabled, -1.
 */
public final class Measure {

  private static final String SCHEDSTAT = "/proc/thread-self/schedstat";
  private static final ThreadLocal<Sched> SCHED = new ThreadLocal<>();
  /**
   * Whether schedstat can be read: 0 unknown, 1 yes, 2 no. Found out on first use rather than in
   * the class initializer: a class initializer must not do I/O, since a virtual thread blocked
   * in one pins its carrier.
   */
  private static volatile int schedstat;

  private static final com.sun.management.ThreadMXBean ALLOC = allocationBean();

  private Measure() {}

  private static com.sun.management.ThreadMXBean allocationBean() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
          && bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled()) {
        return bean;
      }
    } catch (RuntimeException | LinkageError unavailable) {
      // a JVM without jdk.management's extension: allocation stays unknown
    }
    return null;
  }

  /**
   * Reads the current platform thread's CPU time into {@code out[0]} and its run-queue time into
   * {@code out[1]} (0 where the OS does not tell), in nanoseconds.
   *
   * @return false if CPU time is unknown (virtual thread, unsupported); out is then untouched
   */
  public static boolean sample(long[] out) {
    if (Thread.currentThread().isVirtual()) {
      return false;
    }
    if (schedstatReadable()) {
      Sched sched = SCHED.get();
      if (sched == null) {
        sched = Sched.open();
        SCHED.set(sched);
      }
      if (sched != null && sched.read(out)) {
        return true;
      }
    }
    long cpu = cpuNanos();
    if (cpu < 0) {
      return false;
    }
    out[0] = cpu;
    out[1] = 0;
    return true;
  }

  /** Closes the current thread's schedstat file, if it opened one (threads that end soon). */
  public static void release() {
    Sched sched = SCHED.get();
    if (sched != null) {
      SCHED.remove();
      sched.close();
    }
  }

  /** Names the method behind platform-thread measurements, as profiles and routes show it. */
  public static String method() {
    return schedstatReadable()
        ? "platform thread CPU clock and run-queue time (" + SCHEDSTAT + ")"
        : "platform thread CPU clock (ThreadMXBean)";
  }

  private static boolean schedstatReadable() {
    int known = schedstat;
    if (known == 0) {
      Sched probe = Sched.open();
      boolean readable = probe != null && probe.read(new long[2]);
      if (probe != null) {
        probe.close();
      }
      known = readable ? 1 : 2;
      schedstat = known;
    }
    return known == 1;
  }

  /** One thread's open schedstat file: "cpu-ns run-queue-ns timeslices\n". */
  private static final class Sched {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(96);

    private Sched(FileChannel channel) {
      this.channel = channel;
    }

    static Sched open() {
      try {
        return new Sched(FileChannel.open(Path.of(SCHEDSTAT), StandardOpenOption.READ));
      } catch (IOException | RuntimeException unavailable) {
        return null;
      }
    }

    boolean read(long[] out) {
      try {
        buffer.clear();
        int n = channel.read(buffer, 0);
        if (n <= 0) {
          return false;
        }
        long first = 0;
        long second = 0;
        int field = 0;
        boolean inNumber = false;
        for (int i = 0; i < n && field < 2; i++) {
          byte b = buffer.get(i);
          if (b >= '0' && b <= '9') {
            if (field == 0) {
              first = first * 10 + (b - '0');
            } else {
              second = second * 10 + (b - '0');
            }
            inNumber = true;
          } else if (inNumber) {
            field++;
            inNumber = false;
          }
        }
        if (field < 2 && !inNumber) {
          return false;
        }
        out[0] = first;
        out[1] = second;
        return true;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }

  /** CPU time of the current thread in nanoseconds, or -1 (virtual thread, unsupported). */
  public static long cpuNanos() {
    return CpuClock.currentThreadCpuNanos();
  }

  /** Bytes allocated so far by the current platform thread, or -1. */
  public static long allocatedBytes() {
    if (ALLOC == null || Thread.currentThread().isVirtual()) {
      return -1;
    }
    try {
      return ALLOC.getCurrentThreadAllocatedBytes();
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
