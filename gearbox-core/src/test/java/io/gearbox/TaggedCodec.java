package io.gearbox;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.StreamCorruptedException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A custom {@link TaskCodec} for {@link ProcessCustomCodecTest}, as a user would write one: JDK
 * serialization behind a four-byte tag, refusing {@link Refused} values when encoding and any frame
 * without its tag when decoding. It counts its uses in the JVM it runs in, so a task can report
 * whether its worker decoded it with this codec.
 */
public final class TaggedCodec implements TaskCodec {

  private static final byte[] TAG = {'G', 'B', 'X', '1'};
  static final AtomicInteger ENCODES = new AtomicInteger();
  static final AtomicInteger DECODES = new AtomicInteger();

  /** A value this codec refuses to encode. */
  public static final class Refused implements Serializable, Callable<Integer> {
    @Override
    public Integer call() {
      return 1;
    }
  }

  /** This JVM's counts: {encodes, decodes}. */
  public static int[] uses() {
    return new int[] {ENCODES.get(), DECODES.get()};
  }

  @Override
  public byte[] encode(Object value) throws IOException {
    if (value instanceof Refused) {
      throw new NotSerializableException("TaggedCodec refuses " + Refused.class.getName());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(TAG);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    ENCODES.incrementAndGet();
    return bytes.toByteArray();
  }

  @Override
  public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
    if (bytes.length < TAG.length || !Arrays.equals(bytes, 0, TAG.length, TAG, 0, TAG.length)) {
      throw new StreamCorruptedException("not a TaggedCodec frame");
    }
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes, TAG.length, bytes.length - TAG.length))) {
      Object value = in.readObject();
      DECODES.incrementAndGet();
      return value;
    }
  }
}
