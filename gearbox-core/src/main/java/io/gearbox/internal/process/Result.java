package io.gearbox.internal.process;

import io.gearbox.TaskOutput;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * The RESULT message (worker -> pool), defined once: the worker encodes it after running a RUN
 * frame, the pool's driver decodes it. Payload, in order: status ({@link Frames#OK} or
 * {@link Frames#THREW}), the worker's wall and CPU nanoseconds (CPU -1 when unmeasured), the task's
 * stdout and stderr, the bytes of output dropped past the capture limit, then the value's bytes
 * (a {@link io.gearbox.internal.codec.Values} encoding: one value, a batch, or the thrown exception) to the end of the frame.
 *
 * @param status {@link Frames#OK} or {@link Frames#THREW}
 * @param wallNanos the worker's wall time for the call
 * @param cpuNanos the worker's CPU time for the call, or negative if unmeasured
 * @param output what the task printed
 * @param body the encoded value or exception
 */
record Result(byte status, long wallNanos, long cpuNanos, TaskOutput output, byte[] body) {

  /** Encodes a RESULT payload. */
  static byte[] encode(byte status, long wallNanos, long cpuNanos, TaskOutput output, byte[] body) {
    return Frames.payload(d -> {
      d.writeByte(status);
      d.writeLong(wallNanos);
      d.writeLong(cpuNanos);
      Frames.writeString(d, output.stdout());
      Frames.writeString(d, output.stderr());
      d.writeLong(output.truncatedBytes());
      d.write(body);
    });
  }

  /** Writes a RESULT frame: the reply to the RUN whose call id it repeats. */
  static void write(Frames frames, long callId, byte[] payload) throws IOException {
    frames.write(Frames.RESULT, callId, payload);
  }

  /** Decodes a RESULT payload. */
  static Result decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    byte status = in.readByte();
    long wall = in.readLong();
    long cpu = in.readLong();
    String out = Frames.readString(in);
    String err = Frames.readString(in);
    long truncated = in.readLong();
    return new Result(status, wall, cpu, new TaskOutput(out, err, truncated), in.readAllBytes());
  }
}
