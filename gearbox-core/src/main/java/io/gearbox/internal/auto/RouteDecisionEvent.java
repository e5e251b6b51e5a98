package io.gearbox.internal.auto;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code io.gearbox.RouteDecision}: an auto pool decided or changed a key's route. */
@Name("io.gearbox.RouteDecision")
@Label("Gearbox Route Decision")
@Category("Gearbox")
@Description("An auto pool routed a task key to the CPU side, virtual threads or processes")
@StackTrace(false)
final class RouteDecisionEvent extends jdk.jfr.Event {
  @Label("Pool") public String pool;
  @Label("Key") public String key;
  @Label("Target") public String target;
  @Label("Previous") @Description("The route before, or empty for a first verdict")
  public String previous;
  @Label("CPU Share") @Description("CPU time over wall time, moving average; NaN if unmeasured")
  public double cpuShare;
  @Label("Measured Runs") public long measuredRuns;
  @Label("Method") public String method;
  @Label("Reason") public String reason;
}
