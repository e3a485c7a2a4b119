package dev.shopstream.functions.upload;

import com.google.cloud.BaseServiceException;
import java.io.IOException;

/** A failure to read the object itself (not its content), e.g. a network error or the object being gone. */
final class SourceException extends IOException {
  private final boolean objectGone;
  private final int refusedCode;

  SourceException(Throwable cause) {
    super(cause.getMessage(), cause);
    boolean gone = false;
    int refused = 0;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof BaseServiceException s && s.getCode() == 404) {
        gone = true;
      } else if (t instanceof BaseServiceException s && (s.getCode() == 400 || s.getCode() == 401
          || s.getCode() == 403)) {
        refused = s.getCode();
      }
    }
    this.objectGone = gone;
    this.refusedCode = refused;
  }

  boolean objectGone() {
    return objectGone;
  }

  /** 400, 401 or 403 when the storage refused the read for good; 0 otherwise (retryable, or gone). */
  int refusedCode() {
    return refusedCode;
  }
}
