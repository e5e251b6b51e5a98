/** The consumer's own module: Gearbox's module is io.gearbox. */
module app {
  requires io.gearbox;
  requires java.net.http; // FirstSample fetches with the JDK's HttpClient

  exports app;
}
