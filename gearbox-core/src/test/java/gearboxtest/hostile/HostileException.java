package gearboxtest.hostile;

import java.io.Serial;

/** An exception whose class no process pool allows by default. */
public final class HostileException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  public HostileException(String message) {
    super(message);
  }
}
