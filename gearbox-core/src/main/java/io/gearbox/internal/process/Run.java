package io.gearbox.internal.process;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The RUN message (pool -> worker), defined once: the pool's driver writes it, the worker reads
 * it. Payload, in order: the attempt number (for the record), the kind ({@link Frames#CALL},
 * {@link Frames#APPLY_BATCH} or {@link Frames#OUTCOME_BATCH}), the task's package (added to the
 * worker's allow-list), the task's bytes and, for a batch only, the items' bytes; byte arrays and
 * strings are length-prefixed.
 *
 * @param attempt which attempt of the call this is (1 for the first)
 * @param kind what to do with the task
 * @param pkg the task class's package
 * @param task the encoded task
 * @param items the encoded batch of items, or {@code null} for a single call
 */
record Run(int attempt, byte kind, String pkg, byte[] task, byte[] items) {
  private static final byte[] NO_BYTES = new byte[0];

  /**
   * The parts of a RUN payload, to pass to {@link Frames#write} without copying the task and
   * items into one array.
   */
  static byte[][] encode(int attempt, byte kind, String pkg, byte[] task, byte[] items) {
    byte[] p = pkg.getBytes(StandardCharsets.UTF_8);
    byte[] header = ByteBuffer.allocate(4 + 1 + 4 + p.length + 4)
        .putInt(attempt).put(kind).putInt(p.length).put(p).putInt(task.length)
        .array();
    byte[] itemsHeader = items == null ? NO_BYTES : ByteBuffer.allocate(4).putInt(items.length).array();
    return new byte[][] {header, task, itemsHeader, items == null ? NO_BYTES : items};
  }

  /** Writes a RUN frame: {@code parts} from {@link #encode}, {@code callId} the attempt's own id. */
  static void write(Frames frames, long callId, byte[][] parts) throws IOException {
    frames.write(Frames.RUN, callId, parts);
  }

  /** Decodes a RUN payload; throws on an unknown kind. */
  static Run decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    int attempt = in.readInt();
    byte kind = in.readByte();
    String pkg = Frames.readString(in);
    byte[] task = Frames.readBytes(in);
    byte[] items = switch (kind) {
      case Frames.CALL -> null;
      case Frames.APPLY_BATCH, Frames.OUTCOME_BATCH -> Frames.readBytes(in);
      default -> throw new IOException("unknown task kind " + kind);
    };
    return new Run(attempt, kind, pkg, task, items);
  }
}
