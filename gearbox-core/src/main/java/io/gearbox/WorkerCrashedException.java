package io.gearbox;

import java.util.List;

/**
 * The worker process running a task died before it reported a result: killed by a signal,
 * {@code System.exit}, {@code Runtime.halt}, an out-of-memory exit, a native crash. The task's
 * side effects may or may not have happened. Thrown as the cause of a {@link TaskFailedException};
 * each failed task gets its own instance.
 */
public final class WorkerCrashedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int workerId;
  private final long pid;
  private final int exitCode;
  private final long taskId;
  private final int attempt;
  private final boolean outOfMemory;
  private final List<String> lastStderr;
  private final List<String> lastOutput;

  /**
   * Creates the exception; the message is built from the parts.
   *
   * @param workerId the pool's number for the worker
   * @param pid the worker's process id
   * @param exitCode its exit status, 128 + n when killed by signal n, or -1 if unknown
   * @param taskId the task it was running
   * @param attempt which attempt of that task (1 for the first)
   * @param outOfMemory whether the worker ran out of memory
   * @param lastStderr the worker's last lines of unattributed output, oldest first
   */
  public WorkerCrashedException(int workerId, long pid, int exitCode, long taskId, int attempt,
      boolean outOfMemory, List<String> lastStderr) {
    this(workerId, pid, exitCode, taskId, attempt, outOfMemory, lastStderr, List.of());
  }

  /**
   * Creates the exception with what the task printed before the worker died.
   *
   * @param workerId the pool's number for the worker
   * @param pid the worker's process id
   * @param exitCode its exit status, 128 + n when killed by signal n, or -1 if unknown
   * @param taskId the task it was running
   * @param attempt which attempt of that task (1 for the first)
   * @param outOfMemory whether the worker ran out of memory
   * @param lastStderr the worker's last lines of unattributed output, oldest first
   * @param lastOutput the task's last lines of output (stdout's, then stderr's), oldest first
   */
  public WorkerCrashedException(int workerId, long pid, int exitCode, long taskId, int attempt,
      boolean outOfMemory, List<String> lastStderr, List<String> lastOutput) {
    super(message(workerId, pid, exitCode, taskId, attempt, outOfMemory, lastStderr, lastOutput));
    this.lastOutput = List.copyOf(lastOutput);
    this.workerId = workerId;
    this.pid = pid;
    this.exitCode = exitCode;
    this.taskId = taskId;
    this.attempt = attempt;
    this.outOfMemory = outOfMemory;
    this.lastStderr = List.copyOf(lastStderr);
  }

  private static String message(int workerId, long pid, int exitCode, long taskId, int attempt,
      boolean outOfMemory, List<String> lastStderr, List<String> lastOutput) {
    StringBuilder b = new StringBuilder()
        .append("worker ").append(workerId).append(" (pid ").append(pid).append(") died running task ")
        .append(taskId).append(" (attempt ").append(attempt).append("): ").append(describeExit(exitCode));
    if (fromOutside(signalOf(exitCode))) {
      b.append(", a signal sent from outside the worker (by another process, or for SIGKILL the"
          + " kernel's out-of-memory killer; the OS does not tell a parent who sent it), not one"
          + " the task's own code raised");
    }
    if (outOfMemory) {
      b.append("; it ran out of memory: give workers a larger heap (ProcessPoolBuilder.maxHeap) or"
          + " make the task use less");
    }
    if (!lastOutput.isEmpty()) {
      b.append("; the task's last output:");
      for (String line : lastOutput) {
        b.append("\n  | ").append(line);
      }
    }
    if (!lastStderr.isEmpty()) {
      b.append(lastOutput.isEmpty() ? "; last output:" : "\nthe worker's last output:");
      for (String line : lastStderr) {
        b.append("\n  | ").append(line);
      }
    }
    return b.toString();
  }

  /** "exit code 1", "killed by signal 9 (SIGKILL)", or "exit status unknown". */
  public static String describeExit(int exitCode) {
    if (exitCode < 0) {
      return "exit status unknown";
    }
    int signal = signalOf(exitCode);
    if (signal != 0) {
      String name = switch (signal) {
        case 1 -> "SIGHUP";
        case 2 -> "SIGINT";
        case 3 -> "SIGQUIT";
        case 4 -> "SIGILL";
        case 6 -> "SIGABRT";
        case 7 -> "SIGBUS";
        case 8 -> "SIGFPE";
        case 9 -> "SIGKILL";
        case 11 -> "SIGSEGV";
        case 13 -> "SIGPIPE";
        case 15 -> "SIGTERM";
        default -> null;
      };
      return "killed by signal " + signal + (name != null ? " (" + name + ")" : "");
    }
    return "exit code " + exitCode;
  }

  /** The pool's number for the worker (1, 2, 3… in spawn order). */
  public int workerId() {
    return workerId;
  }

  /** The worker's process id. */
  public long pid() {
    return pid;
  }

  /** The exit status: the code, 128 + n after signal n, or -1 if unknown. */
  public int exitCode() {
    return exitCode;
  }

  /** The signal that killed the worker, or 0. */
  public int signal() {
    return signalOf(exitCode);
  }

  /**
   * Whether the worker was killed by a signal that only comes from outside a JVM: SIGHUP,
   * SIGINT, SIGKILL or SIGTERM, sent by another process (or the kernel's out-of-memory killer),
   * rather than a crash the task's own code caused (an exit, a halt, SIGSEGV, SIGABRT...). A
   * task that signals its own worker is the rare exception. The OS does not tell a parent who
   * sent the signal.
   */
  public boolean killedFromOutside() {
    return fromOutside(signal());
  }

  private static boolean fromOutside(int signal) {
    return signal == 1 || signal == 2 || signal == 9 || signal == 15;
  }

  /** The signal n of an exit status 128 + n (as Process reports a signal's death), or 0. */
  private static int signalOf(int exitCode) {
    return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
  }

  /** The task the worker was running. */
  public long taskId() {
    return taskId;
  }

  /** Which attempt of the task (1 for the first). */
  public int attempt() {
    return attempt;
  }

  /** Whether the worker ran out of memory (an OutOfMemoryError with ExitOnOutOfMemoryError). */
  public boolean outOfMemory() {
    return outOfMemory;
  }

  /** The worker's last lines of output that no task claimed (JVM messages, native writes). */
  public List<String> lastStderr() {
    return lastStderr;
  }

  /**
   * The last lines the task printed before its worker died (its stdout's, then its stderr's,
   * oldest first): kept even when it ended by {@code System.exit}, {@code Runtime.halt}, running
   * out of memory or a native crash. The whole of it is on {@link ProcessTaskHandle#output()}.
   */
  public List<String> lastOutput() {
    return lastOutput;
  }
}
