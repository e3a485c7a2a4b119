package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.PubsubMessage;

/** A message in one subscription's backlog; guarded by the broker's lock. */
final class Pending {
  final long number;
  final PubsubMessage message;
  final int size;
  final Stored stored;
  int attempts;
  long deadlineMillis;
  /** The streaming pull whose flow control this lease counts against; null when ready or leased by a pull. */
  PullStream owner;

  Pending(long number, PubsubMessage message, Stored stored) {
    this.number = number;
    this.message = message;
    this.size = message.getSerializedSize();
    this.stored = stored;
  }

  /**
   * What the subscriptions holding one published message share: how many still hold it and the bytes of its
   * journal record, which become dead weight when the last one lets go.
   */
  static final class Stored {
    int holders;
    final int journalBytes;

    Stored(int holders, int journalBytes) {
      this.holders = holders;
      this.journalBytes = journalBytes;
    }
  }
}
