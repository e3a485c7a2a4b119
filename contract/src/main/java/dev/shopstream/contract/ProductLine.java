package dev.shopstream.contract;

import java.io.Serializable;

/** One product of an event: id, units (1 when the client sent none) and unit price (null when unknown). */
public record ProductLine(String productId, long quantity, Double price) implements Serializable {}
