package dev.shopstream.emulator.gcs;

/** A failure answered to the client as a JSON API error: {@code {"error":{"code":..,"message":..,"errors":[..]}}}. */
final class GcsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String reason;

  private GcsException(int code, String reason, String message) {
    super(message);
    this.code = code;
    this.reason = reason;
  }

  int code() {
    return code;
  }

  String reason() {
    return reason;
  }

  static GcsException badRequest(String message) {
    return new GcsException(400, "invalid", message);
  }

  static GcsException required(String parameter) {
    return new GcsException(400, "required", "Required parameter: " + parameter);
  }

  static GcsException notFound(String message) {
    return new GcsException(404, "notFound", message);
  }

  static GcsException conflict(String message) {
    return new GcsException(409, "conflict", message);
  }

  static GcsException preconditionFailed(String message) {
    return new GcsException(412, "conditionNotMet", message);
  }

  static GcsException tooLarge(long maxObjectSize) {
    return new GcsException(413, "uploadTooLarge",
        "The object exceeds the maximum object size of this emulator (" + maxObjectSize + " bytes).");
  }

  static GcsException rangeNotSatisfiable(String message) {
    return new GcsException(416, "requestedRangeNotSatisfiable", message);
  }

  static GcsException notImplemented(String what) {
    return new GcsException(501, "notImplemented", what + " is not supported by this emulator.");
  }
}
