/**
 * Gearbox: platform-thread, virtual-thread, CPU and auto pools behind one API.
 *
 * <p>Only {@code io.gearbox} is exported; engines live in {@code io.gearbox.internal}. The codec
 * ({@code io.gearbox.internal.codec}) and the remote-task layer ({@code io.gearbox.internal.remote})
 * are shared with {@code gearbox-cluster}, which runs on the class path, where an unexported
 * package is still readable; they are not exported to anyone (a qualified export would name a
 * module that does not exist). Every
 * module required is part of the JDK: {@code jdk.jfr} for the auto pool's events and pinning
 * reports, {@code jdk.management} for per-thread allocation in profiles.
 */
module io.gearbox {
  requires java.management;
  requires jdk.jfr;
  requires jdk.management;

  exports io.gearbox;
}
