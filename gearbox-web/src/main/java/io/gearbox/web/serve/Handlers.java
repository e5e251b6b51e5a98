package io.gearbox.web.serve;

import java.util.Locale;

/**
 * Where a {@link HybridService} runs a request's I/O and CPU work: the seed's production hybrid and
 * the three designs it is measured against.
 */
public enum Handlers {
  /**
   * The seed's hybrid (the default): the request's I/O waits on Helidon's own virtual-thread
   * handler; its CPU work goes to a CPU pool (one platform thread per core) with
   * {@code cpu.invoke}-style calls: FastAPI's {@code run_in_executor}.
   */
  HYBRID,
  /**
   * No offload: the whole request, CPU work included, runs on a virtual thread. Computing holds a
   * carrier thread, so the waiting requests behind it wait for a carrier too.
   */
  VIRTUAL,
  /** The classic servlet container: the whole request on one of 200 platform threads. */
  THREADS,
  /**
   * An {@link io.gearbox.AutoPool}: the fetch and the computation are submitted as named tasks and
   * the pool measures and routes each (waiting work to virtual threads, CPU work to platform ones).
   */
  AUTO;

  /** The lower-case name used on the command line and in JSON: {@code hybrid}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The handlers named {@code label} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values if {@code label} is none of them
   */
  public static Handlers parse(String label) {
    for (Handlers h : values()) {
      if (h.label().equalsIgnoreCase(label)) {
        return h;
      }
    }
    throw new IllegalArgumentException(
        "unknown handlers '" + label + "': expected hybrid, virtual, threads or auto");
  }
}
