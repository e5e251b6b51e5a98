package io.gearbox.internal.auto;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR event {@code io.gearbox.CarrierHog}: a virtual thread held its carrier, or was pinned. */
@Name("io.gearbox.CarrierHog")
@Label("Gearbox Carrier Hog")
@Category("Gearbox")
@Description("A task on a virtual thread held its carrier thread without parking, or was pinned")
@StackTrace(false)
final class CarrierHogEvent extends jdk.jfr.Event {
  @Label("Pool") public String pool;
  @Label("Key") public String key;
  @Label("Task") public String task;
  @Label("Virtual Thread") public String thread;
  @Label("Held") @Timespan(Timespan.NANOSECONDS) public long held;
  @Label("Pinned") public boolean pinned;
  @Label("Top Frame") public String topFrame;
}
