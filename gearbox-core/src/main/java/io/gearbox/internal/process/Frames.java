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
 * lock; reads belong to one thread at a time.
 *
 * <p>Two modes. Blocking (the handshake, and the worker's side throughout), with streams. And, on
 * the pool's side after the handshake, non-blocking with selectors ({@link #nonBlocking()},
 * {@link #poll(long)}): a driver thread then reads its own reply, with no reader thread to hand
 * it over, and an interrupt (cancel, deadline) only wakes its select; a thread interrupted in a
 * blocking read or write of a socket channel would close the channel.
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
  static final byte CH_CANCEL = 22;

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
  // non-blocking mode
  private volatile boolean nonBlocking;
  private java.nio.channels.Selector readSelector;
  private java.nio.channels.Selector writeSelector; // guarded by writeLock
  private java.nio.ByteBuffer readBuffer; // read mode (flipped); owned by the reading thread

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

  /** Switches to non-blocking mode (pool side, after the handshake). */
  void nonBlocking() throws IOException {
    synchronized (writeLock) {
      channel.configureBlocking(false);
      readSelector = java.nio.channels.Selector.open();
      channel.register(readSelector, java.nio.channels.SelectionKey.OP_READ);
      writeSelector = java.nio.channels.Selector.open();
      channel.register(writeSelector, java.nio.channels.SelectionKey.OP_WRITE);
      readBuffer = java.nio.ByteBuffer.allocate(1 << 16).flip();
      nonBlocking = true;
    }
  }

  /**
   * Non-blocking mode: reads the next frame, waiting at most {@code timeoutNanos} (negative: no
   * limit).
   *
   * @return the frame, or null if the time ran out or the calling thread is interrupted (its
   *     interrupt flag is left as it was)
   * @throws EOFException at end of stream
   * @throws ProtocolException if the frame is malformed or over the cap
   */
  Frame poll(long timeoutNanos) throws IOException {
    long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
    while (true) {
      Frame f = parse();
      if (f != null) {
        return f;
      }
      readBuffer.compact();
      int n;
      try {
        n = channel.read(readBuffer);
      } finally {
        readBuffer.flip();
      }
      if (n < 0) {
        throw new EOFException();
      }
      if (n > 0) {
        continue;
      }
      if (Thread.currentThread().isInterrupted()) {
        return null;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      try {
        readSelector.select(deadline == Long.MAX_VALUE ? 0 : Math.max(1, left / 1_000_000));
        readSelector.selectedKeys().clear();
      } catch (java.nio.channels.ClosedSelectorException e) {
        throw new EOFException("closed");
      }
    }
  }

  /** A whole frame from the read buffer, or null (then the buffer has room for it). */
  private Frame parse() throws ProtocolException {
    java.nio.ByteBuffer b = readBuffer;
    if (b.remaining() < 4) {
      return null;
    }
    int length = b.getInt(b.position());
    if (length < HEADER || length > maxFrame) {
      throw new ProtocolException("frame of " + length + " bytes refused (cap " + maxFrame + ")");
    }
    if (b.remaining() < 4 + length) {
      if (b.capacity() < 4 + length) {
        java.nio.ByteBuffer bigger = java.nio.ByteBuffer.allocate(4 + length);
        bigger.put(b).flip();
        readBuffer = bigger;
      }
      return null;
    }
    b.getInt();
    byte type = b.get();
    long id = b.getLong();
    byte[] payload = new byte[length - HEADER];
    b.get(payload);
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
    if (nonBlocking) {
      writeNonBlocking((int) total, type, id, parts);
      return;
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

  /** A write that failed before any byte of its frame went out (the peer's end was closed). */
  static final class NothingSent extends IOException {
    NothingSent(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Writes a whole frame without blocking the channel. While the socket buffer is full it waits
   * on a selector; if the thread is interrupted meanwhile it gives up with an
   * {@link java.io.InterruptedIOException} whose {@code bytesTransferred} says how much of the frame
   * went out (if any did, the stream is broken: the channel is closed). The interrupt flag stays
   * set.
   */
  private void writeNonBlocking(int total, byte type, long id, byte[]... parts) throws IOException {
    // a gathering write: the header and each part as they are, no copy into one frame buffer
    java.nio.ByteBuffer[] buffers = new java.nio.ByteBuffer[parts.length + 1];
    buffers[0] = java.nio.ByteBuffer.allocate(4 + HEADER).putInt(total).put(type).putLong(id).flip();
    for (int i = 0; i < parts.length; i++) {
      buffers[i + 1] = java.nio.ByteBuffer.wrap(parts[i]);
    }
    long left = 4L + total;
    synchronized (writeLock) {
      while (left > 0) {
        long n;
        try {
          n = channel.write(buffers);
        } catch (IOException e) {
          if (left == 4L + total) {
            throw new NothingSent(e);
          }
          throw e;
        }
        left -= n;
        if (n > 0 || left == 0) {
          continue;
        }
        if (Thread.currentThread().isInterrupted()) {
          java.io.InterruptedIOException e = new java.io.InterruptedIOException(
              "interrupted while the peer was not reading");
          e.bytesTransferred = (int) (4L + total - left);
          if (e.bytesTransferred > 0) {
            close(); // part of a frame went out: the stream cannot be resynchronized
          }
          throw e;
        }
        try {
          writeSelector.select(100);
          writeSelector.selectedKeys().clear();
        } catch (java.nio.channels.ClosedSelectorException e) {
          throw new java.nio.channels.ClosedChannelException();
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing to report
    }
    try {
      if (readSelector != null) {
        readSelector.close();
      }
      if (writeSelector != null) {
        writeSelector.close();
      }
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
