package gearboxtest.narrow;

import io.gearbox.SerializableCallable;
import java.io.Serial;
import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks whose classes live in a package no pool allows by default (not io.gearbox), for the
 * allow-list tests: what a task's package may send back to the caller, and what it may capture.
 */
public final class NarrowTasks {

  private NarrowTasks() {}

  /** A result type named by the task's return type: allowed. */
  public record Point(int x, int y) implements Serializable {}

  /** A plain class named by the task's return type: allowed. */
  public static final class Box implements Serializable {
    @Serial private static final long serialVersionUID = 1L;
    public final List<Point> points;

    public Box(List<Point> points) {
      this.points = points;
    }
  }

  /**
   * A comparator of the task's package that no task or result type names, with a side effect in
   * the JVM that runs it: the caller must refuse it before it sorts anything.
   */
  public static final class CountingComparator implements Comparator<String>, Serializable {
    @Serial private static final long serialVersionUID = 1L;
    public static final AtomicInteger COMPARED = new AtomicInteger();

    @Override
    public int compare(String a, String b) {
      COMPARED.incrementAndGet();
      return a.compareTo(b);
    }
  }

  public static SerializableCallable<Point> point() {
    return () -> new Point(1, 2);
  }

  public static SerializableCallable<Box> box() {
    return () -> new Box(List.of(new Point(3, 4)));
  }

  /** A plain class no task's graph or declared result type names. */
  public static final class Crate implements Serializable {
    @Serial private static final long serialVersionUID = 1L;
  }

  /** A list of plain objects from a lambda: its erased result type names no Crate. */
  public static SerializableCallable<List<Crate>> crates() {
    return () -> List.of(new Crate());
  }

  public static SerializableCallable<ConcurrentSkipListMap<String, Integer>> sortedByAComparator() {
    return () -> {
      ConcurrentSkipListMap<String, Integer> m = new ConcurrentSkipListMap<>(new CountingComparator());
      m.put("b", 2);
      m.put("a", 1);
      return m;
    };
  }

  /** A task capturing an object of another of the user's packages. */
  public static SerializableCallable<String> capturing(Object fromElsewhere) {
    return () -> String.valueOf(fromElsewhere);
  }
}
