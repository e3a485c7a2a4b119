package dev.shopstream.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row of the {@code item_factors} table ({@code item-factor-v1.schema.json}): one product's embeddings in the
 * factor model the pipeline trains online. The one place its columns are spelled. {@link #toRow} writes it in the
 * shape of {@link Rows} (what every sink takes), {@link #fromRow} reads it back from that shape.
 *
 * <p>{@code context} and {@code target} have the model's dimensions, the same for both; a row whose embeddings
 * are empty, of different lengths or not finite is refused here, naming the column.
 */
public record ItemFactorRow(String productId, double[] context, double[] target, double bias, String modelVersion,
    long modelSteps, Instant updatedAt) {
  public static final String PRODUCT_ID = "product_id";
  public static final String CONTEXT = "context_embedding";
  public static final String TARGET = "target_embedding";
  public static final String BIAS = "bias";
  public static final String MODEL_VERSION = "model_version";
  public static final String MODEL_STEPS = "model_steps";
  public static final String UPDATED_AT = "updated_at";
  /** The table's columns in its order. */
  public static final List<String> COLUMNS = List.of(PRODUCT_ID, CONTEXT, TARGET, BIAS, MODEL_VERSION, MODEL_STEPS,
      UPDATED_AT);

  public ItemFactorRow {
    Objects.requireNonNull(productId, PRODUCT_ID);
    Objects.requireNonNull(context, CONTEXT);
    Objects.requireNonNull(target, TARGET);
    Objects.requireNonNull(modelVersion, MODEL_VERSION);
    Objects.requireNonNull(updatedAt, UPDATED_AT);
    if (context.length == 0) {
      throw new IllegalArgumentException(CONTEXT + ": must not be empty");
    }
    if (target.length != context.length) {
      throw new IllegalArgumentException(TARGET + ": has " + target.length + " values, " + CONTEXT + " has "
          + context.length + "; both have the model's dimensions");
    }
    finite(CONTEXT, context);
    finite(TARGET, target);
    if (!Double.isFinite(bias)) {
      throw new IllegalArgumentException(BIAS + ": must be a finite number, was " + bias);
    }
    if (modelSteps < 0) {
      throw new IllegalArgumentException(MODEL_STEPS + ": must be >= 0, was " + modelSteps);
    }
  }

  /** The embeddings' size. */
  public int dimensions() {
    return context.length;
  }

  /** The row in the shape of {@link Rows}: the embeddings as lists of numbers. */
  public Map<String, Object> toRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(PRODUCT_ID, productId);
    row.put(CONTEXT, list(context));
    row.put(TARGET, list(target));
    row.put(BIAS, bias);
    row.put(MODEL_VERSION, modelVersion);
    row.put(MODEL_STEPS, modelSteps);
    row.put(UPDATED_AT, updatedAt.toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing or malformed column is named in the error. */
  public static ItemFactorRow fromRow(Map<String, ?> row) {
    return new ItemFactorRow(String.valueOf(UserActivityRow.required(row, PRODUCT_ID)),
        numbers(row, CONTEXT), numbers(row, TARGET), ItemNeighborRow.number(row, BIAS).doubleValue(),
        String.valueOf(UserActivityRow.required(row, MODEL_VERSION)),
        ItemNeighborRow.number(row, MODEL_STEPS).longValue(),
        Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }

  /**
   * Reads a warehouse row ({@link ColumnSource}: BigQuery's or JDBC's); a missing column, or embeddings that are
   * empty, of different lengths or not finite, fail naming the column ({@link IllegalArgumentException}).
   */
  public static ItemFactorRow from(ColumnSource row) {
    return new ItemFactorRow(ColumnSource.required(PRODUCT_ID, row.text(PRODUCT_ID)),
        ColumnSource.required(CONTEXT, row.numbers(CONTEXT)), ColumnSource.required(TARGET, row.numbers(TARGET)),
        ColumnSource.required(BIAS, row.number(BIAS)), ColumnSource.required(MODEL_VERSION, row.text(MODEL_VERSION)),
        ColumnSource.required(MODEL_STEPS, row.integer(MODEL_STEPS)),
        ColumnSource.required(UPDATED_AT, row.instant(UPDATED_AT)));
  }

  private static double[] numbers(Map<String, ?> row, String column) {
    Object value = UserActivityRow.required(row, column);
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(column + ": must be a list of numbers");
    }
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      if (!(v instanceof Number n)) {
        throw new IllegalArgumentException(column + "[" + i + "]: must be a number");
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  private static List<Double> list(double[] values) {
    List<Double> out = new ArrayList<>(values.length);
    for (double v : values) {
      out.add(v);
    }
    return out;
  }

  private static void finite(String column, double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException(column + "[" + i + "]: must be a finite number, was " + values[i]);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ItemFactorRow r && productId.equals(r.productId) && Arrays.equals(context, r.context)
        && Arrays.equals(target, r.target) && Double.compare(bias, r.bias) == 0
        && modelVersion.equals(r.modelVersion) && modelSteps == r.modelSteps && updatedAt.equals(r.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(productId, Arrays.hashCode(context), Arrays.hashCode(target), bias, modelVersion, modelSteps,
        updatedAt);
  }

  @Override
  public String toString() {
    return "ItemFactorRow[" + productId + ", d=" + context.length + ", bias=" + bias + ", " + modelVersion + ", "
        + modelSteps + " steps, " + updatedAt + "]";
  }
}
