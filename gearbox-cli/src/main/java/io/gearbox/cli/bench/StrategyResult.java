package io.gearbox.cli.bench;

import java.util.List;

/**
 * What the children reported for one job.
 *
 * @param job the job
 * @param samples the measured runs (warm-ups left out)
 * @param peakRssKb the highest VmHWM any of its child JVMs reported, or -1
 * @param error why the job did not complete (the child died, or never reported), or null
 */
record StrategyResult(Job job, List<Sample> samples, long peakRssKb, String error) {}
