package dev.shopstream.emulator.pubsub;

/** Names one delivery: {@code subscriptionId-messageNumber-attempt}. */
record AckId(long subscriptionId, long messageNumber, int attempt) {

  static AckId parse(String ackId) {
    String[] parts = ackId.split("-", -1);
    try {
      if (parts.length == 3) {
        return new AckId(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Integer.parseInt(parts[2]));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw Errors.invalidArgument("Invalid ack id (ack_id=" + ackId + ")");
  }

  @Override
  public String toString() {
    return subscriptionId + "-" + messageNumber + "-" + attempt;
  }
}
