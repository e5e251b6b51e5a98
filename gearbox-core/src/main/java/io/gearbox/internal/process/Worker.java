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
 * <p>Threads: one reader (platform, daemon) that owns all reads from the socket, and two drains
 * for the process's stdout and stderr. All three end when the process does. When the reader hits
 * end of stream the worker is lost: it waits for the exit status, fails every pending call with
 * its own {@link WorkerCrashedException}, and tells the {@link WorkerSet}.
 */
final class Worker {

  /** Lines of unattributed output kept for crash reports. */
  static final int TAIL_LINES = 20;

  /** A call in flight on this worker. */
  record Pending(long taskId, int attempt, CompletableFuture<Frames.Frame> reply) {}

  /** How the worker ended. */
  record Death(int exitCode, boolean outOfMemory, List<String> tail) {}

  final int id;
  final Process process;
  final long pid;
  private final String poolName;
  private final PrintStream console; // null: do not echo unattributed output
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private Frames frames;
  private Death death; // guarded by this
  /** Set when the pool itself retires or kills the worker: its end is not a crash. */
  volatile boolean expectedExit;
  /** Tasks run, for maxTasksPerWorker. Touched only by the driver holding the worker. */
  int tasksRun;

  Worker(int id, Process process, String poolName, PrintStream console) {
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
              if (console != null) {
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

  /** Attaches the authenticated socket and starts the reader. */
  void attach(Frames authenticated, BiConsumer<Worker, Frames.Frame> requests, WorkerSet set,
      long[] staleResults) {
    this.frames = authenticated;
    threads.add(Thread.ofPlatform().daemon(true).name("gearbox-" + poolName + "-w" + id + "-reader")
        .start(() -> read(requests, set, staleResults)));
  }

  Frames frames() {
    return frames;
  }

  private void read(BiConsumer<Worker, Frames.Frame> requests, WorkerSet set, long[] staleResults) {
    try {
      while (true) {
        Frames.Frame f = frames.read();
        if (f.type() == Frames.RESULT) {
          Pending p = pending.remove(f.id());
          if (p == null) {
            synchronized (staleResults) {
              staleResults[0]++;
            }
          } else {
            p.reply().complete(f);
          }
        } else {
          requests.accept(this, f);
        }
      }
    } catch (IOException e) {
      lost();
      set.onDeath(this);
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

  /** Called by the reader at end of stream: waits for the exit status and fails pending calls. */
  private void lost() {
    frames.close();
    int code = -1;
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly(); // alive but its socket is gone: unusable
        process.waitFor(10, TimeUnit.SECONDS);
      }
      code = process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalThreadStateException stillRunning) {
      code = -1;
    }
    for (Thread t : threads) {
      if (t != Thread.currentThread()) {
        try {
          t.join(1000); // the drains: the last lines matter in a crash report
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    List<String> lines = tail();
    // the JVM's own line ("Terminating due to java.lang.OutOfMemoryError: ..."), not the exit
    // code: ExitOnOutOfMemoryError exits with 3, but so may a task's System.exit(3)
    boolean oom = lines.stream().anyMatch(l -> l.contains("OutOfMemoryError"));
    Death d = new Death(code, oom, lines);
    List<Pending> failed;
    synchronized (this) {
      death = d;
      failed = List.copyOf(pending.values());
      pending.clear();
    }
    for (Pending p : failed) {
      p.reply().completeExceptionally(crash(d, p.taskId(), p.attempt()));
    }
  }

  private WorkerCrashedException crash(Death d, long taskId, int attempt) {
    return new WorkerCrashedException(id, pid, d.exitCode(), taskId, attempt, d.outOfMemory(), d.tail());
  }

  /** How the worker ended, or null while it is alive. */
  synchronized Death death() {
    return death;
  }

  boolean isAlive() {
    return death() == null && process.isAlive();
  }

  /** Kills the process (the pool's decision, not a crash). */
  void kill() {
    expectedExit = true;
    process.destroyForcibly();
  }

  /** Resident memory in bytes from /proc, or -1 where unavailable. */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Waits for the reader and drains to end (after the process has exited). */
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
