package io.gearbox.internal.process;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * The channel messages, defined once with their encode and decode side by side: a task in a
 * worker puts to and takes from a {@link io.gearbox.ProcessChannel} that lives in the caller
 * ({@link ParentChannel}); the worker's side is {@code WorkerMain.WorkerChannel}, the pool's
 * {@link ChannelServer}. Every request carries its own id, which the reply repeats.
 *
 * <pre>
 * worker -> pool : CH_PUT(20)    {@link Item}: channel name, item bytes
 *                  CH_TAKE(21)   {@link Take}: channel name, wait in nanoseconds (-1: for ever)
 *                  CH_CANCEL(22) empty: the taker gave up on request id; stop serving it
 * pool -> worker : CH_ACK(11)    empty: the put was accepted
 *                  CH_ITEM(12)   {@link Item}: the taken item (empty bytes: the wait ran out)
 *                  CH_CLOSED(13) empty: the channel is closed (or unknown), and empty for a take
 * </pre>
 *
 * <p>A CH_ITEM whose taker gave up is put back by the worker with a fresh CH_PUT; one the pool
 * could not deliver goes back to the head of the channel.
 */
final class ChannelMessages {

  private ChannelMessages() {}

  /**
   * The payload of CH_PUT and of CH_ITEM: a channel's name and one encoded item.
   *
   * @param channel the channel's name
   * @param item the item's bytes ({@link io.gearbox.TaskCodec} encoding); empty in a CH_ITEM
   *     whose wait ran out
   */
  record Item(String channel, byte[] item) {

    byte[] encode() {
      return Frames.payload(d -> {
        Frames.writeString(d, channel);
        Frames.writeBytes(d, item);
      });
    }

    static Item decode(byte[] payload) throws IOException {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
      String channel = Frames.readString(in);
      return new Item(channel, Frames.readBytes(in));
    }
  }

  /**
   * The payload of CH_TAKE: a channel's name and how long the pool may wait for an item.
   *
   * @param channel the channel's name
   * @param waitNanos the longest wait, or -1 for no limit
   */
  record Take(String channel, long waitNanos) {

    byte[] encode() {
      return Frames.payload(d -> {
        Frames.writeString(d, channel);
        d.writeLong(waitNanos);
      });
    }

    static Take decode(byte[] payload) throws IOException {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
      String channel = Frames.readString(in);
      return new Take(channel, in.readLong());
    }
  }

  // ------------------------------------------------------------- empty replies and the cancel

  /** Replies to a put: accepted (CH_ACK) or refused because the channel is closed (CH_CLOSED). */
  static void writePutReply(Frames frames, long requestId, boolean accepted) throws IOException {
    frames.write(accepted ? Frames.CH_ACK : Frames.CH_CLOSED, requestId);
  }

  /** Replies to a take with an item (empty bytes: the wait ran out). */
  static void writeItem(Frames frames, long requestId, Item item) throws IOException {
    frames.write(Frames.CH_ITEM, requestId, item.encode());
  }

  /** Replies to a take on a closed (or unknown) channel that is empty. */
  static void writeClosed(Frames frames, long requestId) throws IOException {
    frames.write(Frames.CH_CLOSED, requestId);
  }

  /** Tells the pool the worker gave up on a request (its reply, if already sent, is given back). */
  static void writeCancel(Frames frames, long requestId) throws IOException {
    frames.write(Frames.CH_CANCEL, requestId);
  }
}
