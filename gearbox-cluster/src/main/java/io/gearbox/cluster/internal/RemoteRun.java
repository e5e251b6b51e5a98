package io.gearbox.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.gearbox.RemoteTaskException;
import io.gearbox.TaskNotSerializableException;
import io.gearbox.internal.codec.RemoteCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One remote call, as Hazelcast carries it to a member and runs it on the member's "gearbox"
 * executor: the task (or a function and a batch of items) encoded by the caller's codec, decoded
 * here through the same allow-list. Hazelcast sees only this {@link DataSerializable} wrapper and
 * the {@link Reply}, never a user class, so its own Java deserialization is not needed for tasks.
 *
 * <p>Member-side bookkeeping lives in static fields, since a member JVM runs one Hazelcast member:
 * {@link #RUNNING} maps call keys to the threads running them (for the stuck-task probe), and
 * {@link #ACCEPTED} counts calls received and not yet finished, so a member leaving on SIGTERM
 * can wait for them ({@link MemberDrain}).
 */
public final class RemoteRun implements Callable<Reply>, DataSerializable, HazelcastInstanceAware {

  static final byte CALL = 1;
  static final byte BATCH = 2;

  /** Calls running on this member, by call key. */
  static final ConcurrentHashMap<String, Thread> RUNNING = new ConcurrentHashMap<>();
  /** Calls this member received and has not finished (queued or running). */
  static final AtomicInteger ACCEPTED = new AtomicInteger();
  /** Set when this member is leaving: calls not yet started are refused, to run elsewhere. */
  static volatile boolean draining;

  private static final long MAX_BYTES = Integer.MAX_VALUE;
  private static final RemoteCodec CODEC = new RemoteCodec(List.of(), MAX_BYTES);

  private String callKey;
  private byte kind;
  private String[] packages;
  private byte[] task;
  private byte[] items;
  private transient String member;
  private transient boolean received;

  /** For Hazelcast's deserializer. */
  public RemoteRun() {}

  RemoteRun(String callKey, byte kind, String[] packages, byte[] task, byte[] items) {
    this.callKey = callKey;
    this.kind = kind;
    this.packages = packages;
    this.task = task;
    this.items = items;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(callKey);
    out.writeByte(kind);
    out.writeStringArray(packages);
    out.writeByteArray(task);
    out.writeByteArray(items);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    callKey = in.readString();
    kind = in.readByte();
    packages = in.readStringArray();
    task = in.readByteArray();
    items = in.readByteArray();
    received = true;
    ACCEPTED.incrementAndGet(); // read on the member just before the call is queued
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hz) {
    var a = hz.getCluster().getLocalMember().getAddress();
    member = a.getHost() + ":" + a.getPort();
  }

  @Override
  public Reply call() {
    Reply r = answer();
    r.member = member;
    return r;
  }

  private Reply answer() {
    long start = System.nanoTime();
    try {
      if (draining) {
        return new Reply(Reply.REFUSED, null, "member is leaving", 0);
      }
      RUNNING.put(callKey, Thread.currentThread());
      try {
        return run(start);
      } finally {
        RUNNING.remove(callKey);
        Thread.interrupted(); // a cancel that came as the task ended must not hit the next one
      }
    } finally {
      if (received) {
        ACCEPTED.decrementAndGet();
      }
    }
  }

  private Reply run(long start) {
    for (String p : packages) {
      CODEC.allowPackage(p);
    }
    Object decoded;
    List<?> itemList = null;
    try {
      decoded = CODEC.decode(task);
      if (kind == BATCH) {
        itemList = CODEC.decodeBatch(items);
      }
    } catch (ClassNotFoundException e) {
      return new Reply(Reply.CLASS_MISSING, null, e.getMessage(), System.nanoTime() - start);
    } catch (IOException | RuntimeException e) {
      return new Reply(Reply.UNDECODABLE, null, String.valueOf(e.getMessage()), System.nanoTime() - start);
    }
    if (kind == BATCH) {
      return applyAll(decoded, itemList, start);
    }
    Object result;
    try {
      result = ((Callable<?>) decoded).call();
    } catch (Throwable t) {
      return failure(t, start);
    }
    try {
      return new Reply(Reply.OK, CODEC.encodeValue(result, "result"), null, System.nanoTime() - start);
    } catch (TaskNotSerializableException e) {
      return new Reply(Reply.NOT_ENCODABLE, null, e.getMessage(), System.nanoTime() - start);
    }
  }

  /** Applies the function to each item until one throws; the reply says which, if one did. */
  @SuppressWarnings("unchecked")
  private static Reply applyAll(Object fn, List<?> in, long start) {
    Function<Object, Object> f = (Function<Object, Object>) fn;
    List<Object> out = new ArrayList<>(in.size());
    Throwable thrown = null;
    for (int i = 0; i < in.size() && thrown == null; i++) {
      try {
        out.add(f.apply(in.get(i)));
      } catch (Throwable t) {
        thrown = t;
      }
    }
    Reply r;
    try {
      r = new Reply(Reply.OK, CODEC.encodeBatch(out, "map results"), null, 0);
    } catch (TaskNotSerializableException e) {
      return new Reply(Reply.NOT_ENCODABLE, null, e.getMessage(), System.nanoTime() - start);
    }
    if (thrown != null) {
      r.failedAt = out.size();
      r.error = failure(thrown, start).payload;
    }
    r.wallNanos = System.nanoTime() - start;
    return r;
  }

  private static Reply failure(Throwable t, long start) {
    byte[] bytes;
    try {
      bytes = CODEC.encode(t, "exception");
    } catch (TaskNotSerializableException e) {
      bytes = CODEC.encode(RemoteTaskException.of(t), "exception");
    }
    return new Reply(Reply.THREW, bytes, null, System.nanoTime() - start);
  }
}
