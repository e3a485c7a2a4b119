package dev.shopstream.model;

import java.io.Serializable;

/** One neighbour of an item for a signal: similarity score, rank (1 = closest) and the co-count behind it. */
public record Neighbor(String productId, Signal signal, double score, int rank, double coCount)
    implements Serializable {}
