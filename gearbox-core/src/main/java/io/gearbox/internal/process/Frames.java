package io.gearbox.internal.process;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ProtocolException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Length-prefixed frames over a worker's private socket (docs/protocol.md):
 * {@code int length | byte type | long id | payload}, where length counts type, id and payload.
 * The length is checked against the cap before anything is allocated. Writes are serialized by a
 * lock; reads belong to one thread.
 */
final class Frames implements AutoCloseable {

  static final int MAGIC = 0x47425831; // "GBX1"
  static final int VERSION = 1;
  static final int HEADER = 1 + 8;
  /** Frame cap before authentication: a handshake frame is small. */
  static final int HANDSHAKE_MAX = 4096;

  // parent -> worker
  static final byte CHALLENGE = 1;
  static final byte WELCOME = 3;
  static final byte RUN = 4;
  static final byte CANCEL = 5;
  static final byte SHUTDOWN = 7;
  static final byte CH_ACK = 11;
  static final byte CH_ITEM = 12;
  static final byte CH_CLOSED = 13;
  // worker -> parent
  static final byte HELLO = 2;
  static final byte RESULT = 6;
  static final byte CH_PUT = 20;
  static final byte CH_TAKE = 21;

  // RUN kinds
  static final byte CALL = 1;
  static final byte APPLY_BATCH = 2;
  static final byte OUTCOME_BATCH = 3;

  // RESULT status
  static final byte OK = 0;
  static final byte THREW = 1;

  /** One frame. */
  record Frame(byte type, long id, byte[] payload) {}

  private final SocketChannel channel;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final Object writeLock = new Object();
  private volatile int maxFrame = HANDSHAKE_MAX;

  Frames(SocketChannel channel) {
    this.channel = channel;
    this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
  }

  /** Raises the cap once the peer is authenticated. */
  void maxFrame(int bytes) {
    this.maxFrame = bytes;
  }

  int maxFrame() {
    return maxFrame;
  }

  /**
   * Reads one frame.
   *
   * @throws EOFException at end of stream
   * @throws ProtocolException if the frame is malformed or over the cap
   */
  Frame read() throws IOException {
    int length = in.readInt();
    if (length < HEADER || length > maxFrame) {
      throw new ProtocolException("frame of " + length + " bytes refused (cap " + maxFrame + ")");
    }
    byte type = in.readByte();
    long id = in.readLong();
    byte[] payload = new byte[length - HEADER];
    in.readFully(payload);
    return new Frame(type, id, payload);
  }

  /** Writes one frame whose payload is the concatenation of parts. */
  void write(byte type, long id, byte[]... parts) throws IOException {
    long total = HEADER;
    for (byte[] p : parts) {
      total += p.length;
    }
    if (total > maxFrame) {
      throw new ProtocolException("frame of " + total + " bytes is over the cap of " + maxFrame
          + " bytes (ProcessPoolBuilder.maxFrameBytes)");
    }
    synchronized (writeLock) {
      out.writeInt((int) total);
      out.writeByte(type);
      out.writeLong(id);
      for (byte[] p : parts) {
        out.write(p);
      }
      out.flush();
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing to report
    }
  }

  // ---------------------------------------------------------------- payload helpers

  /** Builds a payload with a DataOutputStream. */
  static byte[] payload(IoWriter writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream d = new DataOutputStream(bytes)) {
      writer.write(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  /** Writes a length-prefixed byte array. */
  static void writeBytes(DataOutputStream d, byte[] b) throws IOException {
    d.writeInt(b.length);
    d.write(b);
  }

  /** Reads a length-prefixed byte array no longer than the frame it came in. */
  static byte[] readBytes(DataInputStream d) throws IOException {
    int n = d.readInt();
    if (n < 0 || n > d.available()) {
      throw new ProtocolException("bad length " + n);
    }
    byte[] b = new byte[n];
    d.readFully(b);
    return b;
  }

  static void writeString(DataOutputStream d, String s) throws IOException {
    writeBytes(d, s.getBytes(StandardCharsets.UTF_8));
  }

  static String readString(DataInputStream d) throws IOException {
    return new String(readBytes(d), StandardCharsets.UTF_8);
  }

  /** A writer of payload fields. */
  @FunctionalInterface
  interface IoWriter {
    void write(DataOutputStream out) throws IOException;
  }
}
