package dev.shopstream.contract;

import java.io.Serializable;
import java.util.List;

/**
 * One problem with one field of a record: {@code field} is a path such as {@code event_type},
 * {@code products[2].price} or {@code $} for the record as a whole.
 */
public record FieldError(String field, String reason) implements Serializable {
  public static final String ROOT = "$";

  /** "event_type: must be one of [...]; user_id: is required" */
  public static String summary(List<FieldError> errors) {
    StringBuilder out = new StringBuilder();
    for (FieldError e : errors) {
      out.append(out.length() == 0 ? "" : "; ").append(e);
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return field + ": " + reason;
  }
}
