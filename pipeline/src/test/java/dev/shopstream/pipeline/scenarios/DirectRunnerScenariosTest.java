package dev.shopstream.pipeline.scenarios;

/** {@link PipelineScenarios} on the DirectRunner. */
public class DirectRunnerScenariosTest extends PipelineScenarios {}
