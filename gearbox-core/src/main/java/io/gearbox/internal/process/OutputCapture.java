package io.gearbox.internal.process;

import io.gearbox.TaskOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Per-task output capture in a worker: {@code System.out} and {@code System.err} are replaced by
 * streams that write to the current task's buffers (an inheritable thread-local, so threads a task
 * starts are attributed to it while it runs) and to the real file descriptors otherwise.
 */
final class OutputCapture {

  /** Most bytes kept per stream per task: 1 MiB. */
  static final int LIMIT = 1 << 20;

  private static final InheritableThreadLocal<Buffers> CURRENT = new InheritableThreadLocal<>();

  private OutputCapture() {}

  /** One task's buffers. */
  static final class Buffers {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    long truncated;
    volatile boolean open = true;

    synchronized void write(boolean isErr, byte[] b, int off, int len) {
      ByteArrayOutputStream target = isErr ? err : out;
      int room = Math.max(0, LIMIT - target.size());
      int n = Math.min(room, len);
      target.write(b, off, n);
      truncated += len - n;
    }

    synchronized TaskOutput close() {
      open = false;
      return new TaskOutput(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
          truncated);
    }
  }

  /** Installs the routing streams (once, at worker start). */
  static void install() {
    PrintStream realOut = System.out;
    PrintStream realErr = System.err;
    System.setOut(new PrintStream(new Router(false, realOut), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Router(true, realErr), true, StandardCharsets.UTF_8));
  }

  /** Starts capturing for the current thread's task. */
  static Buffers begin() {
    Buffers b = new Buffers();
    CURRENT.set(b);
    return b;
  }

  /** Stops capturing and returns what was captured. */
  static TaskOutput end(Buffers b) {
    System.out.flush();
    System.err.flush();
    CURRENT.remove();
    return b.close();
  }

  private static final class Router extends OutputStream {
    private final boolean isErr;
    private final OutputStream real;

    Router(boolean isErr, OutputStream real) {
      this.isErr = isErr;
      this.real = real;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Buffers cur = CURRENT.get();
      if (cur != null && cur.open) {
        cur.write(isErr, b, off, len);
      } else {
        real.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      real.flush();
    }
  }
}
