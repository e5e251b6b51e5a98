package io.gearbox.internal.process;

import java.io.IOException;

/**
 * The pool's two control messages to a worker, defined once: each is a frame with an empty
 * payload, and its meaning is in its type and id. The pool writes them here; the worker reads them
 * in {@code WorkerMain.control}.
 *
 * <pre>
 * CANCEL   (5), id = the call id of a RUN : interrupt that call if it is still running
 * SHUTDOWN (7), id = 0                    : flush the output and exit(0)
 * </pre>
 */
final class Control {

  private Control() {}

  /** Asks the worker to interrupt the call with this id (a no-op if it already finished). */
  static void writeCancel(Frames frames, long callId) throws IOException {
    frames.write(Frames.CANCEL, callId);
  }

  /** Asks the worker to exit once it has flushed its output. */
  static void writeShutdown(Frames frames) throws IOException {
    frames.write(Frames.SHUTDOWN, 0);
  }
}
