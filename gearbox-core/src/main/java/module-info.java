/**
 * Gearbox: platform-thread, virtual-thread and CPU pools behind one API.
 *
 * <p>Only {@code io.gearbox} is exported; engines live in {@code io.gearbox.internal}.
 */
module io.gearbox {
  requires java.management;

  exports io.gearbox;
}
