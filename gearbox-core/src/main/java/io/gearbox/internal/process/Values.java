package io.gearbox.internal.process;

import io.gearbox.TaskCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Result bodies: a tag byte, then the value. The commonest results (null, Integer, Long, Boolean,
 * Double, String) skip the codec entirely, which saves an object stream on each side of a round
 * trip; everything else is tagged {@link #CODEC} and left to the pool's codec.
 */
final class Values {

  static final byte CODEC = 0;
  static final byte NULL = 1;
  static final byte INT = 2;
  static final byte LONG = 3;
  static final byte STRING = 4;
  static final byte BOOLEAN = 5;
  static final byte DOUBLE = 6;

  private Values() {}

  static byte[] encode(Object v, TaskCodec codec) throws IOException {
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
      default -> {
        byte[] body = codec.encode(v);
        byte[] out = new byte[body.length + 1];
        out[0] = CODEC;
        System.arraycopy(body, 0, out, 1, body.length);
        yield out;
      }
    };
  }

  static Object decode(byte[] b, TaskCodec codec) throws IOException, ClassNotFoundException {
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
}
