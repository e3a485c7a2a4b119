package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * DuckDB is the local stack's: its adapters are modules functions-duckdb and pipeline-duckdb, and neither functions
 * (the function bundles) nor pipeline (the Flex Template) depends on DuckDB at compile or run time. This module's
 * test class path holds functions and pipeline with exactly those dependencies (their test-scoped ones do not come
 * along), so DuckDB's classes and the adapters must not be found on it; and both modules' builds keep the enforcer
 * rule that fails a build bringing DuckDB back.
 */
class LocalAdaptersStayLocalTest {
  private static final Path ROOT = TerraformConfig.DIR.getParent();

  @Test
  void functionsAndPipelineBringNeitherDuckDbNorItsAdapters() {
    ClassLoader loader = getClass().getClassLoader();
    assertThat(loader.getResource("dev/shopstream/functions/recommend/RecommendFunction.class")).isNotNull();
    assertThat(loader.getResource("dev/shopstream/pipeline/EventsPipeline.class")).isNotNull();
    for (String local : new String[] {"org/duckdb/DuckDBDriver.class",
        "dev/shopstream/warehouse/duckdb/DuckDbWarehouse.class",
        "dev/shopstream/functions/recommend/DuckDbRecommendationStore.class",
        "dev/shopstream/pipeline/sink/DuckDbSink.class",
        "META-INF/services/dev.shopstream.functions.recommend.RecommendationStoreProvider",
        "META-INF/services/dev.shopstream.pipeline.sink.WarehouseSinkProvider"}) {
      assertThat(loader.getResource(local)).as("%s reached by functions or pipeline", local).isNull();
    }
  }

  @Test
  void functionsAndPipelineBanDuckDbOutsideTheirTests() throws Exception {
    for (String module : new String[] {"functions", "pipeline"}) {
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      assertThat(pom).as(module).contains("<id>no-duckdb-here</id>")
          .contains("<exclude>org.duckdb:*:*:*:compile</exclude>")
          .contains("<exclude>org.duckdb:*:*:*:runtime</exclude>")
          .contains("<exclude>dev.shopstream:warehouse-duckdb:*:*:compile</exclude>")
          .contains("<exclude>dev.shopstream:warehouse-duckdb:*:*:runtime</exclude>");
    }
    String root = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(root).contains("<module>functions-duckdb</module>").contains("<module>pipeline-duckdb</module>");
  }
}
