package io.gearbox.cluster.internal;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;

/**
 * What a member sends back for one {@link RemoteRun}: a status, the encoded value or exception (or
 * a message when there is nothing to decode), and the member's pid and wall time for the call.
 */
public final class Reply implements DataSerializable {

  /** The value is in {@code payload}. */
  static final byte OK = 0;
  /** The task threw; the encoded exception is in {@code payload}. */
  static final byte THREW = 1;
  /** The result (or the exception) could not be encoded; {@code message} says why. */
  static final byte NOT_ENCODABLE = 2;
  /** A class of the task is missing on the member; {@code message} names it. */
  static final byte CLASS_MISSING = 3;
  /** The task could not be decoded (refused by the allow-list, or corrupt); {@code message}. */
  static final byte UNDECODABLE = 4;
  /** The member is leaving and did not start the task: place it elsewhere. */
  static final byte REFUSED = 5;

  byte status;
  byte[] payload;
  String message;
  long pid;
  long wallNanos;
  String member; // host:port of the member that answered, set by RemoteRun
  int failedAt = -1; // a batch: the index of the item that threw, or -1
  byte[] error; // a batch: the encoded exception of that item

  /** For Hazelcast's deserializer. */
  public Reply() {}

  Reply(byte status, byte[] payload, String message, long wallNanos) {
    this.status = status;
    this.payload = payload;
    this.message = message;
    this.pid = ProcessHandle.current().pid();
    this.wallNanos = wallNanos;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByte(status);
    out.writeByteArray(payload);
    out.writeString(message);
    out.writeLong(pid);
    out.writeLong(wallNanos);
    out.writeString(member);
    out.writeInt(failedAt);
    out.writeByteArray(error);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    status = in.readByte();
    payload = in.readByteArray();
    message = in.readString();
    pid = in.readLong();
    wallNanos = in.readLong();
    member = in.readString();
    failedAt = in.readInt();
    error = in.readByteArray();
  }
}
