package dev.shopstream.emulator.pubsub;

import java.util.regex.Pattern;

/**
 * Resource-name rules of Pub/Sub.
 *
 * <p>A topic or subscription id has 3 to 255 characters, starts with a letter, contains only letters, digits and
 * {@code - _ . ~ + %}, and does not start with {@code goog}. Like Google's emulator, the project segment is not
 * checked beyond being non-empty (a real project may be named by id or by number).
 */
final class Names {

  private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}");
  private static final Pattern PROJECT = Pattern.compile("projects/[^/]+");

  private Names() {}

  /** Checks {@code projects/{project}/topics/{topic}}. */
  static String checkTopic(String name) {
    return checkResource(name, "topics");
  }

  /** Checks {@code projects/{project}/subscriptions/{subscription}}. */
  static String checkSubscription(String name) {
    return checkResource(name, "subscriptions");
  }

  /** Checks {@code projects/{project}}. */
  static String checkProject(String project) {
    if (!PROJECT.matcher(project).matches()) {
      throw Errors.invalidArgument("Invalid [projects] name: (name=" + project + ")");
    }
    return project;
  }

  private static String checkResource(String name, String collection) {
    String[] parts = name.split("/", -1);
    boolean valid = parts.length == 4
        && parts[0].equals("projects")
        && !parts[1].isEmpty()
        && parts[2].equals(collection)
        && RESOURCE_ID.matcher(parts[3]).matches()
        && !parts[3].startsWith("goog");
    if (!valid) {
      throw Errors.invalidArgument("Invalid [" + collection + "] name: (name=" + name + ")");
    }
    return name;
  }
}
