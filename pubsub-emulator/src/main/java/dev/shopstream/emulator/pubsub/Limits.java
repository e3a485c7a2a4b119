package dev.shopstream.emulator.pubsub;

import java.time.Duration;

/** The real service's limits, as the emulator enforces them, and the emulator's own bounds. */
final class Limits {
  /** The real service's limit on a publish request and thus on one message. */
  static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
  static final int MAX_MESSAGES_PER_PUBLISH = 1000;
  static final int MAX_ATTRIBUTES = 100;
  static final int MAX_ATTRIBUTE_KEY_BYTES = 256;
  static final int MAX_ATTRIBUTE_VALUE_BYTES = 1024;
  static final int MAX_ORDERING_KEY_BYTES = 1024;
  /** Upper bounds of one pull response or one streaming-pull push (at least one message is always sent). */
  static final int MAX_MESSAGES_PER_RESPONSE = 1000;
  static final long MAX_RESPONSE_BYTES = MAX_REQUEST_BYTES;
  static final int MIN_ACK_DEADLINE_SECONDS = 10;
  static final int DEFAULT_ACK_DEADLINE_SECONDS = 10;
  static final int MAX_ACK_DEADLINE_SECONDS = 600;
  static final int MIN_DELIVERY_ATTEMPTS = 5;
  static final int MAX_DELIVERY_ATTEMPTS = 100;
  static final int MAX_STREAMS = 256;
  static final int MAX_PAGE_SIZE = 1000;
  /** A subscription's message retention when it sets none. */
  static final com.google.protobuf.Duration RETENTION =
      com.google.protobuf.Duration.newBuilder().setSeconds(Duration.ofDays(7).toSeconds()).build();

  private Limits() {}
}
