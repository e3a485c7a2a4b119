package dev.shopstream.functions.recommend;

/** The warehouse could not be read; the request may succeed later. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
