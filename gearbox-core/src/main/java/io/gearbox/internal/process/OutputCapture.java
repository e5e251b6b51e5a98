package io.gearbox.internal.process;

import io.gearbox.TaskOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Per-task output capture in a worker: {@code System.out} and {@code System.err} are replaced by
 * streams that write to the current task's buffers (an inheritable thread-local, so threads a task
 * starts are attributed to it while it runs) and to the real file descriptors otherwise.
 *
 * <p><b>Spool.</b> What a task prints is also written through, unbuffered, to two files in the
 * pool's private directory ({@code w<id>.out}, {@code w<id>.err}), emptied when each task starts.
 * The buffers travel with the result; the files are for when there is none: a task that calls
 * {@code System.exit} or {@code Runtime.halt}, runs out of memory or crashes the JVM ends its worker
 * before any reply, and the pool then reads what it printed from them ({@link Worker#die()}).
 */
final class OutputCapture {

  /** Most bytes kept per stream per task: 1 MiB. */
  static final int LIMIT = 1 << 20;

  private static final InheritableThreadLocal<Buffers> CURRENT = new InheritableThreadLocal<>();

  /** The spool files, or null when they could not be opened (then a crash loses the output). */
  private static FileChannel spoolOut;
  private static FileChannel spoolErr;
  /**
   * Set before anything is written to a spool file, cleared when they are emptied: a task that
   * printed nothing costs no truncate (six syscalls a task: size, position and truncate, twice).
   */
  private static volatile boolean spoolWritten = true;

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
      FileChannel spool = isErr ? spoolErr : spoolOut;
      if (spool != null && n > 0) {
        spoolWritten = true; // before the write: the next task's begin empties the files
        try {
          ByteBuffer buf = ByteBuffer.wrap(b, off, n);
          while (buf.hasRemaining()) {
            spool.write(buf); // straight to the file: nothing to flush if the JVM ends next
          }
        } catch (IOException e) {
          // best effort: the buffer still has it for the reply
        }
      }
    }

    synchronized TaskOutput close() {
      open = false;
      return new TaskOutput(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
          truncated);
    }
  }

  /**
   * Installs the routing streams (once, at worker start).
   *
   * @param spool the spool files' path without its suffix, e.g. {@code <pool dir>/w3}
   */
  static void install(Path spool) {
    try {
      spoolOut = open(spool.resolveSibling(spool.getFileName() + ".out"));
      spoolErr = open(spool.resolveSibling(spool.getFileName() + ".err"));
    } catch (IOException | RuntimeException e) {
      spoolOut = null;
      spoolErr = null;
    }
    PrintStream realOut = System.out;
    PrintStream realErr = System.err;
    System.setOut(new PrintStream(new Router(false, realOut), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Router(true, realErr), true, StandardCharsets.UTF_8));
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Starts capturing for the current thread's task. */
  static Buffers begin() {
    if (spoolWritten) {
      spoolWritten = false; // a write from here on sets it again, and the next task empties it
      emptySpools();
    }
    Buffers b = new Buffers();
    CURRENT.set(b);
    return b;
  }

  private static void emptySpools() {
    for (FileChannel spool : new FileChannel[] {spoolOut, spoolErr}) {
      if (spool != null) {
        try {
          spool.truncate(0); // the last task's output is in its reply
        } catch (IOException e) {
          // best effort
        }
      }
    }
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
