package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ObjectListingTest {
  private static final NavigableMap<String, StoredObject> OBJECTS = objects(
      "a/", "a/1", "a/2", "a/deep/3", "b", "c/1", "c/2", "d", "e/");

  @Test
  void withoutDelimiterListsEveryNameUnderThePrefix() {
    assertThat(pages("a/", "", 1000)).containsExactly(List.of("a/", "a/1", "a/2", "a/deep/3"));
  }

  @Test
  void delimiterRollsNamesUpIntoPrefixes() {
    assertThat(pages("", "/", 1000)).containsExactly(List.of("a/", "b", "c/", "d", "e/"));
    assertThat(pages("a/", "/", 1000)).containsExactly(List.of("a/", "a/1", "a/2", "a/deep/"));
  }

  @Test
  void pagesCountItemsAndPrefixesAndNeverRepeatAnEntry() {
    assertThat(pages("", "/", 1)).containsExactly(
        List.of("a/"), List.of("b"), List.of("c/"), List.of("d"), List.of("e/"));
    assertThat(pages("", "/", 2)).containsExactly(List.of("a/", "b"), List.of("c/", "d"), List.of("e/"));
    assertThat(pages("a/", "/", 1)).containsExactly(
        List.of("a/"), List.of("a/1"), List.of("a/2"), List.of("a/deep/"));
    assertThat(pages("", "", 4)).containsExactly(
        List.of("a/", "a/1", "a/2", "a/deep/3"), List.of("b", "c/1", "c/2", "d"), List.of("e/"));
  }

  @Test
  void offsetsBoundTheNames() {
    ObjectListing.Page page = ObjectListing.page(OBJECTS, new ObjectListing.Request("", "", "a/2", "c/2", null, 1000));
    assertThat(page.items()).extracting(StoredObject::name).containsExactly("a/2", "a/deep/3", "b", "c/1");
  }

  /** Every page's entries (items, then prefixes, in name order) until there is no next page. */
  private static List<List<String>> pages(String prefix, String delimiter, int maxResults) {
    List<List<String>> pages = new ArrayList<>();
    String token = null;
    do {
      ObjectListing.Page page = ObjectListing.page(OBJECTS,
          new ObjectListing.Request(prefix, delimiter, null, null, token, maxResults));
      List<String> entries = new ArrayList<>(page.prefixes());
      page.items().forEach(item -> entries.add(item.name()));
      entries.sort(null);
      pages.add(entries);
      token = page.nextPageToken();
    } while (token != null);
    return pages;
  }

  private static NavigableMap<String, StoredObject> objects(String... names) {
    NavigableMap<String, StoredObject> objects = new TreeMap<>();
    for (String name : names) {
      objects.put(name, new StoredObject("b", name, 1, 1, "text/plain", 0, "", "", Instant.EPOCH, Instant.EPOCH,
          Map.of()));
    }
    return objects;
  }
}
