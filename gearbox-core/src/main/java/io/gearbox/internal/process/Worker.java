package io.gearbox.internal.process;

import io.gearbox.WorkerCrashedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The caller's side of one worker JVM: its process, its authenticated socket, the calls waiting on
 * it, and the last lines of output no task claimed (for crash reports).
 *
 * <p>Reads: the driver holding the worker reads its own reply ({@link #await}), so a round trip
 * has no reader thread in it. Threads: two drains for the process's stdout and stderr, which end
 * when the process does. When a read hits end of stream, or the process exits (watched through
 * {@link Process#onExit()}, so a worker that dies idle is noticed too), {@link #die()} waits for
 * the exit status, fails every pending call with its own {@link WorkerCrashedException}, and
 * tells its {@link Owner} (the pool's {@code WorkerSet}), once.
 */
final class Worker {

  /** Who is told about this worker's end and its stale replies: the pool's set of workers. */
  interface Owner {
    /** The worker has died (called once, after its pending calls have failed). */
    void onDeath(Worker w);

    /** A RESULT came for a call id no longer waited for (a superseded attempt's). */
    void staleResult();
  }

  /** Lines of unattributed output kept for crash reports. */
  static final int TAIL_LINES = 20;

  /** A call in flight on this worker. */
  record Pending(long taskId, int attempt, CompletableFuture<Frames.Frame> reply) {}

  /**
   * How the worker ended.
   *
   * @param taskOutput what the task it was running printed (from the spool), or empty
   */
  record Death(int exitCode, boolean outOfMemory, List<String> tail, io.gearbox.TaskOutput taskOutput) {}

  final int id;
  final Process process;
  final long pid;
  private final String poolName;
  private final PrintStream console; // null: do not echo unattributed output
  private final Path spool; // <pool dir>/w<id>: .out and .err, written by the worker's OutputCapture
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile Frames frames;
  private Death death; // guarded by this
  private final java.util.concurrent.atomic.AtomicBoolean dying = new java.util.concurrent.atomic.AtomicBoolean();
  /** Threads serving this worker's channel requests, by request id. */
  final Map<Long, Thread> channelHandlers = new ConcurrentHashMap<>();
  private volatile BiConsumer<Worker, Frames.Frame> requests;
  private volatile Owner set;
  /** Set when the pool itself retires or kills the worker: its end is not a crash. */
  volatile boolean expectedExit;
  /** Whether this worker records the pool's AOT cache (written when it exits). */
  volatile boolean recordsAot;
  /** Tasks run, for maxTasksPerWorker. Touched only by the driver holding the worker. */
  int tasksRun;

  Worker(int id, Process process, String poolName, PrintStream console, Path spool) {
    this.spool = spool;
    this.id = id;
    this.process = process;
    this.pid = process.pid();
    this.poolName = poolName;
    this.console = console;
  }

  /** Starts draining the process's stdout and stderr. */
  void startDrains() {
    threads.add(drain(process.getInputStream(), "out"));
    threads.add(drain(process.getErrorStream(), "err"));
  }

  private Thread drain(InputStream stream, String which) {
    return Thread.ofPlatform().daemon(true).name("gearbox-" + poolName + "-w" + id + "-" + which)
        .start(() -> {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
              synchronized (tail) {
                tail.addLast(line);
                if (tail.size() > TAIL_LINES) {
                  tail.removeFirst();
                }
              }
              if (console != null && !(recordsAot && expectedExit && WorkerAotCache.isRecorderMessage(line))) {
                console.println("[" + poolName + " worker " + pid + "] " + line);
              }
            }
          } catch (IOException ignored) {
            // the process is gone
          }
        });
  }

  /** The last lines of unattributed output, oldest first. */
  List<String> tail() {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }

  /**
   * Attaches the authenticated socket (switched to non-blocking: drivers read their own replies)
   * and watches for the process to exit, so a worker that dies while idle is noticed at once.
   */
  void attach(Frames authenticated, BiConsumer<Worker, Frames.Frame> requests, Owner set)
      throws IOException {
    this.frames = authenticated;
    this.requests = requests;
    this.set = set;
    authenticated.nonBlocking();
    process.onExit().thenRun(() -> Thread.ofVirtual()
        .name("gearbox-" + poolName + "-w" + id + "-exit").start(this::die));
  }

  Frames frames() {
    return frames;
  }

  /**
   * Waits for a registered call's RESULT by reading the socket on the calling thread (the driver
   * that holds this worker); channel requests met on the way are handed to their handlers, and a
   * RESULT for any other call id is a superseded attempt's, counted and dropped.
   *
   * @param timeoutNanos the longest wait, or negative for no limit
   * @return the frame, or null if the time ran out or the thread is interrupted (flag left set)
   * @throws WorkerCrashedException if the worker died first
   */
  Frames.Frame await(Pending p, long timeoutNanos) {
    boolean unlimited = timeoutNanos < 0;
    long deadline = unlimited ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
    while (true) {
      if (p.reply().isDone()) {
        try {
          return p.reply().join();
        } catch (java.util.concurrent.CompletionException e) {
          throw (WorkerCrashedException) e.getCause();
        }
      }
      long left = unlimited ? -1 : deadline - System.nanoTime();
      if ((!unlimited && left <= 0) || Thread.currentThread().isInterrupted()) {
        return null;
      }
      Frames.Frame f;
      try {
        f = frames.poll(left); // only the driver holding this worker reads
      } catch (IOException e) {
        die(); // fails every pending call, p included
        continue;
      }
      if (f == null) {
        if (Thread.currentThread().isInterrupted() || (!unlimited
            && System.nanoTime() >= deadline)) {
          return null;
        }
        continue;
      }
      if (f.type() == Frames.RESULT) {
        Pending done = pending.remove(f.id());
        if (done == null) {
          set.staleResult();
        } else {
          done.reply().complete(f);
        }
      } else {
        requests.accept(this, f);
      }
    }
  }

  /**
   * Registers a call; fails at once with the worker's crash if it is already dead.
   *
   * @return the pending call
   */
  Pending register(long callId, long taskId, int attempt) {
    Pending p = new Pending(taskId, attempt, new CompletableFuture<>());
    synchronized (this) {
      if (death != null) {
        p.reply().completeExceptionally(crash(death, taskId, attempt));
        return p;
      }
      pending.put(callId, p);
    }
    return p;
  }

  void unregister(long callId) {
    pending.remove(callId);
  }

  /**
   * The worker is gone (its socket ended, or its process exited): waits for the exit status and
   * the last output, fails every pending call with its own crash, and tells the set, once.
   * Idempotent and thread-safe.
   */
  void die() {
    if (!dying.compareAndSet(false, true)) {
      try {
        awaitDeath(60_000); // another thread is reporting it (its waits are bounded)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    if (frames != null) {
      frames.close();
    }
    channelHandlers.values().forEach(Thread::interrupt); // requests of a worker that is gone
    // bounded waits, done even by an interrupted driver: the report needs the status and output
    boolean interrupted = Thread.interrupted();
    int code = -1;
    try {
      if (!waitUninterruptibly(2000)) {
        process.destroyForcibly(); // alive but its socket is gone: unusable
        waitUninterruptibly(10_000);
      }
      code = process.exitValue();
    } catch (IllegalThreadStateException stillRunning) {
      code = -1;
    }
    for (Thread t : threads) {
      if (t != Thread.currentThread()) {
        long end = System.nanoTime() + 1_000_000_000L;
        while (t.isAlive() && System.nanoTime() < end) {
          try {
            t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000)); // the last lines matter
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<String> lines = tail();
    // -XX:+ExitOnOutOfMemoryError prints "Terminating due to java.lang.OutOfMemoryError: ..."
    boolean oom = lines.stream().anyMatch(l -> l.contains("OutOfMemoryError"));
    io.gearbox.TaskOutput printed = readSpool();
    Death d = new Death(code, oom, lines, printed);
    List<Pending> failed;
    synchronized (this) {
      death = d;
      failed = List.copyOf(pending.values());
      pending.clear();
      notifyAll();
    }
    for (Pending p : failed) {
      p.reply().completeExceptionally(crash(d, p.taskId(), p.attempt()));
    }
    if (set != null) {
      set.onDeath(this);
    }
  }

  private WorkerCrashedException crash(Death d, long taskId, int attempt) {
    return new WorkerCrashedException(id, pid, d.exitCode(), taskId, attempt, d.outOfMemory(), d.tail(),
        lastLines(d.taskOutput()));
  }

  /**
   * What the task running when the worker died had printed: the spool files its OutputCapture
   * writes through (emptied at each task's start), read once the process is gone, then deleted.
   */
  private io.gearbox.TaskOutput readSpool() {
    if (spool == null) {
      return io.gearbox.TaskOutput.EMPTY;
    }
    String[] text = new String[2];
    String[] suffixes = {".out", ".err"};
    for (int i = 0; i < 2; i++) {
      Path file = spool.resolveSibling(spool.getFileName() + suffixes[i]);
      try (java.io.InputStream in = Files.newInputStream(file)) {
        byte[] bytes = in.readNBytes(OutputCapture.LIMIT);
        text[i] = new String(bytes, StandardCharsets.UTF_8);
      } catch (IOException e) {
        text[i] = ""; // never written (the worker died before its first task) or unreadable
      }
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the pool's directory is removed at close; a file left in it is harmless until then
      }
    }
    return new io.gearbox.TaskOutput(text[0], text[1], 0); // the worker spools what it keeps
  }

  /** The last {@link #TAIL_LINES} lines of a task's output, stdout's then stderr's. */
  static List<String> lastLines(io.gearbox.TaskOutput output) {
    List<String> lines = new ArrayList<>();
    for (String text : List.of(output.stdout(), output.stderr())) {
      if (!text.isEmpty()) {
        lines.addAll(List.of(text.split("\\R")));
      }
    }
    return List.copyOf(lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
  }

  private boolean waitUninterruptibly(long millis) {
    long end = System.nanoTime() + millis * 1_000_000L;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return process.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits until {@link #die()} has finished (after the process has exited). */
  synchronized void awaitDeath(long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (death == null) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }

  /** How the worker ended, or null while it is alive. */
  synchronized Death death() {
    return death;
  }

  boolean isAlive() {
    return death() == null && process.isAlive();
  }

  /**
   * Kills the process (the pool's decision, not a crash), and first any processes its tasks
   * started: once the worker is gone they would be re-parented and escape every later check.
   */
  void kill() {
    expectedExit = true;
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** Resident memory in bytes from /proc, or -1 where unavailable. */
  long rssBytes() {
    try (java.util.stream.Stream<String> lines = Files.lines(Path.of("/proc/" + pid + "/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.trim().split("\\s+")[1]) * 1024).orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Waits for the output drains to end (after the process has exited). */
  void joinThreads(long millis) throws InterruptedException {
    for (Thread t : threads) {
      t.join(millis);
    }
  }

  @Override
  public String toString() {
    return "worker " + id + " (pid " + pid + ")";
  }
}
