package io.gearbox.internal.codec;

import io.gearbox.TaskNotSerializableException;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The codec of the engines that run tasks in other JVMs than the process pool's own workers (the
 * cluster pool in {@code gearbox-cluster}): JDK serialization behind the allow-list of
 * {@link JdkCodec}, the field-path explanation of {@link SerializationPaths} for a value that
 * cannot be encoded, and the packed value and batch bodies of {@link Values} (Integer, Long,
 * Double, String and lists of them skip JDK serialization). Such an engine goes through this class
 * alone, so a change to the codec's internals touches only this file.
 *
 * <p>Thread-safe.
 *
 * <p>Public for gearbox-cluster (on the class path); not exported.
 */
public final class RemoteCodec {

  private final JdkCodec codec;

  /**
   * A codec that decodes only the default packages, {@code extraPackages}, and the package of each
   * value encoded or {@link #allowPackage allowed} since (a package is allowed whole, as a process
   * worker allows its task packages; the caller side of the process pool is narrower).
   *
   * @param maxBytes the largest stream the decoder accepts
   */
  public RemoteCodec(Collection<String> extraPackages, long maxBytes) {
    this.codec = new JdkCodec(extraPackages, maxBytes, true);
  }

  /** Allows a package (and its subpackages) for decoding from now on. */
  public void allowPackage(String pkg) {
    codec.allowTaskPackage(pkg);
  }

  /**
   * Encodes a value, allowing its class's package for decoding.
   *
   * @param what how a message names the value: {@code "task"}, {@code "result"}
   * @throws TaskNotSerializableException naming the class and field path that cannot be serialized
   */
  public byte[] encode(Object value, String what) {
    codec.allowTaskPackage(value == null ? "java.lang" : value.getClass().getPackageName());
    try {
      return codec.encode(value);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      throw SerializationPaths.encodingFailed(what, value, e);
    }
  }

  /**
   * Encodes a result value: common simple types packed, anything else by the codec.
   *
   * @throws TaskNotSerializableException naming the class and field path that cannot be serialized
   */
  public byte[] encodeValue(Object value, String what) {
    if (value != null) {
      codec.allowTaskPackage(value.getClass().getPackageName());
    }
    try {
      return Values.encode(value, codec);
    } catch (IOException | RuntimeException e) {
      throw SerializationPaths.encodingFailed(what, value, e);
    }
  }

  /** Decodes what {@link #encodeValue} wrote, through the allow-list. */
  public Object decodeValue(byte[] bytes) throws IOException, ClassNotFoundException {
    return Values.decode(bytes, codec);
  }

  /**
   * Encodes a list of map items or results: packed arrays for lists of Integers, Longs, Doubles or
   * Strings, the codec for anything else.
   *
   * @throws TaskNotSerializableException naming the item and field path that cannot be serialized
   */
  public byte[] encodeBatch(List<?> items, String what) {
    try {
      return Values.encodeBatch(items, codec);
    } catch (NotSerializableException e) {
      throw SerializationPaths.explain(what, new ArrayList<>(items), e);
    } catch (IOException | RuntimeException e) {
      throw new TaskNotSerializableException(what + " could not be encoded: " + e,
          "java.util.ArrayList", what, e);
    }
  }

  /** Decodes what {@link #encodeBatch} wrote: always a {@code List}. */
  public List<?> decodeBatch(byte[] bytes) throws IOException, ClassNotFoundException {
    return (List<?>) Values.decodeBatch(bytes, codec);
  }

  /**
   * Decodes bytes through the allow-list.
   *
   * @throws ClassNotFoundException if a class in the stream is not on this JVM's class path
   * @throws IOException if the stream is refused by the allow-list (the message names the class)
   *     or is corrupt
   */
  public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
    return codec.decode(bytes);
  }
}
