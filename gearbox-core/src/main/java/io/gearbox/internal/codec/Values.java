package io.gearbox.internal.codec;

import io.gearbox.TaskCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Result bodies: a tag byte, then the value. The commonest results (null, Integer, Long, Boolean,
 * Double, String) skip the codec entirely, which saves an object stream on each side of a round
 * trip; everything else is tagged {@link #CODEC} and left to the pool's codec. Map batches (always
 * an {@code ArrayList} on both sides) of Integers, Longs, Doubles or Strings are packed as arrays,
 * which is what lets a map move millions of tiny items per second.
 *
 * <p>Public for internal.process; not exported.
 */
public final class Values {

  static final byte CODEC = 0;
  static final byte NULL = 1;
  static final byte INT = 2;
  static final byte LONG = 3;
  static final byte STRING = 4;
  static final byte BOOLEAN = 5;
  static final byte DOUBLE = 6;
  static final byte INT_LIST = 10;
  static final byte LONG_LIST = 11;
  static final byte DOUBLE_LIST = 12;
  static final byte STRING_LIST = 13;

  private Values() {}

  public static byte[] encode(Object v, TaskCodec codec) throws IOException {
    return switch (v) {
      case null -> new byte[] {NULL};
      case Integer i -> ByteBuffer.allocate(5).put(INT).putInt(i).array();
      case Long l -> ByteBuffer.allocate(9).put(LONG).putLong(l).array();
      case Boolean b -> new byte[] {BOOLEAN, (byte) (b ? 1 : 0)};
      case Double d -> ByteBuffer.allocate(9).put(DOUBLE).putDouble(d).array();
      case String s -> {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        yield ByteBuffer.allocate(1 + utf8.length).put(STRING).put(utf8).array();
      }
      default -> codecValue(codec.encode(v));
    };
  }

  /** A value already encoded by the codec, tagged as such. */
  public static byte[] codecValue(byte[] body) {
    byte[] out = new byte[body.length + 1];
    out[0] = CODEC;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  public static Object decode(byte[] b, TaskCodec codec) throws IOException, ClassNotFoundException {
    if (b.length == 0) {
      throw new java.net.ProtocolException("empty value");
    }
    ByteBuffer buf = ByteBuffer.wrap(b, 1, b.length - 1);
    return switch (b[0]) {
      case NULL -> null;
      case INT -> buf.getInt();
      case LONG -> buf.getLong();
      case BOOLEAN -> buf.get() != 0;
      case DOUBLE -> buf.getDouble();
      case STRING -> new String(b, 1, b.length - 1, StandardCharsets.UTF_8);
      case CODEC -> codec.decode(java.util.Arrays.copyOfRange(b, 1, b.length));
      default -> throw new java.net.ProtocolException("unknown value tag " + b[0]);
    };
  }

  /** Encodes a map batch: a packed array when every element has the same simple type. */
  public static byte[] encodeBatch(List<?> items, TaskCodec codec) throws IOException {
    int n = items.size();
    Class<?> type = n == 0 || items.getFirst() == null ? null : items.getFirst().getClass();
    if (type != null && (type == Integer.class || type == Long.class || type == Double.class
        || type == String.class)) {
      boolean same = true;
      for (Object o : items) {
        if (o == null || o.getClass() != type) {
          same = false;
          break;
        }
      }
      if (same) {
        if (type == Integer.class) {
          ByteBuffer b = ByteBuffer.allocate(5 + 4 * n).put(INT_LIST).putInt(n);
          for (Object o : items) {
            b.putInt((Integer) o);
          }
          return b.array();
        }
        if (type == Long.class || type == Double.class) {
          ByteBuffer b = ByteBuffer.allocate(5 + 8 * n).put(type == Long.class ? LONG_LIST : DOUBLE_LIST).putInt(n);
          for (Object o : items) {
            if (o instanceof Long l) {
              b.putLong(l);
            } else {
              b.putDouble((Double) o);
            }
          }
          return b.array();
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(16 * n + 8);
        java.io.DataOutputStream d = new java.io.DataOutputStream(bytes);
        d.writeByte(STRING_LIST);
        d.writeInt(n);
        for (Object o : items) {
          byte[] utf8 = ((String) o).getBytes(StandardCharsets.UTF_8);
          d.writeInt(utf8.length);
          d.write(utf8);
        }
        return bytes.toByteArray();
      }
    }
    return encode(items instanceof java.util.ArrayList<?> ? items : new java.util.ArrayList<>(items), codec);
  }

  /** Decodes what {@link #encodeBatch} (or {@link #encode}) wrote. */
  public static Object decodeBatch(byte[] b, TaskCodec codec) throws IOException, ClassNotFoundException {
    if (b.length == 0 || b[0] < INT_LIST) {
      return decode(b, codec);
    }
    ByteBuffer buf = ByteBuffer.wrap(b, 1, b.length - 1);
    int n = buf.getInt();
    if (n < 0 || n > b.length) {
      throw new java.net.ProtocolException("bad batch length " + n);
    }
    java.util.ArrayList<Object> out = new java.util.ArrayList<>(n);
    switch (b[0]) {
      case INT_LIST -> {
        for (int i = 0; i < n; i++) {
          out.add(buf.getInt());
        }
      }
      case LONG_LIST -> {
        for (int i = 0; i < n; i++) {
          out.add(buf.getLong());
        }
      }
      case DOUBLE_LIST -> {
        for (int i = 0; i < n; i++) {
          out.add(buf.getDouble());
        }
      }
      case STRING_LIST -> {
        for (int i = 0; i < n; i++) {
          int len = buf.getInt();
          if (len < 0 || len > buf.remaining()) {
            throw new java.net.ProtocolException("bad string length " + len);
          }
          out.add(new String(b, buf.position(), len, StandardCharsets.UTF_8));
          buf.position(buf.position() + len);
        }
      }
      default -> throw new java.net.ProtocolException("unknown batch tag " + b[0]);
    }
    return out;
  }
}
