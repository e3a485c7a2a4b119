package dev.shopstream.functions.recommend;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.ColumnSource;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code item_factors} rows a {@link Snapshot}'s {@link FactorModel} is built from, kept between refreshes as
 * {@link SnapshotRows} keeps the neighbour lists (refresh thread only): per product its newest row; changed rows
 * replace a product's row when their {@code updated_at} is not older.
 *
 * <p><b>One model version.</b> The scorer holds the rows of the newest {@code model_version} only: the version of
 * the most recently updated row. Embeddings of two training runs live in unrelated spaces and cannot be mixed. When
 * a new run starts writing, its rows replace the old run's product by product; from its first row on, the scorer
 * has only the products the new run has written so far (the others are no factor candidates until it writes them:
 * the ranking leans on co-occurrence, trending and popularity for them meanwhile), and the old run's rows are
 * ignored. Within the version, a row whose dimensions differ from those of most of its rows is skipped with a
 * warning.
 *
 * <p>{@link #model} builds the scorer only when the rows changed since the last build: a refresh that read no
 * changed factor row keeps the scorer it had, and requests never build one.
 */
final class FactorRows {
  private static final Logger LOG = Logger.getLogger(FactorRows.class.getName());
  private static final Comparator<ItemFactorRow> NEWEST = Comparator.comparing(ItemFactorRow::updatedAt)
      .thenComparing(ItemFactorRow::modelVersion);

  private final Map<String, ItemFactorRow> rows = new HashMap<>();
  private boolean changed;
  private FactorModel model;
  private String version;

  /** Replaces every row with those of a full read. */
  void replace(List<ItemFactorRow> all) {
    rows.clear();
    model = null;
    version = null;
    changed = true;
    merge(all);
  }

  /** Merges changed rows: per product, a row not older than the one held replaces it. */
  void merge(List<ItemFactorRow> changedRows) {
    for (ItemFactorRow row : changedRows) {
      ItemFactorRow held = rows.get(row.productId());
      if (held == null || (!row.updatedAt().isBefore(held.updatedAt()) && !row.equals(held))) {
        rows.put(row.productId(), row);
        changed = true;
      }
    }
  }

  /** How many rows are held (every version's). */
  int count() {
    return rows.size();
  }

  /** The {@code model_version} the scorer holds; null when there is none. */
  String version() {
    return version;
  }

  /**
   * The scorer of the newest version's rows ({@link FactorConfig#defaults()} besides the rows' dimensions); null
   * when there is no row. Built again only when rows changed.
   */
  FactorModel model() {
    if (!changed) {
      return model;
    }
    changed = false;
    ItemFactorRow newest = rows.values().stream().max(NEWEST).orElse(null);
    if (newest == null) {
      model = null;
      version = null;
      return null;
    }
    Map<Integer, Integer> byDimensions = new HashMap<>();
    for (ItemFactorRow r : rows.values()) {
      if (r.modelVersion().equals(newest.modelVersion())) {
        byDimensions.merge(r.dimensions(), 1, Integer::sum);
      }
    }
    int d = byDimensions.entrySet().stream() // the version's dimensions: those of most of its rows
        .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .orElseThrow().getKey();
    List<ItemFactorRow> kept = new ArrayList<>();
    for (ItemFactorRow r : rows.values()) {
      if (!r.modelVersion().equals(newest.modelVersion())) {
        continue; // an older run's row: the new run replaces it when it writes the product
      }
      if (r.dimensions() != d) {
        skipped(r.productId(), ItemFactorRow.CONTEXT, "has " + r.dimensions() + " values, most rows of model "
            + "version " + newest.modelVersion() + " have " + d);
        continue;
      }
      kept.add(r);
    }
    kept.sort(Comparator.comparing(ItemFactorRow::productId)); // the same scorer whatever the read order
    List<FactorModel.Vectors> vectors = new ArrayList<>(kept.size());
    for (ItemFactorRow r : kept) {
      vectors.add(new FactorModel.Vectors(r.productId(), r.context(), r.target(), r.bias()));
    }
    model = FactorModel.of(FactorConfig.defaults(), vectors);
    version = newest.modelVersion();
    return model;
  }

  /**
   * Reads one warehouse row; a bad one (a column missing, embeddings empty, of different lengths or not finite) is
   * skipped with a warning naming the product and the column, never failing the read.
   */
  static Optional<ItemFactorRow> read(ColumnSource row) {
    try {
      return Optional.of(ItemFactorRow.from(row));
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      int colon = message.indexOf(':');
      String field = colon < 0 ? "" : message.substring(0, colon).replaceAll("\\[\\d+]$", "");
      String product;
      try {
        product = row.text(ItemFactorRow.PRODUCT_ID);
      } catch (RuntimeException unreadable) {
        product = null;
      }
      skipped(product, field, colon < 0 ? message : message.substring(colon + 1).trim());
      return Optional.empty();
    }
  }

  private static void skipped(String productId, String field, String problem) {
    ObjectNode fields = Json.MAPPER.createObjectNode();
    fields.put("table", TableSchemas.ITEM_FACTORS);
    fields.put(ItemFactorRow.PRODUCT_ID, productId);
    fields.put("field", field);
    fields.put("problem", problem);
    LOG.log(Level.WARNING, TableSchemas.ITEM_FACTORS + " row of " + productId + " skipped: " + field + " "
        + problem, fields);
  }
}
