package dev.cohort.cli;

import dev.cohort.lab.bench.CommBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code cohort quickstart}: the first thing to run on a new machine. For now it forms 2-process
 * worlds on this host and measures all-reduce over shared memory and TCP (about a minute).
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Start 2 worker processes on this host and measure all-reduce between them.")
final class QuickstartCommand implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    Path out = Files.createTempDirectory("cohort-quickstart-");
    System.out.println("Cohort quickstart: 2 processes, all-reduce from 4 KiB to 64 MiB over "
        + "shared memory and TCP.");
    new CommBench(new CommBench.Options(List.of(2),
        List.of(4096L, 65536L, 1048576L, 16777216L, 67108864L), 1, 200, false, null, null, out),
        System.out).run();
    return 0;
  }
}
