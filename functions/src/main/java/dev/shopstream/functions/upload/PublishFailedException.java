package dev.shopstream.functions.upload;

/** Pub/Sub did not acknowledge: the function fails and the event is redelivered. */
final class PublishFailedException extends RuntimeException {
  PublishFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
