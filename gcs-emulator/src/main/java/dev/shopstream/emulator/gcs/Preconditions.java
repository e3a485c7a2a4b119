package dev.shopstream.emulator.gcs;

/**
 * The generation preconditions of the JSON API ({@code ifGenerationMatch=0} is "does not exist yet"). A missing
 * object has generation 0 and no metageneration.
 */
record Preconditions(Long ifGenerationMatch, Long ifGenerationNotMatch, Long ifMetagenerationMatch,
    Long ifMetagenerationNotMatch) {

  static Preconditions from(Query query) {
    return new Preconditions(query.longValue("ifGenerationMatch"), query.longValue("ifGenerationNotMatch"),
        query.longValue("ifMetagenerationMatch"), query.longValue("ifMetagenerationNotMatch"));
  }

  /** Fails with 412 unless the object's current state (null when there is none) meets every precondition. */
  void check(StoredObject current) {
    long generation = current == null ? 0 : current.generation();
    Long metageneration = current == null ? null : current.metageneration();
    if (ifGenerationMatch != null && generation != ifGenerationMatch) {
      throw GcsException.preconditionFailed("At least one of the pre-conditions you specified did not hold: "
          + "ifGenerationMatch=" + ifGenerationMatch + ", current generation " + generation);
    }
    if (ifGenerationNotMatch != null && generation == ifGenerationNotMatch) {
      throw GcsException.preconditionFailed("At least one of the pre-conditions you specified did not hold: "
          + "ifGenerationNotMatch=" + ifGenerationNotMatch);
    }
    if (ifMetagenerationMatch != null && !ifMetagenerationMatch.equals(metageneration)) {
      throw GcsException.preconditionFailed("At least one of the pre-conditions you specified did not hold: "
          + "ifMetagenerationMatch=" + ifMetagenerationMatch + ", current metageneration " + metageneration);
    }
    if (ifMetagenerationNotMatch != null && ifMetagenerationNotMatch.equals(metageneration)) {
      throw GcsException.preconditionFailed("At least one of the pre-conditions you specified did not hold: "
          + "ifMetagenerationNotMatch=" + ifMetagenerationNotMatch);
    }
  }
}
