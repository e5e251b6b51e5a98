package io.gearbox.cluster.internal;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Asks a member, on its "gearbox-control" executor, whether a call still runs there, and
 * interrupts it again if so: how the caller follows a cancelled task that ignores the interrupt.
 */
public final class Probe implements Callable<Boolean>, DataSerializable {

  private String callKey;

  /** For Hazelcast's deserializer. */
  public Probe() {}

  Probe(String callKey) {
    this.callKey = callKey;
  }

  @Override
  public Boolean call() {
    Thread t = RemoteRun.RUNNING.get(callKey);
    if (t == null) {
      return false;
    }
    t.interrupt();
    return true;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(callKey);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    callKey = in.readString();
  }
}
