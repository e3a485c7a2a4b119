package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Empty;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ListSubscriptionsRequest;
import com.google.pubsub.v1.ListSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicsRequest;
import com.google.pubsub.v1.ListTopicsResponse;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Logger;

/** The broker's admin: creating, reading, listing and deleting topics and subscriptions. */
final class Admin {

  /** Logs under the broker's name, as the broker did before its parts had files of their own. */
  private static final Logger LOG = Logger.getLogger(Broker.class.getName());

  private final BrokerState state;

  Admin(BrokerState state) {
    this.state = state;
  }

  // ---------------------------------------------------------------------------------------------- topics

  Topic createTopic(Topic topic) {
    String name = Names.checkTopic(topic.getName());
    if (topic.hasSchemaSettings()) {
      throw Errors.unimplemented("Topic schemas are not supported by the embedded Pub/Sub emulator");
    }
    return state.durably(() -> {
      if (state.topics.containsKey(name)) {
        throw Errors.alreadyExists("Topic already exists");
      }
      state.topics.put(name, topic);
      state.record(new JournalRecord.TopicCreated(topic));
      LOG.info(() -> "Created topic " + name);
      return topic;
    });
  }

  Topic getTopic(String name) {
    Names.checkTopic(name);
    return state.locked(() -> state.requireTopic(name));
  }

  ListTopicsResponse listTopics(ListTopicsRequest request) {
    String project = Names.checkProject(request.getProject());
    return state.locked(() -> {
      Page<Topic> page = page(state.topics, project + "/topics/", topic -> true, Function.identity(),
          request.getPageSize(), request.getPageToken());
      return ListTopicsResponse.newBuilder().addAllTopics(page.items()).setNextPageToken(page.next()).build();
    });
  }

  ListTopicSubscriptionsResponse listTopicSubscriptions(ListTopicSubscriptionsRequest request) {
    String topic = Names.checkTopic(request.getTopic());
    return state.locked(() -> {
      state.requireTopic(topic);
      Page<String> page = page(state.subscriptions, "projects/", s -> s.config.getTopic().equals(topic),
          s -> s.config.getName(), request.getPageSize(), request.getPageToken());
      return ListTopicSubscriptionsResponse.newBuilder()
          .addAllSubscriptions(page.items())
          .setNextPageToken(page.next())
          .build();
    });
  }

  /** Deletes a topic; its subscriptions stay, detached, and report {@value Broker#DELETED_TOPIC} as their topic. */
  Empty deleteTopic(String name) {
    Names.checkTopic(name);
    return state.durably(() -> {
      state.requireTopic(name);
      state.topics.remove(name);
      state.markDead(state.record(new JournalRecord.TopicDeleted(name)));
      for (SubscriptionState s : state.subscriptions.values()) {
        if (s.config.getTopic().equals(name)) {
          s.config = s.config.toBuilder().setTopic(Broker.DELETED_TOPIC).build();
          state.record(new JournalRecord.SubscriptionPut(s.id, s.config));
        }
      }
      LOG.info(() -> "Deleted topic " + name);
      return Empty.getDefaultInstance();
    });
  }

  // --------------------------------------------------------------------------------------- subscriptions

  Subscription createSubscription(Subscription request) {
    Subscription config = normalize(request);
    String name = config.getName();
    return state.durably(() -> {
      if (state.subscriptions.containsKey(name)) {
        throw Errors.alreadyExists("Subscription already exists");
      }
      if (!state.topics.containsKey(config.getTopic())) {
        throw Errors.notFound("Subscription topic does not exist");
      }
      if (config.hasDeadLetterPolicy()
          && !state.topics.containsKey(config.getDeadLetterPolicy().getDeadLetterTopic())) {
        throw Errors.notFound("Dead letter topic does not exist");
      }
      SubscriptionState created = new SubscriptionState(state.nextSubscriptionId++, config);
      state.subscriptions.put(name, created);
      state.record(new JournalRecord.SubscriptionPut(created.id, config));
      LOG.info(() -> "Created subscription " + name + " on " + config.getTopic());
      return config;
    });
  }

  /** Validates a subscription to create and fills in the defaults the real service reports. */
  private static Subscription normalize(Subscription request) {
    Names.checkSubscription(request.getName());
    Names.checkTopic(request.getTopic());
    rejectUnsupported(request);
    int ackDeadline = request.getAckDeadlineSeconds() == 0
        ? Limits.DEFAULT_ACK_DEADLINE_SECONDS
        : request.getAckDeadlineSeconds();
    if (ackDeadline < Limits.MIN_ACK_DEADLINE_SECONDS || ackDeadline > Limits.MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("ack_deadline_secs out of bounds");
    }
    Subscription.Builder config = request.toBuilder().setAckDeadlineSeconds(ackDeadline);
    if (!request.hasPushConfig()) {
      config.setPushConfig(PushConfig.getDefaultInstance());
    }
    if (!request.hasMessageRetentionDuration()) {
      config.setMessageRetentionDuration(Limits.RETENTION);
    }
    if (request.hasDeadLetterPolicy()) {
      DeadLetterPolicy policy = request.getDeadLetterPolicy();
      Names.checkTopic(policy.getDeadLetterTopic());
      int attempts = policy.getMaxDeliveryAttempts() == 0
          ? Limits.MIN_DELIVERY_ATTEMPTS
          : policy.getMaxDeliveryAttempts();
      if (attempts < Limits.MIN_DELIVERY_ATTEMPTS || attempts > Limits.MAX_DELIVERY_ATTEMPTS) {
        throw Errors.invalidArgument("max_delivery_attempts must be between " + Limits.MIN_DELIVERY_ATTEMPTS
            + " and " + Limits.MAX_DELIVERY_ATTEMPTS);
      }
      config.setDeadLetterPolicy(policy.toBuilder().setMaxDeliveryAttempts(attempts));
    }
    return config.build();
  }

  /** Features whose silent omission would change what a subscriber receives are refused outright. */
  private static void rejectUnsupported(Subscription request) {
    String feature = null;
    if (!request.getPushConfig().getPushEndpoint().isEmpty()) {
      feature = "Push subscriptions";
    } else if (!request.getFilter().isEmpty()) {
      feature = "Subscription filters";
    } else if (request.getEnableExactlyOnceDelivery()) {
      feature = "Exactly-once delivery";
    } else if (request.hasBigqueryConfig() || request.hasCloudStorageConfig()) {
      feature = "Export subscriptions";
    }
    if (feature != null) {
      throw Errors.unimplemented(feature + " are not supported by the embedded Pub/Sub emulator");
    }
  }

  Subscription getSubscription(String name) {
    Names.checkSubscription(name);
    return state.locked(() -> state.requireSubscription(name).config);
  }

  ListSubscriptionsResponse listSubscriptions(ListSubscriptionsRequest request) {
    String project = Names.checkProject(request.getProject());
    return state.locked(() -> {
      Page<Subscription> page = page(state.subscriptions, project + "/subscriptions/", s -> true, s -> s.config,
          request.getPageSize(), request.getPageToken());
      return ListSubscriptionsResponse.newBuilder()
          .addAllSubscriptions(page.items())
          .setNextPageToken(page.next())
          .build();
    });
  }

  /** Deletes a subscription and its backlog; open streams on it end with NOT_FOUND. */
  Empty deleteSubscription(String name) {
    Names.checkSubscription(name);
    return state.durably(() -> {
      SubscriptionState s = state.requireSubscription(name);
      state.subscriptions.remove(name);
      state.markDead(state.record(new JournalRecord.SubscriptionDeleted(s.id)));
      s.ready.values().forEach(state::released);
      s.leased.values().forEach(state::released);
      state.changed.signalAll();
      LOG.info(() -> "Deleted subscription " + name);
      return Empty.getDefaultInstance();
    });
  }

  // ------------------------------------------------------------------------------------------- paging

  private record Page<T>(List<T> items, String next) {}

  /** One page of the entries under {@code prefix}; the page token is the name the next page starts at. */
  private static <V, T> Page<T> page(NavigableMap<String, V> map, String prefix, Predicate<V> filter,
      Function<V, T> view, int pageSize, String pageToken) {
    if (!pageToken.isEmpty() && !pageToken.startsWith(prefix)) {
      throw Errors.invalidArgument("Invalid page token");
    }
    int size = pageSize <= 0 ? Limits.MAX_PAGE_SIZE : Math.min(pageSize, Limits.MAX_PAGE_SIZE);
    List<T> items = new ArrayList<>();
    for (Map.Entry<String, V> entry : map.tailMap(pageToken.isEmpty() ? prefix : pageToken, true).entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        break;
      }
      if (filter.test(entry.getValue())) {
        if (items.size() == size) {
          return new Page<>(items, entry.getKey());
        }
        items.add(view.apply(entry.getValue()));
      }
    }
    return new Page<>(items, "");
  }
}
