package dev.shopstream.contract;

import java.io.Serializable;

/**
 * One problem with one field of a record: {@code field} is a path such as {@code event_type},
 * {@code products[2].price} or {@code $} for the record as a whole.
 */
public record FieldError(String field, String reason) implements Serializable {
  public static final String ROOT = "$";

  @Override
  public String toString() {
    return field + ": " + reason;
  }
}
