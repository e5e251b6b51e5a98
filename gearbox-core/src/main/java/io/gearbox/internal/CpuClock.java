package io.gearbox.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadFactory;

/**
 * The current thread's CPU time and run-queue time, where the JVM and the OS can tell them, and the
 * one sampler that decides which tasks every pool measures (the fixed pools, the auto pool's CPU
 * side and its probes). Loaded lazily: pools that never measure CPU time never pay for {@code
 * java.management}.
 *
 * <p><b>CPU and run-queue time.</b> Wall time minus CPU time is not all waiting: on a crowded
 * machine a busy loop also spends time <em>runnable but descheduled</em>, in the kernel's run
 * queue. On Linux, {@code /proc/thread-self/schedstat} gives both the thread's CPU time and its
 * run-queue time in one read. The auto pool's threads, made by {@link #poolThreads}, keep their own
 * file open (the path resolves to the opening thread), re-read it with one positional read (about
 * as cheap as a {@code ThreadMXBean} call) and close it when they end. Other threads (the fixed
 * pools', whose stats report CPU time alone), and systems without the file, read
 * {@code ThreadMXBean} and count run-queue time as 0. The kernel adds a running thread's current
 * slice to its schedstat time only at the next tick or switch, so a schedstat reading is
 * tick-grained (a few ms): right for the auto pool's shares of long runs, too coarse for the
 * per-task CPU time of the fixed pools' stats. On JDK 25 {@code
 * ThreadMXBean.getCurrentThreadCpuTime()} returns -1 on a virtual thread (and its carrier's clocks
 * mix other threads' work), so this answers "unknown" there without asking.
 *
 * <p><b>Sampling.</b> A thread's CPU clock is a system call: about 1.5 us on some of our VMs, 3 to
 * 7 us on others, where a tiny task takes a tenth of a microsecond. So each pool thread measures
 * every task while its tasks are long, and when its last task ran under {@link #TINY_TASK_NANOS}
 * it measures one task per {@link #TINY_TASK_SAMPLING_NANOS} of its time: a stream of tiny tasks
 * is still sampled, at a bounded cost (two clock reads a millisecond, under 1.5% of a thread even
 * where a read takes 7 us), and the first longer task puts the thread back to measuring every
 * task. Unmeasured tasks report -1. (It sampled one tiny task in 64 before: on a VM with a 5 us
 * clock that cost 0.15 us a task, as much as the rest of a pool's work for a tiny task; JFR of
 * {@code gearbox bench overhead}.)
 * The auto pool's probes {@linkplain Sampler#measureNextRun() ask} for their run to be measured.
 *
 * <p>Public for the auto pool (internal.auto) and the worker JVM (internal.process); not exported.
 */
public final class CpuClock {

  /** Tasks shorter than this (wall time), 50 us, are "tiny". */
  static final long TINY_TASK_NANOS = 50_000;

  /** While tasks are tiny, one task per this much time (1 ms) of a thread is measured. */
  static final long TINY_TASK_SAMPLING_NANOS = 1_000_000;

  private static final String SCHEDSTAT = "/proc/thread-self/schedstat";
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final boolean SUPPORTED =
      MX.isCurrentThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();
  private static final ThreadLocal<Sampler> SAMPLERS = ThreadLocal.withInitial(Sampler::new);
  /**
   * Whether schedstat can be read: 0 unknown, 1 yes, 2 no. Found out on first use rather than in
   * the class initializer: a class initializer must not do I/O, since a virtual thread blocked
   * in one pins its carrier.
   */
  private static volatile int schedstat;

  private CpuClock() {}

  /** Nanoseconds of CPU time of the current platform thread, or -1. */
  public static long currentThreadCpuNanos() {
    if (!SUPPORTED || Thread.currentThread().isVirtual()) {
      return -1;
    }
    return MX.getCurrentThreadCpuTime();
  }

  /**
   * Reads the current platform thread's CPU time into {@code out[0]} and its run-queue time into
   * {@code out[1]} (0 where the OS does not tell), in nanoseconds. Opens the thread's schedstat
   * file on first use; call {@link #release()} before the thread ends.
   *
   * @return false if CPU time is unknown (virtual thread, unsupported); out is then untouched
   */
  public static boolean sample(long[] out) {
    if (Thread.currentThread().isVirtual()) {
      return false;
    }
    if (schedstatReadable() && SAMPLERS.get().readSchedstat(out)) {
      return true;
    }
    long cpu = currentThreadCpuNanos();
    if (cpu < 0) {
      return false;
    }
    out[0] = cpu;
    out[1] = 0;
    return true;
  }

  /** Whether the current thread reads its times from an open schedstat file (for tests). */
  static boolean readsSchedstat() {
    Sampler s = SAMPLERS.get();
    return s.sched != null && s.sched.isOpen();
  }

  /** Closes the current thread's schedstat file, if it opened one (threads that end soon). */
  public static void release() {
    Sampler s = SAMPLERS.get();
    s.close();
    SAMPLERS.remove();
  }

  /** Names the method behind platform-thread measurements, as profiles and routes show it. */
  public static String method() {
    return schedstatReadable()
        ? "platform thread CPU clock and run-queue time (" + SCHEDSTAT + ")"
        : "platform thread CPU clock (ThreadMXBean)";
  }

  /**
   * A factory whose threads read their run-queue time too (they keep a schedstat file open) and
   * close it when they end: the auto pool's CPU side and probes.
   */
  public static ThreadFactory poolThreads(ThreadFactory factory) {
    return r -> factory.newThread(() -> {
      SAMPLERS.get().poolThread = true;
      try {
        r.run();
      } finally {
        release();
      }
    });
  }

  /** The current thread's sampler. */
  public static Sampler sampler() {
    return SAMPLERS.get();
  }

  /**
   * The kernel's id of the current platform thread (Linux: from {@code /proc/thread-self}), or -1
   * where the OS does not tell. Read once per thread.
   */
  public static long osThreadId() {
    if (Thread.currentThread().isVirtual()) {
      return -1;
    }
    Sampler s = SAMPLERS.get();
    if (s.osThreadId == 0) {
      long tid = -1;
      try {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        tid = Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
      } catch (IOException | RuntimeException unavailable) {
        // not Linux, or no procfs: -1
      }
      s.osThreadId = tid;
    }
    return s.osThreadId;
  }

  /**
   * The current pool thread as the kernel shows it to other threads ({@code
   * /proc/self/task/<tid>/stat}, {@code wchan} and {@code schedstat}), for the auto pool's
   * watcher to look at while the thread runs a probe. The files are opened by the first look and
   * kept until the thread ends ({@link #release}): opened per burst, they took the watcher
   * 150-300 us a look on a 2-core machine in the middle of a burst, where a read takes 2-10 us.
   * Where the OS does not tell, a view whose every answer is null.
   */
  public static KernelView kernelView() {
    Sampler s = SAMPLERS.get();
    if (s.kernelView == null) {
      s.kernelView = new KernelView(osThreadId());
    }
    return s.kernelView;
  }

  /**
   * One thread's {@code /proc} files that other threads read (see {@link #kernelView}). Opened
   * by the first reader, closed when the thread ends; a read racing the close, or closed by an
   * interrupt of its reader, fails and answers null, and the next read opens the file again
   * unless the thread has ended. Thread-safe.
   */
  public static final class KernelView {
    private static final int STAT = 0;
    private static final int WAIT_CHANNEL = 1;
    private static final int SCHEDSTAT = 2;
    private static final String[] NAMES = {"/stat", "/wchan", "/schedstat"};

    private final long osThreadId;
    private final FileChannel[] files = new FileChannel[NAMES.length]; // guarded by this
    private boolean released; // guarded by this
    // the current run's start: its time (MIN_VALUE while it is being set), its CPU and run-queue
    // clocks; a reader checks that the time did not change while it read the clocks
    private volatile long runStart = Long.MIN_VALUE;
    private volatile long runStartCpu;
    private volatile long runStartQueue;

    private KernelView(long osThreadId) {
      this.osThreadId = osThreadId;
    }

    /**
     * Marks the start of a run on the viewed thread (called on that thread), so that others can
     * read the run's CPU share so far ({@link ThreadStates#cpuShareOfRun}).
     */
    public void runStarts() {
      runStart = Long.MIN_VALUE;
      long[] clocks = new long[2];
      if (osThreadId > 0 && sample(clocks)) {
        runStartCpu = clocks[0];
        runStartQueue = clocks[1];
        runStart = System.nanoTime();
      }
    }

    private synchronized FileChannel file(int which) throws IOException {
      FileChannel file = files[which];
      if (file == null || !file.isOpen()) {
        if (released || osThreadId <= 0) {
          return null;
        }
        file = FileChannel.open(Path.of("/proc/self/task/" + osThreadId + NAMES[which]),
            StandardOpenOption.READ);
        files[which] = file;
      }
      return file;
    }

    private synchronized void release() {
      released = true;
      for (FileChannel file : files) {
        if (file != null) {
          try {
            file.close();
          } catch (IOException ignored) {
            // nothing to do
          }
        }
      }
    }
  }

  /**
   * Reads how the kernel sees threads of this process now: waiting (sleeping or in
   * uninterruptible I/O, not running or runnable: a thread descheduled on a crowded machine is
   * runnable, not waiting), and in what. One positional read of the thread's file per question.
   * Used by one thread at a time (it keeps one buffer).
   */
  public static final class ThreadStates {
    private static final byte[] FUTEX = "futex".getBytes(StandardCharsets.US_ASCII);
    private final ByteBuffer buffer = ByteBuffer.allocate(512);
    private final long[] clocks = new long[2];

    /** Whether the thread is waiting, or null where the OS does not tell. */
    public Boolean waiting(KernelView thread) {
      int n = read(thread, KernelView.STAT);
      // "tid (comm) S ...": the name may hold spaces and parentheses; the state follows the
      // last ')'
      for (int i = n - 1; i > 0; i--) {
        if (buffer.get(i) == ')' && i + 2 < n) {
          char state = (char) buffer.get(i + 2);
          return state == 'S' || state == 'D';
        }
      }
      return null;
    }

    /**
     * Whether the thread, seen waiting, waits in the kernel for something other than a futex: a
     * socket, a poll, a pipe, a disk ({@code wchan} names the kernel function it sleeps in, e.g.
     * {@code poll_schedule_timeout} or {@code wait_woken}). Every wait the JVM makes itself, a
     * park, a monitor, {@code Thread.sleep}, a thread stopped at a safepoint, is a futex, and
     * answers false. Null where the kernel does not tell (no procfs, the thread runs now, or a
     * kernel that hides its symbols: {@code 0}).
     */
    public Boolean waitingOutsideFutex(KernelView thread) {
      int n = read(thread, KernelView.WAIT_CHANNEL);
      if (n <= 0 || n == 1 && buffer.get(0) == '0') {
        return null;
      }
      return !contains(buffer.array(), n, FUTEX);
    }

    /** Whether the first n bytes hold the given ASCII bytes (no string per look). */
    private static boolean contains(byte[] bytes, int n, byte[] part) {
      for (int i = 0; i + part.length <= n; i++) {
        if (java.util.Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
          return true;
        }
      }
      return false;
    }

    /**
     * The CPU share of the viewed thread's current run so far (CPU time over wall time less
     * run-queue time, since {@link KernelView#runStarts}), or NaN where it cannot be read.
     */
    public double cpuShareOfRun(KernelView thread) {
      long start = thread == null ? Long.MIN_VALUE : thread.runStart;
      if (start == Long.MIN_VALUE) {
        return Double.NaN;
      }
      long cpu0 = thread.runStartCpu;
      long queue0 = thread.runStartQueue;
      if (thread.runStart != start) {
        return Double.NaN; // a new run began meanwhile
      }
      if (!parseSchedstat(buffer, read(thread, KernelView.SCHEDSTAT), clocks)) {
        return Double.NaN;
      }
      long wall = System.nanoTime() - start - (clocks[1] - queue0);
      return wall <= 0 ? Double.NaN
          : Math.max(0.0, Math.min(1.0, (double) (clocks[0] - cpu0) / wall));
    }

    private int read(KernelView thread, int which) {
      if (thread == null) {
        return -1;
      }
      try {
        FileChannel file = thread.file(which);
        if (file == null) {
          return -1; // the thread has ended
        }
        buffer.clear();
        return file.read(buffer, 0);
      } catch (IOException | RuntimeException unavailable) {
        return -1; // the thread has ended, a close raced this read, or no procfs
      }
    }
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

  /** Per-thread sampling state and clock file; used by its own thread only. */
  public static final class Sampler {
    private boolean lastWasTiny;
    /** When the last task run on this thread ended (System.nanoTime). */
    private long lastEnd;
    /** While tasks are tiny, the next task that starts after this time is measured. */
    private long nextTinySample;
    private boolean forced;
    private boolean poolThread;
    private long osThreadId; // 0 unknown yet, -1 unavailable
    private Sched sched;
    private KernelView kernelView;

    /** Whether to measure the task about to run on this thread. */
    boolean measureNext() {
      if (forced || !lastWasTiny) {
        forced = false;
        return true;
      }
      if (lastEnd - nextTinySample >= 0) {
        nextTinySample = lastEnd + TINY_TASK_SAMPLING_NANOS;
        return true;
      }
      return false;
    }

    /** Asks for the next task run on this thread to be measured, tiny or not (a probe). */
    public void measureNextRun() {
      forced = true;
    }

    /** Records the run of the task that just ended on this thread (System.nanoTime values). */
    void ran(long startNanos, long endNanos) {
      if (!lastWasTiny) {
        nextTinySample = endNanos + TINY_TASK_SAMPLING_NANOS; // a run of tiny tasks begins
      }
      lastWasTiny = endNanos - startNanos < TINY_TASK_NANOS;
      lastEnd = endNanos;
    }

    /**
     * CPU and run-queue time of this (platform) thread into out[0] and out[1]: from schedstat on a
     * pool's own thread, else CPU time alone.
     */
    boolean read(long[] out) {
      if (poolThread) {
        return sample(out);
      }
      long cpu = currentThreadCpuNanos();
      if (cpu < 0) {
        return false;
      }
      out[0] = cpu;
      out[1] = 0;
      return true;
    }

    private boolean readSchedstat(long[] out) {
      if (sched == null) {
        sched = Sched.open();
      }
      return sched != null && sched.read(out);
    }

    private void close() {
      if (sched != null) {
        sched.close();
        sched = null;
      }
      if (kernelView != null) {
        kernelView.release();
        kernelView = null;
      }
    }
  }

  /**
   * One thread's open schedstat file: "cpu-ns run-queue-ns timeslices\n". A {@link FileChannel} is
   * interruptible: a read made while its thread's interrupt flag is set, or interrupted during the
   * read, closes the channel for good. Pool threads are interrupted by cancellation, so a read
   * clears the flag for its duration and restores it, and a channel closed by an interrupt that
   * came during the read is opened again; the thread never falls back to the CPU clock for good.
   */
  private static final class Sched {
    private FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(96);

    private Sched(FileChannel channel) {
      this.channel = channel;
    }

    static Sched open() {
      FileChannel channel = openChannel();
      return channel == null ? null : new Sched(channel);
    }

    private static FileChannel openChannel() {
      try {
        return FileChannel.open(Path.of(SCHEDSTAT), StandardOpenOption.READ);
      } catch (IOException | RuntimeException unavailable) {
        return null;
      }
    }

    /** Whether the file is open (for tests). */
    boolean isOpen() {
      return channel.isOpen();
    }

    /**
     * One positional read with the interrupt flag kept out of it (see the class comment): a
     * channel an interrupt closed is opened again, up to three times in one read.
     */
    private int readKeepingTheInterrupt() throws IOException {
      boolean interrupted = Thread.interrupted();
      try {
        for (int attempt = 1; ; attempt++) {
          if (!channel.isOpen()) {
            FileChannel reopened = openChannel();
            if (reopened == null) {
              return -1;
            }
            channel = reopened;
          }
          try {
            buffer.clear();
            return channel.read(buffer, 0);
          } catch (ClosedByInterruptException e) {
            interrupted |= Thread.interrupted(); // the interrupt that closed it: restored below
            if (attempt == 3) {
              return -1; // this sample falls back; the next one opens the file again
            }
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    boolean read(long[] out) {
      try {
        return parseSchedstat(buffer, readKeepingTheInterrupt(), out);
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

  /** Parses "cpu-ns run-queue-ns ..." (the first n bytes of a schedstat file) into out. */
  private static boolean parseSchedstat(ByteBuffer buffer, int n, long[] out) {
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
  }
}
