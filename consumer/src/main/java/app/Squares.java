package app;

/** The work: a named method, so a method reference to it is a serializable task. */
public final class Squares {

  private Squares() {}

  /** x squared. */
  public static int square(int x) {
    return x * x;
  }
}
