package dev.cohort.lab.sweep;

import dev.cohort.lab.model.NetworkModel;
import java.util.List;
import java.util.Map;

/**
 * Everything a sweep measured, as saved in sweep.json: the cores of the host it ran on, the α-β-γ
 * of each network path and the runs. A report can be rebuilt from it without training again.
 */
public record SweepData(int cores, Map<String, NetworkModel> paths, List<RunResult> runs) {}
