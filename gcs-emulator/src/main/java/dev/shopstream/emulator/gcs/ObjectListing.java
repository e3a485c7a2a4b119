package dev.shopstream.emulator.gcs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * One page of an objects.list: names in lexicographic order under {@code prefix}; with a {@code delimiter}, the names
 * that contain it after the prefix roll up into one "prefix" entry each. Items and prefixes both count toward
 * {@code maxResults}. The page token names the last entry returned and whether it was a prefix.
 */
final class ObjectListing {
  static final int MAX_RESULTS = 1000;
  private static final String ITEM_TOKEN = "o:";
  private static final String PREFIX_TOKEN = "p:";

  record Request(String prefix, String delimiter, String startOffset, String endOffset, String pageToken,
      int maxResults) {}

  record Page(List<StoredObject> items, List<String> prefixes, String nextPageToken) {}

  private ObjectListing() {}

  static Page page(NavigableMap<String, StoredObject> objects, Request request) {
    String prefix = request.prefix();
    String delimiter = request.delimiter();
    String from = max(prefix, request.startOffset());
    boolean fromInclusive = true;
    String currentPrefix = null;
    if (request.pageToken() != null) {
      String token = decode(request.pageToken());
      String after = token.substring(2);
      if (after.compareTo(from) >= 0) {
        from = after;
        fromInclusive = token.startsWith(PREFIX_TOKEN);
        currentPrefix = fromInclusive ? after : null;
      }
    }
    List<StoredObject> items = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String last = null;
    for (Map.Entry<String, StoredObject> entry : objects.tailMap(from, fromInclusive).entrySet()) {
      String name = entry.getKey();
      if (!name.startsWith(prefix) || (request.endOffset() != null && name.compareTo(request.endOffset()) >= 0)) {
        break;
      }
      if (currentPrefix != null && name.startsWith(currentPrefix)) {
        continue;
      }
      if (last != null) {
        return new Page(items, prefixes, encode(last));
      }
      int cut = delimiter.isEmpty() ? -1 : name.indexOf(delimiter, prefix.length());
      if (cut >= 0) {
        currentPrefix = name.substring(0, cut + delimiter.length());
        prefixes.add(currentPrefix);
      } else {
        items.add(entry.getValue());
      }
      if (items.size() + prefixes.size() == request.maxResults()) {
        last = cut >= 0 ? PREFIX_TOKEN + currentPrefix : ITEM_TOKEN + name;
      }
    }
    return new Page(items, prefixes, null);
  }

  private static String max(String a, String b) {
    return b != null && b.compareTo(a) > 0 ? b : a;
  }

  private static String encode(String token) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String pageToken) {
    try {
      String token = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
      if (token.startsWith(ITEM_TOKEN) || token.startsWith(PREFIX_TOKEN)) {
        return token;
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw GcsException.badRequest("Invalid pageToken: '" + pageToken + "'");
  }
}
