package dev.shopstream.model;

import java.io.Serializable;

/** A recommended product and its score (higher is better). */
public record Recommendation(String productId, double score) implements Serializable {}
