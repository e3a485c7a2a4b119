package dev.shopstream.functions.recommend;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The answers of the endpoints that do not depend on the caller (similar, bought-together, trending): the same for
 * every request with this path and these parameters while the snapshot and its staleness are the same, so they are
 * kept with the snapshot ({@value #MAX_SHARED_ANSWERS} at most) and written once. A new snapshot starts afresh;
 * only 200 answers are kept (a refused request is checked again each time).
 */
final class SharedAnswers {
  static final int MAX_SHARED_ANSWERS = 10_000;

  private volatile Kept kept = new Kept(null);

  /** The kept answer of this request, else {@code answer}'s (kept when it is a 200). */
  JsonReply answer(String path, HttpRequest request, View view, Supplier<JsonReply> answer) {
    Kept cache = kept;
    if (cache.snapshot != view.snapshot()) {
      cache = new Kept(view.snapshot());
      kept = cache;
    }
    String key = key(path, view.stale(), Parameters.query(request));
    JsonReply reply = cache.replies.get(key);
    if (reply != null) {
      return reply;
    }
    reply = answer.get();
    if (reply.status() == 200 && cache.replies.size() < MAX_SHARED_ANSWERS) {
      cache.replies.put(key, reply);
    }
    return reply;
  }

  /** How many answers are kept of the current snapshot. */
  int size() {
    return kept.replies.size();
  }

  /** Every input of the answer, unambiguously: each name and value prefixed with its length. */
  static String key(String path, boolean stale, Map<String, List<String>> parameters) {
    StringBuilder key = new StringBuilder(path.length() + 32).append(stale ? 'S' : 'F').append(path.length())
        .append(':').append(path);
    for (Map.Entry<String, List<String>> p : new TreeMap<>(parameters).entrySet()) {
      key.append('&').append(p.getKey().length()).append(':').append(p.getKey()).append('=')
          .append(p.getValue().size());
      for (String value : p.getValue()) {
        key.append(',').append(value == null ? -1 : value.length()).append(':').append(value == null ? "" : value);
      }
    }
    return key.toString();
  }

  /** The answers of one snapshot. */
  private static final class Kept {
    final Snapshot snapshot;
    final Map<String, JsonReply> replies = new ConcurrentHashMap<>();

    Kept(Snapshot snapshot) {
      this.snapshot = snapshot;
    }
  }
}
