package gearboxtest.hostile;

import io.gearbox.ProcessTests;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A serializable class in a package no process pool allows by default, whose {@code readObject}
 * is hostile: in a worker it halts the JVM (exit code 66), in the caller it counts itself and
 * throws. A test that sees neither proves the allow-list refused the class before running it.
 */
public final class Gadget implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  /** Exit code of a worker in which readObject ran. */
  public static final int RAN_IN_WORKER = 66;

  /** How many times readObject ran in this (the caller's) JVM. */
  public static final AtomicInteger READ_IN_CALLER = new AtomicInteger();

  /** Some state, so the stream carries a field. */
  public final String payload;

  public Gadget(String payload) {
    this.payload = payload;
  }

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (ProcessTests.inWorker()) {
      Runtime.getRuntime().halt(RAN_IN_WORKER);
    }
    READ_IN_CALLER.incrementAndGet();
    throw new InvalidObjectException("Gadget.readObject ran in the caller");
  }
}
