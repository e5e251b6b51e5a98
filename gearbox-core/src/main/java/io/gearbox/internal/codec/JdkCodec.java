package io.gearbox.internal.codec;

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
 * that ends in "refuse everything else", with graph limits (JEP 290). Thread-safe.
 *
 * <p>Allowed on both sides: primitives and their arrays; the classes of {@code java.lang} itself
 * and {@code java.lang.invoke.SerializedLambda}; JDK exceptions (Throwables in {@code java.*});
 * from {@code java.util} itself only collections, maps, map entries, comparators and a few value
 * classes ({@link #JDK_VALUES}; not its other subpackages such as {@code java.util.logging});
 * the packages {@code java.util.concurrent} (with {@code atomic} and {@code locks}, which its
 * collections' serial forms use), {@code java.time}, {@code java.math} and {@code io.gearbox}; and
 * the pool's {@code allowPackages} with their subpackages.
 *
 * <p>Task packages (the package of each task or map function, not its subpackages) are trusted
 * differently by the two sides. A worker decodes what its authenticated parent sends, and allows
 * the whole package ({@link #allowTaskPackage}). The caller decodes what workers send back and
 * allows from a task package only records, enums and Throwables, plus the classes it has seen in
 * a task's own object graph or in the static result type of a task ({@link #allowClasses}); so a
 * class of the task's package that no task or result type names (a comparator with side effects,
 * say) is refused.
 *
 * <p>Public for internal.process; not exported.
 */
public final class JdkCodec implements TaskCodec {

  static final long MAX_DEPTH = 200;
  static final long MAX_REFERENCES = 10_000_000;
  static final long MAX_ARRAY_LENGTH = 100_000_000;

  /** Packages allowed with their subpackages. */
  private static final List<String> DEFAULT_PACKAGES =
      List.of("java.time", "java.math", "io.gearbox");
  /** Packages allowed without their subpackages. */
  private static final Set<String> DEFAULT_EXACT_PACKAGES = Set.of(
      "java.util.concurrent", "java.util.concurrent.atomic", "java.util.concurrent.locks");
  /** Value classes of java.util itself allowed besides collections, maps and comparators. */
  static final Set<String> JDK_VALUES = Set.of("java.util.UUID", "java.util.Date",
      "java.util.BitSet", "java.util.Locale", "java.util.Currency", "java.util.Random",
      "java.util.CollSer", "java.util.EnumSet$SerializationProxy");

  private final Set<String> packages = ConcurrentHashMap.newKeySet();
  private final Set<String> taskPackages = ConcurrentHashMap.newKeySet();
  private final Set<String> classes = ConcurrentHashMap.newKeySet();
  private final boolean wholeTaskPackages;
  private final long maxBytes;
  private final ObjectInputFilter filter = this::check;

  /**
   * @param wholeTaskPackages true in a worker (task packages allowed whole), false in the caller
   */
  public JdkCodec(Collection<String> extraPackages, long maxBytes, boolean wholeTaskPackages) {
    packages.addAll(DEFAULT_PACKAGES);
    packages.addAll(extraPackages);
    this.maxBytes = maxBytes;
    this.wholeTaskPackages = wholeTaskPackages;
  }

  /** Allows a task's package from now on, as this side trusts task packages ("" is the unnamed one). */
  public void allowTaskPackage(String pkg) {
    taskPackages.add(pkg);
  }

  /** Allows these classes (by name) from now on: a task's graph and result types. */
  public void allowClasses(Collection<String> names) {
    classes.addAll(names);
  }

  /**
   * Encodes a value and adds to {@code seen} every class whose description the stream wrote (the
   * value's object graph, a lambda's capturing class included).
   */
  public byte[] encodeRecording(Object value, Set<Class<?>> seen) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
      @Override
      protected void annotateClass(Class<?> cl) {
        seen.add(cl);
      }

      @Override
      protected void annotateProxyClass(Class<?> cl) {
        seen.add(cl);
      }
    }) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  /**
   * Whether a worker would allow this class in a task of package {@code taskPackage}: the rule of
   * the worker side, for the check at submit.
   */
  public boolean workerAllows(Class<?> c, String taskPackage) {
    Class<?> e = c;
    while (e.isArray()) {
      e = e.getComponentType();
    }
    return allowedByDefault(e) || e.getPackageName().equals(taskPackage);
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
      String hint = lastHint.get();
      lastHint.remove();
      java.io.InvalidClassException named = new java.io.InvalidClassException(refused,
          "refused by the allow-list (filter status: REJECTED); " + (hint != null ? hint
              : "allow its package with ProcessPoolBuilder.allowPackages, or check the graph limits"));
      named.initCause(e);
      throw named;
    }
  }

  private final ThreadLocal<String> lastRefused = new ThreadLocal<>();
  private final ThreadLocal<String> lastHint = new ThreadLocal<>();

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
    if (!wholeTaskPackages && taskPackages.contains(c.getPackageName())) {
      lastHint.set("it is in a task's package, from which the caller accepts records, enums,"
          + " exceptions and the classes a task's object graph or declared result type names (a"
          + " lambda's result type is erased: List<X> names no X); return a record, or allow the"
          + " package with ProcessPoolBuilder.allowPackages(\"" + c.getPackageName() + "\")");
    }
    return ObjectInputFilter.Status.REJECTED;
  }

  boolean allowed(Class<?> c) {
    if (allowedByDefault(c) || classes.contains(c.getName())) {
      return true;
    }
    String pkg = c.getPackageName();
    if (!taskPackages.contains(pkg)) {
      return false;
    }
    return wholeTaskPackages || c.isRecord() || c.isEnum()
        || (c.getSuperclass() != null && c.getSuperclass().isEnum()) // an enum constant's body
        || Throwable.class.isAssignableFrom(c);
  }

  /** The rule both sides share: JDK basics, the default packages and the pool's allowPackages. */
  private boolean allowedByDefault(Class<?> c) {
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
    if (pkg.equals("java.util")) {
      return java.util.Collection.class.isAssignableFrom(c) || java.util.Map.class.isAssignableFrom(c)
          || java.util.Map.Entry.class.isAssignableFrom(c)
          || java.util.Comparator.class.isAssignableFrom(c) || JDK_VALUES.contains(c.getName());
    }
    if (DEFAULT_EXACT_PACKAGES.contains(pkg)) {
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
