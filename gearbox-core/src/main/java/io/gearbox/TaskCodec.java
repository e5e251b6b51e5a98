package io.gearbox;

import java.io.IOException;

/**
 * How a {@link ProcessPool} turns tasks, arguments, results and exceptions into bytes and back,
 * in the caller and in its workers. The default is JDK serialization behind an
 * {@link java.io.ObjectInputFilter} allow-list with size and depth limits (see
 * {@link ProcessPoolBuilder#allowPackages}). A custom codec (Kryo or Fory with registration
 * required, say) must be a public class with a public no-argument constructor, on the class path of
 * both sides; it is then responsible for refusing unexpected classes. Implementations must be
 * thread-safe.
 */
public interface TaskCodec {

  /**
   * Encodes a value.
   *
   * @throws IOException if the value cannot be encoded
   */
  byte[] encode(Object value) throws IOException;

  /**
   * Decodes a value encoded by {@link #encode}, refusing classes the codec does not allow.
   *
   * @throws IOException if the bytes are malformed or name a refused class
   * @throws ClassNotFoundException if a class is missing on this side
   */
  Object decode(byte[] bytes) throws IOException, ClassNotFoundException;
}
