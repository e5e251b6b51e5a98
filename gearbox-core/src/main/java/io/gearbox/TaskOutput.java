package io.gearbox;

/**
 * What a task printed in its worker process, attributed to it alone: writes to {@code System.out}
 * and {@code System.err} from the task's thread and the threads it started. Bytes written straight
 * to file descriptors 1 and 2 (native code, the JVM itself) cannot be attributed; they go to the
 * worker's log and to crash reports.
 *
 * @param stdout what the task wrote to System.out (UTF-8)
 * @param stderr what the task wrote to System.err (UTF-8)
 * @param truncatedBytes bytes dropped beyond the per-task capture limit (0 if none)
 */
public record TaskOutput(String stdout, String stderr, long truncatedBytes) {

  /** No output. */
  public static final TaskOutput EMPTY = new TaskOutput("", "", 0);

  /** Whether the task printed nothing. */
  public boolean isEmpty() {
    return stdout.isEmpty() && stderr.isEmpty() && truncatedBytes == 0;
  }
}
