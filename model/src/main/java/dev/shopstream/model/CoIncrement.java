package dev.shopstream.model;

import java.io.Serializable;

/**
 * A symmetric co-occurrence increment: {@code c(a,b)} and {@code c(b,a)} both grow by {@code weights}.
 * {@code itemA} is the earlier (recent) item, {@code itemB} the one just interacted with.
 */
public record CoIncrement(String itemA, String itemB, SignalVector weights) implements Serializable {}
