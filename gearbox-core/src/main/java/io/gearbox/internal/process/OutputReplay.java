package io.gearbox.internal.process;

import io.gearbox.TaskOutput;
import java.io.PrintStream;

/**
 * Prints what a task printed in its worker on the caller's {@code System.out} and
 * {@code System.err}, each line prefixed with the task's name; one task's lines are never
 * interleaved with another's (a process-wide lock).
 */
final class OutputReplay {

  private static final Object LOCK = new Object();

  private OutputReplay() {}

  static void replay(String name, TaskOutput output) {
    synchronized (LOCK) {
      printLines(System.out, name, output.stdout());
      printLines(System.err, name, output.stderr());
      if (output.truncatedBytes() > 0) {
        System.err.println("[" + name + "] ... " + output.truncatedBytes() + " more bytes not captured");
      }
    }
  }

  private static void printLines(PrintStream stream, String name, String text) {
    if (text.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty() || b.isEmpty()) {
        b.append('[').append(name).append("] ").append(line).append(System.lineSeparator());
      }
    }
    stream.print(b);
    stream.flush();
  }
}
