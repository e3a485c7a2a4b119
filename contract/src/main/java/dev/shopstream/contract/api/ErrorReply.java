package dev.shopstream.contract.api;

/**
 * The error answer of every HTTP API here (the functions, the local stack's status server and console):
 * {@code {"error": <code>, "message": <text>}} and, for a request at fault, the parameter or body field named
 * ({@code docs/openapi.yaml}'s {@code Error}). Answered by the functions and the local stack, read by its command
 * lines and tests.
 */
public final class ErrorReply {
  /** The error's code, e.g. {@code invalid_parameter}. */
  public static final String ERROR = "error";
  /** What went wrong, for a person. */
  public static final String MESSAGE = "message";
  /** The query or path parameter at fault ({@code invalid_parameter}). */
  public static final String PARAMETER = "parameter";
  /** The body field at fault ({@code invalid_body}). */
  public static final String FIELD = "field";

  private ErrorReply() {}
}
