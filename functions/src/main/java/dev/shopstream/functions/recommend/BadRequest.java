package dev.shopstream.functions.recommend;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.api.ErrorReply;
import dev.shopstream.functions.http.JsonReply;

/** A request the function refuses: its JSON reply names the parameter or field at fault. */
final class BadRequest extends RuntimeException {
  private final transient JsonReply reply;

  private BadRequest(JsonReply reply, String message) {
    super(message, null, false, false);
    this.reply = reply;
  }

  /** 400 {@code invalid_parameter}, the {@link ErrorReply#PARAMETER} named. */
  static BadRequest parameter(String name, String message) {
    ObjectNode body = JsonReply.errorBody("invalid_parameter", message);
    body.put(ErrorReply.PARAMETER, name);
    return new BadRequest(JsonReply.json(400, body), message);
  }

  /** 400 {@code invalid_body}, the {@link ErrorReply#FIELD} named. */
  static BadRequest invalidBody(String field, String message) {
    ObjectNode body = JsonReply.errorBody("invalid_body", message);
    body.put(ErrorReply.FIELD, field);
    return new BadRequest(JsonReply.json(400, body), message);
  }

  /** Another status, e.g. 413 or 415. */
  static BadRequest of(int status, String code, String message) {
    return new BadRequest(JsonReply.error(status, code, message), message);
  }

  JsonReply reply() {
    return reply;
  }
}
