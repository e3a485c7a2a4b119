package dev.shopstream.emulator.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resumable upload sessions: started by a POST, then fed by PUTs whose {@code Content-Range} says where the bytes go
 * and, once known, the total size. The bytes go to a staged file; the object is committed when the total arrived.
 */
final class ResumableUploads implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ResumableUploads.class.getName());
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (?:(\\d{1,18})-(\\d{1,18})|\\*)/(\\d{1,18}|\\*)");

  /** Where a session's object goes. */
  record Target(String bucket, String name, ObjectAttributes attributes, Preconditions preconditions) {}

  /** What a PUT achieved: the object once complete, else the number of bytes persisted so far. */
  record Progress(StoredObject object, long persisted) {}

  /**
   * A parsed {@code Content-Range}: the bytes carried (first and last inclusive, absent for none) and the total size
   * when known.
   */
  record ContentRange(Long first, Long last, Long total) {
    /** Null without a header: the request then carries the whole object. */
    static ContentRange parse(String header) {
      if (header == null) {
        return null;
      }
      Matcher m = CONTENT_RANGE.matcher(header.trim());
      if (!m.matches()) {
        throw GcsException.badRequest("Invalid Content-Range: " + header);
      }
      Long total = m.group(3).equals("*") ? null : Long.valueOf(m.group(3));
      if (m.group(1) == null) {
        return new ContentRange(null, null, total);
      }
      long first = Long.parseLong(m.group(1));
      long last = Long.parseLong(m.group(2));
      if (last < first || (total != null && last >= total)) {
        throw GcsException.badRequest("Invalid Content-Range: " + header);
      }
      return new ContentRange(first, last, total);
    }
  }

  private record Session(Target target, StagedUpload upload) {}

  private final ObjectStore store;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  ResumableUploads(ObjectStore store) {
    this.store = store;
  }

  /** Starts a session and answers its upload id. */
  String begin(Target target, Long declaredSize) throws IOException {
    checkSize(declaredSize);
    store.checkUpload(target.bucket(), target.name(), target.preconditions());
    String uploadId = UUID.randomUUID().toString().replace("-", "");
    sessions.put(uploadId, new Session(target, store.stage()));
    return uploadId;
  }

  /** Appends a request's bytes; {@code range} null means they are the whole object. */
  Progress put(String uploadId, ContentRange range, InputStream body) throws IOException {
    Session session = session(uploadId);
    synchronized (session) {
      if (sessions.get(uploadId) != session) {
        throw noSuchSession(uploadId);
      }
      try {
        return append(session, range, body, uploadId);
      } catch (GcsException e) {
        if (e.code() != 400) {
          drop(uploadId);
        }
        throw e;
      }
    }
  }

  void cancel(String uploadId) throws IOException {
    Session session = session(uploadId);
    synchronized (session) {
      drop(uploadId);
    }
  }

  @Override
  public void close() {
    sessions.keySet().forEach(uploadId -> {
      try {
        drop(uploadId);
      } catch (IOException e) {
        LOG.log(Level.FINE, e, () -> "Could not discard upload " + uploadId);
      }
    });
  }

  private Progress append(Session session, ContentRange range, InputStream body, String uploadId)
      throws IOException {
    StagedUpload upload = session.upload();
    if (range == null) {
      upload.append(body);
    } else if (range.first() != null) {
      checkSize(range.total());
      long persisted = upload.size();
      if (range.first() > persisted) {
        throw GcsException.badRequest("Content-Range starts at " + range.first() + " but only " + persisted
            + " bytes were persisted");
      }
      long alreadyPersisted = Math.min(persisted - range.first(), range.last() - range.first() + 1);
      // not InputStream.skip: the JDK server's request body passes skips on to the connection, past the request
      Streams.copy(body, OutputStream.nullOutputStream(), alreadyPersisted);
      upload.append(body, range.last() + 1 - range.first() - alreadyPersisted);
    }
    Long total = range == null ? Long.valueOf(upload.size()) : range.total();
    if (total == null || upload.size() < total) {
      return new Progress(null, upload.size());
    }
    if (upload.size() > total) {
      throw GcsException.badRequest("Received " + upload.size() + " bytes, more than the total size " + total);
    }
    sessions.remove(uploadId);
    Target target = session.target();
    StoredObject object =
        store.commit(target.bucket(), target.name(), target.attributes(), upload, target.preconditions());
    return new Progress(object, object.size());
  }

  private void checkSize(Long size) {
    if (size != null && size > store.maxObjectSize()) {
      throw GcsException.tooLarge(store.maxObjectSize());
    }
  }

  private Session session(String uploadId) {
    Session session = sessions.get(uploadId);
    if (session == null) {
      throw noSuchSession(uploadId);
    }
    return session;
  }

  private static GcsException noSuchSession(String uploadId) {
    return GcsException.notFound("No such upload session: " + uploadId);
  }

  private void drop(String uploadId) throws IOException {
    Session session = sessions.remove(uploadId);
    if (session != null) {
      session.upload().discard();
    }
  }
}
