package dev.shopstream.emulator.pubsub;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The canonical errors of the Pub/Sub API, as gRPC statuses; the REST front end maps them to HTTP. */
final class Errors {

  private Errors() {}

  static StatusRuntimeException invalidArgument(String message) {
    return error(Status.INVALID_ARGUMENT, message);
  }

  static StatusRuntimeException notFound(String message) {
    return error(Status.NOT_FOUND, message);
  }

  static StatusRuntimeException alreadyExists(String message) {
    return error(Status.ALREADY_EXISTS, message);
  }

  static StatusRuntimeException resourceExhausted(String message) {
    return error(Status.RESOURCE_EXHAUSTED, message);
  }

  static StatusRuntimeException unimplemented(String message) {
    return error(Status.UNIMPLEMENTED, message);
  }

  static StatusRuntimeException unavailable(String message) {
    return error(Status.UNAVAILABLE, message);
  }

  static StatusRuntimeException cancelled(String message) {
    return error(Status.CANCELLED, message);
  }

  private static StatusRuntimeException error(Status status, String message) {
    return status.withDescription(message).asRuntimeException();
  }
}
