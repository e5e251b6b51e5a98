package io.gearbox.internal.process;

import io.gearbox.TaskCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default codec: JDK serialization, decoded through an allow-list {@link ObjectInputFilter}
 * that ends in "refuse everything else", with graph limits (JEP 290). Allowed: primitives and their
 * arrays; the packages {@code java.util}, {@code java.time}, {@code java.math} and {@code io.gearbox}
 * with their subpackages; the classes of {@code java.lang} itself and
 * {@code java.lang.invoke.SerializedLambda}; JDK exceptions (Throwables in {@code java.*}); the
 * pool's extra packages; and the package of each task class submitted, added as tasks arrive.
 * Thread-safe.
 */
final class JdkCodec implements TaskCodec {

  static final long MAX_DEPTH = 200;
  static final long MAX_REFERENCES = 10_000_000;
  static final long MAX_ARRAY_LENGTH = 100_000_000;

  private static final List<String> DEFAULT_PACKAGES =
      List.of("java.util", "java.time", "java.math", "io.gearbox");

  private final Set<String> packages = ConcurrentHashMap.newKeySet();
  private final long maxBytes;
  private final ObjectInputFilter filter = this::check;

  JdkCodec(Collection<String> extraPackages, long maxBytes) {
    packages.addAll(DEFAULT_PACKAGES);
    packages.addAll(extraPackages);
    this.maxBytes = maxBytes;
  }

  /** Allows a package and its subpackages from now on. */
  void allowPackage(String pkg) {
    packages.add(pkg); // "" is the unnamed package, allowed only by this call
  }

  @Override
  public byte[] encode(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(filter);
      return in.readObject();
    } catch (java.io.InvalidClassException e) {
      String refused = lastRefused.get();
      lastRefused.remove();
      if (refused == null) {
        throw e;
      }
      java.io.InvalidClassException named = new java.io.InvalidClassException(refused,
          "refused by the allow-list (filter status: REJECTED); allow its package with"
              + " ProcessPoolBuilder.allowPackages, or check the graph limits");
      named.initCause(e);
      throw named;
    }
  }

  private final ThreadLocal<String> lastRefused = new ThreadLocal<>();

  private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
    if (info.depth() > MAX_DEPTH || info.references() > MAX_REFERENCES
        || info.streamBytes() > maxBytes || info.arrayLength() > MAX_ARRAY_LENGTH) {
      lastRefused.set("(graph limits: depth " + info.depth() + ", references " + info.references()
          + ", bytes " + info.streamBytes() + ", array length " + info.arrayLength() + ")");
      return ObjectInputFilter.Status.REJECTED;
    }
    Class<?> c = info.serialClass();
    if (c == null) {
      return ObjectInputFilter.Status.ALLOWED; // a limits-only check, passed above
    }
    while (c.isArray()) {
      c = c.getComponentType();
    }
    if (allowed(c)) {
      return ObjectInputFilter.Status.ALLOWED;
    }
    lastRefused.set(c.getName());
    return ObjectInputFilter.Status.REJECTED;
  }

  boolean allowed(Class<?> c) {
    if (c.isPrimitive()) {
      return true;
    }
    String pkg = c.getPackageName();
    if (pkg.equals("java.lang") || c.getName().equals("java.lang.invoke.SerializedLambda")) {
      return true;
    }
    if (pkg.startsWith("java.") && Throwable.class.isAssignableFrom(c)) {
      return true;
    }
    if (pkg.isEmpty()) {
      return packages.contains("");
    }
    for (String p = pkg; !p.isEmpty(); p = parent(p)) {
      if (packages.contains(p)) {
        return true;
      }
    }
    return false;
  }

  private static String parent(String pkg) {
    int dot = pkg.lastIndexOf('.');
    return dot < 0 ? "" : pkg.substring(0, dot);
  }
}
