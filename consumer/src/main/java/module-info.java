/** The consumer's own module: Gearbox's module is io.gearbox. */
module app {
  requires io.gearbox;

  exports app;
}
